//! Every output format renders the same findings of `testdata/report/`
//! through the real CLI; the results are compared with the files in
//! `testdata/report/expected/` (`SENTRYLINT_BLESS=1` rewrites them).

use std::path::PathBuf;

use crate::RunEnv;
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Edit, Fix};
use crate::model::load::{LoadOptions, load_root};
use crate::report::{InstallReport, github, redact};
use crate::source::Span;
use crate::testing::run_cli;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bless() -> bool {
    std::env::var_os("SENTRYLINT_BLESS").is_some()
}

/// The report fixture's findings in `format` (its sentrylint.toml selects
/// the rules it is about).
fn fixture_args(format: &str) -> Vec<&str> {
    vec!["check", "--format", format, "testdata/report"]
}

fn compare(name: &str, got: &str, failures: &mut Vec<String>) {
    let file = repo().join("testdata/report/expected").join(name);
    let want = std::fs::read_to_string(&file).unwrap_or_default();
    if got == want {
        return;
    }
    if bless() {
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, got).unwrap();
    } else {
        failures.push(format!(
            "{name} differs (SENTRYLINT_BLESS=1 to accept)\n--- expected\n{want}--- got\n{got}"
        ));
    }
}

/// The SARIF log without `tool.driver.rules` and `ruleIndex`, which change
/// whenever a rule is added anywhere; checks here what they must hold
/// instead: every rule, in registry order, and each result pointing at its own.
fn sarif_without_rule_list(text: &str) -> String {
    let mut log: serde_json::Value = serde_json::from_str(text).unwrap();
    let run = &mut log["runs"][0];
    let ids: Vec<String> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let codes: Vec<&str> = crate::rules::RULES.iter().map(|r| r.code).collect();
    assert_eq!(ids, codes);
    for result in run["results"].as_array_mut().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(ids[index], result["ruleId"].as_str().unwrap());
        result.as_object_mut().unwrap().remove("ruleIndex");
    }
    run["tool"]["driver"]
        .as_object_mut()
        .unwrap()
        .remove("rules");
    serde_json::to_string_pretty(&log).unwrap() + "\n"
}

const FORMATS: &[(&str, &str)] = &[
    ("human", "human.txt"),
    ("concise", "concise.txt"),
    ("json", "json.json"),
    ("github", "github.txt"),
    ("sarif", "sarif.json"),
];

#[test]
fn every_format_renders_the_report_fixture() {
    let mut failures = Vec::new();
    let tmp = tempfile::tempdir().unwrap();
    for (format, name) in FORMATS {
        let summary = tmp.path().join(format!("{format}-summary.md"));
        let env = RunEnv {
            github_step_summary: Some(summary.clone()),
            ..RunEnv::default()
        };
        let (code, out, err) = run_cli(&fixture_args(format), &env);
        assert_eq!(code, 1, "{format}: {err}");
        let out = if *format == "sarif" {
            sarif_without_rule_list(&out)
        } else {
            out
        };
        compare(name, &out, &mut failures);
        // Only the github format writes the job summary.
        let written = std::fs::read_to_string(&summary).ok();
        if *format == "github" {
            compare("summary.md", &written.unwrap_or_default(), &mut failures);
        } else {
            assert_eq!(written, None, "{format} wrote a job summary");
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_format_honours_output() {
    let tmp = tempfile::tempdir().unwrap();
    for (format, _) in FORMATS {
        let (_, stdout, _) = run_cli(&fixture_args(format), &RunEnv::default());
        let file = tmp.path().join(format!("report.{format}"));
        let mut args = fixture_args(format);
        let file_arg = file.to_str().unwrap().to_string();
        args.extend(["--output", &file_arg]);
        let (code, out, err) = run_cli(&args, &RunEnv::default());
        assert_eq!(code, 1, "{format}: {err}");
        assert_eq!(out, "", "{format}: --output still printed to stdout");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), stdout, "{format}");
    }
}

fn sarif_validator() -> jsonschema::Validator {
    // The official SARIF 2.1.0 schema (OASIS, errata 01), as published in
    // oasis-tcs/sarif-spec at Schemata/sarif-schema-2.1.0.json, commit
    // 0a8091f7d4057e57b6d8d9b56129e5f918747b34; its `id` is
    // https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json
    let text = std::fs::read_to_string(repo().join("testdata/sarif-schema-2.1.0.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn schema_errors(validator: &jsonschema::Validator, log: &serde_json::Value) -> Vec<String> {
    validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let validator = sarif_validator();
    let tmp = tempfile::tempdir().unwrap();
    // A clean install, one with findings and fixes, and one with a file that
    // cannot be read (a result without a region).
    let clean = tmp.path().join("clean");
    crate::testing::write_files(&clean, &[("docker-compose.yml", "services: {}\n".into())]);
    let unreadable = tmp.path().join("unreadable");
    crate::testing::write_files(
        &unreadable,
        &[("docker-compose.yml", "services: {}\n".into())],
    );
    std::fs::create_dir_all(unreadable.join(".env")).unwrap();
    for dir in [
        repo().join("testdata/report"),
        clean.clone(),
        unreadable.clone(),
    ] {
        let (_, out, err) = run_cli(
            &["check", "--format", "sarif", dir.to_str().unwrap()],
            &RunEnv::default(),
        );
        let log: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
        let errors = schema_errors(&validator, &log);
        assert!(
            errors.is_empty(),
            "{}:\n{}",
            dir.display(),
            errors.join("\n")
        );
        assert!(
            log["runs"][0]["tool"]["driver"]["rules"]
                .as_array()
                .unwrap()
                .len()
                == crate::rules::RULES.len()
        );
    }
    // The validator does reject what the schema forbids, so passing means something.
    let (_, out, _) = run_cli(&fixture_args("sarif"), &RunEnv::default());
    let mut log: serde_json::Value = serde_json::from_str(&out).unwrap();
    log["runs"][0]["results"][0]["level"] = "fatal".into();
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert_eq!(schema_errors(&validator, &log).len(), 2);
}

#[test]
fn github_escapes_messages_and_properties_like_the_toolkit() {
    assert_eq!(
        github::escape_data("100% done\r\nnext: a,b"),
        "100%25 done%0D%0Anext: a,b"
    );
    assert_eq!(
        github::escape_property("ops/a,b:c%\n"),
        "ops/a%2Cb%3Ac%25%0A"
    );
}

fn diagnostic(severity: Severity, message: &str, span: Span) -> Diagnostic {
    Diagnostic {
        code: "SL001",
        name: "duplicate-key",
        severity,
        message: message.into(),
        help: String::new(),
        file: Some(0),
        path: "docker-compose.yml".into(),
        span,
        labels: Vec::new(),
        fix: None,
        repeat: None,
    }
}

#[test]
fn github_leaves_out_columns_of_spans_that_cross_lines() {
    let d = diagnostic(Severity::Warning, "`a`, 50%", Span::new(0, 10));
    assert_eq!(
        github::command("x,y.yml", Some((2, 3, 4, 5)), &d),
        "::warning file=x%2Cy.yml,line=2,endLine=4,title=sentrylint SL001::`a`, 50%25"
    );
    assert_eq!(
        github::command("x.yml", Some((2, 3, 2, 9)), &d),
        "::warning file=x.yml,line=2,col=3,endLine=2,endColumn=9,title=sentrylint SL001::`a`, 50%25"
    );
    let info = diagnostic(Severity::Info, "`a`", Span::new(0, 1));
    assert!(github::command("x.yml", None, &info).starts_with("::notice file=x.yml,title="));
}

fn loaded(files: &[(&str, String)]) -> (tempfile::TempDir, crate::model::Install) {
    let tmp = tempfile::tempdir().unwrap();
    crate::testing::write_files(tmp.path(), files);
    let install = load_root(tmp.path(), "ops", &LoadOptions::default());
    (tmp, install)
}

#[test]
fn github_puts_errors_first_and_says_when_annotations_run_out() {
    let (_tmp, install) = loaded(&[("docker-compose.yml", "a: 1\nb: 2\n".into())]);
    let mut diagnostics: Vec<Diagnostic> = (0..11)
        .map(|i| diagnostic(Severity::Warning, &format!("`w{i}`"), Span::new(0, 1)))
        .collect();
    diagnostics.push(diagnostic(Severity::Info, "`n`", Span::new(0, 1)));
    diagnostics.push(diagnostic(Severity::Error, "`e`", Span::new(5, 6)));
    let reports = vec![InstallReport {
        install,
        diagnostics,
    }];
    let mut out = Vec::new();
    github::render(&reports, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("::error ") && lines[0].ends_with("::`e`"),
        "{text}"
    );
    assert!(
        lines[1].ends_with("::`w0`") && lines[11].ends_with("::`w10`"),
        "{text}"
    );
    assert!(lines[12].starts_with("::notice "), "{text}");
    assert!(lines[13].contains("GitHub annotates at most 10"), "{text}");
}

const SECRET: &str = "hunter2-super-secret-value";

#[test]
fn no_format_prints_a_secret() {
    let env_text = format!("SENTRY_IMAGE=getsentry/sentry:24.1.0\nSENTRY_DB_PASSWORD={SECRET}\n");
    let (tmp, install) = loaded(&[
        ("docker-compose.yml", "services: {}\n".into()),
        (".env", env_text.clone()),
    ]);
    let env_file = install.env_file().unwrap().0;
    let at = env_text.find(SECRET).unwrap();
    let secret_span = Span::new(at, at + SECRET.len());
    // A careless finding: the secret in its message, help and fix, and its span on the secret.
    let mut d = diagnostic(Severity::Error, &format!("`{SECRET}` is weak"), secret_span);
    d.file = Some(env_file);
    d.path = install.file(env_file).display.clone();
    d.help = format!("replace {SECRET}");
    d.fix = Some(Fix::unsafe_edits(
        format!("Replace `{SECRET}`"),
        format!("`{SECRET}` is also set in the database"),
        vec![Edit::replace(
            env_file,
            secret_span,
            format!("{SECRET}-longer"),
        )],
    ));
    let mut diagnostics = vec![d];
    redact(&install, &mut diagnostics);
    let reports = vec![InstallReport {
        install,
        diagnostics,
    }];
    let mut outputs: Vec<(&str, String)> = Vec::new();
    let mut render = |name, f: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| {
        let mut out = Vec::new();
        f(&mut out).unwrap();
        outputs.push((name, String::from_utf8(out).unwrap()));
    };
    render("human", &|o| {
        crate::report::human::render(
            &reports,
            o,
            crate::report::human::Style {
                color: false,
                width: 100,
            },
        )
    });
    render("concise", &|o| crate::report::concise::render(&reports, o));
    render("json", &|o| crate::report::json::render(&reports, o));
    render("github", &|o| github::render(&reports, o));
    render("sarif", &|o| crate::report::sarif::render(&reports, o));
    outputs.push(("summary", crate::report::summary::render(&reports)));
    for (name, text) in &outputs {
        assert!(!text.contains(SECRET), "{name} prints the secret:\n{text}");
        assert!(
            !text.contains("hunter2"),
            "{name} prints part of the secret:\n{text}"
        );
    }
    drop(tmp);
}

#[test]
fn the_summary_escapes_table_cells() {
    let (_tmp, install) = loaded(&[("docker-compose.yml", "a: 1\n".into())]);
    let reports = vec![InstallReport {
        install,
        diagnostics: vec![diagnostic(
            Severity::Error,
            "`a|b` breaks\nthe row",
            Span::new(0, 1),
        )],
    }];
    let md = crate::report::summary::render(&reports);
    assert!(md.contains("`a\\|b` breaks<br>the row |"), "{md}");
    assert!(md.contains("**1 error** in 1 install."), "{md}");
}

#[test]
fn no_install_checked_is_not_reported_as_passing() {
    let md = crate::report::summary::render(&[]);
    assert!(md.contains("No install linted."), "{md}");
    assert!(!md.contains("passed"), "{md}");
    let mut human = Vec::new();
    crate::report::human::write_laid_out(&[], &[], &mut human).unwrap();
    let human = String::from_utf8(human).unwrap();
    assert!(human.contains("No install linted."), "{human}");
    assert!(!human.contains("passed"), "{human}");
}
