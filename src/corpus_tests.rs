//! Realistic installs, checked end to end: each folder of testdata/corpus/
//! is an install whose concise findings must be exactly its `expected.txt`
//! (`SENTRYLINT_BLESS=1` rewrites them). A folder with an `upstream` file
//! starts from that release's pristine install (../shared/upstream) and lays
//! its own files over it; `NAME.append` is appended to `NAME`.

use std::path::Path;

use crate::rules::Ctx;
use crate::rules::helpers::{canonical_roles, role};
use crate::testing::{cli, pristine_upstream, repo, scratch_copy, skipped_without_shared};

const OWN: &[&str] = &["expected.txt", "upstream"];

/// The install of corpus folder `dir`, in a temporary folder; `None` when
/// it starts from an upstream release and ../shared is absent.
fn build(dir: &Path) -> Option<tempfile::TempDir> {
    let tmp = match std::fs::read_to_string(dir.join("upstream")) {
        Ok(tag) => pristine_upstream(tag.trim())?,
        Err(_) => tempfile::tempdir().unwrap(),
    };
    for entry in walkdir::WalkDir::new(dir).min_depth(1).sort_by_file_name() {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(dir).unwrap();
        let rel_text = rel.to_str().unwrap();
        if entry.file_type().is_dir() || OWN.contains(&rel_text) {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        match rel_text.strip_suffix(".append") {
            Some(target) => {
                let path = tmp.path().join(target);
                let before = std::fs::read_to_string(&path).unwrap_or_default();
                std::fs::write(path, before + &text).unwrap();
            }
            None => {
                let path = tmp.path().join(rel);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, text).unwrap();
            }
        }
    }
    Some(tmp)
}

/// `sentrylint ARGS install`, with the install's paths shown relative to it.
fn run(install: &Path, args: &[&str]) -> (i32, String) {
    let root = install.to_str().unwrap();
    let mut full = args.to_vec();
    full.push(root);
    let (code, out, _) = cli(&full);
    let shown = crate::model::paths::display_of(install);
    (code, out.replace(&format!("{shown}/"), ""))
}

fn corpus() -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(repo().join("testdata/corpus"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn corpus_installs_give_exactly_their_expected_findings() {
    let bless = std::env::var_os("SENTRYLINT_BLESS").is_some();
    let mut failures = Vec::new();
    let mut skipped = false;
    for dir in corpus() {
        let Some(install) = build(&dir) else {
            skipped = true;
            continue;
        };
        let (_, got) = run(install.path(), &["check", "--format", "concise"]);
        let path = dir.join("expected.txt");
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        if got != want {
            if bless {
                std::fs::write(&path, &got).unwrap();
            } else {
                failures.push(format!(
                    "{}: findings differ from expected.txt (SENTRYLINT_BLESS=1 to accept)\n--- expected\n{want}--- got\n{got}",
                    dir.display()
                ));
            }
        }
    }
    if skipped {
        skipped_without_shared();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The install the README checks, as a popular Session Replay guide leaves
/// it: `sentrylint fix --unsafe-fixes --write` must leave it clean at
/// warning and above, running each of the release's replay consumers once.
#[test]
fn fix_repairs_the_replay_guide_install() {
    let Some(install) = build(&repo().join("testdata/corpus/replay-guide")) else {
        skipped_without_shared();
        return;
    };
    assert_fix_repairs(install.path());
}

/// The README's example install, as shipped: its override runs three
/// consumer types in one service, a recordings consumer that does not exist
/// and a second Snuba replays consumer.
#[test]
fn fix_repairs_the_readme_example_install() {
    let tmp = scratch_copy(&repo().join("examples/replay-guide"));
    assert_fix_repairs(tmp.path());
}

/// `fix --unsafe-fixes --write` leaves nothing at warning or above, and the
/// release's two replay consumers run exactly once each.
fn assert_fix_repairs(install: &Path) {
    let (before, _) = run(install, &["check", "--format", "concise"]);
    assert_eq!(before, 1, "the guide's install has findings to fix");
    let (code, out) = run(install, &["fix", "--unsafe-fixes", "--write"]);
    assert_eq!(code, 0, "fix --write failed:\n{out}");
    let (code, out) = run(install, &["check", "--format", "concise"]);
    assert_eq!(code, 0, "findings remain after the fixes:\n{out}");
    assert!(
        !out.lines()
            .any(|l| l.contains(": error ") || l.contains(": warning ")),
        "{out}"
    );
    let loaded = crate::model::load::load_root(install, ".", &Default::default());
    let ctx = Ctx::new(&loaded, None);
    let view = ctx.view().expect("24.1.0 is in the knowledge base");
    let services = &loaded.compose.as_ref().expect("compose parses").services;
    for consumer in ["ingest-replay-recordings", "snuba-replays-consumer"] {
        let wanted = canonical_roles(&loaded, &view, consumer);
        let running: Vec<&str> = services
            .iter()
            .filter(|s| ctx.disabled(s).is_none())
            .filter(|s| wanted.iter().any(|w| role(&loaded, s).does(w)))
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(running, [consumer], "services running {consumer}");
    }
}
