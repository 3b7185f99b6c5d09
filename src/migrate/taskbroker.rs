//! `taskbroker/config.yml`: from 26.6.0 compose binds `./taskbroker` at
//! `/etc/taskbroker` and the taskbroker reads its topics from this file,
//! which upstream tracks (install.sh never writes it; `git pull` brings it).
//! A step creates it when it is missing, moves an earlier release's text to
//! the target's, and leaves a file with the operator's own changes alone,
//! saying what upstream changed.

use super::{StepChanges, Written};
use crate::fix::WholeFile;
use crate::kb::tree::{self, CNode};
use crate::kb::{Kb, Release};
use crate::model::Install;

/// Where compose reads the taskbroker's config in the container.
const MOUNT: &str = "/etc/taskbroker";

pub fn reconcile(
    install: &Install,
    kb: &Kb,
    target: &Release,
    written: &Written,
    out: &mut StepChanges,
) {
    let Some(text) = target.taskbroker_config else {
        return;
    };
    let path = match config_path(install) {
        Ok(p) => p,
        Err(review) => {
            out.review(review);
            return;
        }
    };
    let current = match written.get(&path) {
        Some(t) => Some(t.clone()),
        None => match std::fs::read_to_string(install.root.join(&path)) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                out.review(format!(
                    "{path} cannot be read ({e}); the taskbroker of {} needs upstream's file there",
                    target.version
                ));
                return;
            }
        },
    };
    let Some(current) = current else {
        out.files.push(WholeFile {
            title: format!(
                "Create {path} (the taskbroker of {} reads its topics from it)",
                target.version
            ),
            path,
            old: None,
            text: text.to_string(),
        });
        return;
    };
    if current == text {
        return;
    }
    let known = kb
        .releases
        .iter()
        .find(|r| r.taskbroker_config == Some(current.as_str()));
    if let Some(r) = known {
        out.files.push(WholeFile {
            title: format!(
                "Replace {path} (upstream's {} file) with {}'s",
                r.version, target.version
            ),
            path,
            old: Some(current),
            text: text.to_string(),
        });
        return;
    }
    // The operator's own file: say what upstream changed since the release
    // the install runs (else how the target's file differs from theirs).
    let base = install
        .release
        .version
        .and_then(|v| {
            kb.releases
                .iter()
                .rev()
                .find(|r| r.version <= v && r.taskbroker_config.is_some())
        })
        .and_then(|r| r.taskbroker_config.map(|t| (format!("{}'s", r.version), t)));
    let (from, base_text) = base.unwrap_or(("yours".into(), current.as_str()));
    let changes = match (tree::parse_document(base_text), tree::parse_document(text)) {
        (Ok(a), Ok(b)) => changes(&a, &b),
        _ => Vec::new(),
    };
    if changes.is_empty() {
        return;
    }
    out.review(format!(
        "{path} has changes of your own and is left as it is; upstream's {} file {} (compared with {from}): merge them by hand",
        target.version,
        changes.join(", ")
    ));
}

/// The install-relative path of the taskbroker's config: where the
/// taskbroker service binds `/etc/taskbroker` (or the file itself), else
/// upstream's place. An error (a review note) when it is outside the install.
fn config_path(install: &Install) -> Result<String, String> {
    let mounts: Vec<(&str, &str)> = install
        .compose
        .as_ref()
        .and_then(|c| c.service("taskbroker"))
        .and_then(|s| s.get("volumes"))
        .map(|v| {
            v.items()
                .iter()
                .filter_map(crate::model::compose::bind_mount)
                .collect()
        })
        .unwrap_or_default();
    let file = format!("{MOUNT}/config.yml");
    // A later mount of the same path (the override's) is the one used.
    let found = mounts.iter().rev().find_map(|(source, t)| match *t {
        MOUNT => Some((*source, true)),
        t if t == file => Some((*source, false)),
        _ => None,
    });
    let Some((source, folder)) = found else {
        return Ok("taskbroker/config.yml".into());
    };
    let outside = || {
        format!(
            "the taskbroker reads {file} from `{source}`, outside the install: \
             check that it holds upstream's taskbroker/config.yml"
        )
    };
    let path = crate::model::load::install_relative(source).ok_or_else(outside)?;
    Ok(match folder {
        true => format!("{path}/config.yml"),
        false => path,
    })
}

/// What changed from `old` to `new`, top-level keys and topics, in words.
fn changes(old: &CNode, new: &CNode) -> Vec<String> {
    let mut out = Vec::new();
    entry_changes(old, new, "", &mut out);
    if let (Some(a), Some(b)) = (old.child("kafka_topics"), new.child("kafka_topics")) {
        entry_changes(a, b, "topic ", &mut out);
    }
    out
}

fn entry_changes(old: &CNode, new: &CNode, what: &str, out: &mut Vec<String>) {
    for n in new.children() {
        match old.child(&n.key) {
            None => out.push(format!("adds {what}`{}`", n.key)),
            // Its topics are compared one by one.
            Some(_) if what.is_empty() && n.key == "kafka_topics" => {}
            Some(o) if !same_value(o, n) => out.push(format!("changes {what}`{}`", n.key)),
            Some(_) => {}
        }
    }
    for o in old.children() {
        if new.child(&o.key).is_none() {
            out.push(format!("removes {what}`{}`", o.key));
        }
    }
}

/// The two entries hold the same YAML value (comments and layout aside).
fn same_value(a: &CNode, b: &CNode) -> bool {
    let parse = |n: &CNode| {
        let mut s = String::new();
        n.render(0, 2, "\n", &mut s);
        crate::parse::yaml::parse(&s, Default::default()).ok()
    };
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => match (x.root, y.root) {
            (Some(xr), Some(yr)) => crate::parse::yaml::same_value(&x, xr, &y, yr),
            _ => false,
        },
        _ => false,
    }
}
