//! SL371: sentry.conf.py reads an environment variable no Sentry container is given.

use std::collections::HashSet;

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Edit, Fix, yaml_ops};
use crate::kb::tree::parse_entry;
use crate::model::FileId;
use crate::parse::pyconf::{Expr, ExprKind, Target};
use crate::parse::yaml::NodeId;
use crate::rules::helpers::env_file_paths;
use crate::rules::stack::is_sentry;
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL371",
    name: "env-variable-not-passed",
    severity: Severity::Warning,
    summary: "sentry.conf.py reads an environment variable that no Sentry container is given",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL371.md"),
    check,
};

/// Variables every container has (Docker sets them) or the Sentry image
/// sets itself.
const GIVEN: &[&str] = &[
    "HOME",
    "HOSTNAME",
    "PATH",
    "LANG",
    "SENTRY_CONF",
    "PYTHONUNBUFFERED",
    "PYTHONDONTWRITEBYTECODE",
];

/// One read of the environment: the variable, the call, its default, and
/// whether a missing variable raises (`os.environ["X"]`) instead.
struct Read<'e> {
    name: &'e str,
    call: &'e Expr,
    default: Option<&'e Expr>,
    raises: bool,
}

/// `env("X", d)`, `os.environ.get("X", d)`, `os.getenv("X", d)` and
/// `os.environ["X"]` anywhere inside `e`.
fn reads<'e>(e: &'e Expr, out: &mut Vec<Read<'e>>) {
    match &e.kind {
        ExprKind::Call { func, args, kwargs } => {
            let is_read = matches!(
                func.as_str(),
                "env" | "os.environ.get" | "os.getenv" | "environ.get" | "getenv"
            );
            if is_read && let Some(name) = args.first().and_then(Expr::as_str) {
                let default = args
                    .get(1)
                    .or_else(|| kwargs.iter().find(|(k, _)| k == "default").map(|(_, v)| v));
                out.push(Read {
                    name,
                    call: e,
                    default,
                    raises: false,
                });
                return;
            }
            args.iter().for_each(|a| reads(a, out));
            kwargs.iter().for_each(|(_, v)| reads(v, out));
        }
        ExprKind::Subscript { value, index } => {
            if matches!(&value.kind, ExprKind::Attribute(a) if a == "os.environ")
                && let Some(name) = index.as_str()
            {
                out.push(Read {
                    name,
                    call: e,
                    default: None,
                    raises: true,
                });
                return;
            }
            reads(value, out);
            reads(index, out);
        }
        ExprKind::List(v) | ExprKind::Tuple(v) | ExprKind::Set(v) => {
            v.iter().for_each(|a| reads(a, out))
        }
        ExprKind::Dict(pairs) => pairs.iter().for_each(|(k, v)| {
            reads(k, out);
            reads(v, out);
        }),
        ExprKind::BinOp { left, right, .. } => {
            reads(left, out);
            reads(right, out);
        }
        _ => {}
    }
}

/// What the Sentry containers are given: their `environment` keys, and the
/// env file's keys when one of them loads it with `env_file:`. `None` when
/// that cannot be told (no Sentry service, or an `env_file` we do not read).
fn passed(ctx: &Ctx) -> Option<HashSet<String>> {
    let compose = ctx.compose()?;
    let mut names: HashSet<String> = GIVEN.iter().map(|s| s.to_string()).collect();
    let mut any = false;
    for svc in compose
        .services
        .iter()
        .filter(|s| is_sentry(ctx.install, s))
    {
        any = true;
        if let Some(env) = svc.get("environment") {
            names.extend(env.keyed().iter().map(|k| k.key.trim().to_string()));
        }
        for p in env_file_paths(svc)? {
            let file = p.rsplit('/').next().unwrap_or(p);
            let loaded = [&ctx.install.dotenv, &ctx.install.env_custom]
                .into_iter()
                .flatten()
                .find(|(id, _)| {
                    ctx.install
                        .file(*id)
                        .path
                        .file_name()
                        .is_some_and(|n| n == file)
                });
            let (_, env) = loaded?;
            names.extend(env.entries.iter().map(|e| e.key.clone()));
        }
    }
    any.then_some(names)
}

/// The one `environment:` block mapping every Sentry service takes (an
/// anchor such as upstream's `x-sentry-defaults`): where a variable is
/// passed to all of them with one line.
fn shared_environment(ctx: &Ctx) -> Option<(FileId, NodeId)> {
    let compose = ctx.compose()?;
    let mut shared = None;
    for svc in compose
        .services
        .iter()
        .filter(|s| is_sentry(ctx.install, s))
    {
        let at = svc.get("environment")?.at();
        let here = (at.file, at.node);
        if shared.is_some_and(|s| s != here) {
            return None;
        }
        shared = Some(here);
    }
    shared
}

/// Adds `NAME:` (no value: compose passes the env file's) as the last entry
/// of the block mapping.
fn pass_variable(ctx: &Ctx, (file, map): (FileId, NodeId), name: &str) -> Option<Edit> {
    let (_, doc) = ctx.install.compose_docs.iter().find(|(f, _)| *f == file)?;
    let entry = parse_entry(&format!("{name}:\n")).ok()?;
    yaml_ops::insert_entry(file, ctx.install.file(file), doc, map, &[], &[], &entry)
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some((file, conf)) = ctx.pyconf() else {
        return;
    };
    let Some(passed) = passed(ctx) else {
        return;
    };
    let text = ctx.install.file(file);
    let shared = shared_environment(ctx);
    for a in &conf.assignments {
        let mut found = Vec::new();
        reads(&a.value, &mut found);
        for r in found {
            if passed.contains(r.name) {
                continue;
            }
            let set_in = ctx.env_entry(r.name);
            let in_databases = matches!(&a.target,
                Target::Name(n) | Target::Item { base: n, .. } if n == "DATABASES");
            // Unset and with a default, the read is a switch upstream
            // leaves off on purpose; unset without one only matters where
            // `None` breaks the setting.
            if set_in.is_none() && (r.default.is_some() || !in_databases || a.conditional) {
                continue;
            }
            let gets = match r.default {
                _ if r.raises => "`KeyError` and Sentry does not start".to_string(),
                Some(d) => format!("its default `{}`", text.slice(d.span)),
                None => "nothing (`None`)".to_string(),
            };
            let mut d = ctx.diag(
                &RULE,
                file,
                r.call.span,
                format!(
                    "`{}` reads `{}`, which compose gives no Sentry container: sentry.conf.py gets {gets}",
                    text.slice(r.call.span),
                    r.name
                ),
                format!(
                    "sentry.conf.py runs inside the Sentry containers and sees only the variables \
                     compose passes them (`environment:` or `env_file:`); the env file itself only \
                     feeds compose's `${{...}}` interpolation. Pass it to the Sentry services, as \
                     upstream does for `SENTRY_EVENT_RETENTION_DAYS`: add `{}:` (empty, so compose \
                     takes the env file's value) to the `environment:` they share \
                     (`x-sentry-defaults` in upstream's file)",
                    r.name
                ),
            );
            if r.default.is_none() {
                d.severity = Severity::Error;
            }
            if let Some((env_file, entry)) = set_in {
                d = d.with_label(
                    env_file,
                    entry.key_span.cover(entry.value_span),
                    "set here, for compose only",
                );
                let fix = shared
                    .and_then(|s| pass_variable(ctx, s, r.name))
                    .map(|edit| {
                        Fix::unsafe_edits(
                            format!("Pass `{}` to the Sentry services", r.name),
                            format!(
                                "sentry.conf.py then reads the env file's value instead of {gets}"
                            ),
                            vec![edit],
                        )
                    });
                d = d.with_fix(fix);
            }
            out.push(d);
        }
    }
}
