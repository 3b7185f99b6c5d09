//! Standard input (`-` with `--stdin-filename`) and shell completions.

use std::path::Path;

use crate::RunEnv;
use crate::testing::{run_cli, write_files};

const CLEAN_COMPOSE: &str = "services:\n  web:\n    image: a\n";

fn with_stdin(text: &str) -> RunEnv {
    RunEnv {
        stdin: Some(text.as_bytes().to_vec()),
        ..RunEnv::default()
    }
}

fn install(files: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let owned: Vec<(&str, String)> = files.iter().map(|(p, t)| (*p, t.to_string())).collect();
    write_files(tmp.path(), &owned);
    tmp
}

fn path(dir: &Path, rel: &str) -> String {
    dir.join(rel).to_str().unwrap().to_string()
}

/// `check --format concise` of `text` given on standard input as `name`.
fn check_stdin(name: &str, text: &str) -> (i32, String, String) {
    run_cli(
        &[
            "check",
            "--format",
            "concise",
            // These toy installs name no release; the note says so.
            "--ignore",
            "SL307",
            "-",
            "--stdin-filename",
            name,
        ],
        &with_stdin(text),
    )
}

#[test]
fn standard_input_replaces_the_named_file() {
    let tmp = install(&[("docker-compose.yml", CLEAN_COMPOSE)]);
    let name = path(tmp.path(), "docker-compose.yml");
    let buffer = "services:\n  web:\n    image: a\n    image: b\n";
    let (code, out, err) = check_stdin(&name, buffer);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        out,
        format!("{name}:4:5: error SL001 `image` is set twice in the same mapping\n")
    );
    // The file on disk is clean.
    let (code, out, _) = run_cli(&["check", tmp.path().to_str().unwrap()], &RunEnv::default());
    assert_eq!(code, 0, "{out}");
}

#[test]
fn the_other_files_come_from_disk() {
    // SL101 needs the release from .env and the consumers from compose.
    let compose = std::fs::read_to_string(
        crate::testing::repo()
            .join("testdata/rules/SL101/bad-recordings-consumer-missing/docker-compose.yml"),
    )
    .unwrap();
    let tmp = install(&[
        ("docker-compose.yml", &compose),
        (".env", "SNUBA_IMAGE=x\n"),
    ]);
    let name = path(tmp.path(), ".env");
    let run = |env: &str| check_stdin(&name, env);
    let (code, out, err) = run("SENTRY_IMAGE=getsentry/sentry:24.1.0\n");
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("docker-compose.yml:9:1: warning SL101"),
        "{out}"
    );
    let (code, out, _) = run("SNUBA_IMAGE=x\n");
    assert_eq!((code, out.as_str()), (0, ""));
}

#[test]
fn an_unsaved_file_is_linted_and_named_as_given() {
    let tmp = install(&[("docker-compose.yml", CLEAN_COMPOSE)]);
    let name = path(tmp.path(), "sentry/sentry.conf.py");
    let (code, out, _) = check_stdin(&name, "SENTRY_OPTIONS = {\n");
    assert_eq!(code, 2);
    assert!(out.starts_with(&format!("{name}:")), "{out}");
    assert!(out.contains(" error SL000 "), "{out}");
}

#[test]
fn standard_input_mistakes_are_explained() {
    let tmp = install(&[("docker-compose.yml", CLEAN_COMPOSE), ("README.md", "")]);
    let root = tmp.path().to_str().unwrap();
    let env = with_stdin("");
    let cases: Vec<(Vec<String>, String)> = vec![
        (
            vec!["-".into()],
            "error: `-` needs --stdin-filename PATH".into(),
        ),
        (
            vec![
                "--stdin-filename".into(),
                path(tmp.path(), ".env"),
                root.into(),
            ],
            "error: --stdin-filename names the file on standard input; pass `-` as the path too"
                .into(),
        ),
        (
            vec![
                "-".into(),
                root.into(),
                "--stdin-filename".into(),
                path(tmp.path(), ".env"),
            ],
            "error: `-` reads one file from standard input; give no other paths with it".into(),
        ),
        (
            vec![
                "-".into(),
                "--stdin-filename".into(),
                path(tmp.path(), "README.md"),
            ],
            "is not a file sentrylint reads in the install at".into(),
        ),
        (
            vec![
                "-".into(),
                "--stdin-filename".into(),
                "/nowhere/.env".into(),
            ],
            "error: /nowhere/.env: is in no self-hosted install".into(),
        ),
    ];
    for (args, want) in cases {
        let mut argv = vec!["check"];
        argv.extend(args.iter().map(String::as_str));
        let (code, _, err) = run_cli(&argv, &env);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains(&want), "{args:?}: {err}");
    }
}

#[test]
fn completions_are_valid_scripts_for_each_shell() {
    let (code, bash, _) = run_cli(&["completions", "bash"], &RunEnv::default());
    assert_eq!(code, 0);
    assert!(bash.contains("sentrylint__subcmd__check") && bash.contains("--stdin-filename"));
    let tmp = tempfile::tempdir().unwrap();
    let script = tmp.path().join("sentrylint.bash");
    std::fs::write(&script, &bash).unwrap();
    let status = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .status()
        .expect("bash runs");
    assert!(status.success(), "bash -n rejects the completion script");
    let (_, zsh, _) = run_cli(&["completions", "zsh"], &RunEnv::default());
    assert!(zsh.starts_with("#compdef sentrylint"), "{zsh}");
    let (_, fish, _) = run_cli(&["completions", "fish"], &RunEnv::default());
    assert!(fish.contains("complete -c sentrylint"), "{fish}");
    let (code, _, err) = run_cli(&["completions", "tcsh"], &RunEnv::default());
    assert_eq!(code, 2);
    assert!(err.contains("invalid value 'tcsh'"), "{err}");
}
