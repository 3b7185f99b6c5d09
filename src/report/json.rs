//! `{"version": 1, "diagnostics": [...], "summary": {...}}`; the schema is in
//! the README and stays stable.

use std::io::{self, Write};

use serde::Serialize;

use crate::fix::Applicability;
use crate::model::ReleaseSource;
use crate::report::{Counts, InstallReport, counts, position};

#[derive(Serialize)]
struct Output<'a> {
    version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
pub struct JsonDiagnostic<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub severity: &'a str,
    pub message: &'a str,
    pub help: &'a str,
    pub file: &'a str,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub end_line: Option<usize>,
    pub end_column: Option<usize>,
    /// Other places of the finding: where a value was merged in from, the
    /// other services a repeated problem is found in.
    pub related: Vec<JsonRelated<'a>>,
    pub fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
pub struct JsonRelated<'a> {
    #[serde(flatten)]
    pub range: JsonRange<'a>,
    pub message: &'a str,
}

#[derive(Serialize)]
pub struct JsonFix<'a> {
    pub applicability: Applicability,
    pub title: &'a str,
    pub reason: Option<&'a str>,
    pub edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
pub struct JsonEdit<'a> {
    #[serde(flatten)]
    pub range: JsonRange<'a>,
    pub content: &'a str,
}

/// A range of a file, 1-based, columns in code points.
#[derive(Serialize)]
pub struct JsonRange<'a> {
    pub file: &'a str,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl<'a> JsonRange<'a> {
    fn of(install: &'a crate::model::Install, file: usize, span: crate::source::Span) -> Self {
        let f = &install.files[file];
        let (a, b) = (
            f.line_col(span.start as usize),
            f.line_col(span.end as usize),
        );
        JsonRange {
            file: &f.display,
            line: a.line,
            column: a.column,
            end_line: b.line,
            end_column: b.column,
        }
    }
}

#[derive(Serialize)]
struct Summary {
    #[serde(flatten)]
    counts: Counts,
    installs: Vec<InstallSummary>,
}

#[derive(Serialize)]
struct InstallSummary {
    root: String,
    release: Option<String>,
    release_source: String,
}

pub fn diagnostics(reports: &[InstallReport]) -> Vec<JsonDiagnostic<'_>> {
    let mut out = Vec::new();
    for r in reports {
        for d in &r.diagnostics {
            let pos = position(&r.install, d);
            out.push(JsonDiagnostic {
                code: d.code,
                name: d.name,
                severity: d.severity.as_str(),
                message: &d.message,
                help: &d.help,
                file: &d.path,
                line: pos.map(|p| p.0),
                column: pos.map(|p| p.1),
                end_line: pos.map(|p| p.2),
                end_column: pos.map(|p| p.3),
                related: d
                    .labels
                    .iter()
                    .map(|l| JsonRelated {
                        range: JsonRange::of(&r.install, l.file, l.span),
                        message: &l.message,
                    })
                    .collect(),
                fix: d.fix.as_ref().map(|f| JsonFix {
                    applicability: f.applicability,
                    title: &f.title,
                    reason: f.reason.as_deref(),
                    edits: f
                        .edits
                        .iter()
                        .map(|e| JsonEdit {
                            range: JsonRange::of(&r.install, e.file, e.span),
                            content: &e.text,
                        })
                        .collect(),
                }),
            });
        }
    }
    out
}

pub fn release_source(source: &ReleaseSource, r: &InstallReport) -> String {
    match source {
        ReleaseSource::Configured => "configured (--sentry-version or sentry-version)".into(),
        ReleaseSource::EnvImage { file, .. } => {
            format!("SENTRY_IMAGE in {}", r.install.files[*file].display)
        }
        ReleaseSource::ComposeImage { file, .. } => {
            format!(
                "getsentry/sentry image in {}",
                r.install.files[*file].display
            )
        }
        ReleaseSource::Unknown { reason } => format!("unknown: {reason}"),
    }
}

pub fn render(reports: &[InstallReport], out: &mut dyn Write) -> io::Result<()> {
    let output = Output {
        version: 1,
        diagnostics: diagnostics(reports),
        summary: Summary {
            counts: counts(reports.iter().flat_map(|r| &r.diagnostics)),
            installs: reports
                .iter()
                .map(|r| InstallSummary {
                    root: r.install.display_root.clone(),
                    release: r.install.release.version.map(|v| v.to_string()),
                    release_source: release_source(&r.install.release.source, r),
                })
                .collect(),
        },
    };
    serde_json::to_writer_pretty(&mut *out, &output)?;
    writeln!(out)
}
