//! `.env` files as docker compose reads them: `KEY=value` lines, optional
//! `export `, `#` comments, single quotes (literal), double quotes (escapes),
//! and inline comments after unquoted values.

use crate::source::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quote {
    None,
    Single,
    Double,
}

#[derive(Clone, Debug)]
pub struct EnvEntry {
    pub key: String,
    pub key_span: Span,
    /// The decoded value (quotes removed, escapes applied; not interpolated).
    pub value: String,
    /// The value as written, quotes included; empty at the end of `KEY=`.
    pub value_span: Span,
    pub quote: Quote,
    /// The whole line, without its line break.
    pub line_span: Span,
}

#[derive(Clone, Debug, Default)]
pub struct EnvFile {
    pub entries: Vec<EnvEntry>,
    /// Every comment: whole-line and inline.
    pub comments: Vec<Span>,
    pub errors: Vec<(Span, String)>,
}

impl EnvFile {
    /// The last entry for `key` (later lines win, as in compose).
    pub fn get(&self, key: &str) -> Option<&EnvEntry> {
        self.entries.iter().rev().find(|e| e.key == key)
    }
}

fn is_key_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b'-'
}

pub fn parse(src: &str) -> EnvFile {
    let mut out = EnvFile::default();
    let b = src.as_bytes();
    let mut pos = 0;
    while pos < b.len() {
        let line_start = pos;
        let mut line_end = pos;
        while line_end < b.len() && b[line_end] != b'\n' {
            line_end += 1;
        }
        let next = (line_end + 1).min(b.len().max(line_end));
        let content_end = if line_end > line_start && b[line_end - 1] == b'\r' {
            line_end - 1
        } else {
            line_end
        };
        parse_line(src, line_start, content_end, &mut pos, &mut out);
        // A double-quoted value may continue past this line; `parse_line`
        // moves `pos` past everything it consumed.
        pos = pos.max(next);
    }
    out
}

fn parse_line(src: &str, start: usize, end: usize, pos: &mut usize, out: &mut EnvFile) {
    let b = src.as_bytes();
    let mut i = start;
    while i < end && (b[i] == b' ' || b[i] == b'\t') {
        i += 1;
    }
    if i == end {
        return;
    }
    if b[i] == b'#' {
        out.comments.push(Span::new(i, end));
        return;
    }
    if src[i..end].starts_with("export ") {
        i += "export ".len();
        while i < end && b[i] == b' ' {
            i += 1;
        }
    }
    let key_start = i;
    while i < end && is_key_char(b[i]) {
        i += 1;
    }
    let key_end = i;
    while i < end && (b[i] == b' ' || b[i] == b'\t') {
        i += 1;
    }
    if key_start == key_end || i >= end || b[i] != b'=' {
        let span = if key_start == key_end {
            let mut e = key_start + 1;
            while e < src.len() && !src.is_char_boundary(e) {
                e += 1;
            }
            Span::new(key_start, e.min(src.len()))
        } else {
            Span::new(key_start, key_end)
        };
        let message = if key_start == key_end {
            format!(
                "expected a variable name, found `{}`",
                src[span.range()].escape_debug()
            )
        } else {
            format!(
                "`{}` has no `=`; write `{}=value` (an empty value is `{}=`)",
                &src[key_start..key_end],
                &src[key_start..key_end],
                &src[key_start..key_end]
            )
        };
        out.errors.push((span, message));
        return;
    }
    i += 1; // `=`
    while i < end && (b[i] == b' ' || b[i] == b'\t') {
        i += 1;
    }
    let key = src[key_start..key_end].to_string();
    let key_span = Span::new(key_start, key_end);
    let (value, value_span, quote, after) = match b.get(i) {
        Some(&q @ (b'\'' | b'"')) if i < end => {
            let quote = if q == b'"' {
                Quote::Double
            } else {
                Quote::Single
            };
            let open = i;
            let mut j = i + 1;
            let mut value = String::new();
            let mut closed = None;
            while j < src.len() {
                let c = b[j];
                if c == q {
                    closed = Some(j);
                    break;
                }
                if quote == Quote::Double && c == b'\\' && j + 1 < src.len() {
                    let e = b[j + 1];
                    match e {
                        b'n' => value.push('\n'),
                        b't' => value.push('\t'),
                        b'r' => value.push('\r'),
                        b'\\' => value.push('\\'),
                        b'"' => value.push('"'),
                        // Kept as compose's own escape so interpolation leaves it alone.
                        b'$' => value.push_str("$$"),
                        _ => {
                            value.push('\\');
                            j += 1;
                            continue;
                        }
                    }
                    j += 2;
                    continue;
                }
                if quote == Quote::Single && c == b'\n' {
                    break;
                }
                let ch_len = utf8_len(c);
                value.push_str(&src[j..(j + ch_len).min(src.len())]);
                j += ch_len;
            }
            let Some(close) = closed else {
                out.errors.push((
                    Span::new(open, open + 1),
                    format!("the quote opened here for `{key}` is never closed"),
                ));
                *pos = if quote == Quote::Double {
                    src.len()
                } else {
                    end
                };
                return;
            };
            (value, Span::new(open, close + 1), quote, close + 1)
        }
        _ => {
            // Unquoted: up to an inline comment (` #`) or the end of the line.
            let mut j = i;
            let mut last = i;
            while j < end {
                if b[j] == b'#' && j > i && (b[j - 1] == b' ' || b[j - 1] == b'\t') {
                    break;
                }
                if b[j] != b' ' && b[j] != b'\t' {
                    last = j + 1;
                }
                j += 1;
            }
            while last < src.len() && !src.is_char_boundary(last) {
                last += 1;
            }
            (
                src[i..last].to_string(),
                Span::new(i, last),
                Quote::None,
                last,
            )
        }
    };
    // Rest of the line: blanks and an optional comment.
    let line_end_after = {
        let mut e = after;
        while e < src.len() && b[e] != b'\n' {
            e += 1;
        }
        if e > after && b[e - 1] == b'\r' {
            e - 1
        } else {
            e
        }
    };
    let mut k = after;
    while k < line_end_after && (b[k] == b' ' || b[k] == b'\t') {
        k += 1;
    }
    if k < line_end_after {
        if b[k] == b'#' {
            out.comments.push(Span::new(k, line_end_after));
        } else if quote != Quote::None {
            let mut e = k + 1;
            while e < src.len() && !src.is_char_boundary(e) {
                e += 1;
            }
            out.errors.push((
                Span::new(k, e),
                format!("unexpected text after the quoted value of `{key}`"),
            ));
        }
    }
    *pos = line_end_after;
    out.entries.push(EnvEntry {
        key,
        key_span,
        value,
        value_span,
        quote,
        line_span: Span::new(start, line_end_after),
    });
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_keys_values_and_comments() {
        let src = "# header\nA=1\nexport B = two words # note\nC='lit $X'\nD=\"x\\ny\"\nE=\n";
        let f = parse(src);
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        let got: Vec<(&str, &str)> = f
            .entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("A", "1"),
                ("B", "two words"),
                ("C", "lit $X"),
                ("D", "x\ny"),
                ("E", "")
            ]
        );
        assert_eq!(f.comments.len(), 2);
        let b = f.get("B").unwrap();
        assert_eq!(&src[b.value_span.range()], "two words");
        let c = f.get("C").unwrap();
        assert_eq!(&src[c.value_span.range()], "'lit $X'");
        assert_eq!(c.quote, Quote::Single);
        let e = f.get("E").unwrap();
        assert!(e.value_span.is_empty());
    }

    #[test]
    fn later_lines_win() {
        let f = parse("A=1\nA=2\n");
        assert_eq!(f.get("A").unwrap().value, "2");
    }

    #[test]
    fn errors_have_positions() {
        let f = parse("GOOD=1\nNOEQUALS\n=x\nQ=\"open\n");
        let msgs: Vec<&str> = f.errors.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(f.errors.len(), 3, "{msgs:?}");
        assert_eq!(f.errors[0].0, Span::new(7, 15));
        assert!(msgs[0].contains("has no `=`"));
        assert!(msgs[1].contains("expected a variable name"));
        assert!(msgs[2].contains("never closed"));
        assert_eq!(f.get("GOOD").unwrap().value, "1");
    }

    #[test]
    fn crlf_and_missing_final_newline() {
        let f = parse("A=1\r\nB=2");
        assert_eq!(f.get("A").unwrap().value, "1");
        assert_eq!(f.get("B").unwrap().value, "2");
    }

    #[test]
    fn multibyte_values_keep_char_boundaries() {
        let f = parse("A=héllo wörld # c\nB='ü'\n");
        assert_eq!(f.get("A").unwrap().value, "héllo wörld");
        assert_eq!(f.get("B").unwrap().value, "ü");
    }
}
