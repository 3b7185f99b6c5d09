//! What a user installs without a Rust toolchain: the wheel maturin builds
//! (`pyproject.toml`), installed into a fresh virtualenv, and the
//! pre-commit mirror (`pre-commit-mirror/`) installing that wheel through
//! the real pre-commit. Neither may find cargo on PATH. Also: one version
//! in every file that names it.
//!
//! The wheel is a release build (about two minutes on two cores), made once
//! per test run in `target/wheel-build` and shared by the tests here. The
//! tools come from `.ci/tools.txt` as in `tool_tests`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

use crate::testing::{readme_snippets, repo};
use crate::tool_tests::{
    as_a_user, git, image_twice, run, sample_repository, shown, skipped, tool, venv_with,
};

fn cargo_version() -> String {
    let text = std::fs::read_to_string(repo().join("Cargo.toml")).unwrap();
    let manifest: toml::Table = toml::from_str(&text).unwrap();
    manifest["package"]["version"].as_str().unwrap().to_string()
}

enum NoWheel {
    /// maturin is not to be had: the tests skip (or fail, in CI).
    NoTool(String),
    /// The build failed: a failure wherever it happens.
    Failed(String),
}

/// The wheel of this checkout, built by the first test that asks for it.
fn wheel() -> &'static Result<PathBuf, NoWheel> {
    static WHEEL: OnceLock<Result<PathBuf, NoWheel>> = OnceLock::new();
    WHEEL.get_or_init(|| {
        let maturin = tool("maturin").map_err(NoWheel::NoTool)?;
        let out = repo().join("target/wheel-out");
        let _ = std::fs::remove_dir_all(&out);
        let mut cmd = Command::new(maturin);
        cmd.args(["build", "--release", "--locked", "--out"])
            .arg(&out)
            .current_dir(repo());
        as_a_user(&mut cmd);
        cmd.env("CARGO_TARGET_DIR", repo().join("target/wheel-build"));
        run(&mut cmd).map_err(NoWheel::Failed)?;
        let wheels: Vec<PathBuf> = std::fs::read_dir(&out)
            .map_err(|e| NoWheel::Failed(e.to_string()))?
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "whl"))
            .collect();
        match wheels.as_slice() {
            [one] => Ok(one.clone()),
            _ => Err(NoWheel::Failed(format!("maturin made {wheels:?}"))),
        }
    })
}

/// The wheel, or why the test skips; a failed build fails the test.
fn wheel_or_skip(test: &str) -> Option<&'static Path> {
    match wheel() {
        Ok(w) => Some(w),
        Err(NoWheel::NoTool(why)) => {
            skipped(test, &format!("cannot get maturin: {why}"));
            None
        }
        Err(NoWheel::Failed(why)) => panic!("maturin build: {why}"),
    }
}

/// PATH without any folder holding cargo or rustc: what a machine without
/// a Rust toolchain has.
fn path_without_rust(first: &Path) -> OsString {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let kept = std::env::split_paths(&path)
        .filter(|dir| !dir.join("cargo").exists() && !dir.join("rustc").exists());
    std::env::join_paths(std::iter::once(first.to_path_buf()).chain(kept)).unwrap()
}

#[test]
fn the_wheel_installs_without_cargo_and_runs_at_cargo_tomls_version() {
    const TEST: &str =
        "packaging_tests::the_wheel_installs_without_cargo_and_runs_at_cargo_tomls_version";
    let Some(wheel) = wheel_or_skip(TEST) else {
        return;
    };
    let version = cargo_version();
    let name = wheel.file_name().unwrap().to_string_lossy();
    assert!(
        name.starts_with(&format!("sentrylint-{version}-")),
        "{name}"
    );

    let tmp = tempfile::tempdir().unwrap();
    let venv = tmp.path().join("venv");
    venv_with(&venv, &["--no-index".as_ref(), wheel.as_os_str()]).unwrap();
    let mut cmd = Command::new("sentrylint");
    as_a_user(&mut cmd);
    let out = cmd
        .arg("--version")
        .env("PATH", path_without_rust(&venv.join("bin")))
        .env_remove("CARGO_HOME")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", shown(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("sentrylint {version}\n")
    );
}

/// The folder pip takes setuptools from when it builds the mirror's
/// project offline: the wheels virtualenv (pre-commit's) seeds venvs with.
fn seed_wheels(pre_commit: &Path) -> Result<PathBuf, String> {
    let python = pre_commit
        .canonicalize()
        .map_err(|e| e.to_string())?
        .with_file_name("python");
    let out = run(Command::new(python).args([
        "-c",
        "import os, virtualenv.seed.wheels.embed as e; print(os.path.dirname(e.__file__))",
    ]))?;
    Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

/// A git repository holding `pre-commit-mirror/` as the release publishes
/// it, tagged `v<version>`.
fn mirror_repository(version: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(repo().join("pre-commit-mirror")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), tmp.path().join(entry.file_name())).unwrap();
    }
    git(tmp.path(), &["init", "--quiet"]).unwrap();
    git(tmp.path(), &["add", "--all"]).unwrap();
    git(tmp.path(), &["commit", "--quiet", "-m", "mirror"]).unwrap();
    git(tmp.path(), &["tag", &format!("v{version}")]).unwrap();
    tmp
}

#[test]
fn pre_commit_mirror_installs_the_wheel_and_fails_a_broken_install() {
    const TEST: &str =
        "packaging_tests::pre_commit_mirror_installs_the_wheel_and_fails_a_broken_install";
    let pre_commit = match tool("pre-commit") {
        Ok(p) => p,
        Err(why) => return skipped(TEST, &format!("cannot get pre-commit: {why}")),
    };
    let Some(wheel) = wheel_or_skip(TEST) else {
        return;
    };
    let version = cargo_version();
    let mirror = mirror_repository(&version);
    let seeds = seed_wheels(&pre_commit).unwrap();
    // A cold pre-commit: the first run makes the hook's environment.
    let home = tempfile::tempdir().unwrap();
    let bin = tempfile::tempdir().unwrap();
    let config = format!(
        "repos:\n  - repo: {}\n    rev: v{version}\n    hooks:\n      - id: sentrylint\n",
        mirror.path().display()
    );
    let run_hooks = |edit: &dyn Fn(String) -> String| {
        let sample = sample_repository(edit).unwrap();
        std::fs::write(sample.path().join(".pre-commit-config.yaml"), &config).unwrap();
        git(sample.path(), &["add", ".pre-commit-config.yaml"]).unwrap();
        git(sample.path(), &["commit", "--quiet", "-m", "hooks"]).unwrap();
        let mut cmd = Command::new(&pre_commit);
        as_a_user(&mut cmd);
        cmd.args(["run", "--all-files", "--color", "never"])
            .current_dir(sample.path())
            .env("PATH", path_without_rust(bin.path()))
            .env_remove("CARGO_HOME")
            .env("PRE_COMMIT_HOME", home.path())
            // Offline: the wheel just built is the only sentrylint there is,
            // and nothing can fall back to building one.
            .env("PIP_NO_INDEX", "1")
            .env(
                "PIP_FIND_LINKS",
                format!("{} {}", wheel.parent().unwrap().display(), seeds.display()),
            );
        cmd.output().unwrap()
    };

    let started = Instant::now();
    let out = run_hooks(&|t| t);
    let cold = started.elapsed();
    assert!(out.status.success(), "clean install:\n{}", shown(&out));

    let out = run_hooks(&image_twice);
    let text = shown(&out);
    assert_eq!(out.status.code(), Some(1), "broken install:\n{text}");
    assert!(
        text.contains("deploy/sentry/docker-compose.yml") && text.contains("SL001"),
        "{text}"
    );
    let _ = std::io::Write::write_fmt(
        &mut std::io::stderr(),
        format_args!("\n{TEST}: cold first run {:.1} s\n", cold.as_secs_f64()),
    );
}

/// Every `<prefix><version>` in `text`.
fn pins<'t>(text: &'t str, prefix: &str) -> Vec<&'t str> {
    text.match_indices(prefix)
        .map(|(at, _)| {
            let rest = &text[at + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+')))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

#[test]
fn one_version_everywhere() {
    let version = cargo_version();
    // (file, what stands before the version); each must occur at least once.
    let places = [
        ("Cargo.lock", "name = \"sentrylint\"\nversion = \""),
        ("pre-commit-mirror/pyproject.toml", "\nversion = \""),
        ("pre-commit-mirror/pyproject.toml", "\"sentrylint=="),
        (
            "pre-commit-mirror/README.md",
            "sentrylint-pre-commit\n    rev: v",
        ),
        ("README.md", "sentrylint-pre-commit\n    rev: v"),
        (
            "README.md",
            "repo: https://github.com/sentrylint/sentrylint\n    rev: v",
        ),
        ("README.md", "sentrylint/sentrylint@v"),
        ("README.md", "releases/download/v"),
        ("README.md", "--tag v"),
    ];
    for (file, prefix) in places {
        let text = std::fs::read_to_string(repo().join(file)).unwrap();
        let found = pins(&text, prefix);
        assert!(
            !found.is_empty(),
            "{file} no longer has `{prefix}<version>`"
        );
        for pin in found {
            assert_eq!(
                pin, version,
                "{file}: `{prefix}{pin}`, Cargo.toml says {version}"
            );
        }
    }
    // The README's snippets are what users copy: no other release there.
    for (name, text) in readme_snippets() {
        for prefix in ["sentrylint@v", "rev: v"] {
            for pin in pins(&text, prefix) {
                assert_eq!(pin, version, "README snippet {name}: `{prefix}{pin}`");
            }
        }
    }
    // The wheel takes Cargo.toml's version (the wheel test checks it does).
    let text = std::fs::read_to_string(repo().join("pyproject.toml")).unwrap();
    let pyproject: toml::Table = toml::from_str(&text).unwrap();
    let project = pyproject["project"].as_table().unwrap();
    assert!(
        !project.contains_key("version"),
        "pyproject.toml sets a version"
    );
    assert!(
        project["dynamic"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v.as_str() == Some("version")),
        "pyproject.toml must take the version from Cargo.toml"
    );
}

/// The mirror's hooks are the root's hooks, installed from the wheel
/// (`language: python`) instead of built (`language: rust`): the same ids,
/// entries and `files:` patterns, so both take the same install files.
#[test]
fn the_mirror_hooks_are_the_root_hooks() {
    use crate::parse::yaml::{self, first_difference};
    let read = |file: &str| std::fs::read_to_string(repo().join(file)).unwrap();
    let root_text =
        read(".pre-commit-hooks.yaml").replace("language: rust\n", "language: python\n");
    let mirror_text = read("pre-commit-mirror/.pre-commit-hooks.yaml");
    let root = yaml::parse(&root_text, yaml::Options::default()).unwrap();
    let mirror = yaml::parse(&mirror_text, yaml::Options::default()).unwrap();
    let (r, m) = (root.root.unwrap(), mirror.root.unwrap());
    assert!(!mirror.items(m).is_empty(), "the mirror has no hooks");
    for &hook in mirror.items(m) {
        let language = mirror.get(hook, "language").map(|p| p.value);
        assert_eq!(language.and_then(|l| mirror.scalar(l)), Some("python"));
    }
    assert_eq!(
        first_difference(&root, r, &mirror, m),
        None,
        "pre-commit-mirror/.pre-commit-hooks.yaml differs from .pre-commit-hooks.yaml \
         beyond `language`"
    );
}
