//! SL382: the deprecated `sentry` image from Docker Hub.

use crate::diagnostic::{Diagnostic, Severity};
use crate::kb::version::{Tag, image_repo, split_image};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL382",
    name: "deprecated-sentry-image",
    severity: Severity::Warning,
    summary: "A service runs Docker Hub's deprecated `sentry` image (Sentry 9.1 at the newest)",
    fix: FixAvailability::None,
    doc: include_str!("../../rules/SL382.md"),
    check,
};

/// Docker Hub's official image, however the reference spells it.
fn is_official_sentry(image: &str) -> bool {
    matches!(
        image_repo(image),
        "sentry"
            | "library/sentry"
            | "docker.io/library/sentry"
            | "docker.io/sentry"
            | "index.docker.io/library/sentry"
    )
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some(compose) = ctx.compose() else {
        return;
    };
    for svc in &compose.services {
        let Some(image) = svc.get("image") else {
            continue;
        };
        let Some(written) = image.as_str() else {
            continue;
        };
        let resolved = ctx.install.interpolate(written).value;
        let resolved = resolved.trim();
        if !is_official_sentry(resolved) {
            continue;
        }
        let untagged = match split_image(resolved).1 {
            Tag::Missing => " (no tag: `latest`, the last 9.1 build)",
            _ => "",
        };
        out.push(ctx.diag_at(
            &RULE,
            image.at(),
            format!(
                "`{}` runs `{resolved}`, Docker Hub's deprecated Sentry image{untagged}",
                svc.name
            ),
            "Docker Hub's `sentry` image was deprecated in July 2019 in favour of the self-hosted \
             install (getsentry/docker-sentry#189): it stops at Sentry 9.1, gets no security \
             fixes, and nothing newer than 9.1 can be reached by changing its tag. Moving on \
             means getsentry/self-hosted, upgrading through its hard stops (9.1.2 first, then \
             21.6.3 and on)",
        ));
    }
}
