//! Helpers of the fuzz targets: span checks and running the CLI in-process.

use std::ffi::OsString;
use std::path::Path;

use sentrylint::source::Span;

/// A span lies inside `text` on character boundaries.
pub fn check_span(text: &str, span: Span, what: &str) {
    let (s, e) = (span.start as usize, span.end as usize);
    assert!(s <= e && e <= text.len(), "{what}: span {span:?} outside 0..{}", text.len());
    assert!(
        text.is_char_boundary(s) && text.is_char_boundary(e),
        "{what}: span {span:?} splits a character"
    );
}

/// Runs the CLI in-process: (exit code, stdout, stderr).
pub fn cli(args: &[&str], dir: &Path) -> (i32, String, String) {
    let mut argv: Vec<OsString> = vec!["sentrylint".into()];
    argv.extend(args.iter().map(OsString::from));
    argv.push(dir.as_os_str().to_owned());
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = sentrylint::run(argv, &sentrylint::RunEnv::default(), &mut out, &mut err);
    assert!((0..=2).contains(&code), "exit code {code}");
    let out = String::from_utf8(out).expect("stdout is UTF-8");
    let err = String::from_utf8(err).expect("stderr is UTF-8");
    (code, out, err)
}

/// A fresh folder, in memory when /dev/shm exists.
pub fn scratch() -> tempfile::TempDir {
    match tempfile::tempdir_in("/dev/shm") {
        Ok(d) => d,
        Err(_) => tempfile::tempdir().expect("a temporary folder"),
    }
}
