//! Edits are splices of byte ranges of a file's original text; a fix is a
//! set of edits with a title and a safety class. Rule fixes and migration
//! steps both produce them, and both are applied and diffed here.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::FileId;
use crate::source::{SourceFile, Span};

pub mod env_ops;
pub mod py_ops;
pub mod write;
pub mod yaml_ops;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Needs a human: applied only with `--unsafe-fixes`.
    Unsafe,
    /// Keeps every operator value; applied by `fix --write`.
    Safe,
}

/// Replace `span` of `file` with `text` (an insertion when the span is empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub file: FileId,
    pub span: Span,
    pub text: String,
}

impl Edit {
    pub fn replace(file: FileId, span: Span, text: impl Into<String>) -> Edit {
        Edit {
            file,
            span,
            text: text.into(),
        }
    }

    pub fn insert(file: FileId, at: usize, text: impl Into<String>) -> Edit {
        Edit::replace(file, Span::empty(at), text)
    }

    pub fn delete(file: FileId, span: Span) -> Edit {
        Edit::replace(file, span, "")
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// Imperative: "Add `organizations:session-replay` to SENTRY_FEATURES".
    pub title: String,
    pub applicability: Applicability,
    /// For unsafe fixes: what could go wrong.
    pub reason: Option<String>,
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn safe(title: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix {
            title: title.into(),
            applicability: Applicability::Safe,
            reason: None,
            edits,
        }
    }

    pub fn unsafe_edits(
        title: impl Into<String>,
        reason: impl Into<String>,
        edits: Vec<Edit>,
    ) -> Fix {
        Fix {
            title: title.into(),
            applicability: Applicability::Unsafe,
            reason: Some(reason.into()),
            edits,
        }
    }
}

/// A file written whole: one a release adds (`taskbroker/config.yml`),
/// created, or replaced by the release's text when it is still an earlier
/// release's. Always safe: a file with the
/// operator's own text is never one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WholeFile {
    pub title: String,
    /// Relative to the install root, with `/` separators.
    pub path: String,
    /// The text on disk when it was read; `None` for a new file.
    pub old: Option<String>,
    pub text: String,
}

impl WholeFile {
    /// The file as the install's files are shown (`display_root/path`).
    pub fn display(&self, install: &crate::model::Install) -> String {
        crate::model::load::join_display(&install.display_root, &self.path)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverlapError {
    pub first: Span,
    pub second: Span,
}

/// Applies edits to one text, all against the original offsets. Edits must
/// not overlap (two insertions at the same point keep their order).
pub fn apply(text: &str, edits: &[&Edit]) -> Result<String, OverlapError> {
    let mut sorted: Vec<&Edit> = edits.to_vec();
    sorted.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len() + 256);
    let mut last = 0usize;
    let mut prev: Option<Span> = None;
    for e in sorted {
        let (s, end) = (e.span.start as usize, e.span.end as usize);
        if let Some(p) = prev
            && (s < p.end as usize || (p.overlaps(e.span)))
        {
            return Err(OverlapError {
                first: p,
                second: e.span,
            });
        }
        if end > text.len() || s > end || !text.is_char_boundary(s) || !text.is_char_boundary(end) {
            return Err(OverlapError {
                first: e.span,
                second: e.span,
            });
        }
        out.push_str(&text[last..s]);
        out.push_str(&e.text);
        last = end;
        prev = Some(e.span);
    }
    out.push_str(&text[last..]);
    Ok(out)
}

/// Applies edits grouped by file; returns the new text of every changed file.
pub fn apply_by_file(
    files: &[SourceFile],
    edits: &[&Edit],
) -> Result<BTreeMap<FileId, String>, (FileId, OverlapError)> {
    let mut by_file: BTreeMap<FileId, Vec<&Edit>> = BTreeMap::new();
    for e in edits {
        by_file.entry(e.file).or_default().push(e);
    }
    let mut out = BTreeMap::new();
    for (file, edits) in by_file {
        let new = apply(&files[file].text, &edits).map_err(|e| (file, e))?;
        if new != files[file].text {
            out.insert(file, new);
        }
    }
    Ok(out)
}

/// Picks fixes whose edits do not overlap an already picked one (the next
/// round picks up the rest), in the given order.
pub fn non_overlapping<'a>(fixes: impl IntoIterator<Item = &'a Fix>) -> Vec<&'a Fix> {
    let mut taken: Vec<(FileId, Span)> = Vec::new();
    let mut out = Vec::new();
    for fix in fixes {
        let clash = fix.edits.iter().any(|e| {
            taken.iter().any(|(f, s)| {
                *f == e.file
                    && (s.overlaps(e.span)
                        || (e.span.is_empty() && s.start < e.span.start && e.span.start < s.end)
                        || (s.is_empty() && e.span.start < s.start && s.start < e.span.end))
            })
        });
        if clash {
            continue;
        }
        taken.extend(fix.edits.iter().map(|e| (e.file, e.span)));
        out.push(fix);
    }
    out
}

/// A unified diff of one file with `a/` and `b/` headers and 3 lines of
/// context, which `git apply` and `patch -p1` accept. Lines for which
/// `hidden` (0-based index in the old text) is true hold secrets: they never
/// appear, not even as context (a hunk is cut or split before them), and a
/// hunk that would change one is left out; the second value counts those.
pub fn unified_diff(
    path: &str,
    old: &str,
    new: &str,
    hidden: &dyn Fn(usize) -> bool,
) -> (String, usize) {
    unified_diff_hiding(path, old, new, hidden, &|_| false)
}

/// The diff of one file of an install: its secret lines never show, and
/// neither does a hunk that adds a line holding one of its secret values
/// (a change may carry a value from another file). The file is named as
/// `git diff` names it, relative to the repository root (else the current
/// folder), so that `git apply` takes the diff from any folder.
pub fn install_diff(install: &crate::model::Install, file: FileId, new: &str) -> (String, usize) {
    let f = install.file(file);
    let secrets = crate::model::secrets::Secrets::distinctive(&install.files);
    let path = crate::model::paths::RepoPaths::new(install).of_file(install, file);
    unified_diff_hiding(
        &path,
        &f.text,
        new,
        &|line| f.line_has_secret(line),
        &|text| adds_secret(&secrets, text),
    )
}

/// A line a change adds holds one of the install's secret values, or
/// names a value of its own (`POSTGRES_PASSWORD=...`): a change may copy one.
fn adds_secret(secrets: &crate::model::secrets::Secrets, text: &str) -> bool {
    secrets.found_in(text)
        || crate::model::secrets::named_values(text)
            .any(|(k, v)| !crate::model::secrets::is_published_default(k, v))
}

/// The diff of a whole file of an install, named as [`install_diff`] names
/// files; a new file's as `git diff` writes it (`new file mode 100644`,
/// `--- /dev/null`), which `git apply` and `patch -p1` create.
pub fn whole_file_diff(install: &crate::model::Install, file: &WholeFile) -> (String, usize) {
    let secrets = crate::model::secrets::Secrets::distinctive(&install.files);
    let path = crate::model::paths::RepoPaths::new(install)
        .of_path(&install.root.join(&file.path), &file.display(install));
    let old = file.old.as_deref().unwrap_or("");
    let (diff, withheld) = unified_diff_hiding(&path, old, &file.text, &|_| false, &|text| {
        adds_secret(&secrets, text)
    });
    match (&file.old, diff.split_once('\n')) {
        (None, Some((_, rest))) => (
            format!("diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n{rest}"),
            withheld,
        ),
        _ => (diff, withheld),
    }
}

/// [`unified_diff`], also hiding added lines for which `hidden_new` is true.
pub fn unified_diff_hiding(
    path: &str,
    old: &str,
    new: &str,
    hidden: &dyn Fn(usize) -> bool,
    hidden_new: &dyn Fn(&str) -> bool,
) -> (String, usize) {
    use similar::{ChangeTag, TextDiff};
    const CONTEXT: usize = 3;
    if old == new {
        return (String::new(), 0);
    }
    struct Line<'t> {
        tag: ChangeTag,
        /// Lines before this one on each side.
        old: usize,
        new: usize,
        text: &'t str,
    }
    let diff = TextDiff::from_lines(old, new);
    let (mut o, mut n) = (0, 0);
    let mut lines: Vec<Line> = Vec::new();
    for change in diff.iter_all_changes() {
        lines.push(Line {
            tag: change.tag(),
            old: o,
            new: n,
            text: change.value(),
        });
        match change.tag() {
            ChangeTag::Equal => {
                o += 1;
                n += 1;
            }
            ChangeTag::Delete => o += 1,
            ChangeTag::Insert => n += 1,
        }
    }
    let is_hidden = |l: &Line| {
        if l.tag == ChangeTag::Insert {
            hidden_new(l.text)
        } else {
            hidden(l.old)
        }
    };
    // Runs of changes, joined when at most 2*CONTEXT visible equal lines separate them.
    let changes: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].tag != ChangeTag::Equal)
        .collect();
    let mut groups: Vec<(usize, usize)> = Vec::new();
    for &i in &changes {
        if let Some(last) = groups.last_mut() {
            let gap = &lines[last.1 + 1..i];
            if gap.len() <= 2 * CONTEXT && !gap.iter().any(&is_hidden) {
                last.1 = i;
                continue;
            }
        }
        groups.push((i, i));
    }
    let mut out = String::new();
    let mut withheld = 0;
    for (first, last) in groups {
        if lines[first..=last].iter().any(&is_hidden) {
            withheld += 1;
            continue;
        }
        let mut start = first;
        while start > 0 && first - start < CONTEXT && !is_hidden(&lines[start - 1]) {
            start -= 1;
        }
        let mut end = last;
        while end + 1 < lines.len() && end - last < CONTEXT && !is_hidden(&lines[end + 1]) {
            end += 1;
        }
        let slice = &lines[start..=end];
        let old_len = slice.iter().filter(|l| l.tag != ChangeTag::Insert).count();
        let new_len = slice.iter().filter(|l| l.tag != ChangeTag::Delete).count();
        // An empty side starts at the line before it (0 at the top of the file).
        let old_start = slice[0].old + usize::from(old_len > 0);
        let new_start = slice[0].new + usize::from(new_len > 0);
        if out.is_empty() {
            out.push_str(&format!("--- a/{path}\n+++ b/{path}\n"));
        }
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            range(old_start, old_len),
            range(new_start, new_len)
        ));
        for l in slice {
            out.push(match l.tag {
                ChangeTag::Equal => ' ',
                ChangeTag::Delete => '-',
                ChangeTag::Insert => '+',
            });
            out.push_str(l.text);
            if !l.text.ends_with('\n') {
                out.push_str("\n\\ No newline at end of file\n");
            }
        }
    }
    (out, withheld)
}

fn range(start: usize, len: usize) -> String {
    if len == 1 {
        start.to_string()
    } else {
        format!("{start},{len}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn e(s: usize, end: usize, t: &str) -> Edit {
        Edit::replace(0, Span::new(s, end), t)
    }

    #[test]
    fn splices_against_original_offsets() {
        let text = "abcdef";
        let a = e(1, 2, "X");
        let b = e(4, 4, "YY");
        let c = e(5, 6, "");
        assert_eq!(apply(text, &[&c, &a, &b]).unwrap(), "aXcdYYe");
    }

    #[test]
    fn overlaps_are_refused() {
        let a = e(1, 4, "");
        let b = e(3, 5, "x");
        assert!(apply("abcdef", &[&a, &b]).is_err());
        let inside = e(2, 2, "x");
        assert!(apply("abcdef", &[&a, &inside]).is_err());
    }

    #[test]
    fn diff_has_git_headers_and_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let new = "a\nb\nc\nd\nE\nf\ng\nh\n";
        let (d, withheld) = unified_diff("x.yml", old, new, &|_| false);
        assert_eq!(withheld, 0);
        assert_eq!(
            d,
            "--- a/x.yml\n+++ b/x.yml\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n"
        );
    }

    #[test]
    fn hidden_lines_never_show() {
        let old = "a\nSECRET=x\nc\nd\n";
        let new = "a\nSECRET=x\nc\nD\n";
        let (d, withheld) = unified_diff("e", old, new, &|i| i == 1);
        assert!(!d.contains("SECRET"), "{d}");
        assert_eq!(withheld, 0);
        assert!(d.contains("@@ -3,2 +3,2 @@\n c\n-d\n+D\n"), "{d}");
        let new2 = "a\nSECRET=y\nc\nd\n";
        let (d, withheld) = unified_diff("e", old, new2, &|i| i == 1);
        assert_eq!(d, "");
        assert_eq!(withheld, 1);
    }

    #[test]
    fn added_lines_holding_a_secret_never_show() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n";
        let new = "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nPASSWORD=hunter22\nk\n";
        let (d, withheld) =
            unified_diff_hiding("e", old, new, &|_| false, &|t| t.contains("hunter22"));
        assert_eq!(withheld, 1);
        assert!(!d.contains("hunter22"), "{d}");
        assert!(d.contains("-b\n+B\n"), "{d}");
    }

    #[test]
    fn pure_insertions_and_deletions_at_the_edges() {
        let (d, _) = unified_diff("f", "", "a\n", &|_| false);
        assert_eq!(d, "--- a/f\n+++ b/f\n@@ -0,0 +1 @@\n+a\n");
        let (d, _) = unified_diff("f", "a\n", "", &|_| false);
        assert_eq!(d, "--- a/f\n+++ b/f\n@@ -1 +0,0 @@\n-a\n");
        let (d, _) = unified_diff("f", "a\nb", "a\nb\nc", &|_| false);
        assert_eq!(
            d,
            "--- a/f\n+++ b/f\n@@ -1,2 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+b\n+c\n\\ No newline at end of file\n"
        );
    }

    proptest! {
        /// Non-overlapping edits applied together equal the same edits applied
        /// one by one from the end of the text.
        #[test]
        fn splice_equals_sequential(text in "[a-z\n]{0,40}", raw in proptest::collection::vec((0usize..40, 0usize..4, "[A-Z]{0,3}"), 0..6)) {
            let mut edits: Vec<Edit> = Vec::new();
            for (s, len, t) in raw {
                let s = s.min(text.len());
                let end = (s + len).min(text.len());
                let span = Span::new(s, end);
                if edits.iter().any(|x| x.span.overlaps(span) || x.span.start as usize == s || (x.span.start as usize) < s && s < x.span.end as usize) {
                    continue;
                }
                edits.push(e(s, end, &t));
            }
            let refs: Vec<&Edit> = edits.iter().collect();
            let together = apply(&text, &refs).unwrap();
            let mut sorted = edits.clone();
            sorted.sort_by_key(|x| std::cmp::Reverse(x.span.start));
            let mut seq = text.clone();
            for x in sorted {
                seq.replace_range(x.span.range(), &x.text);
            }
            prop_assert_eq!(together, seq);
        }

        /// `apply` refuses exactly the edit sets in which two edits overlap
        /// (or one is inserted strictly inside another's range), and what
        /// `non_overlapping` picks always applies.
        #[test]
        fn overlaps_are_refused_exactly(text in "[a-z\n]{0,30}", raw in proptest::collection::vec((0usize..32, 0usize..5, "[A-Z]{0,2}"), 0..6)) {
            let edits: Vec<Edit> = raw
                .iter()
                .map(|(s, len, t)| {
                    let s = (*s).min(text.len());
                    e(s, (s + len).min(text.len()), t)
                })
                .collect();
            let clash = |a: Span, b: Span| {
                a.overlaps(b)
                    || (a.is_empty() && b.start < a.start && a.start < b.end)
                    || (b.is_empty() && a.start < b.start && b.start < a.end)
            };
            let any_clash = edits.iter().enumerate().any(|(i, a)| {
                edits[i + 1..].iter().any(|b| clash(a.span, b.span))
            });
            let refs: Vec<&Edit> = edits.iter().collect();
            prop_assert_eq!(apply(&text, &refs).is_err(), any_clash);
            let fixes: Vec<Fix> = edits.iter().map(|x| Fix::safe("f", vec![x.clone()])).collect();
            let picked: Vec<&Edit> = non_overlapping(&fixes).into_iter().flat_map(|f| &f.edits).collect();
            prop_assert!(apply(&text, &picked).is_ok());
        }
    }
}
