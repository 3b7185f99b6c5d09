//! SL304: a service the install's release defines is missing.

use crate::diagnostic::{Diagnostic, Severity};
use crate::kb::ReleaseView;
use crate::model::compose::{Compose, Service};
use crate::rules::helpers::{active_profiles, missing_service, quoted_list, services_key};
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

/// Other services reach `name` by its name: `depends_on`, or a URL such as
/// `SNUBA: http://snuba-api:1218`. Such a service cannot run under another name.
fn addressed_by_name(view: &ReleaseView, name: &str) -> bool {
    let url = format!("//{name}:");
    [view.lower, view.upper].iter().any(|r| {
        r.canonical_services().iter().any(|s| {
            s.depends_on.contains(&name)
                || s.environment
                    .iter()
                    .any(|(_, v)| v.is_some_and(|v| v.contains(&url)))
        })
    })
}

/// A service of the install running the release's command for `name`.
fn same_command_elsewhere<'c>(
    view: &ReleaseView,
    compose: &'c Compose,
    name: &str,
) -> Option<&'c Service> {
    if addressed_by_name(view, name) {
        return None;
    }
    let commands: Vec<&[String]> = view
        .canonical_services(name)
        .iter()
        .map(|c| c.command())
        .filter(|c| !c.is_empty())
        .collect();
    compose
        .services
        .iter()
        .find(|s| commands.contains(&s.command()))
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let (Some(view), Some(compose)) = (ctx.view(), ctx.compose()) else {
        return;
    };
    if services_key(ctx).is_none() {
        return;
    }
    let version = view.describe();
    let active = active_profiles(ctx.install);
    for name in view.required_services() {
        if LEFT_TO_OTHER_RULES.contains(&name) || compose.service(name).is_some() {
            continue;
        }
        // Left out on purpose: upstream puts it in a profile the install does not activate.
        let off_by_profile = !active.is_empty()
            && view.canonical_services(name).iter().any(|c| {
                let p = c.profiles();
                !p.is_empty() && !p.iter().any(|p| active.iter().any(|a| a == p))
            });
        if off_by_profile || same_command_elsewhere(&view, compose, name).is_some() {
            continue;
        }
        let old = compose.services.iter().find_map(|s| {
            ctx.kb
                .renamed(&s.name)
                .filter(|(_, r)| r.to.iter().any(|t| t == name))
                .map(|(release, r)| (s, release, r))
        });
        let message = match old {
            Some((svc, release, r)) => format!(
                "`{name}` is missing, but `{}` is still defined: {} replaced it with {}",
                svc.name,
                release.version,
                quoted_list(&r.to)
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
