//! miette reports with the source snippet (secrets masked), then a summary.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

use rayon::prelude::*;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

use crate::diagnostic::{Diagnostic, Severity};
use crate::report::{InstallReport, counts, describe, masked_sources, plural};

#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub color: bool,
    pub width: usize,
}

/// One finding as miette sees it; labels in other files become related reports.
struct Pretty {
    code: String,
    message: String,
    help: Option<String>,
    severity: miette::Severity,
    source: Option<NamedSource<Arc<String>>>,
    labels: Vec<LabeledSpan>,
    related: Vec<Pretty>,
}

impl fmt::Debug for Pretty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Pretty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Pretty {}

impl miette::Diagnostic for Pretty {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(&self.code) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty())
            .then(|| Box::new(self.labels.iter().cloned()) as Box<dyn Iterator<Item = LabeledSpan>>)
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        (!self.related.is_empty()).then(|| {
            Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic))
                as Box<dyn Iterator<Item = &dyn miette::Diagnostic>>
        })
    }
}

fn span(s: crate::source::Span) -> SourceSpan {
    SourceSpan::new((s.start as usize).into(), s.len())
}

/// Snippet lines longer than this (in bytes) are not shown: miette cannot
/// pad past column 65,535, and such a line is no use on a terminal.
const MAX_SNIPPET_LINE: usize = 2_000;

/// The lines a snippet of `span` shows (with one line of context each
/// side) are short enough to print.
fn snippet_fits(file: &crate::source::SourceFile, span: crate::source::Span) -> bool {
    let first = file.line_index(span.start as usize).saturating_sub(1);
    let last = (file.line_index(span.end as usize) + 1).min(file.line_count() - 1);
    (first..=last).all(|l| file.line_end(l) - file.line_start(l) <= MAX_SNIPPET_LINE)
}

fn pretty(r: &InstallReport, d: &Diagnostic, sources: &HashMap<usize, Arc<String>>) -> Pretty {
    if let Some(f) = d.file
        && !snippet_fits(&r.install.files[f], d.span)
    {
        let at = r.install.files[f].line_col(d.span.start as usize);
        let mut plain = d.clone();
        plain.message = format!(
            "{}\n(at {}:{}:{}; the line is too long to show)",
            d.message, d.path, at.line, at.column
        );
        plain.file = None;
        plain.labels.clear();
        return pretty(r, &plain, sources);
    }
    let severity = match d.severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    };
    let mut labels = Vec::new();
    let mut related = Vec::new();
    let source = d
        .file
        .map(|f| NamedSource::new(&r.install.files[f].display, sources[&f].clone()));
    if d.file.is_some() {
        labels.push(LabeledSpan::new_primary_with_span(None, span(d.span)));
    }
    for l in &d.labels {
        if !snippet_fits(&r.install.files[l.file], l.span) {
            continue;
        }
        if Some(l.file) == d.file {
            labels.push(LabeledSpan::new_with_span(
                Some(l.message.clone()),
                span(l.span),
            ));
        } else {
            related.push(Pretty {
                code: String::new(),
                message: l.message.clone(),
                help: None,
                severity: miette::Severity::Advice,
                source: Some(NamedSource::new(
                    &r.install.files[l.file].display,
                    sources[&l.file].clone(),
                )),
                labels: vec![LabeledSpan::new_primary_with_span(None, span(l.span))],
                related: Vec::new(),
            });
        }
    }
    let mut help = d.help.clone();
    if let Some(fix) = &d.fix {
        let how = match fix.applicability {
            crate::fix::Applicability::Safe => "`sentrylint fix --write`",
            crate::fix::Applicability::Unsafe => "`sentrylint fix --write --unsafe-fixes`",
        };
        help.push_str(&format!("\nfix: {} ({how})", fix.title));
    }
    Pretty {
        code: format!("{} {}", d.code, d.name),
        message: d.message.clone(),
        help: (!help.is_empty()).then_some(help),
        severity,
        source,
        labels,
        related,
    }
}

pub fn render(reports: &[InstallReport], out: &mut dyn Write, style: Style) -> io::Result<()> {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false)
        // Help text holds YAML snippets and identifiers: never split a word.
        .with_break_words(false)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
        .without_syntax_highlighting();
    let render_install = |r: &InstallReport| -> io::Result<String> {
        let sources = masked_sources(&r.install);
        let mut text = String::new();
        for d in &r.diagnostics {
            handler
                .render_report(&mut text, &pretty(r, d, &sources))
                .map_err(|_| io::Error::other("rendering failed"))?;
            text.push('\n');
        }
        Ok(text)
    };
    // Laying out reports is a tenth of a run over many broken installs:
    // done on every core, written in order.
    let texts: Vec<io::Result<String>> = if reports.len() > 1 {
        reports.par_iter().map(render_install).collect()
    } else {
        reports.iter().map(render_install).collect()
    };
    for text in texts {
        out.write_all(text?.as_bytes())?;
    }
    let c = counts(reports.iter().flat_map(|r| &r.diagnostics));
    let installs = plural(reports.len(), "install", "installs");
    if c.errors + c.warnings + c.infos == 0 {
        writeln!(out, "All checks passed ({installs} linted).")?;
    } else {
        write!(out, "Found {} in {installs}", describe(c))?;
        if c.fixable > 0 {
            write!(out, "; {} fixable with `sentrylint fix`", c.fixable)?;
        }
        writeln!(out, ".")?;
    }
    Ok(())
}
