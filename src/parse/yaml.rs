//! A YAML parser that keeps what a linter and a text-splicing fixer need:
//! a byte span for every node, key, anchor and alias use site, the comments,
//! and duplicate keys (both of them). Aliases point at their anchor's node
//! instead of copying it, so "billion laughs" documents cost linear memory;
//! consumers that expand aliases carry their own budget.
//!
//! It parses YAML 1.2 as the official YAML test suite pins it down
//! (`yaml/suite_tests.rs`), one document per file, and is as lenient as
//! docker compose's go-yaml v3 where that differs from the spec: no
//! indentation check inside flow collections and quoted scalars. Scalars are kept as
//! decoded strings; typing (null, bool, int) is left to the caller because
//! compose types values by field, not by the YAML core schema.

use std::collections::HashMap;

use crate::source::{Span, line_starts};

pub type NodeId = u32;

/// Nesting deeper than this is refused with an error, so that hostile input
/// cannot overflow the stack. Real compose files nest about 8 levels.
pub const MAX_DEPTH: usize = 200;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pair {
    pub key: NodeId,
    pub value: NodeId,
}

#[derive(Clone, Debug)]
pub enum NodeKind {
    Scalar {
        value: String,
        style: ScalarStyle,
    },
    Seq {
        items: Vec<NodeId>,
        flow: bool,
    },
    Map {
        pairs: Vec<Pair>,
        flow: bool,
    },
    /// `*name`; `target` is `None` when no anchor of that name precedes it.
    Alias {
        name: String,
        target: Option<NodeId>,
    },
}

#[derive(Clone, Debug)]
pub struct Node {
    pub kind: NodeKind,
    /// The node's content, without its anchor and tag.
    pub span: Span,
    /// `&name` and the span of the whole `&name` token.
    pub anchor: Option<(String, Span)>,
    pub tag: Option<(String, Span)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    pub span: Span,
    pub message: String,
}

/// A parsed YAML document.
#[derive(Clone, Debug, Default)]
pub struct YamlDoc {
    pub nodes: Vec<Node>,
    pub root: Option<NodeId>,
    /// Every comment, from `#` to the end of its line.
    pub comments: Vec<Span>,
    /// Keys that repeat an earlier key of the same mapping: (first, repeat).
    pub duplicates: Vec<(NodeId, NodeId)>,
    /// Anchor name to the node it was last defined on.
    pub anchors: HashMap<String, NodeId>,
    /// The document starts with `---` / ends with `...`.
    pub explicit_start: bool,
    pub explicit_end: bool,
    /// `%TAG` directives: (handle, prefix), e.g. (`!e!`, `tag:example.com,2000:`).
    pub tag_handles: Vec<(String, String)>,
}

impl YamlDoc {
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id as usize]
    }

    /// Follows an alias to the node it names (one hop: aliases never point at aliases).
    pub fn resolve(&self, id: NodeId) -> NodeId {
        match &self.node(id).kind {
            NodeKind::Alias {
                target: Some(t), ..
            } => *t,
            _ => id,
        }
    }

    /// The decoded text of a scalar node (after following an alias).
    pub fn scalar(&self, id: NodeId) -> Option<&str> {
        match &self.node(self.resolve(id)).kind {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    pub fn pairs(&self, id: NodeId) -> &[Pair] {
        match &self.node(self.resolve(id)).kind {
            NodeKind::Map { pairs, .. } => pairs,
            _ => &[],
        }
    }

    pub fn items(&self, id: NodeId) -> &[NodeId] {
        match &self.node(self.resolve(id)).kind {
            NodeKind::Seq { items, .. } => items,
            _ => &[],
        }
    }

    pub fn is_map(&self, id: NodeId) -> bool {
        matches!(self.node(self.resolve(id)).kind, NodeKind::Map { .. })
    }

    /// The value of `key` in mapping `map`, looking at written keys only (no merges).
    pub fn get(&self, map: NodeId, key: &str) -> Option<Pair> {
        self.pairs(map)
            .iter()
            .rev()
            .find(|p| self.scalar(p.key) == Some(key))
            .copied()
    }

    /// True when the scalar is YAML null (`~`, `null`, or nothing), taking style into account.
    pub fn is_null(&self, id: NodeId) -> bool {
        match &self.node(self.resolve(id)).kind {
            NodeKind::Scalar {
                value,
                style: ScalarStyle::Plain,
            } => matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL"),
            _ => false,
        }
    }

    /// A node's tag as a full name: `!!str` is `tag:yaml.org,2002:str`,
    /// `%TAG` handles are expanded and `%xx` escapes decoded. Compose
    /// reads the tag as written (`!reset`); the full name says what it means.
    pub fn expanded_tag(&self, id: NodeId) -> Option<String> {
        let raw = self.node(id).tag.as_ref()?.0.as_str();
        if let Some(verbatim) = raw.strip_prefix("!<") {
            return Some(verbatim.trim_end_matches('>').to_string());
        }
        let (handle, suffix) = split_tag(raw);
        let prefix = self.tag_prefix(handle)?;
        Some(format!("{prefix}{}", percent_decoded(suffix)))
    }

    /// What a tag handle stands for: the last `%TAG` declaring it, else the
    /// default of `!` and `!!`; `None` for an undeclared named handle.
    fn tag_prefix(&self, handle: &str) -> Option<&str> {
        self.tag_handles
            .iter()
            .rev()
            .find(|(h, _)| h == handle)
            .map(|(_, p)| p.as_str())
            .or(match handle {
                "!" => Some("!"),
                "!!" => Some("tag:yaml.org,2002:"),
                _ => None,
            })
    }

    /// Span of a node including its anchor and tag.
    pub fn full_span(&self, id: NodeId) -> Span {
        let node = self.node(id);
        let mut span = node.span;
        if let Some((_, s)) = &node.anchor {
            span = span.cover(*s);
        }
        if let Some((_, s)) = &node.tag {
            span = span.cover(*s);
        }
        span
    }
}

/// A shorthand tag's handle and suffix: `!e!x` is (`!e!`, `x`), `!!x` is
/// (`!!`, `x`), `!x` is (`!`, `x`).
fn split_tag(raw: &str) -> (&str, &str) {
    match raw[1..].find('!') {
        Some(i)
            if raw[1..=i]
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-') =>
        {
            raw.split_at(i + 2)
        }
        _ => raw.split_at(1),
    }
}

/// `%21` is `!`: tag suffixes may escape characters as UTF-8 bytes.
fn percent_decoded(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(byte) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

/// Where two values differ, as a dotted path with both sides, or `None`
/// when they are the same YAML value. Aliases compare by anchor name (not
/// expanded), mappings ignore key order, scalars compare decoded text and
/// nullness (so `"1"` and `1` are equal, `""` and `~` are not).
pub fn first_difference(a: &YamlDoc, ai: NodeId, b: &YamlDoc, bi: NodeId) -> Option<String> {
    diff_at(a, ai, b, bi, &mut Vec::new(), 0)
}

pub fn same_value(a: &YamlDoc, ai: NodeId, b: &YamlDoc, bi: NodeId) -> bool {
    first_difference(a, ai, b, bi).is_none()
}

fn diff_at(
    a: &YamlDoc,
    ai: NodeId,
    b: &YamlDoc,
    bi: NodeId,
    path: &mut Vec<String>,
    depth: usize,
) -> Option<String> {
    fn here(path: &[String], what: String) -> Option<String> {
        let at = if path.is_empty() {
            "(root)".to_string()
        } else {
            path.join(".")
        };
        Some(format!("{at}: {what}"))
    }
    if depth > MAX_DEPTH {
        return here(path, "too deep to compare".into());
    }
    let (na, nb) = (a.node(ai), b.node(bi));
    if na.tag.as_ref().map(|t| &t.0) != nb.tag.as_ref().map(|t| &t.0) {
        return here(
            path,
            format!(
                "tag {:?} vs {:?}",
                na.tag.as_ref().map(|t| &t.0),
                nb.tag.as_ref().map(|t| &t.0)
            ),
        );
    }
    match (&na.kind, &nb.kind) {
        (NodeKind::Alias { name: x, .. }, NodeKind::Alias { name: y, .. }) => {
            if x == y {
                None
            } else {
                here(path, format!("*{x} vs *{y}"))
            }
        }
        (NodeKind::Scalar { value: x, .. }, NodeKind::Scalar { value: y, .. }) => {
            let (nx, ny) = (a.is_null(ai), b.is_null(bi));
            if nx && ny || (!nx && !ny && x == y) {
                None
            } else {
                here(path, format!("{x:?} vs {y:?}"))
            }
        }
        (NodeKind::Seq { items: x, .. }, NodeKind::Seq { items: y, .. }) => {
            if x.len() != y.len() {
                return here(path, format!("{} items vs {}", x.len(), y.len()));
            }
            for (i, (&p, &q)) in x.iter().zip(y).enumerate() {
                path.push(format!("[{i}]"));
                let d = diff_at(a, p, b, q, path, depth + 1);
                path.pop();
                if d.is_some() {
                    return d;
                }
            }
            None
        }
        (NodeKind::Map { pairs: x, .. }, NodeKind::Map { pairs: y, .. }) => {
            // The last of repeated keys counts, as in the model.
            let last = |d: &YamlDoc, pairs: &[Pair]| -> Vec<(String, NodeId)> {
                last_of_repeated(d, pairs)
                    .into_iter()
                    .map(|(k, v)| (d.scalar(k).unwrap_or("").to_string(), v))
                    .collect()
            };
            let (xs, ys) = (last(a, x), last(b, y));
            let right: HashMap<&str, NodeId> = ys.iter().map(|(k, v)| (k.as_str(), *v)).collect();
            let left: std::collections::HashSet<&str> =
                xs.iter().map(|(k, _)| k.as_str()).collect();
            for (k, v) in &xs {
                let Some(w) = right.get(k.as_str()) else {
                    return here(path, format!("`{k}` only on the left"));
                };
                path.push(k.clone());
                let d = diff_at(a, *v, b, *w, path, depth + 1);
                path.pop();
                if d.is_some() {
                    return d;
                }
            }
            if let Some((k, _)) = ys.iter().find(|(k, _)| !left.contains(k.as_str())) {
                return here(path, format!("`{k}` only on the right"));
            }
            None
        }
        _ => here(path, "different kinds of value".into()),
    }
}

/// A 64-bit fingerprint of a value: equal for values `same_value` calls equal
/// (aliases by name, mappings in any order with the last of repeated keys,
/// scalars by decoded text, all nulls alike, tags included). Used to ask
/// "is this value upstream's at some release?" without parsing the releases.
pub fn fingerprint(doc: &YamlDoc, id: NodeId) -> u64 {
    let mut h = Fnv::new();
    fingerprint_into(doc, id, &mut h, 0);
    h.0
}

/// FNV-1a: small, stable across builds and platforms (the build script and
/// the binary must agree).
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn bytes(&mut self, b: &[u8]) {
        for &x in b {
            self.0 ^= u64::from(x);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn tagged(&mut self, tag: u8, b: &[u8]) {
        self.bytes(&[tag]);
        self.bytes(&(b.len() as u64).to_le_bytes());
        self.bytes(b);
    }
}

fn fingerprint_into(doc: &YamlDoc, id: NodeId, h: &mut Fnv, depth: usize) {
    let node = doc.node(id);
    if depth > MAX_DEPTH {
        h.tagged(b'!', b"deep");
        return;
    }
    if let Some((tag, _)) = &node.tag {
        h.tagged(b'T', tag.as_bytes());
    }
    match &node.kind {
        NodeKind::Alias { name, .. } => h.tagged(b'A', name.as_bytes()),
        NodeKind::Scalar { value, .. } => {
            if doc.is_null(id) {
                h.tagged(b'N', b"");
            } else {
                h.tagged(b'S', value.as_bytes());
            }
        }
        NodeKind::Seq { items, .. } => {
            h.tagged(b'[', &(items.len() as u64).to_le_bytes());
            for &i in items {
                fingerprint_into(doc, i, h, depth + 1);
            }
        }
        NodeKind::Map { pairs, .. } => {
            // Last of repeated keys, in key order.
            let mut keyed: Vec<(&str, NodeId)> = last_of_repeated(doc, pairs)
                .into_iter()
                .map(|(k, v)| (doc.scalar(k).unwrap_or(""), v))
                .collect();
            keyed.sort_by(|a, b| a.0.cmp(b.0));
            h.tagged(b'{', &(keyed.len() as u64).to_le_bytes());
            for (k, v) in keyed {
                h.tagged(b'K', k.as_bytes());
                fingerprint_into(doc, v, h, depth + 1);
            }
        }
    }
}

/// Past this many keys in a mapping, a hash lookup beats comparing keys one
/// by one (the compose model's mappings switch at the same size).
pub const SCAN_LIMIT: usize = 16;

/// Keys written twice in one mapping, as (earlier, later) for each repeat:
/// compose rejects them and a rule reports both. Mappings are nearly always
/// small enough to compare keys pairwise; large ones use a hash index.
fn repeated_keys(doc: &YamlDoc, pairs: &[Pair]) -> Vec<(NodeId, NodeId)> {
    let mut out = Vec::new();
    if pairs.len() <= SCAN_LIMIT {
        for (i, p) in pairs.iter().enumerate() {
            let Some(k) = doc.scalar(p.key) else { continue };
            if let Some(earlier) = pairs[..i]
                .iter()
                .rev()
                .find(|q| doc.scalar(q.key) == Some(k))
            {
                out.push((earlier.key, p.key));
            }
        }
    } else {
        let mut seen: HashMap<&str, NodeId> = HashMap::with_capacity(pairs.len());
        for p in pairs {
            if let Some(k) = doc.scalar(p.key)
                && let Some(earlier) = seen.insert(k, p.key)
            {
                out.push((earlier, p.key));
            }
        }
    }
    out
}

/// A mapping's pairs with the last of repeated keys (compared by scalar
/// text; other keys count as `""`): (first key node, last value node), in
/// first-key order. Linear: maps may have 100,000s of keys.
fn last_of_repeated(doc: &YamlDoc, pairs: &[Pair]) -> Vec<(NodeId, NodeId)> {
    let mut out: Vec<(NodeId, NodeId)> = Vec::with_capacity(pairs.len());
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(pairs.len());
    for p in pairs {
        let k = doc.scalar(p.key).unwrap_or("");
        match index.get(k) {
            Some(&i) => out[i].1 = p.value,
            None => {
                index.insert(k, out.len());
                out.push((p.key, p.value));
            }
        }
    }
    out
}

/// Options for [`parse`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Keep aliases to undefined anchors (as `Alias { target: None }`) instead
    /// of failing; used for override files and knowledge-base snippets.
    pub allow_unknown_aliases: bool,
}

/// The most nodes [`parse`] reserves room for before it sees them: a 24.1.0
/// compose file has about 1,500.
const MAX_RESERVED_NODES: usize = 1 << 16;

pub fn parse(src: &str, options: Options) -> Result<YamlDoc, YamlError> {
    let line_starts = line_starts(src);
    // Compose files have about two nodes a line; growing the node vector
    // one doubling at a time copies it over and over. Bounded by the bytes
    // so that a file of empty lines reserves little, and by a count (7 MB of
    // nodes) so that a large hostile file is not reserved room for up front.
    let nodes = (2 * line_starts.len())
        .min(src.len() / 8)
        .min(MAX_RESERVED_NODES);
    let mut p = Parser {
        src,
        b: src.as_bytes(),
        pos: 0,
        line_starts,
        line_cache: std::cell::Cell::new((0, 0)),
        plain_memo: None,
        quoted_memo: None,
        doc: YamlDoc {
            nodes: Vec::with_capacity(nodes),
            ..YamlDoc::default()
        },
        depth: 0,
        options,
        probing: false,
        yaml_directive: false,
    };
    p.document()?;
    p.doc.comments.sort();
    p.doc.comments.dedup();
    Ok(p.doc)
}

type PResult<T> = Result<T, YamlError>;

/// A name and the span of the token that carries it (`&anchor`, `!tag`).
type Named = (String, Span);

struct Parser<'a> {
    src: &'a str,
    b: &'a [u8],
    pos: usize,
    line_starts: Vec<usize>,
    /// The line `line_start` found last: (its start, the next line's start).
    line_cache: std::cell::Cell<(usize, usize)>,
    /// The last block plain line scanned: (where it starts, where it ends).
    plain_memo: Option<(usize, usize)>,
    /// The last quoted scalar a key probe parsed: (where, its node, its end).
    quoted_memo: Option<(usize, Node, usize)>,
    doc: YamlDoc,
    depth: usize,
    options: Options,
    /// Set while looking ahead for a key: anchors seen then are not registered.
    probing: bool,
    /// A `%YAML` directive was read (a second one is an error).
    yaml_directive: bool,
}

/// How the node being parsed sits in its parent.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Place {
    /// Top of the document: block collections may start on the current line.
    Root,
    /// After `- `: a compact mapping or sequence may start on the current line.
    SeqEntry,
    /// After `key:`: only a scalar, alias or flow node may follow on the same line;
    /// a block sequence on the next line may sit at the key's own indentation.
    MapValue,
    /// After `? ` or the `: ` of an explicit key: both of the above.
    Explicit,
}

fn is_break(b: u8) -> bool {
    b == b'\n' || b == b'\r'
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn is_flow_indicator(b: u8) -> bool {
    matches!(b, b',' | b'[' | b']' | b'{' | b'}')
}

/// Bytes that may end a plain scalar's line in block context.
static BLOCK_STOP: [bool; 256] = stop_table(b"\n\r:#");
/// ... and in flow context, where flow indicators end it too.
static FLOW_STOP: [bool; 256] = stop_table(b"\n\r:#,[]{}");

const fn stop_table(bytes: &[u8]) -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < bytes.len() {
        t[bytes[i] as usize] = true;
        i += 1;
    }
    t
}

impl<'a> Parser<'a> {
    // ---------------------------------------------------------------- cursor

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn peek_at(&self, off: usize) -> Option<u8> {
        self.b.get(self.pos + off).copied()
    }

    fn eof(&self) -> bool {
        self.pos >= self.b.len()
    }

    /// True at a line break (LF or CRLF) or at the end of the input.
    fn at_eol(&self) -> bool {
        match self.peek() {
            None | Some(b'\n') => true,
            Some(b'\r') => self.peek_at(1) == Some(b'\n') || self.peek_at(1).is_none(),
            _ => false,
        }
    }

    /// True when the byte after the cursor ends a token (blank, break, EOF).
    fn followed_by_space(&self, off: usize) -> bool {
        match self.b.get(self.pos + off) {
            None => true,
            Some(&c) => is_blank(c) || is_break(c),
        }
    }

    /// Where the line holding `pos` starts. The parser asks several times
    /// per line, so the last line found is remembered before searching.
    fn line_start(&self, pos: usize) -> usize {
        let (start, next) = self.line_cache.get();
        if start <= pos && pos < next {
            return start;
        }
        let i = match self.line_starts.binary_search(&pos) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[i];
        let next = self.line_starts.get(i + 1).copied().unwrap_or(usize::MAX);
        self.line_cache.set((start, next));
        start
    }

    fn col(&self, pos: usize) -> usize {
        pos - self.line_start(pos)
    }

    /// True when only spaces precede `pos` on its line.
    fn first_on_line(&self, pos: usize) -> bool {
        let start = self.line_start(pos);
        self.b[start..pos].iter().all(|&c| is_blank(c))
    }

    fn err<T>(&self, span: Span, message: impl Into<String>) -> PResult<T> {
        Err(YamlError {
            span,
            message: message.into(),
        })
    }

    fn err_here<T>(&self, message: impl Into<String>) -> PResult<T> {
        let end = (self.pos + 1).min(self.b.len());
        let mut end = end;
        while end < self.b.len() && !self.src.is_char_boundary(end) {
            end += 1;
        }
        self.err(Span::new(self.pos, end.max(self.pos)), message)
    }

    fn skip_break(&mut self) {
        if self.peek() == Some(b'\r') {
            self.pos += 1;
        }
        if self.peek() == Some(b'\n') {
            self.pos += 1;
        }
    }

    fn skip_blanks(&mut self) {
        while let Some(c) = self.peek() {
            if is_blank(c) {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn skip_comment(&mut self) {
        if self.peek() == Some(b'#') {
            let start = self.pos;
            while !self.at_eol() {
                self.pos += 1;
            }
            self.doc.comments.push(Span::new(start, self.pos));
        }
    }

    /// Skips blanks and a comment up to the end of the line (not the break).
    fn skip_to_eol(&mut self) -> PResult<()> {
        self.skip_blanks();
        if self.peek() == Some(b'#') {
            let prev = self.b.get(self.pos.wrapping_sub(1)).copied();
            if self.pos > 0 && !matches!(prev, Some(b' ' | b'\t' | b'\n' | b'\r')) {
                return self.err_here("a comment must be separated from content by a space");
            }
            self.skip_comment();
        }
        if !self.at_eol() {
            return self.err_here(format!(
                "unexpected `{}` after a value; expected a line break",
                self.char_here()
            ));
        }
        Ok(())
    }

    fn char_here(&self) -> String {
        self.src[self.pos..]
            .chars()
            .next()
            .map(String::from)
            .unwrap_or_default()
    }

    /// Moves past blank lines and comment lines to the first content byte of
    /// the next line that has content. Checks its indentation has no tab.
    /// Returns false at EOF.
    fn skip_to_content(&mut self) -> PResult<bool> {
        loop {
            self.skip_blanks();
            if self.peek() == Some(b'#') {
                self.skip_comment();
            }
            if self.eof() {
                return Ok(false);
            }
            if self.at_eol() {
                self.skip_break();
                // Tabs are fine on blank and comment lines, not as
                // indentation; after spaces they separate (see `node_at`).
                let line_start = self.pos;
                while self.peek() == Some(b' ') {
                    self.pos += 1;
                }
                if self.peek() == Some(b'\t') && self.pos == line_start {
                    let tab = self.pos;
                    self.skip_blanks();
                    if !self.at_eol() && self.peek() != Some(b'#') {
                        return self.err(
                            Span::new(tab, tab + 1),
                            "a tab character is used for indentation; YAML allows only spaces",
                        );
                    }
                }
                let _ = line_start;
                continue;
            }
            return Ok(true);
        }
    }

    fn at_document_marker(&self) -> bool {
        let p = self.pos;
        // The bytes first: finding the column is a search of the line table.
        (self.b[p..].starts_with(b"---") || self.b[p..].starts_with(b"..."))
            && matches!(self.b.get(p + 3), None | Some(b' ' | b'\t' | b'\n' | b'\r'))
            && self.col(p) == 0
    }

    fn push(&mut self, kind: NodeKind, span: Span) -> NodeId {
        self.doc.nodes.push(Node {
            kind,
            span,
            anchor: None,
            tag: None,
        });
        (self.doc.nodes.len() - 1) as NodeId
    }

    /// An empty plain scalar (a null) at `at`.
    fn push_empty(&mut self, at: usize) -> NodeId {
        self.push(
            NodeKind::Scalar {
                value: String::new(),
                style: ScalarStyle::Plain,
            },
            Span::empty(at),
        )
    }

    /// True when the cursor is on a `:` that ends a key in a flow collection
    /// (followed by a blank, a break, a flow indicator or the end).
    fn at_flow_value_indicator(&self) -> bool {
        self.peek() == Some(b':')
            && self
                .b
                .get(self.pos + 1)
                .is_none_or(|&n| is_blank(n) || is_break(n) || is_flow_indicator(n))
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err_here(format!(
                "nesting is deeper than {MAX_DEPTH} levels; sentrylint refuses such input"
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    // -------------------------------------------------------------- document

    fn document(&mut self) -> PResult<()> {
        let mut directives = None;
        loop {
            if !self.skip_to_content()? {
                if let Some(at) = directives {
                    return self.err(at, "a directive must be followed by `---` and a document");
                }
                return Ok(());
            }
            if self.peek() == Some(b'%') && self.col(self.pos) == 0 {
                let start = self.pos;
                self.directive()?;
                directives = Some(Span::new(start, self.pos));
                continue;
            }
            if directives.is_none()
                && self.at_document_marker()
                && self.b[self.pos..].starts_with(b"...")
            {
                // An end marker with no document before it ends nothing.
                self.pos += 3;
                self.skip_to_eol()?;
                continue;
            }
            break;
        }
        if self.at_document_marker() && self.b[self.pos..].starts_with(b"---") {
            self.doc.explicit_start = true;
            self.pos += 3;
        } else if let Some(at) = directives {
            return self.err(at, "a directive must be followed by `---` and a document");
        }
        let root = self.block_node(-1, Place::Root)?;
        self.doc.root = Some(root);
        if !self.first_on_line(self.pos) {
            self.skip_to_eol()?;
        }
        // After the root: only comments, `...`, and nothing else.
        if self.skip_to_content()? {
            if self.at_document_marker() {
                if self.b[self.pos..].starts_with(b"...") {
                    self.doc.explicit_end = true;
                    self.pos += 3;
                    self.skip_to_eol()?;
                    if !self.skip_to_content()? {
                        return Ok(());
                    }
                }
                if self.at_document_marker() || self.peek() == Some(b'%') {
                    return self.second_document();
                }
            }
            if self.doc.explicit_end {
                return self.second_document();
            }
            return self.err_here(format!(
                "unexpected `{}`: it is less indented than the block it seems to belong to",
                self.char_here()
            ));
        }
        Ok(())
    }

    fn second_document<T>(&self) -> PResult<T> {
        let end = self.line_end_from(self.pos);
        self.err(
            Span::new(self.pos, end),
            "a second document starts here; a compose file holds one YAML document",
        )
    }

    /// The end of the line holding `pos` (before its break).
    fn line_end_from(&self, pos: usize) -> usize {
        let mut end = pos;
        while end < self.b.len() && !is_break(self.b[end]) {
            end += 1;
        }
        end
    }

    /// `%YAML 1.x` or `%TAG !h! prefix`; other directives are ignored, as
    /// the spec asks.
    fn directive(&mut self) -> PResult<()> {
        let start = self.pos;
        let end = self.line_end_from(start);
        let line = &self.src[start..end];
        let line = match line.find(" #") {
            Some(i) => &line[..i],
            None => line,
        };
        let words: Vec<&str> = line.split([' ', '\t']).filter(|w| !w.is_empty()).collect();
        let version_1x = |version: &str| {
            version
                .strip_prefix("1.")
                .is_some_and(|minor| !minor.is_empty() && minor.bytes().all(|c| c.is_ascii_digit()))
        };
        match words.as_slice() {
            ["%YAML", version] if version_1x(version) => {
                if self.yaml_directive {
                    return self.err(
                        Span::new(start, end),
                        "a second `%YAML` directive; a document takes one",
                    );
                }
                self.yaml_directive = true;
            }
            ["%YAML", ..] => {
                return self.err(
                    Span::new(start, end),
                    "a `%YAML` directive takes one version, such as `1.2`",
                );
            }
            ["%TAG", handle, prefix] => {
                self.doc
                    .tag_handles
                    .push((handle.to_string(), prefix.to_string()));
            }
            ["%TAG", ..] => {
                return self.err(
                    Span::new(start, end),
                    "a `%TAG` directive takes a handle and a prefix",
                );
            }
            _ => {}
        }
        self.pos = start + line.len();
        self.skip_to_eol()?;
        Ok(())
    }

    // ---------------------------------------------------------------- blocks

    /// Parses a node whose parent collection is at indentation `parent`.
    fn block_node(&mut self, parent: i64, place: Place) -> PResult<NodeId> {
        self.enter()?;
        let r = self.block_node_inner(parent, place);
        self.leave();
        r
    }

    fn block_node_inner(&mut self, parent: i64, place: Place) -> PResult<NodeId> {
        self.skip_blanks();
        let props_start = self.pos;
        let (mut anchor, mut tag) = self.properties()?;
        self.skip_blanks();
        let mut here = self.pos;

        let inline = !(self.at_eol() || self.peek() == Some(b'#'));
        let id = if inline && !(place == Place::Root && self.at_document_marker()) {
            let col = self.col(self.pos) as i64;
            if place == Place::MapValue || (place == Place::Root && self.doc.explicit_start) {
                // `key: value` on one line; `key: - x` and `key: a: b` are
                // errors, and so are `--- - x` and `--- a: b`.
                self.inline_value(parent)?
            } else if anchor.is_some() || tag.is_some() {
                // `- &a key: v`: the properties belong to the key, and the
                // mapping starts where they do.
                let after = self.pos;
                self.pos = props_start;
                if self.looks_like_key()? {
                    (anchor, tag) = (None, None);
                    self.block_map(self.col(props_start))?
                } else {
                    self.pos = after;
                    self.node_at(col, parent, false)?
                }
            } else {
                // After `- ` or at the root: a compact collection may start here.
                self.node_at(col, parent, true)?
            }
        } else {
            // The content (if any) starts on a later line.
            let mut before = self.pos;
            loop {
                let found = if self.at_eol() || self.peek() == Some(b'#') {
                    self.skip_to_content()?
                } else {
                    true
                };
                let col = if found { self.col(self.pos) as i64 } else { -1 };
                let seq_at_parent = matches!(place, Place::MapValue | Place::Explicit)
                    && col == parent
                    && self.peek() == Some(b'-')
                    && self.followed_by_space(1);
                if !(found && !self.at_document_marker() && (col > parent || seq_at_parent)) {
                    // Empty node: null.
                    let has_props = anchor.is_some() || tag.is_some();
                    let at = if has_props { here } else { before };
                    break self.push_empty(at);
                }
                if !self.first_on_line(self.pos) {
                    return self.err_here("unexpected content");
                }
                if matches!(self.peek(), Some(b'&' | b'!')) {
                    // Properties alone on their line belong to the node below.
                    let start = self.pos;
                    let (more_anchor, more_tag) = self.properties()?;
                    self.skip_blanks();
                    if self.at_eol() || self.peek() == Some(b'#') {
                        self.one_of_each(
                            (anchor.is_some(), tag.is_some()),
                            &more_anchor,
                            &more_tag,
                        )?;
                        anchor = anchor.or(more_anchor);
                        tag = tag.or(more_tag);
                        (here, before) = (self.pos, self.pos);
                        continue;
                    }
                    self.pos = start;
                }
                break self.node_at(col, parent, true)?;
            }
        };
        self.attach(id, anchor, tag)?;
        Ok(id)
    }

    fn attach(&mut self, id: NodeId, anchor: Option<Named>, tag: Option<Named>) -> PResult<()> {
        if let NodeKind::Alias { name, .. } = &self.doc.nodes[id as usize].kind
            && let Some((_, span)) = anchor.as_ref().or(tag.as_ref())
        {
            return self.err(
                *span,
                format!("an alias cannot have an anchor or a tag; write `*{name}` alone"),
            );
        }
        let node = &self.doc.nodes[id as usize];
        self.one_of_each((node.anchor.is_some(), node.tag.is_some()), &anchor, &tag)?;
        if let Some((name, span)) = anchor
            && !self.probing
        {
            // Registered after the node is complete: an alias inside its own
            // anchor cannot form a cycle.
            self.doc.anchors.insert(name.clone(), id);
            self.doc.nodes[id as usize].anchor = Some((name, span));
        }
        if tag.is_some() {
            self.doc.nodes[id as usize].tag = tag;
        }
        Ok(())
    }

    /// A node takes one anchor and one tag: `anchor` and `tag` may not come
    /// on top of the ones it `has` (anchor, tag).
    fn one_of_each(
        &self,
        has: (bool, bool),
        anchor: &Option<Named>,
        tag: &Option<Named>,
    ) -> PResult<()> {
        if let Some((_, span)) = anchor.as_ref().filter(|_| has.0) {
            return self.err(*span, "a node can have only one anchor");
        }
        if let Some((_, span)) = tag.as_ref().filter(|_| has.1) {
            return self.err(*span, "a node can have only one tag");
        }
        Ok(())
    }

    /// `&anchor` and `!tag`, in either order. Nearly every node has neither:
    /// that answer is inlined.
    #[inline]
    fn properties(&mut self) -> PResult<(Option<Named>, Option<Named>)> {
        if !matches!(self.peek(), Some(b'&' | b'!')) {
            return Ok((None, None));
        }
        self.read_properties()
    }

    fn read_properties(&mut self) -> PResult<(Option<Named>, Option<Named>)> {
        let mut anchor = None;
        let mut tag = None;
        loop {
            match self.peek() {
                Some(b'&') if anchor.is_none() => {
                    let start = self.pos;
                    self.pos += 1;
                    let name = self.anchor_name().to_string();
                    if name.is_empty() {
                        return self.err(
                            Span::new(start, self.pos),
                            "an anchor needs a name after `&`",
                        );
                    }
                    anchor = Some((name, Span::new(start, self.pos)));
                }
                Some(b'!') if tag.is_none() => {
                    let start = self.pos;
                    if self.peek_at(1) == Some(b'<') {
                        while let Some(c) = self.peek() {
                            self.pos += 1;
                            if c == b'>' {
                                break;
                            }
                            if is_break(c) {
                                return self
                                    .err(Span::new(start, self.pos), "unterminated verbatim tag");
                            }
                        }
                    } else {
                        while let Some(c) = self.peek() {
                            if is_blank(c) || is_break(c) || is_flow_indicator(c) {
                                break;
                            }
                            self.pos += 1;
                        }
                    }
                    let text = &self.src[start..self.pos];
                    let (handle, _) = split_tag(text);
                    if !text.starts_with("!<") && self.doc.tag_prefix(handle).is_none() {
                        return self.err(
                            Span::new(start, self.pos),
                            format!(
                                "the tag handle `{handle}` is not declared by a `%TAG` directive"
                            ),
                        );
                    }
                    tag = Some((text.to_string(), Span::new(start, self.pos)));
                }
                _ => break,
            }
            self.skip_blanks();
        }
        Ok((anchor, tag))
    }

    fn anchor_name(&mut self) -> &'a str {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if is_blank(c) || is_break(c) || is_flow_indicator(c) {
                break;
            }
            self.pos += 1;
        }
        // The loop stops only at ASCII bytes, so `pos` is a char boundary.
        &self.src[start..self.pos]
    }

    /// A node whose first byte is at the cursor, at column `col`, first on its
    /// line or after `- ` (collections allowed), with parent indentation `parent`.
    fn node_at(&mut self, col: i64, parent: i64, collections: bool) -> PResult<NodeId> {
        let c = self.peek().unwrap_or(b' ');
        if collections
            && self.tab_separated()
            && ((matches!(c, b'-' | b'?' | b':') && self.followed_by_space(1))
                || self.looks_like_key()?)
        {
            return self.err_here(
                "a tab comes before this block collection; YAML indents with spaces only",
            );
        }
        if collections && c == b'-' && self.followed_by_space(1) {
            return self.block_seq(col as usize);
        }
        if collections && matches!(c, b'?' | b':') && self.followed_by_space(1) {
            // An explicit key, or the value of an empty key.
            return self.block_map(col as usize);
        }
        if matches!(c, b'|' | b'>') {
            return self.block_scalar(parent);
        }
        if collections && self.looks_like_key()? {
            return self.block_map(col as usize);
        }
        if matches!(c, b'&' | b'!') {
            // Properties of a scalar, flow collection or block scalar.
            let (anchor, tag) = self.properties()?;
            self.skip_blanks();
            let id = match self.peek() {
                Some(b'|' | b'>') => self.block_scalar(parent)?,
                Some(b'-' | b'?') if self.followed_by_space(1) => {
                    return self.err_here(
                        "a block collection cannot start on the line of its anchor or tag; \
                         put it on the next line",
                    );
                }
                _ => self.scalar_or_flow(parent)?,
            };
            self.attach(id, anchor, tag)?;
            return Ok(id);
        }
        self.scalar_or_flow(parent)
    }

    /// True when a tab is among the blanks just before the cursor.
    fn tab_separated(&self) -> bool {
        self.b[..self.pos]
            .iter()
            .rev()
            .take_while(|&&c| is_blank(c))
            .any(|&c| c == b'\t')
    }

    /// The value after `key: ` on the same line.
    fn inline_value(&mut self, parent: i64) -> PResult<NodeId> {
        let c = self.peek().unwrap_or(b' ');
        // Else the value is the root, on the `---` line.
        let after_key = parent >= 0;
        if matches!(c, b'-' | b'?') && self.followed_by_space(1) {
            return self.err_here(if after_key {
                "a block sequence cannot start on the same line as its key; put `- ` on the next line"
            } else {
                "a block collection cannot start on the `---` line; put it on the next line"
            });
        }
        if matches!(c, b'|' | b'>') {
            return self.block_scalar(parent);
        }
        if self.looks_like_key()? {
            return self.err_here(if after_key {
                "a mapping cannot start on the same line as its key (`a: b: c`); \
                 quote the value or move it to the next line"
            } else {
                "a mapping cannot start on the `---` line; put it on the next line"
            });
        }
        self.scalar_or_flow(parent)
    }

    /// Scalars (plain, quoted), aliases and flow collections in block context.
    fn scalar_or_flow(&mut self, parent: i64) -> PResult<NodeId> {
        match self.peek() {
            Some(b'*') => self.alias(),
            Some(b'[') | Some(b'{') => self.flow_collection(),
            Some(b'"') => self.double_quoted(),
            Some(b'\'') => self.single_quoted(),
            Some(c) if matches!(c, b']' | b'}' | b',') => {
                self.err_here(format!("unexpected `{}`", c as char))
            }
            Some(c) if matches!(c, b'@' | b'`') => self.err_here(format!(
                "a plain value cannot start with `{}`; quote it",
                c as char
            )),
            Some(b'%') => self.err_here("a plain value cannot start with `%`; quote it"),
            _ => self.plain_block(parent),
        }
    }

    /// Looks ahead (without consuming) for an implicit key: a one-line scalar,
    /// alias or flow node followed by `:` and a space or line end.
    fn looks_like_key(&mut self) -> PResult<bool> {
        let save = self.pos;
        let comments = self.doc.comments.len();
        let nodes = self.doc.nodes.len();
        let duplicates = self.doc.duplicates.len();
        let line = self.line_start(self.pos);
        self.probing = true;
        let result = (|| -> PResult<bool> {
            self.properties()?;
            self.skip_blanks();
            match self.peek() {
                Some(q @ (b'"' | b'\'')) => {
                    let at = self.pos;
                    if q == b'"' {
                        self.double_quoted()?;
                    } else {
                        self.single_quoted()?;
                    }
                    // The parse reads the same scalar next: keep its node.
                    if let Some(node) = self.doc.nodes.pop() {
                        self.quoted_memo = Some((at, node, self.pos));
                    }
                }
                Some(b'[') | Some(b'{') => {
                    self.flow_collection()?;
                }
                Some(b'*') => {
                    self.pos += 1;
                    self.anchor_name();
                }
                Some(b':') if self.followed_by_space(1) => return Ok(true),
                _ => {
                    if !self.plain_first_line(false) {
                        return Ok(false);
                    }
                }
            }
            if self.line_start(self.pos) != line {
                return Ok(false);
            }
            self.skip_blanks();
            Ok(self.peek() == Some(b':') && self.followed_by_space(1))
        })();
        self.pos = save;
        self.doc.comments.truncate(comments);
        self.doc.nodes.truncate(nodes);
        self.doc.duplicates.truncate(duplicates);
        self.probing = false;
        // A malformed key is reported when it is parsed for real.
        Ok(result.unwrap_or(false))
    }

    fn block_map(&mut self, indent: usize) -> PResult<NodeId> {
        self.enter()?;
        let r = self.block_map_inner(indent);
        self.leave();
        r
    }

    fn block_map_inner(&mut self, indent: usize) -> PResult<NodeId> {
        let start = self.pos;
        let mut pairs: Vec<Pair> = Vec::new();
        let mut end = self.pos;
        loop {
            // The cursor is on a key at column `indent`.
            let explicit = self.peek() == Some(b'?') && self.followed_by_space(1);
            let (key, has_value) = if explicit {
                self.pos += 1;
                let key = self.block_node(indent as i64, Place::Explicit)?;
                if !self.first_on_line(self.pos) {
                    self.skip_to_eol()?;
                }
                let more = self.skip_to_content()?;
                let has_value = more
                    && self.col(self.pos) == indent
                    && self.peek() == Some(b':')
                    && self.followed_by_space(1);
                (key, has_value)
            } else {
                (self.implicit_key()?, true)
            };
            let value = if has_value {
                self.pos += 1; // the `:`
                self.block_node(
                    indent as i64,
                    if explicit {
                        Place::Explicit
                    } else {
                        Place::MapValue
                    },
                )?
            } else {
                let at = self.doc.nodes[key as usize].span.end as usize;
                self.push_empty(at)
            };
            pairs.push(Pair { key, value });
            end = end
                .max(self.doc.full_span(value).end as usize)
                .max(self.doc.full_span(key).end as usize);
            // Whatever follows an inline value on its line must be a comment.
            if !self.first_on_line(self.pos) {
                self.skip_to_eol()?;
            }
            if !self.skip_to_content()? || self.at_document_marker() {
                break;
            }
            let col = self.col(self.pos);
            if col < indent {
                break;
            }
            if col > indent {
                return self.err_here(
                    "this line is indented more than the mapping key above it; \
                     check its indentation",
                );
            }
            if self.peek() == Some(b'-') && self.followed_by_space(1) {
                return self.err_here(
                    "a sequence entry at the indentation of mapping keys; indent it under a key",
                );
            }
        }
        let repeated = repeated_keys(&self.doc, &pairs);
        self.doc.duplicates.extend(repeated);
        Ok(self.push(
            NodeKind::Map { pairs, flow: false },
            Span::new(start, end.max(start)),
        ))
    }

    /// A key on one line: scalar, alias or flow collection, then `:`.
    fn implicit_key(&mut self) -> PResult<NodeId> {
        let (anchor, tag) = self.properties()?;
        self.skip_blanks();
        let line = self.line_start(self.pos);
        let key = match self.peek() {
            Some(b'"') => self.double_quoted()?,
            Some(b'\'') => self.single_quoted()?,
            Some(b'[') | Some(b'{') => self.flow_collection()?,
            Some(b'*') => self.alias()?,
            // `: value`: the key is empty.
            Some(b':') if self.followed_by_space(1) => self.push_empty(self.pos),
            _ => {
                let start = self.pos;
                if !self.plain_first_line(false) {
                    return self.err_here("expected a mapping key");
                }
                let text = self.src[start..self.pos].to_string();
                self.push(
                    NodeKind::Scalar {
                        value: text,
                        style: ScalarStyle::Plain,
                    },
                    Span::new(start, self.pos),
                )
            }
        };
        if self.line_start(self.pos) != line {
            return self.err(
                self.doc.nodes[key as usize].span,
                "a mapping key must fit on one line",
            );
        }
        self.attach(key, anchor, tag)?;
        self.skip_blanks();
        if !(self.peek() == Some(b':') && self.followed_by_space(1)) {
            return self.err_here("expected `: ` after this mapping key");
        }
        Ok(key)
    }

    fn block_seq(&mut self, indent: usize) -> PResult<NodeId> {
        self.enter()?;
        let r = self.block_seq_inner(indent);
        self.leave();
        r
    }

    fn block_seq_inner(&mut self, indent: usize) -> PResult<NodeId> {
        let start = self.pos;
        let mut items = Vec::new();
        let mut end = self.pos;
        loop {
            // At `-`.
            self.pos += 1;
            let item = self.block_node(indent as i64, Place::SeqEntry)?;
            items.push(item);
            end = end
                .max(self.doc.full_span(item).end as usize)
                .max(start + 1);
            if !self.first_on_line(self.pos) {
                self.skip_to_eol()?;
            }
            if !self.skip_to_content()? || self.at_document_marker() {
                break;
            }
            let col = self.col(self.pos);
            if col < indent {
                break;
            }
            if col > indent {
                return self.err_here("this line is indented more than the sequence it belongs to");
            }
            if !(self.peek() == Some(b'-') && self.followed_by_space(1)) {
                // A mapping key at the same column ends a sequence that was a
                // mapping value at the key's own indentation (`key:\n- a\nnext: b`).
                break;
            }
        }
        Ok(self.push(NodeKind::Seq { items, flow: false }, Span::new(start, end)))
    }

    // --------------------------------------------------------------- scalars

    fn alias(&mut self) -> PResult<NodeId> {
        let start = self.pos;
        self.pos += 1;
        let name = self.anchor_name().to_string();
        if name.is_empty() {
            return self.err(
                Span::new(start, self.pos),
                "an alias needs a name after `*`",
            );
        }
        let target = self.doc.anchors.get(&name).copied();
        if target.is_none() && !self.options.allow_unknown_aliases {
            return self.err(
                Span::new(start, self.pos),
                format!("unknown anchor `{name}`: no `&{name}` precedes this alias in the file"),
            );
        }
        Ok(self.push(NodeKind::Alias { name, target }, Span::new(start, self.pos)))
    }

    /// Scans the first line of a plain scalar in block context (`flow` false)
    /// or flow context. Leaves the cursor after its last non-blank byte.
    /// Returns false if no plain scalar can start here.
    fn plain_first_line(&mut self, flow: bool) -> bool {
        let start = self.pos;
        // A key probe scans the line first, then the parse scans it again.
        if !flow
            && let Some((from, to)) = self.plain_memo
            && from == start
        {
            self.pos = to;
            return to > from;
        }
        let Some(c) = self.peek() else { return false };
        let indicator = matches!(
            c,
            b'-' | b'?'
                | b':'
                | b','
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b'#'
                | b'&'
                | b'*'
                | b'!'
                | b'|'
                | b'>'
                | b'\''
                | b'"'
                | b'%'
                | b'@'
                | b'`'
        );
        if indicator {
            let safe_next = match self.peek_at(1) {
                None => false,
                Some(n) => !(is_blank(n) || is_break(n) || (flow && is_flow_indicator(n))),
            };
            if !(matches!(c, b'-' | b'?' | b':') && safe_next) {
                return false;
            }
        }
        if is_blank(c) || is_break(c) {
            return false;
        }
        let ok = self.plain_line(start, flow);
        if !flow {
            self.plain_memo = Some((start, self.pos));
        }
        ok
    }

    /// Scans a plain scalar's line from `start` (its first byte is content)
    /// to its last non-blank byte.
    fn plain_line(&mut self, start: usize, flow: bool) -> bool {
        let b = self.b;
        // Ordinary bytes are skipped by a table lookup; the few that may end
        // the scalar are looked at closely.
        let stops = if flow { &FLOW_STOP } else { &BLOCK_STOP };
        let mut i = start;
        while i < b.len() {
            let c = b[i];
            if !stops[c as usize] {
                i += 1;
                continue;
            }
            let ends = match c {
                b'\n' => true,
                // A lone CR is text; CRLF or a final CR ends the line.
                b'\r' => matches!(b.get(i + 1), None | Some(b'\n')),
                b':' => match b.get(i + 1) {
                    None => true,
                    Some(&n) => is_blank(n) || is_break(n) || (flow && is_flow_indicator(n)),
                },
                b'#' => i > start && is_blank(b[i - 1]),
                _ => true, // a flow indicator, in flow context
            };
            if ends {
                break;
            }
            i += 1;
        }
        // The scalar ends at its last non-blank byte (the first one is not blank).
        let mut last = i;
        while last > start && is_blank(b[last - 1]) {
            last -= 1;
        }
        // Keep the cursor on a char boundary: `last` follows an ASCII or a
        // complete multi-byte sequence because we only stop at ASCII bytes.
        while last < b.len() && !self.src.is_char_boundary(last) {
            last += 1;
        }
        self.pos = last;
        self.pos > start
    }

    /// A plain scalar in block context, possibly continued on more-indented lines.
    fn plain_block(&mut self, parent: i64) -> PResult<NodeId> {
        let start = self.pos;
        if !self.plain_first_line(false) {
            return self.err_here(format!("unexpected `{}`", self.char_here()));
        }
        let mut value = self.src[start..self.pos].to_string();
        let mut end = self.pos;
        // Continuation lines: more indented than the parent, not comments.
        loop {
            let save = self.pos;
            self.skip_blanks();
            if !self.at_eol() || self.eof() {
                self.pos = save;
                break;
            }
            let mut breaks = 0;
            let mut next = None;
            while !self.eof() && self.at_eol() {
                self.skip_break();
                breaks += 1;
                let ls = self.pos;
                while self.peek() == Some(b' ') {
                    self.pos += 1;
                }
                // A tab after the indentation is separation, not indentation.
                self.skip_blanks();
                if !self.at_eol() {
                    next = Some((ls, self.pos));
                    break;
                }
            }
            let Some((line_start, content)) = next else {
                self.pos = save;
                break;
            };
            let indent = (content - line_start) as i64;
            let before_tabs = self.b[line_start..content]
                .iter()
                .take_while(|&&c| c == b' ')
                .count() as i64;
            let c = self.b[content];
            let is_comment = c == b'#';
            let marker = before_tabs == 0
                && (self.b[content..].starts_with(b"---") || self.b[content..].starts_with(b"..."))
                && matches!(
                    self.b.get(content + 3),
                    None | Some(b' ' | b'\t' | b'\n' | b'\r')
                );
            if before_tabs <= parent || is_comment || marker || indent <= parent {
                self.pos = save;
                break;
            }
            self.pos = content;
            let seg_start = self.pos;
            if !self.plain_continuation() {
                self.pos = save;
                break;
            }
            if breaks == 1 {
                value.push(' ');
            } else {
                for _ in 1..breaks {
                    value.push('\n');
                }
            }
            value.push_str(&self.src[seg_start..self.pos]);
            end = self.pos;
        }
        self.pos = end;
        Ok(self.push(
            NodeKind::Scalar {
                value,
                style: ScalarStyle::Plain,
            },
            Span::new(start, end),
        ))
    }

    /// A continuation line of a block plain scalar: up to `: `, ` #` or EOL.
    fn plain_continuation(&mut self) -> bool {
        let start = self.pos;
        let mut last = self.pos;
        while let Some(c) = self.peek() {
            if is_break(c) && self.at_eol() {
                break;
            }
            if c == b':' && self.followed_by_space(1) {
                // `a: b` on a continuation line is a key, not text: stop here
                // and let the mapping report the indentation problem.
                self.pos = start;
                return false;
            }
            if c == b'#' && self.pos > start && is_blank(self.b[self.pos - 1]) {
                break;
            }
            self.pos += 1;
            if !is_blank(c) {
                last = self.pos;
            }
        }
        self.pos = last;
        self.pos > start
    }

    fn single_quoted(&mut self) -> PResult<NodeId> {
        if let Some(id) = self.remembered_quoted() {
            return Ok(id);
        }
        let start = self.pos;
        self.pos += 1;
        let mut value = String::new();
        let mut seg = self.pos;
        loop {
            let Some(c) = self.peek() else {
                return self.err(
                    Span::new(start, self.pos),
                    "unterminated single-quoted string",
                );
            };
            if c == b'\'' {
                value.push_str(&self.src[seg..self.pos]);
                if self.peek_at(1) == Some(b'\'') {
                    value.push('\'');
                    self.pos += 2;
                    seg = self.pos;
                    continue;
                }
                self.pos += 1;
                break;
            }
            if is_break(c) && self.at_eol() {
                value.push_str(self.src[seg..self.pos].trim_end_matches([' ', '\t']));
                self.fold_quoted_break(&mut value, start)?;
                seg = self.pos;
                continue;
            }
            self.pos += 1;
        }
        Ok(self.push(
            NodeKind::Scalar {
                value,
                style: ScalarStyle::SingleQuoted,
            },
            Span::new(start, self.pos),
        ))
    }

    /// The quoted scalar at the cursor, if a key probe just parsed it.
    fn remembered_quoted(&mut self) -> Option<NodeId> {
        let (_, node, end) = self.quoted_memo.take_if(|m| m.0 == self.pos)?;
        self.pos = end;
        self.doc.nodes.push(node);
        Some((self.doc.nodes.len() - 1) as NodeId)
    }

    /// At a line break inside a quoted scalar: folds it (one break becomes a
    /// space, more become newlines) and skips the next line's indentation.
    fn fold_quoted_break(&mut self, value: &mut String, start: usize) -> PResult<()> {
        let mut breaks = 0;
        loop {
            if self.eof() {
                return self.err(Span::new(start, self.pos), "unterminated quoted string");
            }
            if self.at_eol() {
                self.skip_break();
                breaks += 1;
                self.skip_blanks();
                continue;
            }
            break;
        }
        if self.at_document_marker() {
            return self.err(Span::new(start, self.pos), "unterminated quoted string");
        }
        if breaks == 1 {
            value.push(' ');
        } else {
            for _ in 1..breaks {
                value.push('\n');
            }
        }
        Ok(())
    }

    fn double_quoted(&mut self) -> PResult<NodeId> {
        if let Some(id) = self.remembered_quoted() {
            return Ok(id);
        }
        let start = self.pos;
        self.pos += 1;
        let mut value = String::new();
        let mut seg = self.pos;
        loop {
            let Some(c) = self.peek() else {
                return self.err(
                    Span::new(start, self.pos),
                    "unterminated double-quoted string",
                );
            };
            match c {
                b'"' => {
                    value.push_str(&self.src[seg..self.pos]);
                    self.pos += 1;
                    break;
                }
                b'\\' => {
                    value.push_str(&self.src[seg..self.pos]);
                    let esc_start = self.pos;
                    self.pos += 1;
                    let Some(e) = self.peek() else {
                        return self.err(
                            Span::new(start, self.pos),
                            "unterminated double-quoted string",
                        );
                    };
                    self.pos += 1;
                    let simple = match e {
                        b'0' => Some('\0'),
                        b'a' => Some('\x07'),
                        b'b' => Some('\x08'),
                        b't' | b'\t' => Some('\t'),
                        b'n' => Some('\n'),
                        b'v' => Some('\x0b'),
                        b'f' => Some('\x0c'),
                        b'r' => Some('\r'),
                        b'e' => Some('\x1b'),
                        b' ' => Some(' '),
                        b'"' => Some('"'),
                        b'/' => Some('/'),
                        b'\\' => Some('\\'),
                        b'N' => Some('\u{85}'),
                        b'_' => Some('\u{a0}'),
                        b'L' => Some('\u{2028}'),
                        b'P' => Some('\u{2029}'),
                        _ => None,
                    };
                    if let Some(ch) = simple {
                        value.push(ch);
                    } else if matches!(e, b'x' | b'u' | b'U') {
                        let n = match e {
                            b'x' => 2,
                            b'u' => 4,
                            _ => 8,
                        };
                        let hex = self.src.get(self.pos..self.pos + n).unwrap_or("");
                        let code = if hex.len() == n && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                            u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
                        } else {
                            None
                        };
                        let Some(ch) = code else {
                            // The span ends on a character boundary: the
                            // digits may stop in the middle of a character.
                            let mut end = (self.pos + n).min(self.b.len());
                            while !self.src.is_char_boundary(end) {
                                end += 1;
                            }
                            return self.err(
                                Span::new(esc_start, end),
                                "invalid escape: expected hexadecimal digits of a Unicode code point",
                            );
                        };
                        value.push(ch);
                        self.pos += n;
                    } else if is_break(e) {
                        // Escaped line break: joins lines without a space.
                        self.pos -= 1;
                        self.skip_break();
                        self.skip_blanks();
                        while !self.eof() && self.at_eol() {
                            self.skip_break();
                            value.push('\n');
                            self.skip_blanks();
                        }
                    } else {
                        let mut end = self.pos;
                        while end < self.b.len() && !self.src.is_char_boundary(end) {
                            end += 1;
                        }
                        return self.err(
                            Span::new(esc_start, end),
                            format!(
                                "unknown escape `\\{}` in a double-quoted string",
                                &self.src[esc_start + 1..end]
                            ),
                        );
                    }
                    seg = self.pos;
                }
                c if is_break(c) && self.at_eol() => {
                    value.push_str(self.src[seg..self.pos].trim_end_matches([' ', '\t']));
                    self.fold_quoted_break(&mut value, start)?;
                    seg = self.pos;
                }
                _ => self.pos += 1,
            }
        }
        Ok(self.push(
            NodeKind::Scalar {
                value,
                style: ScalarStyle::DoubleQuoted,
            },
            Span::new(start, self.pos),
        ))
    }

    /// `|` or `>` block scalar; `parent` is the indentation of the enclosing collection.
    fn block_scalar(&mut self, parent: i64) -> PResult<NodeId> {
        let start = self.pos;
        let folded = self.peek() == Some(b'>');
        self.pos += 1;
        let mut chomp = 0i8; // -1 strip, 0 clip, 1 keep
        let mut explicit: Option<usize> = None;
        for _ in 0..2 {
            match self.peek() {
                Some(b'-') if chomp == 0 => {
                    chomp = -1;
                    self.pos += 1;
                }
                Some(b'+') if chomp == 0 => {
                    chomp = 1;
                    self.pos += 1;
                }
                Some(d @ b'1'..=b'9') if explicit.is_none() => {
                    explicit = Some((d - b'0') as usize);
                    self.pos += 1;
                }
                _ => break,
            }
        }
        self.skip_to_eol()?;
        let header_end = self.pos;
        let base = parent.max(-1);
        // Collect lines.
        let mut lines: Vec<(usize, usize)> = Vec::new(); // (line start, line end)
        let mut indent = explicit.map(|m| (base + m as i64).max(0) as usize);
        let mut content_end = header_end;
        let mut max_leading_blank = 0usize;
        let mut probe = self.pos;
        loop {
            if probe >= self.b.len() {
                break;
            }
            // Move past the break.
            if self.b[probe] == b'\r' {
                probe += 1;
            }
            if probe < self.b.len() && self.b[probe] == b'\n' {
                probe += 1;
            } else if probe > header_end {
                break;
            }
            if probe >= self.b.len() {
                break;
            }
            let ls = probe;
            let mut sp = ls;
            while sp < self.b.len() && self.b[sp] == b' ' {
                sp += 1;
            }
            let mut le = sp;
            while le < self.b.len() && self.b[le] != b'\n' {
                le += 1;
            }
            let line_end = if le > ls && self.b[le - 1] == b'\r' {
                le - 1
            } else {
                le
            };
            // Only spaces indent; a tab after them is content.
            let blank = sp == line_end;
            let n = sp - ls;
            match indent {
                None if blank => {
                    max_leading_blank = max_leading_blank.max(n);
                    lines.push((ls, line_end));
                    probe = le;
                    continue;
                }
                None => {
                    if (n as i64) <= base {
                        if self.b[sp..line_end].iter().all(|&c| is_blank(c)) {
                            return self.err(
                                Span::new(sp, sp + 1),
                                "a tab character is used for indentation; YAML allows only spaces",
                            );
                        }
                        break;
                    }
                    if n < max_leading_blank {
                        return self.err(
                            Span::new(ls, sp),
                            "a leading blank line of this block scalar is indented more than its text",
                        );
                    }
                    indent = Some(n);
                }
                Some(i) => {
                    if !blank && n < i {
                        break;
                    }
                    if blank && n < i {
                        lines.push((ls, line_end));
                        probe = le;
                        continue;
                    }
                }
            }
            // A document marker at column 0 ends the scalar.
            if n == 0
                && (self.b[ls..].starts_with(b"---") || self.b[ls..].starts_with(b"..."))
                && matches!(
                    self.b.get(ls + 3),
                    None | Some(b' ' | b'\t' | b'\n' | b'\r')
                )
            {
                break;
            }
            lines.push((ls, line_end));
            // Spaces past the indentation are text, even on a line of spaces.
            if !blank || indent.is_some_and(|i| n > i) {
                content_end = line_end;
            }
            probe = le;
        }
        // With no text, every line is an empty line.
        let indent = indent.unwrap_or(max_leading_blank);
        // Drop trailing blank lines from the node (they belong to chomping only).
        let mut text_lines: Vec<&str> = Vec::with_capacity(lines.len());
        for &(ls, le) in &lines {
            let s = (ls + indent).min(le);
            let line = &self.src[ls..le];
            let content = if line.len() >= indent && line[..indent].bytes().all(|c| c == b' ') {
                &self.src[s..le]
            } else {
                ""
            };
            text_lines.push(content);
        }
        let last_content = text_lines.iter().rposition(|l| !l.is_empty());
        let (body, trailing) = match last_content {
            Some(i) => (&text_lines[..=i], text_lines.len() - i - 1),
            None => (&text_lines[..0], text_lines.len()),
        };
        let mut value = String::new();
        if folded {
            let mut prev_more_indented = false;
            let mut pending_breaks = 0usize;
            let mut seen_text = false;
            for line in body {
                let empty = line.is_empty();
                let more = line.starts_with([' ', '\t']);
                if empty {
                    pending_breaks += 1;
                    continue;
                }
                if seen_text {
                    if pending_breaks == 0 && !more && !prev_more_indented {
                        value.push(' ');
                    } else if !more && !prev_more_indented {
                        for _ in 0..pending_breaks {
                            value.push('\n');
                        }
                    } else {
                        for _ in 0..=pending_breaks {
                            value.push('\n');
                        }
                    }
                } else {
                    for _ in 0..pending_breaks {
                        value.push('\n');
                    }
                }
                pending_breaks = 0;
                seen_text = true;
                value.push_str(line);
                prev_more_indented = more;
            }
        } else {
            for (i, line) in body.iter().enumerate() {
                if i > 0 {
                    value.push('\n');
                }
                value.push_str(line);
            }
        }
        match chomp {
            -1 => {}
            0 => {
                if !body.is_empty() {
                    value.push('\n');
                }
            }
            _ => {
                if !body.is_empty() {
                    value.push('\n');
                }
                for _ in 0..trailing {
                    value.push('\n');
                }
            }
        }
        // Leave the cursor at the end of the last content line so trailing
        // blank lines and comments are seen by the enclosing collection.
        self.pos = content_end.max(header_end);
        let end = self.pos;
        Ok(self.push(
            NodeKind::Scalar {
                value,
                style: if folded {
                    ScalarStyle::Folded
                } else {
                    ScalarStyle::Literal
                },
            },
            Span::new(start, end),
        ))
    }

    // ------------------------------------------------------------------ flow

    fn flow_collection(&mut self) -> PResult<NodeId> {
        self.enter()?;
        let r = if self.peek() == Some(b'[') {
            self.flow_seq()
        } else {
            self.flow_map()
        };
        self.leave();
        r
    }

    /// Skips whitespace, line breaks and comments inside a flow collection.
    fn flow_space(&mut self, open: usize) -> PResult<()> {
        loop {
            match self.peek() {
                Some(c) if is_blank(c) => self.pos += 1,
                Some(b'#') => {
                    if self.pos > 0 && !matches!(self.b[self.pos - 1], b' ' | b'\t' | b'\n' | b'\r')
                    {
                        return self
                            .err_here("a comment must be separated from content by a space");
                    }
                    self.skip_comment();
                }
                Some(c) if is_break(c) => {
                    self.pos += 1;
                }
                None => {
                    return self.err(
                        Span::new(open, open + 1),
                        "this flow collection is never closed",
                    );
                }
                _ => return Ok(()),
            }
            // (A marker is at column 0: no need to scan the line for it.)
            if self.pos < self.b.len() && self.at_document_marker() {
                return self.err(
                    Span::new(open, open + 1),
                    "this flow collection is never closed",
                );
            }
        }
    }

    fn flow_seq(&mut self) -> PResult<NodeId> {
        let start = self.pos;
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.flow_space(start)?;
            if self.peek() == Some(b']') {
                self.pos += 1;
                break;
            }
            let item = self.flow_entry(start)?;
            items.push(item);
            self.flow_space(start)?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                _ => return self.err_here("expected `,` or `]` in a flow sequence"),
            }
        }
        Ok(self.push(
            NodeKind::Seq { items, flow: true },
            Span::new(start, self.pos),
        ))
    }

    fn flow_map(&mut self) -> PResult<NodeId> {
        let start = self.pos;
        self.pos += 1;
        let mut pairs = Vec::new();
        loop {
            self.flow_space(start)?;
            if self.peek() == Some(b'}') {
                self.pos += 1;
                break;
            }
            if self.peek() == Some(b'?') && self.followed_by_space(1) {
                self.pos += 1;
                self.flow_space(start)?;
            }
            let key = if matches!(self.peek(), Some(b':' | b',' | b'}')) {
                self.push_empty(self.pos)
            } else {
                self.flow_node(start)?
            };
            self.flow_space(start)?;
            let value = if self.peek() == Some(b':') {
                self.pos += 1;
                self.flow_space(start)?;
                if matches!(self.peek(), Some(b',') | Some(b'}')) {
                    self.push_empty(self.pos)
                } else {
                    self.flow_node(start)?
                }
            } else {
                self.push_empty(self.pos)
            };
            pairs.push(Pair { key, value });
            self.flow_space(start)?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                _ => return self.err_here("expected `,` or `}` in a flow mapping"),
            }
        }
        let repeated = repeated_keys(&self.doc, &pairs);
        self.doc.duplicates.extend(repeated);
        Ok(self.push(
            NodeKind::Map { pairs, flow: true },
            Span::new(start, self.pos),
        ))
    }

    /// An entry of a flow sequence: a node, or a single-pair mapping `a: b`.
    fn flow_entry(&mut self, open: usize) -> PResult<NodeId> {
        let explicit = self.peek() == Some(b'?') && self.followed_by_space(1);
        if explicit {
            self.pos += 1;
            self.flow_space(open)?;
        }
        let start = self.pos;
        let empty_key = match self.peek() {
            Some(b',' | b']') => explicit,
            Some(b':') => explicit || self.at_flow_value_indicator(),
            _ => false,
        };
        let key = if empty_key {
            self.push_empty(self.pos)
        } else {
            self.flow_node(open)?
        };
        let save = self.pos;
        self.flow_space(open)?;
        let value = if self.peek() == Some(b':') {
            if !explicit && self.line_start(self.pos) != self.line_start(start) {
                return self
                    .err_here("the `:` of a key in a flow sequence must be on the key's line");
            }
            self.pos += 1;
            self.flow_space(open)?;
            if matches!(self.peek(), Some(b',') | Some(b']')) {
                self.push_empty(self.pos)
            } else {
                self.flow_node(open)?
            }
        } else if explicit {
            // `[? a]` is a pair with an empty value.
            self.pos = save;
            self.push_empty(self.pos)
        } else {
            self.pos = save;
            return Ok(key);
        };
        let end = self.doc.full_span(value).end as usize;
        Ok(self.push(
            NodeKind::Map {
                pairs: vec![Pair { key, value }],
                flow: true,
            },
            Span::new(start, end.max(start)),
        ))
    }

    fn flow_node(&mut self, open: usize) -> PResult<NodeId> {
        let (anchor, tag) = self.properties()?;
        if anchor.is_some() || tag.is_some() {
            self.flow_space(open)?;
        }
        let id = match self.peek() {
            Some(b'*') => self.alias()?,
            Some(b'[') | Some(b'{') => self.flow_collection()?,
            Some(b'"') => self.double_quoted()?,
            Some(b'\'') => self.single_quoted()?,
            Some(b',') | Some(b']') | Some(b'}') | Some(b':')
                if anchor.is_some() || tag.is_some() =>
            {
                self.push_empty(self.pos)
            }
            _ => self.plain_flow(open)?,
        };
        self.attach(id, anchor, tag)?;
        Ok(id)
    }

    /// A plain scalar inside a flow collection; may span lines.
    fn plain_flow(&mut self, open: usize) -> PResult<NodeId> {
        let start = self.pos;
        if !self.plain_first_line(true) {
            return self.err_here(format!(
                "unexpected `{}` in a flow collection",
                self.char_here()
            ));
        }
        let mut value = self.src[start..self.pos].to_string();
        let mut end = self.pos;
        loop {
            let save = self.pos;
            self.skip_blanks();
            if !self.at_eol() || self.eof() {
                self.pos = save;
                break;
            }
            let mut breaks = 0;
            while !self.eof() && self.at_eol() {
                self.skip_break();
                breaks += 1;
                self.skip_blanks();
            }
            if self.eof()
                || matches!(self.peek(), Some(b'#' | b',' | b']' | b'}'))
                || self.at_flow_value_indicator()
            {
                self.pos = save;
                break;
            }
            let seg = self.pos;
            // Indicators may start a continuation line (`%`, `!`, `&`, ...).
            if !self.plain_line(seg, true) || self.pos == seg {
                self.pos = save;
                break;
            }
            if breaks == 1 {
                value.push(' ');
            } else {
                for _ in 1..breaks {
                    value.push('\n');
                }
            }
            value.push_str(&self.src[seg..self.pos]);
            end = self.pos;
        }
        let _ = open;
        self.pos = end;
        Ok(self.push(
            NodeKind::Scalar {
                value,
                style: ScalarStyle::Plain,
            },
            Span::new(start, end),
        ))
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod suite_tests;
