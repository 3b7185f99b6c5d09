//! What `fix` prints and writes, taken by the real Git: `git apply` on the
//! diff of an install named by an absolute path, and `git am` on the
//! patches of `--patches`.

use std::path::Path;
use std::process::Command;

use crate::testing::{cli, write_pristine_from_kb};
use crate::tool_tests::{on_path, run, skipped};

/// `git` in `dir`, with an identity and no user or system configuration.
fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = run(Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_COMMITTER_NAME", "Operator")
        .env("GIT_COMMITTER_EMAIL", "ops@example.com")
        .env("GIT_AUTHOR_NAME", "Operator")
        .env("GIT_AUTHOR_EMAIL", "ops@example.com"))?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A repository holding a pristine 23.4.0 install at `deploy/sentry`,
/// committed; `None` (having said so) without git.
fn repo_with_install(test: &str) -> Option<tempfile::TempDir> {
    repo_with_release(test, "23.4.0")
}

/// [`repo_with_install`] with a pristine install of `release`.
fn repo_with_release(test: &str, release: &str) -> Option<tempfile::TempDir> {
    if on_path("git").is_none() {
        skipped(test, "git is not installed");
        return None;
    }
    let tmp = tempfile::tempdir().unwrap();
    write_pristine_from_kb(release.parse().unwrap(), &tmp.path().join("deploy/sentry"));
    git(tmp.path(), &["init", "--quiet"]).unwrap();
    git(tmp.path(), &["add", "."]).unwrap();
    git(
        tmp.path(),
        &["commit", "--quiet", "-m", &format!("Sentry {release}")],
    )
    .unwrap();
    Some(tmp)
}

#[test]
fn the_diff_of_an_install_named_by_absolute_path_applies_with_git() {
    let Some(repo) = repo_with_install("git_apply") else {
        return;
    };
    let install = repo.path().join("deploy/sentry");
    assert!(install.is_absolute());
    let (code, diff, err) = cli(&["fix", "--to", "24.1.0", install.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    // Named from the repository root, as `git diff` names them.
    assert!(
        diff.starts_with(
            "--- a/deploy/sentry/docker-compose.yml\n+++ b/deploy/sentry/docker-compose.yml\n"
        ),
        "{diff}"
    );
    assert!(!diff.contains("a//"), "{diff}");
    let patch = repo.path().join("step.diff");
    std::fs::write(&patch, &diff).unwrap();
    git(repo.path(), &["apply", "--check", "step.diff"]).unwrap();
    // From a folder below the root too, which is where operators stand.
    git(&install, &["apply", "--check", patch.to_str().unwrap()]).unwrap();
}

/// `fix --to TO --patches DIR ROOT`: the patch files written, in order.
fn write_patches(root: &str, to: &str, dir: &Path) -> Vec<String> {
    let (code, _, err) = cli(&["fix", "--to", to, "--patches", dir.to_str().unwrap(), root]);
    assert!(code == 0 || code == 1, "{err}");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path().to_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn patches_are_mail_that_git_am_commits_and_plan_then_has_nothing_left() {
    let Some(repo) = repo_with_install("git_am") else {
        return;
    };
    let install = repo.path().join("deploy/sentry");
    let root = install.to_str().unwrap();
    let (code, _, err) = cli(&["plan", "--to", "24.1.0", root]);
    assert_eq!(code, 1, "steps remain: {err}");
    let patches = tempfile::tempdir().unwrap();
    let names = write_patches(root, "24.1.0", patches.path());
    assert_eq!(names.len(), 3, "{names:?}");
    let first = std::fs::read_to_string(&names[0]).unwrap();
    assert!(
        first.starts_with("From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\nFrom: sentrylint <"),
        "{first}"
    );
    let mut am = vec!["am", "--quiet"];
    am.extend(names.iter().map(String::as_str));
    git(repo.path(), &am).unwrap();
    let log = git(repo.path(), &["log", "--format=%an: %s"]).unwrap();
    assert_eq!(
        log,
        "sentrylint: Sentry self-hosted 24.1.0\n\
         sentrylint: Sentry self-hosted 23.11.0 (hard stop)\n\
         sentrylint: Sentry self-hosted 23.6.2 (hard stop)\n\
         Operator: Sentry 23.4.0\n"
    );
    let env = std::fs::read_to_string(install.join(".env")).unwrap();
    assert!(
        env.contains("SENTRY_IMAGE=getsentry/sentry:24.1.0"),
        "{env}"
    );
    let (code, out, err) = cli(&["plan", "--to", "24.1.0", root]);
    assert_eq!(code, 0, "nothing left after the patches:\n{out}{err}");
}

/// The taskbroker config a release ships, from the knowledge base.
fn taskbroker_config(release: &str) -> &'static str {
    let kb = crate::kb::Kb::get();
    kb.release(release.parse().unwrap())
        .unwrap()
        .taskbroker_config
        .unwrap()
}

#[test]
fn a_created_file_is_a_new_file_diff_that_git_and_patch_apply() {
    let Some(repo) = repo_with_release("git_apply_new_file", "26.5.1") else {
        return;
    };
    let install = repo.path().join("deploy/sentry");
    assert!(!install.join("taskbroker").exists());
    let (code, diff, err) = cli(&["fix", "--to", "26.8.0", install.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    let path = "deploy/sentry/taskbroker/config.yml";
    let header = format!(
        "diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,"
    );
    assert!(diff.contains(&header), "{diff}");
    std::fs::write(repo.path().join("step.diff"), &diff).unwrap();
    git(repo.path(), &["apply", "--check", "step.diff"]).unwrap();
    if on_path("patch").is_some() {
        let out = run(Command::new("patch")
            .args(["-p1", "--dry-run", "-i", "step.diff"])
            .current_dir(repo.path()));
        assert!(out.is_ok(), "patch -p1 refused the diff: {out:?}");
    }
    git(repo.path(), &["apply", "step.diff"]).unwrap();
    assert_eq!(
        std::fs::read_to_string(install.join("taskbroker/config.yml")).unwrap(),
        taskbroker_config("26.7.0")
    );
}

#[test]
fn patches_create_the_taskbroker_config_once_and_update_it_after() {
    let Some(repo) = repo_with_release("git_am_new_file", "26.5.1") else {
        return;
    };
    let install = repo.path().join("deploy/sentry");
    let root = install.to_str().unwrap();
    let patches = tempfile::tempdir().unwrap();
    let names = write_patches(root, "26.8.0", patches.path());
    assert_eq!(names.len(), 2, "{names:?}");
    let second = std::fs::read_to_string(&names[1]).unwrap();
    assert!(!second.contains("new file mode"), "{second}");
    let mut am = vec!["am", "--quiet"];
    am.extend(names.iter().map(String::as_str));
    git(repo.path(), &am).unwrap();
    assert_eq!(
        std::fs::read_to_string(install.join("taskbroker/config.yml")).unwrap(),
        taskbroker_config("26.8.0")
    );
    let (code, out, err) = cli(&["fix", "--to", "26.8.0", root]);
    assert_eq!((code, out.as_str()), (0, ""), "nothing left: {err}");
}
