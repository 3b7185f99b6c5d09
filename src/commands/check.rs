//! `sentrylint check`: lint installs and report.

use std::io::Write;

use rayon::prelude::*;

use crate::RunEnv;
use crate::cli::{CheckArgs, ColorChoice, CommonArgs, Format, ListFormat};
use crate::commands::{Reported, load_installs, parse_version};
use crate::diagnostic::Severity;
use crate::model::load::LoadOptions;
use crate::report::{self, InstallReport};
use crate::rules::{self, RuleSelection};

/// Checks `--select`/`--ignore` codes name rules, printing why not.
pub fn selection(common: &CommonArgs, err: &mut dyn Write) -> Result<RuleSelection, Reported> {
    for code in common.select.iter().chain(&common.ignore) {
        let known = code.eq_ignore_ascii_case("ALL")
            || rules::RULES
                .iter()
                .any(|r| r.code.starts_with(&code.to_ascii_uppercase()) || r.name == code.as_str());
        if !known {
            let hint = rules::helpers::did_you_mean(code, rules::RULES.iter().map(|r| r.code))
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            let _ = writeln!(err, "error: `{code}` matches no rule{hint}");
            return Err(Reported);
        }
    }
    Ok(RuleSelection {
        select: common.select.clone(),
        ignore: common.ignore.clone(),
        severity: Vec::new(),
    })
}

pub fn run(
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
    let Ok(selection) = selection(common, err) else {
        return Ok(2);
    };
    let (installs, path_problems) =
        load_installs(&args.paths, &LoadOptions { sentry_version }, err)?;
    let reports: Vec<InstallReport> = installs
        .into_par_iter()
        .map(|install| {
            let mut diagnostics = rules::check(&install, &selection, target);
            report::redact(&install, &mut diagnostics);
            InstallReport {
                install,
                diagnostics,
            }
        })
        .collect();
    write_report(&reports, common, env, out)?;
    if common.format == Format::Github
        && let Some(path) = &env.github_step_summary
        && let Err(e) = report::summary::append(&reports, path)
    {
        // The annotations are out already; a missing summary is no reason to fail the step.
        writeln!(
            err,
            "warning: cannot append the job summary to {}: {e}",
            path.display()
        )?;
    }
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
        Format::Github => report::github::render(reports, target)?,
        Format::Sarif => report::sarif::render(reports, target)?,
    }
    target.flush()
}

pub fn list_rules(format: ListFormat, out: &mut dyn Write) -> std::io::Result<()> {
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
