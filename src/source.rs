//! Files and spans. Byte offsets everywhere; line and column only when a
//! reporter asks (columns count Unicode code points, which GitHub, SARIF with
//! `columnKind: unicodeCodePoints` and most editors agree on).

use std::path::PathBuf;

/// A byte range `[start, end)` in one file's text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }
    pub fn empty(at: usize) -> Span {
        Span::new(at, at)
    }
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
    pub fn cover(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
    pub fn contains(self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }
    pub fn overlaps(self, other: Span) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// What a file is to a self-hosted install.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    Compose,
    ComposeOverride,
    Env,
    EnvCustom,
    SentryConfPy,
    SentryConfigYml,
    /// `taskbroker/config.yml` (26.6.0 on): the topics the taskbroker reads.
    TaskbrokerConfig,
}

impl FileKind {
    /// Path of the file relative to the deployment root, as self-hosted lays it out.
    pub fn relative_path(self) -> &'static str {
        match self {
            FileKind::Compose => "docker-compose.yml",
            FileKind::ComposeOverride => "docker-compose.override.yml",
            FileKind::Env => ".env",
            FileKind::EnvCustom => ".env.custom",
            FileKind::SentryConfPy => "sentry/sentry.conf.py",
            FileKind::SentryConfigYml => "sentry/config.yml",
            FileKind::TaskbrokerConfig => "taskbroker/config.yml",
        }
    }

    /// The names the file may have in the deployment root, in the order
    /// `docker compose` tries them (compose-go's `DefaultFileNames` and
    /// `DefaultOverrideFileNames`): it reads the first that exists.
    pub fn names(self) -> &'static [&'static str] {
        match self {
            FileKind::Compose => &[
                "compose.yaml",
                "compose.yml",
                "docker-compose.yml",
                "docker-compose.yaml",
            ],
            FileKind::ComposeOverride => &[
                "compose.override.yml",
                "compose.override.yaml",
                "docker-compose.override.yml",
                "docker-compose.override.yaml",
            ],
            FileKind::Env => &[".env"],
            FileKind::EnvCustom => &[".env.custom"],
            FileKind::SentryConfPy => &["sentry/sentry.conf.py"],
            FileKind::SentryConfigYml => &["sentry/config.yml"],
            FileKind::TaskbrokerConfig => &["taskbroker/config.yml"],
        }
    }

    /// The path of the file in the deployment root `dir`: the first of
    /// [`FileKind::names`] that exists there (a folder counts: compose
    /// would try to read it and fail), else the one self-hosted uses.
    pub fn path_in(self, dir: &std::path::Path) -> &'static str {
        let names = self.names();
        names
            .iter()
            .find(|n| std::fs::symlink_metadata(dir.join(n)).is_ok())
            .copied()
            .unwrap_or(self.relative_path())
    }

    pub const ALL: [FileKind; 7] = [
        FileKind::Compose,
        FileKind::ComposeOverride,
        FileKind::Env,
        FileKind::EnvCustom,
        FileKind::SentryConfPy,
        FileKind::SentryConfigYml,
        FileKind::TaskbrokerConfig,
    ];

    /// The comment leader used for suppressions and for text we insert.
    pub fn is_yaml(self) -> bool {
        matches!(
            self,
            FileKind::Compose
                | FileKind::ComposeOverride
                | FileKind::SentryConfigYml
                | FileKind::TaskbrokerConfig
        )
    }
}

/// One file of an install: its text (without a UTF-8 BOM) and where it lives.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path used to read and write the file.
    pub path: PathBuf,
    /// Path shown to the user: as given on the command line or relative to the walked folder.
    pub display: String,
    pub kind: FileKind,
    pub text: String,
    /// The file started with a UTF-8 BOM (kept out of `text`, restored on write).
    pub bom: bool,
    line_starts: Vec<u32>,
    /// Byte ranges whose content must never be printed (secret values).
    pub secrets: Vec<Span>,
}

/// A 1-based line and column (column in Unicode code points).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// Where each line of `text` starts (after each `\n`), from 0.
pub fn line_starts(text: &str) -> Vec<usize> {
    // Sized for compose files (lines of about 40 bytes).
    let mut starts = Vec::with_capacity(text.len() / 32 + 1);
    starts.push(0);
    starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
    starts
}

impl SourceFile {
    pub fn new(path: PathBuf, display: String, kind: FileKind, text: String, bom: bool) -> Self {
        // Offsets fit in u32 (files are at most 8 MiB), halving the index.
        let line_starts = line_starts(&text).into_iter().map(|s| s as u32).collect();
        SourceFile {
            path,
            display,
            kind,
            text,
            bom,
            line_starts,
            secrets: Vec::new(),
        }
    }

    /// Empties the text of a file no finding points into, once the rules
    /// have run: a report names it but never quotes it.
    pub fn forget_text(&mut self) {
        self.text = String::new();
        self.line_starts = vec![0];
        self.secrets = Vec::new();
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }

    /// 0-based line index of a byte offset.
    pub fn line_index(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Byte offset where 0-based line `line` starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts
            .get(line)
            .map(|&s| s as usize)
            .unwrap_or(self.text.len())
    }

    /// Byte offset of the end of 0-based line `line`, before its line break.
    pub fn line_end(&self, line: usize) -> usize {
        let next = self.line_start(line + 1);
        let bytes = self.text.as_bytes();
        let mut end = next;
        if end > self.line_start(line) && end <= bytes.len() && end > 0 && bytes[end - 1] == b'\n' {
            end -= 1;
            if end > self.line_start(line) && bytes[end - 1] == b'\r' {
                end -= 1;
            }
        }
        end.max(self.line_start(line))
    }

    /// Byte offset just after the line break of 0-based line `line` (or EOF).
    pub fn line_end_with_break(&self, line: usize) -> usize {
        self.line_start(line + 1)
    }

    pub fn line_text(&self, line: usize) -> &str {
        &self.text[self.line_start(line)..self.line_end(line)]
    }

    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = offset.min(self.text.len());
        let line = self.line_index(offset);
        let start = self.line_start(line);
        let mut end = offset;
        while end > start && !self.text.is_char_boundary(end) {
            end -= 1;
        }
        LineCol {
            line: line + 1,
            column: self.text[start..end].chars().count() + 1,
        }
    }

    /// The line break this file uses (CRLF if its first line ends so).
    pub fn newline(&self) -> &'static str {
        match self.text.find('\n') {
            Some(i) if i > 0 && self.text.as_bytes()[i - 1] == b'\r' => "\r\n",
            _ => "\n",
        }
    }

    /// The text with every secret span replaced by `*`, byte for byte, so
    /// offsets stay valid for rendering.
    pub fn masked_text(&self) -> std::borrow::Cow<'_, str> {
        if self.secrets.is_empty() {
            return std::borrow::Cow::Borrowed(&self.text);
        }
        let mut out = String::with_capacity(self.text.len());
        let mut last = 0;
        let mut spans = self.secrets.clone();
        spans.sort();
        for span in spans {
            // Overlapping spans (a parser's and a line's) mask their union.
            let (s, e) = ((span.start as usize).max(last), span.end as usize);
            if e <= s || e > self.text.len() {
                continue;
            }
            out.push_str(&self.text[last..s]);
            // One `*` per byte keeps every later offset valid.
            out.extend(std::iter::repeat_n('*', e - s));
            last = e;
        }
        out.push_str(&self.text[last..]);
        std::borrow::Cow::Owned(out)
    }

    /// True when `span` touches a secret value.
    pub fn touches_secret(&self, span: Span) -> bool {
        self.secrets.iter().any(|s| {
            s.overlaps(span) || (span.is_empty() && s.start <= span.start && span.start < s.end)
        })
    }

    /// True when 0-based line `line` holds (part of) a secret value.
    pub fn line_has_secret(&self, line: usize) -> bool {
        let span = Span::new(self.line_start(line), self.line_end_with_break(line));
        self.secrets.iter().any(|s| s.overlaps(span))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new(
            "x".into(),
            "x".into(),
            FileKind::Env,
            text.to_string(),
            false,
        )
    }

    #[test]
    fn columns_count_code_points_not_bytes() {
        let f = file("a: \"héllo\"\nb: x\n");
        let b = f.text.find("b:").unwrap();
        assert_eq!(f.line_col(b), LineCol { line: 2, column: 1 });
        let x = f.text.find('x').unwrap();
        assert_eq!(f.line_col(x), LineCol { line: 2, column: 4 });
        let o = f.text.find('o').unwrap();
        // `héllo`: the `o` is the 5th code point after the quote at column 4.
        assert_eq!(f.line_col(o), LineCol { line: 1, column: 9 });
    }

    #[test]
    fn line_end_strips_crlf() {
        let f = file("ab\r\ncd\r\n");
        assert_eq!(f.line_text(0), "ab");
        assert_eq!(f.line_text(1), "cd");
        assert_eq!(f.newline(), "\r\n");
        assert_eq!(f.line_count(), 3);
    }

    #[test]
    fn masking_keeps_offsets() {
        let mut f = file("KEY=sécret\nX=1\n");
        let s = f.text.find("sécret").unwrap();
        f.secrets.push(Span::new(s, s + "sécret".len()));
        let masked = f.masked_text();
        assert!(!masked.contains("sécret"));
        assert!(masked.starts_with("KEY=*******\n"));
        assert_eq!(masked.len(), f.text.len());
        assert!(f.line_has_secret(0));
        assert!(!f.line_has_secret(1));
    }

    #[test]
    fn overlapping_secret_spans_mask_their_union() {
        let mut f = file("K=abcdefgh\n");
        f.secrets.push(Span::new(2, 6));
        f.secrets.push(Span::new(4, 10));
        f.secrets.push(Span::new(3, 5));
        assert_eq!(f.masked_text(), "K=********\n");
    }
}
