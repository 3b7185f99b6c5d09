//! One self-hosted install: its files, parsed once, and the views rules read
//! (effective compose, effective env, settings, the Sentry release).

pub mod compose;
pub mod load;
pub mod paths;
pub mod secrets;

use std::collections::HashMap;
use std::path::PathBuf;

use crate::kb::version::{Tag, Version, split_image};
use crate::parse::env::EnvFile;
use crate::parse::interpolate::{self, Interpolated};
use crate::parse::pyconf::PyConf;
use crate::parse::yaml::YamlDoc;
use crate::source::{FileKind, SourceFile, Span};
use compose::Compose;

/// Index of a file in `Install::files`.
pub type FileId = usize;

/// Variables `install.sh` exports before it runs compose; compose files use
/// them without `.env` setting them.
pub const INSTALL_SH_VARIABLES: &[&str] = &["DOCKER_PLATFORM", "CLICKHOUSE_IMAGE", "DOCKER_ARCH"];

/// Input sentrylint cannot read or parse: reported with code SL000, exit 2.
#[derive(Clone, Debug)]
pub struct Problem {
    /// The file, when it was read; otherwise `path` says which.
    pub file: Option<FileId>,
    pub path: String,
    pub span: Span,
    pub message: String,
}

/// A variable of the effective env and where it is set.
#[derive(Clone, Debug)]
pub struct EnvBinding {
    /// The value after interpolating earlier variables.
    pub value: String,
    pub file: FileId,
    /// Index into that file's entries.
    pub entry: usize,
}

/// How the install's Sentry release was told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReleaseSource {
    /// `--sentry-version` or `sentry-version` in the config file.
    Configured,
    /// `SENTRY_IMAGE` in the env file compose reads.
    EnvImage { file: FileId, span: Span },
    /// A `getsentry/sentry:TAG` image in compose.
    ComposeImage { file: FileId, span: Span },
    /// None of the above gave a release number.
    Unknown { reason: String },
}

#[derive(Clone, Debug)]
pub struct ReleaseInfo {
    pub version: Option<Version>,
    pub source: ReleaseSource,
}

#[derive(Debug)]
pub struct Install {
    /// The deployment root on disk (the folder holding docker-compose.yml).
    pub root: PathBuf,
    /// The root as shown to the user (`.` for the current folder).
    pub display_root: String,
    pub files: Vec<SourceFile>,
    /// docker-compose.yml then docker-compose.override.yml, when they parse.
    pub compose_docs: Vec<(FileId, YamlDoc)>,
    pub compose: Option<Compose>,
    pub dotenv: Option<(FileId, EnvFile)>,
    pub env_custom: Option<(FileId, EnvFile)>,
    /// Compose reads `.env` and then `.env.custom` over it (`--env-file .env
    /// --env-file .env.custom`, from 25.1.0); before, `.env.custom` replaces
    /// `.env` (see [`env_files_layer`]).
    pub env_layered: bool,
    /// Shared with other installs whose sentry.conf.py has the same text.
    pub pyconf: Option<(FileId, std::sync::Arc<PyConf>)>,
    pub config_yml: Option<(FileId, YamlDoc)>,
    /// `taskbroker/config.yml`, where upstream keeps it.
    pub taskbroker_config: Option<(FileId, YamlDoc)>,
    /// The effective env: `.env` with `.env.custom` over it when the release
    /// layers them, else `.env.custom` when it exists, else `.env`.
    pub env: HashMap<String, EnvBinding>,
    pub release: ReleaseInfo,
    pub problems: Vec<Problem>,
}

impl Install {
    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id]
    }

    pub fn file_of_kind(&self, kind: FileKind) -> Option<FileId> {
        self.files.iter().position(|f| f.kind == kind)
    }

    pub fn compose_doc(&self, kind: FileKind) -> Option<(FileId, &YamlDoc)> {
        self.compose_docs
            .iter()
            .find(|(f, _)| self.files[*f].kind == kind)
            .map(|(f, d)| (*f, d))
    }

    /// Whether every compose file of the install parsed into the effective
    /// model: only then can what compose reads be told.
    pub fn compose_complete(&self) -> bool {
        self.compose.is_some()
            && self.files.iter().enumerate().all(|(id, f)| {
                !matches!(f.kind, FileKind::Compose | FileKind::ComposeOverride)
                    || self.compose_docs.iter().any(|(d, _)| *d == id)
            })
    }

    /// The env file compose and install.sh read last (`.env.custom` when it
    /// exists): where an operator's settings go.
    pub fn env_file(&self) -> Option<(FileId, &EnvFile)> {
        self.env_custom
            .as_ref()
            .or(self.dotenv.as_ref())
            .map(|(f, e)| (*f, e))
    }

    /// Drops the parsed models, and the text of every file not in `quoted`,
    /// once the rules have run. A report needs only the files, the text it
    /// quotes and the release, and a run over a thousand installs would
    /// otherwise hold every parse tree until it prints.
    pub fn keep_for_report(&mut self, quoted: &std::collections::BTreeSet<FileId>) {
        for (id, file) in self.files.iter_mut().enumerate() {
            if !quoted.contains(&id) {
                file.forget_text();
            }
        }
        self.compose_docs = Vec::new();
        self.compose = None;
        self.dotenv = None;
        self.env_custom = None;
        self.pyconf = None;
        self.config_yml = None;
        self.taskbroker_config = None;
        self.env = HashMap::new();
    }

    /// The env file entry a binding comes from.
    pub fn env_binding_entry(&self, binding: &EnvBinding) -> Option<&crate::parse::env::EnvEntry> {
        [&self.dotenv, &self.env_custom]
            .into_iter()
            .flatten()
            .find(|(f, _)| *f == binding.file)
            .and_then(|(_, e)| e.entries.get(binding.entry))
    }

    pub fn var(&self, name: &str) -> Option<&str> {
        self.env.get(name).map(|b| b.value.as_str())
    }

    /// Interpolates compose text with the effective env.
    pub fn interpolate(&self, text: &str) -> Interpolated {
        interpolate::interpolate(text, &|name| self.var(name).map(str::to_string))
    }

    /// The value of [`Install::interpolate`]; most values have no `$` and
    /// come back as they are, without a copy.
    pub fn expand<'t>(&self, text: &'t str) -> std::borrow::Cow<'t, str> {
        if interpolate::may_change(text) {
            std::borrow::Cow::Owned(self.interpolate(text).value)
        } else {
            std::borrow::Cow::Borrowed(text)
        }
    }

    /// Where in the file a byte offset of a scalar's decoded text lies, when
    /// the scalar is written without escapes or folding (so offsets map 1:1).
    pub fn scalar_offset(&self, at: compose::Origin, offset_in_value: usize) -> Option<Span> {
        let file = self.file(at.file);
        let written = file.slice(at.span);
        let inner = match written.as_bytes().first() {
            Some(b'"') | Some(b'\'') if written.len() >= 2 => (1, &written[1..written.len() - 1]),
            _ => (0, written),
        };
        if inner.1.contains(['\\', '\n']) || written.starts_with(['|', '>']) {
            return None;
        }
        let start = at.span.start as usize + inner.0 + offset_in_value;
        Some(Span::empty(start))
    }
}

/// Interpolated env values may add up to this many bytes (beyond the file's
/// own text): variables that repeat each other could otherwise fill memory
/// with one line each.
pub const ENV_EXPANSION_BUDGET: usize = 16 << 20;

/// Whether compose reads `.env` and then `.env.custom` over it, or only
/// `.env.custom` when it exists. The release's install.sh decides; which
/// release the checkout is comes from `.env` (the tracked file), else from
/// `.env.custom`, unless it is configured. When it cannot be told, the files
/// are layered: a key set in either then counts as set, so no rule claims a
/// variable is missing on a guess.
pub fn env_files_layer(
    configured: Option<Version>,
    dotenv: Option<&EnvFile>,
    env_custom: Option<&EnvFile>,
) -> bool {
    let (Some(dotenv), Some(custom)) = (dotenv, env_custom) else {
        return true;
    };
    let release = configured.or_else(|| [dotenv, custom].into_iter().find_map(env_file_release));
    let Some(v) = release else {
        return true;
    };
    let kb = crate::kb::Kb::get();
    match kb.view(v) {
        Some(view) => view.lower.env_custom_layers && view.upper.env_custom_layers,
        None => v > kb.last().version,
    }
}

/// The release `SENTRY_IMAGE` names in one env file, as written there (not
/// interpolated): the checkout's release when it is `.env`, the tracked file.
pub fn env_file_release(env: &EnvFile) -> Option<Version> {
    match split_image(&env.get("SENTRY_IMAGE")?.value).1 {
        Tag::Release(v) => Some(v),
        _ => None,
    }
}

/// Adds the bindings of `env` to `out`, interpolating each value with the
/// variables set before it. Past [`ENV_EXPANSION_BUDGET`] (or the length
/// limit of one value) the rest is refused: the problem names the first
/// entry that went over.
pub(crate) fn effective_env(
    file: FileId,
    env: &EnvFile,
    out: &mut HashMap<String, EnvBinding>,
) -> Option<(Span, String)> {
    let mut spent = 0usize;
    let mut problem = None;
    for (i, entry) in env.entries.iter().enumerate() {
        let value = if entry.quote == crate::parse::env::Quote::Single || problem.is_some() {
            entry.value.clone()
        } else {
            let r =
                interpolate::interpolate(&entry.value, &|n| out.get(n).map(|b| b.value.clone()));
            spent += r.value.len().saturating_sub(entry.value.len());
            let too_long = r.error.filter(|_| r.truncated).map(|(_, m)| m);
            if too_long.is_some() || spent > ENV_EXPANSION_BUDGET {
                problem = Some((
                    entry.value_span,
                    too_long.unwrap_or_else(|| {
                        format!(
                            "`{}`: the variables of this file expand to more than {} MiB; \
                             sentrylint refuses such a file",
                            entry.key,
                            ENV_EXPANSION_BUDGET >> 20
                        )
                    }),
                ));
                entry.value.clone()
            } else {
                r.value
            }
        };
        out.insert(
            entry.key.clone(),
            EnvBinding {
                value,
                file,
                entry: i,
            },
        );
    }
    problem
}

/// Tells the Sentry release: configured, else `SENTRY_IMAGE` in the env, else
/// a `getsentry/sentry:TAG` image in compose.
pub(crate) fn detect_release(install: &Install, configured: Option<Version>) -> ReleaseInfo {
    if let Some(v) = configured {
        return ReleaseInfo {
            version: Some(v),
            source: ReleaseSource::Configured,
        };
    }
    let mut reason = String::from(
        "no `SENTRY_IMAGE` in the env file and no `getsentry/sentry` image in compose",
    );
    if let Some(binding) = install.env.get("SENTRY_IMAGE") {
        let entry = install.env_binding_entry(binding);
        let span = entry.map(|e| e.value_span).unwrap_or_default();
        match split_image(&binding.value).1 {
            Tag::Release(v) => {
                return ReleaseInfo {
                    version: Some(v),
                    source: ReleaseSource::EnvImage {
                        file: binding.file,
                        span,
                    },
                };
            }
            _ => {
                reason = format!("`SENTRY_IMAGE={}` carries no release number", binding.value);
            }
        }
    }
    if let Some(compose) = &install.compose {
        for svc in &compose.services {
            let Some(image) = svc.get("image") else {
                continue;
            };
            let text = install.expand(image.as_str().unwrap_or(""));
            let (repo, tag) = split_image(&text);
            if repo.ends_with("getsentry/sentry")
                && let Tag::Release(v) = tag
            {
                return ReleaseInfo {
                    version: Some(v),
                    source: ReleaseSource::ComposeImage {
                        file: image.at().file,
                        span: image.at().span,
                    },
                };
            }
        }
    }
    ReleaseInfo {
        version: None,
        source: ReleaseSource::Unknown { reason },
    }
}
