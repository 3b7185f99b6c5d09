//! SL330: an internal service publishes a port to the host.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::compose::{Service, Value};
use crate::rules::stack::{Role, role};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL330",
    name: "internal-port-published",
    severity: Severity::Warning,
    summary: "An internal service (database, cache, Kafka, an API behind nginx) publishes a port on the host",
    fix: FixAvailability::None,
    doc: include_str!("../../rules/SL330.md"),
    check,
};

/// Where a published port listens on the host: an address, or every interface.
fn host_ip(install: &crate::model::Install, port: &Value) -> Option<Option<String>> {
    match port {
        Value::Scalar(s) => {
            let text = install.interpolate(&s.text).value;
            let text = text.split('/').next().unwrap_or("").trim();
            if let Some(rest) = text.strip_prefix('[') {
                return Some(rest.split_once(']').map(|(ip, _)| ip.to_string()));
            }
            let parts: Vec<&str> = text.rsplitn(3, ':').collect();
            Some((parts.len() == 3).then(|| parts[2].to_string()))
        }
        Value::Map { .. } => Some(
            port.get("host_ip")
                .and_then(Value::as_str)
                .map(|ip| install.interpolate(ip).value.trim().to_string())
                .filter(|ip| !ip.is_empty()),
        ),
        Value::Seq { .. } => None,
    }
}

fn is_loopback(ip: &str) -> bool {
    let ip = ip.trim_start_matches('[').trim_end_matches(']');
    ip.starts_with("127.") || ip == "::1" || ip == "localhost"
}

/// Why a published port of this service is an open door, when it is one.
fn no_auth(install: &crate::model::Install, svc: &Service, role: Role) -> Option<String> {
    let env = |key: &str| -> Option<String> {
        let item = svc
            .get("environment")?
            .keyed()
            .into_iter()
            .rev()
            .find(|k| k.key == key)?;
        Some(match item.value {
            Some(v) => install.interpolate(v).value,
            None => install.var(key)?.to_string(),
        })
    };
    match role {
        Role::Postgres => {
            if env("POSTGRES_HOST_AUTH_METHOD").is_some_and(|m| m.trim() == "trust") {
                Some("PostgreSQL lets anyone in without a password (`POSTGRES_HOST_AUTH_METHOD: trust`, upstream's setting)".into())
            } else if env("POSTGRES_PASSWORD").is_none_or(|p| p.is_empty())
                && env("POSTGRES_PASSWORD_FILE").is_none()
            {
                Some("PostgreSQL has no password (`POSTGRES_PASSWORD` is empty)".into())
            } else {
                None
            }
        }
        Role::Redis => (!svc.command().iter().any(|w| w.starts_with("--requirepass")))
            .then(|| "Redis has no password (no `--requirepass`)".into()),
        Role::Memcached => Some("memcached has no authentication at all".into()),
        Role::ClickHouse => Some("ClickHouse's `default` user has no password".into()),
        _ => None,
    }
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some(compose) = ctx.compose() else {
        return;
    };
    let roles: Vec<Option<Role>> = compose
        .services
        .iter()
        .map(|s| role(ctx.install, s))
        .collect();
    // Without a proxy in the stack, the web server (and Relay, which takes
    // the SDKs' envelopes) is the way in: publishing it is the point.
    let has_proxy = roles.contains(&Some(Role::Proxy));
    for (svc, role) in compose.services.iter().zip(roles) {
        let Some(role) = role else {
            continue;
        };
        let entry_point = matches!(role, Role::SentryWeb | Role::Relay);
        if !(role.is_internal() || role == Role::SentryWeb) || (entry_point && !has_proxy) {
            continue;
        }
        let Some(ports) = svc.get("ports") else {
            continue;
        };
        for port in ports.items() {
            let Some(ip) = host_ip(ctx.install, port) else {
                continue;
            };
            if ip.as_deref().is_some_and(is_loopback) {
                continue;
            }
            let shown = match port {
                Value::Scalar(s) => s.text.clone(),
                _ => port
                    .get("published")
                    .or_else(|| port.get("target"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            };
            let where_ = match ip.as_deref() {
                None | Some("0.0.0.0") | Some("::") | Some("[::]") => {
                    "on every interface of the host".to_string()
                }
                Some(ip) => format!("on `{ip}`"),
            };
            let name = &svc.name;
            let (message, severity) = match no_auth(ctx.install, svc, role) {
                Some(why) => (
                    format!("`{name}` publishes port `{shown}` {where_}, and {why}"),
                    Severity::Error,
                ),
                None => (
                    format!("`{name}` publishes port `{shown}` {where_}"),
                    Severity::Warning,
                ),
            };
            let mut d = ctx.diag_at(
                &RULE,
                port.at(),
                message,
                format!(
                    "`{name}` is meant to be reached only by the other containers, by name; a published \
                     port makes it reachable from outside, and Docker's own iptables rules bypass host \
                     firewalls such as ufw or firewalld. Remove the entry (the containers do not need it), \
                     or bind it to loopback for local tools (`127.0.0.1:...`); nginx on `$SENTRY_BIND` \
                     is the one way in"
                ),
            );
            d.severity = severity;
            out.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_loopback;

    #[test]
    fn loopback_addresses() {
        for ip in ["127.0.0.1", "127.0.1.1", "::1", "[::1]"] {
            assert!(is_loopback(ip), "{ip}");
        }
        for ip in ["0.0.0.0", "::", "10.0.0.5", "192.168.1.2"] {
            assert!(!is_loopback(ip), "{ip}");
        }
    }
}
