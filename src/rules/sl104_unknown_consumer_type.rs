//! SL104: `run ingest-consumer --consumer-type X` with a type click refuses.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::helpers::{canonical_consumer, flag_values, sentry_words};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL104",
    name: "unknown-consumer-type",
    severity: Severity::Error,
    summary: "`run ingest-consumer --consumer-type` names a type other than events, attachments or transactions",
    fix: FixAvailability::None,
    doc: include_str!("../../rules/SL104.md"),
    check,
};

/// `ConsumerType.all()` in every release that has `run ingest-consumer`.
const TYPES: &[&str] = &["events", "attachments", "transactions"];

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some(compose) = ctx.compose() else {
        return;
    };
    for svc in &compose.services {
        let words = sentry_words(svc);
        if words.len() < 2 || words[0] != "run" || words[1] != "ingest-consumer" {
            continue;
        }
        if ctx.disabled(svc).is_some() {
            continue;
        }
        let types = flag_values(words, "--consumer-type");
        let valid: Vec<&str> = types
            .iter()
            .copied()
            .filter(|t| TYPES.contains(t))
            .collect();
        for t in types.iter().filter(|t| !TYPES.contains(t)) {
            let lost = if valid.is_empty() {
                String::new()
            } else {
                format!(
                    " Nothing this service should consume ({}) is consumed then.",
                    valid
                        .iter()
                        .map(|v| format!("`{v}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let remedy = if t.contains("replay") {
                format!(
                    "Replays never go through the ingest consumer: {} Remove `--consumer-type {t}`.",
                    replay_consumers(ctx)
                )
            } else {
                format!("Remove `--consumer-type {t}`.")
            };
            out.push(ctx.diag_at(
                &RULE,
                svc.command_at(),
                format!(
                    "`--consumer-type {t}` is not a type `run ingest-consumer` knows: it accepts \
                     only `events`, `attachments` and `transactions`"
                ),
                format!(
                    "click refuses the value (\"Invalid value for '--consumer-type'\"), so `{}` \
                     exits at start and restarts in a loop.{lost} {remedy}",
                    svc.name
                ),
            ));
        }
    }
}

/// Which services consume replays, for the install's release when known.
fn replay_consumers(ctx: &Ctx) -> String {
    let snuba = "replay events are written to ClickHouse by Snuba's `consumer --storage replays` \
                 (service `snuba-replays-consumer`).";
    match ctx
        .view()
        .and_then(|v| canonical_consumer(&v, "ingest-replay-recordings").map(|c| (v, c)))
    {
        Some((view, (service, command))) => format!(
            "on Sentry {} recordings have their own consumer, service `{service}` running `{command}`, and {snuba}",
            view.describe()
        ),
        None => format!(
            "recordings have their own consumer, service `ingest-replay-recordings` (`run ingest-replay-recordings` \
             up to 23.6.1, `run consumer ingest-replay-recordings --consumer-group ingest-replay-recordings` \
             from 23.6.2), and {snuba}"
        ),
    }
}
