//! Inputs shared by the fuzz targets (`fuzz/`, built with the `fuzzing`
//! feature) and the property tests: an install cut out of one byte string,
//! and compose-like YAML documents generated from a stream of choices
//! together with the value they must parse to. Not part of the CLI.

use std::path::Path;

use crate::parse::yaml::{NodeId, NodeKind, YamlDoc};
use crate::source::FileKind;

/// Separates the files of an install in one fuzz input.
pub const SEPARATOR: &[u8] = b"\n--8<--\n";

/// The files of an install in `data`, in `FileKind::ALL` order, split at
/// [`SEPARATOR`]: docker-compose.yml always (maybe empty), the others when
/// their part is present and not empty.
pub fn install_files(data: &[u8]) -> Vec<(&'static str, &[u8])> {
    let mut parts: Vec<&[u8]> = Vec::new();
    let mut rest = data;
    while parts.len() + 1 < FileKind::ALL.len() {
        match find(rest, SEPARATOR) {
            Some(i) => {
                parts.push(&rest[..i]);
                rest = &rest[i + SEPARATOR.len()..];
            }
            None => break,
        }
    }
    parts.push(rest);
    FileKind::ALL
        .iter()
        .zip(parts)
        .enumerate()
        .filter(|(i, (_, p))| *i == 0 || !p.is_empty())
        .map(|(_, (k, p))| (k.relative_path(), p))
        .collect()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Writes the install of `data` into the empty folder `dir`.
pub fn write_install(dir: &Path, data: &[u8]) -> std::io::Result<()> {
    for (rel, bytes) in install_files(data) {
        let p = dir.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(p, bytes)?;
    }
    Ok(())
}

/// The inverse of [`install_files`], for seed corpora.
pub fn join_install(files: &[&[u8]]) -> Vec<u8> {
    files.join(SEPARATOR)
}

/// A compact rendering of a YAML value: mappings `{k: v}`, sequences
/// `[a, b]`, scalars as Rust debug strings, aliases expanded (at most
/// `MAX_SHOWN_DEPTH` deep, so that an alias bomb renders in bounded time).
pub fn show(d: &YamlDoc, id: NodeId) -> String {
    let mut out = String::new();
    show_into(d, id, 0, &mut out);
    out
}

const MAX_SHOWN_DEPTH: usize = 64;
const MAX_SHOWN_LEN: usize = 1 << 20;

fn show_into(d: &YamlDoc, id: NodeId, depth: usize, out: &mut String) {
    if depth > MAX_SHOWN_DEPTH || out.len() > MAX_SHOWN_LEN {
        out.push('…');
        return;
    }
    let id = d.resolve(id);
    match &d.node(id).kind {
        NodeKind::Scalar { value, .. } => out.push_str(&format!("{value:?}")),
        NodeKind::Seq { items, .. } => {
            out.push('[');
            for (n, &i) in items.iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                show_into(d, i, depth + 1, out);
            }
            out.push(']');
        }
        NodeKind::Map { pairs, .. } => {
            out.push('{');
            for (n, p) in pairs.iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                show_into(d, p.key, depth + 1, out);
                out.push_str(": ");
                show_into(d, p.value, depth + 1, out);
            }
            out.push('}');
        }
        NodeKind::Alias { name, .. } => {
            out.push('*');
            out.push_str(name);
        }
    }
}

/// Choices read from bytes: each answer is one byte modulo the number of
/// options, and 0 once the bytes run out (so every input is a valid one).
pub struct Choices<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Choices<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Choices { data, pos: 0 }
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        if n == 0 { 0 } else { b as usize % n }
    }

    pub fn flag(&mut self) -> bool {
        self.below(2) == 1
    }

    pub fn pick<T: Copy>(&mut self, options: &[T]) -> T {
        options[self.below(options.len())]
    }
}

/// A generated YAML document and the `show` rendering it must parse to.
#[derive(Clone, Debug)]
pub struct Generated {
    pub text: String,
    pub expected: String,
}

/// Plain scalars valid anywhere (block and flow).
const PLAIN: &[&str] = &[
    "web",
    "run",
    "sentry-self-hosted-local",
    "9000:9000",
    "getsentry/sentry:24.1.0",
    "/etc/sentry",
    "a.b-c_d",
    "1.5",
    "-x",
    "~",
    "true",
    "unless-stopped",
    "a b  c",
    "é",
];
/// Plain scalars valid in block context only.
const PLAIN_BLOCK: &[&str] = &["${VAR:-default}", "a,b", "x}", "50%", "x]"];
/// (written, decoded) single-quoted scalars.
const SINGLE: &[(&str, &str)] = &[
    ("'it''s'", "it's"),
    ("'a: b'", "a: b"),
    ("'# not a comment'", "# not a comment"),
    ("'[x]'", "[x]"),
    ("''", ""),
    ("'${A}'", "${A}"),
];
/// (written, decoded) double-quoted scalars.
const DOUBLE: &[(&str, &str)] = &[
    ("\"line\\nbreak\"", "line\nbreak"),
    ("\"tab\\there\"", "tab\there"),
    ("\"quo\\\"te\"", "quo\"te"),
    ("\"back\\\\slash\"", "back\\slash"),
    ("\"\\u00e9\\x41\"", "éA"),
    ("\"0 0 * * * cleanup\"", "0 0 * * * cleanup"),
    ("\"\"", ""),
];
const KEYS: &[&str] = &[
    "services",
    "image",
    "command",
    "environment",
    "depends_on",
    "volumes",
    "x-common",
    "SENTRY_EVENT_RETENTION_DAYS",
    "healthcheck",
    "test",
    "9000",
    "a b",
];

struct Gen<'c, 'a> {
    c: &'c mut Choices<'a>,
    /// Anchors whose node is complete: (name, expected value).
    anchors: Vec<(String, String)>,
    named: usize,
    depth: usize,
}

/// A compose-like document: a block mapping of block and flow collections,
/// every scalar style, anchors, aliases, merge keys and comments, with LF
/// or CRLF line ends.
pub fn compose_document(c: &mut Choices) -> Generated {
    let crlf = c.below(4) == 0;
    let mut g = Gen {
        c,
        anchors: Vec::new(),
        named: 0,
        depth: 0,
    };
    let mut text = String::new();
    if g.c.below(4) == 0 {
        text.push_str("# generated\n");
    }
    let expected = g.block_map(0, &mut text);
    if crlf {
        text = text.replace('\n', "\r\n");
    }
    Generated { text, expected }
}

impl Gen<'_, '_> {
    fn indent(out: &mut String, n: usize) {
        out.extend(std::iter::repeat_n(' ', n));
    }

    fn anchor(&mut self, out: &mut String) -> Option<String> {
        if self.c.below(5) != 0 {
            return None;
        }
        let name = format!("a{}", self.named);
        self.named += 1;
        out.push_str(&format!(" &{name}"));
        Some(name)
    }

    /// Registers an anchor for later aliases, unless its value is large:
    /// aliases of aliases would make the expected value grow exponentially
    /// (past what `show` renders).
    fn define(&mut self, name: Option<String>, expected: &str) {
        if let Some(n) = name
            && expected.len() <= 2_000
        {
            self.anchors.push((n, expected.to_string()));
        }
    }

    fn comment(&mut self, out: &mut String) {
        if self.c.below(6) == 0 {
            out.push_str(" # note");
        }
    }

    /// Entries of a block mapping at `indent`; the cursor is at a line start.
    fn block_map(&mut self, indent: usize, out: &mut String) -> String {
        self.depth += 1;
        let n = 1 + self.c.below(4);
        let mut used: Vec<String> = Vec::new();
        let mut parts = Vec::new();
        for i in 0..n {
            if self.c.below(8) == 0 {
                Self::indent(out, self.c.below(indent + 1));
                out.push_str("# between entries\n");
            }
            Self::indent(out, indent);
            if i > 0
                && !self.anchors.is_empty()
                && self.c.below(6) == 0
                && !used.iter().any(|u| u == "<<")
            {
                let (name, exp) = self.anchors[self.c.below(self.anchors.len())].clone();
                out.push_str(&format!("<<: *{name}\n"));
                used.push("<<".into());
                parts.push(format!("\"<<\": {exp}"));
                continue;
            }
            let mut key = self.c.pick(KEYS).to_string();
            while used.contains(&key) {
                key.push('_');
            }
            used.push(key.clone());
            let written_key = match self.c.below(5) {
                0 => format!("\"{key}\""),
                1 => format!("'{key}'"),
                _ => key.clone(),
            };
            out.push_str(&written_key);
            out.push(':');
            let v = self.after_value_indicator(indent, true, out);
            parts.push(format!("{key:?}: {v}"));
        }
        self.depth -= 1;
        format!("{{{}}}", parts.join(", "))
    }

    fn block_seq(&mut self, indent: usize, out: &mut String) -> String {
        self.depth += 1;
        let n = 1 + self.c.below(4);
        let mut parts = Vec::new();
        for _ in 0..n {
            Self::indent(out, indent);
            out.push('-');
            let v = if self.depth < 5 && self.c.below(5) == 0 {
                // A compact mapping: `- key: value` and the rest under it.
                out.push(' ');
                let mut inner = String::new();
                let v = self.block_map(indent + 2, &mut inner);
                out.push_str(inner.trim_start_matches(' '));
                v
            } else {
                self.after_value_indicator(indent, false, out)
            };
            parts.push(v);
        }
        self.depth -= 1;
        format!("[{}]", parts.join(", "))
    }

    /// A value after `key:` (`after_key`) or `-` in a collection at
    /// `indent`; writes up to and including the last line break.
    fn after_value_indicator(
        &mut self,
        indent: usize,
        after_key: bool,
        out: &mut String,
    ) -> String {
        let deep = self.depth >= 5;
        match self.c.below(if deep { 5 } else { 9 }) {
            0 if !self.anchors.is_empty() => {
                // (An alias takes no anchor of its own.)
                let (name, exp) = self.anchors[self.c.below(self.anchors.len())].clone();
                out.push_str(&format!(" *{name}"));
                self.comment(out);
                out.push('\n');
                exp
            }
            1 => {
                let a = self.anchor(out);
                let v = self.block_scalar(indent, out);
                self.define(a, &v);
                v
            }
            2 => {
                let a = self.anchor(out);
                out.push(' ');
                let v = self.flow_value(a.is_none(), out);
                self.comment(out);
                out.push('\n');
                self.define(a, &v);
                v
            }
            3 => {
                // Nothing: null.
                self.comment(out);
                out.push('\n');
                "\"\"".into()
            }
            5 | 6 => {
                let a = self.anchor(out);
                self.comment(out);
                out.push('\n');
                let v = self.block_map(indent + 2, out);
                self.define(a, &v);
                v
            }
            7 | 8 => {
                let a = self.anchor(out);
                self.comment(out);
                out.push('\n');
                // A sequence under a key may sit at the key's own indentation.
                let at = if after_key && self.c.flag() {
                    indent
                } else {
                    indent + 2
                };
                let v = self.block_seq(at, out);
                self.define(a, &v);
                v
            }
            _ => {
                let a = self.anchor(out);
                out.push(' ');
                let v = self.scalar(true, out);
                self.comment(out);
                out.push('\n');
                self.define(a, &v);
                v
            }
        }
    }

    fn scalar(&mut self, block: bool, out: &mut String) -> String {
        let decoded = match self.c.below(if block { 4 } else { 3 }) {
            0 => {
                let (w, d) = self.c.pick(SINGLE);
                out.push_str(w);
                d.to_string()
            }
            1 => {
                let (w, d) = self.c.pick(DOUBLE);
                out.push_str(w);
                d.to_string()
            }
            2 => {
                let w = self.c.pick(PLAIN);
                out.push_str(w);
                w.to_string()
            }
            _ => {
                let w = self.c.pick(PLAIN_BLOCK);
                out.push_str(w);
                w.to_string()
            }
        };
        format!("{decoded:?}")
    }

    /// `|` or `>` with a chomping indicator, lines at `indent + 2`.
    fn block_scalar(&mut self, indent: usize, out: &mut String) -> String {
        let folded = self.c.flag();
        let chomp = self.c.pick(&["", "-", "+"]);
        out.push_str(&format!(" {}{chomp}\n", if folded { '>' } else { '|' }));
        let words = ["echo one", "two three", "4"];
        let n = 1 + self.c.below(3);
        let mut lines = Vec::new();
        for i in 0..n {
            let blank_before = !folded && i > 0 && self.c.below(4) == 0;
            if blank_before {
                out.push('\n');
                lines.push(String::new());
            }
            let w = self.c.pick(&words);
            Self::indent(out, indent + 2);
            out.push_str(w);
            out.push('\n');
            lines.push(w.to_string());
        }
        let trailing = if chomp == "+" && self.c.flag() { 1 } else { 0 };
        for _ in 0..trailing {
            out.push('\n');
        }
        let mut value = if folded {
            lines.join(" ")
        } else {
            lines.join("\n")
        };
        match chomp {
            "-" => {}
            "+" => {
                value.push('\n');
                for _ in 0..trailing {
                    value.push('\n');
                }
            }
            _ => value.push('\n'),
        }
        format!("{value:?}")
    }

    /// A flow node; an alias only when `alias_ok` (not after an anchor).
    fn flow_value(&mut self, alias_ok: bool, out: &mut String) -> String {
        if alias_ok && !self.anchors.is_empty() && self.c.below(6) == 0 {
            let (name, exp) = self.anchors[self.c.below(self.anchors.len())].clone();
            out.push_str(&format!("*{name}"));
            return exp;
        }
        if self.depth >= 6 {
            return self.scalar(false, out);
        }
        self.depth += 1;
        let v = match self.c.below(3) {
            0 => {
                out.push('[');
                let n = self.c.below(4);
                let mut parts = Vec::new();
                for i in 0..n {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    parts.push(self.flow_value(true, out));
                }
                out.push(']');
                format!("[{}]", parts.join(", "))
            }
            1 => {
                out.push('{');
                let n = self.c.below(4);
                let mut used: Vec<&str> = Vec::new();
                let mut parts = Vec::new();
                for _ in 0..n {
                    let key = self.c.pick(KEYS);
                    if used.contains(&key) {
                        continue;
                    }
                    if !used.is_empty() {
                        out.push_str(", ");
                    }
                    used.push(key);
                    out.push_str(&format!("\"{key}\": "));
                    let v = self.flow_value(true, out);
                    parts.push(format!("{key:?}: {v}"));
                }
                out.push('}');
                format!("{{{}}}", parts.join(", "))
            }
            _ => self.scalar(false, out),
        };
        self.depth -= 1;
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installs_split_and_join() {
        let data = join_install(&[b"services: {}\n", b"", b"A=1\n"]);
        let files = install_files(&data);
        assert_eq!(
            files,
            [
                ("docker-compose.yml", &b"services: {}\n"[..]),
                (".env", &b"A=1\n"[..])
            ]
        );
        assert_eq!(install_files(b""), [("docker-compose.yml", &b""[..])]);
    }

    #[test]
    fn generated_documents_parse_to_what_was_generated() {
        for seed in 0..2000u32 {
            let bytes: Vec<u8> = (0..64u32)
                .map(|i| (seed.wrapping_mul(2654435761).wrapping_add(i * 40503) >> 7) as u8)
                .collect();
            let g = compose_document(&mut Choices::new(&bytes));
            let d = crate::parse::yaml::parse(&g.text, Default::default())
                .unwrap_or_else(|e| panic!("{e:?}\n{}", g.text));
            assert_eq!(show(&d, d.root.unwrap()), g.expected, "\n{}", g.text);
        }
    }
    #[test]
    fn aliases_of_aliases_stay_small_enough_to_show() {
        // Found by the yaml_compose fuzz target: anchors on values made of
        // aliases of aliases gave an expected value longer than `show`
        // renders, so the two could not agree.
        let hex: String = [
            "07fff9fdf7fcfafc01010602ffffffff06010607d7d7d7d723230106020803052323232323232323",
            "232d010000d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d723230106020803",
            "052323232323232323232d0100003a7b010000230504e70106200208d7d7d7d7d7d7d7d7d7d7d7d7",
            "d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d70503020b03040806020305",
            "070407c92102bc0903d7d7d7d7d71901000000696d6123d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7",
            "d7d7d7d7d7d7d7d7d7d7d7d723230106020803052323232323232323232d0101010602ffffffff06",
            "010607d7d7d7d723230106020803052323232323232323232d010000d7d7d7d7d7d7d7d7d7d7d7d7",
            "d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d723230106020803052323232323232323232d0100003a7b01",
            "0000230504e70106200208d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7",
            "d7d7d7d7d7d7d7d7d7d7d7d70503020b03040806020305070407c92102bc0903d7d7d7d7d7190100",
            "0000696d6123d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d72323010602",
            "0803052323232323232323232d010000d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7",
            "d7d7d7d723230106020803052323232323232323232d0100003a7b010000230000d7d7d7d7d7d7d7",
            "d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d723230106020803052323232323232323232d01",
            "00003a7b010000230504e70106200208d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7",
            "d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d7d70504230cffff040107ffffffffff",
        ]
        .concat();
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let g = compose_document(&mut Choices::new(&bytes));
        assert!(g.expected.len() < MAX_SHOWN_LEN, "{}", g.expected.len());
        let d = crate::parse::yaml::parse(&g.text, Default::default()).unwrap();
        assert_eq!(show(&d, d.root.unwrap()), g.expected);
    }
}
