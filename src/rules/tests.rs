//! The rule harness. For every rule: a doc in `rules/CODE.md`, and fixture
//! installs in `testdata/rules/CODE/<case>/` whose findings (that rule
//! alone) match `expected.txt`, and whose fixes, applied until nothing is
//! left, converge, re-parse and leave no fixable finding. Cases named `ok-*`
//! must find nothing, `bad-*` something. `SENTRYLINT_BLESS=1` rewrites the
//! expectation files from the current output.

use std::path::{Path, PathBuf};

use super::*;
use crate::fix::{Applicability, apply_by_file, non_overlapping};
use crate::model::load::{LoadOptions, load_root};
use crate::report::{InstallReport, concise};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bless() -> bool {
    std::env::var_os("SENTRYLINT_BLESS").is_some()
}

/// Options a case may set in `case.toml`.
#[derive(Default, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct CaseOptions {
    sentry_version: Option<String>,
    target_version: Option<String>,
}

fn case_options(dir: &Path) -> CaseOptions {
    match std::fs::read_to_string(dir.join("case.toml")) {
        Ok(t) => toml::from_str(&t).unwrap_or_else(|e| panic!("{}: {e}", dir.display())),
        Err(_) => CaseOptions::default(),
    }
}

fn run_rule(rule: &Rule, dir: &Path) -> (crate::model::Install, Vec<Diagnostic>) {
    let opts = case_options(dir);
    let load = LoadOptions {
        sentry_version: opts.sentry_version.map(|v| v.parse().unwrap()),
    };
    let install = load_root(dir, "", &load);
    let target = opts.target_version.map(|v| v.parse().unwrap());
    // SL002 judges what the other rules report, so its cases run them all.
    let select = if rule.code == "SL002" {
        Vec::new()
    } else {
        vec![rule.code.to_string()]
    };
    let selection = RuleSelection {
        select,
        ..Default::default()
    };
    let mut diags = check(&install, &selection, target);
    // SL000 always runs; other rules' fixtures must parse.
    if rule.code != "SL000" {
        let bad: Vec<&Diagnostic> = diags.iter().filter(|d| d.code == "SL000").collect();
        assert!(
            bad.is_empty(),
            "{}: fixture does not parse: {:?}",
            dir.display(),
            bad[0].message
        );
    }
    diags.retain(|d| d.code == rule.code);
    crate::report::redact(&install, &mut diags);
    (install, diags)
}

fn render(install: crate::model::Install, diags: Vec<Diagnostic>) -> String {
    let fixes: Vec<String> = diags
        .iter()
        .map(|d| match &d.fix {
            Some(f) if f.applicability == Applicability::Safe => {
                format!("  fix (safe): {}\n", f.title)
            }
            Some(f) => format!(
                "  fix (unsafe): {} -- {}\n",
                f.title,
                f.reason.as_deref().unwrap_or("")
            ),
            None => String::new(),
        })
        .collect();
    let reports = vec![InstallReport {
        install,
        diagnostics: diags,
    }];
    let mut out = Vec::new();
    concise::render(&reports, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    text.lines()
        .zip(fixes)
        .map(|(l, f)| format!("{l}\n{f}"))
        .collect()
}

fn cases(code: &str) -> Vec<PathBuf> {
    let dir = repo().join("testdata/rules").join(code);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn registry_is_well_formed() {
    let mut last = "";
    for r in RULES {
        assert!(
            r.code.len() == 5
                && r.code.starts_with("SL")
                && r.code[2..].bytes().all(|b| b.is_ascii_digit()),
            "{}: codes are SL and three digits",
            r.code
        );
        assert!(
            r.code > last,
            "{}: RULES must be sorted by code and unique",
            r.code
        );
        last = r.code;
        assert!(
            r.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{}: names are kebab-case",
            r.code
        );
        for bad in ["avoid-", "prefer-", "use-", "no-", "dont-"] {
            assert!(
                !r.name.starts_with(bad),
                "{}: name the problem (`{}`), not the remedy",
                r.code,
                r.name
            );
        }
        assert!(
            !r.summary.ends_with('.'),
            "{}: summaries have no final period",
            r.code
        );
    }
    let names: std::collections::HashSet<&str> = RULES.iter().map(|r| r.name).collect();
    assert_eq!(names.len(), RULES.len(), "rule names must be unique");
}

#[test]
fn every_rule_has_a_doc_and_fixtures_and_nothing_is_orphaned() {
    for r in RULES {
        let doc = repo().join("rules").join(format!("{}.md", r.code));
        assert!(doc.is_file(), "{}: add rules/{}.md", r.code, r.code);
        let head = format!("# {} {}\n", r.code, r.name);
        assert!(
            r.doc.starts_with(&head),
            "{}: the doc must start with `{}`",
            r.code,
            head.trim()
        );
        for section in ["## What it does", "## Why", "## Example", "## References"] {
            assert!(
                r.doc.contains(section),
                "{}: the doc needs a `{section}` section",
                r.code
            );
        }
        assert!(
            r.doc.contains(" bad\n") && r.doc.contains(" good\n"),
            "{}: the doc's Example needs a ```<lang> bad block and a ```<lang> good block",
            r.code
        );
        let cs = cases(r.code);
        assert!(
            cs.iter()
                .any(|c| c.file_name().unwrap().to_str().unwrap().starts_with("bad")),
            "{}: add testdata/rules/{}/bad-<case>/ with an offending install",
            r.code,
            r.code
        );
        assert!(
            cs.iter()
                .any(|c| c.file_name().unwrap().to_str().unwrap().starts_with("ok")),
            "{}: add testdata/rules/{}/ok-<case>/ with a near miss that must stay quiet",
            r.code,
            r.code
        );
    }
    for entry in std::fs::read_dir(repo().join("rules")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let code = name.trim_end_matches(".md");
        assert!(
            by_code(code).is_some(),
            "rules/{name} documents no registered rule"
        );
    }
    for entry in std::fs::read_dir(repo().join("testdata/rules")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            by_code(&name).is_some(),
            "testdata/rules/{name} belongs to no registered rule"
        );
    }
}

#[test]
fn fixtures_match_their_expectations() {
    let mut failures = Vec::new();
    for r in RULES {
        for case in cases(r.code) {
            let name = case.file_name().unwrap().to_str().unwrap().to_string();
            let (install, diags) = run_rule(r, &case);
            if name.starts_with("ok") && !diags.is_empty() {
                failures.push(format!(
                    "{}/{name}: a near miss must stay quiet, got: {}",
                    r.code, diags[0].message
                ));
            }
            if name.starts_with("bad") && diags.is_empty() {
                failures.push(format!(
                    "{}/{name}: an offending case found nothing",
                    r.code
                ));
            }
            match r.fix {
                FixAvailability::None => {
                    if diags.iter().any(|d| d.fix.is_some()) {
                        failures.push(format!("{}: declares no fix but emitted one", r.code));
                    }
                }
                FixAvailability::Always => {
                    if diags.iter().any(|d| d.fix.is_none()) {
                        failures.push(format!(
                            "{}: declares an always-available fix but a finding has none",
                            r.code
                        ));
                    }
                }
                FixAvailability::Sometimes => {}
            }
            for d in &diags {
                if let Some(f) = &d.fix {
                    if f.title.is_empty() || f.edits.is_empty() {
                        failures.push(format!("{}/{name}: a fix needs a title and edits", r.code));
                    }
                    if f.applicability == Applicability::Unsafe && f.reason.is_none() {
                        failures.push(format!("{}/{name}: an unsafe fix must say why", r.code));
                    }
                }
                if !d.message.contains('`') {
                    failures.push(format!(
                        "{}/{name}: the message should name the value in backticks: {}",
                        r.code, d.message
                    ));
                }
                if d.help.is_empty() {
                    failures.push(format!("{}/{name}: every finding needs help", r.code));
                }
            }
            let got = render(install, diags);
            let file = case.join("expected.txt");
            let want = std::fs::read_to_string(&file).unwrap_or_default();
            if got != want {
                if bless() {
                    std::fs::write(&file, &got).unwrap();
                } else {
                    failures.push(format!(
                        "{}/{name}: output differs from expected.txt (SENTRYLINT_BLESS=1 to accept)\n--- expected\n{want}--- got\n{got}",
                        r.code
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn fixes_converge_reparse_and_show_as_diffs() {
    let mut failures = Vec::new();
    for r in RULES.iter().filter(|r| r.fix != FixAvailability::None) {
        for case in cases(r.code) {
            let name = case.file_name().unwrap().to_str().unwrap().to_string();
            let tmp = crate::testing::scratch_copy(&case);
            let mut first_diff = String::new();
            let mut converged = false;
            for round in 0..5 {
                let (install, diags) = run_rule(r, tmp.path());
                let fixes = non_overlapping(fixes(&diags, true));
                if fixes.is_empty() {
                    converged = true;
                    break;
                }
                let edits: Vec<&crate::fix::Edit> = fixes.iter().flat_map(|f| &f.edits).collect();
                let changed = match apply_by_file(&install.files, &edits) {
                    Ok(c) => c,
                    Err((f, e)) => {
                        failures.push(format!(
                            "{}/{name}: overlapping edits in {}: {e:?}",
                            r.code, install.files[f].display
                        ));
                        break;
                    }
                };
                if changed.is_empty() {
                    failures.push(format!(
                        "{}/{name}: fixes change nothing, so they would repeat forever",
                        r.code
                    ));
                    break;
                }
                for (f, text) in &changed {
                    let file = &install.files[*f];
                    if round == 0 {
                        first_diff.push_str(
                            &crate::fix::unified_diff(&file.display, &file.text, text, &|_| false)
                                .0,
                        );
                    }
                    std::fs::write(&file.path, text).unwrap();
                }
                let reloaded = load_root(tmp.path(), "", &LoadOptions::default());
                if let Some(p) = reloaded.problems.first() {
                    failures.push(format!(
                        "{}/{name}: the fixed files do not parse: {} {}",
                        r.code, p.path, p.message
                    ));
                    break;
                }
            }
            if !converged {
                failures.push(format!(
                    "{}/{name}: fixes did not converge in 5 rounds",
                    r.code
                ));
            }
            let file = case.join("fix.diff");
            let want = std::fs::read_to_string(&file).unwrap_or_default();
            if first_diff != want {
                if bless() {
                    if first_diff.is_empty() {
                        let _ = std::fs::remove_file(&file);
                    } else {
                        std::fs::write(&file, &first_diff).unwrap();
                    }
                } else {
                    failures.push(format!(
                        "{}/{name}: fixes differ from fix.diff (SENTRYLINT_BLESS=1 to accept)\n--- expected\n{want}--- got\n{first_diff}",
                        r.code
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
