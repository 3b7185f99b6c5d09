//! SL206: a service upstream hands `SENTRY_EVENT_RETENTION_DAYS` to does not get it.

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Fix, yaml_ops};
use crate::kb::tree::parse_entry;
use crate::model::FileId;
use crate::model::compose::{Origin, Service};
use crate::parse::yaml::{NodeId, NodeKind, YamlDoc};
use crate::rules::helpers::{
    RETENTION_KEY, image_family, loads_env_file, name_list, retention_days,
};
use crate::rules::{Ctx, FixAvailability, Rule};
use crate::source::Span;

pub const RULE: Rule = Rule {
    code: "SL206",
    name: "retention-passthrough-missing",
    severity: Severity::Warning,
    summary: "A Sentry or Snuba service does not get `SENTRY_EVENT_RETENTION_DAYS`",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL206.md"),
    check,
};

/// A Sentry service needs the variable only for sentry.conf.py, which reads
/// it into `system.event-retention-days` in upstream's example; a file that
/// never names it (a hand-written one) makes passing it change nothing.
fn conf_ignores_it(ctx: &Ctx, svc: &Service) -> bool {
    let sentry = svc
        .image()
        .and_then(|i| image_family(ctx.install, i))
        .is_some_and(|f| f == "sentry");
    sentry
        && ctx
            .pyconf()
            .is_some_and(|(file, _)| !ctx.install.file(file).text.contains(RETENTION_KEY))
}

/// A cleanup cron whose command holds its age (`--days 30`, or
/// `$SENTRY_EVENT_RETENTION_DAYS`, which compose fills in from the env file
/// before the container starts): the container's own variable would change
/// nothing it does; the age against the retention Sentry keeps is SL204's.
/// `$$` leaves the expansion to the container, which then needs it.
fn age_written_out(svc: &Service) -> bool {
    let words = svc.command().join(" ");
    (words.contains("--days") || words.contains("-mtime"))
        && !words.contains(&format!("$${RETENTION_KEY}"))
        && !words.contains(&format!("$${{{RETENTION_KEY}"))
}

/// Services that lack the variable, by the `environment` mapping they share
/// (or alone, when they have none).
struct Group<'a> {
    mapping: Option<Origin>,
    services: Vec<&'a Service>,
    /// Upstream's environment keys around the variable, for placing it.
    order: Vec<String>,
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let (Some(view), Some(compose)) = (ctx.view(), ctx.compose()) else {
        return;
    };
    let mut groups: Vec<Group> = Vec::new();
    for svc in &compose.services {
        let canonical = view.canonical_services(&svc.name);
        if canonical.is_empty()
            || !canonical.iter().all(|c| c.has_env(RETENTION_KEY))
            || svc.has_env(RETENTION_KEY)
            || loads_env_file(svc)
            || age_written_out(svc)
            || conf_ignores_it(ctx, svc)
            || ctx.disabled(svc).is_some()
        {
            continue;
        }
        let mapping = svc.get("environment").map(|e| e.at());
        let same = |g: &&mut Group| {
            mapping.is_some()
                && g.mapping.map(|m| (m.file, m.node)) == mapping.map(|m| (m.file, m.node))
        };
        match groups.iter_mut().find(same) {
            Some(g) => g.services.push(svc),
            None => groups.push(Group {
                mapping,
                services: vec![svc],
                order: canonical[0]
                    .environment
                    .iter()
                    .map(|(k, _)| k.to_string())
                    .collect(),
            }),
        }
    }
    for g in groups {
        out.push(report(ctx, &view.describe(), &g));
    }
}

fn report(ctx: &Ctx, version: &str, g: &Group) -> Diagnostic {
    let names: Vec<&str> = g.services.iter().map(|s| s.name.as_str()).collect();
    let count = match names.len() {
        1 => String::new(),
        n => format!("{n} services: "),
    };
    let image = |s: &&Service| s.image().unwrap_or("").to_string();
    let images: Vec<String> = g.services.iter().map(image).collect();
    let mut readers = Vec::new();
    if images.iter().any(|i| i.starts_with("sentry-")) {
        readers.push(
            "Sentry reads it in sentry.conf.py to set `system.event-retention-days`, the retention \
             it gives Relay",
        );
    }
    if images
        .iter()
        .any(|i| i.contains("SNUBA_IMAGE") || i.contains("getsentry/snuba"))
    {
        readers.push("Snuba takes its default retention from it");
    }
    let reads = !readers.is_empty();
    let consequence = match retention_days(ctx) {
        _ if !reads => String::new(),
        Some((90, _, _)) => "`.env` says 90 today, the same as sentry.conf.py's fallback, but a \
                             change there will not reach these containers."
            .to_string(),
        Some((days, _, _)) => format!(
            "Without it they fall back to their own default (90 days in sentry.conf.py) while \
             `.env` says {days} and the cleanup crons delete at {days} days."
        ),
        None => String::new(),
    };
    let readers = match readers.as_slice() {
        [] => String::new(),
        r => format!(": {}", r.join(", and ")),
    };
    let mut help = format!("Sentry {version} passes it through to these services{readers}.");
    if !consequence.is_empty() {
        help = format!("{help} {consequence}");
    }
    let help = format!(
        "{help} Add `{RETENTION_KEY}:` with no value, so that compose passes the one from `.env`."
    );
    let Some(mapping) = g.mapping else {
        let svc = g.services[0];
        return ctx.diag_service(
            &RULE,
            svc,
            format!(
                "`{}` has no `environment`, so it does not get `{RETENTION_KEY}`",
                svc.name
            ),
            help,
        );
    };
    let doc = ctx
        .install
        .compose_docs
        .iter()
        .find(|(f, _)| *f == mapping.file)
        .map(|(_, d)| d);
    let at = doc
        .and_then(|d| key_of(d, mapping.node))
        .unwrap_or(mapping.span);
    let fix = doc.and_then(|d| insert_edit(ctx, mapping.file, d, mapping.node, &g.order));
    ctx.diag(
        &RULE,
        mapping.file,
        at,
        format!(
            "This `environment` does not pass `{RETENTION_KEY}` to {count}{}",
            name_list(&names, 4)
        ),
        help,
    )
    .with_fix(fix)
}

/// The span of the key whose value is `node`.
fn key_of(doc: &YamlDoc, node: NodeId) -> Option<Span> {
    doc.nodes
        .iter()
        .flat_map(|n| match &n.kind {
            NodeKind::Map { pairs, .. } => pairs.as_slice(),
            _ => &[],
        })
        .find(|p| p.value == node)
        .map(|p| doc.node(p.key).span)
}

/// Inserts `SENTRY_EVENT_RETENTION_DAYS:` into the block mapping, where
/// upstream puts it among the keys the mapping has.
fn insert_edit(
    ctx: &Ctx,
    file: FileId,
    doc: &YamlDoc,
    node: NodeId,
    order: &[String],
) -> Option<Fix> {
    let idx = order.iter().position(|k| k == RETENTION_KEY)?;
    let after: Vec<&str> = order[..idx].iter().rev().map(String::as_str).collect();
    let before: Vec<&str> = order[idx + 1..].iter().map(String::as_str).collect();
    let entry = parse_entry(&format!("{RETENTION_KEY}:\n")).ok()?;
    let edit = yaml_ops::insert_entry(
        file,
        ctx.install.file(file),
        doc,
        node,
        &after,
        &before,
        &entry,
    )?;
    Some(Fix::safe(
        format!("Pass `{RETENTION_KEY}` through"),
        vec![edit],
    ))
}
