//! SL381: PostgreSQL's volume is mounted where the official image writes nothing.

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Edit, Fix};
use crate::kb::version::{Tag, image_repo, split_image};
use crate::model::compose::{Origin, Service, Value};
use crate::rules::helpers::written_span;
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL381",
    name: "postgres-data-path",
    severity: Severity::Error,
    summary: "PostgreSQL's data volume is mounted at /var/lib/postgres, where the official image keeps no data",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL381.md"),
    check,
};

/// The misspelt paths (`postgres` for `postgresql`).
const WRONG: &[&str] = &["/var/lib/postgres/data", "/var/lib/postgres"];

/// The official image's major version, from tags like `14`, `14.5`,
/// `9.6-alpine`, `16.2-bookworm`.
fn major(tag: &str) -> Option<u32> {
    tag.split(['.', '-']).next()?.parse().ok()
}

/// Where the data volume belongs for this major, and where PGDATA is
/// (docker-library/postgres#1259 moved it in 18).
fn home(major: Option<u32>) -> Option<(&'static str, String)> {
    match major? {
        m @ 18.. => Some((
            "/var/lib/postgresql",
            format!("/var/lib/postgresql/{m}/docker"),
        )),
        _ => Some((
            "/var/lib/postgresql/data",
            "/var/lib/postgresql/data".into(),
        )),
    }
}

/// The official `postgres` image (`postgres:14`, `library/postgres`, on a
/// registry mirror of Docker Hub), and its tag.
fn official_postgres(ctx: &Ctx, svc: &Service) -> Option<Option<String>> {
    let image = ctx.install.interpolate(svc.image()?).value;
    let image = image.trim();
    let repo = image_repo(image);
    let official = matches!(
        repo,
        "postgres" | "library/postgres" | "docker.io/library/postgres" | "docker.io/postgres"
    );
    official.then(|| match split_image(image).1 {
        Tag::Release(v) => Some(v.to_string()),
        Tag::Other(t) | Tag::Moving(t) => Some(t),
        Tag::Missing | Tag::Digest(_) => None,
    })
}

/// The container path a volume entry mounts, with where it is written.
fn target(v: &Value) -> Option<(Origin, &str, usize)> {
    match v {
        Value::Scalar(s) => {
            let mut parts = s.text.splitn(3, ':');
            let first = parts.next()?;
            let second = parts.next()?;
            Some((s.at, second, first.len() + 1))
        }
        Value::Map { .. } => {
            let t = v.get("target")?;
            Some((t.at(), t.as_str()?, 0))
        }
        Value::Seq { .. } => None,
    }
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some(compose) = ctx.compose() else {
        return;
    };
    for svc in &compose.services {
        let Some(tag) = official_postgres(ctx, svc) else {
            continue;
        };
        // With PGDATA set the operator chose the place; not judged.
        if svc.has_env("PGDATA") {
            continue;
        }
        let Some(volumes) = svc.get("volumes") else {
            continue;
        };
        for v in volumes.items() {
            let Some((at, path, offset)) = target(v) else {
                continue;
            };
            let trimmed = path.trim_end_matches('/');
            if !WRONG.contains(&trimmed) {
                continue;
            }
            let major = tag.as_deref().and_then(major);
            let (data_home, pgdata) = match home(major) {
                Some((home, pgdata)) => (Some(home), pgdata),
                None => (
                    None,
                    "/var/lib/postgresql/data (from PostgreSQL 18, /var/lib/postgresql/<major>/docker)"
                        .to_string(),
                ),
            };
            let written = written_span(ctx.install, at, offset, path);
            let fix = written.zip(data_home).map(|(span, home)| {
                Fix::unsafe_edits(
                    format!("Mount the volume at `{home}`"),
                    "the database the running container holds lives in an anonymous volume: \
                     dump it (`pg_dumpall`) before recreating the container, which then starts \
                     from the named volume",
                    vec![Edit::replace(at.file, span, home)],
                )
            });
            let wanted = data_home.unwrap_or("/var/lib/postgresql/data");
            out.push(
                ctx.diag(
                    &RULE,
                    at.file,
                    written.unwrap_or(at.span),
                    format!(
                        "`{}` mounts its volume at `{path}`, but the postgres image keeps its data in `{pgdata}`",
                        svc.name
                    ),
                    format!(
                        "the official image writes the database to `PGDATA`, which it declares as a \
                         volume of its own; nothing is written to `{path}`, so the data lives in an \
                         anonymous volume of this container. `docker compose down` (self-hosted's install.sh runs \
                         it on every upgrade) removes the container, the next `up` creates a fresh \
                         anonymous volume, and Sentry starts on an empty database. Mount the volume \
                         at `{wanted}`"
                    ),
                )
                .with_fix(fix),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::major;

    #[test]
    fn majors_from_tags() {
        assert_eq!(major("14.5"), Some(14));
        assert_eq!(major("9.6-alpine"), Some(9));
        assert_eq!(major("18"), Some(18));
        assert_eq!(major("latest"), None);
    }
}
