//! SL101: a service of the Session Replay pipeline is missing or does not run.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::helpers::{
    Consumer, canonical_entry, consumers, missing_service, runs_elsewhere, service_snippet,
};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL101",
    name: "replay-consumer-missing",
    severity: Severity::Warning,
    summary: "A Session Replay consumer is missing, disabled or consumes something else",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL101.md"),
    check,
};

/// The two consumers replays need, and how to recognise each by its command.
const REPLAY_SERVICES: &[(&str, &str)] = &[
    ("ingest-replay-recordings", "stores the recording segments"),
    (
        "snuba-replays-consumer",
        "writes replay events to ClickHouse",
    ),
];

fn is_replay_consumer(name: &str, c: &Consumer) -> bool {
    match (name, c) {
        ("ingest-replay-recordings", Consumer::Sentry { name, .. }) => {
            name == "ingest-replay-recordings"
        }
        ("snuba-replays-consumer", Consumer::Snuba { storage, .. }) => storage == "replays",
        _ => false,
    }
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let (Some(view), Some(compose)) = (ctx.view(), ctx.compose()) else {
        return;
    };
    let version = view.describe();
    for &(name, job) in REPLAY_SERVICES {
        if !view.requires_service(name) {
            continue;
        }
        // Running under another name counts (duplicates are SL102's business).
        let elsewhere = runs_elsewhere(ctx, &view, name);
        match compose.service(name) {
            None => {
                if elsewhere.is_some() {
                    continue;
                }
                let message =
                    format!("`{name}` is missing: nothing {job}, so replays never appear");
                let why = format!("Sentry {version} needs this service for Session Replay.");
                out.extend(missing_service(ctx, &RULE, name, message, &why));
            }
            Some(svc) => {
                if let Some((reason, at)) = ctx.disabled(svc).cloned() {
                    if elsewhere.is_some() {
                        continue;
                    }
                    out.push(ctx.diag_at(
                        &RULE,
                        at,
                        format!("`{name}` does not run: {reason}, so nothing {job}"),
                        format!(
                            "Session Replay needs `{name}` running on Sentry {version}; remove what disables it \
                             (or set `COMPOSE_PROFILES=feature-complete` for a profile)"
                        ),
                    ));
                    continue;
                }
                let cs = consumers(svc);
                if svc.get("command").is_some()
                    && !cs.iter().any(|c| is_replay_consumer(name, c))
                    && elsewhere.is_none()
                {
                    let command = svc.command().join(" ");
                    out.push(ctx.diag_at(
                        &RULE,
                        svc.command_at(),
                        format!("`{name}` runs `{command}`, which does not consume replays"),
                        match canonical_entry(&view, &["services", name]) {
                            Some(entry) => format!(
                                "on Sentry {version} this service must run the replay consumer; upstream defines it as:\n{}",
                                service_snippet(entry)
                            ),
                            None => format!("on Sentry {version} this service must run the replay consumer"),
                        },
                    ));
                }
            }
        }
    }
}
