//! SL312: release health still reads the sessions dataset after self-hosted
//! stopped filling it.

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Fix, py_ops};
use crate::kb::version::Version;
use crate::kb::{Release, ReleaseView, SettingFact};
use crate::rules::helpers::quoted_list;
use crate::rules::{Ctx, FixAvailability, Rule};
use crate::source::Span;

pub const RULE: Rule = Rule {
    code: "SL312",
    name: "release-health-backend-missing",
    severity: Severity::Error,
    summary: "Release health reads the sessions backend, which the release no longer feeds",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL312.md"),
    check,
};

const SETTINGS: [&str; 2] = ["SENTRY_RELEASE_HEALTH", "SENTRY_RELEASE_MONITOR"];
/// The consumer that fed the sessions dataset (removed in 23.11.0).
const SESSIONS_CONSUMER: &str = "snuba-sessions-consumer";

/// Sentry's built-in `SENTRY_RELEASE_HEALTH` was the sessions backend until
/// getsentry/sentry#67353 (2024-03-20). A release without a date is judged
/// by its number: every release before 24.3.0 predates the change.
fn defaults_to_sessions(r: &Release) -> bool {
    match r.date {
        Some(d) => d < "2024-03-20",
        None => r.version < Version::new(24, 3, 0),
    }
}

/// The settings an install of `view` must set itself: the sessions
/// consumers are gone, Sentry's default still reads them, and the example
/// sets the metrics backends (all on both sides of the view).
fn required<'k>(view: &ReleaseView<'k>) -> Vec<&'k SettingFact> {
    if view.allows_service(SESSIONS_CONSUMER)
        || !defaults_to_sessions(view.lower)
        || !defaults_to_sessions(view.upper)
    {
        return Vec::new();
    }
    SETTINGS.iter().filter_map(|n| view.setting(n)).collect()
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let (Some(view), Some((file, conf))) = (ctx.view(), ctx.pyconf()) else {
        return;
    };
    // Judge the release itself once it lacks the sessions consumers, else
    // warn ahead of an upgrade to a release that lacks them.
    let (against, ahead) = if !view.allows_service(SESSIONS_CONSUMER) {
        (view, false)
    } else {
        match ctx.target {
            Some(t) if t.version > view.version && !t.allows_service(SESSIONS_CONSUMER) => {
                (t, true)
            }
            _ => return,
        }
    };
    let version = against.describe();
    let source = ctx.install.file(file);
    let severity = if ahead {
        Severity::Warning
    } else {
        Severity::Error
    };

    let missing: Vec<&SettingFact> = required(&against)
        .into_iter()
        .filter(|f| conf.setting(f.name).is_none())
        .collect();
    if !missing.is_empty() {
        let names: Vec<&str> = missing.iter().map(|f| f.name).collect();
        let verb = if names.len() == 1 { "is" } else { "are" };
        let what = if names.contains(&SETTINGS[0]) {
            "release health"
        } else {
            "the release monitor"
        };
        let names = quoted_list(&names);
        let python: String = missing.iter().map(|f| f.python).collect();
        // Safe when the running release's own example already has the lines.
        let now_fine = !ahead || missing.iter().all(|f| view.setting(f.name).is_some());
        let fix = now_fine.then(|| {
            // Right after the setting that precedes it in the example, else
            // after the retention option (a blank line apart), else at the end.
            let pos = SETTINGS
                .iter()
                .position(|n| *n == missing[0].name)
                .unwrap_or(0);
            let previous = SETTINGS[..pos]
                .iter()
                .rev()
                .find_map(|n| conf.setting(n))
                .filter(|a| !a.conditional);
            let retention = conf
                .item("SENTRY_OPTIONS", "system.event-retention-days")
                .filter(|a| !a.conditional);
            let edit = match (previous, retention) {
                (Some(a), _) => py_ops::insert_after(file, source, a.stmt_span, &python),
                (None, Some(a)) => {
                    py_ops::insert_after(file, source, a.stmt_span, &format!("\n{python}"))
                }
                (None, None) => py_ops::append_statement(file, source, &python),
            };
            Fix::safe(
                "Add the metrics release-health backends of the example",
                vec![edit],
            )
        });
        let (message, when) = if ahead {
            (
                format!(
                    "{names} {verb} not set: release health goes empty on the upgrade to Sentry {version}"
                ),
                if now_fine {
                    format!(
                        "now (the example of Sentry {} already has them)",
                        view.describe()
                    )
                } else {
                    "together with the upgrade".to_string()
                },
            )
        } else {
            (
                format!(
                    "{names} {verb} not set: {what} reads the sessions dataset, which Sentry {version} no longer fills"
                ),
                "as the release's example does".to_string(),
            )
        };
        // Where the defaults come from.
        let span = conf
            .statements
            .iter()
            .copied()
            .find(|s| {
                source
                    .slice(*s)
                    .starts_with("from sentry.conf.server import")
            })
            .unwrap_or(Span::empty(0));
        let mut d = ctx
            .diag(
                &RULE,
                file,
                span,
                message,
                format!(
                    "Self-hosted removed the sessions consumers in 23.11.0, but Sentry's built-in \
                     default stayed the sessions backend until 2024-03 (getsentry/sentry#67353), so \
                     crash-free rates and release adoption stay empty. Add the metrics backends {when}:\n{}",
                    python.trim_end()
                ),
            )
            .with_fix(fix);
        d.severity = severity;
        out.push(d);
    }

    for name in SETTINGS {
        let Some(a) = conf.setting(name) else {
            continue;
        };
        let Some(value) = a.value.as_str() else {
            continue;
        };
        if value.contains("metrics") {
            continue;
        }
        let metrics = ctx.kb.releases.iter().find_map(|r| r.setting(name));
        let fix = metrics
            .and_then(|m| m.value)
            .and_then(|m| py_ops::replace_string(file, source, a.value.span, m))
            .map(|e| {
                Fix::unsafe_edits(
                    "Use the metrics backend of the example",
                    "replaces a backend the operator chose",
                    vec![e],
                )
            });
        let message = if ahead {
            format!("`{value}` stops receiving data on the upgrade to Sentry {version}")
        } else {
            format!("`{value}` reads the sessions dataset, which Sentry {version} no longer fills")
        };
        let mut d = ctx
            .diag(
                &RULE,
                file,
                a.value.span,
                message,
                format!(
                    "Self-hosted removed the sessions consumers in 23.11.0, so a sessions-based \
                     `{name}` shows no crash-free rates or adoption. Use the metrics backend{}",
                    match metrics.and_then(|m| m.value) {
                        Some(m) => format!(" `{m}` as the example does"),
                        None => String::new(),
                    }
                ),
            )
            .with_fix(fix);
        d.severity = severity;
        out.push(d);
    }
}
