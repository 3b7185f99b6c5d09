//! miette reports with the source snippet (secrets masked), then a summary.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

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
    source: Option<NamedSource<Arc<Snippet>>>,
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

/// A file's masked text as miette reads it. miette finds a snippet's lines
/// by scanning the text from its first byte, for every label; this starts
/// the scan a few lines before the label instead, and moves the result to
/// where it is in the file (a tenth of a run over many broken installs was
/// that scan).
struct Snippet {
    text: Arc<String>,
    /// Where each line starts, when every line ends with `\n` (miette also
    /// ends a line at a lone `\r`; such a text is scanned from the top).
    line_starts: Option<Vec<usize>>,
}

impl Snippet {
    fn new(text: Arc<String>) -> Snippet {
        let bytes = text.as_bytes();
        let lone_cr = memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n'));
        let line_starts = (!lone_cr).then(|| crate::source::line_starts(&text));
        Snippet { text, line_starts }
    }
}

impl miette::SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let bytes = self.text.as_bytes();
        // A line more than the context, so that the scan sees as many lines
        // before the span as from the top.
        let first = self.line_starts.as_ref().and_then(|starts| {
            let line = starts.partition_point(|&s| s <= span.offset()).max(1) - 1;
            let first = line.checked_sub(context_lines_before + 1)?;
            Some((first, starts[first]))
        });
        let Some((first, base)) = first.filter(|&(first, _)| first > 0) else {
            return bytes.read_span(span, context_lines_before, context_lines_after);
        };
        let near = SourceSpan::new((span.offset() - base).into(), span.len());
        let c = bytes[base..].read_span(&near, context_lines_before, context_lines_after)?;
        Ok(Box::new(miette::MietteSpanContents::new(
            c.data(),
            SourceSpan::new((c.span().offset() + base).into(), c.span().len()),
            c.line() + first,
            c.column(),
            c.line_count() + first,
        )))
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

fn pretty(r: &InstallReport, d: &Diagnostic, sources: &HashMap<usize, Arc<Snippet>>) -> Pretty {
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

/// Lays findings out as miette does, an install at a time (so that each
/// is laid out on the thread that checked it).
pub struct Layout(GraphicalReportHandler);

impl Layout {
    pub fn new(style: Style) -> Layout {
        let theme = if style.color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        Layout(
            GraphicalReportHandler::new_themed(theme)
                .with_width(style.width)
                .with_links(false)
                // Help text holds YAML snippets and identifiers: never split a word.
                .with_break_words(false)
                .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
                .without_syntax_highlighting(),
        )
    }

    /// The findings of one install, laid out.
    pub fn install(&self, r: &InstallReport) -> io::Result<String> {
        if r.diagnostics.is_empty() {
            return Ok(String::new());
        }
        let sources: HashMap<usize, Arc<Snippet>> = masked_sources(&r.install)
            .into_iter()
            .map(|(f, text)| (f, Arc::new(Snippet::new(text))))
            .collect();
        let mut text = String::new();
        for d in &r.diagnostics {
            self.0
                .render_report(&mut text, &pretty(r, d, &sources))
                .map_err(|_| io::Error::other("rendering failed"))?;
            text.push('\n');
        }
        Ok(text)
    }
}

/// The whole report at once (`check` lays each install out as it is
/// checked, and writes with [`write_laid_out`]).
#[cfg(test)]
pub fn render(reports: &[InstallReport], out: &mut dyn Write, style: Style) -> io::Result<()> {
    let layout = Layout::new(style);
    let texts: io::Result<Vec<String>> = reports.iter().map(|r| layout.install(r)).collect();
    write_laid_out(reports, &texts?, out)
}

/// Writes the installs' findings, laid out by [`Layout::install`] in the
/// same order, then the summary.
pub fn write_laid_out(
    reports: &[InstallReport],
    texts: &[String],
    out: &mut dyn Write,
) -> io::Result<()> {
    for text in texts {
        out.write_all(text.as_bytes())?;
    }
    let c = counts(reports.iter().flat_map(|r| &r.diagnostics));
    let installs = plural(reports.len(), "install", "installs");
    if reports.is_empty() {
        // Nothing was checked, so nothing passed.
        writeln!(out, "No install linted.")?;
    } else if c.errors + c.warnings + c.infos == 0 {
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

#[cfg(test)]
mod tests {
    use super::*;
    use miette::SourceCode;

    #[test]
    fn snippets_read_as_miette_reads_the_whole_text() {
        let texts = [
            "a: 1\nbb: 2\n\nccc: 3\nd: 4\ne: 5\nf: 6\ng: 7",
            "a: 1\r\nbb: 2\r\n\r\nccc: 3\r\nd: 4\r\ne: 5\r\n",
            "x\ry\nz\n1\n2\n3\n4\n5\n",
            "é日本\n😀: 1\n\n\n\nlast",
            "",
        ];
        let mut from_a_line = 0;
        for text in texts {
            let snippet = Snippet::new(Arc::new(text.to_string()));
            // Only a lone `\r` sends a text to miette's scan from the top.
            assert_eq!(snippet.line_starts.is_some(), !text.contains("\ry"));
            for offset in 0..=text.len() {
                for len in [0, 1, 3, 9] {
                    if offset + len > text.len() {
                        continue;
                    }
                    let span = SourceSpan::new(offset.into(), len);
                    for (before, after) in [(0, 0), (1, 1), (2, 3)] {
                        let line = text.as_bytes()[..offset]
                            .iter()
                            .filter(|b| **b == b'\n')
                            .count();
                        from_a_line +=
                            usize::from(snippet.line_starts.is_some() && line > before + 1);
                        let ours = snippet.read_span(&span, before, after);
                        let theirs = text.as_bytes().read_span(&span, before, after);
                        let view =
                            |c: Result<Box<dyn miette::SpanContents>, miette::MietteError>| {
                                c.map(|c| {
                                    (
                                        c.data().to_vec(),
                                        c.span().offset(),
                                        c.span().len(),
                                        c.line(),
                                        c.column(),
                                        c.line_count(),
                                    )
                                })
                                .map_err(|e| e.to_string())
                            };
                        assert_eq!(
                            view(ours),
                            view(theirs),
                            "{text:?} at {offset}+{len}, context {before}/{after}"
                        );
                    }
                }
            }
        }
        // The comparison holds trivially when miette scans from the top;
        // most spans here start their scan at a line past the first.
        assert!(from_a_line > 100, "{from_a_line} spans read from a line");
    }
}
