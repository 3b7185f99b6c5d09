//! The effective compose configuration: `docker-compose.yml` with YAML merge
//! keys and aliases resolved, then `docker-compose.override.yml` merged the
//! way docker compose merges it. Every value remembers where it is written
//! and, when it arrived through `<<: *anchor` or `*alias`, where it was used.

use std::collections::{HashMap, HashSet};

use crate::model::FileId;
use crate::parse::yaml::{NodeId, NodeKind, SCAN_LIMIT, ScalarStyle, YamlDoc};
use crate::source::Span;

/// Values (and keys) aliases may add to an effective configuration, beyond
/// one per written node. The 24.1.0 file adds about 4,000; an alias bomb
/// billions.
pub const EXPANSION_BUDGET: usize = 250_000;
/// Bytes of scalar text aliases may add, beyond the written scalars once:
/// few aliases of one long scalar cost few values but much memory. The
/// 25.5.1 file adds about 200 KB.
pub const EXPANSION_BYTES_BUDGET: usize = 32 << 20;
/// Alias-in-alias depth past which expansion stops.
const MAX_EXPANSION_DEPTH: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    pub file: FileId,
    pub node: NodeId,
    /// Where the value is written (inside the anchor, for merged values).
    pub span: Span,
    /// Where it was pulled in: the `*anchor` of a `<<:` merge or of an alias.
    pub via: Option<(FileId, Span)>,
}

#[derive(Clone, Debug)]
pub struct Scalar {
    pub text: String,
    pub style: ScalarStyle,
    pub tag: Option<String>,
    pub at: Origin,
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub key: String,
    pub key_at: Origin,
    pub value: Value,
}

#[derive(Clone, Debug)]
pub enum Value {
    Scalar(Scalar),
    Seq {
        items: Vec<Value>,
        at: Origin,
        tag: Option<String>,
    },
    Map {
        entries: Vec<Entry>,
        at: Origin,
        tag: Option<String>,
    },
}

impl Value {
    pub fn at(&self) -> Origin {
        match self {
            Value::Scalar(s) => s.at,
            Value::Seq { at, .. } | Value::Map { at, .. } => *at,
        }
    }

    pub fn tag(&self) -> Option<&str> {
        match self {
            Value::Scalar(s) => s.tag.as_deref(),
            Value::Seq { tag, .. } | Value::Map { tag, .. } => tag.as_deref(),
        }
    }

    /// The text of a scalar (null is `Some("")`).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Scalar(s) => Some(&s.text),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Scalar(s) if s.style == ScalarStyle::Plain
            && matches!(s.text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    pub fn entries(&self) -> &[Entry] {
        match self {
            Value::Map { entries, .. } => entries,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Value] {
        match self {
            Value::Seq { items, .. } => items,
            _ => &[],
        }
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries().iter().find(|e| e.key == key)
    }

    /// The scalar items of a sequence (`profiles`, a `command` list).
    pub fn strings(&self) -> Vec<&str> {
        self.items().iter().filter_map(Value::as_str).collect()
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entry(key).map(|e| &e.value)
    }

    /// Follows a dotted path of mapping keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Value> {
        let mut v = self;
        for k in keys {
            v = v.get(k)?;
        }
        Some(v)
    }

    /// The words of a `command`/`entrypoint`: a list as is, a string split as
    /// a shell would (quotes respected, no expansion).
    pub fn words(&self) -> Vec<String> {
        match self {
            Value::Scalar(s) => shell_words(&s.text),
            Value::Seq { items, .. } => items
                .iter()
                .map(|i| i.as_str().unwrap_or("").to_string())
                .collect(),
            Value::Map { .. } => Vec::new(),
        }
    }

    /// Map entries, or `KEY=VALUE` list items turned into entries (the two
    /// forms of `environment`, `labels`, `build.args`, ...). List items with no
    /// `=` become entries with a null value.
    pub fn keyed(&self) -> Vec<KeyedItem<'_>> {
        match self {
            Value::Map { entries, .. } => entries
                .iter()
                .map(|e| KeyedItem {
                    key: &e.key,
                    value: if e.value.is_null() {
                        None
                    } else {
                        Some(e.value.as_str().unwrap_or(""))
                    },
                    key_at: e.key_at,
                    value_at: Some(e.value.at()),
                    item: Some(&e.value),
                })
                .collect(),
            Value::Seq { items, .. } => items
                .iter()
                .filter_map(|i| {
                    let s = i.as_str()?;
                    let (key, value) = match s.split_once('=') {
                        Some((k, v)) => (k, Some(v)),
                        None => (s, None),
                    };
                    Some(KeyedItem {
                        key,
                        value,
                        key_at: i.at(),
                        value_at: Some(i.at()),
                        item: Some(i),
                    })
                })
                .collect(),
            Value::Scalar(_) => Vec::new(),
        }
    }

    /// Every scalar in this value, depth first (with the path of keys to it).
    pub fn scalars(&self) -> Vec<&Scalar> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(v) = stack.pop() {
            match v {
                Value::Scalar(s) => out.push(s),
                Value::Seq { items, .. } => stack.extend(items.iter().rev()),
                Value::Map { entries, .. } => stack.extend(entries.iter().rev().map(|e| &e.value)),
            }
        }
        out
    }
}

/// One entry of a keyed value (environment variable, label, build arg).
#[derive(Clone, Debug)]
pub struct KeyedItem<'a> {
    pub key: &'a str,
    /// `None` for `KEY:` (map, null) or `KEY` (list): passed through from the host env.
    pub value: Option<&'a str>,
    pub key_at: Origin,
    pub value_at: Option<Origin>,
    pub item: Option<&'a Value>,
}

/// Splits a command string into words like a POSIX shell, without expansion.
pub fn shell_words(s: &str) -> Vec<String> {
    const BLANKS: [char; 3] = [' ', '\t', '\n'];
    // Nearly every compose command has no quotes or escapes: its words are
    // the runs between blanks.
    if !s.contains(['\'', '"', '\\']) {
        return s
            .split(BLANKS)
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            c if BLANKS.contains(&c) => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    cur.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(n) = chars.next() {
                                cur.push(n);
                            }
                        }
                        _ => cur.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            _ => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

#[derive(Clone, Debug)]
pub struct Service {
    pub name: String,
    /// The service's key, in the base file if it is there, else in the override.
    pub key_at: Origin,
    pub body: Value,
    /// Where the service is written: (file, its mapping node) for base and override.
    pub written: Vec<(FileId, NodeId)>,
    /// `command` split into words, on first use (rules ask often).
    command_words: std::sync::OnceLock<Vec<String>>,
}

impl Service {
    pub fn new(
        name: String,
        key_at: Origin,
        body: Value,
        written: Vec<(FileId, NodeId)>,
    ) -> Service {
        Service {
            name,
            key_at,
            body,
            written,
            command_words: std::sync::OnceLock::new(),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.body.get(key)
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.body.entry(key)
    }

    /// `command` as words (empty when unset: the image's default runs).
    pub fn command(&self) -> &[String] {
        self.command_words
            .get_or_init(|| self.get("command").map(Value::words).unwrap_or_default())
    }

    /// Where the command is written, or the service key when it is inherited.
    pub fn command_at(&self) -> Origin {
        self.get("command").map(Value::at).unwrap_or(self.key_at)
    }

    pub fn image(&self) -> Option<&str> {
        self.get("image").and_then(Value::as_str)
    }

    /// `environment` has `key` (with or without a value).
    pub fn has_env(&self, key: &str) -> bool {
        self.get("environment")
            .is_some_and(|e| e.keyed().iter().any(|k| k.key == key))
    }

    /// The profiles the service is in (empty when it has none).
    pub fn profiles(&self) -> Vec<&str> {
        self.get("profiles").map(Value::strings).unwrap_or_default()
    }

    pub fn in_file(&self, file: FileId) -> bool {
        self.written.iter().any(|(f, _)| *f == file)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Compose {
    pub services: Vec<Service>,
    pub volumes: Option<Value>,
    pub networks: Option<Value>,
}

impl Compose {
    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.name == name)
    }
}

/// A reason the configuration cannot be built (compose would refuse it too).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildError {
    pub file: FileId,
    pub span: Span,
    pub message: String,
}

/// The YAML documents of an install's compose files, base first.
pub struct ComposeSources<'a> {
    pub base: (FileId, &'a YamlDoc),
    pub overrides: Vec<(FileId, &'a YamlDoc)>,
}

/// What expanding the files may still cost: values and bytes of scalar text.
struct Budget {
    values: usize,
    bytes: usize,
}

pub fn build(src: &ComposeSources) -> Result<Compose, BuildError> {
    // Every written node may be expanded once for free: the budgets bound
    // what aliases add, not how big a file is.
    let mut budget = Budget {
        values: EXPANSION_BUDGET,
        bytes: EXPANSION_BYTES_BUDGET,
    };
    for (_, doc) in std::iter::once(&src.base).chain(&src.overrides) {
        budget.values += doc.nodes.len();
        for node in &doc.nodes {
            if let NodeKind::Scalar { value, .. } = &node.kind {
                budget.bytes += value.len();
            }
        }
    }
    let mut compose = file_model(src.base.0, src.base.1, None, &mut budget)?;
    for &(file, doc) in &src.overrides {
        let over = file_model(file, doc, Some(src.base), &mut budget)?;
        merge_files(&mut compose, over);
    }
    Ok(compose)
}

fn file_model(
    file: FileId,
    doc: &YamlDoc,
    base: Option<(FileId, &YamlDoc)>,
    budget: &mut Budget,
) -> Result<Compose, BuildError> {
    let mut out = Compose::default();
    let Some(root) = doc.root else {
        return Ok(out);
    };
    if doc.is_null(root) {
        return Ok(out);
    }
    if !doc.is_map(root) {
        return Err(BuildError {
            file,
            span: doc.node(root).span,
            message: "a compose file must be a mapping with a `services:` key".into(),
        });
    }
    let mut x = Expander {
        budget,
        docs: [(file, doc), base.unwrap_or((file, doc))],
    };
    // Only these top-level keys matter; `x-*` blocks are reached through aliases.
    for pair in doc.pairs(root) {
        let key = doc.scalar(pair.key).unwrap_or("");
        if !matches!(key, "services" | "volumes" | "networks") {
            continue;
        }
        let value = x.value(0, pair.value, None, 0)?;
        match key {
            "services" => {
                if value.is_null() {
                    continue;
                }
                let at = value.at();
                let Value::Map { entries, .. } = value else {
                    return Err(BuildError {
                        file,
                        span: at.span,
                        message: "`services` must be a mapping of service names".into(),
                    });
                };
                for svc in entries {
                    let node = svc.value.at().node;
                    let body = match svc.value {
                        v @ Value::Map { .. } => v,
                        v if v.is_null() => Value::Map {
                            entries: Vec::new(),
                            at: v.at(),
                            tag: None,
                        },
                        v => {
                            return Err(BuildError {
                                file,
                                span: v.at().span,
                                message: format!(
                                    "service `{}` must be a mapping of its settings",
                                    svc.key
                                ),
                            });
                        }
                    };
                    out.services
                        .push(Service::new(svc.key, svc.key_at, body, vec![(file, node)]));
                }
            }
            "volumes" => out.volumes = Some(value),
            "networks" => out.networks = Some(value),
            _ => {}
        }
    }
    Ok(out)
}

struct Expander<'a, 'b> {
    budget: &'b mut Budget,
    /// `docs[0]` is the file being expanded; `docs[1]` is the base file whose
    /// anchors an override may (wrongly, but usefully) refer to.
    docs: [(FileId, &'a YamlDoc); 2],
}

impl Expander<'_, '_> {
    /// Spends one value of `bytes` bytes of text; a refusal points at the
    /// outermost alias being expanded (`via`), else at the node. Called for
    /// every value and key, so the check is inlined and the refusal is not.
    #[inline]
    fn spend(
        &mut self,
        at: (FileId, Span),
        via: Option<(FileId, Span)>,
        bytes: usize,
    ) -> Result<(), BuildError> {
        if self.budget.values == 0 || self.budget.bytes < bytes {
            return Err(refusal(via.unwrap_or(at), self.budget.values == 0));
        }
        self.budget.values -= 1;
        self.budget.bytes -= bytes;
        Ok(())
    }

    fn value(
        &mut self,
        d: usize,
        id: NodeId,
        via: Option<(FileId, Span)>,
        depth: usize,
    ) -> Result<Value, BuildError> {
        let (file, doc) = self.docs[d];
        let node = doc.node(id);
        let bytes = match &node.kind {
            NodeKind::Scalar { value, .. } => value.len(),
            _ => 0,
        };
        self.spend((file, node.span), via, bytes)?;
        if depth > MAX_EXPANSION_DEPTH {
            return Err(BuildError {
                file,
                span: node.span,
                message: "aliases nest too deeply to expand".into(),
            });
        }
        match &node.kind {
            NodeKind::Alias { target, name } => {
                let use_site = via.or(Some((file, node.span)));
                match target {
                    Some(t) => self.value(d, *t, use_site, depth + 1),
                    None => {
                        // An override using an anchor of the base file: compose
                        // refuses it (a rule reports it); resolve it against the
                        // base so the other rules still see the intent.
                        let (bfile, bdoc) = self.docs[1];
                        match bdoc.anchors.get(name) {
                            Some(&t) if bfile != file => self.value(1, t, use_site, depth + 1),
                            _ => Ok(Value::Scalar(Scalar {
                                text: String::new(),
                                style: ScalarStyle::Plain,
                                tag: None,
                                at: Origin {
                                    file,
                                    node: id,
                                    span: node.span,
                                    via,
                                },
                            })),
                        }
                    }
                }
            }
            NodeKind::Scalar { value, style } => Ok(Value::Scalar(Scalar {
                text: value.clone(),
                style: *style,
                tag: node.tag.as_ref().map(|t| t.0.clone()),
                at: Origin {
                    file,
                    node: id,
                    span: node.span,
                    via,
                },
            })),
            NodeKind::Seq { items, .. } => {
                let mut out = Vec::with_capacity(items.len());
                for &i in items {
                    out.push(self.value(d, i, via, depth + 1)?);
                }
                Ok(Value::Seq {
                    items: out,
                    at: Origin {
                        file,
                        node: id,
                        span: node.span,
                        via,
                    },
                    tag: node.tag.as_ref().map(|t| t.0.clone()),
                })
            }
            NodeKind::Map { pairs, .. } => {
                let at = Origin {
                    file,
                    node: id,
                    span: node.span,
                    via,
                };
                let mut entries: Vec<Entry> = Vec::with_capacity(pairs.len());
                let mut index = EntryIndex::default();
                // Keys written in this mapping win over merged ones; hashed
                // only when the mapping is large and merges.
                let mut explicit: Option<HashSet<&str>> = None;
                for pair in pairs {
                    let key_node = doc.node(pair.key);
                    // Owned only once it becomes an entry: `<<` never does.
                    let key = doc.scalar(pair.key).unwrap_or("");
                    self.spend((file, key_node.span), via, key.len())?;
                    let is_merge = key == "<<"
                        && matches!(
                            key_node.kind,
                            NodeKind::Scalar {
                                style: ScalarStyle::Plain,
                                ..
                            }
                        );
                    if is_merge {
                        // `<<: *a` or `<<: [*a, *b]`: earlier sources win, and
                        // keys written in this mapping win over all of them.
                        let value_node = doc.node(pair.value);
                        let single = [pair.value];
                        let sources: &[NodeId] = match &value_node.kind {
                            NodeKind::Seq { items, .. } => items,
                            _ => &single,
                        };
                        if pairs.len() > SCAN_LIMIT && explicit.is_none() {
                            explicit =
                                Some(pairs.iter().filter_map(|p| doc.scalar(p.key)).collect());
                        }
                        let written_here = |k: &str| {
                            k != "<<"
                                && match &explicit {
                                    Some(keys) => keys.contains(k),
                                    None => pairs.iter().any(|p| doc.scalar(p.key) == Some(k)),
                                }
                        };
                        for &src in sources {
                            let merged = self.value(d, src, via, depth + 1)?;
                            let Value::Map { entries: more, .. } = merged else {
                                return Err(BuildError {
                                    file,
                                    span: doc.node(src).span,
                                    message: "`<<` merges only mappings; this value is not one"
                                        .into(),
                                });
                            };
                            entries.reserve(more.len());
                            for e in more {
                                if written_here(&e.key)
                                    || index.position(&entries, &e.key).is_some()
                                {
                                    continue;
                                }
                                index.push(&mut entries, e);
                            }
                        }
                        continue;
                    }
                    let key_at = Origin {
                        file,
                        node: pair.key,
                        span: key_node.span,
                        via,
                    };
                    let value = self.value(d, pair.value, via, depth + 1)?;
                    if let Some(i) = index.position(&entries, key) {
                        // A duplicate key (reported by a rule): the last one wins.
                        entries[i].key_at = key_at;
                        entries[i].value = value;
                    } else {
                        let key = key.to_string();
                        index.push(&mut entries, Entry { key, key_at, value });
                    }
                }
                Ok(Value::Map {
                    entries,
                    at,
                    tag: node.tag.as_ref().map(|t| t.0.clone()),
                })
            }
        }
    }
}

/// The error of a spent budget: of values when `values` is set, else of bytes.
#[cold]
fn refusal((file, span): (FileId, Span), values: bool) -> BuildError {
    let what = if values {
        format!("{EXPANSION_BUDGET} values")
    } else {
        format!("{} MiB of text", EXPANSION_BYTES_BUDGET >> 20)
    };
    BuildError {
        file,
        span,
        message: format!(
            "aliases here expand to more than {what}; \
             sentrylint refuses such a document (an alias bomb?)"
        ),
    }
}

/// Where each key of a mapping being built is in its entries: found by
/// scanning while there are few (nearly every compose mapping), through a
/// hash index once there are many (hostile maps have 100,000s of keys).
#[derive(Default)]
struct EntryIndex(Option<HashMap<String, usize>>);

impl EntryIndex {
    #[inline]
    fn position(&self, entries: &[Entry], key: &str) -> Option<usize> {
        match &self.0 {
            Some(index) => index.get(key).copied(),
            None => entries.iter().position(|e| e.key == key),
        }
    }

    /// Appends an entry whose key is not in `entries` yet.
    #[inline]
    fn push(&mut self, entries: &mut Vec<Entry>, entry: Entry) {
        match &mut self.0 {
            Some(index) => {
                index.insert(entry.key.clone(), entries.len());
            }
            None if entries.len() == SCAN_LIMIT => {
                let mut index: HashMap<String, usize> = entries
                    .iter()
                    .enumerate()
                    .map(|(i, e)| (e.key.clone(), i))
                    .collect();
                index.insert(entry.key.clone(), entries.len());
                self.0 = Some(index);
            }
            None => {}
        }
        entries.push(entry);
    }
}

/// Merges an override file's model into the base's, service by service.
fn merge_files(base: &mut Compose, over: Compose) {
    let mut index: HashMap<String, usize> = HashMap::new();
    for (i, s) in base.services.iter().enumerate() {
        index.entry(s.name.clone()).or_insert(i);
    }
    for svc in over.services {
        match index.get(&svc.name) {
            Some(&i) => {
                let existing = &mut base.services[i];
                existing.written.extend(svc.written);
                merge_value(&mut existing.body, svc.body, &[]);
            }
            None => {
                index.insert(svc.name.clone(), base.services.len());
                base.services.push(svc);
            }
        }
    }
    for (slot, value) in [
        (&mut base.volumes, over.volumes),
        (&mut base.networks, over.networks),
    ] {
        match (slot.as_mut(), value) {
            (Some(b), Some(o)) => merge_value(b, o, &[]),
            (None, Some(o)) => *slot = Some(o),
            _ => {}
        }
    }
}

/// Keys whose override value replaces the base value instead of merging.
const REPLACED: &[&str] = &["command", "entrypoint", "profiles", "test"];
/// Keys whose two forms (list of `K=V` or mapping) merge by key.
const KEYED: &[&str] = &[
    "environment",
    "labels",
    "args",
    "extra_hosts",
    "sysctls",
    "annotations",
];

fn merge_value(base: &mut Value, over: Value, path: &[&str]) {
    if over.tag() == Some("!override") {
        *base = over;
        return;
    }
    let key = path.last().copied().unwrap_or("");
    if REPLACED.contains(&key) {
        *base = over;
        return;
    }
    if KEYED.contains(&key) {
        let mut merged = to_map(base.clone());
        let over = to_map(over);
        merge_maps(&mut merged, over, path);
        *base = merged;
        return;
    }
    if key == "depends_on" || key == "networks" {
        let mut merged = list_to_map(base.clone());
        merge_maps(&mut merged, list_to_map(over), path);
        *base = merged;
        return;
    }
    match (&mut *base, over) {
        (Value::Map { .. }, over @ Value::Map { .. }) => merge_maps(base, over, path),
        (Value::Seq { items, .. }, Value::Seq { items: more, .. }) => {
            if key == "volumes" {
                // Volumes merge by container path; the override wins.
                let mut index: HashMap<String, usize> = HashMap::new();
                for (i, item) in items.iter().enumerate() {
                    if let Some(t) = volume_target(item) {
                        index.entry(t).or_insert(i);
                    }
                }
                for v in more {
                    match volume_target(&v).and_then(|t| index.get(&t).copied()) {
                        Some(i) => items[i] = v,
                        None => {
                            if let Some(t) = volume_target(&v) {
                                index.insert(t, items.len());
                            }
                            items.push(v);
                        }
                    }
                }
            } else {
                let mut seen: HashSet<String> = items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect();
                for v in more {
                    let same = v.as_str().is_some_and(|s| seen.contains(s));
                    if !same {
                        if let Some(s) = v.as_str() {
                            seen.insert(s.to_string());
                        }
                        items.push(v);
                    }
                }
            }
        }
        (_, over) => *base = over,
    }
}

fn merge_maps(base: &mut Value, over: Value, path: &[&str]) {
    let Value::Map {
        entries: over_entries,
        ..
    } = over
    else {
        return;
    };
    let Value::Map { entries, .. } = base else {
        return;
    };
    // Positions of each key (lists turned into maps may repeat one), and
    // the positions `!reset` removes; maps may have 100,000s of keys.
    let mut index: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        index.entry(e.key.clone()).or_default().push(i);
    }
    let mut dropped: HashSet<usize> = HashSet::new();
    for oe in over_entries {
        if oe.value.tag() == Some("!reset") {
            dropped.extend(index.remove(&oe.key).unwrap_or_default());
            continue;
        }
        match index.get(&oe.key).and_then(|at| at.first().copied()) {
            Some(i) => {
                let be = &mut entries[i];
                let mut p: Vec<&str> = path.to_vec();
                p.push(&oe.key);
                be.key_at = oe.key_at;
                merge_value(&mut be.value, oe.value, &p);
            }
            None => {
                index.entry(oe.key.clone()).or_default().push(entries.len());
                entries.push(oe);
            }
        }
    }
    if !dropped.is_empty() {
        let mut i = 0;
        entries.retain(|_| {
            i += 1;
            !dropped.contains(&(i - 1))
        });
    }
}

/// `["A=1", "B"]` as `{A: "1", B: null}`, keeping each item's origin.
fn to_map(v: Value) -> Value {
    match v {
        Value::Seq { items, at, tag } => {
            let entries = items
                .into_iter()
                .filter_map(|i| {
                    let Value::Scalar(s) = i else { return None };
                    let (k, val) = match s.text.split_once('=') {
                        Some((k, v)) => (k.to_string(), v.to_string()),
                        None => (s.text.clone(), String::new()),
                    };
                    let style = if s.text.contains('=') {
                        ScalarStyle::DoubleQuoted
                    } else {
                        ScalarStyle::Plain
                    };
                    Some(Entry {
                        key: k,
                        key_at: s.at,
                        value: Value::Scalar(Scalar {
                            text: val,
                            style,
                            tag: None,
                            at: s.at,
                        }),
                    })
                })
                .collect();
            Value::Map { entries, at, tag }
        }
        other => other,
    }
}

/// `[a, b]` as `{a: null, b: null}` (depends_on and networks short forms).
fn list_to_map(v: Value) -> Value {
    match v {
        Value::Seq { items, at, tag } => {
            let entries = items
                .into_iter()
                .filter_map(|i| {
                    let Value::Scalar(s) = i else { return None };
                    Some(Entry {
                        key: s.text.clone(),
                        key_at: s.at,
                        value: Value::Scalar(Scalar {
                            text: String::new(),
                            style: ScalarStyle::Plain,
                            tag: None,
                            at: s.at,
                        }),
                    })
                })
                .collect();
            Value::Map { entries, at, tag }
        }
        other => other,
    }
}

/// A bind mount of a service's `volumes` item: (host path as written,
/// container path). Named volumes (a source that is not a path) and
/// anonymous ones are not bind mounts.
pub fn bind_mount(v: &Value) -> Option<(&str, &str)> {
    let (source, target) = match v {
        Value::Scalar(s) => {
            let mut parts = s.text.splitn(3, ':');
            (parts.next()?, parts.next()?)
        }
        Value::Map { .. } => {
            let kind = v.get("type").and_then(Value::as_str).unwrap_or("bind");
            if kind != "bind" {
                return None;
            }
            (v.get("source")?.as_str()?, v.get("target")?.as_str()?)
        }
        Value::Seq { .. } => return None,
    };
    source
        .starts_with(['.', '/', '~'])
        .then_some((source, target.trim_end_matches('/')))
}

/// The container path of a volume entry (short `src:dst[:mode]` or long form).
fn volume_target(v: &Value) -> Option<String> {
    match v {
        Value::Scalar(s) => {
            let parts: Vec<&str> = s.text.split(':').collect();
            match parts.len() {
                1 => Some(parts[0].to_string()),
                _ => Some(parts[1].to_string()),
            }
        }
        Value::Map { .. } => v.get("target").and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::yaml::{Options, parse};

    fn model(base: &str, over: Option<&str>) -> Result<Compose, BuildError> {
        let b = parse(base, Options::default()).unwrap();
        let o = over.map(|o| {
            parse(
                o,
                Options {
                    allow_unknown_aliases: true,
                },
            )
            .unwrap()
        });
        let mut overrides = Vec::new();
        if let Some(o) = &o {
            overrides.push((1, o));
        }
        build(&ComposeSources {
            base: (0, &b),
            overrides,
        })
    }

    const BASE: &str = "\
x-defaults: &defaults
  restart: unless-stopped
  image: sentry-self-hosted-local
  command: [\"run\", \"web\"]
  environment:
    A: \"1\"
    KEEP:
services:
  web:
    <<: *defaults
  worker:
    <<: *defaults
    command: run worker
    ports:
      - \"9000:9000\"
";

    #[test]
    fn merges_resolve_with_use_sites() {
        let c = model(BASE, None).unwrap();
        let web = c.service("web").unwrap();
        assert_eq!(web.command(), ["run", "web"]);
        let at = web.command_at();
        assert_eq!(&BASE[at.span.range()], "[\"run\", \"web\"]");
        let (_, via) = at.via.unwrap();
        assert_eq!(&BASE[via.range()], "*defaults");
        let worker = c.service("worker").unwrap();
        assert_eq!(worker.command(), ["run", "worker"]);
        assert!(worker.command_at().via.is_none());
        let keys: Vec<&str> = web.body.entries().iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["restart", "image", "command", "environment"]);
    }

    #[test]
    fn merges_and_repeated_keys_agree_in_small_and_large_mappings() {
        // Mappings up to 16 keys are searched by scanning, larger ones by
        // hashing: both must merge and settle repeated keys alike.
        for filler in [0, 30] {
            let extra: String = (0..filler).map(|i| format!("    k{i}: v{i}\n")).collect();
            let src = format!(
                "x-d: &d\n  restart: always\n  command: from-anchor\n  image: a\n\
                 services:\n  web:\n    <<: *d\n{extra}    command: explicit\n    image: first\n    image: last\n"
            );
            let c = model(&src, None).unwrap();
            let web = c.service("web").unwrap();
            assert_eq!(web.command(), ["explicit"], "{filler} fillers");
            assert_eq!(web.image(), Some("last"), "{filler} fillers");
            assert_eq!(web.get("restart").and_then(Value::as_str), Some("always"));
            // Merged keys first, except those the mapping writes itself.
            let keys: Vec<&str> = web.body.entries().iter().map(|e| e.key.as_str()).collect();
            let mut expected = vec!["restart".to_string()];
            expected.extend((0..filler).map(|i| format!("k{i}")));
            expected.extend(["command".to_string(), "image".to_string()]);
            assert_eq!(keys, expected);
        }
    }

    #[test]
    fn override_merges_like_compose() {
        let over = "\
services:
  worker:
    command: run worker -c 4
    environment:
      B: \"2\"
    ports:
      - \"9001:9001\"
  web:
    environment: [\"A=9\"]
  extra:
    image: busybox
";
        let c = model(BASE, Some(over)).unwrap();
        let worker = c.service("worker").unwrap();
        assert_eq!(worker.command(), ["run", "worker", "-c", "4"]);
        let env: Vec<(&str, Option<&str>)> = worker
            .get("environment")
            .unwrap()
            .keyed()
            .into_iter()
            .map(|k| (k.key, k.value))
            .collect();
        assert_eq!(env, [("A", Some("1")), ("KEEP", None), ("B", Some("2"))]);
        assert_eq!(worker.get("ports").unwrap().items().len(), 2);
        let web_a = c
            .service("web")
            .unwrap()
            .get("environment")
            .unwrap()
            .get("A")
            .unwrap();
        assert_eq!(web_a.as_str(), Some("9"));
        assert_eq!(web_a.at().file, 1);
        assert_eq!(c.services.len(), 3);
        assert_eq!(c.service("worker").unwrap().written.len(), 2);
    }

    #[test]
    fn reset_removes_and_override_replaces() {
        let over = "\
services:
  worker:
    ports: !reset []
    environment: !override
      ONLY: \"x\"
";
        let c = model(BASE, Some(over)).unwrap();
        let w = c.service("worker").unwrap();
        assert!(w.get("ports").is_none());
        let keys: Vec<&str> = w
            .get("environment")
            .unwrap()
            .keyed()
            .into_iter()
            .map(|k| k.key)
            .collect();
        assert_eq!(keys, ["ONLY"]);
    }

    #[test]
    fn override_may_use_base_anchors_for_the_model() {
        let over = "services:\n  extra:\n    <<: *defaults\n    command: run extra\n";
        let c = model(BASE, Some(over)).unwrap();
        let extra = c.service("extra").unwrap();
        assert_eq!(extra.image(), Some("sentry-self-hosted-local"));
        assert_eq!(extra.get("image").unwrap().at().file, 0);
        assert_eq!(extra.get("image").unwrap().at().via.unwrap().0, 1);
    }

    #[test]
    fn alias_bombs_are_refused_with_a_position() {
        let mut src = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            src.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        src.push_str("services:\n  s:\n    command: *a11\n");
        let e = model(&src, None).unwrap_err();
        assert!(e.message.contains("alias bomb"), "{}", e.message);
        assert!(e.span.start > 0);
    }

    #[test]
    fn shell_words_split_like_sh() {
        assert_eq!(
            shell_words(r#"'"0 0 * * * gosu sentry sentry cleanup --days $X"'"#),
            [r#""0 0 * * * gosu sentry sentry cleanup --days $X""#]
        );
        assert_eq!(shell_words("a  'b c' \"d\\\"e\""), ["a", "b c", "d\"e"]);
        assert_eq!(
            shell_words(" run\tconsumer\n x  "),
            ["run", "consumer", "x"]
        );
        assert_eq!(shell_words("a\rb"), ["a\rb"]);
        assert!(shell_words("  ").is_empty());
    }

    #[test]
    fn upstream_files_expand_within_budget() {
        let Some(dir) = crate::testing::shared_upstream() else {
            crate::testing::skipped_without_shared();
            return;
        };
        for tag in ["23.4.0", "24.1.0", "25.5.1"] {
            let src = std::fs::read_to_string(dir.join(tag).join("docker-compose.yml")).unwrap();
            let c = model(&src, None).unwrap();
            let web = c.service("web").unwrap();
            assert_eq!(web.image(), Some("sentry-self-hosted-local"), "{tag}");
            let env = web.get("environment").unwrap();
            assert!(env.get("SENTRY_EVENT_RETENTION_DAYS").unwrap().is_null());
        }
    }
}
