//! The whole `check` pipeline on an install cut from the input (see
//! `sentrylint::fuzzing::install_files`): every output format answers with
//! exit 0, 1 or 2, the JSON parses, and nothing panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sentrylint::fuzzing::write_install;
use sentrylint_fuzz::{cli, scratch};

fuzz_target!(|data: &[u8]| {
    let dir = scratch();
    write_install(dir.path(), data).unwrap();
    let mut codes = Vec::new();
    for format in ["json", "concise", "human"] {
        let (code, out, _) = cli(&["check", "--format", format], dir.path());
        if format == "json" {
            let _: serde_json::Value = serde_json::from_str(&out).expect("JSON output parses");
        }
        codes.push(code);
    }
    assert!(
        codes.windows(2).all(|w| w[0] == w[1]),
        "formats disagree: {codes:?}"
    );
});
