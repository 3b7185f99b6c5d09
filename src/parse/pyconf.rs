//! `sentry/sentry.conf.py` through tree-sitter-python: the module-level
//! settings an install sets, as plain data with spans. Only what Sentry's
//! settings loader would see at import time matters, so statements inside
//! `if`/`try` blocks are kept but marked conditional, and function bodies are
//! skipped.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use tree_sitter::{InputEdit, Node, Parser, Point, Tree};

use crate::source::Span;

/// Expressions nested deeper than this are kept as `Unknown` (no recursion
/// past it), so hostile input cannot overflow the stack.
const MAX_EXPR_DEPTH: usize = 100;

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Str(String),
    /// An f-string or a string with parts we do not evaluate.
    FStr,
    Int(i64),
    Float(f64),
    Bool(bool),
    None,
    Name(String),
    /// `a.b.c` as written.
    Attribute(String),
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
    Set(Vec<Expr>),
    Dict(Vec<(Expr, Expr)>),
    /// `{key: value for var in iter}`.
    DictComp {
        key: Box<Expr>,
        value: Box<Expr>,
        var: String,
        iter: Box<Expr>,
    },
    Call {
        func: String,
        args: Vec<Expr>,
        kwargs: Vec<(String, Expr)>,
    },
    BinOp {
        op: String,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    Subscript {
        value: Box<Expr>,
        index: Box<Expr>,
    },
    Unknown,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

impl Expr {
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            ExprKind::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The value of `key` in a dict literal.
    pub fn dict_get(&self, key: &str) -> Option<&Expr> {
        match &self.kind {
            ExprKind::Dict(pairs) => pairs
                .iter()
                .rev()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The items of a list, tuple or set literal.
    pub fn items(&self) -> &[Expr] {
        match &self.kind {
            ExprKind::List(v) | ExprKind::Tuple(v) | ExprKind::Set(v) => v,
            _ => &[],
        }
    }

    /// `env("NAME", default)` wrapped in any number of `int()`/`str()`/`bool()`.
    pub fn env_call(&self) -> Option<(&str, Option<&Expr>)> {
        match &self.kind {
            ExprKind::Call { func, args, .. } if func == "env" => {
                let name = args.first()?.as_str()?;
                Some((name, args.get(1)))
            }
            ExprKind::Call { func, args, .. }
                if matches!(func.as_str(), "int" | "str" | "bool" | "float") && args.len() == 1 =>
            {
                args[0].env_call()
            }
            _ => None,
        }
    }
}

/// What an assignment writes to.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// `NAME = ...`
    Name(String),
    /// `NAME["a"]["b"] = ...` (string keys only).
    Item { base: String, keys: Vec<String> },
    /// Anything else (tuple unpacking, attributes, computed keys).
    Other,
}

#[derive(Clone, Debug)]
pub struct Assignment {
    pub target: Target,
    pub target_span: Span,
    /// `=` or an augmented operator such as `+=`.
    pub op: String,
    pub value: Expr,
    pub stmt_span: Span,
    /// Inside an `if`, `try`, `for` or `with` block.
    pub conditional: bool,
}

/// A `SENTRY_FEATURES` entry.
#[derive(Clone, Debug)]
pub struct Feature {
    pub name: String,
    /// The string literal naming the flag.
    pub span: Span,
    /// `Some(true/false)` when the value is a literal.
    pub enabled: Option<bool>,
    pub stmt_span: Span,
    pub conditional: bool,
}

/// A tuple or list of flag names inside `SENTRY_FEATURES.update({f: True for f in (...)})`.
#[derive(Clone, Debug)]
pub struct FeatureList {
    pub span: Span,
    pub items: Vec<Span>,
    pub enabled: Option<bool>,
}

#[derive(Clone, Debug, Default)]
pub struct PyConf {
    pub assignments: Vec<Assignment>,
    pub features: Vec<Feature>,
    /// The literal lists that `SENTRY_FEATURES.update(...)` enables, for edits.
    pub feature_lists: Vec<FeatureList>,
    /// Module-level statements, in order (for placing inserted settings).
    pub statements: Vec<Span>,
    /// Every comment, also those inside expressions, in source order.
    pub comments: Vec<Span>,
    /// Syntax errors: where and what.
    pub errors: Vec<(Span, String)>,
    /// `from sentry.conf.server import *` is present.
    pub imports_server_defaults: bool,
}

impl PyConf {
    /// The last unconditional-or-conditional assignment to `NAME`.
    pub fn setting(&self, name: &str) -> Option<&Assignment> {
        self.assignments
            .iter()
            .rev()
            .find(|a| matches!(&a.target, Target::Name(n) if n == name) && a.op == "=")
    }

    /// The last `BASE["key"] = value` (e.g. `SENTRY_OPTIONS["system.url-prefix"]`).
    pub fn item(&self, base: &str, key: &str) -> Option<&Assignment> {
        self.assignments.iter().rev().find(|a| {
            matches!(&a.target, Target::Item { base: b, keys } if b == base && keys.len() == 1 && keys[0] == key)
        })
    }

    /// The last entry for a feature flag.
    pub fn feature(&self, name: &str) -> Option<&Feature> {
        self.features.iter().rev().find(|f| f.name == name)
    }

    /// A nested value: `CACHES["default"]["BACKEND"]`, whether set as a dict
    /// literal or item by item. Returns the expression and the statement.
    pub fn lookup(&self, base: &str, keys: &[&str]) -> Option<(&Expr, &Assignment)> {
        // The last assignment that covers the path decides; one that replaces
        // a parent without the key means the key is unset.
        for a in self.assignments.iter().rev() {
            let prefix: &[String] = match &a.target {
                Target::Name(n) if n == base && a.op == "=" => &[],
                Target::Item { base: b, keys: ks } if b == base && a.op == "=" => ks,
                _ => continue,
            };
            if prefix.len() > keys.len() || !prefix.iter().zip(keys).all(|(x, y)| x == y) {
                continue;
            }
            let mut e = &a.value;
            for k in &keys[prefix.len()..] {
                e = e.dict_get(k)?;
            }
            return Some((e, a));
        }
        None
    }
}

/// How many parses [`parse_shared`] remembers, and the largest text it
/// remembers: a bound on its memory (64 MiB at worst, about 1 MiB for 64
/// upstream-sized files).
const SHARED_ENTRIES: usize = 64;
const SHARED_MAX_TEXT: usize = 1 << 20;

/// [`parse`], remembered by text. The installs of a monorepo often carry
/// copies of one sentry.conf.py, and tree-sitter is most of what checking an
/// install costs; a copy is parsed once per run. When full, the memory is
/// emptied and starts again, so a run over unique files costs one hash and
/// one lookup per file more than `parse`.
pub fn parse_shared(src: &str) -> Arc<PyConf> {
    static SHARED: Mutex<Option<HashMap<Box<str>, Arc<PyConf>>>> = Mutex::new(None);
    // A panic elsewhere while holding the lock leaves the map usable.
    let lookup = || SHARED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(conf) = lookup().as_ref().and_then(|m| m.get(src)) {
        return Arc::clone(conf);
    }
    let conf = conf_of(src, true);
    if src.len() <= SHARED_MAX_TEXT {
        let mut shared = lookup();
        let map = shared.get_or_insert_with(HashMap::new);
        if map.len() >= SHARED_ENTRIES {
            map.clear();
        }
        map.insert(src.into(), Arc::clone(&conf));
    }
    conf
}

/// The grammar's field ids, looked up once: `child_by_field_name` searches
/// the grammar's field names on every call.
struct Fields {
    argument: u16,
    arguments: u16,
    body: u16,
    function: u16,
    key: u16,
    left: u16,
    name: u16,
    operator: u16,
    right: u16,
    subscript: u16,
    value: u16,
}

fn fields() -> &'static Fields {
    static FIELDS: std::sync::OnceLock<Fields> = std::sync::OnceLock::new();
    FIELDS.get_or_init(|| {
        let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
        // The grammar is compiled in; a missing field is a build bug, caught by tests.
        let id = |name: &str| {
            language
                .field_id_for_name(name)
                .unwrap_or_else(|| panic!("tree-sitter-python has no field `{name}`"))
                .get()
        };
        Fields {
            argument: id("argument"),
            arguments: id("arguments"),
            body: id("body"),
            function: id("function"),
            key: id("key"),
            left: id("left"),
            name: id("name"),
            operator: id("operator"),
            right: id("right"),
            subscript: id("subscript"),
            value: id("value"),
        }
    })
}

pub fn parse(src: &str) -> PyConf {
    Arc::unwrap_or_clone(conf_of(src, true))
}

/// [`parse`] without the thread's recent parses: every byte is parsed (for
/// benchmarks, and to check that reuse changes nothing).
pub fn parse_afresh(src: &str) -> PyConf {
    Arc::unwrap_or_clone(conf_of(src, false))
}

fn conf_of(src: &str, reuse: bool) -> Arc<PyConf> {
    let reuse = reuse && src.len() <= REUSE_MAX_TEXT;
    MEMORY.with_borrow_mut(|memory| {
        if reuse {
            memory.parse(src, true).0
        } else {
            let tree = memory.fresh_tree(src);
            Arc::new(read_tree(tree.as_ref(), src).0)
        }
    })
}

/// The settings of a parsed text, and what each module-level unit added.
/// Without a tree (tree-sitter gave up), a conf that says so.
fn read_tree(tree: Option<&Tree>, src: &str) -> (PyConf, Vec<Unit>) {
    let mut conf = PyConf::default();
    let Some(tree) = tree else {
        conf.errors.push((
            Span::empty(0),
            "the Python parser gave up on this file".into(),
        ));
        return (conf, Vec::new());
    };
    let root = tree.root_node();
    let mut walker = Walker {
        src,
        conf: &mut conf,
    };
    if root.has_error() {
        walker.collect_errors(root);
    }
    let mut units = walker.module(root);
    conf.comments = comments(root, src);
    // Each unit's comments, from the last unit back: a unit ends where the
    // next one starts.
    let mut end = conf.comments.len();
    for unit in units.iter_mut().rev() {
        let first = conf
            .comments
            .partition_point(|c| (c.start as usize) < unit.start);
        unit.comments = first..end;
        end = first;
    }
    (conf, units)
}

/// A module-level statement or comment with the text after it, up to the
/// next one (the first unit starts at byte 0): where it starts, and the
/// part of the `PyConf` it produced.
#[derive(Clone, Debug, Default)]
struct Unit {
    start: usize,
    assignments: Range<usize>,
    features: Range<usize>,
    feature_lists: Range<usize>,
    statements: Range<usize>,
    comments: Range<usize>,
    imports_server_defaults: bool,
}

/// A parse a thread remembers: the text, its settings by unit, and its
/// syntax tree unless it was assembled from another parse's units.
struct Remembered {
    text: String,
    tree: Option<Tree>,
    conf: Arc<PyConf>,
    units: Vec<Unit>,
}

/// A parser and the last few error-free parses, per thread.
struct Memory {
    parser: Parser,
    recent: Vec<Remembered>,
}

/// How a parse came about (for tests).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Reuse {
    Fresh,
    /// Reparsed incrementally from a recent tree.
    Tree,
    /// Only the changed statements parsed; the others taken from a recent parse.
    Units,
}

/// Texts longer than this are parsed afresh and not kept (a sentry.conf.py
/// is about 10 KB).
const REUSE_MAX_TEXT: usize = 256 * 1024;

/// How many recent parses a thread keeps: enough for one of each release a
/// monorepo's installs may take in turn (a few MB per thread). Comparing a
/// text with a parse's ends most often stops after a few bytes.
const RECENT_PARSES: usize = 32;

thread_local! {
    // One parser per thread: creating one allocates its stacks and the
    // grammar's scanner, a tenth of the work of parsing a small file.
    static MEMORY: std::cell::RefCell<Memory> = std::cell::RefCell::new(Memory {
        parser: {
            let mut parser = Parser::new();
            // The grammar is compiled in; a failure here is a build bug, caught by tests.
            parser
                .set_language(&tree_sitter_python::LANGUAGE.into())
                .expect("tree-sitter-python grammar loads");
            parser
        },
        recent: Vec::new(),
    });
}

impl Memory {
    fn fresh_tree(&mut self, src: &str) -> Option<Tree> {
        // A parse that gave up would otherwise be resumed with this text.
        self.parser.reset();
        self.parser.parse(src, None)
    }

    /// The settings of `src`. The sentry.conf.py files of a monorepo are
    /// mostly one upstream example with a few lines changed, so when a
    /// recent parse's text shares most of its lines with `src`, only the
    /// module-level statements around the changed lines are parsed and read,
    /// and the others are taken from that parse; where that is not sure to
    /// read as a whole parse would, tree-sitter reparses the changed lines
    /// of that parse's tree. A text with a syntax error is always parsed
    /// afresh: error recovery may depend on the old tree, and a result must
    /// not depend on the order files are read in.
    /// With `by_units` false, units are never taken (for tests of the tree
    /// path); also returns the syntax tree unless it was assembled by units.
    fn parse(&mut self, src: &str, by_units: bool) -> (Arc<PyConf>, Option<Tree>, Reuse) {
        // The likeliest relative: the most shared at both ends.
        let best = self
            .recent
            .iter()
            .enumerate()
            .max_by_key(|(_, old)| shared_ends(&old.text, src))
            .map(|(i, _)| i);
        let diff = best.and_then(|i| LineDiff::of(&self.recent[i].text, src));
        if by_units
            && let (Some(i), Some(diff)) = (best, &diff)
            && let Some((conf, units)) = reuse_units(&mut self.parser, &self.recent[i], src, diff)
        {
            let conf = Arc::new(conf);
            self.remember(src, None, Arc::clone(&conf), units);
            return (conf, None, Reuse::Units);
        }
        let mut how = Reuse::Fresh;
        let mut tree = None;
        if let (Some(i), Some(diff)) = (best, &diff)
            && let Some(old_tree) = &self.recent[i].tree
        {
            // Edits copy what they change, so the remembered tree stays as it was.
            let mut old_tree = old_tree.clone();
            edit_to(&mut old_tree, &self.recent[i].text, src, diff);
            self.parser.reset();
            tree = self
                .parser
                .parse(src, Some(&old_tree))
                .filter(|t| !t.root_node().has_error());
            how = Reuse::Tree;
        }
        if tree.is_none() {
            how = Reuse::Fresh;
            tree = self.fresh_tree(src);
        }
        let (conf, units) = read_tree(tree.as_ref(), src);
        let conf = Arc::new(conf);
        if let Some(tree) = tree.as_ref().filter(|t| !t.root_node().has_error()) {
            self.remember(src, Some(tree.clone()), Arc::clone(&conf), units);
        }
        (conf, tree, how)
    }

    fn remember(&mut self, src: &str, tree: Option<Tree>, conf: Arc<PyConf>, units: Vec<Unit>) {
        if self.recent.len() == RECENT_PARSES {
            self.recent.remove(0);
        }
        self.recent.push(Remembered {
            text: src.to_string(),
            tree,
            conf,
            units,
        });
    }
}

/// The lines two texts do not share, when they share at least half of the
/// new text's bytes.
struct LineDiff {
    /// Where each line starts in the old and the new text, then its length.
    old_lines: Vec<usize>,
    new_lines: Vec<usize>,
    /// Old and new line ranges that differ, in order.
    changes: Vec<(Range<usize>, Range<usize>)>,
}

impl LineDiff {
    fn of(old: &str, new: &str) -> Option<LineDiff> {
        // Shared bytes cannot reach half of `new` when `old` is much shorter.
        // A lone `\r` ends a line for the diff but not a row for tree-sitter.
        if 2 * old.len() < new.len() || has_lone_cr(old) || has_lone_cr(new) {
            return None;
        }
        // A line diff costs lines times differences: bounded in time, it
        // settles for a coarser diff (still exact, less shared) when texts
        // differ everywhere.
        let diff = similar::TextDiff::configure()
            .timeout(std::time::Duration::from_millis(5))
            .diff_lines(old, new);
        let old_lines = line_starts(diff.iter_old_slices());
        let new_lines = line_starts(diff.iter_new_slices());
        let mut shared = 0;
        let mut changes = Vec::new();
        for op in diff.ops() {
            let (o, n) = (op.old_range(), op.new_range());
            if op.tag() == similar::DiffTag::Equal {
                shared += new_lines[n.end] - new_lines[n.start];
            } else {
                changes.push((o, n));
            }
        }
        (2 * shared >= new.len()).then_some(LineDiff {
            old_lines,
            new_lines,
            changes,
        })
    }

    /// The bytes of a change, in the old and the new text.
    fn bytes(&self, change: &(Range<usize>, Range<usize>)) -> (Range<usize>, Range<usize>) {
        let (o, n) = change;
        (
            self.old_lines[o.start]..self.old_lines[o.end],
            self.new_lines[n.start]..self.new_lines[n.end],
        )
    }
}

/// Tells `tree` (of `old`) about the lines that differ in `new`.
fn edit_to(tree: &mut Tree, old: &str, new: &str, diff: &LineDiff) {
    // From the last change to the first: a change never moves the text
    // before it, so each edit is in the old text's coordinates.
    for change in diff.changes.iter().rev() {
        let (o, n) = change;
        let (old_bytes, new_bytes) = diff.bytes(change);
        let start_position = line_point(old, &diff.old_lines, o.start);
        // The inserted lines, placed where the old ones started.
        let (first, last) = (
            line_point(new, &diff.new_lines, n.start),
            line_point(new, &diff.new_lines, n.end),
        );
        let new_end_position = Point {
            row: start_position.row + last.row - first.row,
            column: if last.row == first.row {
                start_position.column + last.column - first.column
            } else {
                last.column
            },
        };
        tree.edit(&InputEdit {
            start_byte: old_bytes.start,
            old_end_byte: old_bytes.end,
            new_end_byte: old_bytes.start + new_bytes.len(),
            start_position,
            old_end_position: line_point(old, &diff.old_lines, o.end),
            new_end_position,
        });
    }
}

/// The settings of `new`, taken unit by unit from `old`'s parse where its
/// lines did not change, with only windows of units around the changed
/// lines parsed. A window is parsed on its own only where that is sure to
/// read as the whole text would:
/// - it starts at the text's start or at a line that begins a statement at
///   column 0, in the old text and the new (whatever came before is closed,
///   and the comments before it stay where they were);
/// - it ends at the text's end or at such a line, in the unchanged text;
/// - it parses without error, has no backslash (a line continuation would
///   reach past it), and, unless it ends the text, holds only simple
///   statements (no block, whose end or trailing comments depend on what
///   follows).
///
/// Otherwise `None`.
fn reuse_units(
    parser: &mut Parser,
    old: &Remembered,
    new: &str,
    diff: &LineDiff,
) -> Option<(PyConf, Vec<Unit>)> {
    let units = &old.units;
    if units.is_empty() {
        return None;
    }
    let changes: Vec<(Range<usize>, Range<usize>)> =
        diff.changes.iter().map(|c| diff.bytes(c)).collect();
    // How far the new text has moved at an old byte outside the changes:
    // by the changes that start before it.
    let mut moved_by = Vec::with_capacity(changes.len());
    let mut moved = 0isize;
    for (o, n) in &changes {
        moved += n.len() as isize - o.len() as isize;
        moved_by.push(moved);
    }
    let new_at = |byte: usize| {
        let before = changes.partition_point(|(o, _)| o.start < byte);
        (byte as isize + before.checked_sub(1).map_or(0, |i| moved_by[i])) as usize
    };
    let unit_at = |byte: usize| units.partition_point(|u| u.start <= byte).max(1) - 1;
    // Unit indices `i` such that a window may start at unit `i`.
    let may_start = |i: usize| {
        i == 0
            || (opens_statement(&old.text, units[i].start)
                && opens_statement(new, new_at(units[i].start)))
    };
    let may_end = |i: usize| i == units.len() || opens_statement(&old.text, units[i].start);
    let mut windows: Vec<Range<usize>> = Vec::new();
    for (o, _) in &changes {
        let first = unit_at(o.start);
        let last = if o.is_empty() {
            first
        } else {
            unit_at(o.end - 1)
        };
        let floor = windows.last().map_or(0, |w| w.end);
        let mut window = first..last + 1;
        while window.start > floor && !may_start(window.start) {
            window.start -= 1;
        }
        while !may_end(window.end) {
            window.end += 1;
        }
        match windows.last_mut() {
            Some(w) if window.start <= w.end => w.end = w.end.max(window.end),
            _ => windows.push(window),
        }
    }
    let mut conf = PyConf::default();
    let mut out = Vec::with_capacity(units.len());
    let mut next = 0;
    let copy_until = |end: usize, next: &mut usize, conf: &mut PyConf, out: &mut Vec<Unit>| {
        for unit in &units[*next..end] {
            let by = new_at(unit.start) as isize - unit.start as isize;
            out.push(take_unit(conf, &old.conf, unit, by));
        }
        *next = end;
    };
    for window in windows {
        let old_start = units[window.start].start;
        let new_start = new_at(old_start);
        let new_end = match units.get(window.end) {
            Some(u) => new_at(u.start),
            None => new.len(),
        };
        let text = &new[new_start..new_end];
        if text.contains('\\') {
            return None;
        }
        parser.reset();
        let tree = parser.parse(text, None)?;
        let root = tree.root_node();
        if root.has_error() {
            return None;
        }
        if window.end < units.len() {
            let mut cursor = root.walk();
            if !root
                .named_children(&mut cursor)
                .all(|c| SIMPLE_STATEMENTS.contains(&c.kind()))
            {
                return None;
            }
        }
        let (part, part_units) = read_tree(Some(&tree), text);
        copy_until(window.start, &mut next, &mut conf, &mut out);
        for unit in &part_units {
            out.push(take_unit(&mut conf, &part, unit, new_start as isize));
        }
        next = window.end;
    }
    copy_until(units.len(), &mut next, &mut conf, &mut out);
    // The first unit covers the text from its start.
    if let Some(first) = out.first_mut() {
        first.start = 0;
    }
    Some((conf, out))
}

/// Statements whose text a following line cannot extend or attach to.
const SIMPLE_STATEMENTS: &[&str] = &[
    "expression_statement",
    "import_statement",
    "import_from_statement",
    "future_import_statement",
    "pass_statement",
    "assert_statement",
    "delete_statement",
    "global_statement",
    "comment",
];

/// Whether `at` is the start of a line that begins a statement at column 0:
/// a name, and not one that continues a statement before it (`else:`).
fn opens_statement(text: &str, at: usize) -> bool {
    let bytes = text.as_bytes();
    if at == 0 || at >= bytes.len() || bytes[at - 1] != b'\n' {
        return at == 0;
    }
    let word_len = bytes[at..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    let word = &bytes[at..at + word_len];
    !word.is_empty()
        && !word[0].is_ascii_digit()
        && !matches!(word, b"else" | b"elif" | b"except" | b"finally")
}

/// Appends what `unit` of `from` produced to `to`, moved by `by` bytes, and
/// returns the unit as it is in `to`.
fn take_unit(to: &mut PyConf, from: &PyConf, unit: &Unit, by: isize) -> Unit {
    let at = |s: Span| {
        Span::new(
            (s.start as isize + by) as usize,
            (s.end as isize + by) as usize,
        )
    };
    let (a, f, l, s, c) = (
        to.assignments.len(),
        to.features.len(),
        to.feature_lists.len(),
        to.statements.len(),
        to.comments.len(),
    );
    for x in &from.assignments[unit.assignments.clone()] {
        let mut x = x.clone();
        x.target_span = at(x.target_span);
        x.stmt_span = at(x.stmt_span);
        move_expr(&mut x.value, &at);
        to.assignments.push(x);
    }
    for x in &from.features[unit.features.clone()] {
        let mut x = x.clone();
        x.span = at(x.span);
        x.stmt_span = at(x.stmt_span);
        to.features.push(x);
    }
    for x in &from.feature_lists[unit.feature_lists.clone()] {
        to.feature_lists.push(FeatureList {
            span: at(x.span),
            items: x.items.iter().map(|&i| at(i)).collect(),
            enabled: x.enabled,
        });
    }
    to.statements.extend(
        from.statements[unit.statements.clone()]
            .iter()
            .map(|&x| at(x)),
    );
    to.comments
        .extend(from.comments[unit.comments.clone()].iter().map(|&x| at(x)));
    to.imports_server_defaults |= unit.imports_server_defaults;
    Unit {
        start: (unit.start as isize + by) as usize,
        assignments: a..to.assignments.len(),
        features: f..to.features.len(),
        feature_lists: l..to.feature_lists.len(),
        statements: s..to.statements.len(),
        comments: c..to.comments.len(),
        imports_server_defaults: unit.imports_server_defaults,
    }
}

/// Moves every span of an expression.
fn move_expr(e: &mut Expr, at: &impl Fn(Span) -> Span) {
    e.span = at(e.span);
    match &mut e.kind {
        ExprKind::List(items) | ExprKind::Tuple(items) | ExprKind::Set(items) => {
            items.iter_mut().for_each(|i| move_expr(i, at));
        }
        ExprKind::Dict(pairs) => {
            for (k, v) in pairs {
                move_expr(k, at);
                move_expr(v, at);
            }
        }
        ExprKind::DictComp {
            key, value, iter, ..
        } => {
            move_expr(key, at);
            move_expr(value, at);
            move_expr(iter, at);
        }
        ExprKind::Call { args, kwargs, .. } => {
            args.iter_mut().for_each(|a| move_expr(a, at));
            kwargs.iter_mut().for_each(|(_, v)| move_expr(v, at));
        }
        ExprKind::BinOp { left, right, .. } => {
            move_expr(left, at);
            move_expr(right, at);
        }
        ExprKind::Subscript { value, index } => {
            move_expr(value, at);
            move_expr(index, at);
        }
        ExprKind::Str(_)
        | ExprKind::FStr
        | ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Bool(_)
        | ExprKind::None
        | ExprKind::Name(_)
        | ExprKind::Attribute(_)
        | ExprKind::Unknown => {}
    }
}

/// Where line `i` starts, as a tree-sitter point: every line but the last
/// ends with `\n`, so that is row `i`, column 0, except past a last line
/// without one.
fn line_point(text: &str, starts: &[usize], i: usize) -> Point {
    let byte = starts[i];
    if byte == 0 || text.as_bytes()[byte - 1] == b'\n' {
        Point { row: i, column: 0 }
    } else {
        Point {
            row: i - 1,
            column: byte - starts[i - 1],
        }
    }
}

/// Where each of the diff's lines starts, then the text's length.
fn line_starts<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<usize> {
    let mut starts = vec![0];
    let mut at = 0;
    for line in lines {
        at += line.len();
        starts.push(at);
    }
    starts
}

fn has_lone_cr(text: &str) -> bool {
    text.match_indices('\r')
        .any(|(i, _)| text.as_bytes().get(i + 1) != Some(&b'\n'))
}

/// The total length of the longest common prefix and suffix of two texts.
/// Compared a block at a time: a thread holds dozens of texts to compare.
fn shared_ends(old: &str, new: &str) -> usize {
    const BLOCK: usize = 64;
    let (a, b) = (old.as_bytes(), new.as_bytes());
    let n = a.len().min(b.len());
    let mut prefix = 0;
    while prefix + BLOCK <= n && a[prefix..prefix + BLOCK] == b[prefix..prefix + BLOCK] {
        prefix += BLOCK;
    }
    prefix += a[prefix..n]
        .iter()
        .zip(&b[prefix..n])
        .take_while(|(x, y)| x == y)
        .count();
    let room = n - prefix;
    let (a, b) = (&a[a.len() - room..], &b[b.len() - room..]);
    let mut suffix = 0;
    while suffix + BLOCK <= room
        && a[room - suffix - BLOCK..room - suffix] == b[room - suffix - BLOCK..room - suffix]
    {
        suffix += BLOCK;
    }
    suffix += a[..room - suffix]
        .iter()
        .rev()
        .zip(b[..room - suffix].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    prefix + suffix
}

/// Every comment of the tree, wherever it sits (also inside a dict or a
/// call), in source order. Only a subtree whose text holds a `#` can hold a
/// comment, so the walk skips the others instead of visiting every token.
fn comments(root: Node, src: &str) -> Vec<Span> {
    let hashes: Vec<usize> = src
        .bytes()
        .enumerate()
        .filter(|(_, b)| *b == b'#')
        .map(|(i, _)| i)
        .collect();
    let holds_hash = |node: Node| {
        let first = hashes.partition_point(|&h| h < node.start_byte());
        hashes.get(first).is_some_and(|&h| h < node.end_byte())
    };
    let mut out = Vec::new();
    let mut cursor = root.walk();
    'walk: loop {
        let node = cursor.node();
        if holds_hash(node) {
            if node.kind() == "comment" {
                out.push(span(node));
            } else if cursor.goto_first_child() {
                continue;
            }
        }
        loop {
            if cursor.goto_next_sibling() {
                continue 'walk;
            }
            if !cursor.goto_parent() {
                break 'walk;
            }
        }
    }
    out
}

struct Walker<'a> {
    src: &'a str,
    conf: &'a mut PyConf,
}

fn span(node: Node) -> Span {
    Span::new(node.start_byte(), node.end_byte())
}

impl Walker<'_> {
    fn text(&self, node: Node) -> &str {
        &self.src[node.start_byte()..node.end_byte()]
    }

    /// Records the first error node of each error region, iteratively.
    fn collect_errors(&mut self, root: Node) {
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            if self.conf.errors.len() >= 20 {
                return;
            }
            if node.is_error() {
                let text = self.text(node);
                let first = text.lines().next().unwrap_or("").trim();
                // The text is quoted in the message, unless it may hold a secret.
                let shown: String = if crate::model::load::is_secret_name(first) {
                    String::new()
                } else {
                    first.chars().take(40).collect()
                };
                self.conf.errors.push((
                    Span::new(
                        node.start_byte(),
                        node.start_byte() + first.len().min(node.end_byte() - node.start_byte()),
                    ),
                    if shown.is_empty() {
                        "invalid Python syntax".to_string()
                    } else {
                        format!("invalid Python syntax near `{shown}`")
                    },
                ));
                continue;
            }
            if node.is_missing() {
                self.conf.errors.push((
                    Span::empty(node.start_byte()),
                    format!("invalid Python syntax: missing `{}`", node.kind()),
                ));
                continue;
            }
            if node.has_error() {
                let mut cursor = node.walk();
                let children: Vec<Node> = node.children(&mut cursor).collect();
                stack.extend(children.into_iter().rev());
            }
        }
        self.conf.errors.sort_by_key(|(s, _)| *s);
    }

    /// Reads the module's statements, and returns its units.
    fn module(&mut self, root: Node) -> Vec<Unit> {
        let mut units = Vec::new();
        let mut cursor = root.walk();
        for (i, child) in root.named_children(&mut cursor).enumerate() {
            let c = &*self.conf;
            let (a, f, l, s) = (
                c.assignments.len(),
                c.features.len(),
                c.feature_lists.len(),
                c.statements.len(),
            );
            let imports_before = std::mem::take(&mut self.conf.imports_server_defaults);
            self.statement_or_block(child, false, 0);
            let c = &mut *self.conf;
            units.push(Unit {
                start: if i == 0 { 0 } else { child.start_byte() },
                assignments: a..c.assignments.len(),
                features: f..c.features.len(),
                feature_lists: l..c.feature_lists.len(),
                statements: s..c.statements.len(),
                comments: 0..0,
                imports_server_defaults: c.imports_server_defaults,
            });
            c.imports_server_defaults |= imports_before;
        }
        units
    }

    fn block(&mut self, node: Node, conditional: bool, depth: usize) {
        if depth > 20 {
            return;
        }
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            self.statement_or_block(child, conditional, depth);
        }
    }

    fn statement_or_block(&mut self, child: Node, conditional: bool, depth: usize) {
        match child.kind() {
            "expression_statement" => {
                if !conditional && depth == 0 {
                    self.conf.statements.push(span(child));
                }
                let mut c2 = child.walk();
                for expr in child.named_children(&mut c2) {
                    self.statement(expr, span(child), conditional);
                }
            }
            "import_from_statement" => {
                if !conditional && depth == 0 {
                    self.conf.statements.push(span(child));
                }
                let t = self.text(child);
                if t.starts_with("from sentry.conf.server import") && t.contains('*') {
                    self.conf.imports_server_defaults = true;
                }
            }
            "if_statement" | "try_statement" | "for_statement" | "while_statement"
            | "with_statement" | "elif_clause" | "else_clause" | "except_clause"
            | "finally_clause" | "block" => {
                if depth == 0 {
                    self.conf.statements.push(span(child));
                }
                self.block(child, true, depth + 1);
            }
            // Comments are collected over the whole tree by `comments`.
            "comment" | "comment_block" => {}
            _ => {
                if depth == 0 && !conditional {
                    self.conf.statements.push(span(child));
                }
            }
        }
    }

    fn statement(&mut self, node: Node, stmt_span: Span, conditional: bool) {
        match node.kind() {
            "assignment" | "augmented_assignment" => {
                let (Some(left), Some(right)) = (
                    node.child_by_field_id(fields().left),
                    node.child_by_field_id(fields().right),
                ) else {
                    return;
                };
                let op = if node.kind() == "assignment" {
                    "=".to_string()
                } else {
                    node.child_by_field_id(fields().operator)
                        .map(|o| self.text(o).to_string())
                        .unwrap_or_else(|| "=".into())
                };
                let target = self.target(left);
                let value = self.expr(right, 0);
                if let Target::Item { base, keys } = &target
                    && base == "SENTRY_FEATURES"
                    && keys.len() == 1
                {
                    let key_span = left
                        .child_by_field_id(fields().subscript)
                        .map(span)
                        .unwrap_or(span(left));
                    self.conf.features.push(Feature {
                        name: keys[0].clone(),
                        span: key_span,
                        enabled: value.as_bool(),
                        stmt_span,
                        conditional,
                    });
                }
                self.conf.assignments.push(Assignment {
                    target,
                    target_span: span(left),
                    op,
                    value,
                    stmt_span,
                    conditional,
                });
            }
            "call" => {
                let func = node
                    .child_by_field_id(fields().function)
                    .map(|f| self.text(f).to_string())
                    .unwrap_or_default();
                if func == "SENTRY_FEATURES.update" {
                    let Some(args) = node.child_by_field_id(fields().arguments) else {
                        return;
                    };
                    let mut c = args.walk();
                    let first = args.named_children(&mut c).next();
                    if let Some(arg) = first {
                        let e = self.expr(arg, 0);
                        self.feature_update(&e, stmt_span, conditional);
                    }
                }
            }
            _ => {}
        }
    }

    fn feature_update(&mut self, e: &Expr, stmt_span: Span, conditional: bool) {
        match &e.kind {
            ExprKind::Dict(pairs) => {
                for (k, v) in pairs {
                    if let Some(name) = k.as_str() {
                        self.conf.features.push(Feature {
                            name: name.to_string(),
                            span: k.span,
                            enabled: v.as_bool(),
                            stmt_span,
                            conditional,
                        });
                    }
                }
            }
            ExprKind::DictComp {
                key,
                value,
                var,
                iter,
            } if matches!(&key.kind, ExprKind::Name(n) if n == var) => {
                let enabled = value.as_bool();
                let mut lists = Vec::new();
                flatten_concat(iter, &mut lists);
                for list in lists {
                    let mut items = Vec::new();
                    for item in list.items() {
                        if let Some(name) = item.as_str() {
                            items.push(item.span);
                            self.conf.features.push(Feature {
                                name: name.to_string(),
                                span: item.span,
                                enabled,
                                stmt_span,
                                conditional,
                            });
                        }
                    }
                    self.conf.feature_lists.push(FeatureList {
                        span: list.span,
                        items,
                        enabled,
                    });
                }
            }
            _ => {}
        }
    }

    fn target(&self, node: Node) -> Target {
        match node.kind() {
            "identifier" => Target::Name(self.text(node).to_string()),
            "subscript" => {
                let mut keys = Vec::new();
                let mut cur = node;
                loop {
                    let Some(index) = cur.child_by_field_id(fields().subscript) else {
                        return Target::Other;
                    };
                    let Some(key) = self.string_value(index) else {
                        return Target::Other;
                    };
                    keys.push(key);
                    let Some(value) = cur.child_by_field_id(fields().value) else {
                        return Target::Other;
                    };
                    match value.kind() {
                        "identifier" => {
                            keys.reverse();
                            return Target::Item {
                                base: self.text(value).to_string(),
                                keys,
                            };
                        }
                        "subscript" => cur = value,
                        _ => return Target::Other,
                    }
                }
            }
            _ => Target::Other,
        }
    }

    fn string_value(&self, node: Node) -> Option<String> {
        match self.expr(node, MAX_EXPR_DEPTH - 1).kind {
            ExprKind::Str(s) => Some(s),
            _ => None,
        }
    }

    fn expr(&self, node: Node, depth: usize) -> Expr {
        let sp = span(node);
        if depth >= MAX_EXPR_DEPTH {
            return Expr {
                kind: ExprKind::Unknown,
                span: sp,
            };
        }
        let kind = match node.kind() {
            "string" => self.string(node),
            "concatenated_string" => {
                let mut out = String::new();
                let mut cursor = node.walk();
                let mut ok = true;
                for part in node.named_children(&mut cursor) {
                    match self.string(part) {
                        ExprKind::Str(s) => out.push_str(&s),
                        _ => ok = false,
                    }
                }
                if ok {
                    ExprKind::Str(out)
                } else {
                    ExprKind::FStr
                }
            }
            "integer" => {
                let t = self.text(node).replace('_', "");
                let v = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
                    i64::from_str_radix(h, 16).ok()
                } else if let Some(o) = t.strip_prefix("0o").or_else(|| t.strip_prefix("0O")) {
                    i64::from_str_radix(o, 8).ok()
                } else if let Some(b) = t.strip_prefix("0b").or_else(|| t.strip_prefix("0B")) {
                    i64::from_str_radix(b, 2).ok()
                } else {
                    t.parse().ok()
                };
                v.map(ExprKind::Int).unwrap_or(ExprKind::Unknown)
            }
            "float" => self
                .text(node)
                .replace('_', "")
                .parse()
                .map(ExprKind::Float)
                .unwrap_or(ExprKind::Unknown),
            "true" => ExprKind::Bool(true),
            "false" => ExprKind::Bool(false),
            "none" => ExprKind::None,
            "identifier" => ExprKind::Name(self.text(node).to_string()),
            "attribute" => ExprKind::Attribute(self.text(node).to_string()),
            "parenthesized_expression" => {
                let mut cursor = node.walk();
                let inner = node
                    .named_children(&mut cursor)
                    .find(|c| c.kind() != "comment");
                return match inner {
                    Some(i) => {
                        let mut e = self.expr(i, depth + 1);
                        e.span = sp;
                        e
                    }
                    None => Expr {
                        kind: ExprKind::Unknown,
                        span: sp,
                    },
                };
            }
            "list" | "tuple" | "set" => {
                let mut cursor = node.walk();
                let items: Vec<Expr> = node
                    .named_children(&mut cursor)
                    .filter(|c| c.kind() != "comment")
                    .map(|c| self.expr(c, depth + 1))
                    .collect();
                match node.kind() {
                    "list" => ExprKind::List(items),
                    "tuple" => ExprKind::Tuple(items),
                    _ => ExprKind::Set(items),
                }
            }
            "dictionary" => {
                let mut cursor = node.walk();
                let mut pairs = Vec::new();
                for child in node.named_children(&mut cursor) {
                    if child.kind() != "pair" {
                        continue;
                    }
                    let (Some(k), Some(v)) = (
                        child.child_by_field_id(fields().key),
                        child.child_by_field_id(fields().value),
                    ) else {
                        continue;
                    };
                    pairs.push((self.expr(k, depth + 1), self.expr(v, depth + 1)));
                }
                ExprKind::Dict(pairs)
            }
            "dictionary_comprehension" => {
                let body = node.child_by_field_id(fields().body);
                let mut cursor = node.walk();
                let clause = node
                    .named_children(&mut cursor)
                    .find(|c| c.kind() == "for_in_clause");
                match (body, clause) {
                    (Some(body), Some(clause)) if body.kind() == "pair" => {
                        let key = body.child_by_field_id(fields().key);
                        let value = body.child_by_field_id(fields().value);
                        let var = clause.child_by_field_id(fields().left);
                        let iter = clause.child_by_field_id(fields().right);
                        match (key, value, var, iter) {
                            (Some(k), Some(v), Some(var), Some(iter)) => ExprKind::DictComp {
                                key: Box::new(self.expr(k, depth + 1)),
                                value: Box::new(self.expr(v, depth + 1)),
                                var: self.text(var).to_string(),
                                iter: Box::new(self.expr(iter, depth + 1)),
                            },
                            _ => ExprKind::Unknown,
                        }
                    }
                    _ => ExprKind::Unknown,
                }
            }
            "call" => {
                let func = node
                    .child_by_field_id(fields().function)
                    .map(|f| self.text(f).to_string())
                    .unwrap_or_default();
                let mut args = Vec::new();
                let mut kwargs = Vec::new();
                if let Some(list) = node.child_by_field_id(fields().arguments) {
                    let mut cursor = list.walk();
                    for a in list.named_children(&mut cursor) {
                        match a.kind() {
                            "keyword_argument" => {
                                if let (Some(n), Some(v)) = (
                                    a.child_by_field_id(fields().name),
                                    a.child_by_field_id(fields().value),
                                ) {
                                    kwargs
                                        .push((self.text(n).to_string(), self.expr(v, depth + 1)));
                                }
                            }
                            "comment" => {}
                            _ => args.push(self.expr(a, depth + 1)),
                        }
                    }
                }
                ExprKind::Call { func, args, kwargs }
            }
            "binary_operator" => {
                match (
                    node.child_by_field_id(fields().left),
                    node.child_by_field_id(fields().operator),
                    node.child_by_field_id(fields().right),
                ) {
                    (Some(l), Some(o), Some(r)) => ExprKind::BinOp {
                        op: self.text(o).to_string(),
                        left: Box::new(self.expr(l, depth + 1)),
                        right: Box::new(self.expr(r, depth + 1)),
                    },
                    _ => ExprKind::Unknown,
                }
            }
            // `a != b` (one comparison; chains stay unknown), as a `BinOp`.
            "comparison_operator" => {
                let mut cursor = node.walk();
                let operands: Vec<Node> = node
                    .named_children(&mut cursor)
                    .filter(|c| c.kind() != "comment")
                    .collect();
                match operands.as_slice() {
                    [l, r] => ExprKind::BinOp {
                        op: self.src[l.end_byte()..r.start_byte()]
                            .split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" "),
                        left: Box::new(self.expr(*l, depth + 1)),
                        right: Box::new(self.expr(*r, depth + 1)),
                    },
                    _ => ExprKind::Unknown,
                }
            }
            "subscript" => match (
                node.child_by_field_id(fields().value),
                node.child_by_field_id(fields().subscript),
            ) {
                (Some(v), Some(i)) => ExprKind::Subscript {
                    value: Box::new(self.expr(v, depth + 1)),
                    index: Box::new(self.expr(i, depth + 1)),
                },
                _ => ExprKind::Unknown,
            },
            "unary_operator" => {
                let t = self.text(node);
                if let Some(arg) = node.child_by_field_id(fields().argument)
                    && t.starts_with('-')
                {
                    match self.expr(arg, depth + 1).kind {
                        ExprKind::Int(i) => ExprKind::Int(-i),
                        ExprKind::Float(f) => ExprKind::Float(-f),
                        _ => ExprKind::Unknown,
                    }
                } else {
                    ExprKind::Unknown
                }
            }
            _ => ExprKind::Unknown,
        };
        Expr { kind, span: sp }
    }

    fn string(&self, node: Node) -> ExprKind {
        if node.kind() != "string" {
            return ExprKind::FStr;
        }
        let mut cursor = node.walk();
        let mut prefix = "";
        let mut out = String::new();
        for part in node.children(&mut cursor) {
            match part.kind() {
                "string_start" => prefix = self.text(part),
                "string_content" => {
                    let raw = self.text(part);
                    let has = |letter: u8| prefix.bytes().any(|b| b.eq_ignore_ascii_case(&letter));
                    if has(b'f') {
                        return ExprKind::FStr;
                    }
                    if has(b'r') {
                        out.push_str(raw);
                    } else {
                        decode_escapes(raw, &mut out);
                    }
                }
                "escape_sequence" => decode_escapes(self.text(part), &mut out),
                "interpolation" => return ExprKind::FStr,
                _ => {}
            }
        }
        ExprKind::Str(out)
    }
}

/// `(a, b) + (c,)` as the list of its literal parts.
fn flatten_concat<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match &e.kind {
        ExprKind::BinOp { op, left, right } if op == "+" => {
            flatten_concat(left, out);
            flatten_concat(right, out);
        }
        ExprKind::List(_) | ExprKind::Tuple(_) | ExprKind::Set(_) => out.push(e),
        _ => {}
    }
}

fn decode_escapes(raw: &str, out: &mut String) {
    if !raw.contains('\\') {
        out.push_str(raw);
        return;
    }
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some('\'') => out.push('\''),
            Some('"') => out.push('"'),
            Some('0') => out.push('\0'),
            Some('\n') => {}
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The syntax tree of `src` by the tree path alone (from a recent tree
    /// or afresh), and whether a recent tree was reused.
    fn syntax_tree(src: &str, reuse: bool) -> Option<(Tree, bool)> {
        MEMORY.with_borrow_mut(|memory| {
            if !reuse {
                return memory.fresh_tree(src).map(|t| (t, false));
            }
            let (_, tree, how) = memory.parse(src, false);
            tree.map(|t| (t, how == Reuse::Tree))
        })
    }

    const EXAMPLE: &str = r#"from sentry.conf.server import *  # NOQA

SENTRY_SINGLE_ORGANIZATION = True
SENTRY_OPTIONS["system.event-retention-days"] = int(
    env("SENTRY_EVENT_RETENTION_DAYS", "90")
)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.memcached.MemcachedCache",
        "LOCATION": ["memcached:11211"],
        "TIMEOUT": 3600,
    }
}
CACHES["default"]["OPTIONS"] = {"ignore_exc": True}
if env("SENTRY_SYSTEM_SECRET_KEY"):
    SENTRY_OPTIONS["system.secret-key"] = env("SENTRY_SYSTEM_SECRET_KEY", "")
SENTRY_FEATURES["projects:sample-events"] = False
SENTRY_FEATURES.update(
    {
        feature: True
        for feature in (
            "organizations:discover",
            "organizations:session-replay",
        )
        + ("projects:plugins",)
    }
)
MIDDLEWARE += ("x",)
"#;

    /// Every node's kind, field and byte range, in tree order.
    fn shape(tree: &Tree) -> Vec<(u16, Option<&str>, usize, usize)> {
        let mut out = Vec::new();
        let mut cursor = tree.walk();
        'walk: loop {
            let n = cursor.node();
            out.push((
                n.kind_id(),
                cursor.field_name(),
                n.start_byte(),
                n.end_byte(),
            ));
            if cursor.goto_first_child() {
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    break 'walk;
                }
            }
        }
        out
    }

    /// Sentry.conf.py texts edited like an operator's, at lines picked by a
    /// fixed sequence, from examples taken in turn so that several recent
    /// parses compete; every fifth may break the syntax.
    fn edited_examples() -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/pristine");
        let mut examples: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path().join("sentry.conf.py")).unwrap())
            .collect();
        examples.sort();
        examples.push(EXAMPLE.to_string());
        let edits: [&dyn Fn(&str) -> String; 10] = [
            &|l| format!("{l}\nSENTRY_OPTIONS[\"mail.host\"] = \"smtp.example.com\""),
            // A lone carriage return: a line end for the diff, not for tree-sitter.
            &|l| format!("Z = 3\r{l}"),
            &|_| String::new(),
            &|l| l.replace('"', "'"),
            &|l| format!("# é日本 😀 {l}"),
            &|l| format!("{l}\n{l}"),
            &|l| format!("{l}\nif True:\n    X = 1\n# after the block"),
            &|l| format!("{l} # trailing"),
            &|l| format!("{l}\nif True:\n    X = [1,\n"),
            &|l| format!("    {l}"),
        ];
        let mut seed: usize = 12345;
        let mut out = Vec::new();
        for round in 0..60 {
            let example = &examples[round % examples.len()];
            let mut lines: Vec<String> = example.lines().map(str::to_string).collect();
            let kinds = if round % 5 == 4 {
                edits.len()
            } else {
                edits.len() - 2
            };
            for _ in 0..=(round % 3) {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let at = (seed >> 33) % lines.len();
                lines[at] = edits[(seed >> 20) % kinds](&lines[at]);
            }
            // Some examples in CRLF, some rounds without a final newline.
            let eol = if round % examples.len() % 2 == 1 {
                "\r\n"
            } else {
                "\n"
            };
            out.push(lines.join(eol) + if round % 4 == 0 { "" } else { eol });
        }
        out
    }

    #[test]
    fn reparsing_from_a_recent_tree_gives_the_tree_of_a_fresh_parse() {
        let mut fresh = Parser::new();
        fresh
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .unwrap();
        let (mut reused, mut could_reuse) = (0, 0);
        for (round, src) in edited_examples().iter().enumerate() {
            let (tree, was_reused) = syntax_tree(src, true).unwrap();
            let expected = fresh.parse(src, None).unwrap();
            assert_eq!(shape(&tree), shape(&expected), "round {round}:\n{src}");
            if round >= 10 && !expected.root_node().has_error() {
                could_reuse += 1;
                reused += usize::from(was_reused);
            }
        }
        // The comparison above would pass without any reuse; make sure most
        // error-free texts after the first of each example went through an
        // old tree.
        assert!(
            2 * reused >= could_reuse,
            "only {reused} of {could_reuse} parses reused a tree"
        );
    }

    #[test]
    fn reading_changed_units_only_gives_the_settings_of_a_fresh_parse() {
        let mut by_units = 0;
        let mut error_free = 0;
        for (round, src) in edited_examples().iter().enumerate() {
            let (conf, _, how) = MEMORY.with_borrow_mut(|m| m.parse(src, true));
            let expected = parse_afresh(src);
            assert_eq!(
                format!("{conf:?}"),
                format!("{expected:?}"),
                "round {round}:\n{src}"
            );
            if round >= 10 && expected.errors.is_empty() {
                error_free += 1;
                by_units += usize::from(how == Reuse::Units);
            }
        }
        // Passing without reuse proves nothing. Many of these edits break a
        // statement in two or add a block, where units are not taken; still,
        // a third of the error-free texts after the first of each example
        // must have been read by units.
        assert!(
            3 * by_units >= error_free,
            "only {by_units} of {error_free} parses read by units"
        );
    }

    #[test]
    fn a_lone_carriage_return_is_parsed_afresh() {
        // Found by the pyconf fuzz target: `similar` ends a line at a lone
        // `\r`, tree-sitter does not, and the line tables disagreed (an
        // index out of bounds).
        syntax_tree(EXAMPLE, true).unwrap();
        let src = EXAMPLE.replacen("TIMEOUT", "TIME\rOUT", 1);
        let (tree, reused) = syntax_tree(&src, true).unwrap();
        assert!(!reused);
        let mut fresh = Parser::new();
        fresh
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .unwrap();
        assert_eq!(shape(&tree), shape(&fresh.parse(&src, None).unwrap()));
    }

    #[test]
    fn long_texts_that_differ_everywhere_reparse_as_they_parse_afresh() {
        // 100,000 lines of `a` or `b` at random in each text: the line diff
        // runs into its time bound and settles for a coarse diff, which
        // must still describe the change exactly.
        let lines = |mut seed: u64| -> String {
            (0..100_000)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    if seed >> 63 == 0 { "a\n" } else { "b\n" }
                })
                .collect()
        };
        let (a, b) = (lines(1), lines(2));
        let (tree_a, _) = syntax_tree(&a, true).unwrap();
        let (tree_b, _) = syntax_tree(&b, true).unwrap();
        assert!(!tree_a.root_node().has_error());
        assert_eq!(
            shape(&tree_b),
            shape(&{
                let mut fresh = Parser::new();
                fresh
                    .set_language(&tree_sitter_python::LANGUAGE.into())
                    .unwrap();
                fresh.parse(&b, None).unwrap()
            })
        );
    }

    #[test]
    fn line_starts_and_points_count_as_tree_sitter_does() {
        let starts_of =
            |t: &str| line_starts(similar::TextDiff::from_lines(t, t).iter_old_slices());
        assert_eq!(starts_of(""), vec![0]);
        assert_eq!(starts_of("a\nbc\n"), vec![0, 2, 5]);
        assert_eq!(starts_of("a\r\nbc"), vec![0, 3, 5]);
        assert_eq!(starts_of("\n\n"), vec![0, 1, 2]);
        let text = "ab\ncd\né";
        let starts = starts_of(text);
        assert_eq!(line_point(text, &starts, 1), Point { row: 1, column: 0 });
        // Past the last line, which has no `\n`: its end, in bytes.
        assert_eq!(line_point(text, &starts, 3), Point { row: 2, column: 2 });
        assert!(has_lone_cr("a\rb") && has_lone_cr("a\r") && !has_lone_cr("a\r\nb"));
        assert_eq!(shared_ends("aXc", "aYc"), 2);
        assert_eq!(shared_ends("aa", "aaa"), 2);
        assert_eq!(shared_ends("", "abc"), 0);
        // Long texts, compared a block at a time, differing here and there.
        let long: String = (0..500).map(|i| format!("line {i}\n")).collect();
        for at in [0, 1, 63, 64, 65, 1000, long.len() - 65, long.len() - 1] {
            let mut changed = long.clone().into_bytes();
            changed[at] = b'#';
            let changed = String::from_utf8(changed).unwrap();
            assert_eq!(shared_ends(&long, &changed), long.len() - 1, "at {at}");
            let shorter = format!("{}{}", &long[..at], &long[at + 1..]);
            assert_eq!(shared_ends(&long, &shorter), long.len() - 1, "at {at}");
        }
    }

    #[test]
    fn a_shared_parse_is_the_parse_of_its_own_text() {
        let a = "SENTRY_OPTIONS['mail.host'] = 'smtp'\n";
        let b = "SENTRY_OPTIONS['mail.host'] = 'mail'\n";
        for _ in 0..2 {
            for text in [a, b] {
                assert_eq!(
                    format!("{:?}", parse_shared(text)),
                    format!("{:?}", parse(text))
                );
            }
        }
        assert_ne!(
            format!("{:?}", parse_shared(a)),
            format!("{:?}", parse_shared(b))
        );
    }

    #[test]
    fn comments_are_found_inside_expressions_and_strings_are_not_comments() {
        let src = "# top\nX = {\n    \"a\": 1,  # in a dict\n    \"b\": \"# not a comment\",\n}\nif X:\n    # in a block\n    pass\n";
        let c = parse(src);
        let texts: Vec<&str> = c.comments.iter().map(|s| &src[s.range()]).collect();
        assert_eq!(texts, ["# top", "# in a dict", "# in a block"]);
        assert!(
            c.statements
                .iter()
                .all(|s| !src[s.range()].starts_with('#'))
        );
    }

    #[test]
    fn reads_settings_features_and_env_calls() {
        let c = parse(EXAMPLE);
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        assert!(c.imports_server_defaults);
        assert_eq!(
            c.setting("SENTRY_SINGLE_ORGANIZATION")
                .unwrap()
                .value
                .as_bool(),
            Some(true)
        );
        let retention = c
            .item("SENTRY_OPTIONS", "system.event-retention-days")
            .unwrap();
        let (name, default) = retention.value.env_call().unwrap();
        assert_eq!(name, "SENTRY_EVENT_RETENTION_DAYS");
        assert_eq!(default.unwrap().as_str(), Some("90"));
        let secret = c.item("SENTRY_OPTIONS", "system.secret-key").unwrap();
        assert!(secret.conditional);
        let names: Vec<(&str, Option<bool>)> = c
            .features
            .iter()
            .map(|f| (f.name.as_str(), f.enabled))
            .collect();
        assert_eq!(
            names,
            [
                ("projects:sample-events", Some(false)),
                ("organizations:discover", Some(true)),
                ("organizations:session-replay", Some(true)),
                ("projects:plugins", Some(true)),
            ]
        );
        let replay = c.feature("organizations:session-replay").unwrap();
        assert_eq!(
            &EXAMPLE[replay.span.range()],
            "\"organizations:session-replay\""
        );
        assert_eq!(c.feature_lists.len(), 2);
        assert_eq!(c.feature_lists[0].items.len(), 2);
    }

    #[test]
    fn nested_lookups_see_literals_and_item_assignments() {
        let c = parse(EXAMPLE);
        let (backend, _) = c.lookup("CACHES", &["default", "BACKEND"]).unwrap();
        assert_eq!(
            backend.as_str(),
            Some("django.core.cache.backends.memcached.MemcachedCache")
        );
        let (options, stmt) = c.lookup("CACHES", &["default", "OPTIONS"]).unwrap();
        assert!(options.dict_get("ignore_exc").is_some());
        assert!(matches!(&stmt.target, Target::Item { keys, .. } if keys.len() == 2));
        assert!(c.lookup("CACHES", &["default", "NOPE"]).is_none());
    }

    #[test]
    fn comparisons_are_binary_operations() {
        let c = parse("A = env(\"X\") != \"y\"\nB = a is not None\nC = 1 < 2 < 3\n");
        let ExprKind::BinOp { op, left, right } = &c.setting("A").unwrap().value.kind else {
            panic!("not a comparison");
        };
        assert_eq!(op, "!=");
        assert_eq!(left.env_call().map(|(n, _)| n), Some("X"));
        assert_eq!(right.as_str(), Some("y"));
        assert!(
            matches!(&c.setting("B").unwrap().value.kind, ExprKind::BinOp { op, .. } if op == "is not")
        );
        assert_eq!(c.setting("C").unwrap().value.kind, ExprKind::Unknown);
    }

    #[test]
    fn syntax_errors_have_positions_and_the_rest_is_read() {
        let src = "A = 1\nB = (\nC = 3\n";
        let c = parse(src);
        assert!(!c.errors.is_empty());
        assert!(c.setting("A").is_some());
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let src = format!("X = {}1{}\n", "{1: ".repeat(20_000), "}".repeat(20_000));
        let c = parse(&src);
        // Either parsed (value truncated to Unknown past the depth limit) or an error; never a crash.
        assert!(c.setting("X").is_some() || !c.errors.is_empty());
    }

    #[test]
    fn strings_decode_escapes_and_prefixes() {
        let c = parse("A = 'a\\tb'\nB = r'a\\tb'\nC = f'{x}'\nD = 'x' 'y'\n");
        assert_eq!(c.setting("A").unwrap().value.as_str(), Some("a\tb"));
        assert_eq!(c.setting("B").unwrap().value.as_str(), Some("a\\tb"));
        assert_eq!(c.setting("C").unwrap().value.kind, ExprKind::FStr);
        assert_eq!(c.setting("D").unwrap().value.as_str(), Some("xy"));
    }
}
