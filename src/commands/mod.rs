//! The subcommands: each reads its arguments, runs the pipeline and writes
//! its report; all return the process exit code.

pub mod check;
pub mod fix;
pub mod plan;

#[cfg(test)]
mod stdin_tests;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::PathBuf;

use rayon::prelude::*;

use crate::cli::{ConfigArgs, FailOn};
use crate::config::{self, Config, ConfigError};
use crate::diagnostic::Severity;
use crate::discover::{self, PathProblem, Root};
use crate::kb::version::Version;
use crate::model::Install;
use crate::model::load::{GivenFile, LoadOptions, load_root_with};
use crate::rules::RuleSelection;

/// `ROOT: ` before a message about an install, or nothing for the current folder.
pub fn root_prefix(install: &crate::model::Install) -> String {
    if install.display_root == "." {
        String::new()
    } else {
        format!("{}: ", install.display_root)
    }
}

/// An error already explained to the user on standard error.
#[derive(Debug)]
pub struct Reported;

/// Parses a `--…-version` flag, printing why it is wrong.
pub fn parse_version(
    flag: &str,
    value: &Option<String>,
    err: &mut dyn Write,
) -> Result<Option<Version>, Reported> {
    match value {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|e| {
            let _ = writeln!(err, "error: {flag}: {e}");
            Reported
        }),
    }
}

/// What the command line says about settings a config file also holds; a
/// flag given replaces the file's value.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub fail_on: Option<FailOn>,
    pub sentry_version: Option<Version>,
    pub target_version: Option<Version>,
    pub config: ConfigArgs,
}

/// The settings one install is linted with: its config file's, under the flags.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub selection: RuleSelection,
    pub load: LoadOptions,
    pub target_version: Option<Version>,
    /// Findings at or above this severity fail the run; `None`: never.
    pub fail_threshold: Option<Severity>,
}

impl Settings {
    pub fn new(config: Option<&Config>, flags: &Overrides) -> Settings {
        let from_file =
            |f: fn(&Config) -> Option<Vec<String>>| config.and_then(f).unwrap_or_default();
        let pick = |flag: &Vec<String>, file: Vec<String>| {
            if flag.is_empty() { file } else { flag.clone() }
        };
        let fail_on = flags
            .fail_on
            .or(config.and_then(|c| c.fail_on))
            .unwrap_or(FailOn::Warning);
        Settings {
            selection: RuleSelection {
                select: pick(&flags.select, from_file(|c| c.select.clone())),
                ignore: pick(&flags.ignore, from_file(|c| c.ignore.clone())),
                severity: config.map(|c| c.severity.clone()).unwrap_or_default(),
                per_path_ignores: config
                    .map(|c| c.per_path_ignores.clone())
                    .unwrap_or_default(),
            },
            load: LoadOptions {
                sentry_version: flags
                    .sentry_version
                    .or(config.and_then(|c| c.sentry_version)),
            },
            target_version: flags
                .target_version
                .or(config.and_then(|c| c.target_version)),
            fail_threshold: fail_on.threshold(),
        }
    }
}

/// A deployment root and the settings it is linted with.
pub struct Job {
    pub root: Root,
    pub settings: Settings,
    /// A file of the install given on standard input instead of read from disk.
    pub given: Option<GivenFile>,
}

/// Finds the deployment roots under `paths` and the settings of each (see
/// `jobs_for`). Path problems are printed to `err`.
pub fn plan_jobs(
    paths: &[PathBuf],
    flags: &Overrides,
    err: &mut dyn Write,
) -> Result<(Vec<Job>, Vec<PathProblem>), Reported> {
    let (roots, problems) = discover::roots(paths);
    for p in &problems {
        let _ = writeln!(err, "error: {}: {}", p.path, p.message);
    }
    if roots.is_empty() && problems.is_empty() {
        let shown: Vec<String> = if paths.is_empty() {
            vec![".".into()]
        } else {
            paths.iter().map(|p| discover::display_of(p)).collect()
        };
        let _ = writeln!(
            err,
            "warning: no self-hosted install (a folder with docker-compose.yml) found in {}",
            shown.join(", ")
        );
    }
    Ok((jobs_for(roots, flags, err)?, problems))
}

/// The settings of each root: its config file under the flags. A config
/// file that does not check out is printed to `err` and stops the run
/// (`Err`), since linting with half a configuration would mislead.
pub fn jobs_for(
    roots: Vec<Root>,
    flags: &Overrides,
    err: &mut dyn Write,
) -> Result<Vec<Job>, Reported> {
    let mut loaded: HashMap<PathBuf, Config> = HashMap::new();
    let mut failed = false;
    let mut reported: HashSet<String> = HashSet::new();
    let mut report = |errors: Vec<ConfigError>, err: &mut dyn Write| {
        for e in errors {
            // Installs sharing a broken file would repeat its errors.
            if reported.insert(e.to_string()) {
                let _ = writeln!(err, "error: {e}");
            }
        }
    };
    let mut finder = config::Finder::default();
    let mut jobs = Vec::new();
    for root in roots {
        let file = if flags.config.no_config {
            None
        } else if let Some(explicit) = &flags.config.config {
            Some(explicit.clone())
        } else {
            match finder.find(&root.path) {
                Ok(found) => found,
                Err(e) => {
                    report(vec![e], err);
                    failed = true;
                    continue;
                }
            }
        };
        let config = match file {
            None => None,
            Some(path) => {
                if !loaded.contains_key(&path) {
                    match config::load(&path) {
                        Ok(c) => {
                            loaded.insert(path.clone(), c);
                        }
                        Err(errors) => {
                            report(errors, err);
                            failed = true;
                            continue;
                        }
                    }
                }
                loaded.get(&path)
            }
        };
        jobs.push(Job {
            settings: Settings::new(config, flags),
            root,
            given: None,
        });
    }
    if failed {
        return Err(Reported);
    }
    Ok(jobs)
}

/// Loads each job's install (in parallel), sorted by their shown path.
pub fn load_jobs(jobs: Vec<Job>) -> Vec<(Install, Settings)> {
    let mut installs: Vec<(Install, Settings)> = map_jobs(jobs, load_job);
    installs.sort_by(|a, b| a.0.display_root.cmp(&b.0.display_root));
    installs
}

/// `f` of each job, on all cores; a single job (a pre-commit run) stays on
/// this thread, where starting the worker threads would cost more than it saves.
pub fn map_jobs<T: Send>(jobs: Vec<Job>, f: impl Fn(Job) -> T + Sync + Send) -> Vec<T> {
    if jobs.len() == 1 {
        jobs.into_iter().map(f).collect()
    } else {
        jobs.into_par_iter().map(f).collect()
    }
}

/// Reads and parses one job's install.
pub fn load_job(job: Job) -> (Install, Settings) {
    let install = load_root_with(
        &job.root.path,
        &job.root.display,
        &job.settings.load,
        job.given,
    );
    (install, job.settings)
}
