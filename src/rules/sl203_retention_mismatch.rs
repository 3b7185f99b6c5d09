//! SL203: `system.event-retention-days` hard-coded to another value than
//! `SENTRY_EVENT_RETENTION_DAYS`.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::FileId;
use crate::rules::helpers::{
    RETENTION_KEY, RETENTION_OPTION as OPTION, literal_days, parse_days, retention_days,
};
use crate::rules::{Ctx, FixAvailability, Rule};
use crate::source::Span;

pub const RULE: Rule = Rule {
    code: "SL203",
    name: "retention-mismatch",
    severity: Severity::Warning,
    summary: "`system.event-retention-days` is hard-coded to another value than `SENTRY_EVENT_RETENTION_DAYS`",
    fix: FixAvailability::None,
    doc: include_str!("../../rules/SL203.md"),
    check,
};

/// Where the option is set, its days, how to show it, how it applies, and what to do.
type Found = (FileId, Span, i64, String, String, &'static str);

const FIX: &str =
    "write `int(env(\"SENTRY_EVENT_RETENTION_DAYS\", \"90\"))` here as the example does,";

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some((env_days, env_file, entry)) = retention_days(ctx) else {
        return;
    };
    // config.yml is applied after sentry.conf.py: it wins.
    let found = match ctx.config_option(OPTION) {
        Some((file, _, value)) => {
            let Some((_, doc)) = ctx.config_yml() else {
                return;
            };
            let Some(days) = doc.scalar(value).and_then(|t| parse_days(t).ok()) else {
                return;
            };
            let shown = format!("`{OPTION}: {days}` in sentry/config.yml");
            let how = "config.yml is applied after sentry.conf.py, so this value wins and";
            let fix = "remove this line, so that sentry.conf.py reads the variable,";
            Some((
                file,
                doc.node(value).span,
                days,
                shown,
                how.to_string(),
                fix,
            ))
        }
        None => from_pyconf(ctx),
    };
    let Some((file, span, days, shown, how, fix)) = found else {
        return;
    };
    if days <= 0 || days == env_days {
        return;
    }
    let effect = if days < env_days {
        format!(
            "ClickHouse rows (search, issue lists, the replay index) expire after {days} days, but \
             event payloads, replay recordings and profiles are kept {env_days} days: disk is used \
             for data nothing lists anymore."
        )
    } else {
        format!(
            "Issues and replays stay listed for {days} days, but their event payloads and recording \
             segments are deleted after {env_days} days: their detail pages break."
        )
    };
    let env_name = ctx.install.file(env_file).display.clone();
    out.push(
        ctx.diag(
            &RULE,
            file,
            span,
            format!("{shown} differs from `{RETENTION_KEY}={env_days}`"),
            format!(
                "{how} Sentry tells Relay to keep events {days} days, while `sentry cleanup --days` \
                 and vroom-cleanup use `{RETENTION_KEY}` ({env_days}). {effect} Keep one value: \
                 {fix} and set the days in `{env_name}`."
            ),
        )
        .with_label(
            env_file,
            entry.key_span.cover(entry.value_span),
            format!("`{env_name}` sets {env_days} days here"),
        ),
    );
}

/// The value sentry.conf.py gives the option, when it is a literal or read
/// from another variable that no container is given (so its default counts).
fn from_pyconf(ctx: &Ctx) -> Option<Found> {
    let (file, conf) = ctx.pyconf()?;
    let (expr, assignment) = conf.lookup("SENTRY_OPTIONS", &[OPTION])?;
    if assignment.conditional {
        return None;
    }
    let written = ctx.install.file(file).slice(expr.span).to_string();
    let shown = if written.contains('\n') {
        format!("`SENTRY_OPTIONS[\"{OPTION}\"]` in sentry.conf.py")
    } else {
        format!("`SENTRY_OPTIONS[\"{OPTION}\"] = {written}` in sentry.conf.py")
    };
    if let Some(days) = literal_days(expr) {
        return Some((
            file,
            expr.span,
            days,
            shown,
            "This hard-codes the option:".into(),
            FIX,
        ));
    }
    let (name, default) = expr.env_call()?;
    if name == RETENTION_KEY || given_to_containers(ctx, name) {
        return None;
    }
    let days = literal_days(default?)?;
    let how = format!(
        "It reads `{name}`, which compose gives no container, so the default {days} applies:"
    );
    Some((file, expr.span, days, shown, how, FIX))
}

/// Whether some service may see `name` in its environment.
fn given_to_containers(ctx: &Ctx, name: &str) -> bool {
    ctx.compose().is_none_or(|c| {
        c.services
            .iter()
            .any(|s| s.get("env_file").is_some() || s.has_env(name))
    })
}
