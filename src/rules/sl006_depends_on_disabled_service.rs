//! SL006: a running service depends on one that an inactive profile switches off.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::compose::Service;
use crate::rules::helpers::{active_profiles, profiles_active};
use crate::rules::stack::dependencies;
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL006",
    name: "depends-on-disabled-service",
    severity: Severity::Error,
    summary: "A service depends on a service that an inactive compose profile switches off",
    fix: FixAvailability::None,
    doc: include_str!("../../rules/SL006.md"),
    check,
};

/// Whether `docker compose up` starts the service with these profiles active.
fn starts(svc: &Service, active: &[String]) -> bool {
    profiles_active(&svc.profiles(), active)
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some(compose) = ctx.compose() else {
        return;
    };
    let active = active_profiles(ctx.install);
    let why_off = match (active.is_empty(), ctx.env_file()) {
        (false, _) => format!(
            "`COMPOSE_PROFILES={}` does not include it",
            active.join(",")
        ),
        (true, Some((file, _))) => format!(
            "no profile is active (`{}` does not set `COMPOSE_PROFILES`)",
            ctx.install.file(file).display
        ),
        (true, None) => "no profile is active (no env file sets `COMPOSE_PROFILES`)".to_string(),
    };
    for svc in &compose.services {
        if !starts(svc, &active) {
            continue;
        }
        for dep in dependencies(svc) {
            let Some(target) = compose.service(dep.name) else {
                continue;
            };
            if !dep.required || starts(target, &active) {
                continue;
            }
            let profiles = target.profiles().join(",");
            out.push(ctx.diag_at(
                &RULE,
                dep.at,
                format!(
                    "`{}` depends on `{}`, which only runs with profile `{profiles}`, and {why_off}",
                    svc.name, target.name
                ),
                format!(
                    "`docker compose up` starts only the services without profiles and those of the \
                     active profiles, and refuses the whole project when a service it starts depends \
                     on one it does not (`service \"{}\" depends on undefined service \"{}\"`). \
                     Activate `{profiles}` in `COMPOSE_PROFILES`, give `{}` the same profile, or mark \
                     the dependency `required: false`",
                    svc.name, target.name, svc.name
                ),
            ));
        }
    }
}
