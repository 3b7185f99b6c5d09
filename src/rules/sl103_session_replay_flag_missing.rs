//! SL103: `organizations:session-replay` is not enabled in sentry.conf.py.

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Fix, py_ops};
use crate::rules::{Ctx, FixAvailability, Rule};
use crate::source::Span;

pub const RULE: Rule = Rule {
    code: "SL103",
    name: "session-replay-flag-missing",
    severity: Severity::Warning,
    summary: "`organizations:session-replay` is missing from SENTRY_FEATURES or set to False",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL103.md"),
    check,
};

const FLAG: &str = "organizations:session-replay";

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let (Some(view), Some((file, conf))) = (ctx.view(), ctx.pyconf()) else {
        return;
    };
    let features = view.features();
    let Some(idx) = features.iter().position(|f| *f == FLAG) else {
        return;
    };
    let version = view.describe();
    let why = format!(
        "Sentry's own default for this flag is False; the sentry.conf.example.py of Sentry {version} \
         enables it. Without it Relay drops replays and the replay API answers 404, \
         so the Replays page stays empty."
    );
    let entries: Vec<_> = conf.features.iter().filter(|f| f.name == FLAG).collect();
    // Set inside an `if` (or any block): what the file does at import time is unknown.
    if entries.iter().any(|f| f.conditional) {
        return;
    }
    match entries.last() {
        Some(f) => {
            if f.enabled == Some(false) {
                out.push(ctx.diag(
                    &RULE,
                    file,
                    f.span,
                    format!("`{FLAG}` is set to `False`, which turns Session Replay off"),
                    format!(
                        "{why} Set it to True, or remove this entry and add the flag to the \
                         `SENTRY_FEATURES.update(...)` list as the example does."
                    ),
                ));
            }
        }
        None => {
            // Where the flags are enabled, else the first statement.
            let at = conf
                .features
                .iter()
                .find(|f| f.enabled == Some(true) && !f.conditional)
                .map(|f| f.stmt_span)
                .or_else(|| conf.statements.first().copied())
                .unwrap_or(Span::empty(0));
            let lists_flags = conf
                .feature_lists
                .iter()
                .any(|l| l.enabled == Some(true) && !l.items.is_empty());
            // Appending `SENTRY_FEATURES[...] = True` needs the defaults imported.
            let fix = (lists_flags || conf.imports_server_defaults).then(|| {
                let after: Vec<&str> = features[..idx].iter().rev().copied().collect();
                let edit = py_ops::add_feature(file, ctx.install.file(file), conf, FLAG, &after);
                Fix::safe(format!("Enable `{FLAG}`"), vec![edit])
            });
            out.push(
                ctx.diag(
                    &RULE,
                    file,
                    at,
                    format!("`{FLAG}` is not enabled in sentry.conf.py"),
                    format!("{why} Add it to the flags this file enables."),
                )
                .with_fix(fix),
            );
        }
    }
}
