//! SL333: a password, token or secret is a well-known default or placeholder.

use std::collections::{HashMap, HashSet};

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::load::is_secret_name;
use crate::parse::interpolate;
use crate::parse::yaml::{NodeId, NodeKind};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL333",
    name: "default-shared-secret",
    severity: Severity::Warning,
    summary: "A password, token or secret is a well-known default or an example's placeholder",
    fix: FixAvailability::None,
    doc: include_str!("../../rules/SL333.md"),
    check,
};

/// Values guides, examples and images ship as passwords.
const DEFAULTS: &[&str] = &[
    "please-change-me",
    "changeme",
    "change-me",
    "change_me",
    "!!changeme!!",
    "supersecret",
    "secret",
    "password",
    "passwd",
    "postgres",
    "sentry",
    "admin",
    "root",
    "test",
    "example",
    "default",
    "aaaa",
    "1234",
    "12345",
    "123456",
    "12345678",
    "qwerty",
];

/// A well-known default, or a placeholder an example writes for the value:
/// `<client secret>`, `XXXXXXX`, `GITHUB_WEBHOOK_SECRET`.
fn is_default(value: &str) -> bool {
    let v = value.trim();
    let Some(first) = v.chars().next() else {
        return false;
    };
    let lower = v.to_ascii_lowercase();
    let named_placeholder = v.contains('_')
        && v.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && ["SECRET", "TOKEN", "PASSWORD", "KEY"]
            .iter()
            .any(|w| v.contains(w));
    DEFAULTS.contains(&lower.as_str())
        || (v.chars().count() >= 3 && v.chars().all(|c| c == first))
        || v.contains("XXXX")
        || lower.contains("changeme")
        || lower.contains("change-me")
        || (v.starts_with('<') && v.ends_with('>'))
        || named_placeholder
}

const HELP: &str = "placeholders from examples, images and guides are the first values an attacker \
     tries, and anyone who reaches the service gets in (or, for an integration, the integration \
     does not work at all); replace it with a random value (`openssl rand -hex 32`) and set the \
     same value wherever the service is configured";

/// Keys SL332 judges with Sentry's own rules.
fn is_secret_key_option(key: &str) -> bool {
    matches!(key, "system.secret-key" | "SENTRY_SYSTEM_SECRET_KEY")
}

/// Upstream's own value at this place (in `.env`, a service's environment
/// or config.example.yml) in the install's release, or in any release when
/// the release cannot be told: published in upstream's repository for
/// services only the install reaches, so not a secret to hide or a
/// placeholder the operator forgot.
fn upstream_default(ctx: &Ctx, is_upstream: impl Fn(&crate::kb::Release) -> bool) -> bool {
    match ctx.view() {
        Some(v) => [v.lower, v.upper].into_iter().any(is_upstream),
        None => ctx.kb.releases.iter().any(is_upstream),
    }
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let install = ctx.install;
    // .env and .env.custom
    for (file, env) in install.dotenv.iter().chain(install.env_custom.iter()) {
        for e in &env.entries {
            if is_secret_name(&e.key)
                && !is_secret_key_option(&e.key)
                && is_default(&e.value)
                && !upstream_default(ctx, |r| {
                    r.env_fact(&e.key).is_some_and(|f| f.value == e.value)
                })
            {
                out.push(ctx.diag(
                    &RULE,
                    *file,
                    e.value_span,
                    format!(
                        "`{}` in `{}` is a well-known default or placeholder",
                        e.key,
                        install.file(*file).display
                    ),
                    HELP,
                ));
            }
        }
    }
    // Compose environments, each written value once.
    if let Some(compose) = ctx.compose() {
        let mut seen = HashSet::new();
        for svc in &compose.services {
            let Some(env) = svc.get("environment") else {
                continue;
            };
            for item in env.keyed() {
                let (Some(value), Some(at)) = (&item.value, item.value_at) else {
                    continue;
                };
                if !is_secret_name(item.key) || !seen.insert((at.file, at.span)) {
                    continue;
                }
                // A value from the env file is judged there.
                if interpolate::references(value)
                    .iter()
                    .any(|r| install.var(&r.name).is_some())
                {
                    continue;
                }
                let upstream = upstream_default(ctx, |r| {
                    r.canonical_service(&svc.name).is_some_and(|c| {
                        c.environment
                            .iter()
                            .any(|(k, v)| *k == item.key && *v == Some(&**value))
                    })
                });
                if !upstream && is_default(&install.interpolate(value).value) {
                    out.push(ctx.diag_at(
                        &RULE,
                        at,
                        format!(
                            "`{}` in the environment of `{}` is a well-known default or placeholder",
                            item.key, svc.name
                        ),
                        HELP,
                    ));
                }
            }
        }
    }
    // sentry/config.yml, at any depth (`filestore.options.secret_key`).
    if let Some((file, doc)) = ctx.config_yml() {
        // The key holding each mapping, to show dotted paths.
        let holder: HashMap<NodeId, (NodeId, &str)> = doc
            .nodes
            .iter()
            .enumerate()
            .flat_map(|(id, n)| match &n.kind {
                NodeKind::Map { pairs, .. } => pairs
                    .iter()
                    .map(|p| (p.value, (id as NodeId, doc.scalar(p.key).unwrap_or(""))))
                    .collect(),
                _ => Vec::new(),
            })
            .collect();
        for (id, node) in doc.nodes.iter().enumerate() {
            let NodeKind::Map { pairs, .. } = &node.kind else {
                continue;
            };
            let mut path = Vec::new();
            let mut at = id as NodeId;
            while let Some(&(map, key)) = holder.get(&at) {
                if path.len() > 16 {
                    break;
                }
                path.push(key);
                at = map;
            }
            path.reverse();
            for p in pairs {
                let Some(key) = doc.scalar(p.key) else {
                    continue;
                };
                if !is_secret_name(key) || is_secret_key_option(key) || doc.is_null(p.value) {
                    continue;
                }
                let dotted = path
                    .iter()
                    .chain([&key])
                    .copied()
                    .collect::<Vec<_>>()
                    .join(".");
                if let Some(value) = doc.scalar(p.value)
                    && is_default(value)
                    && !upstream_default(ctx, |r| r.config_example_value(&dotted) == Some(value))
                {
                    out.push(ctx.diag(
                        &RULE,
                        file,
                        doc.node(p.value).span,
                        format!(
                            "`{dotted}` in sentry/config.yml is a well-known default or placeholder"
                        ),
                        HELP,
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_default;

    #[test]
    fn defaults_and_placeholders() {
        for v in [
            "please-change-me",
            "Postgres",
            "aaaa",
            "XXXXXXX",
            "AKIXXXXXX",
            "<client secret>",
            "GITHUB_WEBHOOK_SECRET",
            "changeme123",
        ] {
            assert!(is_default(v), "{v}");
        }
        for v in [
            "",
            "kR4v9tZq2LmX8wPe",
            "SNUBA_SETTINGS",
            "ab",
            "sk-live-4f9a",
        ] {
            assert!(!is_default(v), "{v}");
        }
    }
}
