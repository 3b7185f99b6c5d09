//! The subcommands: each reads its arguments, runs the pipeline and writes
//! its report; all return the process exit code.

pub mod check;
pub mod fix;
mod patches;
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
use crate::model::paths::display_of;
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
    let mut jobs = Vec::new();
    let problems = plan_each_job(paths, flags, err, &mut |job| jobs.push(job))?;
    Ok((jobs, problems))
}

/// [`plan_jobs`], each job handed to `planned` as soon as its root is found.
/// What goes to `err` is written once the walk is over, in the order
/// `plan_jobs` writes it.
pub fn plan_each_job(
    paths: &[PathBuf],
    flags: &Overrides,
    err: &mut dyn Write,
    planned: &mut dyn FnMut(Job),
) -> Result<Vec<PathProblem>, Reported> {
    let mut planner = Planner::new(flags);
    let mut found = 0;
    let problems = discover::each_root(paths, &mut |root| {
        found += 1;
        // After a config error the run stops: no more checking to throw away.
        if let Some(job) = planner.job(root)
            && planner.errors.is_empty()
        {
            planned(job);
        }
    });
    for p in &problems {
        let _ = writeln!(err, "error: {}: {}", p.path, p.message);
    }
    if found == 0 && problems.is_empty() {
        let shown: Vec<String> = if paths.is_empty() {
            vec![".".into()]
        } else {
            paths.iter().map(|p| display_of(p)).collect()
        };
        let _ = writeln!(
            err,
            "warning: no self-hosted install (a folder with compose.yaml or docker-compose.yml) found in {}",
            shown.join(", ")
        );
    }
    planner.finish(err)?;
    Ok(problems)
}

/// The settings of each root: its config file under the flags. A config
/// file that does not check out is printed to `err` and stops the run
/// (`Err`), since linting with half a configuration would mislead.
pub fn jobs_for(
    roots: Vec<Root>,
    flags: &Overrides,
    err: &mut dyn Write,
) -> Result<Vec<Job>, Reported> {
    let mut planner = Planner::new(flags);
    let jobs = roots.into_iter().filter_map(|r| planner.job(r)).collect();
    planner.finish(err)?;
    Ok(jobs)
}

/// Settles each root's settings in turn, remembering config files already
/// read and the errors of those that do not check out.
struct Planner<'f> {
    flags: &'f Overrides,
    finder: config::Finder,
    loaded: HashMap<PathBuf, Config>,
    /// Error messages, each once: installs sharing a broken file would
    /// repeat its errors.
    errors: Vec<String>,
    reported: HashSet<String>,
}

impl<'f> Planner<'f> {
    fn new(flags: &'f Overrides) -> Planner<'f> {
        Planner {
            flags,
            finder: config::Finder::default(),
            loaded: HashMap::new(),
            errors: Vec::new(),
            reported: HashSet::new(),
        }
    }

    fn report(&mut self, errors: Vec<ConfigError>) {
        for e in errors {
            let e = e.to_string();
            if self.reported.insert(e.clone()) {
                self.errors.push(e);
            }
        }
    }

    /// The job of `root`; `None` when its config file does not check out.
    fn job(&mut self, root: Root) -> Option<Job> {
        let flags = self.flags;
        let file = if flags.config.no_config {
            None
        } else if let Some(explicit) = &flags.config.config {
            Some(explicit.clone())
        } else {
            match self.finder.find(&root.path) {
                Ok(found) => found,
                Err(e) => {
                    self.report(vec![e]);
                    return None;
                }
            }
        };
        if let Some(path) = &file
            && !self.loaded.contains_key(path)
        {
            match config::load(path) {
                Ok(c) => {
                    self.loaded.insert(path.clone(), c);
                }
                Err(errors) => {
                    self.report(errors);
                    return None;
                }
            }
        }
        let config = file.and_then(|path| self.loaded.get(&path));
        Some(Job {
            settings: Settings::new(config, flags),
            root,
            given: None,
        })
    }

    /// Writes the config errors met; `Err` when there were any.
    fn finish(self, err: &mut dyn Write) -> Result<(), Reported> {
        for e in &self.errors {
            let _ = writeln!(err, "error: {e}");
        }
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Reported)
        }
    }
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

/// `f` of each job `plan` hands over, in any order, started as soon as it
/// is handed over: checking goes on, on all cores, while `plan` walks the
/// folders for more. The first job waits until a second comes; a single job
/// (a pre-commit run) stays on this thread, where starting the worker
/// threads would cost more than it saves.
pub fn map_while_planning<T: Send, R>(
    plan: impl FnOnce(&mut dyn FnMut(Job)) -> R,
    f: impl Fn(Job) -> T + Sync + Send,
) -> (R, Vec<T>) {
    let f = &f;
    std::thread::scope(|scope| {
        let mut first = None;
        let mut sender: Option<std::sync::mpsc::Sender<Job>> = None;
        let mut workers = None;
        let planned = plan(&mut |job| {
            if let Some(tx) = &sender {
                // The receiver lives until every job is taken.
                let _ = tx.send(job);
            } else if let Some(one) = first.take() {
                let (tx, rx) = std::sync::mpsc::channel();
                let _ = tx.send(one);
                let _ = tx.send(job);
                workers = Some(
                    scope.spawn(move || rx.into_iter().par_bridge().map(f).collect::<Vec<T>>()),
                );
                sender = Some(tx);
            } else {
                first = Some(job);
            }
        });
        drop(sender);
        let mut out = match workers {
            Some(w) => w
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            None => Vec::new(),
        };
        out.extend(first.map(f));
        (planned, out)
    })
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
