//! SL105: a consumer command or option that the install's Sentry release lacks.

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::Fix;
use crate::kb::ReleaseView;
use crate::model::compose::Service;
use crate::rules::helpers::{
    canonical_consumer, flag_values, remove_service, runs_elsewhere, sentry_words,
    unified_consumer_name,
};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL105",
    name: "command-not-in-release",
    severity: Severity::Error,
    summary: "A consumer command or option does not exist in the install's Sentry release",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL105.md"),
    check,
};

const INGEST: &[&str] = &["ingest-events", "ingest-attachments", "ingest-transactions"];

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let (Some(view), Some(compose)) = (ctx.view(), ctx.compose()) else {
        return;
    };
    let version = view.describe();
    let no_unified = view.cli_all(|c| !c.unified_consumer);
    let no_all_types = view.cli_all(|c| !c.all_consumer_types);
    for svc in &compose.services {
        let words = sentry_words(svc);
        if words.first().map(String::as_str) != Some("run") || ctx.disabled(svc).is_some() {
            continue;
        }
        let name = &svc.name;
        let restart = format!("so `{name}` exits at start and restarts in a loop");
        match words.get(1).map(String::as_str) {
            Some("consumer") if no_unified => {
                let consumer = unified_consumer_name(words);
                let shown =
                    consumer.map_or("run consumer".to_string(), |c| format!("run consumer {c}"));
                let upstream = match consumer.and_then(|c| canonical_consumer(&view, c)) {
                    Some((s, command)) => {
                        format!("Sentry {version} runs this consumer as `{s}` with `{command}`.")
                    }
                    None => format!(
                        "Use the command Sentry {version} has for this consumer, or upgrade to 23.6.0 or later."
                    ),
                };
                out.push(ctx.diag_at(
                    &RULE,
                    svc.command_at(),
                    format!("`{shown}` does not exist in Sentry {version}"),
                    format!(
                        "The unified `run consumer` command arrived in 23.6.0; click answers \
                         \"No such command 'consumer'\", {restart}. {upstream}"
                    ),
                ));
            }
            Some("ingest-consumer") if no_all_types => {
                let split = split_consumers(&view);
                if words.iter().any(|w| w == "--all-consumer-types") {
                    out.push(ctx.diag_at(
                        &RULE,
                        svc.command_at(),
                        format!("`--all-consumer-types` does not exist in Sentry {version}"),
                        format!(
                            "From 23.6.0 `run ingest-consumer` takes a single `--consumer-type`; \
                             click answers \"No such option: --all-consumer-types\", {restart}. {split}"
                        ),
                    ));
                }
                let types = flag_values(words, "--consumer-type");
                let mut distinct: Vec<&str> = Vec::new();
                for t in &types {
                    if !distinct.contains(t) {
                        distinct.push(t);
                    }
                }
                if let (true, Some(last)) = (distinct.len() > 1, types.last()) {
                    let lost: Vec<String> = distinct
                        .iter()
                        .filter(|t| *t != last)
                        .map(|t| format!("`{t}`"))
                        .collect();
                    let fix = duplicate_fix(ctx, &view, svc, &distinct);
                    out.push(ctx.diag_at(
                        &RULE,
                        svc.command_at(),
                        format!(
                            "`--consumer-type` is given {} times, but Sentry {version} takes one \
                             value: only `{last}` is consumed",
                            types.len()
                        ),
                        format!(
                            "From 23.6.0 the option takes a single value and click keeps the last \
                             one, so {} {} never consumed: those messages stay in Kafka until its \
                             retention drops them. {split}",
                            lost.join(", "),
                            if lost.len() > 1 { "are" } else { "is" }
                        ),
                    ).with_fix(fix));
                }
            }
            _ => {}
        }
    }
}

/// When other services of the install already consume every type the
/// service names (upstream's `events-consumer` and the like), the service
/// only adds a member to their consumer group: removing it loses nothing
/// but its own settings.
fn duplicate_fix(ctx: &Ctx, view: &ReleaseView, svc: &Service, types: &[&str]) -> Option<Fix> {
    let compose = ctx.compose()?;
    let mut by: Vec<String> = Vec::new();
    for t in types {
        let (canonical, _) = canonical_consumer(view, &format!("ingest-{t}"))?;
        let running = compose
            .service(&canonical)
            .filter(|s| s.name != svc.name && ctx.disabled(s).is_none())
            .or_else(|| runs_elsewhere(ctx, view, &canonical).filter(|s| s.name != svc.name))?;
        if !by.contains(&running.name) {
            by.push(running.name.clone());
        }
    }
    let edit = remove_service(ctx, svc)?;
    let by: Vec<String> = by.iter().map(|b| format!("`{b}`")).collect();
    Some(Fix::unsafe_edits(
        format!(
            "Remove the `{}` service ({} consume its types)",
            svc.name,
            by.join(", ")
        ),
        "the service's own settings go with it",
        vec![edit],
    ))
}

/// How the release runs the three ingest consumers, for help texts.
fn split_consumers(view: &ReleaseView) -> String {
    let found: Vec<String> = INGEST
        .iter()
        .filter_map(|c| canonical_consumer(view, c))
        .map(|(s, command)| format!("`{s}` (`{command}`)"))
        .collect();
    if found.len() == INGEST.len() {
        format!(
            "Run one service per type, as Sentry {} does: {}.",
            view.describe(),
            found.join(", ")
        )
    } else {
        "Run one service per type, each with one `--consumer-type`.".to_string()
    }
}
