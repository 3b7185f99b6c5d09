//! SL305: a service of another release that the install's release does not have.

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Edit, Fix, yaml_ops};
use crate::kb::ReleaseView;
use crate::model::compose::{Compose, Origin, Service};
use crate::parse::yaml::{NodeId, Pair, same_value};
use crate::rules::helpers::{block_pair, canonical_roles, command_in_release, quoted_list, role};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL305",
    name: "obsolete-service",
    severity: Severity::Warning,
    summary: "A service from another release that the install's release does not have",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL305.md"),
    check,
};

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let (Some(view), Some(compose)) = (ctx.view(), ctx.compose()) else {
        return;
    };
    let version = view.describe();
    let base = ctx.compose_file().map(|(f, _)| f);
    for svc in &compose.services {
        let name = svc.name.as_str();
        // A service only the override defines is SL350's: one finding for
        // the block, which also says whether compose can start it at all.
        if base.is_some_and(|b| !svc.in_file(b)) {
            continue;
        }
        // Most services are the release's own: asked first, it spares
        // looking the name up in every release.
        if view.allows_service(name) {
            continue;
        }
        let had: Vec<_> = ctx.kb.service_releases(name).collect();
        if had.is_empty() || does_release_work(ctx, &view, svc) {
            continue;
        }
        let last_before = had.iter().rev().find(|r| r.version < view.version);
        let renamed = ctx
            .kb
            .renamed(name)
            .filter(|(r, _)| r.version <= view.upper.version);
        let (message, mut help) = match (last_before, renamed) {
            (None, _) => {
                let first = had[0].version;
                out.push(ctx.diag_service(
                    &RULE,
                    svc,
                    format!("`{name}` does not exist yet at {version} (added by {first})"),
                    format!(
                        "the compose file is from a later release than the images: on Sentry {version} this \
                         service's command may not exist, and what it feeds may not either. Finish the upgrade \
                         (set the `*_IMAGE` entries to the compose file's release) or remove the service"
                    ),
                ));
                continue;
            }
            (Some(_), Some((release, r))) => (
                format!(
                    "`{name}` no longer exists at {version}: it was replaced by {} (by {})",
                    quoted_list(r.to),
                    release.version
                ),
                format!(
                    "an obsolete service crash-loops on a command its image no longer has, or keeps consuming \
                     next to its successors; upstream's install.sh removes its container with \
                     `docker compose down --remove-orphans`. Carry any change you made to it over to {}, then \
                     remove it",
                    quoted_list(r.to)
                ),
            ),
            (Some(last), None) => (
                {
                    let gone = ctx
                        .kb
                        .releases
                        .iter()
                        .find(|r| r.version > last.version && !had.iter().any(|h| h.version == r.version))
                        .map_or(view.version, |r| r.version);
                    format!(
                        "`{name}` no longer exists at {version} (removed between {} and {gone})",
                        last.version
                    )
                },
                "an obsolete service crash-loops on a command its image no longer has, or keeps waiting on \
                 a topic nothing writes any more; upstream's install.sh removes its container with \
                 `docker compose down --remove-orphans`. Remove it"
                    .to_string(),
            ),
        };
        let base = ctx.compose_file();
        let fix = match base {
            Some((file, _)) if svc.written.iter().all(|(f, _)| *f == file) => {
                removal(ctx, compose, svc, &had, renamed.is_some())
            }
            _ => {
                help.push_str(" (it is defined in docker-compose.override.yml: remove it there)");
                None
            }
        };
        out.push(ctx.diag_service(&RULE, svc, message, help).with_fix(fix));
    }
}

/// A service under an old name that runs, with a command of the release,
/// what one of the release's services does: it is that service renamed,
/// not a leftover (a second copy is SL102's business).
fn does_release_work(ctx: &Ctx, view: &ReleaseView, svc: &Service) -> bool {
    if svc.get("command").is_none() || !command_in_release(view, svc.command()) {
        return false;
    }
    let own = role(ctx.install, svc);
    view.required_services().iter().any(|name| {
        canonical_roles(ctx.install, view, name)
            .iter()
            .any(|r| own.does(r))
    })
}

/// Removes the service from docker-compose.yml, and the `depends_on`
/// entries that name it. Safe only when the entry is some release's own
/// definition and nothing depends on it.
fn removal(
    ctx: &Ctx,
    compose: &Compose,
    svc: &Service,
    had: &[&crate::kb::Release],
    has_successor: bool,
) -> Option<Fix> {
    let (file, doc) = ctx.compose_file()?;
    let source = ctx.install.file(file);
    let services = doc.get(doc.root?, "services")?.value;
    let pair = doc.get(services, &svc.name)?;
    let mut edits = vec![yaml_ops::remove_entry(file, source, doc, pair)];
    let mut reasons = Vec::new();
    let upstream = had.iter().any(|r| {
        let c = &r.canonical().doc;
        c.root
            .and_then(|root| c.get(root, "services"))
            .and_then(|s| c.get(s.value, &svc.name))
            .is_some_and(|p| same_value(doc, pair.value, c, p.value))
    });
    if !upstream {
        reasons.push(if has_successor {
            "customized: carry its changes to the successor before removing".to_string()
        } else {
            "customized: check that its changes are no longer needed before removing".to_string()
        });
    }
    let dependents: Vec<(&str, Origin)> = compose
        .services
        .iter()
        .filter(|t| t.name != svc.name)
        .flat_map(|t| {
            t.get("depends_on")
                .map(|d| d.keyed())
                .unwrap_or_default()
                .into_iter()
                .filter(|k| k.key == svc.name)
                .map(|k| (t.name.as_str(), k.key_at))
        })
        .collect();
    if let Some(&(first, _)) = dependents.first() {
        let who = match dependents.len() {
            1 => format!("`{first}` depends"),
            n => format!("`{first}` and {} more depend", n - 1),
        };
        reasons.push(format!(
            "{who} on it: the fix also drops those `depends_on` entries, so check nothing still uses it"
        ));
        // Entries to drop, by the mapping that holds them (shared anchors count once).
        let mut by_map: BTreeMap<NodeId, Vec<Pair>> = BTreeMap::new();
        for (_, at) in &dependents {
            if at.file != file {
                return None;
            }
            let (map, p) = block_pair(doc, |p| p.key == at.node)?;
            let v = by_map.entry(map).or_default();
            if !v.contains(&p) {
                v.push(p);
            }
        }
        for (map, pairs) in by_map {
            if pairs.len() == doc.pairs(map).len() {
                // Nothing would be left: drop `depends_on:` itself.
                let (_, parent) = block_pair(doc, |p| p.value == map)?;
                edits.push(yaml_ops::remove_entry(file, source, doc, parent));
            } else {
                edits.extend(
                    pairs
                        .into_iter()
                        .map(|p| yaml_ops::remove_entry(file, source, doc, p)),
                );
            }
        }
    }
    let title = format!("Remove the `{}` service", svc.name);
    Some(if reasons.is_empty() {
        Fix::safe(title, edits)
    } else {
        Fix::unsafe_edits(title, reasons.join("; "), edits)
    })
    .filter(|f| !overlapping(&f.edits))
}

/// A dependent inside the removed service itself would be edited twice.
fn overlapping(edits: &[Edit]) -> bool {
    edits
        .iter()
        .enumerate()
        .any(|(i, a)| edits[i + 1..].iter().any(|b| a.span.overlaps(b.span)))
}
