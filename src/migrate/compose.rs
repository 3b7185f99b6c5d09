//! Reconciling docker-compose.yml with a release: entry by entry, at the
//! syntax level (anchors and `<<:` merges stay as written), so a step
//! changes the lines upstream changed and nothing else.
//!
//! - A value still at an upstream default (of any release) moves to the
//!   target's value; a customized one stays, silently when upstream did not
//!   change it, as an unsafe change (with why) when it did.
//! - An entry new in the target is added next to its upstream neighbours in
//!   the file's indentation; one the file's own release had but the file
//!   lacks was removed on purpose, so re-adding it is unsafe.
//! - An entry upstream dropped is removed when pristine; a service upstream
//!   renamed or split hands its customized keys to its successors.
//! - Entries no release ever had are the operator's and are never touched.

use std::collections::HashMap;

use super::StepChanges;
use crate::fix::{Fix, yaml_ops};
use crate::kb::tree::{CBody, CNode};
use crate::kb::{Kb, PATH_SEP, Release, path_fingerprints};
use crate::model::{FileId, Install};
use crate::parse::yaml::{self, NodeId, NodeKind, Pair, YamlDoc, same_value};
use crate::source::{FileKind, SourceFile};

pub fn reconcile(install: &Install, kb: &Kb, target: &Release, out: &mut StepChanges) {
    let Some((file, doc)) = install.compose_doc(FileKind::Compose) else {
        return;
    };
    let Some(root) = doc.root.filter(|r| doc.is_map(*r)) else {
        return;
    };
    let base = file_release(install, kb, doc, root);
    let mut cx = Cx {
        kb,
        file,
        doc,
        src: install.file(file),
        target,
        base,
        renamed: HashMap::new(),
        added_anchors: Vec::new(),
        out,
    };
    cx.walk(root, target.compose(), &mut Vec::new());
    review_override(install, kb, target, cx.out);
}

/// The release whose compose file this file is closest to (by entries equal
/// to that release's), ties going to the release nearest the detected one.
/// It tells an entry removed by the operator from one upstream never had.
fn file_release<'k>(install: &Install, kb: &'k Kb, doc: &YamlDoc, root: NodeId) -> &'k Release {
    // The file's own entries, fingerprinted once: `x-*` blocks, services, volumes.
    let mut mine: HashMap<String, u64> = HashMap::new();
    for p in doc.pairs(root) {
        let key = doc.scalar(p.key).unwrap_or("");
        if key.starts_with("x-") {
            mine.insert(key.to_string(), yaml::fingerprint(doc, p.value));
        } else if key == "services" || key == "volumes" {
            for q in doc.pairs(p.value) {
                let name = doc.scalar(q.key).unwrap_or("");
                mine.insert(
                    format!("{key}{PATH_SEP}{name}"),
                    yaml::fingerprint(doc, q.value),
                );
            }
        }
    }
    let detected = install.release.version;
    let mut best: Option<(i64, u32, &Release)> = None;
    for (idx, r) in kb.releases.iter().enumerate() {
        let mut score = 0i64;
        for (path, fp) in r.entries {
            match mine.get(*path) {
                Some(m) if m == fp => score += 2,
                Some(_) => {}
                None if path.starts_with("x-") => {}
                None => score -= 1,
            }
        }
        score -= mine
            .keys()
            .filter(|k| !k.starts_with("x-") && !r.entries.iter().any(|(p, _)| p == k))
            .count() as i64;
        let distance = match detected {
            Some(d) => {
                let di = kb
                    .releases
                    .iter()
                    .position(|x| x.version >= d)
                    .unwrap_or(kb.releases.len());
                (di as i64 - idx as i64).unsigned_abs() as u32
            }
            None => 0,
        };
        let better = match best {
            None => true,
            Some((s, d, _)) => score > s || (score == s && distance <= d),
        };
        if better {
            best = Some((score, distance, r));
        }
    }
    best.map(|b| b.2).unwrap_or(kb.first())
}

/// Upstream's values at a path over all releases, as fingerprints.
fn path_key(path: &[String]) -> String {
    path.join(&PATH_SEP.to_string())
}

/// Some release had this path with exactly this value.
fn historic_contains(path: &[String], doc: &YamlDoc, node: NodeId) -> bool {
    path_fingerprints(&path_key(path)).contains(&yaml::fingerprint(doc, node))
}

/// Some release had this path.
fn historic_exists(path: &[String]) -> bool {
    !path_fingerprints(&path_key(path)).is_empty()
}

/// An entry as a one-entry document, and its value node.
fn parsed(entry: &CNode) -> (YamlDoc, NodeId) {
    let mut text = String::new();
    entry.render(0, 2, "\n", &mut text);
    // Knowledge-base snippets were parsed by the build script.
    let doc = yaml::parse(
        &text,
        yaml::Options {
            allow_unknown_aliases: true,
        },
    )
    .unwrap_or_default();
    let value = doc.root.map(|r| doc.pairs(r)[0].value).unwrap_or(0);
    (doc, value)
}

struct Cx<'a, 'k> {
    kb: &'k Kb,
    file: FileId,
    doc: &'a YamlDoc,
    src: &'a SourceFile,
    target: &'k Release,
    /// The release the file is closest to.
    base: &'k Release,
    /// Services renamed away: name -> customized keys that could not be carried.
    renamed: HashMap<String, Vec<String>>,
    /// Anchors that entries this step safely adds define (`x-file-healthcheck`
    /// defines `file_healthcheck_defaults` for the services it adds next).
    added_anchors: Vec<String>,
    out: &'a mut StepChanges,
}

fn dotted(path: &[String]) -> String {
    path.join(".")
}

fn what(path: &[String]) -> String {
    match path {
        [s, name] if s == "services" => format!("service `{name}`"),
        [v, name] if v == "volumes" => format!("volume `{name}`"),
        _ => format!("`{}`", dotted(path)),
    }
}

impl Cx<'_, '_> {
    fn walk(&mut self, map: NodeId, target: &CNode, path: &mut Vec<String>) {
        let pairs: Vec<Pair> = self.doc.pairs(map).to_vec();
        let doc = self.doc;
        let find = |k: &str| {
            pairs
                .iter()
                .rev()
                .find(|p| doc.scalar(p.key) == Some(k))
                .copied()
        };
        for (i, child) in target.children().iter().enumerate() {
            path.push(child.key.clone());
            match find(&child.key) {
                None => self.missing(map, target, i, path),
                Some(pair) => {
                    let block_map =
                        matches!(doc.node(pair.value).kind, NodeKind::Map { flow: false, .. });
                    if matches!(child.body, CBody::Map { .. }) && block_map {
                        self.walk(pair.value, child, path);
                    } else {
                        self.leaf(pair, child, path);
                    }
                }
            }
            path.pop();
        }
        for pair in &pairs {
            let Some(key) = doc.scalar(pair.key) else {
                continue;
            };
            if target.child(key).is_some() {
                continue;
            }
            path.push(key.to_string());
            self.extra(*pair, path);
            path.pop();
        }
    }

    fn at_base(&self, path: &[String]) -> Option<&CNode> {
        let p: Vec<&str> = path.iter().map(String::as_str).collect();
        self.base.compose().at(&p)
    }

    fn missing(&mut self, map: NodeId, parent: &CNode, idx: usize, path: &[String]) {
        let child = &parent.children()[idx];
        let siblings: Vec<&str> = parent.children().iter().map(|c| c.key.as_str()).collect();
        let after: Vec<&str> = siblings[..idx].iter().rev().copied().collect();
        let before: Vec<&str> = siblings[idx + 1..].to_vec();
        let Some(mut edit) =
            yaml_ops::insert_entry(self.file, self.src, self.doc, map, &after, &before, child)
        else {
            self.out.review(format!(
                "{} is new in {} but the file's mapping at `{}` is not a block mapping: add it by hand",
                what(path),
                self.target.version,
                dotted(&path[..path.len() - 1])
            ));
            return;
        };
        let mut reason: Option<String> = None;
        let mut title = format!("Add {}", what(path));
        if let Some((old, carried, conflicts)) = self.carry_from_predecessor(path, child) {
            title = format!("Add {} (replaces `{old}`)", what(path));
            if !carried.is_empty() {
                // The rendered entry ends with a line break; the carried entries
                // are whole lines at the same column.
                edit.text.push_str(&carried);
                title.push_str(&format!(", with `{old}`'s own settings"));
            }
            self.renamed.entry(old).or_default().extend(conflicts);
        } else if self.at_base(path).is_some() {
            reason = Some(format!(
                "{} is in upstream {} too, so this file dropped it on purpose; re-adding it undoes that",
                what(path),
                self.base.version
            ));
        }
        let mut missing = yaml_ops::missing_anchors(child, self.doc);
        missing.retain(|a| !self.added_anchors.contains(a));
        if !missing.is_empty() {
            reason = Some(format!(
                "it uses the anchor `{}`, which this file does not define",
                missing.join("`, `")
            ));
        }
        if reason.is_none() {
            let (entry_doc, _) = parsed(child);
            self.added_anchors.extend(entry_doc.anchors.keys().cloned());
        }
        self.out.push(match reason {
            None => Fix::safe(title, vec![edit]),
            Some(r) => Fix::unsafe_edits(title, r, vec![edit]),
        });
    }

    /// For a service that replaces an older one the file still has: the
    /// old service's customized entries (as text), and the keys that clash.
    fn carry_from_predecessor(
        &mut self,
        path: &[String],
        child: &CNode,
    ) -> Option<(String, String, Vec<String>)> {
        let [s, name] = path else { return None };
        if s != "services" {
            return None;
        }
        let root = self.doc.root?;
        let services = self.doc.get(root, "services")?.value;
        let (old, old_pair) = self.kb.releases.iter().find_map(|r| {
            r.renames
                .iter()
                .filter(|x| x.to.contains(&name.as_str()))
                .find_map(|x| {
                    self.doc
                        .get(services, x.from)
                        .map(|p| (x.from.to_string(), p))
                })
        })?;
        if !self.doc.is_map(old_pair.value)
            || !matches!(
                self.doc.node(old_pair.value).kind,
                NodeKind::Map { flow: false, .. }
            )
        {
            return Some((old, String::new(), Vec::new()));
        }
        let mut carried = String::new();
        let mut conflicts = Vec::new();
        for p in self.doc.pairs(old_pair.value).to_vec() {
            let key = self.doc.scalar(p.key).unwrap_or("").to_string();
            let hist = vec!["services".to_string(), old.clone(), key.clone()];
            if historic_contains(&hist, self.doc, p.value) {
                continue;
            }
            match child.child(&key) {
                Some(theirs) => {
                    let (d, n) = parsed(theirs);
                    if !same_value(self.doc, p.value, &d, n) {
                        conflicts.push(key);
                    }
                }
                None => {
                    let span = yaml_ops::entry_lines(self.src, self.doc, p);
                    let mut text = self.src.slice(span).to_string();
                    if !text.ends_with('\n') {
                        text.push_str(self.src.newline());
                    }
                    carried.push_str(&text);
                }
            }
        }
        Some((old, carried, conflicts))
    }

    fn leaf(&mut self, pair: Pair, child: &CNode, path: &[String]) {
        let (tdoc, tval) = parsed(child);
        if same_value(self.doc, pair.value, &tdoc, tval) {
            return;
        }
        let edit = yaml_ops::replace_value(self.file, self.src, self.doc, pair, child);
        if historic_contains(path, self.doc, pair.value) {
            self.out.push(Fix::safe(
                format!(
                    "Update `{}` to {}'s value",
                    dotted(path),
                    self.target.version
                ),
                vec![edit],
            ));
            return;
        }
        // Customized. Upstream unchanged since the file's release: keep it quietly.
        if self.at_base(path) == Some(child) {
            return;
        }
        self.out.push(Fix::unsafe_edits(
            format!(
                "Replace the customized `{}` with {}'s value",
                dotted(path),
                self.target.version
            ),
            format!(
                "`{}` differs from every upstream release here, and {} changes upstream's value: \
                 merge your change into the new value by hand",
                dotted(path),
                self.target.version
            ),
            vec![edit],
        ));
    }

    fn extra(&mut self, pair: Pair, path: &[String]) {
        if !historic_exists(path) {
            return; // the operator's own
        }
        let edit = yaml_ops::remove_entry(self.file, self.src, self.doc, pair);
        if let [s, name] = path
            && s == "services"
            && let Some(conflicts) = self.renamed.get(name).cloned()
        {
            let successors = self
                .kb
                .renamed(name)
                .map(|(_, r)| r.to.join("`, `"))
                .unwrap_or_default();
            let title = format!("Remove service `{name}` (replaced by `{successors}`)");
            self.out.push(if conflicts.is_empty() {
                Fix::safe(title, vec![edit])
            } else {
                Fix::unsafe_edits(
                    title,
                    format!(
                        "its customized `{}` differ from what the new services set: move those changes by hand",
                        conflicts.join("`, `")
                    ),
                    vec![edit],
                )
            });
            return;
        }
        let title = format!(
            "Remove {} ({} no longer has it)",
            what(path),
            self.target.version
        );
        if historic_contains(path, self.doc, pair.value) {
            self.out.push(Fix::safe(title, vec![edit]));
        } else {
            self.out.push(Fix::unsafe_edits(
                title,
                format!(
                    "{} is customized here: removing it drops your changes",
                    what(path)
                ),
                vec![edit],
            ));
        }
    }
}

/// The override file is the operator's: it is not rewritten, but services it
/// configures that the target drops or renames are flagged for review.
fn review_override(install: &Install, kb: &Kb, target: &Release, out: &mut StepChanges) {
    let Some((file, doc)) = install.compose_doc(FileKind::ComposeOverride) else {
        return;
    };
    let Some(services) = doc.root.and_then(|r| doc.get(r, "services")) else {
        return;
    };
    for p in doc.pairs(services.value) {
        let name = doc.scalar(p.key).unwrap_or("");
        if target.has_service(name) || kb.service_releases(name).next().is_none() {
            continue;
        }
        let successor = kb
            .renamed(name)
            .map(|(r, x)| format!(" ({} replaced it with `{}`)", r.version, x.to.join("`, `")))
            .unwrap_or_default();
        out.review(format!(
            "{} configures service `{name}`, which {} no longer has{successor}: move these settings by hand",
            install.file(file).display,
            target.version
        ));
    }
}
