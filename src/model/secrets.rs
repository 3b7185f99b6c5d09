//! Secret values of an install's files, searched all at once (the build
//! script compiles `source.rs`, so this lives apart from it).

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use crate::source::{SourceFile, Span};

/// Secret values of a set of files (4 bytes or more, without quotes),
/// searched all at once, leftmost-longest: an install may hold 10,000s of
/// them and a report as many texts to search.
pub struct Secrets(Searcher);

/// An install holds a handful of secrets: each is looked for on its own
/// (building an automaton cost more than the searches); past
/// [`FEW_VALUES`], one Aho-Corasick automaton finds them all.
enum Searcher {
    None,
    Few(Vec<memchr::memmem::Finder<'static>>),
    Many(AhoCorasick),
}

const FEW_VALUES: usize = 32;

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
        Secrets::of_values(values, FEW_VALUES)
    }

    /// A searcher for `values`, each on its own up to `few` of them.
    fn of_values(mut values: Vec<&str>, few: usize) -> Secrets {
        values.sort_unstable();
        values.dedup();
        let one_by_one = |values: &[&str]| {
            Searcher::Few(
                values
                    .iter()
                    .map(|v| memchr::memmem::Finder::new(v).into_owned())
                    .collect(),
            )
        };
        let searcher = match values.len() {
            0 => Searcher::None,
            n if n <= few => one_by_one(&values),
            _ => AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                // Built once per install and run over a few KB: a DFA
                // would cost more to build than it saves in searching.
                .kind(Some(AhoCorasickKind::ContiguousNFA))
                .build(&values)
                // Too many values for an automaton: slower, but every
                // value is still masked.
                .map_or_else(|_| one_by_one(&values), Searcher::Many),
        };
        Secrets(searcher)
    }

    /// Where the values are in `text`: from the left, the longest value
    /// starting at the leftmost place, then on after it.
    fn find_all(&self, text: &str) -> Vec<Span> {
        match &self.0 {
            Searcher::None => Vec::new(),
            Searcher::Many(a) => a
                .find_iter(text)
                .map(|m| Span::new(m.start(), m.end()))
                .collect(),
            Searcher::Few(finders) => {
                let hay = text.as_bytes();
                let find_from =
                    |f: &memchr::memmem::Finder, at: usize| f.find(&hay[at..]).map(|i| i + at);
                // Where each value next occurs at or after the search position.
                let mut next: Vec<Option<usize>> =
                    finders.iter().map(|f| find_from(f, 0)).collect();
                let mut out = Vec::new();
                loop {
                    let best = next
                        .iter()
                        .zip(finders)
                        .filter_map(|(at, f)| Some((at.as_ref().copied()?, f.needle().len())))
                        .min_by_key(|&(start, len)| (start, std::cmp::Reverse(len)));
                    let Some((start, len)) = best else {
                        return out;
                    };
                    out.push(Span::new(start, start + len));
                    for (at, f) in next.iter_mut().zip(finders) {
                        if at.is_some_and(|a| a < start + len) {
                            *at = find_from(f, start + len);
                        }
                    }
                }
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        matches!(self.0, Searcher::None)
    }

    /// True when `text` holds one of the values.
    pub fn found_in(&self, text: &str) -> bool {
        match &self.0 {
            Searcher::None => false,
            Searcher::Few(finders) => finders.iter().any(|f| f.find(text.as_bytes()).is_some()),
            Searcher::Many(a) => a.is_match(text),
        }
    }

    /// Every place in `file` holding one of the values, as secret spans.
    pub fn mark_in(&self, file: &mut SourceFile) {
        let found = self.find_all(&file.text);
        file.secrets.extend(found);
    }

    /// Replaces every value in `s` with `****`.
    pub fn scrub(&self, s: &mut String) {
        let found = self.find_all(s);
        if found.is_empty() {
            return;
        }
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        for span in found {
            out.push_str(&s[last..span.start as usize]);
            out.push_str("****");
            last = span.end as usize;
        }
        out.push_str(&s[last..]);
        *s = out;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_searched_one_by_one_match_as_the_automaton_does() {
        // Values that overlap, nest and share prefixes and suffixes.
        let values = vec![
            "abcd", "abcdef", "cdef", "defg", "bcde", "xxxx", "ab12", "2abc",
        ];
        let texts = [
            "abcdefg",
            "xxabcdxxabcdefxx",
            "cdefabcdab12abcd",
            "xxxxxxxxx",
            "ab12abc2abcdefgdefg",
            "no secret here",
            "",
            "é日本abcd😀cdef",
        ];
        let few = Secrets::of_values(values.clone(), usize::MAX);
        let many = Secrets::of_values(values, 0);
        assert!(matches!(few.0, Searcher::Few(_)) && matches!(many.0, Searcher::Many(_)));
        for text in texts {
            assert_eq!(few.find_all(text), many.find_all(text), "{text:?}");
            assert_eq!(few.found_in(text), many.found_in(text), "{text:?}");
            let (mut a, mut b) = (text.to_string(), text.to_string());
            few.scrub(&mut a);
            many.scrub(&mut b);
            assert_eq!(a, b);
        }
        assert_eq!(
            few.find_all("xxabcdefxx"),
            vec![Span::new(2, 8)],
            "the longest value at the leftmost place"
        );
    }
}
