//! Secret values of an install's files, searched all at once (the build
//! script compiles `source.rs`, so this lives apart from it).

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use crate::source::{SourceFile, Span};

/// Secret values of a set of files (4 bytes or more, without quotes),
/// searched all at once, leftmost-longest: an install may hold 10,000s of
/// them and a report as many texts to search.
pub struct Secrets(Searcher);

/// True when a secret's value is distinctive enough to be masked wherever
/// it appears, not only where it stands: 8 bytes or more, not a flag
/// (`--sentry-version`), and not words joined by `-`, `_`, `.`, `/`, `:` or
/// spaces, each all lowercase letters (at most 15, the first may be a
/// capital) or all digits. Those are
/// the names of services, images, files and hosts (`sentry`,
/// `getsentry/sentry:26.8.0`, `sentry.conf.py`), and placeholders
/// (`changeme`): masking them everywhere garbles every message. A generated
/// value mixes cases, digits or symbols, or runs longer than a word.
pub fn is_distinctive(value: &str) -> bool {
    // A word may start a sentence (`Sentry`, `Password`).
    let word_like = |part: &str| {
        let rest = part
            .strip_prefix(|c: char| c.is_ascii_uppercase())
            .unwrap_or(part);
        (part.len() <= 15 && rest.bytes().all(|b| b.is_ascii_lowercase()))
            || part.bytes().all(|b| b.is_ascii_digit())
    };
    value.len() >= 8
        && !value.starts_with('-')
        && !value.split(['-', '_', '.', '/', ':', ' ']).all(word_like)
}

/// True when upstream's own compose file or `.env` of a release sentrylint
/// knows gives the secret-named `key` this `value` (SeaweedFS's
/// `AWS_SECRET_ACCESS_KEY: sentry` from 25.9.0): published in upstream's
/// repository, so not a secret of this install.
pub fn is_published_default(key: &str, value: &str) -> bool {
    // Folded by the build script: a binary search, no text scanned at run time.
    crate::kb::published_values()
        .binary_search(&(key, value))
        .is_ok()
}

/// The secret-named keys of a text read line by line (an env file, a
/// YAML mapping or environment list) and their values, unquoted.
pub fn named_values(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.lines().filter_map(|line| {
        let line = line.trim();
        // A list item names a variable only as `KEY=value`: `a:b` there is
        // a volume or a port (`- "sentry-secrets:/etc/kafka/secrets"`).
        let (item, seps) = match line.strip_prefix("- ") {
            Some(item) => (unquote(item.trim()), &['='][..]),
            None => (line, &['=', ':'][..]),
        };
        let sep = item.find(seps)?;
        let key = unquote(item[..sep].trim());
        let value = unquote(item[sep + 1..].trim());
        (crate::model::load::is_secret_name(key) && !value.is_empty()).then_some((key, value))
    })
}

/// `text` to be written into a file (a fix's edit, which may copy
/// `POSTGRES_PASSWORD=...` from `.env`) with the value of every
/// secret-named key replaced by `****`, but upstream's published defaults.
pub fn mask_named_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        match named_values(body).next() {
            Some((key, value)) if !is_published_default(key, value) => {
                let at = body.rfind(value).unwrap_or(body.len());
                out.push_str(&body[..at]);
                out.push_str("****");
                out.push_str(&line[at + value.len()..]);
            }
            _ => out.push_str(line),
        }
    }
    out
}

fn unquote(s: &str) -> &str {
    s.trim_matches(['"', '\''])
}

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
    /// The values distinctive enough to be searched for away from where
    /// they stand (a password reused in a URL, a value a rule or a fix
    /// carries into a message): see [`is_distinctive`]. A secret's own
    /// spans are masked whatever its value.
    pub fn distinctive(files: &[SourceFile]) -> Secrets {
        Secrets::build(files, is_distinctive)
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
    fn only_values_unlike_names_and_words_are_distinctive() {
        for plain in [
            "sentry",
            "supersecret",
            "changeme",
            "sentry-self-hosted",
            "getsentry/sentry:26.8.0",
            "sentry.conf.py",
            "--sentry-version",
            "your_secret_key",
            "correct horse battery",
            "Password",
            "Sentry-Self-Hosted",
        ] {
            assert!(!is_distinctive(plain), "{plain}");
        }
        for secret in [
            "S3CR3T-py",
            "hunter22",
            "q2w9-e8r7t6y5u4i3o2p1a0s9d8f7g6h5j4k3l2z1x0c9v8b7n6",
            "xkqzjvbwpmrtlhgfd",
            "Tr0ub4dor&3",
        ] {
            assert!(is_distinctive(secret), "{secret}");
        }
    }

    #[test]
    fn secret_names_are_read_as_compose_and_env_files_write_them() {
        let text = "A=1\nSMTP_PASSWORD=x\n  - \"sentry-secrets:/etc/kafka/secrets\"\n  \
                    - SLACK_TOKEN=t\n  AWS_SECRET_KEY: \"sentry\"\n";
        assert_eq!(
            named_values(text).collect::<Vec<_>>(),
            [
                ("SMTP_PASSWORD", "x"),
                ("SLACK_TOKEN", "t"),
                ("AWS_SECRET_KEY", "sentry")
            ]
        );
    }

    #[test]
    fn copied_secret_values_are_masked_in_edits() {
        assert_eq!(
            mask_named_values("A=1\nPOSTGRES_PASSWORD=hunter\n  SMTP_PASSWORD: 'pw'\nB=sentry\n"),
            "A=1\nPOSTGRES_PASSWORD=****\n  SMTP_PASSWORD: '****'\nB=sentry\n"
        );
    }

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
