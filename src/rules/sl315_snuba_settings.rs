//! SL315: a Snuba service loads a settings module other than `self_hosted`.

use crate::diagnostic::{Diagnostic, Severity};
use crate::kb::version::Version;
use crate::model::compose::Origin;
use crate::rules::helpers::{did_you_mean, first_party};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL315",
    name: "snuba-settings",
    severity: Severity::Error,
    summary: "A Snuba service loads a settings module other than self_hosted",
    fix: FixAvailability::None,
    doc: include_str!("../../rules/SL315.md"),
    check,
};

/// The modules `snuba/settings/settings_*.py` (selfhosted-versions.md §7).
const MODULES: &[&str] = &[
    "distributed",
    "docker",
    "self_hosted",
    "test",
    "test_distributed",
    "test_distributed_migrations",
    "test_initialization",
];
const STOCK: &str = "self_hosted";
/// From this release `settings_self_hosted` differs from `settings_docker`.
const DOCKER_DIVERGES: Version = Version::new(24, 1, 0);

/// One written `SNUBA_SETTINGS` value and the Snuba services it reaches.
struct Setting<'a> {
    at: Origin,
    value: String,
    services: Vec<&'a str>,
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let (Some(view), Some(compose)) = (ctx.view(), ctx.compose()) else {
        return;
    };
    // Services that share an anchor share one written value: report it once.
    let mut settings: Vec<Setting> = Vec::new();
    for svc in &compose.services {
        let image = ctx.install.expand(svc.image().unwrap_or(""));
        if first_party(&image).is_none_or(|(repo, _)| repo != "getsentry/snuba") {
            continue;
        }
        let Some(env) = svc.get("environment") else {
            continue;
        };
        let Some(item) = env
            .keyed()
            .into_iter()
            .rev()
            .find(|i| i.key == "SNUBA_SETTINGS")
        else {
            continue;
        };
        // Passed through from the shell: unknown here.
        let (Some(raw), Some(at)) = (item.value, item.value_at) else {
            continue;
        };
        let value = ctx.install.interpolate(raw).value.trim().to_string();
        match settings
            .iter_mut()
            .find(|s| s.at.file == at.file && s.at.span == at.span)
        {
            Some(s) => s.services.push(&svc.name),
            None => settings.push(Setting {
                at,
                value,
                services: vec![&svc.name],
            }),
        }
    }
    for s in settings {
        let v = s.value.as_str();
        // Empty keeps Snuba's defaults; an absolute path is a custom file.
        if v.is_empty() || v.starts_with('/') || v == STOCK {
            continue;
        }
        // Subject and verb ending: "`snuba-api` stops", "3 Snuba services stop".
        let (who, verb_s) = match s.services.as_slice() {
            [one] => (format!("`{one}`"), "s"),
            many => (format!("{} Snuba services", many.len()), ""),
        };
        if !MODULES.contains(&v) {
            let hint = did_you_mean(v, MODULES.iter().copied())
                .map(|m| format!(" (did you mean `{m}`?)"))
                .unwrap_or_default();
            out.push(ctx.diag_at(
                &RULE,
                s.at,
                format!("`SNUBA_SETTINGS={v}` is not a Snuba settings module{hint}"),
                format!(
                    "Snuba imports `snuba.settings.settings_{v}`, which does not exist, so {who} \
                     stop{verb_s} at start-up with `No module named 'snuba.settings.settings_{v}'`. Use \
                     `{STOCK}` as upstream's `x-snuba-defaults` does (or an absolute path to a \
                     settings file)"
                ),
            ));
        } else if v == "docker" && view.lower.version >= DOCKER_DIVERGES {
            let mut d = ctx.diag_at(
                &RULE,
                s.at,
                format!("`SNUBA_SETTINGS={v}` is not the self-hosted settings module"),
                format!(
                    "From 24.1.0 Snuba's `settings_self_hosted` departs from `settings_docker` \
                     (allocation policies off, the migration states self-hosted supports, readiness \
                     checks; later the retention fix), so {who} run{verb_s} with settings no self-hosted \
                     release is tested with. Use `{STOCK}` as upstream's `x-snuba-defaults` does"
                ),
            );
            d.severity = Severity::Warning;
            out.push(d);
        }
    }
}
