//! SL350: the override configures a service docker-compose.yml does not define.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::helpers::did_you_mean;
use crate::rules::{Ctx, FixAvailability, Rule};
use crate::source::FileKind;

pub const RULE: Rule = Rule {
    code: "SL350",
    name: "override-removed-service",
    severity: Severity::Error,
    summary: "docker-compose.override.yml configures a service docker-compose.yml does not define",
    fix: FixAvailability::None,
    doc: include_str!("../../rules/SL350.md"),
    check,
};

fn and_list(names: &[&str]) -> String {
    let shown: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match shown.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => shown.join(""),
    }
}

/// What the knowledge base says happened to a service the install's release
/// no longer has: renamed (and to what), or removed.
fn history(ctx: &Ctx, name: &str) -> Option<(String, Option<String>)> {
    if ctx.view().is_some_and(|v| v.allows_service(name)) {
        return None;
    }
    let applies = |v| ctx.version().is_none_or(|mine| mine >= v);
    if let Some((r, rename)) = ctx.kb.renamed(name)
        && applies(r.version)
    {
        let to = and_list(rename.to);
        let how = if rename.to.len() > 1 {
            "was split into"
        } else {
            "was renamed"
        };
        return Some((
            format!("{how} {to} as of {}", r.version),
            Some(format!(
                "Move what this block customizes to {to}, then delete it."
            )),
        ));
    }
    let last = ctx.kb.service_releases(name).last()?;
    let next = ctx.kb.releases.iter().find(|r| r.version > last.version)?;
    applies(next.version).then(|| {
        (
            format!(
                "was removed upstream: {} is the last release with it",
                last.version
            ),
            Some("Delete the block.".to_string()),
        )
    })
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let (Some((ofile, _)), Some((bfile, _)), Some(compose)) = (
        ctx.install.compose_doc(FileKind::ComposeOverride),
        ctx.compose_file(),
        ctx.compose(),
    ) else {
        return;
    };
    let base_services: Vec<&str> = compose
        .services
        .iter()
        .filter(|s| s.in_file(bfile))
        .map(|s| s.name.as_str())
        .collect();
    for svc in &compose.services {
        if svc.in_file(bfile) || !svc.in_file(ofile) {
            continue;
        }
        let name = &svc.name;
        let runnable = svc.get("image").is_some_and(|v| !v.is_null()) || svc.get("build").is_some();
        let past = history(ctx, name);
        if runnable {
            // A full definition is a service of its own; only a known past matters.
            let Some((what, todo)) = past else {
                continue;
            };
            let mut d = ctx.diag_service(
                &RULE,
                svc,
                format!(
                    "`{name}` {what}, but the override still defines it, as a service of its own"
                ),
                format!(
                    "docker-compose.yml no longer has `{name}`, so this block no longer adjusts \
                     upstream's service: it starts one of its own, with the settings of an older \
                     release. {}",
                    todo.unwrap_or_default()
                ),
            );
            d.severity = Severity::Warning;
            out.push(d);
            continue;
        }
        let (what, todo) = match past {
            Some((what, todo)) => (format!(" (it {what})"), todo.unwrap_or_default()),
            None => match did_you_mean(name, base_services.iter().copied()) {
                Some(s) => (String::new(), format!("Did you mean `{s}`?")),
                None => (
                    String::new(),
                    "Give it an `image` (or `build`), or fix its name.".to_string(),
                ),
            },
        };
        out.push(ctx.diag_service(
            &RULE,
            svc,
            format!(
                "`{name}` is not a service of docker-compose.yml{what}, and the override gives it \
                 neither `image` nor `build`"
            ),
            format!(
                "an override only adjusts services the base file defines; for any other name \
                 compose refuses the whole configuration (`service \"{name}\" has neither an image \
                 nor a build context specified`) and nothing starts. {todo}"
            ),
        ));
    }
}
