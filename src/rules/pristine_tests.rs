//! A pristine install of any release must lint clean: no error, no warning.

use crate::diagnostic::Severity;
use crate::model::load::{LoadOptions, load_root};
use crate::rules::{RuleSelection, check};
use crate::testing::{pristine_from_kb, pristine_upstream};

fn loud(dir: &std::path::Path) -> Vec<String> {
    let install = load_root(dir, "", &LoadOptions::default());
    check(&install, &RuleSelection::default(), None)
        .into_iter()
        .filter(|d| d.severity >= Severity::Warning)
        .map(|d| format!("{} {}: {}", d.code, d.path, d.message))
        .collect()
}

#[test]
fn pristine_upstream_installs_lint_clean() {
    let mut seen = 0;
    for tag in ["23.4.0", "23.6.2", "23.11.0", "24.1.0", "24.8.0", "25.5.1"] {
        let Some(dir) = pristine_upstream(tag) else {
            crate::testing::skipped_without_shared();
            return;
        };
        let findings = loud(dir.path());
        assert!(
            findings.is_empty(),
            "pristine {tag}:\n{}",
            findings.join("\n")
        );
        seen += 1;
    }
    assert_eq!(seen, 6);
}

#[test]
fn every_release_of_the_knowledge_base_lints_clean() {
    for r in &crate::kb::Kb::get().releases {
        let dir = pristine_from_kb(r.version);
        let mut findings = loud(dir.path());
        // 23.6.0 shipped `:nightly` images in its own .env: upstream's
        // mistake, and fair game for the version rules.
        if r.version.to_string() == "23.6.0" {
            findings.retain(|f| !f.contains("nightly"));
        }
        assert!(
            findings.is_empty(),
            "pristine {} (from the knowledge base):\n{}",
            r.version,
            findings.join("\n")
        );
    }
}

/// The secret rules need no release facts, so they run on every release
/// of ../shared/upstream, also those the knowledge base lacks: upstream's
/// own fixed keys (SeaweedFS, vroom, launchpad from 25.9.0) are no finding.
#[test]
fn secret_rules_are_quiet_on_every_upstream_release() {
    let Some(up) = crate::testing::shared_upstream() else {
        crate::testing::skipped_without_shared();
        return;
    };
    let selection = RuleSelection {
        select: vec!["SL332".into(), "SL333".into()],
        ..RuleSelection::default()
    };
    let mut seen = 0;
    for entry in std::fs::read_dir(&up).unwrap() {
        let from = entry.unwrap().path();
        let read = |rel: &str| std::fs::read_to_string(from.join(rel)).ok();
        let (Some(compose), Some(env), Some(config), Some(conf)) = (
            read("docker-compose.yml"),
            read(".env"),
            read("sentry/config.example.yml"),
            read("sentry/sentry.conf.example.py"),
        ) else {
            continue;
        };
        let tmp = tempfile::tempdir().unwrap();
        crate::testing::write_files(
            tmp.path(),
            &[
                ("docker-compose.yml", compose),
                (".env", env),
                (
                    "sentry/config.yml",
                    config.replace(
                        "'!!changeme!!'",
                        &format!("'{}'", crate::testing::TEST_SECRET_KEY),
                    ),
                ),
                ("sentry/sentry.conf.py", conf),
            ],
        );
        let install = load_root(tmp.path(), "", &LoadOptions::default());
        let findings: Vec<String> = check(&install, &selection, None)
            .into_iter()
            .map(|d| format!("{} {}: {}", d.code, d.path, d.message))
            .collect();
        assert!(
            findings.is_empty(),
            "pristine {}:\n{}",
            from.display(),
            findings.join("\n")
        );
        seen += 1;
    }
    assert!(seen >= 10, "only {seen} releases in {}", up.display());
}
