//! SL008: `localhost` used as the address of another container.

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Edit, Fix};
use crate::model::FileId;
use crate::model::compose::Service;
use crate::parse::pyconf::{Expr, ExprKind, Target};
use crate::parse::yaml::{NodeId, NodeKind, YamlDoc};
use crate::rules::helpers::written_span;
use crate::rules::stack::{Role, is_sentry, role};
use crate::rules::{Ctx, FixAvailability, Rule};
use crate::source::Span;

pub const RULE: Rule = Rule {
    code: "SL008",
    name: "loopback-service-address",
    severity: Severity::Error,
    summary: "`localhost` or 127.0.0.1 is used as the address of a service that runs in another container",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL008.md"),
    check,
};

/// The ports the stack's services listen on. Ports other software commonly
/// takes for itself are left out: 9000 (ClickHouse and Sentry's web), 3000
/// (Relay, and Grafana's own address) and 8085 (vroom, a common HTTP port).
const PORTS: &[(u32, Role)] = &[
    (5432, Role::Postgres),
    (6432, Role::PgBouncer),
    (6379, Role::Redis),
    (9092, Role::Kafka),
    (11211, Role::Memcached),
    (8123, Role::ClickHouse),
    (1218, Role::Snuba),
    (3021, Role::Symbolicator),
    (2181, Role::Zookeeper),
    (5672, Role::RabbitMq),
];

/// Ports a URL scheme implies when none is written.
const SCHEMES: &[(&str, u32)] = &[
    ("redis://", 6379),
    ("rediss://", 6379),
    ("postgres://", 5432),
    ("postgresql://", 5432),
    ("memcache://", 11211),
    ("amqp://", 5672),
];

const LOOPBACK: &[&str] = &["localhost", "127.0.0.1"];

/// A loopback host in `text` used with a port (`localhost:6379`) or a
/// scheme that implies one (`redis://localhost/0`): its offset and length,
/// and the port.
fn loopback_address(text: &str) -> Option<(usize, usize, u32)> {
    LOOPBACK.iter().find_map(|host| {
        text.match_indices(host).find_map(|(i, _)| {
            let before = &text[..i];
            let prev = before.chars().next_back();
            if prev.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-') {
                return None;
            }
            let rest = &text[i + host.len()..];
            let port = match rest.strip_prefix(':') {
                Some(r) => {
                    let digits: String = r.chars().take_while(char::is_ascii_digit).collect();
                    let after = r[digits.len()..].chars().next();
                    if after.is_some_and(|c| c.is_ascii_alphanumeric()) {
                        return None;
                    }
                    digits.parse().ok()?
                }
                None => {
                    if rest
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '.')
                    {
                        return None;
                    }
                    // The URL starts after the last character no URL has.
                    let in_url = |c: char| c.is_ascii_alphanumeric() || ":/@_-.".contains(c);
                    let url_start = before
                        .char_indices()
                        .rev()
                        .find(|(_, c)| !in_url(*c))
                        .map_or(0, |(i, c)| i + c.len_utf8());
                    let url = &before[url_start..];
                    SCHEMES
                        .iter()
                        .find(|(s, _)| url.starts_with(s))
                        .map(|(_, p)| *p)?
                }
            };
            Some((i, host.len(), port))
        })
    })
}

/// The service of the stack that listens on `port` (the first, when several
/// do), unless the reader is that kind of service itself.
fn served_by<'c>(ctx: &Ctx<'c>, port: u32, reader: Option<Role>) -> Option<&'c Service> {
    let wanted = PORTS.iter().find(|(p, _)| *p == port)?.1;
    if reader == Some(wanted) {
        return None;
    }
    ctx.compose()?
        .services
        .iter()
        .find(|s| role(ctx.install, s) == Some(wanted))
}

struct Found<'c> {
    file: FileId,
    span: Span,
    /// Where the loopback host itself is written, when it can be replaced.
    host: Option<Span>,
    written: String,
    target: &'c Service,
    reader: String,
}

fn report(ctx: &Ctx, f: Found, out: &mut Vec<Diagnostic>) {
    let target = &f.target.name;
    let fix = f.host.map(|span| {
        Fix::unsafe_edits(
            format!("Address `{target}` by its service name"),
            format!("the address changes from the container itself to `{target}`"),
            vec![Edit::replace(f.file, span, target.clone())],
        )
    });
    out.push(
        ctx.diag(
            &RULE,
            f.file,
            f.span,
            format!(
                "`{}` points {} at the container itself, not at `{target}`",
                f.written, f.reader
            ),
            format!(
                "inside a container `localhost` and 127.0.0.1 are that container, and {} runs in \
                 the container of `{target}`: the connection is refused. Containers reach each \
                 other by service name on the network they share; write `{target}` instead",
                role(ctx.install, f.target).map_or("it", |r| r.product())
            ),
        )
        .with_fix(fix),
    );
}

fn check_compose(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some(compose) = ctx.compose() else {
        return;
    };
    for svc in &compose.services {
        // `network_mode: host` or `service:x` shares another network stack.
        if svc.get("network_mode").is_some() || ctx.disabled(svc).is_some() {
            continue;
        }
        let reader = role(ctx.install, svc);
        for key in ["environment", "command", "entrypoint"] {
            let Some(v) = svc.get(key) else {
                continue;
            };
            for s in v.scalars() {
                let Some((start, len, port)) = loopback_address(&s.text) else {
                    continue;
                };
                let Some(target) = served_by(ctx, port, reader) else {
                    continue;
                };
                report(
                    ctx,
                    Found {
                        file: s.at.file,
                        span: s.at.span,
                        host: written_span(ctx.install, s.at, start, &s.text[start..start + len]),
                        written: s.text.clone(),
                        target,
                        reader: format!("`{}`", svc.name),
                    },
                    out,
                );
            }
        }
    }
}

/// Sentry's own processes read sentry.conf.py and config.yml; judge them only
/// when they run in containers of their own network.
fn sentry_in_own_network(ctx: &Ctx) -> bool {
    let Some(compose) = ctx.compose() else {
        return false;
    };
    let sentry: Vec<&Service> = compose
        .services
        .iter()
        .filter(|s| is_sentry(ctx.install, s))
        .collect();
    !sentry.is_empty() && sentry.iter().all(|s| s.get("network_mode").is_none())
}

/// The port a `{"host": ..., "port": ...}` mapping talks to: its `port`, else
/// what the setting it belongs to implies.
fn implied_port(setting: &str, port: Option<i64>) -> Option<u32> {
    match port {
        Some(p) => u32::try_from(p).ok(),
        None if setting == "DATABASES" => Some(5432),
        None if setting.contains("redis") => Some(6379),
        None => None,
    }
}

fn check_pyconf(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some((file, conf)) = ctx.pyconf() else {
        return;
    };
    let text = ctx.install.file(file);
    for a in &conf.assignments {
        let setting = match &a.target {
            Target::Name(n) => n.clone(),
            Target::Item { base, keys } => format!("{base}[{}]", keys.join("][")),
            Target::Other => continue,
        };
        let mut stack: Vec<&Expr> = vec![&a.value];
        while let Some(e) = stack.pop() {
            let found = match &e.kind {
                ExprKind::Str(s) => loopback_address(s).map(|(i, len, port)| (e, i, len, port)),
                ExprKind::Dict(pairs) => {
                    let get = |k: &str| {
                        pairs
                            .iter()
                            .find(|(key, _)| {
                                key.as_str().is_some_and(|x| x.eq_ignore_ascii_case(k))
                            })
                            .map(|(_, v)| v)
                    };
                    let port = get("port").and_then(|p| match p.kind {
                        ExprKind::Int(i) => Some(i),
                        _ => None,
                    });
                    get("host")
                        .filter(|h| h.as_str().is_some_and(|s| LOOPBACK.contains(&s)))
                        .and_then(|h| {
                            let len = h.as_str()?.len();
                            Some((h, 0, len, implied_port(&setting, port)?))
                        })
                }
                _ => None,
            };
            match &e.kind {
                ExprKind::List(v) | ExprKind::Tuple(v) | ExprKind::Set(v) => stack.extend(v),
                ExprKind::Dict(pairs) => stack.extend(pairs.iter().map(|(_, v)| v)),
                ExprKind::Call { args, kwargs, .. } => {
                    stack.extend(args);
                    stack.extend(kwargs.iter().map(|(_, v)| v));
                }
                _ => {}
            }
            let Some((expr, start, len, port)) = found else {
                continue;
            };
            let Some(target) = served_by(ctx, port, Some(Role::Sentry)) else {
                continue;
            };
            let written = text.slice(expr.span).to_string();
            // The literal maps 1:1 onto the file when it has no escapes.
            let host_span = Span::new(
                expr.span.start as usize + 1 + start,
                expr.span.start as usize + 1 + start + len,
            );
            let exact = written.len() == expr.as_str().map_or(0, str::len) + 2
                && text.slice(host_span) == &expr.as_str().unwrap_or("")[start..start + len];
            report(
                ctx,
                Found {
                    file,
                    span: expr.span,
                    host: exact.then_some(host_span),
                    written,
                    target,
                    reader: "Sentry".into(),
                },
                out,
            );
        }
    }
}

fn check_config_yml(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some((file, doc)) = ctx.config_yml() else {
        return;
    };
    let Some(root) = doc.root else {
        return;
    };
    let text = ctx.install.file(file);
    for top in doc.pairs(root) {
        let setting = doc.scalar(top.key).unwrap_or("").to_string();
        let mut stack: Vec<NodeId> = vec![top.value];
        while let Some(id) = stack.pop() {
            let node = doc.node(id);
            let found: Option<(NodeId, usize, usize, u32)> = match &node.kind {
                NodeKind::Scalar { value, .. } if !LOOPBACK.contains(&value.as_str()) => {
                    loopback_address(value).map(|(i, len, port)| (id, i, len, port))
                }
                NodeKind::Map { pairs, .. } => {
                    stack.extend(pairs.iter().map(|p| p.value));
                    host_pair(doc, id, &setting)
                }
                NodeKind::Seq { items, .. } => {
                    stack.extend(items);
                    None
                }
                _ => None,
            };
            let Some((at, start, len, port)) = found else {
                continue;
            };
            let Some(target) = served_by(ctx, port, Some(Role::Sentry)) else {
                continue;
            };
            let span = doc.node(at).span;
            let written = text.slice(span).to_string();
            let value = doc.scalar(at).unwrap_or("");
            let offset = written.find(&value[start..start + len]);
            let host = offset
                .filter(|_| written.matches(&value[start..start + len]).count() == 1)
                .map(|o| Span::new(span.start as usize + o, span.start as usize + o + len));
            report(
                ctx,
                Found {
                    file,
                    span,
                    host,
                    written,
                    target,
                    reader: "Sentry".into(),
                },
                out,
            );
        }
    }
}

/// `host: 127.0.0.1` in a mapping, with the port it talks to.
fn host_pair(doc: &YamlDoc, map: NodeId, setting: &str) -> Option<(NodeId, usize, usize, u32)> {
    let host = doc.get(map, "host")?.value;
    let value = doc.scalar(host)?;
    if !LOOPBACK.contains(&value) {
        return None;
    }
    let port = doc
        .get(map, "port")
        .and_then(|p| doc.scalar(p.value))
        .and_then(|p| p.trim().parse().ok());
    Some((host, 0, value.len(), implied_port(setting, port)?))
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    check_compose(ctx, out);
    if sentry_in_own_network(ctx) {
        check_pyconf(ctx, out);
        check_config_yml(ctx, out);
    }
}

#[cfg(test)]
mod tests {
    use super::loopback_address;

    #[test]
    fn loopback_hosts_with_a_port_or_a_scheme() {
        assert_eq!(
            loopback_address("redis://localhost:6379/0"),
            Some((8, 9, 6379))
        );
        assert_eq!(loopback_address("127.0.0.1:9092"), Some((0, 9, 9092)));
        assert_eq!(
            loopback_address("postgres://u:p@localhost/sentry"),
            Some((15, 9, 5432))
        );
        assert_eq!(loopback_address("http://localhost/"), None);
        assert_eq!(loopback_address("localhost"), None);
        assert_eq!(loopback_address("mylocalhost:6379"), None);
        assert_eq!(loopback_address("127.0.0.10:6379"), None);
        assert_eq!(
            loopback_address("é redis://localhost/0"),
            Some((11, 9, 6379))
        );
    }
}
