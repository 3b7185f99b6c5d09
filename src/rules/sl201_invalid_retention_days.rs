//! SL201: `SENTRY_EVENT_RETENTION_DAYS` is not a usable number of days.

use crate::diagnostic::{Diagnostic, Severity};
use crate::kb::version::Version;
use crate::model::FileId;
use crate::parse::env::EnvEntry;
use crate::parse::interpolate::{Fallback, references};
use crate::rules::helpers::{RETENTION_KEY, flag_value, parse_days};
use crate::rules::{Ctx, FixAvailability, Rule};
use crate::source::Span;

pub const RULE: Rule = Rule {
    code: "SL201",
    name: "invalid-retention-days",
    severity: Severity::Error,
    summary: "`SENTRY_EVENT_RETENTION_DAYS` is empty, not a whole number, out of range, unset or coerced",
    fix: FixAvailability::None,
    doc: include_str!("../../rules/SL201.md"),
    check,
};

/// ClickHouse `retention_days` is `UInt16`, Snuba's rust consumers read a `u16`.
const MAX_DAYS: i64 = 65535;
/// Releases whose Snuba rust consumers coerce retention to 30 or 90 days.
const COERCING: (Version, Version) = (Version::new(24, 3, 0), Version::new(25, 1, 0));

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    match ctx.env_entry(RETENTION_KEY) {
        Some((file, entry)) => check_value(ctx, file, entry, out),
        None => check_unset(ctx, out),
    }
}

fn check_value(ctx: &Ctx, file: FileId, entry: &EnvEntry, out: &mut Vec<Diagnostic>) {
    let value = ctx
        .install
        .var(RETENTION_KEY)
        .unwrap_or(&entry.value)
        .trim();
    let span = entry.key_span.cover(entry.value_span);
    let shown = format!("`{RETENTION_KEY}={value}`");
    let crons = "the cleanup crons (`sentry cleanup --days`, `find -mtime +`)";
    let (message, help) = match parse_days(value) {
        Err(_) if value.is_empty() => (
            format!("`{RETENTION_KEY}` is set to nothing"),
            format!(
                "Compose passes the empty value to the Sentry containers, where sentry.conf.py's \
                 `int(env(\"{RETENTION_KEY}\", \"90\"))` raises ValueError, so every Sentry service fails \
                 to start; {crons} get no number and fail every night. Set a whole number of days \
                 (upstream ships `90`)."
            ),
        ),
        Err(_) => (
            format!("{shown} is not a whole number of days"),
            format!(
                "sentry.conf.py reads it with `int(...)`, which raises ValueError on `{value}`, so \
                 every Sentry service fails to start, and {crons} refuse it too. Write the number \
                 of days alone (upstream ships `90`)."
            ),
        ),
        Ok(0) => (
            format!("{shown} is not a positive number of days"),
            format!(
                "Sentry treats 0 as \"no limit\" and sends Relay no retention, so Relay falls back to \
                 its default of 90 days, while {crons} get 0. Set the number of days to keep \
                 (upstream ships `90`)."
            ),
        ),
        Ok(d) if d < 0 => (
            format!("{shown} is not a positive number of days"),
            format!(
                "Sentry does not check it, but ClickHouse stores retention as an unsigned 16-bit \
                 number of days (`retention_days UInt16`) and {crons} get a negative age. Set the \
                 number of days to keep (upstream ships `90`)."
            ),
        ),
        Ok(d) if d > MAX_DAYS => (
            format!("{shown} is more than {MAX_DAYS} days"),
            format!(
                "Snuba writes the retention of every row into ClickHouse's `retention_days` column, \
                 an unsigned 16-bit number (`u16` in the rust consumers), which holds at most \
                 {MAX_DAYS} days. Set {MAX_DAYS} or less."
            ),
        ),
        Ok(d) => {
            if let Some(d) = coerced(ctx, file, span, d, &shown) {
                out.push(d);
            }
            return;
        }
    };
    out.push(ctx.diag(&RULE, file, span, message, help));
}

/// On 24.3.0 up to 25.1.0, a value other than 30 or 90 is coerced by Snuba.
fn coerced(ctx: &Ctx, file: FileId, span: Span, days: i64, shown: &str) -> Option<Diagnostic> {
    let view = ctx.view()?;
    if days == 30 || days == 90 || view.version < COERCING.0 || view.version >= COERCING.1 {
        return None;
    }
    // Only the rust consumers coerce, and their replays processor keeps the value.
    let rust = ctx.compose().is_some_and(|c| {
        c.services.iter().any(|s| {
            let w = match s.command() {
                [first, rest @ ..] if first == "snuba" => rest,
                all => all,
            };
            w.first().map(String::as_str) == Some("rust-consumer")
                && flag_value(w, "--storage").is_some_and(|st| st != "replays")
                && ctx.disabled(s).is_none()
        })
    });
    if !rust {
        return None;
    }
    let stored = if days <= 30 { 30 } else { 90 };
    let effect = if stored > days {
        format!(
            "ClickHouse keeps those rows {stored} days while `sentry cleanup --days {days}` deletes \
             their event payloads after {days}: issues stay listed after their details are gone."
        )
    } else {
        format!(
            "ClickHouse drops those rows after {stored} days while `sentry cleanup` keeps their \
             payloads {days} days: search and issue lists lose them first, and the payloads only \
             use disk."
        )
    };
    let mut d = ctx.diag(
        &RULE,
        file,
        span,
        format!(
            "{shown} is stored as {stored} days by Snuba on Sentry {}",
            view.describe()
        ),
        format!(
            "From 24.3.0 until 25.1.0 Snuba's rust consumers coerce a retention other than 30 or 90 \
             days to 30 (up to 30) or 90 (above) for errors, transactions, spans, profiles and \
             metrics; replays keep the value. {effect} Use 30 or 90 on this release, or upgrade to \
             25.1.0 or later, whose Snuba honours the configured value."
        ),
    );
    d.severity = Severity::Warning;
    Some(d)
}

/// Unset while compose interpolates it: the cleanup crons get nothing.
fn check_unset(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    // Without an env file, compose takes every variable from the shell that
    // runs it: whether that sets this one cannot be told.
    let (Some(compose), Some((env_file, _))) = (ctx.compose(), ctx.env_file()) else {
        return;
    };
    // Set in `.env` but not in `.env.custom`: whether a release layers the
    // two is not known for every tag, and keys missing from `.env.custom`
    // are the env-layering rules' business.
    if ctx
        .install
        .dotenv
        .as_ref()
        .is_some_and(|(_, e)| e.get(RETENTION_KEY).is_some())
    {
        return;
    }
    let mut sites: Vec<(&str, FileId, Span)> = Vec::new();
    for svc in &compose.services {
        if ctx.disabled(svc).is_some() {
            continue;
        }
        for s in svc.body.scalars() {
            for r in references(&s.text) {
                if r.name != RETENTION_KEY || r.fallback != Fallback::None {
                    continue;
                }
                let span = ctx
                    .install
                    .scalar_offset(s.at, r.start)
                    .map(|at| Span::new(at.start as usize, at.start as usize + r.end - r.start))
                    .unwrap_or(s.at.span);
                if !sites
                    .iter()
                    .any(|(_, f, sp)| *f == s.at.file && *sp == span)
                {
                    sites.push((&svc.name, s.at.file, span));
                }
            }
        }
    }
    let Some(&(first, file, span)) = sites.first() else {
        return;
    };
    let env = &ctx.install.file(env_file).display;
    let mut d = ctx.diag(
        &RULE,
        file,
        span,
        format!("`{first}` interpolates `${RETENTION_KEY}`, which `{env}` does not set"),
        format!(
            "Compose replaces it with nothing (\"The {RETENTION_KEY} variable is not set\"), so the \
             cleanup crons run `sentry cleanup --days` or `find -mtime +` without a number and fail \
             every night: nothing old is deleted and the disk fills. Add \
             `{RETENTION_KEY}=90` (upstream's default) to `{env}`."
        ),
    );
    for &(name, f, sp) in &sites[1..] {
        d = d.with_label(f, sp, format!("`{name}` interpolates it too"));
    }
    out.push(d);
}
