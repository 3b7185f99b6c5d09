//! SL204: a cleanup cron pinned to another age than `SENTRY_EVENT_RETENTION_DAYS`.

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Edit, Fix};
use crate::model::FileId;
use crate::model::compose::Origin;
use crate::rules::helpers::{
    RETENTION_KEY, RETENTION_OPTION as OPTION, cleanup_cron, literal_days, parse_days,
    retention_days, written_span,
};
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

/// The retention Sentry runs with, and where it comes from (for the label).
struct Effective {
    days: i64,
    file: FileId,
    span: Span,
    label: String,
    /// Set by the env file, so `$SENTRY_EVENT_RETENTION_DAYS` in the cron
    /// would give the same age.
    from_env: bool,
}

/// `SENTRY_EVENT_RETENTION_DAYS` from the env file; when the install sets
/// it nowhere, the default sentry.conf.py falls back to (`config.yml`
/// first, which wins over sentry.conf.py). `None` when it cannot be told:
/// no sentry.conf.py, or no env file while a container is handed the
/// variable from the shell.
fn effective_retention(ctx: &Ctx) -> Option<Effective> {
    if let Some((days, file, entry)) = retention_days(ctx) {
        let name = &ctx.install.file(file).display;
        return Some(Effective {
            days,
            file,
            span: entry.key_span.cover(entry.value_span),
            label: format!("`{name}` sets {days} days here"),
            from_env: true,
        });
    }
    if ctx.env_entry(RETENTION_KEY).is_some() {
        return None;
    }
    if let Some((file, _, value)) = ctx.config_option(OPTION) {
        let (_, doc) = ctx.config_yml()?;
        let days = parse_days(doc.scalar(value)?).ok()?;
        return Some(Effective {
            days,
            file,
            span: doc.node(value).span,
            label: format!("config.yml sets `{OPTION}` to {days} days here"),
            from_env: false,
        });
    }
    let (file, conf) = ctx.pyconf()?;
    let (expr, assignment) = conf.lookup("SENTRY_OPTIONS", &[OPTION])?;
    if assignment.conditional {
        return None;
    }
    let days = match expr.env_call() {
        Some((name, Some(default))) if name == RETENTION_KEY => {
            // No env file: the shell that runs compose may hand it over.
            let from_shell = ctx.env_file().is_none()
                && ctx
                    .compose()
                    .is_some_and(|c| c.services.iter().any(|s| s.has_env(RETENTION_KEY)));
            if from_shell {
                return None;
            }
            literal_days(default)?
        }
        Some(_) => return None,
        None => literal_days(expr)?,
    };
    Some(Effective {
        days,
        file,
        span: assignment.stmt_span,
        label: format!("nothing sets `{RETENTION_KEY}`, so sentry.conf.py keeps {days} days here"),
        from_env: false,
    })
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let (Some(effective), Some(compose)) = (effective_retention(ctx), ctx.compose()) else {
        return;
    };
    let env_days = effective.days;
    // The crons by what they run, whatever the services are called.
    for svc in &compose.services {
        let Some(&(_, flag, what)) = cleanup_cron(&svc.command().join(" "))
            .and_then(|cron| CRONS.iter().find(|(c, _, _)| *c == cron))
        else {
            continue;
        };
        let name = svc.name.as_str();
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
            let span = written_span(ctx.install, s.at, offset, literal);
            let fix = span.filter(|_| effective.from_env).map(|span| {
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
                    if effective.from_env {
                        format!(
                            "`{written}` pins `{name}` to {days} days while `{RETENTION_KEY}` is {env_days}"
                        )
                    } else {
                        format!(
                            "`{written}` pins `{name}` to {days} days while Sentry keeps events {env_days} days"
                        )
                    },
                    if effective.from_env {
                        format!(
                            "{effect} Upstream writes `${RETENTION_KEY}` here so that one value drives \
                             every retention."
                        )
                    } else {
                        format!(
                            "{effect} Set the retention you want once, as `{RETENTION_KEY}` in the \
                             env file compose reads, and write `${RETENTION_KEY}` here."
                        )
                    },
                )
                .with_label(effective.file, effective.span, effective.label.clone())
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
