//! SL104: `run ingest-consumer --consumer-type X` with a type click refuses.

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Edit, Fix};
use crate::model::compose::{Service, Value};
use crate::rules::helpers::{
    canonical_consumer, does_work_of, flag_values, remove_service, replace_compose_value,
    sentry_words,
};
use crate::rules::{Ctx, FixAvailability, Rule};
use crate::source::Span;

pub const RULE: Rule = Rule {
    code: "SL104",
    name: "unknown-consumer-type",
    severity: Severity::Error,
    summary: "`run ingest-consumer --consumer-type` names a type other than events, attachments or transactions",
    fix: FixAvailability::Sometimes,
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
            let fix = if valid.is_empty() && t.contains("replay") {
                replay_fix(ctx, svc)
            } else {
                drop_type(ctx, svc, t)
            };
            out.push(
                ctx.diag_at(
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
                )
                .with_fix(fix),
            );
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

/// A service meant to consume replay recordings through the ingest
/// consumer: when another service already runs the release's recordings
/// consumer, it goes; otherwise it runs that consumer.
fn replay_fix(ctx: &Ctx, svc: &Service) -> Option<Fix> {
    const RECORDINGS: &str = "ingest-replay-recordings";
    let view = ctx.view()?;
    if let Some(other) = does_work_of(ctx, &view, RECORDINGS, &svc.name) {
        let edit = remove_service(ctx, svc)?;
        return Some(Fix::unsafe_edits(
            format!("Remove the `{}` service", svc.name),
            format!(
                "its definition goes; it never ran, and `{}` consumes the replay recordings",
                other.name
            ),
            vec![edit],
        ));
    }
    let (_, command) = canonical_consumer(&view, RECORDINGS)?;
    let at = svc.get("command")?.at();
    if at.via.is_some() {
        return None;
    }
    let edit = replace_compose_value(ctx, at, &command)?;
    Some(Fix::unsafe_edits(
        format!("Run `{command}` in `{}`", svc.name),
        "the command is replaced, and any flag of its own with it",
        vec![edit],
    ))
}

/// Drops `--consumer-type X` from a command that names valid types too:
/// safe, since click refused the whole command and the valid types never ran.
fn drop_type(ctx: &Ctx, svc: &Service, t: &str) -> Option<Fix> {
    let command = svc.get("command")?;
    if command.at().via.is_some() {
        return None;
    }
    let span = match command {
        Value::Scalar(s) => {
            let (start, len) = [
                format!(" --consumer-type {t}"),
                format!(" --consumer-type={t}"),
            ]
            .iter()
            .find_map(|w| {
                s.text
                    .match_indices(w.as_str())
                    .find(|(i, _)| {
                        s.text[i + w.len()..]
                            .chars()
                            .next()
                            .is_none_or(char::is_whitespace)
                    })
                    .map(|(i, _)| (i, w.len()))
            })?;
            let at = ctx.install.scalar_offset(s.at, start)?.start as usize;
            let span = Span::new(at, at + len);
            (ctx.install.file(s.at.file).slice(span) == &s.text[start..start + len])
                .then_some(span)?
        }
        // `[..., "--consumer-type", "X"]` or `[..., "--consumer-type=X"]`:
        // from the end of the item before to the end of the value.
        Value::Seq { items, .. } => {
            let words: Vec<&str> = items.iter().map(|i| i.as_str().unwrap_or("")).collect();
            let joined = format!("--consumer-type={t}");
            let (first, last) = (1..words.len()).find_map(|i| {
                if words[i] == joined {
                    Some((i, i))
                } else if words[i] == "--consumer-type" && words.get(i + 1) == Some(&t) {
                    Some((i, i + 1))
                } else {
                    None
                }
            })?;
            Span::new(
                items[first - 1].at().span.end as usize,
                items[last].at().span.end as usize,
            )
        }
        Value::Map { .. } => return None,
    };
    Some(Fix::safe(
        format!("Remove `--consumer-type {t}`"),
        vec![Edit::delete(command.at().file, span)],
    ))
}
