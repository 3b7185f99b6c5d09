//! SL102: two running services consume the same thing.

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::Fix;
use crate::model::compose::Service;
use crate::rules::helpers::{Consumer, command_in_release, consumers, name_list, remove_service};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL102",
    name: "duplicate-consumer",
    severity: Severity::Warning,
    summary: "Two services run the same consumer: one idles or every message is processed twice",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL102.md"),
    check,
};

/// What makes two consumers the same: the Sentry consumer, or the Snuba
/// storage with the topic it reads (outcomes and outcomes-billing share a
/// storage and a group but read different topics).
fn identity(c: &Consumer) -> (bool, &str, Option<&str>) {
    match c {
        Consumer::Sentry { name, .. } => (true, name, None),
        Consumer::Snuba { storage, topic, .. } => (false, storage, topic.as_deref()),
    }
}

fn group(c: &Consumer) -> &str {
    match c {
        Consumer::Sentry { group, .. } | Consumer::Snuba { group, .. } => group,
    }
}

fn what(cs: &[&Consumer]) -> String {
    let names: Vec<&str> = cs
        .iter()
        .filter_map(|c| match c {
            Consumer::Sentry { name, .. } => Some(name.as_str()),
            Consumer::Snuba { .. } => None,
        })
        .collect();
    if names.len() > 1 && names.len() == cs.len() {
        return format!("Sentry consumers {}", name_list(&names, names.len()));
    }
    cs.iter()
        .map(|c| what_one(c))
        .collect::<Vec<_>>()
        .join(" and ")
}

fn what_one(c: &Consumer) -> String {
    match c {
        Consumer::Sentry { name, .. } => format!("Sentry consumer `{name}`"),
        Consumer::Snuba {
            storage,
            topic: Some(t),
            ..
        } => format!("Snuba storage `{storage}` from topic `{t}`"),
        Consumer::Snuba { storage, .. } => format!("Snuba storage `{storage}`"),
    }
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some(compose) = ctx.compose() else {
        return;
    };
    let view = ctx.view();
    let upstream = |s: &Service| view.is_some_and(|v| v.allows_service(&s.name));
    let running: Vec<(&Service, Consumer)> = compose
        .services
        .iter()
        .filter(|s| ctx.disabled(s).is_none())
        // A command the release lacks crash-loops: it duplicates nothing.
        .filter(|s| {
            view.as_ref()
                .is_none_or(|v| command_in_release(v, s.command()))
        })
        .flat_map(|s| consumers(s).into_iter().map(move |c| (s, c)))
        .collect();
    let mut seen: Vec<(bool, &str, Option<&str>)> = Vec::new();
    let mut pairs: Vec<(&Service, Vec<&Consumer>, &Service, &Consumer)> = Vec::new();
    for (_, c) in &running {
        let id = identity(c);
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        let mut same: Vec<&(&Service, Consumer)> = Vec::new();
        for entry in running.iter().filter(|(_, x)| identity(x) == id) {
            if !same.iter().any(|(s, _)| s.name == entry.0.name) {
                same.push(entry);
            }
        }
        if same.len() < 2 {
            continue;
        }
        // The service upstream defines keeps the consumer; the others are reported.
        let keep = same
            .iter()
            .position(|(s, _)| upstream(s))
            .unwrap_or_default();
        let (kept, kept_c) = same[keep];
        for (i, (svc, c)) in same.iter().enumerate() {
            if i == keep {
                continue;
            }
            // One finding per pair of services, however many consumers they share.
            match pairs
                .iter_mut()
                .find(|p| p.0.name == svc.name && p.2.name == kept.name)
            {
                Some(p) => p.1.push(c),
                None => pairs.push((svc, vec![c], kept, kept_c)),
            }
        }
    }
    for (svc, cs, kept, kept_c) in pairs {
        out.push(report(ctx, svc, &cs, kept, kept_c, upstream(kept)));
    }
}

fn report(
    ctx: &Ctx,
    svc: &Service,
    cs: &[&Consumer],
    kept: &Service,
    kept_c: &Consumer,
    kept_is_upstream: bool,
) -> Diagnostic {
    let (name, other) = (&svc.name, &kept.name);
    let (g, kg) = (group(cs[0]), group(kept_c));
    let (message, why) = if g == kg {
        (
            format!(
                "`{name}` duplicates `{other}`: both consume {} in group `{g}`",
                what(cs)
            ),
            "Kafka gives each partition of a topic to one member of a group, and the topics \
             self-hosted creates have one partition by default, so only one of the two gets the \
             work and nothing is gained.",
        )
    } else {
        (
            format!(
                "`{name}` duplicates `{other}`: both consume {}, in groups `{g}` and `{kg}`",
                what(cs)
            ),
            "Each consumer group reads every message, so every message is processed twice: \
             rows and events are written twice.",
        )
    };
    let remedy = match ctx.view() {
        Some(view) if kept_is_upstream => format!(
            "Sentry {} runs this consumer as `{other}`; remove `{name}`.",
            view.describe()
        ),
        _ => format!("Keep one service per consumer: remove `{name}` or `{other}`."),
    };
    // Only a service that consumes nothing else can go, and only when the
    // one that stays is upstream's (otherwise which to keep is a choice).
    let fix = (kept_is_upstream && consumers(svc).len() == cs.len())
        .then(|| remove_service(ctx, svc))
        .flatten()
        .map(|edit| {
            Fix::unsafe_edits(
                format!("Remove the `{name}` service"),
                format!(
                    "its own settings (`{}`) go with it; `{other}` keeps consuming with upstream's",
                    svc.command().join(" ")
                ),
                vec![edit],
            )
        });
    let at = kept.command_at();
    ctx.diag_at(&RULE, svc.command_at(), message, format!("{why} {remedy}"))
        .with_label(at.file, at.span, format!("`{other}` runs it here"))
        .with_fix(fix)
}
