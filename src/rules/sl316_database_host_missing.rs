//! SL316: sentry.conf.py connects to a database host the install does not run.

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Fix, py_ops};
use crate::model::compose::{Compose, Value};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL316",
    name: "database-host-missing",
    severity: Severity::Error,
    summary: "`DATABASES` connects to `postgres` or `pgbouncer` while compose runs no such service",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL316.md"),
    check,
};

/// Whether some service answers to `host` on the compose network: by its
/// name, `hostname`, `container_name` or a network alias.
fn answers_to(compose: &Compose, host: &str) -> bool {
    compose.services.iter().any(|s| {
        s.name == host
            || ["hostname", "container_name"]
                .iter()
                .any(|k| s.get(k).and_then(Value::as_str) == Some(host))
            || s.get("networks").is_some_and(|n| {
                n.entries().iter().any(|net| {
                    net.value
                        .get("aliases")
                        .is_some_and(|a| a.items().iter().any(|x| x.as_str() == Some(host)))
                })
            })
    })
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let (Some((file, conf)), Some(compose)) = (ctx.pyconf(), ctx.compose()) else {
        return;
    };
    // Only a complete picture of what compose runs can tell a host is missing.
    if !ctx.install.compose_complete() {
        return;
    }
    let Some((host, assignment)) = conf.lookup("DATABASES", &["default", "HOST"]) else {
        return;
    };
    let Some(name) = host.as_str() else {
        return; // env(...) or another expression: not knowable here
    };
    // Only the names upstream's own examples use: any other host may be a
    // database outside the stack (RDS, a managed Postgres) that compose does
    // not run on purpose.
    if assignment.conditional
        || !["postgres", "pgbouncer"].contains(&name)
        || answers_to(compose, name)
        || ctx.kb.service_releases(name).next().is_none()
    {
        return;
    }
    // A service the release defines is SL304's to report (with a fix that
    // adds it back), in a layout it judges.
    if ctx.view().is_some_and(|v| v.requires_service(name)) && ctx.follows_upstream_layout() {
        return;
    }
    let other = ["pgbouncer", "postgres"]
        .into_iter()
        .find(|o| *o != name && answers_to(compose, o));
    let src = ctx.install.file(file);
    let fix = other.and_then(|o| {
        let edit = py_ops::replace_string(file, src, host.span, o)?;
        Some(Fix::unsafe_edits(
            format!("Connect to `{o}`"),
            format!(
                "check that `{o}` accepts the same user and database first (pgbouncer forwards \
                 to postgres; postgres takes the connections pgbouncer would pool)"
            ),
            vec![edit],
        ))
    });
    let help = match other {
        Some(o) => format!(
            "no service of this install answers to `{name}`, so every Sentry container fails with \
             \"could not translate host name\" and `sentry upgrade` stops. The compose files run \
             `{o}`: point `DATABASES[\"default\"][\"HOST\"]` at it, or add the `{name}` service \
             back (upstream's example uses `pgbouncer` from 25.9.0, which install.sh's \
             migrate-pgbouncer.sh writes)"
        ),
        None => format!(
            "no service of this install answers to `{name}`, so every Sentry container fails with \
             \"could not translate host name\" and `sentry upgrade` stops. Point \
             `DATABASES[\"default\"][\"HOST\"]` at the database the install runs"
        ),
    };
    out.push(
        ctx.diag(
            &RULE,
            file,
            host.span,
            format!("`DATABASES` connects to `{name}`, which no service of the compose files runs"),
            help,
        )
        .with_fix(fix),
    );
}
