//! The stack as compose runs it: what a service is, judged by the image it
//! runs (and, for Sentry's own image, the command) rather than by what the
//! operator called it (hand-made stacks name PostgreSQL `db` and the web
//! process `sentry-web`), and which services it waits for.

use crate::kb::version::image_repo;
use crate::model::Install;
use crate::model::compose::{Origin, Service, Value};
use crate::rules::helpers::sentry_words;

/// The part of the stack a service plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Postgres,
    PgBouncer,
    Redis,
    Memcached,
    ClickHouse,
    Kafka,
    Zookeeper,
    RabbitMq,
    Smtp,
    SeaweedFs,
    Snuba,
    Relay,
    Symbolicator,
    Vroom,
    Taskbroker,
    /// `getsentry/sentry` (or the old `sentry` image, or a local build of
    /// it) running `run web`.
    SentryWeb,
    /// Any other Sentry process: workers, consumers, cron, cleanup.
    Sentry,
    /// nginx, Traefik, Caddy, HAProxy: a way in from outside.
    Proxy,
}

impl Role {
    /// A dependency the Sentry processes reach by name, never meant to be
    /// reached from outside the stack.
    pub fn is_internal(self) -> bool {
        !matches!(self, Role::SentryWeb | Role::Sentry | Role::Proxy)
    }

    /// The product, for messages.
    pub fn product(self) -> &'static str {
        match self {
            Role::Postgres => "PostgreSQL",
            Role::PgBouncer => "PgBouncer",
            Role::Redis => "Redis",
            Role::Memcached => "memcached",
            Role::ClickHouse => "ClickHouse",
            Role::Kafka => "Kafka",
            Role::Zookeeper => "ZooKeeper",
            Role::RabbitMq => "RabbitMQ",
            Role::Smtp => "the SMTP relay",
            Role::SeaweedFs => "SeaweedFS",
            Role::Snuba => "Snuba",
            Role::Relay => "Relay",
            Role::Symbolicator => "Symbolicator",
            Role::Vroom => "vroom",
            Role::Taskbroker => "the task broker",
            Role::SentryWeb => "Sentry's web server",
            Role::Sentry => "Sentry",
            Role::Proxy => "the reverse proxy",
        }
    }
}

/// The repository's last path segment and its owner (`getsentry/snuba` ->
/// (`getsentry`, `snuba`); `postgres:14` -> (``, `postgres`)).
fn owner_and_name(image: &str) -> (&str, String) {
    let repo = image_repo(image);
    let (head, name) = repo.rsplit_once('/').unwrap_or(("", repo));
    let owner = head.rsplit('/').next().unwrap_or("");
    (owner, name.to_ascii_lowercase())
}

/// The role the image says, when it is one the stack uses.
pub fn image_role(image: &str) -> Option<Role> {
    // Upstream builds its Sentry, ClickHouse and cron images locally:
    // `sentry-self-hosted-local`, `sentry-cleanup-self-hosted-local`,
    // `clickhouse-self-hosted-local`, ...
    if let Some(base) = image.strip_suffix("-self-hosted-local") {
        return Some(match base.trim_end_matches("-cleanup") {
            "sentry" => Role::Sentry,
            "clickhouse" => Role::ClickHouse,
            "symbolicator" => Role::Symbolicator,
            "vroom" => Role::Vroom,
            _ => return None,
        });
    }
    let (owner, name) = owner_and_name(image);
    if owner == "getsentry" {
        return Some(match name.as_str() {
            "snuba" => Role::Snuba,
            "relay" => Role::Relay,
            "symbolicator" => Role::Symbolicator,
            "vroom" => Role::Vroom,
            "taskbroker" => Role::Taskbroker,
            "sentry" => Role::Sentry,
            _ => return None,
        });
    }
    Some(match name.as_str() {
        "postgres" | "postgresql" => Role::Postgres,
        "pgbouncer" => Role::PgBouncer,
        "redis" | "valkey" | "redis-stack-server" => Role::Redis,
        "memcached" => Role::Memcached,
        "clickhouse-server" | "clickhouse" => Role::ClickHouse,
        "kafka" | "cp-kafka" => Role::Kafka,
        "zookeeper" | "cp-zookeeper" => Role::Zookeeper,
        "rabbitmq" => Role::RabbitMq,
        "exim4" => Role::Smtp,
        "seaweedfs" => Role::SeaweedFs,
        "nginx" | "nginx-unprivileged" | "traefik" | "caddy" | "haproxy" => Role::Proxy,
        // The official `sentry` image of Sentry 9 and 10.
        "sentry" if owner.is_empty() || owner == "library" => Role::Sentry,
        _ => return None,
    })
}

/// Upstream's service names, for services whose image says nothing (a local
/// build, an image from a private registry).
fn name_role(name: &str) -> Option<Role> {
    Some(match name {
        "postgres" => Role::Postgres,
        "pgbouncer" => Role::PgBouncer,
        "redis" => Role::Redis,
        "memcached" => Role::Memcached,
        "clickhouse" => Role::ClickHouse,
        "kafka" => Role::Kafka,
        "zookeeper" => Role::Zookeeper,
        "smtp" => Role::Smtp,
        "snuba-api" => Role::Snuba,
        "relay" => Role::Relay,
        "symbolicator" => Role::Symbolicator,
        "vroom" => Role::Vroom,
        "nginx" => Role::Proxy,
        "web" => Role::SentryWeb,
        _ => return None,
    })
}

/// What `svc` is: by its image (interpolated with the env file), else by
/// upstream's name for it. Sentry's image is the web server when it runs
/// `run web`.
pub fn role(install: &Install, svc: &Service) -> Option<Role> {
    let by_image = svc
        .image()
        .and_then(|i| image_role(install.interpolate(i).value.trim()));
    let role = by_image.or_else(|| name_role(&svc.name))?;
    let runs_web = matches!(sentry_words(svc), [run, web, ..] if run == "run" && web == "web");
    Some(match role {
        // Without a command the image's own (`run web`) runs.
        Role::Sentry if runs_web || svc.command().is_empty() => Role::SentryWeb,
        // A local build named `web` that runs something else is a worker.
        Role::SentryWeb if !svc.command().is_empty() && !runs_web => Role::Sentry,
        r => r,
    })
}

/// A Sentry process (web, worker, consumer, cron): the containers that read
/// sentry.conf.py.
pub fn is_sentry(install: &Install, svc: &Service) -> bool {
    matches!(role(install, svc), Some(Role::Sentry | Role::SentryWeb))
}

/// One `depends_on` entry: the service named, where, and whether compose
/// requires it (`required: false`, compose 2.20+, lets it be absent).
pub struct Dependency<'a> {
    pub name: &'a str,
    pub at: Origin,
    pub required: bool,
}

/// The services `svc` waits for, in both forms of `depends_on`.
pub fn dependencies(svc: &Service) -> Vec<Dependency<'_>> {
    match svc.get("depends_on") {
        Some(Value::Seq { items, .. }) => items
            .iter()
            .filter_map(|i| {
                Some(Dependency {
                    name: i.as_str()?.trim(),
                    at: i.at(),
                    required: true,
                })
            })
            .collect(),
        Some(v @ Value::Map { .. }) => v
            .entries()
            .iter()
            .map(|e| Dependency {
                name: e.key.as_str(),
                at: e.key_at,
                required: e
                    .value
                    .get("required")
                    .and_then(Value::as_str)
                    .is_none_or(|r| r.trim() != "false"),
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::{Role, image_role};

    #[test]
    fn images_name_their_role() {
        for (image, role) in [
            ("postgres:14.5", Role::Postgres),
            ("docker.io/library/postgres:18", Role::Postgres),
            ("bitnami/postgresql:16", Role::Postgres),
            ("redis:6.2.14-alpine", Role::Redis),
            ("confluentinc/cp-kafka:7.6.1", Role::Kafka),
            ("rabbitmq:3-management", Role::RabbitMq),
            ("clickhouse/clickhouse-server:23.8", Role::ClickHouse),
            ("ghcr.io/getsentry/snuba:24.1.0", Role::Snuba),
            ("sentry:9.1.2", Role::Sentry),
            ("tianon/exim4", Role::Smtp),
        ] {
            assert_eq!(image_role(image), Some(role), "{image}");
        }
        for image in ["myorg/sentry:9", "getsentry/self-hosted-extras", "alpine:3"] {
            assert_eq!(image_role(image), None, "{image}");
        }
    }
}
