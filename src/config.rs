//! The config file: `sentrylint.toml` or `.sentrylint.toml`, the nearest one
//! from the deployment root up to the repository root (the folder holding
//! `.git`), or the file `--config` names.
//!
//! The keys are described once, in `KEYS`: the parser checks against it and
//! `json_schema` writes `sentrylint.schema.json` from it. The file is parsed
//! with `toml`'s spanned tree (not serde structs) so that every unknown key
//! and bad value is reported at its line and column, with a suggestion.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::cli::FailOn;
use crate::diagnostic::Severity;
use crate::kb::version::Version;
use crate::rules;
use crate::rules::helpers::did_you_mean;

/// The names a config file may have, in the order they are looked for.
pub const FILE_NAMES: [&str; 2] = ["sentrylint.toml", ".sentrylint.toml"];

/// What a key holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Rule codes, code prefixes (`SL1`), names, or `ALL`.
    Selectors,
    /// A table of rule (code or name) to severity.
    Severities,
    /// A table of glob to selectors.
    PathIgnores,
    /// A release number like `24.1.0`.
    Version,
    /// `error`, `warning`, `info` or `never`.
    FailOn,
}

/// One key of the config file.
pub struct Key {
    pub name: &'static str,
    pub kind: Kind,
    pub doc: &'static str,
}

pub const KEYS: &[Key] = &[
    Key {
        name: "select",
        kind: Kind::Selectors,
        doc: "Only these rules: codes (SL101), code prefixes (SL1), names (replay-consumer-missing) or ALL. \
              Empty or absent means every rule. --select replaces it.",
    },
    Key {
        name: "ignore",
        kind: Kind::Selectors,
        doc: "Skip these rules: codes, code prefixes or names. --ignore replaces it.",
    },
    Key {
        name: "severity",
        kind: Kind::Severities,
        doc: "Per-rule severity overrides, by code or name: SL101 = \"error\".",
    },
    Key {
        name: "per-path-ignores",
        kind: Kind::PathIgnores,
        doc: "Rules to skip in some files: a glob, relative to this file's folder, to codes, prefixes or names. \
              `*` matches within a folder name, `**` across folders, `?` one character; a glob without `/` \
              matches a file or folder name anywhere, and a glob matching a folder covers everything in it.",
    },
    Key {
        name: "sentry-version",
        kind: Kind::Version,
        doc: "The installs' Sentry release, instead of reading it from SENTRY_IMAGE. --sentry-version replaces it.",
    },
    Key {
        name: "target-version",
        kind: Kind::Version,
        doc: "The release the team is heading to: also report what breaks there. --target-version replaces it.",
    },
    Key {
        name: "fail-on",
        kind: Kind::FailOn,
        doc: "Exit 1 when a finding of at least this severity is reported (default: warning). --fail-on replaces it.",
    },
];

const SEVERITIES: [&str; 3] = ["error", "warning", "info"];
const FAIL_ON: [&str; 4] = ["error", "warning", "info", "never"];

/// Rules to skip in the files a glob matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathIgnore {
    /// The folder the glob is relative to (the config file's), absolute.
    pub base: PathBuf,
    pub glob: String,
    pub selectors: Vec<String>,
}

impl PathIgnore {
    /// Whether the glob matches `file` (made absolute) or a folder holding it.
    pub fn matches(&self, file: &Path) -> bool {
        let Ok(abs) = std::path::absolute(file) else {
            return false;
        };
        let Ok(rel) = abs.strip_prefix(&self.base) else {
            return false;
        };
        let segments: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let glob = self.glob.trim_start_matches("./").trim_end_matches('/');
        if !glob.contains('/') {
            return segments
                .iter()
                .any(|s| glob_match(glob.as_bytes(), s.as_bytes()));
        }
        let glob = glob.trim_start_matches('/');
        (1..=segments.len())
            .any(|n| glob_match(glob.as_bytes(), segments[..n].join("/").as_bytes()))
    }
}

/// `*` (not across `/`), `**` (across `/`; `**/` also matches nothing) and `?`.
fn glob_match(p: &[u8], s: &[u8]) -> bool {
    match p {
        [] => s.is_empty(),
        [b'*', b'*', b'/', rest @ ..] => {
            glob_match(rest, s)
                || (0..s.len()).any(|i| s[i] == b'/' && glob_match(rest, &s[i + 1..]))
        }
        [b'*', b'*', rest @ ..] => (0..=s.len()).any(|i| glob_match(rest, &s[i..])),
        [b'*', rest @ ..] => {
            let mut i = 0;
            loop {
                if glob_match(rest, &s[i..]) {
                    return true;
                }
                if i == s.len() || s[i] == b'/' {
                    return false;
                }
                i += 1;
            }
        }
        [b'?', rest @ ..] => !s.is_empty() && s[0] != b'/' && glob_match(rest, &s[1..]),
        [c, rest @ ..] => s.first() == Some(c) && glob_match(rest, &s[1..]),
    }
}

/// A config file's settings. `None` and empty mean "not set here".
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// The file these came from, as shown to the user.
    pub shown: String,
    pub select: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
    pub severity: Vec<(String, Severity)>,
    pub per_path_ignores: Vec<PathIgnore>,
    pub sentry_version: Option<Version>,
    pub target_version: Option<Version>,
    pub fail_on: Option<FailOn>,
}

/// A problem in a config file, at a 1-based line and column (code points).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.path, self.line, self.column, self.message
            )
        }
    }
}

/// A path as the user would type it: relative to the current folder when
/// below it.
pub fn shown_path(path: &Path) -> String {
    let rel = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf));
    crate::model::paths::display_of(rel.as_deref().unwrap_or(path))
}

/// Finds the config file of each install root: the nearest `sentrylint.toml`
/// or `.sentrylint.toml` from the root up to the repository root. Outside a
/// repository only the root itself is looked in, so a stray file in a parent
/// folder never changes a run by surprise. A monorepo's installs share their
/// parent folders, so each folder is asked about its files once per run.
#[derive(Default)]
pub struct Finder {
    /// Per folder: the config file it holds (an error when it holds both).
    held: HashMap<PathBuf, Result<Option<PathBuf>, ConfigError>>,
    /// Per folder: whether it holds `.git`.
    git: HashMap<PathBuf, bool>,
}

impl Finder {
    pub fn find(&mut self, root: &Path) -> Result<Option<PathBuf>, ConfigError> {
        let Ok(start) = std::path::absolute(root) else {
            return Ok(None);
        };
        let in_repository = start.ancestors().any(|d| self.has_git(d));
        for dir in start.ancestors() {
            if let Some(p) = self.held(dir)? {
                return Ok(Some(p));
            }
            if !in_repository || self.has_git(dir) {
                break;
            }
        }
        Ok(None)
    }

    fn has_git(&mut self, dir: &Path) -> bool {
        if let Some(&known) = self.git.get(dir) {
            return known;
        }
        let found = dir.join(".git").exists();
        self.git.insert(dir.to_path_buf(), found);
        found
    }

    fn held(&mut self, dir: &Path) -> Result<Option<PathBuf>, ConfigError> {
        if let Some(known) = self.held.get(dir) {
            return known.clone();
        }
        let found: Vec<PathBuf> = FILE_NAMES
            .iter()
            .map(|n| dir.join(n))
            .filter(|p| p.is_file())
            .collect();
        let result = if found.len() > 1 {
            Err(ConfigError {
                path: shown_path(dir),
                line: 0,
                column: 0,
                message: format!(
                    "holds both `{}` and `{}`; keep one",
                    FILE_NAMES[0], FILE_NAMES[1]
                ),
            })
        } else {
            Ok(found.into_iter().next())
        };
        self.held.insert(dir.to_path_buf(), result.clone());
        result
    }
}

/// Reads and checks a config file.
pub fn load(path: &Path) -> Result<Config, Vec<ConfigError>> {
    let shown = shown_path(path);
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![ConfigError {
            path: shown.clone(),
            line: 0,
            column: 0,
            message: format!("cannot read: {e}"),
        }]
    })?;
    let base = std::path::absolute(path)
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    parse(&text, &shown, &base)
}

/// Checks the text of a config file shown as `shown`, whose globs are relative to `base`.
pub fn parse(text: &str, shown: &str, base: &Path) -> Result<Config, Vec<ConfigError>> {
    let mut p = Parser {
        text,
        shown,
        errors: Vec::new(),
    };
    let table = match DeTable::parse(text) {
        Ok(t) => t,
        Err(e) => {
            let at = e.span().map(|s| s.start).unwrap_or(0);
            p.error(at, format!("invalid TOML: {}", e.message().trim_end()));
            return Err(p.errors);
        }
    };
    let mut config = Config {
        shown: shown.to_string(),
        ..Config::default()
    };
    let mut entries: Vec<(&Spanned<std::borrow::Cow<str>>, &Spanned<DeValue>)> =
        table.get_ref().iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    for (key, value) in entries {
        let Some(spec) = KEYS.iter().find(|k| k.name == key.get_ref().as_ref()) else {
            let hint = did_you_mean(key.get_ref(), KEYS.iter().map(|k| k.name))
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            let known: Vec<&str> = KEYS.iter().map(|k| k.name).collect();
            p.error(
                key.span().start,
                format!(
                    "unknown key `{}`{hint}; the keys are {}",
                    key.get_ref(),
                    known.join(", ")
                ),
            );
            continue;
        };
        match spec.name {
            "select" => config.select = p.selectors(spec.name, value),
            "ignore" => config.ignore = p.selectors(spec.name, value),
            "severity" => config.severity = p.severities(value),
            "per-path-ignores" => config.per_path_ignores = p.path_ignores(value, base),
            "sentry-version" => config.sentry_version = p.version(spec.name, value),
            "target-version" => {
                config.target_version = p.version(spec.name, value).filter(|v| {
                    let problem = crate::kb::Kb::get().target_problem(*v);
                    if let Some(message) = &problem {
                        p.error(value.span().start, message.clone());
                    }
                    problem.is_none()
                })
            }
            "fail-on" => config.fail_on = p.fail_on(value),
            other => unreachable!("KEYS names `{other}` but the parser does not read it"),
        }
    }
    if p.errors.is_empty() {
        Ok(config)
    } else {
        // Tables iterate in key order; report in file order.
        p.errors.sort_by_key(|e| (e.line, e.column));
        Err(p.errors)
    }
}

struct Parser<'a> {
    text: &'a str,
    shown: &'a str,
    errors: Vec<ConfigError>,
}

impl Parser<'_> {
    fn error(&mut self, at: usize, message: String) {
        let at = at.min(self.text.len());
        let before = &self.text[..at];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let column = self.text[line_start..at].chars().count() + 1;
        self.errors.push(ConfigError {
            path: self.shown.to_string(),
            line,
            column,
            message,
        });
    }

    fn string<'v>(&mut self, what: &str, value: &'v Spanned<DeValue>) -> Option<&'v str> {
        match value.get_ref() {
            DeValue::String(s) => Some(s.as_ref()),
            other => {
                self.error(
                    value.span().start,
                    format!("{what} must be a string, not {}", other.type_str()),
                );
                None
            }
        }
    }

    /// A list of rule selectors, each checked against the registry.
    fn selectors(&mut self, key: &str, value: &Spanned<DeValue>) -> Option<Vec<String>> {
        let DeValue::Array(items) = value.get_ref() else {
            self.error(
                value.span().start,
                format!(
                    "`{key}` must be a list of rule codes or names, like [\"SL101\"], not {}",
                    value.get_ref().type_str()
                ),
            );
            return None;
        };
        let mut out = Vec::new();
        for item in items.iter() {
            let Some(s) = self.string(&format!("an entry of `{key}`"), item) else {
                continue;
            };
            match rules::selector_error(s) {
                Some(message) => self.error(item.span().start, message),
                None => out.push(s.to_string()),
            }
        }
        Some(out)
    }

    /// The table `value` holds, or an error saying what `shape` it should have.
    fn table<'v>(
        &mut self,
        value: &'v Spanned<DeValue<'v>>,
        shape: &str,
    ) -> Option<&'v DeTable<'v>> {
        match value.get_ref() {
            DeValue::Table(table) => Some(table),
            _ => {
                self.error(value.span().start, shape.to_string());
                None
            }
        }
    }

    fn severities(&mut self, value: &Spanned<DeValue>) -> Vec<(String, Severity)> {
        let Some(table) = self.table(
            value,
            "`severity` must be a table of rule to severity, like `[severity]` then `SL101 = \"error\"`",
        ) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (rule, level) in table.iter() {
            let name = rule.get_ref().as_ref();
            if rules::by_code(name).is_none() {
                let hint = did_you_mean(name, rules::RULES.iter().flat_map(|r| [r.code, r.name]))
                    .map(|c| format!(" (did you mean `{c}`?)"))
                    .unwrap_or_default();
                self.error(
                    rule.span().start,
                    format!("no rule `{name}`{hint}; a severity is set per rule code or name"),
                );
                continue;
            }
            let Some(text) = self.string(&format!("the severity of `{name}`"), level) else {
                continue;
            };
            match Severity::parse(text) {
                Some(s) => out.push((name.to_string(), s)),
                None => self.error(
                    level.span().start,
                    bad_choice("severity", text, &SEVERITIES),
                ),
            }
        }
        out
    }

    fn path_ignores(&mut self, value: &Spanned<DeValue>, base: &Path) -> Vec<PathIgnore> {
        let Some(table) = self.table(
            value,
            "`per-path-ignores` must be a table of glob to rules, like `[per-path-ignores]` then `\"staging/**\" = [\"SL101\"]`",
        ) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (glob, rules) in table.iter() {
            let key = format!("per-path-ignores.\"{}\"", glob.get_ref());
            if let Some(selectors) = self.selectors(&key, rules) {
                out.push(PathIgnore {
                    base: base.to_path_buf(),
                    glob: glob.get_ref().to_string(),
                    selectors,
                });
            }
        }
        out
    }

    fn version(&mut self, key: &str, value: &Spanned<DeValue>) -> Option<Version> {
        let text = self.string(&format!("`{key}`"), value)?;
        match text.parse() {
            Ok(v) => Some(v),
            Err(e) => {
                self.error(value.span().start, e);
                None
            }
        }
    }

    fn fail_on(&mut self, value: &Spanned<DeValue>) -> Option<FailOn> {
        let text = self.string("`fail-on`", value)?;
        let level = match text {
            "error" => FailOn::Error,
            "warning" => FailOn::Warning,
            "info" => FailOn::Info,
            "never" => FailOn::Never,
            _ => {
                self.error(value.span().start, bad_choice("fail-on", text, &FAIL_ON));
                return None;
            }
        };
        Some(level)
    }
}

fn bad_choice(what: &str, got: &str, choices: &[&str]) -> String {
    // `warn` is a short form, too far from `warning` for an edit distance.
    let prefixed = choices
        .iter()
        .copied()
        .find(|c| !got.is_empty() && c.starts_with(&got.to_ascii_lowercase()));
    let hint = prefixed
        .or_else(|| did_you_mean(got, choices.iter().copied()))
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default();
    let quoted: Vec<String> = choices.iter().map(|c| format!("`{c}`")).collect();
    format!(
        "`{got}` is not a {what}{hint}; use one of {}",
        quoted.join(", ")
    )
}

/// The JSON Schema of the config file, from `KEYS` (checked in as
/// `sentrylint.schema.json`; editors with TOML schema support use it).
pub fn json_schema() -> Value {
    let selector = json!({
        "type": "string",
        "description": "A rule code (SL101), a code prefix (SL1), a rule name (replay-consumer-missing) or ALL.",
        "pattern": "^(ALL|SL[0-9]{0,3}|[a-z0-9]+(-[a-z0-9]+)*)$",
    });
    let selectors = json!({ "type": "array", "items": { "$ref": "#/definitions/selector" } });
    let mut properties = serde_json::Map::new();
    for key in KEYS {
        let mut schema = match key.kind {
            Kind::Selectors => selectors.clone(),
            Kind::Severities => json!({
                "type": "object",
                "propertyNames": {
                    "pattern": "^(SL[0-9]{3}|[a-z0-9]+(-[a-z0-9]+)*)$",
                },
                "additionalProperties": { "enum": SEVERITIES },
            }),
            Kind::PathIgnores => json!({
                "type": "object",
                "additionalProperties": selectors,
            }),
            Kind::Version => json!({
                "type": "string",
                "pattern": "^[0-9]{2}\\.[0-9]{1,2}\\.[0-9]{1,4}$",
            }),
            Kind::FailOn => json!({ "enum": FAIL_ON }),
        };
        schema["description"] = key.doc.into();
        properties.insert(key.name.to_string(), schema);
    }
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "sentrylint configuration",
        "description": "sentrylint.toml or .sentrylint.toml: the nearest one from a deployment root up to the repository root.",
        "type": "object",
        "additionalProperties": false,
        "properties": properties,
        "definitions": { "selector": selector },
    })
}

#[cfg(test)]
mod tests;
