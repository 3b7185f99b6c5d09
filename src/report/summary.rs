//! The job summary: the whole report as Markdown, appended to the file
//! `GITHUB_STEP_SUMMARY` names. Annotations stop at 10 per level and step;
//! this lists every finding, one table per install, with the release each
//! install was judged against.

use std::io::{self, Write};

use crate::report::json::release_source;
use crate::report::{InstallReport, counts, describe, plural, position};

/// GitHub refuses a step summary over 1024 KiB; stay well under it.
pub const MAX_BYTES: usize = 1000 * 1024;

/// Text safe inside a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace("\r\n", "<br>")
        .replace('\n', "<br>")
}

pub fn render(reports: &[InstallReport]) -> String {
    let mut md = String::from("## sentrylint\n\n");
    let total = counts(reports.iter().flat_map(|r| &r.diagnostics));
    let installs = plural(reports.len(), "install", "installs");
    if reports.is_empty() {
        md.push_str("No install linted.\n");
    } else if total.errors + total.warnings + total.infos == 0 {
        md.push_str(&format!("All checks passed ({installs} linted).\n"));
    } else {
        md.push_str(&format!("**{}** in {installs}", describe(total)));
        if total.fixable > 0 {
            md.push_str(&format!(
                "; {} fixable with `sentrylint fix`",
                total.fixable
            ));
        }
        md.push_str(".\n");
    }
    let mut left_out = 0;
    for r in reports {
        let install = &r.install;
        let release = match install.release.version {
            Some(v) => format!(
                "Sentry {v} ({})",
                release_source(&install.release.source, r)
            ),
            None => format!(
                "Sentry release {}",
                release_source(&install.release.source, r)
            ),
        };
        md.push_str(&format!(
            "\n### `{}`\n\n{}\n\n",
            cell(&install.display_root),
            cell(&release)
        ));
        let c = counts(&r.diagnostics);
        if r.diagnostics.is_empty() {
            md.push_str("No findings.\n");
            continue;
        }
        md.push_str(&format!("{}.\n\n", describe(c)));
        md.push_str("| Severity | Rule | Location | Message |\n|---|---|---|---|\n");
        // Most severe first, as in the annotations; by position within a level.
        let mut rows: Vec<&crate::diagnostic::Diagnostic> = r.diagnostics.iter().collect();
        rows.sort_by_key(|d| std::cmp::Reverse(d.severity));
        for d in rows {
            let at = match position(install, d) {
                Some((line, col, _, _)) => format!("{}:{line}:{col}", d.path),
                None => d.path.clone(),
            };
            let mut message = cell(&d.message);
            if let Some(fix) = &d.fix {
                message.push_str(&format!("<br>fix: {}", cell(&fix.title)));
            }
            let row = format!(
                "| {} | {} {} | `{}` | {} |\n",
                d.severity.as_str(),
                d.code,
                d.name,
                cell(&at),
                message
            );
            if md.len() + row.len() > MAX_BYTES {
                left_out += 1;
                continue;
            }
            md.push_str(&row);
        }
    }
    if left_out > 0 {
        md.push_str(&format!(
            "\n{} not shown: the summary would exceed GitHub's size limit. \
             Run `sentrylint check` for the full report.\n",
            plural(left_out, "finding is", "findings are")
        ));
    }
    md
}

/// Appends the summary to `path` (created if missing), as GitHub expects.
pub fn append(reports: &[InstallReport], path: &std::path::Path) -> io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(render(reports).as_bytes())?;
    file.flush()
}
