//! A pristine install of any release must lint clean: no error, no warning.

use crate::diagnostic::Severity;
use crate::model::load::{LoadOptions, load_root};
use crate::rules::{RuleSelection, check};
use crate::testing::{pristine_from_kb, pristine_upstream};

/// Releases whose own .env pinned `:nightly` images: upstream's mistake,
/// which SL302 is right to report.
const NIGHTLY: &[&str] = &["23.6.0", "25.7.0", "26.2.0"];

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
    let Some(releases) = crate::testing::upstream_releases() else {
        crate::testing::skipped_without_shared();
        return;
    };
    let kb = crate::kb::Kb::get();
    let mut failures = Vec::new();
    let mut seen = 0;
    for v in releases.into_iter().filter(|v| *v >= kb.first().version) {
        assert!(kb.release(v).is_some(), "{v} is not in the knowledge base");
        let dir = pristine_upstream(&v.to_string()).unwrap();
        let mut findings = loud(dir.path());
        // 26.2.0's release cannot be told from its `:nightly` image.
        let nightly = NIGHTLY.contains(&v.to_string().as_str());
        if nightly {
            findings.retain(|f| !(f.starts_with("SL302") && f.contains("nightly")));
        }
        let release = load_root(dir.path(), "", &LoadOptions::default())
            .release
            .version;
        if release != Some(v) && !nightly {
            findings.push(format!("the release is read as {release:?}"));
        }
        if !findings.is_empty() {
            failures.push(format!("pristine {v}:\n  {}", findings.join("\n  ")));
        }
        seen += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(seen >= 70, "only {seen} upstream releases checked");
}

#[test]
fn every_release_of_the_knowledge_base_lints_clean() {
    for r in &crate::kb::Kb::get().releases {
        let dir = pristine_from_kb(r.version);
        let mut findings = loud(dir.path());
        if NIGHTLY.contains(&r.version.to_string().as_str()) {
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
    let Some(releases) = crate::testing::upstream_releases() else {
        crate::testing::skipped_without_shared();
        return;
    };
    let selection = RuleSelection {
        select: vec!["SL332".into(), "SL333".into()],
        ..RuleSelection::default()
    };
    let mut seen = 0;
    for v in releases {
        let dir = pristine_upstream(&v.to_string()).unwrap();
        let install = load_root(dir.path(), "", &LoadOptions::default());
        let findings: Vec<String> = check(&install, &selection, None)
            .into_iter()
            .map(|d| format!("{} {}: {}", d.code, d.path, d.message))
            .collect();
        assert!(
            findings.is_empty(),
            "pristine {v}:\n{}",
            findings.join("\n")
        );
        seen += 1;
    }
    assert!(seen >= 10, "only {seen} upstream releases checked");
}
