//! Small readings of the model that several rules share.

use crate::fix::{Edit, yaml_ops};
use crate::kb::ReleaseView;
use crate::kb::tree::CNode;
use crate::kb::version::{Tag, Version, image_repo, split_image};
use crate::model::Install;
use crate::model::compose::{Origin, Service, Value};
use crate::parse::env::EnvEntry;
use crate::parse::interpolate::{self, VarRef};
use crate::parse::yaml::{NodeId, NodeKind, Pair, YamlDoc};
use crate::rules::Ctx;
use crate::source::Span;
use std::collections::HashSet;

/// The closest candidate within a small edit distance ("did you mean"); of
/// equally close ones the shortest, then the first in byte order, so the
/// answer does not depend on the order of a hash set.
pub fn did_you_mean<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let w = word.to_ascii_lowercase();
    let limit = (w.len() / 4).clamp(1, 3);
    candidates
        .into_iter()
        .map(|c| (edit_distance(&w, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d > 0 && *d <= limit && !c.is_empty())
        .min_by_key(|(d, c)| (*d, c.len(), *c))
        .map(|(_, c)| c)
}

/// Damerau-Levenshtein distance (adjacent swaps count as one edit).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[n][m]
}

/// Words of a sentry command without a leading `sentry` (the image's
/// entrypoint accepts both `sentry run ...` and `run ...`).
pub fn sentry_words(service: &Service) -> &[String] {
    without_sentry(service.command())
}

/// A command's words without a leading `sentry`.
pub fn without_sentry(w: &[String]) -> &[String] {
    match w.first().map(String::as_str) {
        Some("sentry") => &w[1..],
        _ => w,
    }
}

/// The value of `--flag value` or `--flag=value` in a word list (last wins, like click).
pub fn flag_value<'w>(words: &'w [String], flag: &str) -> Option<&'w str> {
    let mut found = None;
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        if w == flag {
            found = words.get(i + 1).map(String::as_str);
            i += 2;
            continue;
        }
        if let Some(v) = w.strip_prefix(flag).and_then(|r| r.strip_prefix('=')) {
            found = Some(v);
        }
        i += 1;
    }
    found
}

/// Every value of a repeatable flag.
pub fn flag_values<'w>(words: &'w [String], flag: &str) -> Vec<&'w str> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        if w == flag {
            if let Some(v) = words.get(i + 1) {
                out.push(v.as_str());
            }
            i += 2;
            continue;
        }
        if let Some(v) = w.strip_prefix(flag).and_then(|r| r.strip_prefix('=')) {
            out.push(v);
        }
        i += 1;
    }
    out
}

/// For `run consumer [--opts] NAME --consumer-group G`: the consumer name.
pub fn unified_consumer_name(words: &[String]) -> Option<&str> {
    if words.first().map(String::as_str) != Some("run")
        || words.get(1).map(String::as_str) != Some("consumer")
    {
        return None;
    }
    let mut i = 2;
    while i < words.len() {
        let w = &words[i];
        if w.starts_with("--") {
            // Flags that take a value as the next word.
            let takes_value = !w.contains('=')
                && matches!(
                    w.as_str(),
                    "--consumer-group"
                        | "--topic"
                        | "--cluster"
                        | "--max-poll-interval-ms"
                        | "--synchronize-commit-log-topic"
                        | "--synchronize-commit-group"
                        | "--auto-offset-reset"
                        | "--processes"
                        | "--input-block-size"
                        | "--output-block-size"
                        | "--max-batch-size"
                        | "--max-batch-time-ms"
                        | "--group-instance-id"
                        | "--log-level"
                        | "--healthcheck-file-path"
                );
            i += if takes_value { 2 } else { 1 };
            continue;
        }
        return Some(w);
    }
    None
}

/// Why a service would not run: scaled to zero, a no-op entrypoint or
/// command, or a compose profile that is not active. `None` if it runs.
pub fn disabled_reason(install: &Install, service: &Service) -> Option<(String, Origin)> {
    if let Some(scale) = service.get("scale")
        && scale.as_str().map(str::trim) == Some("0")
    {
        return Some(("`scale: 0`".into(), scale.at()));
    }
    if let Some(r) = service.body.path(&["deploy", "replicas"])
        && r.as_str().map(str::trim) == Some("0")
    {
        return Some(("`deploy.replicas: 0`".into(), r.at()));
    }
    for key in ["entrypoint", "command"] {
        let Some(v) = service.get(key) else {
            continue;
        };
        // The service keeps its command split (rules ask often); splitting
        // a long cron script again costs more than the rest of this check.
        let words = match key {
            "command" => std::borrow::Cow::Borrowed(service.command()),
            _ => std::borrow::Cow::Owned(v.words()),
        };
        if is_no_op(&words) {
            return Some((format!("a no-op `{key}` (`{}`)", words.join(" ")), v.at()));
        }
    }
    if let Some(profiles) = service.get("profiles") {
        let wanted = profiles.strings();
        if !wanted.is_empty() {
            let active = active_profiles(install);
            if !profiles_active(&wanted, &active) {
                let shown = if active.is_empty() {
                    "no profile is active (`COMPOSE_PROFILES` is not set)".to_string()
                } else {
                    format!(
                        "`COMPOSE_PROFILES={}` does not include it",
                        active.join(",")
                    )
                };
                return Some((
                    format!("profile `{}` while {shown}", wanted.join(",")),
                    profiles.at(),
                ));
            }
        }
    }
    None
}

fn is_no_op(words: &[String]) -> bool {
    let Some(first) = words.first() else {
        return false;
    };
    let prog = first.rsplit('/').next().unwrap_or(first);
    match prog {
        "true" | ":" => true,
        "echo" | "exit" => true,
        "sleep" => words.get(1).is_some_and(|w| w == "infinity"),
        "tail" => words.iter().any(|w| w == "/dev/null"),
        _ => false,
    }
}

/// Whether `docker compose up` starts a service of profiles `wanted` while
/// `active` are: it has none, or one of them is active.
pub fn profiles_active(wanted: &[&str], active: &[String]) -> bool {
    wanted.is_empty() || wanted.iter().any(|p| active.iter().any(|a| a == p))
}

/// `COMPOSE_PROFILES` from the effective env, split on commas.
pub fn active_profiles(install: &Install) -> Vec<String> {
    install
        .var("COMPOSE_PROFILES")
        .map(|v| {
            v.split(',')
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// Images built by Sentry, with the `.env` variable that pins each.
pub const FIRST_PARTY: &[(&str, &str)] = &[
    ("getsentry/sentry", "SENTRY_IMAGE"),
    ("getsentry/snuba", "SNUBA_IMAGE"),
    ("getsentry/relay", "RELAY_IMAGE"),
    ("getsentry/symbolicator", "SYMBOLICATOR_IMAGE"),
    ("getsentry/vroom", "VROOM_IMAGE"),
];

/// The first-party repository an image reference names (`getsentry/snuba`,
/// also under a registry prefix like `ghcr.io/getsentry/snuba`).
pub fn first_party(image: &str) -> Option<(&'static str, &'static str)> {
    // Asked of every service's image: only the repository is read.
    let repo = image_repo(image);
    FIRST_PARTY
        .iter()
        .find(|(r, _)| {
            repo.strip_suffix(r)
                .is_some_and(|registry| registry.is_empty() || registry.ends_with('/'))
        })
        .map(|(r, var)| (*r, *var))
}

/// A plain unsigned integer, as Python's `int()` would read it (no sign, no spaces inside).
pub fn parse_days(s: &str) -> Result<i64, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("empty".into());
    }
    t.parse::<i64>()
        .map_err(|_| format!("`{t}` is not a whole number"))
}

/// What a service consumes, read from its command.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Consumer {
    /// A Sentry consumer (`run consumer NAME --consumer-group G` or a legacy command).
    Sentry { name: String, group: String },
    /// A Snuba storage consumer (`consumer --storage S [--consumer-group G]`).
    Snuba {
        storage: String,
        group: String,
        topic: Option<String>,
    },
}

impl Consumer {
    pub fn describe(&self) -> String {
        match self {
            Consumer::Sentry { name, group } => {
                format!("Sentry consumer `{name}` (group `{group}`)")
            }
            Consumer::Snuba {
                storage,
                group,
                topic,
            } => match topic {
                Some(t) => format!("Snuba storage `{storage}` from topic `{t}` (group `{group}`)"),
                None => format!("Snuba storage `{storage}` (group `{group}`)"),
            },
        }
    }
}

/// The consumers a service runs, from its command (empty for other services).
pub fn consumers(service: &Service) -> Vec<Consumer> {
    command_consumers(service.command())
}

/// The consumers a command runs (its words, a leading `sentry` allowed).
pub fn command_consumers(command: &[String]) -> Vec<Consumer> {
    let words = without_sentry(command);
    let word = |i: usize| words.get(i).map(String::as_str);
    match (word(0), word(1)) {
        (Some("run"), Some("consumer")) => match unified_consumer_name(words) {
            Some(name) => vec![Consumer::Sentry {
                name: name.to_string(),
                group: flag_value(words, "--consumer-group")
                    .unwrap_or("")
                    .to_string(),
            }],
            None => Vec::new(),
        },
        (Some("run"), Some("ingest-replay-recordings")) => vec![Consumer::Sentry {
            name: "ingest-replay-recordings".into(),
            group: flag_value(words, "--consumer-group")
                .unwrap_or("ingest-replay-recordings")
                .into(),
        }],
        (Some("run"), Some("ingest-consumer")) => {
            let group = flag_value(words, "--consumer-group")
                .unwrap_or("ingest-consumer")
                .to_string();
            let types: Vec<&str> = if words.iter().any(|x| x == "--all-consumer-types") {
                vec!["events", "attachments", "transactions"]
            } else {
                flag_values(words, "--consumer-type")
            };
            types
                .into_iter()
                .map(|t| Consumer::Sentry {
                    name: format!("ingest-{t}"),
                    group: group.clone(),
                })
                .collect()
        }
        _ => {
            let snuba = match word(0) {
                Some("snuba") => &words[1..],
                _ => words,
            };
            if !matches!(
                snuba.first().map(String::as_str),
                Some("consumer" | "rust-consumer")
            ) {
                return Vec::new();
            }
            match flag_value(snuba, "--storage") {
                Some(storage) => vec![Consumer::Snuba {
                    storage: storage.to_string(),
                    group: flag_value(snuba, "--consumer-group")
                        .unwrap_or("snuba-consumers")
                        .to_string(),
                    topic: flag_value(snuba, "--raw-events-topic").map(str::to_string),
                }],
                None => Vec::new(),
            }
        }
    }
}

/// What a service does, told from its image and command rather than its
/// name: operators rename services (`sentry-web` for `web`,
/// `snuba-consumer-transactions` for `snuba-transactions-consumer`), and a
/// renamed service still does the work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    /// `sentry`, `snuba`, `relay`, ... for first-party images, else the
    /// image's repository; `None` when the image cannot be told (a variable
    /// the env does not set), which matches any family.
    pub family: Option<String>,
    /// What its consumers consume (a Sentry consumer by name, a Snuba
    /// storage with its topic), sorted; the consumer group is left out:
    /// the work is done whatever the group.
    pub consumes: Vec<(bool, String, Option<String>)>,
    /// For other services: the subcommand words and the flags that choose
    /// what it works on (`--storage`, `--dataset`, `--entity`, ...).
    pub command: Vec<String>,
}

/// Flags that change what a non-consumer command works on; the others
/// (batch sizes, log levels, offsets) only change how.
const ROLE_FLAGS: &[&str] = &[
    "--storage",
    "--dataset",
    "--entity",
    "--entities",
    "--topic",
];

impl Role {
    /// Whether a service in this role does the work of `other`.
    pub fn does(&self, other: &Role) -> bool {
        let families = match (&self.family, &other.family) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        families
            && if other.consumes.is_empty() {
                !other.command.is_empty() && self.command == other.command
            } else {
                other.consumes.iter().all(|c| self.consumes.contains(c))
            }
    }
}

/// The family of an image reference (interpolated when it can be).
pub fn image_family(install: &Install, image: &str) -> Option<String> {
    let text = install.expand(image);
    if text.contains('$') || text.trim().is_empty() {
        return None;
    }
    // Upstream builds its Sentry image locally from `SENTRY_IMAGE`.
    if text.starts_with("sentry-self-hosted") {
        return Some("sentry".into());
    }
    let repo = image_repo(&text);
    Some(match first_party(&text) {
        Some((r, _)) => r.trim_start_matches("getsentry/").to_string(),
        None => repo.rsplit('/').next().unwrap_or(repo).to_string(),
    })
}

/// The role of a command run from an image.
pub fn command_role(family: Option<String>, command: &[String]) -> Role {
    let mut consumes: Vec<_> = command_consumers(command)
        .into_iter()
        .map(|c| match c {
            Consumer::Sentry { name, .. } => (true, name, None),
            Consumer::Snuba { storage, topic, .. } => (false, storage, topic),
        })
        .collect();
    consumes.sort();
    consumes.dedup();
    let mut words: Vec<String> = without_sentry(command)
        .iter()
        .skip_while(|w| w.as_str() == "snuba")
        .take_while(|w| !w.starts_with('-'))
        .cloned()
        .collect();
    if consumes.is_empty() {
        for flag in ROLE_FLAGS {
            for v in flag_values(command, flag) {
                words.push(format!("{flag}={v}"));
            }
        }
    }
    Role {
        family,
        command: if consumes.is_empty() {
            words
        } else {
            Vec::new()
        },
        consumes,
    }
}

/// What `service` runs.
pub fn role(install: &Install, service: &Service) -> Role {
    let family = service.image().and_then(|i| image_family(install, i));
    command_role(family, service.command())
}

/// What the release's `name` service runs (one role per side of the view
/// when they differ).
pub fn canonical_roles(install: &Install, view: &ReleaseView, name: &str) -> Vec<Role> {
    let mut roles: Vec<Role> = Vec::new();
    for c in view.canonical_services(name) {
        let r = command_role(
            c.image().and_then(|i| image_family(install, i)),
            c.command(),
        );
        if !roles.contains(&r) {
            roles.push(r);
        }
    }
    roles
}

/// Services of the install reach `name` by its name: `depends_on`, or a URL
/// such as `SNUBA: http://snuba-api:1218`. Such a service cannot run under
/// another name.
pub fn addressed_by_name(compose: &crate::model::compose::Compose, name: &str) -> bool {
    let url = format!("//{name}:");
    compose.services.iter().any(|s| {
        s.get("depends_on")
            .is_some_and(|d| d.keyed().iter().any(|k| k.key == name))
            || s.get("environment").is_some_and(|e| {
                e.keyed()
                    .iter()
                    .any(|k| k.value.is_some_and(|v| v.contains(&url)))
            })
    })
}

/// The upstream cleanup cron a command runs, whatever its service is
/// called: `sentry-cleanup`, `symbolicator-cleanup` or `vroom-cleanup`.
pub fn cleanup_cron(command: &str) -> Option<&'static str> {
    if command.contains("sentry cleanup") {
        Some("sentry-cleanup")
    } else if command.contains("symbolicator cleanup") {
        Some("symbolicator-cleanup")
    } else if command.contains("sentry-profiles") && command.contains("-delete") {
        Some("vroom-cleanup")
    } else {
        None
    }
}

/// Whether the release may have a Sentry command: a service running a
/// command its image lacks does no work, whatever it names.
pub fn command_in_release(view: &ReleaseView, command: &[String]) -> bool {
    let words = without_sentry(command);
    match (
        words.first().map(String::as_str),
        words.get(1).map(String::as_str),
    ) {
        (Some("run"), Some("consumer")) => !view.cli_all(|c| !c.unified_consumer),
        (Some("run"), Some("ingest-consumer")) => !view.cli_all(|c| !c.all_consumer_types),
        (Some("run"), Some("ingest-replay-recordings")) => {
            !view.cli_all(|c| !c.ingest_replay_recordings_command)
        }
        _ => true,
    }
}

/// The running service of the install (other than `name` itself) that
/// does the work the release's `name` does, if any.
pub fn runs_elsewhere<'c>(ctx: &Ctx<'c>, view: &ReleaseView, name: &str) -> Option<&'c Service> {
    does_work_of(ctx, view, name, name)
}

/// The running service of the install, other than the one called `except`,
/// that does the work the release's `name` does, if any.
pub fn does_work_of<'c>(
    ctx: &Ctx<'c>,
    view: &ReleaseView,
    name: &str,
    except: &str,
) -> Option<&'c Service> {
    let wanted = canonical_roles(ctx.install, view, name);
    ctx.compose()?
        .services
        .iter()
        .filter(|s| s.name != except && ctx.disabled(s).is_none())
        .filter(|s| command_in_release(view, s.command()))
        .find(|s| {
            let r = role(ctx.install, s);
            wanted.iter().any(|w| r.does(w))
        })
}

/// Deletes service `svc` from the one compose file that defines it. `None`
/// when it is written in both files or another service depends on it.
pub fn remove_service(ctx: &Ctx, svc: &Service) -> Option<Edit> {
    let [(file, _)] = svc.written.as_slice() else {
        return None;
    };
    let depended_on = ctx.compose()?.services.iter().any(|t| {
        t.name != svc.name
            && t.get("depends_on")
                .is_some_and(|d| d.keyed().iter().any(|k| k.key == svc.name))
    });
    if depended_on {
        return None;
    }
    let (_, doc) = ctx.install.compose_docs.iter().find(|(f, _)| f == file)?;
    let services = doc.get(doc.root?, "services")?.value;
    let pair = doc.get(services, &svc.name)?;
    Some(yaml_ops::remove_entry(
        *file,
        ctx.install.file(*file),
        doc,
        pair,
    ))
}

/// The canonical entry at `path` when both sides of the view agree on it.
pub fn canonical_entry<'k>(view: &ReleaseView<'k>, path: &[&str]) -> Option<&'k CNode> {
    let a = view.lower.entry_at(path)?;
    let b = view.upper.entry_at(path)?;
    (a == b).then_some(a)
}

/// How the release renders a service, for messages: `name:` and its lines.
pub fn service_snippet(entry: &CNode) -> String {
    let mut out = String::new();
    entry.render(2, 2, "\n", &mut out);
    out.trim_end().to_string()
}

/// Inserts the release's definition of `name` into docker-compose.yml next
/// to the services upstream puts around it. `None` when the release
/// definition is not certain, the file lacks a `services:` mapping, or the
/// definition aliases an anchor the file does not define.
pub fn insert_service_edit(ctx: &Ctx, name: &str) -> Option<Edit> {
    let view = ctx.view()?;
    let entry = canonical_entry(&view, &["services", name])?;
    let (file, doc) = ctx.compose_file()?;
    let services = doc.get(doc.root?, "services")?.value;
    if !yaml_ops::missing_anchors(entry, doc).is_empty() {
        return None;
    }
    let order: &[&str] = &view.upper.services;
    let idx = order.iter().position(|n| *n == name)?;
    let after: Vec<&str> = order[..idx].iter().rev().copied().collect();
    let before: &[&str] = &order[idx + 1..];
    yaml_ops::insert_entry(
        file,
        ctx.install.file(file),
        doc,
        services,
        &after,
        before,
        entry,
    )
}

/// The span of the `services:` key in docker-compose.yml (where findings
/// about a missing service point).
pub fn services_key(ctx: &Ctx) -> Option<(crate::model::FileId, crate::source::Span)> {
    let (file, doc) = ctx.compose_file()?;
    let pair = doc.get(doc.root?, "services")?;
    Some((file, doc.node(pair.key).span))
}

/// The mapping entry of a compose file whose value is the node `at` points
/// to (where the value is written, which may be inside an anchor).
pub fn compose_pair<'i>(
    ctx: &Ctx<'i>,
    at: Origin,
) -> Option<(crate::model::FileId, &'i YamlDoc, Pair)> {
    let (file, doc) = ctx
        .install
        .compose_docs
        .iter()
        .find(|(f, _)| *f == at.file)?;
    let (_, pair) = block_pair(doc, |p| p.value == at.node)?;
    Some((*file, doc, pair))
}

/// The first entry of a block mapping of `doc` that `f` accepts, with the
/// mapping's node.
pub fn block_pair(doc: &YamlDoc, f: impl Fn(&Pair) -> bool) -> Option<(NodeId, Pair)> {
    doc.nodes
        .iter()
        .enumerate()
        .find_map(|(i, n)| match &n.kind {
            NodeKind::Map { pairs, flow: false } => {
                pairs.iter().find(|p| f(p)).map(|p| (i as NodeId, *p))
            }
            _ => None,
        })
}

/// Replaces the compose value written at `at` with `yaml` (the text that
/// follows `key: `), in the file's own layout, keeping a trailing comment.
pub fn replace_compose_value(ctx: &Ctx, at: Origin, yaml: &str) -> Option<Edit> {
    let (file, doc, pair) = compose_pair(ctx, at)?;
    let key = doc.scalar(pair.key)?;
    let entry = crate::kb::tree::parse_entry(&format!("{key}: {yaml}\n")).ok()?;
    Some(yaml_ops::replace_value(
        file,
        ctx.install.file(file),
        doc,
        pair,
        &entry,
    ))
}

/// `text` as a YAML scalar in the same quoting as `written` (how the
/// value it replaces is written).
pub fn quoted_like(written: &str, text: &str) -> String {
    match written.as_bytes().first() {
        Some(b'"') => format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\"")),
        Some(b'\'') => format!("'{}'", text.replace('\'', "''")),
        _ => text.to_string(),
    }
}

/// Where a Sentry-built image is set: a `*_IMAGE` entry of the env file
/// compose reads, or an `image:` written in compose.
pub enum ImageAt<'i> {
    Env {
        file: crate::model::FileId,
        entry: &'i EnvEntry,
    },
    /// The value as written (inside an anchor when services share it), and
    /// the services that use it.
    Compose {
        at: Origin,
        raw: &'i str,
        services: Vec<&'i Service>,
    },
}

/// One definition of a first-party image.
pub struct ImageSite<'i> {
    /// `getsentry/snuba`.
    pub repo: &'static str,
    /// `SNUBA_IMAGE`: the `.env` variable upstream pins it with.
    pub var: &'static str,
    /// The reference after interpolation.
    pub image: String,
    /// The release tag; a `TAG@sha256:...` reference counts by its tag.
    pub tag: Tag,
    /// The reference carries a digest.
    pub digest: bool,
    pub at: ImageAt<'i>,
}

impl ImageSite<'_> {
    /// The file and span of the value.
    pub fn location(&self) -> (crate::model::FileId, crate::source::Span) {
        match &self.at {
            ImageAt::Env { file, entry } => (*file, entry.value_span),
            ImageAt::Compose { at, .. } => (at.file, at.span),
        }
    }

    /// How the message names the definition: `SNUBA_IMAGE=...` or `image: ...`.
    /// A digest is shortened to 12 hex digits.
    pub fn shown(&self) -> String {
        let image = match self.image.split_once("@sha256:") {
            Some((name, hex)) if hex.len() > 12 => format!("{name}@sha256:{}…", &hex[..12]),
            _ => self.image.clone(),
        };
        match &self.at {
            ImageAt::Env { entry, .. } => format!("{}={image}", entry.key),
            ImageAt::Compose { .. } => format!("image: {image}"),
        }
    }

    /// For compose: ` (used by service `a`)` or ` (used by services `a` and 3 more)`.
    pub fn used_by(&self) -> String {
        match &self.at {
            ImageAt::Compose { services, .. } if services.len() == 1 => {
                format!(" (used by service `{}`)", services[0].name)
            }
            ImageAt::Compose { services, .. } if services.len() > 1 => format!(
                " (used by services `{}` and {} more)",
                services[0].name,
                services.len() - 1
            ),
            _ => String::new(),
        }
    }

    /// An edit writing `image` in place of the reference, in the same
    /// quoting; `None` when the value is built from other variables.
    pub fn rewrite(&self, ctx: &Ctx, image: &str) -> Option<Edit> {
        match &self.at {
            ImageAt::Env { file, entry } => (!entry.value.contains('$'))
                .then(|| crate::fix::env_ops::set_value(*file, entry, image)),
            ImageAt::Compose { at, raw, .. } => {
                if raw.contains('$') {
                    return None;
                }
                let written = ctx.install.file(at.file).slice(at.span);
                replace_compose_value(ctx, *at, &quoted_like(written, image))
            }
        }
    }

    /// The reference with its tag set to `version` (registry and repository
    /// as written); `None` when it is built from variables or pinned by digest.
    pub fn retag(&self, ctx: &Ctx, version: Version) -> Option<Edit> {
        if self.digest {
            return None;
        }
        let (repo, _) = split_image(&self.image);
        self.rewrite(ctx, &format!("{repo}:{version}"))
    }
}

/// The tag of an image reference; `repo:TAG@digest` counts by its tag when
/// that is a release. The flag says whether a digest is present.
pub fn image_tag(image: &str) -> (Tag, bool) {
    let (name, digest) = match image.split_once('@') {
        Some((n, _)) => (n, true),
        None => (image, false),
    };
    if digest && let (_, Tag::Release(v)) = split_image(name) {
        return (Tag::Release(v), true);
    }
    (split_image(image).1, digest)
}

/// Every definition of a first-party image: the `*_IMAGE` entries of the
/// env file compose reads (for variables compose uses), then the compose
/// `image:` values that are not just one of those variables, each once
/// (services sharing an anchor share its definition).
/// Computed once per install by `Ctx::first_party_images`.
pub fn first_party_images<'i>(ctx: &Ctx<'i>) -> Vec<ImageSite<'i>> {
    let mut out = Vec::new();
    let install = ctx.install;
    for &(_, var) in FIRST_PARTY {
        let (Some((file, entry)), Some(value)) = (ctx.env_entry(var), install.var(var)) else {
            continue;
        };
        if !ctx.compose_uses_variable(var) {
            continue;
        }
        if let Some((repo, _)) = first_party(value) {
            let (tag, digest) = image_tag(value);
            out.push(ImageSite {
                repo,
                var,
                image: value.to_string(),
                tag,
                digest,
                at: ImageAt::Env { file, entry },
            });
        }
    }
    let Some(compose) = ctx.compose() else {
        return out;
    };
    for svc in &compose.services {
        let Some(v) = svc.get("image") else { continue };
        let Some(raw) = v.as_str() else { continue };
        let image = if interpolate::may_change(raw) {
            let interpolated = install.interpolate(raw);
            // `"$SNUBA_IMAGE"` is defined in the env file, and judged there.
            let whole_ref = interpolated
                .refs
                .first()
                .filter(|r| r.start == 0 && r.end == raw.len());
            if whole_ref.is_some_and(|r| {
                FIRST_PARTY.iter().any(|(_, var)| *var == r.name) && install.var(&r.name).is_some()
            }) {
                continue;
            }
            std::borrow::Cow::Owned(interpolated.value)
        } else {
            std::borrow::Cow::Borrowed(raw)
        };
        let Some((repo, var)) = first_party(&image) else {
            continue;
        };
        let at = Origin {
            via: None,
            ..v.at()
        };
        if let Some(site) = out
            .iter_mut()
            .find(|s| matches!(&s.at, ImageAt::Compose { at: a, .. } if *a == at))
        {
            if let ImageAt::Compose { services, .. } = &mut site.at {
                services.push(svc);
            }
            continue;
        }
        let (tag, digest) = image_tag(&image);
        out.push(ImageSite {
            repo,
            var,
            image: image.into_owned(),
            tag,
            digest,
            at: ImageAt::Compose {
                at,
                raw,
                services: vec![svc],
            },
        });
    }
    out
}

/// Whether the release's `.env` pins `var` to the release itself on both
/// sides of the view (23.6.0 shipped `:nightly` for two of them).
pub fn tracks_release(view: &ReleaseView, var: &str) -> bool {
    [view.lower, view.upper].iter().all(|r| {
        r.env_fact(var)
            .is_some_and(|f| f.tracking_prefix().is_some())
    })
}

/// Names in backticks: `a`, `b` and `c`.
pub fn quoted_list<S: AsRef<str>>(list: &[S]) -> String {
    let quoted: Vec<String> = list.iter().map(|n| format!("`{}`", n.as_ref())).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}

/// Where findings about the install's release point: where it is read
/// (`SENTRY_IMAGE`'s value, or the compose image), else `SENTRY_IMAGE`'s
/// value, else the `services:` key, else the start of docker-compose.yml.
pub fn release_location(ctx: &Ctx) -> Option<(crate::model::FileId, crate::source::Span)> {
    use crate::model::ReleaseSource;
    match ctx.install.release.source {
        ReleaseSource::EnvImage { file, span } | ReleaseSource::ComposeImage { file, span } => {
            Some((file, span))
        }
        _ => ctx
            .env_entry("SENTRY_IMAGE")
            .map(|(file, e)| (file, e.value_span)),
    }
    .or_else(|| services_key(ctx))
    .or_else(|| {
        ctx.compose_file()
            .map(|(file, _)| (file, crate::source::Span::empty(0)))
    })
}

/// Every scalar value of the compose files that compose interpolates, base
/// file first, in file order: each YAML node once (aliases are not followed,
/// so a value an anchor shares is seen once), mapping keys left out.
pub fn compose_value_scalars(install: &Install) -> Vec<(Origin, &str)> {
    let mut out = Vec::new();
    for (file, doc) in &install.compose_docs {
        let mut is_key = vec![false; doc.nodes.len()];
        for node in &doc.nodes {
            if let NodeKind::Map { pairs, .. } = &node.kind {
                for p in pairs {
                    is_key[p.key as usize] = true;
                }
            }
        }
        let mut here: Vec<(Origin, &str)> = doc
            .nodes
            .iter()
            .enumerate()
            .filter_map(|(i, node)| {
                let id = i as NodeId;
                match &node.kind {
                    NodeKind::Scalar { value, .. } if !is_key[i] => Some((
                        Origin {
                            file: *file,
                            node: id,
                            span: node.span,
                            via: None,
                        },
                        value.as_str(),
                    )),
                    _ => None,
                }
            })
            .collect();
        here.sort_by_key(|(at, _)| at.span.start);
        out.extend(here);
    }
    out
}

/// The `$VAR` references of the compose files that compose always evaluates
/// (not those nested in another reference's default), in file order, with
/// the text of the value holding each.
pub fn compose_var_refs<'i>(scalars: &[(Origin, &'i str)]) -> Vec<(Origin, &'i str, VarRef)> {
    let mut out = Vec::new();
    for &(at, text) in scalars {
        if !text.contains('$') {
            continue;
        }
        let refs = interpolate::references(text);
        for r in &refs {
            let nested = refs
                .iter()
                .any(|o| o.start < r.start && r.end <= o.end && o != r);
            if !nested {
                out.push((at, text, r.clone()));
            }
        }
    }
    out
}

/// Where bytes `start..end` of a scalar's decoded text are written, or the
/// whole scalar when it is escaped or folded (offsets do not map then).
pub fn scalar_span(install: &Install, at: Origin, start: usize, end: usize) -> Span {
    match install.scalar_offset(at, start) {
        Some(s) => Span::new(s.start as usize, s.start as usize + (end - start)),
        None => at.span,
    }
}

/// Where `literal`, at byte `start` of a scalar's decoded text, is written
/// in the file: only when the scalar maps 1:1 there and is written in the
/// service itself (an edit there must not change other services through a
/// shared anchor).
pub fn written_span(install: &Install, at: Origin, start: usize, literal: &str) -> Option<Span> {
    if at.via.is_some() {
        return None;
    }
    let span = scalar_span(install, at, start, start + literal.len());
    (install.file(at.file).slice(span) == literal).then_some(span)
}

/// Variable names compose takes from the env file: interpolated anywhere in
/// the compose files (`$VAR`, `${VAR:-x}`, also inside defaults), or passed
/// through to a container by name (`environment: [VAR]` or `VAR:`, and
/// `build: {args: [VAR]}`). Rules ask through `Ctx::compose_uses_variable`,
/// which computes this once per install.
pub fn compose_env_names(ctx: &Ctx) -> HashSet<String> {
    let install = ctx.install;
    let mut names: HashSet<String> = ctx
        .compose_scalars()
        .iter()
        .filter(|(_, text)| text.contains('$'))
        .flat_map(|(_, text)| interpolate::references(text))
        .map(|r| r.name)
        .collect();
    if let Some(compose) = &install.compose {
        for svc in &compose.services {
            for path in [&["environment"][..], &["build", "args"][..]] {
                if let Some(v) = svc.body.path(path) {
                    names.extend(
                        v.keyed()
                            .into_iter()
                            .filter(|k| k.value.is_none())
                            .map(|k| k.key.to_string()),
                    );
                }
            }
        }
    }
    names
}

/// True when some service loads `.env` or `.env.custom` with `env_file:`.
pub fn env_file_loaded_by_a_service(install: &Install) -> bool {
    install
        .compose
        .as_ref()
        .is_some_and(|c| c.services.iter().any(loads_env_file))
}

/// True when the service loads `.env` or `.env.custom` with `env_file:`, so
/// every key of it reaches its container.
pub fn loads_env_file(svc: &Service) -> bool {
    env_file_paths(svc).unwrap_or_default().iter().any(|p| {
        let name = p.rsplit('/').next().unwrap_or(p);
        name == ".env" || name == ".env.custom"
    })
}

/// The files a service's `env_file:` names (a path, or a list of paths and
/// `{path: ...}` items); empty without `env_file:`, `None` for a form not
/// read (a mapping).
pub fn env_file_paths(svc: &Service) -> Option<Vec<&str>> {
    Some(match svc.get("env_file") {
        None => Vec::new(),
        Some(Value::Scalar(s)) => vec![s.text.as_str()],
        Some(Value::Seq { items, .. }) => items
            .iter()
            .filter_map(|i| i.as_str().or_else(|| i.get("path").and_then(Value::as_str)))
            .collect(),
        Some(Value::Map { .. }) => return None,
    })
}

/// The service that runs Sentry consumer `name` in the release, and its
/// command, when both sides of the view agree on them.
pub fn canonical_consumer(view: &ReleaseView, name: &str) -> Option<(String, String)> {
    let find = |r: &crate::kb::Release| {
        r.canonical_services().iter().find_map(|s| {
            command_consumers(s.command())
                .iter()
                .any(|c| matches!(c, Consumer::Sentry { name: n, .. } if n == name))
                .then(|| (s.name.to_string(), s.command().join(" ")))
        })
    };
    let lower = find(view.lower)?;
    (find(view.upper)? == lower).then_some(lower)
}

/// The one retention knob: `.env` sets it, compose passes it to Sentry and
/// Snuba and interpolates it into the cleanup crons.
pub const RETENTION_KEY: &str = "SENTRY_EVENT_RETENTION_DAYS";

/// The Sentry option sentry.conf.py sets from [`RETENTION_KEY`].
pub const RETENTION_OPTION: &str = "system.event-retention-days";

/// Days written as a literal in sentry.conf.py: `90` or `"90"`.
pub fn literal_days(e: &crate::parse::pyconf::Expr) -> Option<i64> {
    match &e.kind {
        crate::parse::pyconf::ExprKind::Int(n) => Some(*n),
        crate::parse::pyconf::ExprKind::Str(s) => parse_days(s).ok(),
        _ => None,
    }
}

/// `SENTRY_EVENT_RETENTION_DAYS` from the env file compose reads, when it is
/// a positive whole number: the days, the file and the entry that sets it.
pub fn retention_days<'a>(
    ctx: &Ctx<'a>,
) -> Option<(i64, crate::model::FileId, &'a crate::parse::env::EnvEntry)> {
    let (file, entry) = ctx.env_entry(RETENTION_KEY)?;
    let value = ctx.install.var(RETENTION_KEY).unwrap_or(&entry.value);
    let days = parse_days(value).ok().filter(|d| *d > 0)?;
    Some((days, file, entry))
}

/// Names in backticks for a message: "`a`, `b` and `c`", or the first
/// `max` and how many more.
pub fn name_list(names: &[&str], max: usize) -> String {
    let shown: Vec<String> = names.iter().take(max).map(|n| format!("`{n}`")).collect();
    match (names.len(), shown.split_last()) {
        (_, None) => String::new(),
        (n, Some((last, rest))) if n <= max => {
            if rest.is_empty() {
                last.clone()
            } else {
                format!("{} and {last}", rest.join(", "))
            }
        }
        (n, _) => format!("{} and {} more", shown.join(", "), n - max),
    }
}

/// A finding that service `name` of the release is missing, at the
/// `services:` key, with the release's definition in the help and a safe fix
/// that inserts it (when it can be inserted).
pub fn missing_service(
    ctx: &Ctx,
    rule: &crate::rules::Rule,
    name: &str,
    message: String,
    why: &str,
) -> Option<crate::diagnostic::Diagnostic> {
    if !ctx.follows_upstream_layout() {
        return None;
    }
    let (file, span) = services_key(ctx)?;
    let help = match ctx
        .view()
        .and_then(|v| canonical_entry(&v, &["services", name]))
    {
        Some(entry) => format!(
            "{why} Add it as upstream defines it:\n{}",
            service_snippet(entry)
        ),
        None => format!("{why} Add it as the release's docker-compose.yml defines it."),
    };
    let fix = insert_service_edit(ctx, name)
        .map(|e| crate::fix::Fix::safe(format!("Add the `{name}` service"), vec![e]));
    Some(ctx.diag(rule, file, span, message, help).with_fix(fix))
}

/// See [`Ctx::follows_upstream_layout`].
pub fn follows_upstream_layout(ctx: &Ctx) -> bool {
    let (Some(view), Some(compose)) = (ctx.view(), ctx.compose()) else {
        return false;
    };
    // Upstream builds its own Sentry image as `sentry-self-hosted-local`:
    // a fork keeps that however many services it has dropped.
    let builds_upstreams_image = compose.services.iter().any(|s| {
        s.image()
            .is_some_and(|i| ctx.install.expand(i) == "sentry-self-hosted-local")
    });
    if builds_upstreams_image {
        return true;
    }
    let required = view.required_services();
    let running: Vec<Role> = compose
        .services
        .iter()
        .filter(|s| command_in_release(&view, s.command()))
        .map(|s| role(ctx.install, s))
        .collect();
    let present = required
        .iter()
        .filter(|name| {
            compose.service(name).is_some()
                || canonical_roles(ctx.install, &view, name)
                    .iter()
                    .any(|w| running.iter().any(|r| r.does(w)))
        })
        .count();
    2 * present >= required.len()
}

/// Where a Sentry option (`system.url-prefix`) is set.
#[derive(Clone, Debug)]
pub struct OptionSetting {
    pub file: crate::model::FileId,
    /// The value as written.
    pub span: crate::source::Span,
    /// The text, or `None` when it is not a literal (`env(...)`, a list).
    pub value: Option<String>,
    pub in_config_yml: bool,
}

/// A Sentry option from `sentry/config.yml`, else from
/// `SENTRY_OPTIONS["key"]` in sentry.conf.py: Sentry writes config.yml's
/// options over SENTRY_OPTIONS after the settings module loads.
pub fn sentry_option(ctx: &Ctx, key: &str) -> Option<OptionSetting> {
    if let Some((file, _, value)) = ctx.config_option(key)
        && let Some((_, doc)) = ctx.config_yml()
    {
        let text = if doc.is_null(value) {
            Some(String::new())
        } else {
            doc.scalar(value).map(str::to_string)
        };
        return Some(OptionSetting {
            file,
            span: doc.node(value).span,
            value: text,
            in_config_yml: true,
        });
    }
    let (file, conf) = ctx.pyconf()?;
    let a = conf.item("SENTRY_OPTIONS", key)?;
    Some(OptionSetting {
        file,
        span: a.value.span,
        value: a.value.as_str().map(str::to_string),
        in_config_yml: false,
    })
}

/// `scheme://host[:port]/rest` split up; `None` without `scheme://`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Url<'s> {
    pub scheme: &'s str,
    pub host: &'s str,
    pub port: Option<&'s str>,
    /// Path, query and fragment (empty or starting with `/`, `?` or `#`).
    pub rest: &'s str,
}

pub fn parse_url(s: &str) -> Option<Url<'_>> {
    let (scheme, after) = s.split_once("://")?;
    let valid_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !valid_scheme {
        return None;
    }
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !p.contains(']') => (h, Some(p)),
        _ => (authority, None),
    };
    Some(Url {
        scheme,
        host,
        port,
        rest,
    })
}

impl Url<'_> {
    /// `scheme://host[:port]` in lower case, without the scheme's default port.
    pub fn origin(&self) -> String {
        let scheme = self.scheme.to_ascii_lowercase();
        let port = match (scheme.as_str(), self.port) {
            ("http", Some("80")) | ("https", Some("443")) | (_, None) => String::new(),
            (_, Some(p)) => format!(":{p}"),
        };
        format!("{scheme}://{}{port}", self.host.to_ascii_lowercase())
    }
}

/// True when `value` is what a guide writes where the reader's own value
/// goes: `your_secret_key`, `your-password-here`, `replace-me`,
/// `insert_token_here`, `<client secret>`.
pub fn is_placeholder(value: &str) -> bool {
    let lower = value.trim().to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let (Some(first), Some(last)) = (words.first(), words.last()) else {
        return false;
    };
    (lower.starts_with('<') && lower.ends_with('>'))
        || lower.starts_with("your")
        || ["replace", "insert", "enter", "replaceme"].contains(first)
        || (words.len() > 1 && *last == "here")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("NUBA_IMAGE", ["SNUBA_IMAGE", "SENTRY_IMAGE"]),
            Some("SNUBA_IMAGE")
        );
        assert_eq!(
            did_you_mean(
                "SENTRY_REPLAYS_RETENTION_DAYS",
                ["SENTRY_EVENT_RETENTION_DAYS"]
            ),
            None
        );
        assert_eq!(did_you_mean("x", ["y"]), Some("y"));
        assert_eq!(edit_distance("ab", "ba"), 1);
    }

    #[test]
    fn flags_read_like_click() {
        let w: Vec<String> = "run consumer --no-strict-offset-reset ingest-profiles --consumer-group ingest-profiles"
            .split(' ')
            .map(String::from)
            .collect();
        assert_eq!(unified_consumer_name(&w), Some("ingest-profiles"));
        assert_eq!(flag_value(&w, "--consumer-group"), Some("ingest-profiles"));
        let w: Vec<String> = [
            "run",
            "ingest-consumer",
            "--consumer-type=events",
            "--consumer-type",
            "replays",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(flag_values(&w, "--consumer-type"), ["events", "replays"]);
    }
}
