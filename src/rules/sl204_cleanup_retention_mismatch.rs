//! SL204: a cleanup cron pinned to another age than `SENTRY_EVENT_RETENTION_DAYS`.

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Edit, Fix};
use crate::model::compose::{Origin, Scalar};
use crate::rules::helpers::{RETENTION_KEY, retention_days};
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

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let (Some((env_days, env_file, entry)), Some(compose)) = (retention_days(ctx), ctx.compose())
    else {
        return;
    };
    let env_name = &ctx.install.file(env_file).display;
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
            let fix = span.map(|span| {
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
                        "`{written}` pins `{name}` to {days} days while `{RETENTION_KEY}` is {env_days}"
                    ),
                    format!(
                        "{effect} Upstream writes `${RETENTION_KEY}` here so that one value drives \
                         every retention."
                    ),
                )
                .with_label(
                    env_file,
                    entry.key_span.cover(entry.value_span),
                    format!("`{env_name}` sets {env_days} days here"),
                )
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
