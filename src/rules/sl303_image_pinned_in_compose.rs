//! SL303: a compose `image:` hard-codes a Sentry-built image where upstream
//! reads it from `.env` (or builds it locally from there).

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::Fix;
use crate::rules::helpers::{ImageAt, ImageSite, replace_compose_value};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL303",
    name: "image-pinned-in-compose",
    severity: Severity::Warning,
    summary: "A compose image: hard-codes a Sentry-built image instead of the .env variable",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL303.md"),
    check,
};

/// What upstream writes as the `image:` of the services using `site`, when
/// they all agree: the release's value for a service it defines, the
/// variable for another service running a non-Sentry image.
fn upstream_image(
    ctx: &Ctx,
    site: &ImageSite,
    services: &[&crate::model::compose::Service],
) -> Option<String> {
    let view = ctx.view()?;
    let mut wanted: Option<String> = None;
    for svc in services {
        let canonical = view.canonical_services(&svc.name);
        let text = if canonical.is_empty() {
            // A service of the operator's own: Sentry services need more than an image.
            if site.repo == "getsentry/sentry" {
                return None;
            }
            format!("${}", site.var)
        } else {
            let first = canonical[0].image()?;
            if canonical.iter().any(|c| c.image() != Some(first)) {
                return None;
            }
            first.to_string()
        };
        match &wanted {
            Some(w) if *w != text => return None,
            _ => wanted = Some(text),
        }
    }
    wanted
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    if ctx.view().is_none() {
        return;
    }
    for site in ctx.first_party_images() {
        let ImageAt::Compose { at, raw, services } = &site.at else {
            continue;
        };
        // `${RELAY_IMAGE:-getsentry/relay:24.1.0}` does read the variable.
        if crate::parse::interpolate::references(raw)
            .iter()
            .any(|r| r.name == site.var)
        {
            continue;
        }
        // A stack built another way (a tutorial's services on the bare
        // image, no image variables in its env file) has no variable of
        // upstream's to point at.
        if ctx.install.var(site.var).is_none() && !ctx.follows_upstream_layout() {
            continue;
        }
        let upstream = upstream_image(ctx, site, services);
        // Upstream quotes the variable form.
        let yaml = upstream.as_ref().map(|u| {
            if u.contains('$') {
                format!("\"{u}\"")
            } else {
                u.clone()
            }
        });
        let used_by = site.used_by();
        let env_value = ctx.install.var(site.var).filter(|v| !v.is_empty());
        let message = match &upstream {
            Some(u) if u.contains('$') => format!(
                "`{}` hard-codes `{}` where upstream uses `{u}`{used_by}",
                site.shown(),
                site.repo
            ),
            Some(u) => format!(
                "`{}` runs the bare `{}` image where upstream builds `{u}` from `{}`{used_by}",
                site.shown(),
                site.repo,
                site.var
            ),
            None => format!(
                "`{}` hard-codes `{}` instead of reading `{}` from .env{used_by}",
                site.shown(),
                site.repo,
                site.var
            ),
        };
        let mut help = format!(
            "upgrades bump `{}` in .env and leave this line on its old release, which splits the install \
             across releases",
            site.var
        );
        if site.repo == "getsentry/sentry" {
            help.push_str(
                "; it also skips the local build, which runs `sentry/enhance-image.sh` and installs \
                 `sentry/requirements.txt` (custom packages such as LDAP)",
            );
            let self_hosted_entrypoint = services.iter().all(|s| {
                s.get("entrypoint").map(|e| e.words())
                    == Some(vec!["/etc/sentry/entrypoint.sh".into()])
            });
            if !self_hosted_entrypoint {
                help.push_str(
                    ", and without `<<: *sentry_defaults` the service lacks the custom CA entrypoint \
                     and the `sentry-data:/data` and `./sentry:/etc/sentry` mounts",
                );
            }
        }
        match &upstream {
            Some(_) => help.push_str(&format!(
                ". Write `image: {}` as upstream does",
                yaml.as_deref().unwrap_or_default()
            )),
            None if site.repo == "getsentry/sentry" => help.push_str(
                ". Base the service on `<<: *sentry_defaults`, which uses `image: sentry-self-hosted-local`",
            ),
            None => help.push_str(&format!(". Write `image: \"${}\"`", site.var)),
        }
        match env_value {
            Some(v) => help.push_str(&format!(" (`{}` is `{v}` in the env file)", site.var)),
            None => help.push_str(&format!(" and set `{}` in the env file", site.var)),
        }
        let fix = match (&upstream, env_value) {
            (Some(u), Some(v)) if builds_or_reads(ctx, u, services) => {
                let yaml = if u.contains('$') {
                    format!("\"{u}\"")
                } else {
                    u.clone()
                };
                replace_compose_value(ctx, *at, &yaml).map(|e| {
                    let title = format!("Use `{u}` as upstream does");
                    if v == site.image {
                        Fix::safe(title, vec![e])
                    } else {
                        Fix::unsafe_edits(
                            title,
                            format!("the image changes from `{}` to `{v}`", site.image),
                            vec![e],
                        )
                    }
                })
            }
            _ => None,
        };
        // The same line written in several services is one finding.
        let same = message.trim_end_matches(&used_by).to_string();
        let d = ctx.diag(&RULE, at.file, at.span, message, help);
        out.push(
            d.with_fix(fix)
                .repeated(same, format!("the same image here{used_by}")),
        );
    }
}

/// A variable reference, or a local image that the services themselves or
/// another service builds (`build:`).
fn builds_or_reads(ctx: &Ctx, image: &str, services: &[&crate::model::compose::Service]) -> bool {
    image.contains('$')
        || services.iter().all(|s| s.get("build").is_some())
        || ctx.compose().is_some_and(|c| {
            c.services
                .iter()
                .any(|s| s.image() == Some(image) && s.get("build").is_some())
        })
}
