//! The edit machinery on an install cut from the input (after one byte that
//! picks a target release and `--unsafe-fixes`): `fix --write` and
//! `fix --to X --write` leave files that parse, and running the same fix
//! again changes nothing more.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sentrylint::fuzzing::write_install;
use sentrylint_fuzz::{cli, scratch};

const TARGETS: &[&str] = &["23.6.2", "23.11.0", "24.1.0", "24.8.0", "25.5.1"];

fn sl000(dir: &std::path::Path) -> Vec<String> {
    let (_, out, _) = cli(&["check", "--format", "concise", "--select", "SL000"], dir);
    out.lines().map(str::to_string).collect()
}

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let dir = scratch();
    write_install(dir.path(), rest).unwrap();
    let unsafe_fixes = choice & 0x80 != 0;
    let mut args: Vec<&str> = vec!["fix"];
    let target = TARGETS[(choice & 0x7f) as usize % (TARGETS.len() + 1)..].first().copied();
    if let Some(t) = target {
        args.extend(["--to", t]);
    }
    if unsafe_fixes {
        args.push("--unsafe-fixes");
    }
    let before = sl000(dir.path());
    let (code, _, _) = cli(&[&args[..], &["--format", "json"]].concat(), dir.path());
    if code != 1 || !before.is_empty() {
        // Nothing to change, or input fix refuses: nothing may have been written.
        return;
    }
    let (code, out, err) = cli(&[&args[..], &["--write", "--format", "json"]].concat(), dir.path());
    let json: serde_json::Value = serde_json::from_str(&out).expect("JSON output parses");
    if code != 0 {
        // A refused write (the step's result would not parse, say) writes nothing.
        assert_eq!(sl000(dir.path()), before, "{err}");
        return;
    }
    let after = sl000(dir.path());
    assert!(after.is_empty(), "the written result does not parse: {after:?}\n{out}");
    // Running the same fix again (to the step just written) changes nothing.
    let mut again: Vec<&str> = vec!["fix"];
    let step = json["installs"][0]["step"].as_str().map(str::to_string);
    if let Some(s) = &step {
        again.extend(["--to", s.as_str()]);
    }
    if unsafe_fixes {
        again.push("--unsafe-fixes");
    }
    let (code, out, _) = cli(&again, dir.path());
    assert_eq!(code, 0, "a second run still changes things:\n{out}");
});
