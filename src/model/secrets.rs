//! Secret values of an install's files, searched all at once (the build
//! script compiles `source.rs`, so this lives apart from it).

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use crate::source::{SourceFile, Span};

/// Secret values of a set of files (4 bytes or more, without quotes),
/// searched all at once: an install may hold 10,000s of them and a report
/// as many texts to search.
pub struct Secrets(Option<AhoCorasick>);

impl Secrets {
    pub fn of_files(files: &[SourceFile]) -> Secrets {
        Secrets::build(files, |_| true)
    }

    /// Only the values distinctive enough to be searched for elsewhere (a
    /// password reused in a URL): 8 bytes or more, and not a plain word
    /// (`postgres` is the name of a service as often as a password).
    pub fn distinctive(files: &[SourceFile]) -> Secrets {
        Secrets::build(files, |v| {
            v.len() >= 8
                && !v
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || matches!(b, b'-' | b'_' | b'.'))
        })
    }

    fn build(files: &[SourceFile], keep: impl Fn(&str) -> bool) -> Secrets {
        let mut values: Vec<&str> = Vec::new();
        for f in files {
            for s in &f.secrets {
                let t = f.slice(*s).trim_matches(['"', '\'']);
                if t.len() >= 4 && keep(t) {
                    values.push(t);
                }
            }
        }
        values.sort_unstable();
        values.dedup();
        let searcher = (!values.is_empty())
            .then(|| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    // Built once per install and run over a few KB: a DFA
                    // would cost more to build than it saves in searching.
                    .kind(Some(AhoCorasickKind::ContiguousNFA))
                    .build(&values)
                    .ok()
            })
            .flatten();
        Secrets(searcher)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// True when `text` holds one of the values.
    pub fn found_in(&self, text: &str) -> bool {
        self.0.as_ref().is_some_and(|a| a.is_match(text))
    }

    /// Every place in `file` holding one of the values, as secret spans.
    pub fn mark_in(&self, file: &mut SourceFile) {
        if let Some(a) = &self.0 {
            let found: Vec<Span> = a
                .find_iter(file.text.as_str())
                .map(|m| Span::new(m.start(), m.end()))
                .collect();
            file.secrets.extend(found);
        }
    }

    /// Replaces every value in `s` with `****`.
    pub fn scrub(&self, s: &mut String) {
        if let Some(a) = &self.0
            && a.is_match(s.as_str())
        {
            let mut out = String::with_capacity(s.len());
            a.replace_all_with(s, &mut out, |_, _, out| {
                out.push_str("****");
                true
            });
            *s = out;
        }
    }
}
