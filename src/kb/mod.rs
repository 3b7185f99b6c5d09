//! The knowledge base: what each self-hosted release looks like, built from
//! the data files in `migrations/releases/` (embedded at compile time). The
//! first file describes 23.4.0 in full; each later one lists what changed.

pub mod facts;
pub mod fold;
pub mod import;
pub mod tree;
pub mod version;

use std::sync::{LazyLock, OnceLock};

use crate::model::compose::{self, Compose, ComposeSources};
use crate::parse::yaml::{self, YamlDoc};
pub use fold::CliFacts;
use tree::CNode;
use version::Version;

/// A release as the build script writes it (see build.rs).
struct ReleaseData {
    version: Version,
    date: Option<&'static str>,
    hard_stop: bool,
    avoid: Option<&'static str>,
    notes: &'static [&'static str],
    env_custom_layers: bool,
    cache_backend_required: bool,
    /// The canonical docker-compose.yml.
    compose: &'static str,
    taskbroker_config: Option<&'static str>,
    env: &'static [EnvFact],
    features: &'static [&'static str],
    settings: &'static [SettingFact],
    cache_backend: &'static str,
    cache_options: &'static [&'static str],
    cache_options_python: Option<&'static str>,
    config_values: &'static [(&'static str, &'static str)],
    cli: CliFacts,
    renames: &'static [Rename],
    /// Fingerprints of the `x-*` blocks, services and volumes, by path.
    entries: &'static [(&'static str, u64)],
    /// The canonical compose file's services as rules read them (see `facts`).
    services: &'static [ServiceData],
}

struct ServiceData {
    name: &'static str,
    image: Option<&'static str>,
    command: &'static [&'static str],
    environment: &'static [(&'static str, Option<&'static str>)],
    profiles: Option<&'static [&'static str]>,
    depends_on: &'static [&'static str],
    /// The service's entry in the canonical compose file, rendered alone.
    entry: &'static str,
}

/// A key of the release's `.env`.
#[derive(Debug, PartialEq, Eq)]
pub struct EnvFact {
    pub key: &'static str,
    /// The value at this release.
    pub value: &'static str,
    /// The value as the data file writes it; `{version}` marks release-tracking values.
    pub template: &'static str,
    /// Comment lines written above the key (each ending in `\n`).
    pub comment: &'static str,
}

impl EnvFact {
    /// For `getsentry/sentry:{version}`: the part before the version.
    pub fn tracking_prefix(&self) -> Option<&'static str> {
        self.template.strip_suffix("{version}")
    }
}

/// A setting the release's `sentry.conf.example.py` has.
#[derive(Debug, PartialEq, Eq)]
pub struct SettingFact {
    /// `NAME` or `BASE["key"]`.
    pub name: &'static str,
    /// The expected string value, when it is one.
    pub value: Option<&'static str>,
    /// The statement as the example writes it, to insert when missing
    /// (empty: never inserted, only `replaces` is acted on).
    pub python: &'static str,
    /// The setting whose statement it goes after (else the end of the file).
    pub after: Option<&'static str>,
    /// Earlier examples' values of the setting, which a step moves to `value`.
    pub replaces: &'static [&'static str],
}

impl SettingFact {
    /// `DATABASES["default"]["HOST"]` as `DATABASES` and `["default", "HOST"]`.
    pub fn path(&self) -> (&'static str, Vec<&'static str>) {
        let (base, rest) = self.name.split_once('[').unwrap_or((self.name, ""));
        let keys = rest
            .split("][")
            .map(|k| k.trim_end_matches(']').trim_matches(['"', '\'']))
            .filter(|k| !k.is_empty())
            .collect();
        (base, keys)
    }
}

/// A service renamed or split in a release.
#[derive(Debug, PartialEq, Eq)]
pub struct Rename {
    pub from: &'static str,
    pub to: &'static [&'static str],
}

include!(concat!(env!("OUT_DIR"), "/release_data.rs"));

/// Separates the keys of a path in `PATH_FINGERPRINTS`.
pub const PATH_SEP: char = '\u{1f}';

/// The fingerprints upstream's values at `path` (keys joined by
/// `PATH_SEP`) had over all releases; empty when no release had the path.
pub fn path_fingerprints(path: &str) -> &'static [u64] {
    PATH_FINGERPRINTS
        .binary_search_by(|(p, _)| (*p).cmp(path))
        .map(|i| PATH_FINGERPRINTS[i].1)
        .unwrap_or(&[])
}

/// Every value upstream's files ever gave a key (a service's environment,
/// `.env`, config.example.yml), as (key, value), sorted.
pub fn published_values() -> &'static [(&'static str, &'static str)] {
    PUBLISHED_VALUES
}

/// A service of the release's canonical compose file, as the rules read it
/// (anchors and merges resolved; see `facts`).
#[derive(Debug)]
pub struct CanonicalService {
    pub name: &'static str,
    /// `image` when it is a scalar.
    pub image: Option<&'static str>,
    /// `command` as words (empty when unset).
    pub command: Vec<String>,
    /// `environment` entries in order: key, and value (`None` when passed through).
    pub environment: &'static [(&'static str, Option<&'static str>)],
    /// The scalar items of `profiles`; `None` when the key is absent.
    pub profiles: Option<&'static [&'static str]>,
    /// The keys of `depends_on`.
    pub depends_on: &'static [&'static str],
}

impl CanonicalService {
    pub fn image(&self) -> Option<&'static str> {
        self.image
    }

    pub fn command(&self) -> &[String] {
        &self.command
    }

    /// The scalar items of `profiles` (empty when unset).
    pub fn profiles(&self) -> &'static [&'static str] {
        self.profiles.unwrap_or_default()
    }

    /// `environment` has `key` (with or without a value).
    pub fn has_env(&self, key: &str) -> bool {
        self.environment.iter().any(|(k, _)| *k == key)
    }
}

/// The release's compose file as sentrylint would write it, parsed.
pub struct Canonical {
    pub text: String,
    pub doc: YamlDoc,
    pub compose: Compose,
}

pub struct Release {
    pub version: Version,
    pub date: Option<&'static str>,
    pub hard_stop: bool,
    /// The docs say not to deploy this release, and why.
    pub avoid: Option<&'static str>,
    /// Manual actions and news for an upgrade to this release.
    pub notes: &'static [&'static str],
    /// Compose reads `.env` and then `.env.custom` over it (else
    /// `.env.custom` replaces `.env`).
    pub env_custom_layers: bool,
    /// install.sh (check-memcached-backend.sh) refuses memcached backends
    /// other than the example's.
    pub cache_backend_required: bool,
    /// The canonical docker-compose.yml, as sentrylint would write it.
    pub compose_text: &'static str,
    /// `taskbroker/config.yml` as upstream tracks it (from 26.6.0; compose
    /// binds its folder into the taskbroker service).
    pub taskbroker_config: Option<&'static str>,
    /// Services of the canonical compose file, in its order.
    pub services: Vec<&'static str>,
    /// Fingerprints of the `x-*` blocks, services and volumes, by path.
    pub entries: &'static [(&'static str, u64)],
    pub env: &'static [EnvFact],
    /// Flags the example enables, in the example's order.
    pub features: &'static [&'static str],
    pub settings: &'static [SettingFact],
    pub cache_backend: &'static str,
    pub cache_options: &'static [&'static str],
    /// The OPTIONS dict as the example writes it.
    pub cache_options_python: Option<&'static str>,
    /// `sentry/config.example.yml`'s scalars: dotted path, value.
    pub config_values: &'static [(&'static str, &'static str)],
    pub cli: CliFacts,
    /// Services renamed or split in this release.
    pub renames: &'static [Rename],
    service_data: &'static [ServiceData],
    /// Each service's entry as a tree, parsed on first use.
    service_entries: Vec<OnceLock<CNode>>,
    tree: OnceLock<CNode>,
    canonical_services: OnceLock<Vec<CanonicalService>>,
    canonical: OnceLock<Canonical>,
}

impl std::fmt::Debug for Release {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Release({})", self.version)
    }
}

impl Release {
    fn from_data(d: &'static ReleaseData) -> Release {
        let prefix = format!("services{PATH_SEP}");
        Release {
            version: d.version,
            date: d.date,
            hard_stop: d.hard_stop,
            avoid: d.avoid,
            notes: d.notes,
            env_custom_layers: d.env_custom_layers,
            cache_backend_required: d.cache_backend_required,
            compose_text: d.compose,
            taskbroker_config: d.taskbroker_config,
            services: d
                .entries
                .iter()
                .filter_map(|(p, _)| p.strip_prefix(prefix.as_str()))
                .collect(),
            entries: d.entries,
            env: d.env,
            features: d.features,
            settings: d.settings,
            cache_backend: d.cache_backend,
            cache_options: d.cache_options,
            cache_options_python: d.cache_options_python,
            config_values: d.config_values,
            cli: d.cli,
            renames: d.renames,
            service_data: d.services,
            service_entries: d.services.iter().map(|_| OnceLock::new()).collect(),
            tree: OnceLock::new(),
            canonical_services: OnceLock::new(),
            canonical: OnceLock::new(),
        }
    }

    /// The canonical compose file as a tree of entries (parsed on first use).
    pub fn compose(&self) -> &CNode {
        self.tree.get_or_init(|| {
            // The build script parsed this text already; it cannot fail here.
            tree::parse_document(self.compose_text)
                .unwrap_or_else(|e| panic!("knowledge base {}: {e}", self.version))
        })
    }

    /// The services of the canonical compose file, in its order, from the
    /// facts the build script folded (no YAML is parsed).
    pub fn canonical_services(&self) -> &[CanonicalService] {
        self.canonical_services.get_or_init(|| {
            self.service_data
                .iter()
                .map(|d| CanonicalService {
                    name: d.name,
                    image: d.image,
                    command: d.command.iter().map(|w| w.to_string()).collect(),
                    environment: d.environment,
                    profiles: d.profiles,
                    depends_on: d.depends_on,
                })
                .collect()
        })
    }

    /// A service of the canonical compose file.
    pub fn canonical_service(&self, name: &str) -> Option<&CanonicalService> {
        self.canonical_services().iter().find(|s| s.name == name)
    }

    /// The canonical entry at `path`. A service's entry is parsed alone, so
    /// asking for one service does not parse the whole file.
    pub fn entry_at(&self, path: &[&str]) -> Option<&CNode> {
        let ["services", name, rest @ ..] = path else {
            return self.compose().at(path);
        };
        let i = self.service_data.iter().position(|d| d.name == *name)?;
        let entry = self.service_entries[i].get_or_init(|| {
            // The build script rendered this entry from the folded tree.
            tree::parse_entry(self.service_data[i].entry)
                .unwrap_or_else(|e| panic!("knowledge base {}: {e}", self.version))
        });
        entry.at(rest)
    }

    /// The compose model of a pristine install of this release (parsed on
    /// first use; most checks read `canonical_services` instead, and only
    /// SL305's fix and tests need the whole model).
    pub fn canonical(&self) -> &Canonical {
        self.canonical.get_or_init(|| {
            let text = self.compose_text.to_string();
            // The build script parsed this text already; it cannot fail here.
            let doc = yaml::parse(&text, yaml::Options::default())
                .unwrap_or_else(|e| panic!("knowledge base {}: {}", self.version, e.message));
            let compose = compose::build(&ComposeSources {
                base: (0, &doc),
                overrides: Vec::new(),
            })
            .unwrap_or_else(|e| panic!("knowledge base {}: {}", self.version, e.message));
            Canonical { text, doc, compose }
        })
    }

    pub fn has_service(&self, name: &str) -> bool {
        self.services.contains(&name)
    }

    pub fn env_fact(&self, key: &str) -> Option<&EnvFact> {
        self.env.iter().find(|e| e.key == key)
    }

    pub fn setting(&self, name: &str) -> Option<&SettingFact> {
        self.settings.iter().find(|s| s.name == name)
    }

    /// The value `sentry/config.example.yml` gives the dotted `path`.
    pub fn config_example_value(&self, path: &str) -> Option<&'static str> {
        self.config_values
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, v)| *v)
    }

    /// The `.env` file of a pristine install.
    pub fn env_text(&self) -> String {
        let mut out = String::new();
        for e in self.env {
            out.push_str(e.comment);
            out.push_str(&format!("{}={}\n", e.key, e.value));
        }
        out
    }
}

pub struct Kb {
    /// Every release, oldest first.
    pub releases: Vec<Release>,
}

static KB: LazyLock<Kb> = LazyLock::new(Kb::load);

impl Kb {
    pub fn get() -> &'static Kb {
        &KB
    }

    /// The releases from the data the build script folded.
    pub fn load() -> Kb {
        Kb {
            releases: RELEASE_DATA.iter().map(Release::from_data).collect(),
        }
    }

    pub fn release(&self, v: Version) -> Option<&Release> {
        self.releases.iter().find(|r| r.version == v)
    }

    pub fn first(&self) -> &Release {
        &self.releases[0]
    }

    pub fn last(&self) -> &Release {
        &self.releases[self.releases.len() - 1]
    }

    /// Why `v` cannot be a target release: it lies outside the releases
    /// this knowledge base knows, so nothing could be checked against it.
    pub fn target_problem(&self, v: Version) -> Option<String> {
        self.view(v).is_none().then(|| {
            format!(
                "sentrylint knows Sentry {} to {}; {v} is outside them, so nothing can be checked against it",
                self.first().version,
                self.last().version
            )
        })
    }

    /// How to judge an install of release `v`: by its own facts, or, for a
    /// release the knowledge base lacks, by the known releases on both sides.
    pub fn view(&self, v: Version) -> Option<ReleaseView<'_>> {
        if let Some(r) = self.release(v) {
            return Some(ReleaseView {
                version: v,
                lower: r,
                upper: r,
            });
        }
        let lower = self.releases.iter().rev().find(|r| r.version < v)?;
        let upper = self.releases.iter().find(|r| r.version > v)?;
        Some(ReleaseView {
            version: v,
            lower,
            upper,
        })
    }

    /// Every release a service name has existed in.
    pub fn service_releases(&self, name: &str) -> impl Iterator<Item = &Release> {
        self.releases.iter().filter(move |r| r.has_service(name))
    }

    /// The rename that replaced `service`, if any.
    pub fn renamed(&self, service: &str) -> Option<(&Release, &Rename)> {
        self.releases
            .iter()
            .find_map(|r| r.renames.iter().find(|x| x.from == service).map(|x| (r, x)))
    }
}

/// The facts an install of one release is judged by. For a release the
/// knowledge base has, `lower` and `upper` are the same; otherwise they are
/// the nearest known releases on each side, and a fact counts only when it
/// holds on both.
#[derive(Clone, Copy, Debug)]
pub struct ReleaseView<'k> {
    pub version: Version,
    pub lower: &'k Release,
    pub upper: &'k Release,
}

impl<'k> ReleaseView<'k> {
    pub fn exact(&self) -> Option<&'k Release> {
        (self.lower.version == self.version).then_some(self.lower)
    }

    fn both(&self) -> [&'k Release; 2] {
        [self.lower, self.upper]
    }

    /// The release is known exactly, or both neighbours agree it has this service.
    pub fn requires_service(&self, name: &str) -> bool {
        self.both().iter().all(|r| r.has_service(name))
    }

    /// Some neighbour has the service: it is not obsolete for this release.
    pub fn allows_service(&self, name: &str) -> bool {
        self.both().iter().any(|r| r.has_service(name))
    }

    /// The services both neighbours have, in the upper release's order.
    pub fn required_services(&self) -> Vec<&'k str> {
        self.upper
            .services
            .iter()
            .copied()
            .filter(|n| self.requires_service(n))
            .collect()
    }

    /// Canonical definitions of a service on each side (one when exact).
    pub fn canonical_services(&self, name: &str) -> Vec<&'k CanonicalService> {
        let mut out: Vec<&CanonicalService> = Vec::new();
        for r in self.both() {
            if let Some(s) = r.canonical_service(name)
                && !out.iter().any(|o| std::ptr::eq(*o, s))
            {
                out.push(s);
            }
        }
        out
    }

    /// Flags both neighbours' examples enable.
    pub fn features(&self) -> Vec<&'k str> {
        self.upper
            .features
            .iter()
            .copied()
            .filter(|f| self.lower.features.contains(f))
            .collect()
    }

    /// A setting both neighbours' examples have.
    pub fn setting(&self, name: &str) -> Option<&'k SettingFact> {
        let a = self.lower.setting(name)?;
        self.upper.setting(name).map(|_| a)
    }

    /// A CLI fact that holds on both sides.
    pub fn cli_all(&self, f: impl Fn(&CliFacts) -> bool) -> bool {
        self.both().iter().all(|r| f(&r.cli))
    }

    /// The cache backends the release accepts.
    pub fn cache_backends(&self) -> Vec<&'k str> {
        let mut v = vec![self.lower.cache_backend];
        if self.upper.cache_backend != self.lower.cache_backend {
            v.push(self.upper.cache_backend);
        }
        v
    }

    /// `.env` keys both neighbours have.
    pub fn env_keys(&self) -> Vec<&'k EnvFact> {
        self.upper
            .env
            .iter()
            .filter(|e| self.lower.env_fact(e.key).is_some())
            .collect()
    }

    pub fn describe(&self) -> String {
        match self.exact() {
            Some(r) => r.version.to_string(),
            None => format!(
                "{} (not in the knowledge base; judged by what holds in both {} and {})",
                self.version, self.lower.version, self.upper.version
            ),
        }
    }
}

#[cfg(test)]
mod tests;
