//! SL333: a password, token or secret is a well-known default or placeholder.

use std::collections::{HashMap, HashSet};

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::load::is_secret_name;
use crate::parse::interpolate;
use crate::parse::yaml::{NodeId, NodeKind};
use crate::rules::helpers::is_placeholder;
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

/// Secrets upstream itself sets to a fixed value, for services only other
/// services reach (upstream's docker-compose.yml, .env and
/// config.example.yml, 25.9.0 to 26.8.0): SeaweedFS's and vroom's S3 keys,
/// the profiles filestore that points at SeaweedFS, and launchpad's RPC
/// secret. (where, key, value): `where` is the service, the config.yml
/// mapping, or `.env`.
const UPSTREAM_INTERNAL: &[(&str, &str, &str)] = &[
    ("seaweedfs", "AWS_SECRET_ACCESS_KEY", "sentry"),
    ("vroom", "AWS_SECRET_KEY", "sentry"),
    ("filestore.profiles-options", "secret_key", "sentry"),
    (".env", "LAUNCHPAD_RPC_SHARED_SECRET", "supersecret"),
];

fn is_upstream_internal(place: &str, key: &str, value: &str) -> bool {
    UPSTREAM_INTERNAL.contains(&(place, key, value))
}

/// True when `service` publishes ports on the host: a value others know
/// then opens it to whoever reaches the host.
fn publishes_ports(ctx: &Ctx, service: &str) -> bool {
    ctx.compose()
        .and_then(|c| c.service(service))
        .and_then(|s| s.get("ports"))
        .is_some_and(|p| !p.items().is_empty())
}

/// A well-known default, or a placeholder an example writes for the value:
/// `<client secret>`, `XXXXXXX`, `GITHUB_WEBHOOK_SECRET`, `your_secret_key`.
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
        || is_placeholder(v)
}

const HELP: &str = "placeholders from examples, images and guides are the first values an attacker \
     tries, and anyone who reaches the service gets in (or, for an integration, the integration \
     does not work at all); replace it with a random value (`openssl rand -hex 32`) and set the \
     same value wherever the service is configured";

const HELP_REPLACE: &str = "replace the value with a random one (`openssl rand -hex 32`) \
     everywhere the service is configured";

/// Keys SL332 judges with Sentry's own rules.
fn is_secret_key_option(key: &str) -> bool {
    matches!(key, "system.secret-key" | "SENTRY_SYSTEM_SECRET_KEY")
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let install = ctx.install;
    // .env and .env.custom
    for (file, env) in install.dotenv.iter().chain(install.env_custom.iter()) {
        for e in &env.entries {
            if is_secret_name(&e.key)
                && !is_secret_key_option(&e.key)
                && is_default(&e.value)
                && (!is_upstream_internal(".env", &e.key, &e.value)
                    || passed_to_a_published_service(ctx, &e.key))
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
                let value = install.interpolate(value).value;
                let internal = UPSTREAM_INTERNAL.iter().any(|&(place, key, default)| {
                    key == item.key && default == value && is_service(ctx, svc, place)
                });
                if internal && !publishes_ports(ctx, &svc.name) {
                    continue;
                }
                // The same value written in several services is one finding.
                let same = (
                    format!("{internal} {}={value}", item.key),
                    format!("the same value in `{}`", svc.name),
                );
                if internal {
                    out.push(ctx.diag_at(
                        &RULE,
                        at,
                        format!(
                            "`{}` of `{}` is the value upstream publishes, and `{}` publishes ports on the host",
                            item.key, svc.name, svc.name
                        ),
                        format!(
                            "upstream's files give every install this value, which is harmless while only the \
                             install's own services reach `{}`; with its ports published, anyone who reaches \
                             the host can use it. Remove the `ports`, or {HELP_REPLACE}",
                            svc.name
                        ),
                    ).repeated(same.0, same.1));
                } else if is_default(&value) {
                    out.push(ctx.diag_at(
                        &RULE,
                        at,
                        format!(
                            "`{}` in the environment of `{}` is a well-known default or placeholder",
                            item.key, svc.name
                        ),
                        HELP,
                    ).repeated(same.0, same.1));
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
                let mapping = path.join(".");
                if let Some(value) = doc.scalar(p.value)
                    && is_default(value)
                    && (!is_upstream_internal(&mapping, key, value)
                        || !endpoint_is_private(ctx, doc, id as NodeId))
                {
                    out.push(ctx.diag(
                        &RULE,
                        file,
                        doc.node(p.value).span,
                        format!(
                            "`{}` in sentry/config.yml is a well-known default or placeholder",
                            path.iter().chain([&key]).copied().collect::<Vec<_>>().join(".")
                        ),
                        HELP,
                    ));
                }
            }
        }
    }
}

/// True when `svc` is upstream's service `name`: called so, or running its
/// image (a renamed copy holds the same key).
fn is_service(ctx: &Ctx, svc: &crate::model::compose::Service, name: &str) -> bool {
    svc.name == name
        || svc.image().is_some_and(|i| {
            let image = ctx.install.expand(i);
            let (repo, _) = crate::kb::version::split_image(&image);
            repo.rsplit('/').next() == Some(name)
        })
}

/// True when a service that gets `key` in its environment publishes ports.
fn passed_to_a_published_service(ctx: &Ctx, key: &str) -> bool {
    ctx.compose().is_some_and(|c| {
        c.services
            .iter()
            .any(|svc| svc.has_env(key) && publishes_ports(ctx, &svc.name))
    })
}

/// True when the S3 mapping `map` of config.yml points at a compose service
/// that publishes no ports (`endpoint_url: http://seaweedfs:8333`): a key
/// only the install's own services can use. An outside endpoint, or none
/// (AWS itself), means the operator chose this store and its key.
fn endpoint_is_private(ctx: &Ctx, doc: &crate::parse::yaml::YamlDoc, map: NodeId) -> bool {
    let NodeKind::Map { pairs, .. } = &doc.node(map).kind else {
        return false;
    };
    let Some(url) = pairs
        .iter()
        .find(|p| doc.scalar(p.key) == Some("endpoint_url"))
        .and_then(|p| doc.scalar(p.value))
    else {
        return false;
    };
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', ':'])
        .next()
        .unwrap_or("");
    ctx.compose().is_some_and(|c| c.service(host).is_some()) && !publishes_ports(ctx, host)
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
            "your_secret_key",
            "your-password-here",
            "secret",
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
