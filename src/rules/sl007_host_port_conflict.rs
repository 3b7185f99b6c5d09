//! SL007: two services publish the same host port.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::compose::{Origin, Value};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL007",
    name: "host-port-conflict",
    severity: Severity::Error,
    summary: "Two services publish the same host port on the same address and protocol",
    fix: FixAvailability::None,
    doc: include_str!("../../rules/SL007.md"),
    check,
};

/// A published port: the host address (empty for every interface), the
/// host ports (a range), the protocol, and what is written.
#[derive(Debug, PartialEq)]
struct Published {
    ip: String,
    ports: (u32, u32),
    protocol: String,
    shown: String,
}

fn port_range(s: &str) -> Option<(u32, u32)> {
    let s = s.trim();
    match s.split_once('-') {
        Some((a, b)) => Some((a.trim().parse().ok()?, b.trim().parse().ok()?)),
        None => {
            let p = s.parse().ok()?;
            Some((p, p))
        }
    }
}

/// `[ip:]host:container[/proto]`, after interpolation; `None` when no host
/// port is fixed (docker picks a free one) or the text is not understood.
fn short_syntax(text: &str) -> Option<Published> {
    let (spec, protocol) = text.trim().split_once('/').unwrap_or((text.trim(), "tcp"));
    let (ip, rest) = match spec.strip_prefix('[') {
        Some(r) => {
            let (ip, rest) = r.split_once(']')?;
            (ip.to_string(), rest.strip_prefix(':')?)
        }
        None => match spec.matches(':').count() {
            2 => {
                let (ip, rest) = spec.split_once(':')?;
                (ip.to_string(), rest)
            }
            1 => (String::new(), spec),
            _ => return None,
        },
    };
    let (host, _container) = rest.split_once(':')?;
    Some(Published {
        ip,
        ports: port_range(host)?,
        protocol: protocol.trim().to_ascii_lowercase(),
        shown: text.trim().to_string(),
    })
}

fn published(ctx: &Ctx, port: &Value) -> Option<Published> {
    let text = |v: &Value| {
        v.as_str()
            .map(|s| ctx.install.interpolate(s).value.trim().to_string())
    };
    match port {
        Value::Scalar(s) => short_syntax(&ctx.install.interpolate(&s.text).value),
        Value::Map { .. } => {
            let host = text(port.get("published")?)?;
            Some(Published {
                ip: port.get("host_ip").and_then(text).unwrap_or_default(),
                ports: port_range(&host)?,
                protocol: port
                    .get("protocol")
                    .and_then(text)
                    .unwrap_or_else(|| "tcp".into())
                    .to_ascii_lowercase(),
                shown: host,
            })
        }
        Value::Seq { .. } => None,
    }
}

/// Every interface of IPv4, however written.
fn any_v4(ip: &str) -> bool {
    ip.is_empty() || ip == "0.0.0.0"
}

fn clash(a: &Published, b: &Published) -> bool {
    let same_ip = a.ip == b.ip || (any_v4(&a.ip) && any_v4(&b.ip));
    same_ip && a.protocol == b.protocol && a.ports.0 <= b.ports.1 && b.ports.0 <= a.ports.1
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some(compose) = ctx.compose() else {
        return;
    };
    let mut seen: Vec<(&str, Published, Origin)> = Vec::new();
    for svc in &compose.services {
        if ctx.disabled(svc).is_some() {
            continue;
        }
        let Some(ports) = svc.get("ports") else {
            continue;
        };
        for port in ports.items() {
            let Some(p) = published(ctx, port) else {
                continue;
            };
            let first = seen
                .iter()
                .find(|(owner, q, _)| *owner != svc.name && clash(q, &p));
            if let Some((owner, q, at)) = first {
                let where_ = if any_v4(&p.ip) {
                    "every interface".to_string()
                } else {
                    format!("`{}`", p.ip)
                };
                out.push(
                    ctx.diag_at(
                        &RULE,
                        port.at(),
                        format!(
                            "`{}` publishes `{}`, and `{owner}` already publishes `{}`: host port {} on {where_} ({}) can be bound once",
                            svc.name, p.shown, q.shown, p.ports.0, p.protocol
                        ),
                        format!(
                            "Docker binds a published port on the host for one container only; the \
                             second container fails to start with \"port is already allocated\", \
                             and everything that depends on it waits. Publish `{}` on another host \
                             port or address, or remove one of the two entries",
                            svc.name
                        ),
                    )
                    .with_label(at.file, at.span, format!("`{owner}` publishes it here")),
                );
                continue;
            }
            seen.push((&svc.name, p, port.at()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Published, short_syntax};

    #[test]
    fn short_syntax_reads_address_ports_and_protocol() {
        let p = |ip: &str, lo, hi, proto: &str, shown: &str| Published {
            ip: ip.into(),
            ports: (lo, hi),
            protocol: proto.into(),
            shown: shown.into(),
        };
        assert_eq!(
            short_syntax("9000:9000"),
            Some(p("", 9000, 9000, "tcp", "9000:9000"))
        );
        assert_eq!(
            short_syntax("127.0.0.1:80:80/udp"),
            Some(p("127.0.0.1", 80, 80, "udp", "127.0.0.1:80:80/udp"))
        );
        assert_eq!(
            short_syntax("[::1]:8000-8002:8000-8002"),
            Some(p("::1", 8000, 8002, "tcp", "[::1]:8000-8002:8000-8002"))
        );
        assert_eq!(short_syntax("9000"), None);
        assert_eq!(short_syntax("127.0.0.1::9000"), None);
    }
}
