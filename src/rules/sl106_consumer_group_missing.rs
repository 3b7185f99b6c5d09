//! SL106: `run consumer NAME` without the `--consumer-group` click requires.

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Edit, Fix};
use crate::kb::Kb;
use crate::model::compose::{Service, Value};
use crate::parse::yaml::ScalarStyle;
use crate::rules::helpers::{
    Consumer, command_consumers, flag_value, sentry_words, unified_consumer_name, without_sentry,
};
use crate::rules::{Ctx, FixAvailability, Rule};
use crate::source::Span;

pub const RULE: Rule = Rule {
    code: "SL106",
    name: "consumer-group-missing",
    severity: Severity::Error,
    summary: "`run consumer` without the `--consumer-group` it requires",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL106.md"),
    check,
};

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let (Some(view), Some(compose)) = (ctx.view(), ctx.compose()) else {
        return;
    };
    if !view.cli_all(|c| c.unified_consumer) {
        return;
    }
    for svc in &compose.services {
        let words = sentry_words(svc);
        let Some(name) = unified_consumer_name(words) else {
            continue;
        };
        if flag_value(words, "--consumer-group").is_some() || ctx.disabled(svc).is_some() {
            continue;
        }
        let group = upstream_group(ctx.kb, name);
        let remedy = match &group {
            Some(g) => format!(
                "Upstream runs `{name}` in group `{g}`: add `--consumer-group {g}` (the same group \
                 also keeps the offsets it has committed)."
            ),
            None => {
                "Add `--consumer-group <group>`, the group this consumer commits its offsets in."
                    .into()
            }
        };
        let fix = group.as_deref().and_then(|g| {
            append_edit(ctx, svc, &format!(" --consumer-group {g}"))
                .map(|e| Fix::safe(format!("Add `--consumer-group {g}`"), vec![e]))
        });
        out.push(
            ctx.diag_at(
                &RULE,
                svc.command_at(),
                format!(
                    "`run consumer {name}` has no `--consumer-group`, which Sentry {} requires",
                    view.describe()
                ),
                format!(
                    "click stops with \"Missing option '--consumer-group'\", so `{}` exits at \
                     start and restarts in a loop. {remedy}",
                    svc.name
                ),
            )
            .with_fix(fix),
        );
    }
}

/// The group the newest release that runs consumer `name` with the unified
/// command gives it.
fn upstream_group(kb: &Kb, name: &str) -> Option<String> {
    kb.releases.iter().rev().find_map(|r| {
        r.canonical_services().iter().find_map(|s| {
            if without_sentry(s.command()).get(1).map(String::as_str) != Some("consumer") {
                return None;
            }
            command_consumers(s.command())
                .into_iter()
                .find_map(|c| match c {
                    Consumer::Sentry { name: n, group } if n == name && !group.is_empty() => {
                        Some(group)
                    }
                    _ => None,
                })
        })
    })
}

/// Appends `text` to a one-line command written as a plain or quoted scalar
/// in this service (not in a shared anchor), when the file shows the value
/// exactly as decoded.
fn append_edit(ctx: &Ctx, svc: &Service, text: &str) -> Option<Edit> {
    let Some(Value::Scalar(s)) = svc.get("command") else {
        return None;
    };
    if s.at.via.is_some() {
        return None;
    }
    let written = ctx.install.file(s.at.file).slice(s.at.span);
    let quote = match s.style {
        ScalarStyle::Plain => 0,
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => 1,
        _ => return None,
    };
    let inner = written.get(quote..written.len().checked_sub(quote)?)?;
    if inner != s.text || inner.contains('\n') {
        return None;
    }
    let at = s.at.span.end as usize - quote;
    Some(Edit::replace(s.at.file, Span::empty(at), text))
}
