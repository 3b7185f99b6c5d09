//! SL343: an env file key named like a container setting that no container gets.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::load::is_secret_name;
use crate::rules::sl342_unknown_env_key::{Judged, KnownKeys, judged_entries};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL343",
    name: "dead-env-variable",
    severity: Severity::Warning,
    summary: "An env file key named like a container setting never reaches a container",
    fix: FixAvailability::None,
    doc: include_str!("../../rules/SL343.md"),
    check,
};

/// Prefixes of the settings the bundled images read from their environment,
/// and the service each belongs to.
const PREFIXES: &[(&str, &str)] = &[
    ("KAFKA_", "kafka"),
    ("CLICKHOUSE_", "clickhouse"),
    ("ZOOKEEPER_", "zookeeper"),
    ("POSTGRES_", "postgres"),
    ("REDIS_", "redis"),
    ("MEMCACHED_", "memcached"),
    ("UWSGI_", "snuba-api"),
    ("SYMBOLICATOR_", "symbolicator"),
    ("RELAY_", "relay"),
    ("SNUBA_", "snuba-api"),
];

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let known = KnownKeys::new(ctx);
    for Judged {
        file,
        display,
        entry: e,
        ..
    } in judged_entries(ctx)
    {
        let key = &e.key;
        let Some(&(_, service)) = PREFIXES.iter().find(|(p, _)| key.starts_with(p)) else {
            continue;
        };
        if known.contains(key) || known.misspelling(key).is_some() {
            continue;
        }
        let svc = ctx.service(service);
        // What the container runs with instead.
        let current = svc
            .and_then(|s| s.get("environment"))
            .and_then(|env| env.keyed().into_iter().rev().find(|k| k.key == *key))
            .and_then(|k| k.value);
        let mut help = String::from(
            "docker compose reads the env file only to fill `${...}` in the compose files and the \
             pass-through entries of `environment:` (a key with no value); nothing names this key, \
             so no container sees it",
        );
        match &current {
            Some(_) if is_secret_name(key) => help.push_str(&format!(
                ", and `{service}` keeps the `{key}` the compose files give it"
            )),
            Some(v) => help.push_str(&format!(
                ", and `{service}` keeps `{key}: \"{v}\"` from the compose files"
            )),
            None => {}
        }
        match svc {
            Some(_) => help.push_str(&format!(
                ". Set it in the `environment:` of `{service}` in docker-compose.override.yml, then \
                 recreate the container (`docker compose up -d {service}`; a restart keeps the old \
                 environment)"
            )),
            None => help.push_str(
                ". Set it in the `environment:` of the service that should read it, in \
                 docker-compose.override.yml, or delete the line",
            ),
        }
        out.push(ctx.diag(
            &RULE,
            file,
            e.key_span,
            format!("`{key}` in `{display}` never reaches a container: compose does not use it"),
            help,
        ));
    }
}
