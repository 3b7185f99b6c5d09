//! SL331: internal services join a network other stacks share.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::compose::{Origin, Service, Value};
use crate::rules::stack::{Role, role};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL331",
    name: "external-network",
    severity: Severity::Warning,
    summary: "Internal services join an external network that other stacks share",
    fix: FixAvailability::None,
    doc: include_str!("../../rules/SL331.md"),
    check,
};

/// The networks a service joins (`default` when it names none).
fn joins(svc: &Service, network: &str) -> bool {
    if svc.get("network_mode").is_some() {
        return false;
    }
    match svc.get("networks") {
        None => network == "default",
        Some(Value::Seq { items, .. }) => items.iter().any(|i| i.as_str() == Some(network)),
        Some(v) => v.entry(network).is_some(),
    }
}

/// Why a network is shared beyond this stack: what to show and where.
fn shared(ctx: &Ctx, def: &Value) -> Option<(String, Origin)> {
    let name = def
        .get("name")
        .and_then(Value::as_str)
        .map(|n| ctx.install.interpolate(n).value);
    match def.get("external") {
        Some(Value::Scalar(s)) if s.text.trim() == "true" => {
            let shown = match &name {
                Some(n) => format!("is external (`{n}`)"),
                None => "is `external: true`".into(),
            };
            return Some((shown, s.at));
        }
        // The legacy form `external: {name: x}`.
        Some(v @ Value::Map { .. }) => {
            let n = v.get("name").and_then(Value::as_str).unwrap_or("");
            return Some((format!("is external (`{n}`)"), v.at()));
        }
        _ => {}
    }
    // `name:` without `external`: compose uses that exact name, so a stack
    // naming the same network shares it.
    let project = ctx.install.var("COMPOSE_PROJECT_NAME")?;
    let name = name?;
    if project.is_empty() || name.starts_with(project) {
        return None;
    }
    let at = def.get("name")?.at();
    Some((
        format!("is named `{name}`, outside this stack's `{project}` names"),
        at,
    ))
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some(compose) = ctx.compose() else {
        return;
    };
    let Some(networks) = &compose.networks else {
        return;
    };
    for net in networks.entries() {
        let Some((what, at)) = shared(ctx, &net.value) else {
            continue;
        };
        let members: Vec<String> = compose
            .services
            .iter()
            .filter(|s| {
                role(ctx.install, s).is_some_and(|r| r.is_internal() || r == Role::SentryWeb)
                    && joins(s, &net.key)
            })
            .map(|s| format!("`{}`", s.name))
            .collect();
        if members.is_empty() {
            continue;
        }
        let shown = match members.len() {
            1..=4 => members.join(", "),
            n => format!("{} and {} more", members[..3].join(", "), n - 3),
        };
        out.push(ctx.diag_at(
            &RULE,
            at,
            format!(
                "network `{}` {what}, and internal services join it: {shown}",
                net.key
            ),
            "every container on that network, from any stack, reaches these services by name, and \
             they trust the network: PostgreSQL accepts connections without a password \
             (`POSTGRES_HOST_AUTH_METHOD: trust`), Redis, memcached and ClickHouse have no \
             authentication. Attach only `nginx` (the way in) to the shared network, and keep the \
             other services on this stack's own `default` network",
        ));
    }
}
