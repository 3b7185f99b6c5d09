use std::path::{Path, PathBuf};

use super::*;
use crate::RunEnv;
use crate::testing::{run_cli, write_files};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn errors(text: &str) -> Vec<String> {
    match parse(text, "sentrylint.toml", Path::new("/base")) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn the_checked_in_schema_is_generated_from_the_keys() {
    let generated = serde_json::to_string_pretty(&json_schema()).unwrap() + "\n";
    let file = repo().join("sentrylint.schema.json");
    let checked_in = std::fs::read_to_string(&file).unwrap_or_default();
    if generated != checked_in {
        if std::env::var_os("SENTRYLINT_BLESS").is_some() {
            std::fs::write(&file, &generated).unwrap();
        } else {
            panic!(
                "sentrylint.schema.json is stale; SENTRYLINT_BLESS=1 cargo test --lib config:: rewrites it\n{generated}"
            );
        }
    }
}

/// The schema and the parser accept and refuse the same files.
#[test]
fn the_schema_and_the_parser_agree() {
    let schema = jsonschema::validator_for(&json_schema()).unwrap();
    let cases = [
        (
            "select = [\"SL1\", \"duplicate-key\"]\nignore = [\"SL101\"]\nfail-on = \"error\"\n\
             sentry-version = \"24.1.0\"\ntarget-version = \"24.8.0\"\n\
             [severity]\nSL101 = \"error\"\n[per-path-ignores]\n\"staging/**\" = [\"SL101\"]\n",
            true,
        ),
        ("", true),
        ("selct = [\"SL101\"]\n", false),
        ("select = \"SL101\"\n", false),
        ("fail-on = \"sometimes\"\n", false),
        ("[severity]\nSL101 = \"fatal\"\n", false),
        ("sentry-version = \"24.1\"\n", false),
        ("[per-path-ignores]\n\"a\" = \"SL101\"\n", false),
    ];
    for (text, valid) in cases {
        let value: toml::Value = toml::from_str(text).unwrap();
        let as_json = serde_json::to_value(&value).unwrap();
        assert_eq!(schema.is_valid(&as_json), valid, "schema on {text:?}");
        assert_eq!(errors(text).is_empty(), valid, "parser on {text:?}");
    }
}

#[test]
fn a_full_config_reads_into_settings() {
    let text = "select = [\"SL1\"]\nignore = [\"replay-consumer-missing\"]\nfail-on = \"never\"\n\
                sentry-version = \"24.1.0\"\n[severity]\nSL001 = \"info\"\n\
                [per-path-ignores]\n\"staging/**\" = [\"SL101\"]\n";
    let c = parse(text, "x.toml", Path::new("/base")).unwrap();
    assert_eq!(c.select, Some(vec!["SL1".to_string()]));
    assert_eq!(c.ignore, Some(vec!["replay-consumer-missing".to_string()]));
    assert_eq!(c.fail_on, Some(FailOn::Never));
    assert_eq!(c.sentry_version, Some(Version::new(24, 1, 0)));
    assert_eq!(c.severity, vec![("SL001".to_string(), Severity::Info)]);
    assert_eq!(c.per_path_ignores[0].glob, "staging/**");
    assert_eq!(c.per_path_ignores[0].base, Path::new("/base"));
}

#[test]
fn every_mistake_is_named_at_its_line_and_column() {
    let cases: &[(&str, &str)] = &[
        (
            "select = [\"SL101\"]\nselct = []\n",
            "sentrylint.toml:2:1: unknown key `selct` (did you mean `select`?); the keys are select, ignore, severity, per-path-ignores, sentry-version, target-version, fail-on",
        ),
        (
            "select = [\"SL101\"\n",
            "sentrylint.toml:1:18: invalid TOML: unclosed array, expected `]`",
        ),
        (
            "select = \"SL101\"\n",
            "sentrylint.toml:1:10: `select` must be a list of rule codes or names, like [\"SL101\"], not string",
        ),
        (
            "ignore = [\"SL101\", 3]\n",
            "sentrylint.toml:1:20: an entry of `ignore` must be a string, not integer",
        ),
        (
            "select = [\"SL10l\"]\n",
            "sentrylint.toml:1:11: `SL10l` matches no rule (did you mean `SL101`?)",
        ),
        (
            "[severity]\nSL1001 = \"error\"\n",
            "sentrylint.toml:2:1: no rule `SL1001` (did you mean `SL001`?); a severity is set per rule code or name",
        ),
        (
            "[severity]\nduplicate-key = \"warn\"\n",
            "sentrylint.toml:2:17: `warn` is not a severity (did you mean `warning`?); use one of `error`, `warning`, `info`",
        ),
        (
            "[severity]\nSL001 = 1\n",
            "sentrylint.toml:2:9: the severity of `SL001` must be a string, not integer",
        ),
        (
            "severity = \"error\"\n",
            "sentrylint.toml:1:12: `severity` must be a table of rule to severity, like `[severity]` then `SL101 = \"error\"`",
        ),
        (
            "per-path-ignores = [\"x\"]\n",
            "sentrylint.toml:1:20: `per-path-ignores` must be a table of glob to rules, like `[per-path-ignores]` then `\"staging/**\" = [\"SL101\"]`",
        ),
        (
            "[per-path-ignores]\n\"staging/**\" = [\"SL99\"]\n",
            "sentrylint.toml:2:17: `SL99` matches no rule",
        ),
        (
            "sentry-version = \"24.13.0\"\n",
            "sentrylint.toml:1:18: `24.13.0` is not a release number like `24.1.0`",
        ),
        (
            "target-version = 24\n",
            "sentrylint.toml:1:18: `target-version` must be a string, not integer",
        ),
        (
            "fail-on = \"eror\"\n",
            "sentrylint.toml:1:11: `eror` is not a fail-on (did you mean `error`?); use one of `error`, `warning`, `info`, `never`",
        ),
    ];
    for (text, want) in cases {
        let got = errors(text);
        assert_eq!(got.len(), 1, "{text:?} gave {got:?}");
        assert!(
            got[0].starts_with(want),
            "{text:?}\n got: {}\nwant: {want}",
            got[0]
        );
    }
    // All mistakes of a file at once, in file order.
    let got = errors("fail-on = \"x\"\n[severity]\nSL001 = \"y\"\nSL101 = \"z\"\n");
    let lines: Vec<&str> = got.iter().map(|e| &e[..e.find(": `").unwrap()]).collect();
    assert_eq!(
        lines,
        [
            "sentrylint.toml:1:11",
            "sentrylint.toml:3:9",
            "sentrylint.toml:4:9"
        ]
    );
}

#[test]
fn globs_match_like_gitignore() {
    let ignore = |glob: &str| PathIgnore {
        base: PathBuf::from("/repo"),
        glob: glob.into(),
        selectors: vec![],
    };
    let matches = |glob: &str, file: &str| ignore(glob).matches(Path::new(file));
    assert!(matches("staging/**", "/repo/staging/.env"));
    assert!(matches("staging/**", "/repo/staging/sentry/sentry.conf.py"));
    assert!(matches("staging", "/repo/staging/.env"));
    assert!(matches("staging", "/repo/ops/staging/.env"));
    assert!(!matches("staging/**", "/repo/ops/staging/.env"));
    assert!(matches("**/staging/*", "/repo/ops/staging/.env"));
    assert!(matches(
        "*/docker-compose.yml",
        "/repo/eu/docker-compose.yml"
    ));
    assert!(!matches(
        "*/docker-compose.yml",
        "/repo/a/b/docker-compose.yml"
    ));
    assert!(matches(".env*", "/repo/eu/.env.custom"));
    assert!(matches("eu-?/.env", "/repo/eu-1/.env"));
    assert!(!matches("eu-?/.env", "/repo/eu-10/.env"));
    assert!(matches("./eu/", "/repo/eu/.env"));
    assert!(!matches("eu", "/elsewhere/eu/.env"));
}

/// A repository with an install two folders down.
fn repository() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("repo/.git")).unwrap();
    let root = tmp.path().join("repo/ops/prod");
    write_files(&root, &[("docker-compose.yml", "services: {}\n".into())]);
    (tmp, root)
}

#[test]
fn discovery_takes_the_nearest_file_up_to_the_repository_root() {
    let (tmp, root) = repository();
    let repo_dir = tmp.path().join("repo");
    assert_eq!(Finder::default().find(&root).unwrap(), None);
    // Above the repository: never read.
    std::fs::write(tmp.path().join("sentrylint.toml"), "").unwrap();
    assert_eq!(Finder::default().find(&root).unwrap(), None);
    std::fs::write(repo_dir.join("sentrylint.toml"), "").unwrap();
    assert_eq!(
        Finder::default().find(&root).unwrap(),
        Some(repo_dir.join("sentrylint.toml"))
    );
    std::fs::write(repo_dir.join("ops/.sentrylint.toml"), "").unwrap();
    assert_eq!(
        Finder::default().find(&root).unwrap(),
        Some(repo_dir.join("ops/.sentrylint.toml"))
    );
    std::fs::write(repo_dir.join("ops/sentrylint.toml"), "").unwrap();
    let e = Finder::default().find(&root).unwrap_err();
    assert!(
        e.to_string()
            .ends_with("holds both `sentrylint.toml` and `.sentrylint.toml`; keep one"),
        "{e}"
    );
}

#[test]
fn one_finder_serves_sibling_installs_each_its_own_file() {
    // What the finder remembers of shared folders must not leak from one
    // install to its sibling.
    let (tmp, prod) = repository();
    let repo_dir = tmp.path().join("repo");
    let staging = repo_dir.join("ops/staging");
    write_files(&staging, &[("docker-compose.yml", "services: {}\n".into())]);
    std::fs::write(repo_dir.join("sentrylint.toml"), "").unwrap();
    std::fs::write(staging.join(".sentrylint.toml"), "").unwrap();
    let mut finder = Finder::default();
    for _ in 0..2 {
        assert_eq!(
            finder.find(&staging).unwrap(),
            Some(staging.join(".sentrylint.toml"))
        );
        assert_eq!(
            finder.find(&prod).unwrap(),
            Some(repo_dir.join("sentrylint.toml"))
        );
    }
}

#[test]
fn outside_a_repository_only_the_deployment_root_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("prod");
    write_files(&root, &[("docker-compose.yml", "services: {}\n".into())]);
    std::fs::write(tmp.path().join("sentrylint.toml"), "").unwrap();
    assert_eq!(Finder::default().find(&root).unwrap(), None);
    std::fs::write(root.join(".sentrylint.toml"), "").unwrap();
    assert_eq!(
        Finder::default().find(&root).unwrap(),
        Some(root.join(".sentrylint.toml"))
    );
}

/// An install with an SL001 error in docker-compose.yml, in a repository
/// with `config` as its sentrylint.toml.
fn install_with_config(config: &str) -> (tempfile::TempDir, String) {
    let (tmp, root) = repository();
    write_files(
        &root,
        &[(
            "docker-compose.yml",
            "services:\n  web:\n    image: a\n    image: b\n".into(),
        )],
    );
    std::fs::write(tmp.path().join("repo/sentrylint.toml"), config).unwrap();
    let root = root.to_str().unwrap().to_string();
    (tmp, root)
}

fn check(root: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["check", "--format", "concise", root];
    args.extend(extra);
    let (code, out, err) = run_cli(&args, &RunEnv::default());
    // The toy install names no release and SL307 says so in every run; an
    // `--ignore` here would replace the config's list under test.
    let out: String = out
        .lines()
        .filter(|line| !line.contains(" info SL307 "))
        .map(|line| format!("{line}\n"))
        .collect();
    (code, out, err)
}

#[test]
fn the_config_file_steers_check_and_flags_win() {
    let (_tmp, root) = install_with_config("fail-on = \"never\"\n[severity]\nSL001 = \"info\"\n");
    let (code, out, err) = check(&root, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(": info SL001 "), "{out}");
    // --fail-on replaces the file's `never`.
    let (code, _, _) = check(&root, &["--fail-on", "info"]);
    assert_eq!(code, 1);
    // --no-config: the rule's own severity and the default threshold.
    let (code, out, _) = check(&root, &["--no-config"]);
    assert_eq!(code, 1);
    assert!(out.contains(": error SL001 "), "{out}");

    let (_tmp, root) = install_with_config("ignore = [\"SL001\"]\n");
    let (code, out, _) = check(&root, &[]);
    assert_eq!((code, out.as_str()), (0, ""));
    // --ignore replaces the file's list.
    let (code, out, _) = check(&root, &["--ignore", "SL101"]);
    assert_eq!(code, 1, "{out}");
}

#[test]
fn per_path_ignores_are_relative_to_the_config_file() {
    let (_tmp, root) =
        install_with_config("[per-path-ignores]\n\"ops/prod/*.yml\" = [\"duplicate-key\"]\n");
    let (code, out, err) = check(&root, &[]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    let (_tmp, root) = install_with_config("[per-path-ignores]\n\"prod/*.yml\" = [\"SL001\"]\n");
    let (code, _, _) = check(&root, &[]);
    assert_eq!(
        code, 1,
        "the glob is relative to the repository root, not the install"
    );
}

#[test]
fn the_config_sentry_version_replaces_detection() {
    let (_tmp, root) = install_with_config("sentry-version = \"24.1.0\"\n");
    let (_, out, _) = run_cli(&["check", "--format", "json", &root], &RunEnv::default());
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["summary"]["installs"][0]["release"], "24.1.0");
    let (_, out, _) = run_cli(
        &[
            "check",
            "--format",
            "json",
            "--sentry-version",
            "23.11.0",
            &root,
        ],
        &RunEnv::default(),
    );
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["summary"]["installs"][0]["release"], "23.11.0");
}

#[test]
fn a_broken_config_stops_every_command_with_exit_2() {
    let (tmp, root) = install_with_config("selct = [\"SL101\"]\n");
    for command in [
        vec!["check", root.as_str()],
        vec!["fix", root.as_str()],
        vec!["plan", "--to", "24.8.0", root.as_str()],
    ] {
        let (code, out, err) = run_cli(&command, &RunEnv::default());
        assert_eq!(code, 2, "{command:?}: {out}");
        assert!(
            err.contains("sentrylint.toml:1:1: unknown key `selct` (did you mean `select`?)"),
            "{command:?}: {err}"
        );
    }
    // --no-config gets past it; --config names another file.
    let (code, _, err) = check(&root, &["--no-config"]);
    assert_eq!(code, 1, "{err}");
    let other = tmp.path().join("other.toml");
    std::fs::write(&other, "ignore = [\"ALL\"]\n").unwrap();
    let (code, out, err) = check(&root, &["--config", other.to_str().unwrap()]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    let (code, _, err) = check(&root, &["--config", "/no/such/sentrylint.toml"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("/no/such/sentrylint.toml: cannot read"),
        "{err}"
    );
}

#[test]
fn bad_flags_are_refused_with_a_suggestion() {
    let (_tmp, root) = install_with_config("");
    let (code, _, err) = check(&root, &["--select", "SL10l"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("`SL10l` matches no rule (did you mean `SL101`?)"),
        "{err}"
    );
    let (code, _, err) = run_cli(
        &["fix", "--ignore", "duplicate-kye", &root],
        &RunEnv::default(),
    );
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `duplicate-key`?"), "{err}");
}

#[test]
fn the_readme_example_is_a_valid_config() {
    let snippets = crate::testing::readme_snippets();
    let (_, text) = snippets
        .iter()
        .find(|(name, _)| name == "sentrylint.toml")
        .expect("the README shows a sentrylint.toml");
    let config = parse(text, "README.md", Path::new("/repo")).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(config.fail_on, Some(FailOn::Error));
    assert_eq!(config.per_path_ignores.len(), 2);
    let schema = jsonschema::validator_for(&json_schema()).unwrap();
    let value: toml::Value = toml::from_str(text).unwrap();
    assert!(schema.is_valid(&serde_json::to_value(&value).unwrap()));
}
