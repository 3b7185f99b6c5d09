//! SL204: a cleanup cron pinned to another age than `SENTRY_EVENT_RETENTION_DAYS`.

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Edit, Fix};
use crate::model::FileId;
use crate::model::compose::{Compose, Origin, Scalar};
use crate::parse::pyconf::ExprKind;
use crate::rules::helpers::{RETENTION_KEY, parse_days, retention_days};
use crate::rules::{Ctx, FixAvailability, Rule};
use crate::source::Span;

pub const RULE: Rule = Rule {
    code: "SL204",
    name: "cleanup-retention-mismatch",
    severity: Severity::Warning,
    summary: "A cleanup cron deletes at another age than `SENTRY_EVENT_RETENTION_DAYS`",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL204.md"),
    check,
};

/// The option sentry.conf.py sets from the variable.
const OPTION: &str = "system.event-retention-days";

/// The crons upstream drives with the retention, the option that takes the
/// age, and what they delete.
const CRONS: &[(&str, &str, &str)] = &[
    (
        "sentry-cleanup",
        "--days",
        "event payloads, attachments and replay recordings",
    ),
    ("vroom-cleanup", "-mtime", "profiles"),
];

/// The retention Sentry runs with, and where it comes from.
struct Retention {
    days: i64,
    /// "`SENTRY_EVENT_RETENTION_DAYS` is 90", for the message.
    stated: String,
    file: FileId,
    span: Span,
    label: String,
    /// The env file sets the variable, so the cron can read it.
    env_set: bool,
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some(compose) = ctx.compose() else {
        return;
    };
    let retention = match retention_days(ctx) {
        Some((days, file, entry)) => Retention {
            days,
            stated: format!("`{RETENTION_KEY}` is {days}"),
            file,
            span: entry.key_span.cover(entry.value_span),
            label: format!("`{}` sets {days} days here", ctx.install.file(file).display),
            env_set: true,
        },
        None if ctx.install.var(RETENTION_KEY).is_none() => {
            let Some(r) = default_retention(ctx) else {
                return;
            };
            r
        }
        None => return,
    };
    judge_crons(ctx, compose, &retention, out);
}

/// With `SENTRY_EVENT_RETENTION_DAYS` set nowhere (often: no env file at
/// all), Sentry keeps what sentry.conf.py falls back to, upstream's
/// `int(env("SENTRY_EVENT_RETENTION_DAYS", "90"))`. Only that form is read:
/// elsewhere the retention cannot be told.
fn default_retention(ctx: &Ctx) -> Option<Retention> {
    // config.yml would win over sentry.conf.py; not judged when it sets it.
    if ctx.config_option(OPTION).is_some() {
        return None;
    }
    let (file, conf) = ctx.pyconf()?;
    let (expr, _) = conf.lookup("SENTRY_OPTIONS", &[OPTION])?;
    let (name, default) = expr.env_call()?;
    if name != RETENTION_KEY {
        return None;
    }
    let default = default?;
    let days = match &default.kind {
        ExprKind::Int(i) => *i,
        ExprKind::Str(s) => parse_days(s).ok()?,
        _ => return None,
    };
    let setter = match ctx.env_file() {
        Some((env, _)) => format!("`{}` does not set it", ctx.install.file(env).display),
        None => "the install has no env file".to_string(),
    };
    Some(Retention {
        days,
        stated: format!("nothing sets `{RETENTION_KEY}` ({setter}), so Sentry keeps {days}"),
        file,
        span: default.span,
        label: format!("sentry.conf.py falls back to {days} days here"),
        env_set: false,
    })
}

fn judge_crons(ctx: &Ctx, compose: &Compose, retention: &Retention, out: &mut Vec<Diagnostic>) {
    let env_days = retention.days;
    for &(name, flag, what) in CRONS {
        let Some(svc) = compose.service(name) else {
            continue;
        };
        let Some(command) = svc.get("command") else {
            continue;
        };
        if ctx.disabled(svc).is_some() {
            continue;
        }
        for s in command.scalars() {
            // `sentry cleanup -m Model` cleans one model on purpose.
            if flag == "--days"
                && s.text
                    .split_whitespace()
                    .any(|w| w == "-m" || w == "--model" || w.starts_with("--model="))
            {
                continue;
            }
            let Some((at_flag, offset, literal)) = age_literal(&s.text, flag) else {
                continue;
            };
            let Ok(days) = literal.parse::<i64>() else {
                continue;
            };
            if days == env_days {
                continue;
            }
            let written = &s.text[at_flag..offset + literal.len()];
            let effect = if days < env_days {
                format!(
                    "`{name}` deletes {what} after {days} days, while ClickHouse keeps the rows \
                     that point to them {env_days} days (the retention Sentry gives Relay): they \
                     stay listed and no longer open."
                )
            } else {
                format!(
                    "ClickHouse drops the rows after {env_days} days, while `{name}` keeps {what} \
                     {days} days: disk is used for data nothing lists anymore."
                )
            };
            let span = literal_span(ctx, s, offset, literal);
            // Without the variable set, `$SENTRY_EVENT_RETENTION_DAYS` would
            // leave the cron without an age: no single right edit.
            let fix = span.filter(|_| retention.env_set).map(|span| {
                Fix::unsafe_edits(
                    format!("Use `${RETENTION_KEY}` in `{name}`"),
                    format!(
                        "it changes what `{name}` deletes: from then on it deletes {what} older \
                         than {env_days} days instead of {days}"
                    ),
                    vec![Edit::replace(s.at.file, span, format!("${RETENTION_KEY}"))],
                )
            });
            let at = match span {
                Some(span) => Origin { span, ..s.at },
                None => s.at,
            };
            out.push(
                ctx.diag_at(
                    &RULE,
                    at,
                    format!(
                        "`{written}` pins `{name}` to {days} days while {}",
                        retention.stated
                    ),
                    format!(
                        "{effect} Upstream writes `${RETENTION_KEY}` here so that one value drives \
                         every retention{}.",
                        if retention.env_set {
                            ""
                        } else {
                            ", and sets it in `.env`"
                        }
                    ),
                )
                .with_label(retention.file, retention.span, retention.label.clone())
                .with_fix(fix),
            );
        }
    }
}

/// The number after `flag` (`--days 30`, `--days=30`, `-mtime +30`): the
/// offsets of the flag and of the digits in `text`, and the digits. `None`
/// for a variable or anything else.
fn age_literal<'t>(text: &'t str, flag: &str) -> Option<(usize, usize, &'t str)> {
    text.match_indices(flag).find_map(|(i, _)| {
        let before = text[..i].chars().next_back();
        if before.is_some_and(|c| !c.is_whitespace() && c != '"' && c != '\'') {
            return None;
        }
        let rest = &text[i + flag.len()..];
        let skip = rest.len() - rest.trim_start_matches([' ', '=', '+']).len();
        if skip == 0 {
            return None;
        }
        let start = i + flag.len() + skip;
        let digits = text[start..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len() - start);
        let end = start + digits;
        let after = text[end..].chars().next();
        (digits > 0 && after.is_none_or(|c| c.is_whitespace() || c == '"' || c == '\''))
            .then(|| (i, start, &text[start..end]))
    })
}

/// Where the literal is written, when the scalar maps 1:1 onto the file and
/// is written in the service itself (not in a shared anchor).
fn literal_span(ctx: &Ctx, s: &Scalar, offset: usize, literal: &str) -> Option<Span> {
    if s.at.via.is_some() {
        return None;
    }
    let start = ctx.install.scalar_offset(s.at, offset)?.start as usize;
    let span = Span::new(start, start + literal.len());
    (ctx.install.file(s.at.file).slice(span) == literal).then_some(span)
}
