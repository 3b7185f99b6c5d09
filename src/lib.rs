//! sentrylint: lint and migrate self-hosted Sentry installs kept in Git.
//!
//! The pipeline: `source` (files, spans) -> `parse` (YAML, .env, Python) ->
//! `model` and `kb` (the install, the release facts) -> `rules` ->
//! `fix` (edits) -> `report` (output formats). `run` is the whole CLI,
//! callable in-process.

pub mod cli;
pub mod commands;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod fix;
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing;
pub mod kb;
pub mod migrate;
pub mod model;
pub mod parse;
pub mod report;
pub mod rules;
pub mod source;

#[cfg(test)]
mod corpus_tests;
#[cfg(test)]
mod git_tests;
#[cfg(test)]
mod hostile_tests;
#[cfg(test)]
mod packaging_tests;
#[cfg(test)]
mod readme_tests;
#[cfg(test)]
mod secrets_tests;
#[cfg(test)]
pub mod testing;
#[cfg(test)]
mod tool_tests;

use std::ffi::OsString;
use std::io::Write;

use clap::Parser;

use cli::{Cli, Command};

/// What the process environment contributes to a run.
#[derive(Clone, Debug, Default)]
pub struct RunEnv {
    pub stdout_is_terminal: bool,
    /// `NO_COLOR` is set (to anything non-empty).
    pub no_color: bool,
    pub term_width: Option<usize>,
    /// `GITHUB_STEP_SUMMARY`: the file GitHub Actions shows as the job
    /// summary; `--format github` appends the full report to it.
    pub github_step_summary: Option<std::path::PathBuf>,
    /// Standard input, when given in-process (tests); `None` reads the
    /// process's standard input when `-` asks for it.
    pub stdin: Option<Vec<u8>>,
}

/// Runs the CLI: parses `args`, writes the report to `out` and messages to
/// `err`, and returns the exit code (0 clean, 1 findings, 2 usage or input errors).
pub fn run(args: Vec<OsString>, env: &RunEnv, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let text = e.render().to_string();
            let _ = if code == 0 {
                out.write_all(text.as_bytes())
            } else {
                err.write_all(text.as_bytes())
            };
            return code;
        }
    };
    let result = match cli.command {
        Command::Check(args) => commands::check::run(&args, env, out, err),
        Command::Plan(args) => commands::plan::run(&args, out, err),
        Command::Fix(args) => commands::fix::run(&args, out, err),
        Command::Rules(args) => commands::check::list_rules(args.format, out).map(|_| 0),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "sentrylint", out);
            Ok(0)
        }
        Command::Rule { code } => match rules::by_code(&code) {
            Some(rule) => out.write_all(rule.doc.as_bytes()).map(|_| 0),
            None => {
                let suggestion =
                    rules::helpers::did_you_mean(&code, rules::RULES.iter().map(|r| r.code))
                        .map(|c| format!(" (did you mean `{c}`?)"))
                        .unwrap_or_default();
                let _ = writeln!(
                    err,
                    "error: no rule `{code}`{suggestion}; `sentrylint rules` lists them"
                );
                Ok(2)
            }
        },
    };
    match result {
        Ok(code) => code,
        // A closed pipe (`| head`) is not an error worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            2
        }
    }
}

/// Paths of the current process, for `main`.
pub fn env_from_process() -> RunEnv {
    use std::io::IsTerminal;
    RunEnv {
        stdout_is_terminal: std::io::stdout().is_terminal(),
        no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        term_width: std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()),
        github_step_summary: std::env::var_os("GITHUB_STEP_SUMMARY")
            .filter(|v| !v.is_empty())
            .map(std::path::PathBuf::from),
        stdin: None,
    }
}
