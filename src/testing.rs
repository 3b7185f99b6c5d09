//! Helpers shared by the test modules.

use std::path::{Path, PathBuf};

use crate::kb::version::Version;

/// `../shared/upstream` next to the checkout, when it exists. Tests that need
/// it call [`skipped_without_shared`] when it does not.
pub fn shared_upstream() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/upstream");
    dir.is_dir().then_some(dir)
}

/// Says that the running test skipped its checks because ../shared/upstream
/// is absent. Written to stderr directly: `cargo test` swallows what a
/// passing test prints with `eprintln!`.
pub fn skipped_without_shared() {
    use std::io::Write;
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    let _ = writeln!(
        std::io::stderr(),
        "\n{test}: SKIPPED: ../shared/upstream is absent (the upstream release files)\n"
    );
}

/// Runs the CLI in-process with the default environment; returns (exit
/// code, stdout, stderr).
pub fn cli(args: &[&str]) -> (i32, String, String) {
    run_cli(args, &crate::RunEnv::default())
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A generated-looking secret key, so that the pristine installs are what
/// install.sh leaves behind.
pub const TEST_SECRET_KEY: &str = "q2w9-e8r7t6y5u4i3o2p1a0s9d8f7g6h5j4k3l2z1x0c9v8b7n6";

/// Writes `files` (relative path, text) under `dir`.
pub fn write_files(dir: &Path, files: &[(&str, String)]) {
    for (rel, text) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

/// Copies an install (a fixture, an example) into a temporary folder so
/// fixes can be written.
pub fn scratch_copy(src: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for entry in walkdir::WalkDir::new(src).min_depth(1) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(src).unwrap();
        let dest = tmp.path().join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
    tmp
}

/// A pristine install of an upstream release as install.sh leaves it: the
/// upstream docker-compose.yml and .env, config.yml from config.example.yml
/// with a generated key, the release's example sentry.conf.py, and the
/// tracked files compose mounts that sentrylint reads (taskbroker's config).
/// `None` when ../shared is absent.
pub fn pristine_upstream(tag: &str) -> Option<tempfile::TempDir> {
    let up = shared_upstream()?.join(tag);
    let tmp = tempfile::tempdir().unwrap();
    let read = |rel: &str| std::fs::read_to_string(up.join(rel)).unwrap();
    let config = read("sentry/config.example.yml")
        .replace("'!!changeme!!'", &format!("'{TEST_SECRET_KEY}'"));
    let mut files = vec![
        ("docker-compose.yml", read("docker-compose.yml")),
        (".env", read(".env")),
        ("sentry/config.yml", config),
        (
            "sentry/sentry.conf.py",
            read("sentry/sentry.conf.example.py"),
        ),
    ];
    if up.join("taskbroker/config.yml").exists() {
        files.push(("taskbroker/config.yml", read("taskbroker/config.yml")));
    }
    write_files(tmp.path(), &files);
    Some(tmp)
}

/// The release folders of ../shared/upstream, oldest first.
pub fn upstream_releases() -> Option<Vec<Version>> {
    let mut out: Vec<Version> = std::fs::read_dir(shared_upstream()?)
        .unwrap()
        .filter_map(|e| e.unwrap().file_name().to_str()?.parse().ok())
        .collect();
    out.sort();
    Some(out)
}

/// A pristine install of any release from the knowledge base alone:
/// compose and .env rendered from it, and the release's example
/// sentry.conf.py when ../shared has it.
pub fn pristine_from_kb(version: Version) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    write_pristine_from_kb(version, tmp.path());
    tmp
}

/// [`pristine_from_kb`], written into `dir`.
pub fn write_pristine_from_kb(version: Version, dir: &Path) {
    let kb = crate::kb::Kb::get();
    let r = kb.release(version).unwrap();
    let mut files = vec![
        ("docker-compose.yml", r.compose_text.to_string()),
        (".env", r.env_text()),
    ];
    let example = shared_upstream().map(|d| {
        d.join(version.to_string())
            .join("sentry/sentry.conf.example.py")
    });
    if let Some(text) = example.and_then(|p| std::fs::read_to_string(p).ok()) {
        files.push(("sentry/sentry.conf.py", text));
    }
    write_files(dir, &files);
}

/// Runs the CLI in-process from the repository root (where `cargo test`
/// runs); returns (exit code, stdout, stderr).
pub fn run_cli(args: &[&str], env: &crate::RunEnv) -> (i32, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut argv = vec!["sentrylint".into()];
    argv.extend(args.iter().map(|a| a.into()));
    let code = crate::run(argv, env, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

/// The fenced block after each `<!-- file: NAME -->` marker in the README,
/// as (NAME, text): the snippets a user copies, which tests check.
pub fn readme_snippets() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let mut out = Vec::new();
    let mut rest = readme.as_str();
    while let Some(at) = rest.find("<!-- file: ") {
        rest = &rest[at + "<!-- file: ".len()..];
        let name = rest[..rest.find(" -->").unwrap()].to_string();
        let fence = rest.find("```").unwrap();
        let body_start = fence + rest[fence..].find('\n').unwrap() + 1;
        let body_end = body_start + rest[body_start..].find("```").unwrap();
        out.push((name, rest[body_start..body_end].to_string()));
        rest = &rest[body_end..];
    }
    out
}
