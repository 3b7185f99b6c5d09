//! SL313: `COMPOSE_PROFILES` does not start the release's profiled services,
//! or sentry.conf.py's errors-only switch disagrees with it.

use std::collections::BTreeSet;

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Fix, env_ops, py_ops};
use crate::kb::Release;
use crate::model::compose::{Service, Value};
use crate::parse::pyconf::{self, Expr, ExprKind};
use crate::rules::helpers::did_you_mean;
use crate::rules::{Ctx, FixAvailability, Rule};
use crate::source::Span;

pub const RULE: Rule = Rule {
    code: "SL313",
    name: "compose-profiles-missing",
    severity: Severity::Warning,
    summary: "COMPOSE_PROFILES leaves the release's profiled services stopped, or disagrees with sentry.conf.py",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL313.md"),
    check,
};

const FULL: &str = "feature-complete";
const ERRORS_ONLY: &str = "errors-only";
const SWITCH: &str = "SENTRY_SELF_HOSTED_ERRORS_ONLY";

fn uses_profiles(r: &Release) -> bool {
    r.canonical_services()
        .iter()
        .any(|svc| svc.profiles.is_some())
}

/// `env("COMPOSE_PROFILES") != "feature-complete"`, upstream's switch.
fn is_upstream_switch(e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::BinOp { op, left, right }
        if op == "!="
            && left.env_call().map(|(n, _)| n) == Some("COMPOSE_PROFILES")
            && right.as_str() == Some(FULL))
}

fn listed(names: &[&str]) -> String {
    const SHOWN: usize = 6;
    let mut out: Vec<String> = names.iter().take(SHOWN).map(|n| format!("`{n}`")).collect();
    if names.len() > SHOWN {
        out.push(format!("{} more", names.len() - SHOWN));
    }
    out.join(", ")
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let (Some(view), Some(compose)) = (ctx.view(), ctx.compose()) else {
        return;
    };
    if !uses_profiles(view.lower) || !uses_profiles(view.upper) {
        return;
    }
    let profiled: Vec<&Service> = compose
        .services
        .iter()
        .filter(|s| !s.profiles().is_empty())
        .collect();
    let known: BTreeSet<&str> = profiled
        .iter()
        .flat_map(|s| s.profiles())
        .chain([FULL, ERRORS_ONLY])
        .collect();
    let entry = ctx.env_entry("COMPOSE_PROFILES");
    let value = ctx.install.var("COMPOSE_PROFILES").map(str::trim);
    let active: Vec<&str> = value
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let switch = ctx
        .pyconf()
        .and_then(|(f, c)| c.setting(SWITCH).map(|a| (f, a)));

    if active.is_empty() {
        if let Some(first) = profiled.first() {
            let names: Vec<&str> = profiled.iter().map(|s| s.name.as_str()).collect();
            let wanted: Vec<&str> = first.profiles();
            let help = format!(
                "From 24.7.1 upstream puts the replay, crons, profiling and issue-occurrence services \
                 behind the `{FULL}` profile and sets `COMPOSE_PROFILES={FULL}` in `.env`; without \
                 it `docker compose up` starts none of them ({}), and those features silently get \
                 no data. Set `COMPOSE_PROFILES={FULL}` in the env file compose reads, or \
                 `{ERRORS_ONLY}` to run error monitoring only",
                listed(&names)
            );
            let what = format!(
                "{} service{} of profile `{}`",
                names.len(),
                if names.len() == 1 { "" } else { "s" },
                wanted.join(",")
            );
            let d = match (ctx.env_file(), entry) {
                (Some((file, _)), Some((_, e))) => ctx.diag(
                    &RULE,
                    file,
                    e.line_span,
                    format!("`COMPOSE_PROFILES` is empty: the {what} never start"),
                    help,
                ),
                (Some((file, env)), None) => {
                    let fact = view.upper.env_fact("COMPOSE_PROFILES");
                    let edit = env_ops::insert_entry(
                        file,
                        ctx.install.file(file),
                        env,
                        &["COMPOSE_PROJECT_NAME"],
                        "COMPOSE_PROFILES",
                        fact.map_or(FULL, |f| f.value),
                        fact.map_or("", |f| f.comment),
                    );
                    ctx.diag(
                        &RULE,
                        file,
                        Span::empty(0),
                        format!(
                            "`COMPOSE_PROFILES` is not set in `{}`: the {what} never start",
                            ctx.install.file(file).kind.relative_path()
                        ),
                        help,
                    )
                    .with_fix(Some(Fix::safe(
                        format!("Set `COMPOSE_PROFILES={FULL}`"),
                        vec![edit],
                    )))
                }
                (None, _) => ctx.diag_at(
                    &RULE,
                    first.get("profiles").map(Value::at).unwrap_or(first.key_at),
                    format!("`COMPOSE_PROFILES` is not set (no env file): the {what} never start"),
                    help,
                ),
            };
            out.push(d);
        }
        return;
    }

    // Set: every name must be a profile, and the value must be one of the two
    // that sentry.conf.py's errors-only switch understands.
    if let (Some((file, e)), Some(value)) = (entry, value)
        && value != FULL
        && value != ERRORS_ONLY
    {
        let unknown: Vec<&str> = active
            .iter()
            .copied()
            .filter(|p| !known.contains(p))
            .collect();
        let finding = if let Some(bad) = unknown.first() {
            let hint = did_you_mean(bad, known.iter().copied())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            Some((
                format!(
                    "`COMPOSE_PROFILES={value}`: `{bad}` is no profile of the compose files{hint}"
                ),
                format!(
                    "docker compose then starts only the services without a profile, so replays, \
                     crons, profiling and issue occurrences get no data. Use `{FULL}` (every \
                     feature) or `{ERRORS_ONLY}` (error monitoring only)"
                ),
            ))
        } else if active.contains(&FULL)
            && switch.is_some_and(|(_, a)| is_upstream_switch(&a.value))
        {
            Some((
                format!("`COMPOSE_PROFILES={value}` switches Sentry to errors-only mode"),
                format!(
                    "sentry.conf.py sets `{SWITCH} = env(\"COMPOSE_PROFILES\") != \"{FULL}\"`, which \
                     compares the whole value: with more than one profile Sentry hides the features \
                     whose services run. Keep `COMPOSE_PROFILES={FULL}` and start extra services \
                     another way, or adapt that line"
                ),
            ))
        } else {
            None
        };
        if let Some((message, help)) = finding {
            out.push(ctx.diag(&RULE, file, e.value_span, message, help));
        }
    }

    // A hard-coded switch that contradicts the profiles that run.
    let Some((file, a)) = switch else {
        return;
    };
    let Some(errors_only) = a.value.as_bool() else {
        return;
    };
    let full = active.contains(&FULL);
    if errors_only != full {
        return;
    }
    let shown = active.join(",");
    let (message, help) = if errors_only {
        (
            format!("`{SWITCH} = True` while `COMPOSE_PROFILES={shown}` runs every feature"),
            format!(
                "Sentry hides performance, replays, crons and profiling although their services \
                 run. Upstream derives the switch from the profile: `{SWITCH} = \
                 env(\"COMPOSE_PROFILES\") != \"{FULL}\"`"
            ),
        )
    } else {
        (
            format!(
                "`{SWITCH} = False` while `COMPOSE_PROFILES={shown}` leaves the feature services stopped"
            ),
            format!(
                "Sentry shows performance, replays, crons and profiling, but their services do not \
                 run, so those pages stay empty. Upstream derives the switch from the profile: \
                 `{SWITCH} = env(\"COMPOSE_PROFILES\") != \"{FULL}\"`"
            ),
        )
    };
    // The example's expression, read from the statement as the knowledge
    // base writes it (comments included).
    let fix = view.setting(SWITCH).and_then(|f| {
        let example = pyconf::parse(f.python);
        let value = example.setting(SWITCH)?.value.span;
        Some(Fix::unsafe_edits(
            "Derive the switch from `COMPOSE_PROFILES` as upstream does",
            "replaces a value the operator hard-coded",
            vec![py_ops::replace_expr(
                file,
                a.value.span,
                &f.python[value.range()],
            )],
        ))
    });
    out.push(
        ctx.diag(&RULE, file, a.value.span, message, help)
            .with_fix(fix),
    );
}
