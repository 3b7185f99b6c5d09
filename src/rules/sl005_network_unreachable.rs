//! SL005: services that need each other share no network.

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::compose::{Compose, Service, Value};
use crate::rules::helpers::name_list;
use crate::rules::stack::{Role, dependencies, role};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL005",
    name: "network-unreachable",
    severity: Severity::Error,
    summary: "A service shares no network with a service it depends on or points at",
    fix: FixAvailability::None,
    doc: include_str!("../../rules/SL005.md"),
    check,
};

/// A network a service joins: the key the compose file uses (what findings
/// show) and the name Docker gives it (`name:` of the top-level definition,
/// else the key; what decides whether two services share it).
#[derive(Clone, Debug)]
struct Joined {
    key: String,
    name: String,
}

/// The keys of the networks, for messages.
fn keys(nets: &[Joined]) -> String {
    let keys: Vec<&str> = nets.iter().map(|n| n.key.as_str()).collect();
    name_list(&keys, 3)
}

/// The networks a service joins. `None` when `network_mode` puts it
/// elsewhere (the host, another container): not judged.
fn networks_of(ctx: &Ctx, compose: &Compose, svc: &Service) -> Option<Vec<Joined>> {
    if svc.get("network_mode").is_some() {
        return None;
    }
    let keys: Vec<&str> = match svc.get("networks") {
        None => vec!["default"],
        Some(Value::Seq { items, .. }) => items.iter().map(Value::as_str).collect::<Option<_>>()?,
        Some(v @ Value::Map { .. }) => v.entries().iter().map(|e| e.key.as_str()).collect(),
        // An interpolated or odd value: not judged.
        Some(Value::Scalar(_)) => return None,
    };
    if keys.is_empty() || keys.iter().any(|k| k.contains('$')) {
        return None;
    }
    let real_name = |key: &str| {
        compose
            .networks
            .as_ref()
            .and_then(|n| n.get(key))
            .and_then(|d| d.get("name"))
            .and_then(Value::as_str)
            .map(|n| ctx.install.interpolate(n).value.trim().to_string())
            .unwrap_or_else(|| key.to_string())
    };
    Some(
        keys.into_iter()
            .map(|k| Joined {
                key: k.to_string(),
                name: real_name(k),
            })
            .collect(),
    )
}

/// `text` names host `host`: `//host`, `@host`, or `host:` before a port.
fn names_host(text: &str, host: &str) -> bool {
    text.match_indices(host).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let rest = &text[i + host.len()..];
        let after = rest.chars().next();
        let starts = matches!(
            before,
            None | Some('/' | '@' | '=' | ' ' | ',' | '"' | '\'')
        );
        let by_scheme = text[..i].ends_with("//") || before == Some('@');
        let port = rest.strip_prefix(':').and_then(|r| r.chars().next());
        let ends =
            after.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'));
        starts && ends && (by_scheme || port.is_some_and(|c| c.is_ascii_digit()))
    })
}

/// The services `svc` needs to reach by name: those it waits for, those its
/// environment or command points at, and the backends its kind always uses.
fn needs<'c>(
    ctx: &Ctx,
    compose: &'c Compose,
    roles: &BTreeMap<&str, Option<Role>>,
    svc: &Service,
) -> Vec<&'c str> {
    let role_of = |s: &Service| roles.get(s.name.as_str()).copied().flatten();
    let mut out: Vec<&str> = Vec::new();
    for dep in dependencies(svc) {
        if dep.required
            && let Some(s) = compose.service(dep.name)
        {
            out.push(&s.name);
        }
    }
    let texts: Vec<String> = ["environment", "command"]
        .iter()
        .filter_map(|k| svc.get(k))
        .flat_map(|v| v.scalars())
        .map(|s| ctx.install.interpolate(&s.text).value)
        .collect();
    let has_pgbouncer = roles.values().any(|r| *r == Some(Role::PgBouncer));
    let own = role_of(svc);
    for other in &compose.services {
        if other.name == svc.name {
            continue;
        }
        let implied = match (own, role_of(other)) {
            (Some(Role::Sentry | Role::SentryWeb), Some(r)) => {
                matches!(r, Role::Redis | Role::Kafka | Role::PgBouncer)
                    || (r == Role::Postgres && !has_pgbouncer)
            }
            (Some(Role::Relay), Some(r)) => matches!(r, Role::Kafka | Role::Redis),
            (Some(Role::Snuba), Some(r)) => {
                matches!(r, Role::Kafka | Role::ClickHouse | Role::Redis)
            }
            _ => false,
        };
        if implied || texts.iter().any(|t| names_host(t, &other.name)) {
            out.push(&other.name);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some(compose) = ctx.compose() else {
        return;
    };
    // Nothing to judge unless some service leaves the default network.
    if !compose.services.iter().any(|s| s.get("networks").is_some()) {
        return;
    }
    let running: Vec<&Service> = compose
        .services
        .iter()
        .filter(|s| ctx.disabled(s).is_none())
        .collect();
    let roles: BTreeMap<&str, Option<Role>> = compose
        .services
        .iter()
        .map(|s| (s.name.as_str(), role(ctx.install, s)))
        .collect();
    let nets: BTreeMap<&str, Option<Vec<Joined>>> = running
        .iter()
        .map(|s| (s.name.as_str(), networks_of(ctx, compose, s)))
        .collect();
    // Grouped by the side whose own `networks:` list cut the link: the
    // service that cannot be reached, or the one that left `default` for a
    // network of its own (then one finding lists all it cannot reach).
    let explicit = |name: &str| {
        compose
            .service(name)
            .is_some_and(|s| s.get("networks").is_some())
    };
    let mut cut_off: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut left: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for svc in &running {
        let Some(Some(mine)) = nets.get(svc.name.as_str()) else {
            continue;
        };
        for other in needs(ctx, compose, &roles, svc) {
            let Some(Some(theirs)) = nets.get(other) else {
                continue;
            };
            if mine.iter().any(|n| theirs.iter().any(|t| t.name == n.name)) {
                continue;
            }
            if explicit(&svc.name) && !explicit(other) {
                left.entry(&svc.name).or_default().push(other);
            } else {
                cut_off.entry(other).or_default().push(&svc.name);
            }
        }
    }
    for (user, targets) in left {
        let Some(svc) = compose.service(user) else {
            continue;
        };
        let Some(Some(mine)) = nets.get(user) else {
            continue;
        };
        out.push(ctx.diag_at(
            &RULE,
            svc.get("networks").map_or(svc.key_at, Value::at),
            format!(
                "`{user}` is only on {}, so it cannot reach {} on `default`",
                keys(mine),
                name_list(&targets, 4),
            ),
            format!(
                "a service with its own `networks:` list leaves the `default` network, and containers \
                 resolve each other's names only on a network they share, so `{user}` gets \
                 \"Name or service not known\" for `{}`. Add `default` to `{user}`'s `networks:` \
                 next to {}",
                targets[0],
                keys(mine),
            ),
        ));
    }
    for (target, users) in cut_off {
        let Some(svc) = compose.service(target) else {
            continue;
        };
        let Some(Some(theirs)) = nets.get(target) else {
            continue;
        };
        let at = svc.get("networks").map_or(svc.key_at, Value::at);
        let first = compose.service(users[0]);
        let user_nets = first
            .and_then(|u| nets.get(u.name.as_str()).cloned().flatten())
            .unwrap_or_default();
        let quoted = |v: &[Joined]| keys(v);
        out.push(ctx.diag_at(
            &RULE,
            at,
            format!(
                "`{target}` is only on {}, which {} cannot reach: they share no network",
                quoted(theirs),
                name_list(&users, 4),
            ),
            format!(
                "a service with its own `networks:` list leaves the `default` network, and containers \
                 resolve each other's names only on a network they share, so `{}` (on {}) gets \
                 \"Name or service not known\" for `{target}`. Add `default` to `{target}`'s \
                 `networks:`, or join the services that use it to {}",
                users[0],
                quoted(&user_nets),
                quoted(theirs),
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::names_host;

    #[test]
    fn hosts_are_named_by_scheme_or_port() {
        for (text, host) in [
            ("redis://redis:6379/0", "redis"),
            ("kafka:9092", "kafka"),
            ("http://snuba-api:1218", "snuba-api"),
            ("postgres://u:p@db/sentry", "db"),
            ("BROKER=kafka:9092,other:9092", "other"),
        ] {
            assert!(names_host(text, host), "{text} {host}");
        }
        for (text, host) in [
            ("redis", "redis"),
            ("--storage redis", "redis"),
            ("http://snuba-api-2:1218", "snuba-api"),
            ("my-kafka:9092", "kafka"),
            ("kafka:latest", "kafka"),
        ] {
            assert!(!names_host(text, host), "{text} {host}");
        }
    }
}
