//! SL205: a cleanup cron the release runs is missing or does not run.

use crate::diagnostic::{Diagnostic, Severity};
use crate::kb::ReleaseView;
use crate::model::compose::{Compose, Origin, Service};
use crate::rules::helpers::{cleanup_cron, missing_service};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL205",
    name: "cleanup-service-missing",
    severity: Severity::Warning,
    summary: "A cleanup cron the release runs is missing or disabled, so the disk fills",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL205.md"),
    check,
};

struct Cleanup {
    name: &'static str,
    /// What it deletes, after "nothing".
    job: &'static str,
}

const CLEANUPS: &[Cleanup] = &[
    Cleanup {
        name: "sentry-cleanup",
        job: "deletes event payloads, attachments and replay recordings older than \
              `SENTRY_EVENT_RETENTION_DAYS`",
    },
    Cleanup {
        name: "symbolicator-cleanup",
        job: "prunes Symbolicator's downloads and caches in the `sentry-symbolicator` volume",
    },
    Cleanup {
        name: "vroom-cleanup",
        job: "deletes old profiles from the `sentry-vroom` volume",
    },
];

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let (Some(view), Some(compose)) = (ctx.view(), ctx.compose()) else {
        return;
    };
    let version = view.describe();
    for c in CLEANUPS {
        if !view.requires_service(c.name) || done_elsewhere(ctx, compose, c) {
            continue;
        }
        let Cleanup { name, job, .. } = c;
        let why = format!(
            "Sentry {version} runs `{name}` every night; without it data piles up until the disk is \
             full and the whole stack stops."
        );
        match compose.service(name) {
            None => out.extend(missing_service(
                ctx,
                &RULE,
                name,
                format!("`{name}` is missing: nothing {job}"),
                &why,
            )),
            Some(svc) => {
                let Some((reason, at)) = ctx.disabled(svc).cloned() else {
                    continue;
                };
                if gated_like_upstream(&view, svc, at) {
                    continue;
                }
                out.push(ctx.diag_at(
                    &RULE,
                    at,
                    format!("`{name}` does not run: {reason}, so nothing {job}"),
                    format!("{why} Remove what disables it."),
                ));
            }
        }
    }
}

/// Another running service does the job (a renamed cron).
fn done_elsewhere(ctx: &Ctx, compose: &Compose, c: &Cleanup) -> bool {
    compose.services.iter().any(|s| {
        s.name != c.name
            && cleanup_cron(&s.command().join(" ")) == Some(c.name)
            && ctx.disabled(s).is_none()
    })
}

/// Disabled only by a profile that upstream puts on the service too: the
/// operator chose not to run that feature (`COMPOSE_PROFILES=errors-only`),
/// and what the cron cleans after does not run either.
fn gated_like_upstream(view: &ReleaseView, svc: &Service, at: Origin) -> bool {
    let Some(profiles) = svc.get("profiles") else {
        return false;
    };
    if profiles.at() != at {
        return false;
    }
    let own = profiles.strings();
    let canonical = view.canonical_services(&svc.name);
    !own.is_empty()
        && !canonical.is_empty()
        && canonical.iter().all(|c| {
            let theirs = c.profiles();
            own.iter().all(|p| theirs.contains(p))
        })
}
