//! Helpers of the fuzz targets: span checks and running the CLI in-process.

use std::ffi::OsString;
use std::path::Path;

use sentrylint::source::Span;

/// A span lies inside `text` on character boundaries.
pub fn check_span(text: &str, span: Span, what: &str) {
    let (s, e) = (span.start as usize, span.end as usize);
    assert!(
        s <= e && e <= text.len(),
        "{what}: span {span:?} outside 0..{}",
        text.len()
    );
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

/// Releases `fix --to` may aim at (picked by the fuzz input).
pub const TARGETS: &[&str] = &["23.6.2", "23.11.0", "24.1.0", "24.8.0", "25.5.1"];

fn sl000(dir: &Path) -> Vec<String> {
    let (_, out, _) = cli(&["check", "--format", "concise", "--select", "SL000"], dir);
    out.lines().map(str::to_string).collect()
}

/// The fix properties on the install in `dir`, with `choice` picking a
/// target release (or none: rule fixes) and `--unsafe-fixes`: `--write`
/// leaves files that parse (or writes nothing), and a second run of the
/// same fix (to the step just written) changes nothing.
pub fn check_fix(dir: &Path, choice: u8) {
    let unsafe_fixes = choice & 0x80 != 0;
    let mut args: Vec<&str> = vec!["fix"];
    let target = TARGETS[(choice & 0x7f) as usize % (TARGETS.len() + 1)..]
        .first()
        .copied();
    if let Some(t) = target {
        args.extend(["--to", t]);
    }
    if unsafe_fixes {
        args.push("--unsafe-fixes");
    }
    let before = sl000(dir);
    let (code, _, _) = cli(&[&args[..], &["--format", "json"]].concat(), dir);
    if code != 1 || !before.is_empty() {
        // Nothing to change, or input fix refuses.
        return;
    }
    let (code, out, err) = cli(&[&args[..], &["--write", "--format", "json"]].concat(), dir);
    let json: serde_json::Value = serde_json::from_str(&out).expect("JSON output parses");
    if code != 0 {
        // A refused write (the step's result would not parse, say) writes nothing.
        assert_eq!(sl000(dir), before, "{err}");
        return;
    }
    let after = sl000(dir);
    assert!(
        after.is_empty(),
        "the written result does not parse: {after:?}\n{out}"
    );
    let mut again: Vec<&str> = vec!["fix"];
    let step = json["installs"][0]["step"].as_str().map(str::to_string);
    if let Some(s) = &step {
        again.extend(["--to", s.as_str()]);
    }
    if unsafe_fixes {
        again.push("--unsafe-fixes");
    }
    let (code, out, _) = cli(&again, dir);
    assert_eq!(code, 0, "a second run still changes things:\n{out}");
}
