//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice`
//! line per finding, which the runner turns into annotations on the diff.
//!
//! GitHub shows at most 10 error and 10 warning annotations per step, so the
//! most severe findings come first; the job summary (`summary.rs`) lists
//! everything. The runner silently drops an annotation whose `col`/
//! `endColumn` are given on a span crossing lines, so those are left out then.

use std::io::{self, Write};

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::paths::RepoPaths;
use crate::report::{InstallReport, counts, position, repo_path};

/// What GitHub shows per step for each of errors and warnings (notices too).
pub const ANNOTATIONS_PER_LEVEL: usize = 10;

/// Escapes the message part of a workflow command, as `actions/toolkit`
/// (`packages/core/src/command.ts`, `escapeData`) does.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`file=`, `title=`): also `:` and `,`, which
/// would otherwise end the property list (`escapeProperty`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// One workflow command line (without the line break).
pub fn command(file: &str, pos: Option<(usize, usize, usize, usize)>, d: &Diagnostic) -> String {
    let mut props = vec![format!("file={}", escape_property(file))];
    if let Some((line, col, end_line, end_col)) = pos {
        props.push(format!("line={line}"));
        if line == end_line {
            props.push(format!("col={col}"));
        }
        props.push(format!("endLine={end_line}"));
        if line == end_line {
            props.push(format!("endColumn={end_col}"));
        }
    }
    props.push(format!(
        "title={}",
        escape_property(&format!("sentrylint {}", d.code))
    ));
    let mut text = d.message.clone();
    if !d.help.is_empty() {
        text.push('\n');
        text.push_str(&d.help);
    }
    if let Some(fix) = &d.fix {
        let how = match fix.applicability {
            crate::fix::Applicability::Safe => "sentrylint fix --write",
            crate::fix::Applicability::Unsafe => "sentrylint fix --write --unsafe-fixes",
        };
        text.push_str(&format!("\nfix: {} (`{how}`)", fix.title));
    }
    format!(
        "::{} {}::{}",
        command_name(d.severity),
        props.join(","),
        escape_data(&text)
    )
}

pub fn render(reports: &[InstallReport], out: &mut dyn Write) -> io::Result<()> {
    let mut lines: Vec<(Severity, String)> = Vec::new();
    for r in reports {
        let paths = RepoPaths::new(&r.install);
        for d in &r.diagnostics {
            let file = repo_path(&paths, &r.install, d);
            lines.push((d.severity, command(&file, position(&r.install, d), d)));
        }
    }
    // Stable: within a level, installs and positions keep their order.
    lines.sort_by_key(|(severity, _)| std::cmp::Reverse(*severity));
    for (_, line) in &lines {
        writeln!(out, "{line}")?;
    }
    let c = counts(reports.iter().flat_map(|r| &r.diagnostics));
    if c.errors > ANNOTATIONS_PER_LEVEL
        || c.warnings > ANNOTATIONS_PER_LEVEL
        || c.infos > ANNOTATIONS_PER_LEVEL
    {
        writeln!(
            out,
            "sentrylint: {} errors, {} warnings, {} notes; GitHub annotates at most {ANNOTATIONS_PER_LEVEL} of each per step, \
             the job summary lists them all",
            c.errors, c.warnings, c.infos
        )?;
    }
    Ok(())
}
