//! SL342: an env file key that nothing reads and that looks like a misspelling.

use std::collections::HashSet;

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Edit, Fix};
use crate::model::{FileId, INSTALL_SH_VARIABLES};
use crate::parse::env::{EnvEntry, EnvFile};
use crate::rules::helpers::{did_you_mean, edit_distance, env_file_loaded_by_a_service};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL342",
    name: "unknown-env-key",
    severity: Severity::Warning,
    summary: "An env file key that no release has and compose never reads looks like a misspelling",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL342.md"),
    check,
};

/// Variables docker compose reads itself.
const COMPOSE_OWN: &[&str] = &[
    "COMPOSE_PROJECT_NAME",
    "COMPOSE_PROFILES",
    "COMPOSE_FILE",
    "COMPOSE_ENV_FILES",
    "COMPOSE_PATH_SEPARATOR",
    "COMPOSE_HTTP_TIMEOUT",
    "COMPOSE_PARALLEL_LIMIT",
    "COMPOSE_IGNORE_ORPHANS",
    "COMPOSE_REMOVE_ORPHANS",
    "COMPOSE_ANSI",
    "COMPOSE_STATUS_STDOUT",
    "COMPOSE_MENU",
    "COMPOSE_EXPERIMENTAL",
    "COMPOSE_BAKE",
    "COMPOSE_CONVERT_WINDOWS_PATHS",
    "DOCKER_HOST",
    "DOCKER_CONTEXT",
    "DOCKER_DEFAULT_PLATFORM",
    "DOCKER_BUILDKIT",
];

/// The keys an install's env files are judged against: every key any release
/// of the knowledge base writes in its `.env` (or shows commented out, like
/// `SENTRY_MAIL_HOST`), the variables compose reads, and those compose and
/// install.sh define themselves.
pub struct KnownKeys<'c> {
    /// What this install's compose reads.
    compose: &'c HashSet<String>,
    /// What any release's `.env` sets or documents, compose and install.sh
    /// read: the same for every install, so gathered once per process.
    everywhere: &'static HashSet<String>,
}

impl<'c> KnownKeys<'c> {
    pub fn new(ctx: &'c Ctx) -> KnownKeys<'c> {
        static EVERYWHERE: std::sync::OnceLock<HashSet<String>> = std::sync::OnceLock::new();
        let everywhere = EVERYWHERE.get_or_init(|| {
            let mut names = HashSet::new();
            for r in &ctx.kb.releases {
                for e in r.env {
                    names.insert(e.key.to_string());
                    for line in e.comment.lines() {
                        let line = line.trim_start_matches('#').trim();
                        if let Some((k, _)) = line.split_once('=')
                            && !k.is_empty()
                            && k.bytes()
                                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                        {
                            names.insert(k.to_string());
                        }
                    }
                }
            }
            names.extend(
                COMPOSE_OWN
                    .iter()
                    .chain(INSTALL_SH_VARIABLES)
                    .map(|k| k.to_string()),
            );
            names
        });
        KnownKeys {
            compose: ctx.compose_env_names(),
            everywhere,
        }
    }

    pub fn contains(&self, key: &str) -> bool {
        self.compose.contains(key) || self.everywhere.contains(key)
    }

    /// The known key `key` misspells: one edit away (two for long keys), and
    /// not a longer or shorter name of its own (`SENTRY_BIND_IP` is not a
    /// typo of `SENTRY_BIND`). `*_IMAGE` keys are SL306's.
    pub fn misspelling(&self, key: &str) -> Option<&str> {
        if self.contains(key) || key.ends_with("_IMAGE") {
            return None;
        }
        let names = self.compose.union(self.everywhere).map(String::as_str);
        let meant = did_you_mean(key, names)?;
        let d = edit_distance(&key.to_ascii_lowercase(), &meant.to_ascii_lowercase());
        let limit = if key.len() >= 16 { 2 } else { 1 };
        let extends = key.starts_with(meant) || meant.starts_with(key);
        (d <= limit && !(extends && d > 1)).then_some(meant)
    }
}

/// An env file entry that counts (the last of its key) and the file's name.
pub struct Judged<'a> {
    pub file: FileId,
    pub display: &'a str,
    pub env: &'a EnvFile,
    pub entry: &'a EnvEntry,
}

/// The entries of `.env` and `.env.custom` whose use is judged: none when a
/// service loads the env file whole with `env_file:`.
pub fn judged_entries<'a>(ctx: &Ctx<'a>) -> Vec<Judged<'a>> {
    let install = ctx.install;
    // What compose reads cannot be told when it does not parse, and a
    // service given the whole file with `env_file:` reads every key.
    if !install.compose_complete() || env_file_loaded_by_a_service(install) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (file, env) in install.dotenv.iter().chain(install.env_custom.iter()) {
        for entry in &env.entries {
            if env
                .get(&entry.key)
                .is_some_and(|last| std::ptr::eq(last, entry))
            {
                out.push(Judged {
                    file: *file,
                    display: &install.file(*file).display,
                    env,
                    entry,
                });
            }
        }
    }
    out
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let known = KnownKeys::new(ctx);
    for Judged {
        file,
        display,
        env,
        entry: e,
    } in judged_entries(ctx)
    {
        let Some(meant) = known.misspelling(&e.key) else {
            continue;
        };
        let key = &e.key;
        let both = env.get(meant).is_some();
        let mut help = format!(
            "no release's `.env` has `{key}` and compose never reads it, so its value is ignored \
             and `{meant}` stays as it was (unset, or its default)"
        );
        if both {
            help.push_str(&format!(
                "; `{display}` sets `{meant}` too: keep the value you want under `{meant}` and \
                 delete this line"
            ));
        } else {
            help.push_str(&format!("; rename it to `{meant}`"));
        }
        let fix = (!both).then(|| {
            Fix::safe(
                format!("Rename `{key}` to `{meant}`"),
                vec![Edit::replace(file, e.key_span, meant)],
            )
        });
        out.push(
            ctx.diag(
                &RULE,
                file,
                e.key_span,
                format!("`{key}` in `{display}` is read by nothing: did you mean `{meant}`?"),
                help,
            )
            .with_fix(fix),
        );
    }
}
