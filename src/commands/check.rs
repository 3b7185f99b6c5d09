//! `sentrylint check`: lint installs and report.

use std::io::{Read, Write};

use crate::RunEnv;
use crate::cli::{CheckArgs, ColorChoice, CommonArgs, Format, ListFormat};
use crate::commands::{
    Job, Overrides, Reported, jobs_for, load_job, map_while_planning, parse_version, plan_each_job,
};
use crate::diagnostic::Severity;
use crate::discover;
use crate::model::load::GivenFile;
use crate::model::paths::display_of;
use crate::report::{self, InstallReport};
use crate::rules;

/// Checks that `--select`/`--ignore` name rules, printing why not.
pub fn check_selectors(selectors: &[String], err: &mut dyn Write) -> Result<(), Reported> {
    let mut bad = false;
    for s in selectors {
        if let Some(message) = rules::selector_error(s) {
            let _ = writeln!(err, "error: {message}");
            bad = true;
        }
    }
    if bad { Err(Reported) } else { Ok(()) }
}

/// The flags of `check` that a config file may also set.
fn overrides(common: &CommonArgs, err: &mut dyn Write) -> Result<Overrides, Reported> {
    let (Ok(sentry_version), Ok(target_version), Ok(())) = (
        parse_version("--sentry-version", &common.sentry_version, err),
        parse_version("--target-version", &common.target_version, err),
        check_selectors(&[&common.select[..], &common.ignore[..]].concat(), err),
    ) else {
        return Err(Reported);
    };
    if let Some(problem) = target_version.and_then(|v| crate::kb::Kb::get().target_problem(v)) {
        let _ = writeln!(err, "error: --target-version: {problem}");
        return Err(Reported);
    }
    Ok(Overrides {
        select: common.select.clone(),
        ignore: common.ignore.clone(),
        fail_on: common.fail_on,
        sentry_version,
        target_version,
        config: common.config.clone(),
    })
}

pub fn run(
    args: &CheckArgs,
    env: &RunEnv,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<i32> {
    let common = &args.common;
    let Ok(flags) = overrides(common, err) else {
        return Ok(2);
    };
    let from_stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    if !from_stdin && args.stdin_filename.is_some() {
        let _ = writeln!(
            err,
            "error: --stdin-filename names the file on standard input; pass `-` as the path too"
        );
        return Ok(2);
    }
    // Findings for people are laid out by the thread that checked them.
    let layout = (common.format == Format::Human)
        .then(|| report::human::Layout::new(human_style(common, env)));
    // Each install is loaded, checked and stripped to its text in one go,
    // so a run holds at most a few parse trees at a time.
    let check_job = |job: Job| -> std::io::Result<Checked> {
        let (mut install, settings) = load_job(job);
        let mut diagnostics = rules::check(&install, &settings.selection, settings.target_version);
        report::redact(&install, &mut diagnostics);
        install.keep_for_report(&report::quoted_files(&diagnostics));
        let report = InstallReport {
            install,
            diagnostics,
        };
        let laid_out = match &layout {
            Some(l) => l.install(&report)?,
            None => String::new(),
        };
        Ok(Checked {
            report,
            fail_threshold: settings.fail_threshold,
            laid_out,
        })
    };
    let (planned, checked) = if from_stdin {
        match stdin_job(args, &flags, env, err) {
            Ok(job) => (Ok(Vec::new()), vec![check_job(job)]),
            Err(reported) => (Err(reported), Vec::new()),
        }
    } else {
        map_while_planning(
            |planned| plan_each_job(&args.paths, &flags, err, planned),
            check_job,
        )
    };
    let Ok(path_problems) = planned else {
        return Ok(2);
    };
    let mut checked = checked.into_iter().collect::<std::io::Result<Vec<_>>>()?;
    // Installs come back in the order they were checked in.
    checked.sort_by(|a, b| {
        let (a, b) = (&a.report.install, &b.report.install);
        (&a.display_root, &a.root).cmp(&(&b.display_root, &b.root))
    });
    let failed = checked.iter().any(|c| {
        c.fail_threshold
            .is_some_and(|t| c.report.diagnostics.iter().any(|d| d.severity >= t))
    });
    let (reports, laid_out): (Vec<InstallReport>, Vec<String>) =
        checked.into_iter().map(|c| (c.report, c.laid_out)).unzip();
    if let Some(path) = &common.output
        && let Ok(target) = std::fs::canonicalize(path)
        && let Some(file) = reports
            .iter()
            .flat_map(|r| &r.install.files)
            .find(|f| std::fs::canonicalize(&f.path).is_ok_and(|p| p == target))
    {
        // Writing the report there would destroy the file just linted.
        writeln!(
            err,
            "error: --output {}: is {}, a file of the install; nothing was written",
            path.display(),
            file.display
        )?;
        return Ok(2);
    }
    write_report(&reports, &laid_out, common, out)?;
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
    let input_error = !path_problems.is_empty()
        || reports
            .iter()
            .any(|r| r.diagnostics.iter().any(|d| d.code == "SL000"));
    Ok(if input_error {
        2
    } else if failed {
        1
    } else {
        0
    })
}

/// The install of the file `--stdin-filename` names, with standard input
/// in place of that file: an editor lints its unsaved buffer against the
/// rest of the install on disk.
fn stdin_job(
    args: &CheckArgs,
    flags: &Overrides,
    env: &RunEnv,
    err: &mut dyn Write,
) -> Result<Job, Reported> {
    let fail = |err: &mut dyn Write, message: String| {
        let _ = writeln!(err, "error: {message}");
        Reported
    };
    if args.paths.len() != 1 {
        return Err(fail(
            err,
            "`-` reads one file from standard input; give no other paths with it".into(),
        ));
    }
    let Some(name) = &args.stdin_filename else {
        return Err(fail(
            err,
            "`-` needs --stdin-filename PATH: the path of the file on standard input".into(),
        ));
    };
    let shown = display_of(name);
    let (root, kind) =
        discover::root_of_named_file(name).map_err(|m| fail(err, format!("{shown}: {m}")))?;
    let bytes = match &env.stdin {
        Some(bytes) => bytes.clone(),
        None => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| fail(err, format!("cannot read standard input: {e}")))?;
            bytes
        }
    };
    let mut job = jobs_for(vec![root], flags, err)?.pop().ok_or(Reported)?;
    job.given = Some(GivenFile {
        kind,
        bytes,
        display: shown,
    });
    Ok(job)
}

/// How findings for people look here: colored on a terminal (unless told
/// otherwise), as wide as it is.
fn human_style(common: &CommonArgs, env: &RunEnv) -> report::human::Style {
    let color = match common.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => env.stdout_is_terminal && !env.no_color && common.output.is_none(),
    };
    report::human::Style {
        color,
        width: env.term_width.unwrap_or(100),
    }
}

/// An install checked: its report, the severity from which its findings
/// fail the run, and its findings laid out for people (empty in other
/// formats).
struct Checked {
    report: InstallReport,
    fail_threshold: Option<Severity>,
    laid_out: String,
}

/// Writes the report; `laid_out` holds the human findings already laid
/// out, install by install.
fn write_report(
    reports: &[InstallReport],
    laid_out: &[String],
    common: &CommonArgs,
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
        Format::Human => report::human::write_laid_out(reports, laid_out, target)?,
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
