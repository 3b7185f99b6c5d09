//! sentrylint: lint and migrate self-hosted Sentry installs kept in Git.
//!
//! The pipeline: `source` (files, spans) -> `parse` (YAML, .env, Python) ->
//! `model` and `kb` (the install, the release facts) -> `rules` ->
//! `fix` (edits) -> `report` (output formats). `run` is the whole CLI,
//! callable in-process.

pub mod cli;
pub mod diagnostic;
pub mod discover;
pub mod fix;
pub mod kb;
pub mod model;
pub mod parse;
pub mod report;
pub mod rules;
pub mod source;

#[cfg(test)]
pub mod testing;

use std::ffi::OsString;
use std::io::Write;

use clap::Parser;
use rayon::prelude::*;

use cli::{CheckArgs, Cli, ColorChoice, Command, CommonArgs, Format, ListFormat};
use diagnostic::Severity;
use kb::version::Version;
use model::load::{LoadOptions, load_root};
use report::InstallReport;
use rules::RuleSelection;

/// What the process environment contributes to a run.
#[derive(Clone, Debug, Default)]
pub struct RunEnv {
    pub stdout_is_terminal: bool,
    /// `NO_COLOR` is set (to anything non-empty).
    pub no_color: bool,
    pub term_width: Option<usize>,
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
        Command::Check(args) => check(&args, env, out, err),
        Command::Rules(args) => list_rules(args.format, out).map(|_| 0),
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

fn parse_version(
    flag: &str,
    value: &Option<String>,
    err: &mut dyn Write,
) -> Result<Option<Version>, ()> {
    match value {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|e| {
            let _ = writeln!(err, "error: {flag}: {e}");
        }),
    }
}

fn check(
    args: &CheckArgs,
    env: &RunEnv,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    let common = &args.common;
    let (Ok(sentry_version), Ok(target)) = (
        parse_version("--sentry-version", &common.sentry_version, err),
        parse_version("--target-version", &common.target_version, err),
    ) else {
        return Ok(2);
    };
    let selection = RuleSelection {
        select: common.select.clone(),
        ignore: common.ignore.clone(),
        severity: Vec::new(),
    };
    for code in common.select.iter().chain(&common.ignore) {
        let known = code.eq_ignore_ascii_case("ALL")
            || rules::RULES
                .iter()
                .any(|r| r.code.starts_with(&code.to_ascii_uppercase()) || r.name == code.as_str());
        if !known {
            let hint = rules::helpers::did_you_mean(code, rules::RULES.iter().map(|r| r.code))
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            writeln!(err, "error: `{code}` matches no rule{hint}")?;
            return Ok(2);
        }
    }
    let (roots, path_problems) = discover::roots(&args.paths);
    for p in &path_problems {
        writeln!(err, "error: {}: {}", p.path, p.message)?;
    }
    if roots.is_empty() && path_problems.is_empty() {
        let shown: Vec<String> = if args.paths.is_empty() {
            vec![".".into()]
        } else {
            args.paths.iter().map(|p| discover::display_of(p)).collect()
        };
        writeln!(
            err,
            "warning: no self-hosted install (a folder with docker-compose.yml) found in {}",
            shown.join(", ")
        )?;
    }
    let options = LoadOptions { sentry_version };
    let mut reports: Vec<InstallReport> = roots
        .par_iter()
        .map(|root| {
            let install = load_root(&root.path, &root.display, &options);
            let mut diagnostics = rules::check(&install, &selection, target);
            report::redact(&install, &mut diagnostics);
            InstallReport {
                install,
                diagnostics,
            }
        })
        .collect();
    reports.sort_by(|a, b| a.install.display_root.cmp(&b.install.display_root));
    write_report(&reports, common, env, out)?;
    let all = reports.iter().flat_map(|r| &r.diagnostics);
    let input_error = !path_problems.is_empty()
        || reports
            .iter()
            .any(|r| r.diagnostics.iter().any(|d| d.code == "SL000"));
    let threshold = common
        .fail_on
        .map(|f| f.threshold())
        .unwrap_or(Some(Severity::Warning));
    let failed = threshold.is_some_and(|t| all.into_iter().any(|d| d.severity >= t));
    Ok(if input_error {
        2
    } else if failed {
        1
    } else {
        0
    })
}

fn write_report(
    reports: &[InstallReport],
    common: &CommonArgs,
    env: &RunEnv,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut file;
    let target: &mut dyn Write = match &common.output {
        Some(path) => {
            file = std::io::BufWriter::new(std::fs::File::create(path)?);
            &mut file
        }
        None => out,
    };
    match common.format {
        Format::Human => {
            let color = match common.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => {
                    env.stdout_is_terminal && !env.no_color && common.output.is_none()
                }
            };
            report::human::render(
                reports,
                target,
                report::human::Style {
                    color,
                    width: env.term_width.unwrap_or(100),
                },
            )?;
        }
        Format::Concise => report::concise::render(reports, target)?,
        Format::Json => report::json::render(reports, target)?,
    }
    target.flush()
}

fn list_rules(format: ListFormat, out: &mut dyn Write) -> std::io::Result<()> {
    match format {
        ListFormat::Human => {
            for r in rules::RULES {
                let fix = match r.fix {
                    rules::FixAvailability::None => "",
                    _ => " (fixable)",
                };
                writeln!(
                    out,
                    "{}  {:<34} {:<7}  {}{fix}",
                    r.code,
                    r.name,
                    r.severity.as_str(),
                    r.summary
                )?;
            }
        }
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = rules::RULES
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "code": r.code,
                        "name": r.name,
                        "severity": r.severity.as_str(),
                        "summary": r.summary,
                        "fixable": r.fix != rules::FixAvailability::None,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &list)?;
            writeln!(out)?;
        }
    }
    Ok(())
}

/// Paths of the current process, for `main`.
pub fn env_from_process() -> RunEnv {
    use std::io::IsTerminal;
    RunEnv {
        stdout_is_terminal: std::io::stdout().is_terminal(),
        no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        term_width: std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()),
    }
}
