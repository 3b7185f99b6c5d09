//! SL304: a service the install's release defines is missing.

use crate::diagnostic::{Diagnostic, Severity};
use crate::kb::ReleaseView;
use crate::model::compose::Service;
use crate::rules::helpers::{
    Role, active_profiles, addressed_by_name, canonical_roles, command_in_release, missing_service,
    quoted_list, role, runs_elsewhere, services_key,
};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL304",
    name: "service-missing",
    severity: Severity::Warning,
    summary: "A service the install's release defines is missing from the compose files",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL304.md"),
    check,
};

/// Checked by their own rules: the replay consumers (SL101) and the
/// cleanup crons (SL205).
const LEFT_TO_OTHER_RULES: &[&str] = &[
    "ingest-replay-recordings",
    "snuba-replays-consumer",
    "sentry-cleanup",
    "symbolicator-cleanup",
    "vroom-cleanup",
];

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let (Some(view), Some(compose)) = (ctx.view(), ctx.compose()) else {
        return;
    };
    if services_key(ctx).is_none() {
        return;
    }
    let version = view.describe();
    let active = active_profiles(ctx.install);
    // What the running services consume, read once for every service checked.
    let running = std::cell::OnceCell::new();
    for name in view.required_services() {
        if LEFT_TO_OTHER_RULES.contains(&name) {
            continue;
        }
        if let Some(svc) = compose.service(name) {
            out.extend(partial_consumer(ctx, &view, svc, &running));
            continue;
        }
        if points_elsewhere(ctx, name) {
            continue;
        }
        // Left out on purpose: upstream puts it in a profile the install does not activate.
        let off_by_profile = !active.is_empty()
            && view.canonical_services(name).iter().any(|c| {
                let p = c.profiles();
                !p.is_empty() && !p.iter().any(|p| active.iter().any(|a| a == p))
            });
        let renamed =
            !addressed_by_name(compose, name) && runs_elsewhere(ctx, &view, name).is_some();
        if off_by_profile || renamed {
            continue;
        }
        let old = compose.services.iter().find_map(|s| {
            ctx.kb
                .renamed(&s.name)
                .filter(|(_, r)| r.to.contains(&name))
                .map(|(release, r)| (s, release, r))
        });
        let message = match old {
            Some((svc, release, r)) => format!(
                "`{name}` is missing, but `{}` is still defined: {} replaced it with {}",
                svc.name,
                release.version,
                quoted_list(r.to)
            ),
            None => format!("`{name}` is missing from the compose files"),
        };
        let why = format!(
            "Sentry {version} defines `{name}`; without it, its work is never done (for a consumer, \
             what arrives on its topic never shows up in Sentry) and services that depend on it do \
             not start."
        );
        let Some(mut d) = missing_service(ctx, &RULE, name, message, &why) else {
            continue;
        };
        if let Some((svc, release, _)) = old {
            d = d.with_label(
                svc.key_at.file,
                svc.key_at.span,
                format!("replaced in {}", release.version),
            );
        }
        out.push(d);
    }
}

/// A backing service only Sentry uses (its database, its pooler, its
/// cache), while sentry.conf.py does not point Sentry at it by name: a
/// managed database or an external cache, so the service is not missing.
/// A value that is not a literal (`env(...)`) cannot be told and counts as
/// pointing elsewhere.
fn points_elsewhere(ctx: &Ctx, name: &str) -> bool {
    let (base, keys): (&str, &[&str]) = match name {
        "postgres" | "pgbouncer" => ("DATABASES", &["default", "HOST"]),
        "memcached" => ("CACHES", &["default", "LOCATION"]),
        _ => return false,
    };
    let Some((expr, _)) = ctx.pyconf().and_then(|(_, c)| c.lookup(base, keys)) else {
        return false;
    };
    let host = |t: &str| {
        let t = t.rsplit("//").next().unwrap_or(t);
        t.split(':').next().unwrap_or(t).to_string()
    };
    let named = expr
        .as_str()
        .into_iter()
        .chain(expr.items().iter().filter_map(|e| e.as_str()))
        .any(|t| host(t) == name);
    !named
}

/// The release's `name` consumes several things (`ingest-consumer
/// --all-consumer-types`), and the install's service of that name consumes
/// only some, while no other running service consumes the rest: what
/// arrives on the missing topics is never ingested.
fn partial_consumer(
    ctx: &Ctx,
    view: &ReleaseView,
    svc: &Service,
    running: &std::cell::OnceCell<Vec<Role>>,
) -> Option<Diagnostic> {
    if ctx.disabled(svc).is_some() || svc.get("command").is_none() {
        return None;
    }
    let own = role(ctx.install, svc);
    if own.consumes.is_empty() || !command_in_release(view, svc.command()) {
        return None;
    }
    let compose = ctx.compose()?;
    let running = running.get_or_init(|| {
        compose
            .services
            .iter()
            .filter(|s| ctx.disabled(s).is_none() && command_in_release(view, s.command()))
            .map(|s| role(ctx.install, s))
            .collect()
    });
    // Every side of the view must want what is missing.
    let mut missing: Option<Vec<String>> = None;
    for wanted in canonical_roles(ctx.install, view, &svc.name) {
        let lacks: Vec<String> = wanted
            .consumes
            .iter()
            .filter(|c| !running.iter().any(|r| r.consumes.contains(c)))
            .map(|(_, what, _)| what.clone())
            .collect();
        missing = Some(match missing {
            None => lacks,
            Some(m) => m.into_iter().filter(|x| lacks.contains(x)).collect(),
        });
    }
    let missing = missing.filter(|m| !m.is_empty())?;
    let name = &svc.name;
    let kinds: Vec<&str> = missing
        .iter()
        .map(|m| m.strip_prefix("ingest-").unwrap_or(m))
        .collect();
    let release_command = view
        .canonical_services(name)
        .first()
        .map(|c| c.command().join(" "))
        .unwrap_or_default();
    Some(ctx.diag_at(
        &RULE,
        svc.command_at(),
        format!(
            "`{name}` runs `{}`, so {} {} never ingested: no other service consumes {}",
            svc.command().join(" "),
            quoted_list(&kinds),
            if kinds.len() == 1 { "is" } else { "are" },
            if kinds.len() == 1 { "it" } else { "them" },
        ),
        format!(
            "Sentry {} has no separate service for {}: `{name}` is the one that reads them from \
             Kafka, and what it does not read never shows up in Sentry. Run the release's \
             command: `{release_command}`.",
            view.describe(),
            quoted_list(&kinds),
        ),
    ))
}
