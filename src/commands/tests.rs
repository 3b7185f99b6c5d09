//! The CLI contract: exit codes, the rule listing, fixes end to end.

use crate::testing::{cli, pristine_from_kb, repo};

fn fixture(rel: &str) -> String {
    repo()
        .join("testdata/rules")
        .join(rel)
        .to_str()
        .unwrap()
        .to_string()
}

/// A complete 24.1.0 install, pristine, or without `ingest-replay-recordings`
/// (then exactly one warning, SL101, which has a fix).
fn install_24_1(broken: bool) -> tempfile::TempDir {
    let dir = pristine_from_kb("24.1.0".parse().unwrap());
    if broken {
        let path = dir.path().join("docker-compose.yml");
        let text = std::fs::read_to_string(&path).unwrap();
        let start = text.find("  ingest-replay-recordings:\n").unwrap();
        // The service's lines run until the next line at the services' column.
        let mut end = start + text[start..].find('\n').unwrap() + 1;
        while text[end..].starts_with("    ") {
            end += text[end..].find('\n').unwrap() + 1;
        }
        std::fs::write(&path, format!("{}{}", &text[..start], &text[end..])).unwrap();
    }
    dir
}

#[test]
fn exit_codes_follow_the_threshold() {
    // Clean: 0 (notes do not count).
    let clean = install_24_1(false);
    let (code, out, _) = cli(&["check", clean.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    // One warning: 1 by default, 0 with --fail-on error or never.
    let broken = install_24_1(true);
    let bad = broken.path().to_str().unwrap();
    let (code, out, _) = cli(&["check", "--format", "concise", bad]);
    assert_eq!(code, 1);
    let loud: Vec<&str> = out.lines().filter(|l| !l.contains(" info ")).collect();
    assert_eq!(loud.len(), 1, "{out}");
    assert!(loud[0].contains("warning SL101"), "{out}");
    assert_eq!(cli(&["check", "--fail-on", "error", bad]).0, 0);
    assert_eq!(cli(&["check", "--fail-on", "never", bad]).0, 0);
    // Unparseable input: 2, and the other install is still linted.
    let (code, out, _) = cli(&[
        "check",
        "--format",
        "concise",
        &fixture("SL000/bad-tab-indentation"),
        bad,
    ]);
    assert_eq!(code, 2);
    assert!(out.contains("SL000") && out.contains("SL101"), "{out}");
    // Usage errors: 2 with a message.
    let (code, _, err) = cli(&["check", "--select", "SL9999"]);
    assert_eq!(code, 2);
    assert!(err.contains("matches no rule"), "{err}");
    let (code, _, err) = cli(&["check", "--sentry-version", "24.1"]);
    assert_eq!(code, 2);
    assert!(err.contains("not a release number"), "{err}");
    let (code, _, err) = cli(&["check", "/no/such/place"]);
    assert_eq!(code, 2);
    assert!(err.contains("no such file or folder"), "{err}");
    let (code, _, _) = cli(&["frobnicate"]);
    assert_eq!(code, 2);
}

#[test]
fn select_and_ignore_narrow_the_rules() {
    let broken = install_24_1(true);
    let bad = broken.path().to_str().unwrap();
    assert_eq!(cli(&["check", "--ignore", "SL101", bad]).0, 0);
    assert_eq!(
        cli(&["check", "--ignore", "replay-consumer-missing", bad]).0,
        0
    );
    assert_eq!(cli(&["check", "--select", "SL1", bad]).0, 1);
    assert_eq!(cli(&["check", "--select", "SL3", bad]).0, 0);
}

#[test]
fn rules_are_listed_and_documented() {
    let (code, out, _) = cli(&["rules"]);
    assert_eq!(code, 0);
    for r in crate::rules::RULES {
        assert!(
            out.contains(r.code) && out.contains(r.name),
            "{} missing from `rules`",
            r.code
        );
    }
    let (code, out, _) = cli(&["rules", "--format", "json"]);
    assert_eq!(code, 0);
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    let first = &list.as_array().unwrap()[0];
    for key in ["code", "name", "severity", "summary", "fixable"] {
        assert!(
            first.get(key).is_some(),
            "`rules --format json` lacks {key}"
        );
    }
    let (code, out, _) = cli(&["rule", "SL101"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("# SL101 replay-consumer-missing"));
    let (code, _, err) = cli(&["rule", "SL10"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean"), "{err}");
}

#[test]
fn fix_shows_then_writes_the_safe_fixes() {
    let tmp = install_24_1(true);
    let dir = tmp.path().to_str().unwrap();
    let before = std::fs::read_to_string(tmp.path().join("docker-compose.yml")).unwrap();
    let (code, diff, _) = cli(&["fix", dir]);
    assert_eq!(code, 1, "a dry run with a diff exits 1");
    assert!(diff.contains("+  ingest-replay-recordings:"), "{diff}");
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("docker-compose.yml")).unwrap(),
        before,
        "a dry run writes nothing"
    );
    let (code, _, err) = cli(&["fix", "--write", dir]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(cli(&["check", dir]).0, 0);
    let (code, diff, _) = cli(&["fix", dir]);
    assert_eq!(
        (code, diff.as_str()),
        (0, ""),
        "fixing again changes nothing"
    );
}

#[test]
fn json_output_has_the_documented_shape() {
    let broken = install_24_1(true);
    let (code, out, _) = cli(&[
        "check",
        "--format",
        "json",
        "--select",
        "SL101",
        broken.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], 1);
    let d = &v["diagnostics"][0];
    for key in [
        "code",
        "name",
        "severity",
        "message",
        "help",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "fix",
    ] {
        assert!(d.get(key).is_some(), "diagnostic lacks `{key}`");
    }
    // The finding points at the `services:` key.
    let compose = std::fs::read_to_string(broken.path().join("docker-compose.yml")).unwrap();
    let line = compose.lines().position(|l| l == "services:").unwrap() + 1;
    assert_eq!(d["line"], line);
    assert_eq!(d["column"], 1);
    assert_eq!(d["fix"]["applicability"], "safe");
    assert!(
        d["fix"]["edits"][0]["content"]
            .as_str()
            .unwrap()
            .contains("ingest-replay-recordings")
    );
    assert_eq!(v["summary"]["warnings"], 1);
    assert_eq!(v["summary"]["installs"][0]["release"], "24.1.0");
}

#[test]
fn a_target_release_outside_the_knowledge_base_is_refused() {
    let clean = install_24_1(false);
    let dir = clean.path().to_str().unwrap();
    let (code, _, err) = cli(&["check", "--target-version", "99.1.0", dir]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--target-version: sentrylint knows Sentry 23.4.0 to")
            && err.contains("99.1.0 is outside them"),
        "{err}"
    );
    // The same in the config file, at its line and column.
    std::fs::write(
        clean.path().join("sentrylint.toml"),
        "select = [\"ALL\"]\ntarget-version = \"22.1.0\"\n",
    )
    .unwrap();
    let (code, _, err) = cli(&["check", dir]);
    assert_eq!(code, 2);
    assert!(
        err.contains("sentrylint.toml:2:18: sentrylint knows Sentry 23.4.0"),
        "{err}"
    );
    // A release between two known ones is judged by both: accepted.
    std::fs::write(
        clean.path().join("sentrylint.toml"),
        "target-version = \"24.1.1\"\n",
    )
    .unwrap();
    let (code, _, err) = cli(&["check", dir]);
    assert!(code != 2 && !err.contains("outside"), "{err}");
}

#[test]
fn compose_reads_these_names_and_so_does_check() {
    let clean = install_24_1(false);
    let dir = clean.path();
    // compose.yaml comes first in compose's order: an empty one wins over
    // the complete docker-compose.yml, and compose refuses it.
    std::fs::write(dir.join("compose.yaml"), "# nothing yet\n").unwrap();
    let (code, out, _) = cli(&["check", "--format", "concise", dir.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("compose.yaml:1:1: error SL000 ") && out.contains("empty compose file"),
        "{out}"
    );
    // Under its other names, the install is the same install.
    std::fs::remove_file(dir.join("compose.yaml")).unwrap();
    std::fs::rename(dir.join("docker-compose.yml"), dir.join("compose.yml")).unwrap();
    let (code, out, err) = cli(&["check", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 install"), "{out}");
}

#[test]
fn a_named_folder_must_hold_an_install() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("docs")).unwrap();
    std::fs::write(tmp.path().join("docs/config.yml"), "a: 1\n").unwrap();
    let docs = tmp.path().join("docs");
    let (code, out, err) = cli(&["check", docs.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("docs: holds no self-hosted install") && !out.contains("passed"),
        "{err}{out}"
    );
    // A file of no install (pre-commit passes every config.yml) is skipped.
    let (code, out, err) = cli(&["check", docs.join("config.yml").to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    // A compose file that is a folder is an error, not a pass.
    std::fs::create_dir_all(tmp.path().join("ops/docker-compose.yml")).unwrap();
    let (code, out, _) = cli(&[
        "check",
        "--format",
        "concise",
        tmp.path().join("ops").to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("is a directory"), "{out}");
}

#[test]
fn one_problem_in_many_services_is_one_finding_with_related_places() {
    let dir = fixture("SL333/bad-one-placeholder-in-many-services");
    let (_, out, _) = cli(&["check", "--format", "json", "--select", "SL333", &dir]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let diags = v["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 2, "{out}");
    let related: Vec<(u64, &str)> = diags[0]["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        related,
        [
            (11, "the same value in `worker`"),
            (15, "the same value in `cron`")
        ]
    );
    assert_eq!(diags[1]["related"].as_array().unwrap().len(), 0);
    let (_, out, _) = cli(&["check", "--format", "sarif", "--select", "SL333", &dir]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(
        results[0]["relatedLocations"].as_array().unwrap().len(),
        2,
        "{out}"
    );
    let (_, out, _) = cli(&["check", "--select", "SL333", &dir]);
    assert!(
        out.contains("the same value in `worker`") && out.contains("the same value in `cron`"),
        "{out}"
    );
    assert!(out.contains("Found 2 warnings"), "{out}");
}
