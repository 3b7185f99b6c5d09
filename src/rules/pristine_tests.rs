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
