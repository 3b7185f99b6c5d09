//! SL202: a setting that looks like retention but does nothing.

use std::collections::HashSet;

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Fix, env_ops, py_ops};
use crate::model::FileId;
use crate::model::compose::{Origin, Service};
use crate::parse::interpolate::references;
use crate::parse::pyconf::{Assignment, ExprKind, PyConf, Target};
use crate::rules::helpers::{
    RETENTION_KEY, RETENTION_OPTION as OPTION, did_you_mean, first_party, literal_days, name_list,
    parse_days,
};
use crate::rules::{Ctx, FixAvailability, Rule};
use crate::source::Span;

pub const RULE: Rule = Rule {
    code: "SL202",
    name: "ineffective-retention-setting",
    severity: Severity::Warning,
    summary: "A retention-looking setting that nothing reads",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL202.md"),
    check,
};

const ONE_KNOB: &str = "Self-hosted has one retention knob, `SENTRY_EVENT_RETENTION_DAYS` in \
    `.env`: compose passes it to sentry.conf.py (which sets `system.event-retention-days` from it), \
    to Snuba and to the cleanup crons. No other retention setting exists, for replays or any \
    other data.";

fn looks_like_retention(name: &str) -> bool {
    // `KAFKA_LOG_*` are Kafka's own settings (dead variables are another rule's business).
    // Asked of every key of every file: compared in place, ignoring case.
    let n = name.as_bytes();
    n.windows(b"retention".len())
        .any(|w| w.eq_ignore_ascii_case(b"retention"))
        && !(n.len() >= 10 && n[..10].eq_ignore_ascii_case(b"KAFKA_LOG_"))
}

/// "Did you mean" for a near miss of `real`, else the general explanation.
fn advice(name: &str, real: &str, todo: &str) -> String {
    let replays = if name.to_ascii_lowercase().contains("replay") {
        " (Recordings alone can only be cut shorter by an extra cron running \
         `sentry cleanup --days N -m ReplayRecordingSegment`, which leaves replays listed \
         without their recordings.)"
    } else {
        ""
    };
    match did_you_mean(name, [real]) {
        Some(m) => format!("Did you mean `{m}`? {ONE_KNOB}{replays} {todo}"),
        None => format!("{ONE_KNOB}{replays} {todo}"),
    }
}

/// What to do instead, without moving a value meant for one kind of data
/// onto all of them.
const INSTEAD: &str =
    "To change how long everything is kept, set `SENTRY_EVENT_RETENTION_DAYS` in `.env`; remove";

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    check_pyconf(ctx, out);
    check_config_yml(ctx, out);
    check_env(ctx, out);
    check_environments(ctx, out);
}

fn check_pyconf(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some((file, conf)) = ctx.pyconf() else {
        return;
    };
    let text = &ctx.install.file(file).text;
    for a in &conf.assignments {
        if a.op != "=" {
            continue;
        }
        match &a.target {
            Target::Name(name)
                if looks_like_retention(name)
                    && name.bytes().all(|b| !b.is_ascii_lowercase())
                    && !read_elsewhere(text, name, conf) =>
            {
                let value = text[a.value.span.range()].trim();
                let shown = if value.contains('\n') || value.len() > 40 {
                    format!("`{name}`")
                } else {
                    format!("`{name} = {value}`")
                };
                let days = match &a.value.kind {
                    ExprKind::Int(n) => n.to_string(),
                    _ => "N".to_string(),
                };
                let (message, help) = if name == RETENTION_KEY {
                    let todo =
                        format!("Set `{RETENTION_KEY}={days}` in `.env` and remove this line.");
                    (
                        format!(
                            "{shown} in sentry.conf.py is a Python variable Sentry never reads"
                        ),
                        format!(
                            "Sentry reads the environment variable of that name, not this one. {ONE_KNOB} {todo}"
                        ),
                    )
                } else {
                    (
                        format!(
                            "{shown} in sentry.conf.py is not a setting Sentry has: it does nothing"
                        ),
                        advice(name, RETENTION_KEY, &format!("{INSTEAD} this line.")),
                    )
                };
                let fix = if a.conditional {
                    None
                } else if name == RETENTION_KEY {
                    move_to_env(ctx, file, a)
                } else {
                    py_ops::remove_statement(file, ctx.install.file(file), a.stmt_span).map(|e| {
                        Fix::unsafe_edits(
                            format!("Remove `{name}` from sentry.conf.py"),
                            "the line does nothing, but it records a retention Sentry has no \
                             setting for; removing it drops that note",
                            vec![e],
                        )
                    })
                };
                out.push(
                    ctx.diag(&RULE, file, a.target_span, message, help)
                        .with_fix(fix),
                );
            }
            Target::Item { base, keys }
                if base == "SENTRY_OPTIONS"
                    && keys.len() == 1
                    && keys[0] != OPTION
                    && looks_like_retention(&keys[0]) =>
            {
                out.push(ctx.diag(
                    &RULE,
                    file,
                    a.target_span,
                    format!(
                        "`SENTRY_OPTIONS[\"{}\"]` is not an option Sentry has, so it sets no retention",
                        keys[0]
                    ),
                    advice(&keys[0], OPTION, &format!("{INSTEAD} this line.")),
                ));
            }
            _ => {}
        }
    }
}

/// `SENTRY_EVENT_RETENTION_DAYS = N` in sentry.conf.py moved to the env
/// file compose reads, where Sentry, Snuba and the crons read it: when N is
/// a number, sentry.conf.py takes the option from the variable, and
/// config.yml does not set the option (it would win).
fn move_to_env(ctx: &Ctx, py: FileId, a: &Assignment) -> Option<Fix> {
    let ExprKind::Int(days) = a.value.kind else {
        return None;
    };
    let (_, conf) = ctx.pyconf()?;
    let (expr, _) = conf.lookup("SENTRY_OPTIONS", &[OPTION])?;
    if expr.env_call().map(|(n, _)| n) != Some(RETENTION_KEY) || ctx.config_option(OPTION).is_some()
    {
        return None;
    }
    let remove = py_ops::remove_statement(py, ctx.install.file(py), a.stmt_span)?;
    // The value compose uses now, from whichever env file gives it (with
    // `.env.custom` layered over `.env` from 25.1.0); changed where it is.
    let (target, set, now) = match ctx.env_entry(RETENTION_KEY) {
        Some((file, entry)) => (
            file,
            env_ops::set_value(file, entry, &days.to_string()),
            parse_days(&entry.value).ok(),
        ),
        None => {
            let (env_file, env) = ctx.env_file()?;
            let insert = env_ops::insert_entry(
                env_file,
                ctx.install.file(env_file),
                env,
                &[],
                RETENTION_KEY,
                &days.to_string(),
                "",
            );
            let default = expr.env_call().and_then(|(_, d)| literal_days(d?));
            (env_file, insert, default)
        }
    };
    let source = ctx.install.file(target);
    let title = format!("Move `{RETENTION_KEY}={days}` to `{}`", source.display);
    Some(match now {
        Some(n) if n == days => Fix::safe(title, vec![remove, set]),
        now => Fix::unsafe_edits(
            title,
            format!(
                "Sentry, Snuba and the cleanup crons then keep data {days} days instead of {}: \
                 the next cleanup deletes what is older",
                now.map_or("what they keep now".to_string(), |n| n.to_string())
            ),
            vec![remove, set],
        ),
    })
}

/// Whether `name` is read anywhere in the file: as an identifier outside
/// comments and strings, other than as the target of a plain assignment.
fn read_elsewhere(text: &str, name: &str, conf: &PyConf) -> bool {
    let targets: Vec<usize> = conf
        .assignments
        .iter()
        .filter(|a| a.op == "=" && matches!(&a.target, Target::Name(n) if n == name))
        .map(|a| a.target_span.start as usize)
        .collect();
    let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let quote = |c: Option<char>| matches!(c, Some('"') | Some('\''));
    text.match_indices(name).any(|(i, _)| {
        let end = i + name.len();
        let (before, after) = (text[..i].chars().next_back(), text[end..].chars().next());
        !(ident(before)
            || ident(after)
            || (quote(before) && quote(after))
            || targets.contains(&i)
            || conf.comments.iter().any(|c| c.contains(Span::new(i, end))))
    })
}

fn check_config_yml(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some((file, doc)) = ctx.config_yml() else {
        return;
    };
    let Some(root) = doc.root else {
        return;
    };
    for pair in doc.pairs(root) {
        let Some(key) = doc.scalar(pair.key) else {
            continue;
        };
        if key == OPTION || !looks_like_retention(key) {
            continue;
        }
        out.push(ctx.diag(
            &RULE,
            file,
            doc.node(pair.key).span,
            format!(
                "`{key}` in sentry/config.yml is not an option Sentry has, so it sets no retention"
            ),
            advice(key, OPTION, &format!("{INSTEAD} this line.")),
        ));
    }
}

fn check_env(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    // What compose reads cannot be told when a compose file does not parse.
    let (Some((file, env)), Some(compose)) = (ctx.env_file(), ctx.compose()) else {
        return;
    };
    if !ctx.install.compose_complete() {
        return;
    }
    // `env_file:` hands every variable to a container: whatever it runs may read them.
    if compose.services.iter().any(|s| s.get("env_file").is_some()) {
        return;
    }
    // Scanning the compose files for references costs more than the rest of
    // the rule: only done when some key looks like retention.
    let used: std::cell::OnceCell<HashSet<String>> = std::cell::OnceCell::new();
    let used = || {
        used.get_or_init(|| {
            ctx.install
                .compose_docs
                .iter()
                .flat_map(|(f, _)| references(&ctx.install.file(*f).text))
                .map(|r| r.name)
                .collect()
        })
    };
    let env_name = &ctx.install.file(file).display;
    for e in &env.entries {
        if e.key == RETENTION_KEY || !looks_like_retention(&e.key) || used().contains(&e.key) {
            continue;
        }
        out.push(ctx.diag(
            &RULE,
            file,
            e.key_span,
            format!(
                "`{}` in `{env_name}` does nothing: compose never uses it and no Sentry component reads it",
                e.key
            ),
            advice(&e.key, RETENTION_KEY, &format!("{INSTEAD} this line.")),
        ));
    }
}

/// Sentry and Snuba containers: what their environment means is known.
fn sentry_or_snuba(ctx: &Ctx, svc: &Service) -> bool {
    let Some(image) = svc.image() else {
        return false;
    };
    let image = ctx.install.expand(image);
    matches!(
        &*image,
        "sentry-self-hosted-local" | "sentry-cleanup-self-hosted-local"
    ) || first_party(&image)
        .is_some_and(|(repo, _)| repo == "getsentry/sentry" || repo == "getsentry/snuba")
}

fn check_environments(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some(compose) = ctx.compose() else {
        return;
    };
    // One finding per place a key is written (an anchor serves many services).
    let mut found: Vec<(Origin, String, Vec<&str>)> = Vec::new();
    for svc in &compose.services {
        let Some(env) = svc.get("environment") else {
            continue;
        };
        // Keys first: reading the image interpolates it.
        let mut judged = None;
        for item in env.keyed() {
            if item.key == RETENTION_KEY
                || !looks_like_retention(item.key)
                || !*judged.get_or_insert_with(|| sentry_or_snuba(ctx, svc))
            {
                continue;
            }
            let at = item.key_at;
            match found
                .iter_mut()
                .find(|f| f.0.file == at.file && f.0.span == at.span)
            {
                Some(f) => f.2.push(&svc.name),
                None => found.push((at, item.key.to_string(), vec![&svc.name])),
            }
        }
    }
    for (at, key, services) in found {
        out.push(ctx.diag(
            &RULE,
            at.file,
            at.span,
            format!(
                "`{key}` in the environment of {} does nothing: neither Sentry nor Snuba reads it",
                name_list(&services, 3)
            ),
            advice(&key, RETENTION_KEY, &format!("{INSTEAD} this entry.")),
        ));
    }
}
