//! The subcommands: each reads its arguments, runs the pipeline and writes
//! its report; all return the process exit code.

pub mod check;
pub mod fix;
pub mod plan;

#[cfg(test)]
mod tests;

use std::io::Write;
use std::path::PathBuf;

use rayon::prelude::*;

use crate::discover::{self, PathProblem};
use crate::kb::version::Version;
use crate::model::Install;
use crate::model::load::{LoadOptions, load_root};

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

/// Finds the deployment roots under `paths` and loads each (in parallel),
/// sorted by their shown path. Path problems are printed to `err`.
pub fn load_installs(
    paths: &[PathBuf],
    options: &LoadOptions,
    err: &mut dyn Write,
) -> std::io::Result<(Vec<Install>, Vec<PathProblem>)> {
    let (roots, problems) = discover::roots(paths);
    for p in &problems {
        writeln!(err, "error: {}: {}", p.path, p.message)?;
    }
    if roots.is_empty() && problems.is_empty() {
        let shown: Vec<String> = if paths.is_empty() {
            vec![".".into()]
        } else {
            paths.iter().map(|p| discover::display_of(p)).collect()
        };
        writeln!(
            err,
            "warning: no self-hosted install (a folder with docker-compose.yml) found in {}",
            shown.join(", ")
        )?;
    }
    let mut installs: Vec<Install> = roots
        .par_iter()
        .map(|root| load_root(&root.path, &root.display, options))
        .collect();
    installs.sort_by(|a, b| a.display_root.cmp(&b.display_root));
    Ok((installs, problems))
}
