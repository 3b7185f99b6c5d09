//! SL308: a service runs the command another release gives it.

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Fix, yaml_ops};
use crate::kb::version::Version;
use crate::rules::helpers::{canonical_entry, compose_pair};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL308",
    name: "command-from-other-release",
    severity: Severity::Warning,
    summary: "A service runs the command of another release than the install's",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL308.md"),
    check,
};

/// `23.4.0`, `23.4.0 to 23.6.1`, or runs of the knowledge base joined by commas.
fn releases_shown(ctx: &Ctx, versions: &[Version]) -> String {
    let idx: Vec<usize> = versions
        .iter()
        .filter_map(|v| ctx.kb.releases.iter().position(|r| r.version == *v))
        .collect();
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for i in idx {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == i => *end = i,
            _ => runs.push((i, i)),
        }
    }
    runs.iter()
        .map(|&(a, b)| {
            let (a, b) = (ctx.kb.releases[a].version, ctx.kb.releases[b].version);
            if a == b {
                a.to_string()
            } else {
                format!("{a} to {b}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn shown(words: &[String]) -> String {
    if words.is_empty() {
        "the image's default command".to_string()
    } else {
        format!("`{}`", words.join(" "))
    }
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let (Some(view), Some(compose)) = (ctx.view(), ctx.compose()) else {
        return;
    };
    for svc in &compose.services {
        let name = svc.name.as_str();
        let canonical = view.canonical_services(name);
        if canonical.is_empty() {
            continue;
        }
        let command = svc.command();
        let expected: Vec<&[String]> = canonical.iter().map(|c| c.command()).collect();
        if expected.contains(&command) {
            continue;
        }
        let from: Vec<Version> = ctx
            .kb
            .service_releases(name)
            .filter(|r| {
                r.canonical_service(name)
                    .is_some_and(|c| c.command() == command)
            })
            .map(|r| r.version)
            .collect();
        if from.is_empty() {
            // A command of the operator's own: not this rule's business.
            continue;
        }
        let version = view.describe();
        let wanted = match view.exact() {
            Some(_) => shown(expected[0]),
            None => format!(
                "{} ({}) or {} ({})",
                shown(expected[0]),
                view.lower.version,
                shown(expected.last().unwrap_or(&expected[0])),
                view.upper.version
            ),
        };
        let message = if command.is_empty() {
            format!(
                "`{name}` runs the image's default command, as in {}, but {} runs {wanted}",
                releases_shown(ctx, &from),
                view.version
            )
        } else {
            format!(
                "`{name}` runs {}, its command in {}, but {} runs {wanted}",
                shown(command),
                releases_shown(ctx, &from),
                view.version
            )
        };
        let help = format!(
            "the compose file and the images are from different releases: a command of an older release \
             may no longer exist in the Sentry {version} images (`No such option`, a restart loop), and one \
             of a newer release may not exist yet. Run the command of the install's release"
        );
        let at = svc.command_at();
        let fix = (|| {
            let entry = canonical_entry(&view, &["services", name, "command"])?;
            svc.get("command")?;
            if at.via.is_some() {
                // Written in an anchor other services share.
                return None;
            }
            let (file, doc, pair) = compose_pair(ctx, at)?;
            let edit = yaml_ops::replace_value(file, ctx.install.file(file), doc, pair, entry);
            Some(Fix::safe(
                format!("Run the {} command of `{name}`", view.version),
                vec![edit],
            ))
        })();
        out.push(ctx.diag_at(&RULE, at, message, help).with_fix(fix));
    }
}
