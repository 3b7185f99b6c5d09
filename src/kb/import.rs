//! The importer: derives what a release's upstream files say (compose file,
//! `.env`, the example `sentry.conf.py`) as the changes from the release
//! before, in the format `fold` reads. `cargo run --example import-release`
//! writes them to `migrations/derived/`; what only people know (hard stops,
//! renames, notes, CLI facts, which settings a step carries) stays in the
//! hand-written `migrations/releases/`.
//!
//! Every derived file is checked when it is made: folding it onto the
//! release before must give upstream's compose file entry for entry,
//! comments and order included, and upstream's `.env` key for key.

use std::fmt::Write;

use crate::kb::fold::{self, EnvFact, Folded};
use crate::kb::tree::{self, CBody, CNode, Placement};
use crate::kb::version::Version;
use crate::parse::pyconf;

/// One release's upstream files.
pub struct Upstream<'a> {
    pub version: Version,
    pub compose: &'a str,
    pub env: &'a str,
    pub conf: &'a str,
    /// `sentry/config.example.yml`.
    pub config: &'a str,
    /// `taskbroker/config.yml`, from the release that added it.
    pub taskbroker: Option<&'a str>,
}

/// A change to a tree of entries, as a `[[compose]]` (or `[[taskbroker]]`) entry writes it.
#[derive(Debug, PartialEq)]
enum Op {
    Set {
        path: Vec<String>,
        placement: Placement<String>,
        node: CNode,
    },
    Remove {
        path: Vec<String>,
    },
}

/// The data file for `up`, given the folded release before it (none for
/// the first release, which is written in full).
pub fn derive(prev: Option<&Folded>, up: &Upstream) -> Result<String, String> {
    let (ops, _) = tree_ops(
        prev.map(|p| &p.compose),
        up.compose,
        prev.is_none(),
        "docker-compose.yml",
    )
    .map_err(|e| format!("{}: {e}", up.version))?;
    let prev_taskbroker = prev.and_then(|p| p.taskbroker.as_ref());
    let taskbroker_ops = match (up.taskbroker, prev_taskbroker) {
        (Some(text), old) => {
            let (ops, rebuilt) = tree_ops(old, text, false, "taskbroker/config.yml")
                .map_err(|e| format!("{}: {e}", up.version))?;
            // A step writes this text as the install's file: it must be upstream's, byte for byte.
            if rebuilt.render_document() != text {
                return Err(format!(
                    "{}: taskbroker/config.yml does not render back to upstream's text",
                    up.version
                ));
            }
            ops
        }
        (None, None) => Vec::new(),
        (None, Some(_)) => {
            return Err(format!(
                "{}: upstream no longer has taskbroker/config.yml, which the data format cannot say yet",
                up.version
            ));
        }
    };

    let mut out = String::new();
    writeln!(
        out,
        "# Derived from upstream's {} files by `cargo run --example import-release`.\n\
         # Do not edit: run the importer again. What people know goes in\n\
         # migrations/releases/{}.toml.",
        up.version, up.version
    )
    .unwrap();
    writeln!(out, "version = \"{}\"", up.version).unwrap();
    write_env(&mut out, prev, up)?;
    write_conf(&mut out, prev, up)?;
    let values = config_values(up.config).map_err(|e| format!("{}: {e}", up.version))?;
    if prev.is_none_or(|p| p.config_values != values) {
        out.push_str("\n[config_yml]\n# sentry/config.example.yml's scalars: dotted path, value.\nvalues = [\n");
        for (path, value) in &values {
            writeln!(out, "  [{}, {}],", basic(path), basic(value)).unwrap();
        }
        out.push_str("]\n");
    }
    for op in &ops {
        write_op(&mut out, "compose", op);
    }
    for op in &taskbroker_ops {
        write_op(&mut out, "taskbroker", op);
    }
    Ok(out)
}

/// The changes that turn `old` (an empty tree when `None`) into the document
/// `text`, checked: applied through text as the fold reads them, they must
/// rebuild `text`'s tree exactly. Returns the changes and the rebuilt tree.
fn tree_ops(
    old: Option<&CNode>,
    text: &str,
    first: bool,
    file: &str,
) -> Result<(Vec<Op>, CNode), String> {
    let new_tree = tree::parse_document(text).map_err(|e| format!("{file}: {e}"))?;
    let empty = CNode::root();
    let old_tree = old.unwrap_or(&empty);
    let mut ops = Vec::new();
    diff_map(&mut Vec::new(), old_tree, &new_tree, first, &mut ops);
    let mut rebuilt = old_tree.clone();
    for op in &ops {
        apply(&mut rebuilt, op).map_err(|e| format!("{file}: {e}"))?;
    }
    if rebuilt != new_tree {
        return Err(format!(
            "the derived {file} changes do not rebuild upstream's file"
        ));
    }
    Ok((ops, rebuilt))
}

fn joined(path: &[String]) -> String {
    path.join(".")
}

/// The changes that turn `old`'s entries into `new`'s. Entries keep their
/// place: new ones go after their upstream neighbour, moved ones are removed
/// and set again.
fn diff_map(path: &mut Vec<String>, old: &CNode, new: &CNode, first: bool, ops: &mut Vec<Op>) {
    let old_keys: Vec<&str> = old.children().iter().map(|c| c.key.as_str()).collect();
    let new_keys: Vec<&str> = new.children().iter().map(|c| c.key.as_str()).collect();
    let (removed, slots) = slots(&old_keys, &new_keys);
    for key in removed {
        ops.push(Op::Remove {
            path: child_path(path, key),
        });
    }
    for (n, slot) in new.children().iter().zip(slots) {
        if let (true, Some(o)) = (slot.in_place, old.child(&n.key)) {
            if o == &**n {
                continue;
            }
            let same_shell = o.key_src == n.key_src
                && o.comments == n.comments
                && o.blank_before == n.blank_before;
            let fine = !n.key.contains('.')
                && n.children().iter().all(|c| !c.key.contains('.'))
                && o.children().iter().all(|c| !c.key.contains('.'));
            match (&o.body, &n.body) {
                (CBody::Map { head: a, .. }, CBody::Map { head: b, .. })
                    if same_shell && a == b && fine =>
                {
                    path.push(n.key.clone());
                    diff_map(path, o, n, false, ops);
                    path.pop();
                }
                _ => ops.push(set(path, n, Placement::Last)),
            }
            continue;
        }
        if slot.moved {
            ops.push(Op::Remove {
                path: child_path(path, &n.key),
            });
        }
        let placement = slot.placement;
        // The first release writes its big mappings entry by entry.
        let split = first && path.is_empty() && matches!(n.key.as_str(), "services" | "volumes");
        match (&n.body, split) {
            (CBody::Map { head, .. }, true) if head.trim().is_empty() => {
                let mut shell = (**n).clone();
                shell.body = CBody::Leaf {
                    value: head.clone(),
                };
                ops.push(set(path, &shell, placement));
                path.push(n.key.clone());
                diff_map(path, &CNode::root(), n, false, ops);
                path.pop();
            }
            _ => ops.push(set(path, n, placement)),
        }
    }
}

/// Where one of the new keys goes as the changes apply in turn.
struct Slot {
    /// It stands at its place already (it may still change there).
    in_place: bool,
    /// It stands elsewhere: it is removed before it is set again.
    moved: bool,
    /// Where it is set when it is not in place: after its new neighbour,
    /// the first key before the first that stays.
    placement: Placement<String>,
}

/// How the keys `old` become `new` (`.env` keys or a mapping's entries),
/// entries keeping their place: the keys `new` lacks, removed first, then a
/// slot for each of `new`'s keys in order.
fn slots<'a>(old: &[&'a str], new: &[&'a str]) -> (Vec<&'a str>, Vec<Slot>) {
    let (mut current, removed): (Vec<&str>, Vec<&str>) =
        old.iter().copied().partition(|k| new.contains(k));
    let slots = new
        .iter()
        .enumerate()
        .map(|(i, &key)| {
            let placement = match i {
                0 => current
                    .first()
                    .filter(|k| **k != key)
                    .map(|k| Placement::Before(k.to_string()))
                    .unwrap_or(Placement::Last),
                _ => Placement::After(new[i - 1].to_string()),
            };
            let in_place = current.get(i) == Some(&key);
            let mut moved = false;
            if !in_place {
                if let Some(at) = current.iter().position(|k| *k == key) {
                    current.remove(at);
                    moved = true;
                }
                current.insert(i.min(current.len()), key);
            }
            Slot {
                in_place,
                moved,
                placement,
            }
        })
        .collect();
    (removed, slots)
}

fn child_path(path: &[String], key: &str) -> Vec<String> {
    let mut p = path.to_vec();
    p.push(key.to_string());
    p
}

fn set(path: &[String], node: &CNode, placement: Placement<String>) -> Op {
    Op::Set {
        path: child_path(path, &node.key),
        placement,
        node: node.clone(),
    }
}

fn apply(tree_root: &mut CNode, op: &Op) -> Result<(), String> {
    match op {
        Op::Set {
            path,
            placement,
            node,
        } => {
            // Through text, as the fold will read it.
            let parsed = tree::parse_entry(&snippet(node))?;
            let p: Vec<&str> = path.iter().map(String::as_str).collect();
            tree::set(tree_root, &p, parsed, placement.as_deref())
                .map_err(|e| format!("`{}`: {e}", joined(path)))
        }
        Op::Remove { path } => {
            let p: Vec<&str> = path.iter().map(String::as_str).collect();
            tree::remove(tree_root, &p).map_err(|e| format!("`{}`: {e}", joined(path)))
        }
    }
}

fn snippet(node: &CNode) -> String {
    let mut s = String::new();
    node.render(0, 2, "\n", &mut s);
    s
}

fn write_op(out: &mut String, table: &str, op: &Op) {
    writeln!(out, "\n[[{table}]]").unwrap();
    match op {
        Op::Remove { path } => {
            writeln!(out, "op = \"remove\"\npath = {}", basic(&joined(path))).unwrap();
        }
        Op::Set {
            path,
            placement,
            node,
        } => {
            writeln!(out, "path = {}", basic(&joined(path))).unwrap();
            match placement {
                Placement::After(k) => writeln!(out, "after = {}", basic(k)).unwrap(),
                Placement::Before(k) => writeln!(out, "before = {}", basic(k)).unwrap(),
                Placement::Last => {}
            }
            writeln!(out, "yaml = {}", multiline(&snippet(node))).unwrap();
        }
    }
}

/// A TOML basic string.
fn basic(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => write!(out, "\\u{:04X}", c as u32).unwrap(),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TOML string for text of several lines: literal where it can be.
fn multiline(s: &str) -> String {
    let literal_ok = !s.contains("'''") && !s.chars().any(|c| c.is_control() && c != '\n');
    if literal_ok && s.ends_with('\n') {
        format!("'''\n{s}'''")
    } else {
        basic(s)
    }
}

/// `.env`: the first release in full, later ones as keys set and removed.
fn write_env(out: &mut String, prev: Option<&Folded>, up: &Upstream) -> Result<(), String> {
    let version = up.version.to_string();
    let facts: Vec<EnvFact> = fold::parse_env_facts(up.env)
        .map_err(|e| format!("{}: .env: {e}", up.version))?
        .into_iter()
        .map(|mut f| {
            if let Some(prefix) = f.template.strip_suffix(version.as_str()) {
                f.template = format!("{prefix}{{version}}");
            }
            f
        })
        .collect();
    let Some(prev) = prev else {
        out.push_str("\n[env]\n# `{version}` is replaced by each release's own number.\ntext = ");
        let mut text = String::new();
        for f in &facts {
            text.push_str(&f.comment);
            writeln!(text, "{}={}", f.key, f.template).unwrap();
        }
        out.push_str(&multiline(&text));
        out.push('\n');
        return Ok(());
    };
    let old_keys: Vec<&str> = prev.env.iter().map(|e| e.key.as_str()).collect();
    let new_keys: Vec<&str> = facts.iter().map(|f| f.key.as_str()).collect();
    let (removed, slots) = slots(&old_keys, &new_keys);
    for key in removed {
        writeln!(out, "\n[[env.remove]]\nkey = {}", basic(key)).unwrap();
    }
    for (f, slot) in facts.iter().zip(slots) {
        let old = prev.env.iter().find(|e| e.key == f.key);
        if slot.in_place && old.is_some_and(|o| o.template == f.template && o.comment == f.comment)
        {
            continue;
        }
        if slot.moved {
            writeln!(out, "\n[[env.remove]]\nkey = {}", basic(&f.key)).unwrap();
        }
        writeln!(
            out,
            "\n[[env.set]]\nkey = {}\nvalue = {}",
            basic(&f.key),
            basic(&f.template)
        )
        .unwrap();
        if !slot.in_place {
            match &slot.placement {
                Placement::After(k) => writeln!(out, "after = {}", basic(k)).unwrap(),
                Placement::Before(k) => writeln!(out, "before = {}", basic(k)).unwrap(),
                Placement::Last => {}
            }
        }
        let comment_changed = old.is_none_or(|o| o.comment != f.comment) || !slot.in_place;
        if comment_changed && (!f.comment.is_empty() || old.is_some()) {
            writeln!(out, "comment = {}", multiline_or_empty(&f.comment)).unwrap();
        }
    }
    Ok(())
}

fn multiline_or_empty(s: &str) -> String {
    if s.is_empty() {
        "\"\"".into()
    } else {
        multiline(s)
    }
}

/// What the example `sentry.conf.py` enables and caches with.
pub struct ConfFacts {
    pub features: Vec<String>,
    pub cache_backend: String,
    pub cache_options: Vec<String>,
    pub cache_options_python: Option<String>,
}

/// Reads the facts the knowledge base keeps from an example `sentry.conf.py`.
pub fn conf_facts(src: &str) -> Result<ConfFacts, String> {
    let conf = pyconf::parse_afresh(src);
    if let Some((span, what)) = conf.errors.first() {
        return Err(format!(
            "sentry.conf.example.py at byte {}: {what}",
            span.start
        ));
    }
    // The flags `SENTRY_FEATURES.update({f: True for f in (...)})` enables.
    let lists: Vec<_> = conf
        .feature_lists
        .iter()
        .filter(|l| l.enabled == Some(true))
        .collect();
    let mut features: Vec<String> = Vec::new();
    for f in &conf.features {
        let listed = lists
            .iter()
            .any(|l| l.span.start <= f.span.start && f.span.end <= l.span.end);
        if listed && !f.conditional && !features.contains(&f.name) {
            features.push(f.name.clone());
        }
    }
    let (backend, _) = conf
        .lookup("CACHES", &["default", "BACKEND"])
        .ok_or("sentry.conf.example.py sets no CACHES[\"default\"][\"BACKEND\"]")?;
    let cache_backend = backend
        .as_str()
        .ok_or("CACHES[\"default\"][\"BACKEND\"] is not a string")?
        .to_string();
    let (cache_options, cache_options_python) = match conf.lookup("CACHES", &["default", "OPTIONS"])
    {
        Some((options, _)) => match &options.kind {
            pyconf::ExprKind::Dict(pairs) => (
                pairs
                    .iter()
                    .filter_map(|(k, _)| k.as_str().map(str::to_string))
                    .collect(),
                Some(src[options.span.range()].to_string()),
            ),
            _ => (Vec::new(), Some(src[options.span.range()].to_string())),
        },
        None => (Vec::new(), None),
    };
    Ok(ConfFacts {
        features,
        cache_backend,
        cache_options,
        cache_options_python,
    })
}

fn write_conf(out: &mut String, prev: Option<&Folded>, up: &Upstream) -> Result<(), String> {
    let facts = conf_facts(up.conf).map_err(|e| format!("{}: {e}", up.version))?;
    let mut body = String::new();
    if prev.is_none_or(|p| p.features != facts.features) {
        body.push_str("# The flags `SENTRY_FEATURES.update({f: True for f in (...)})` enables.\nfeatures = [\n");
        for f in &facts.features {
            writeln!(body, "  {},", basic(f)).unwrap();
        }
        body.push_str("]\n");
    }
    if prev.is_none_or(|p| p.cache_backend != facts.cache_backend) {
        writeln!(body, "cache_backend = {}", basic(&facts.cache_backend)).unwrap();
    }
    if prev.is_none_or(|p| p.cache_options != facts.cache_options) {
        let keys: Vec<String> = facts.cache_options.iter().map(|k| basic(k)).collect();
        writeln!(body, "cache_options = [{}]", keys.join(", ")).unwrap();
    }
    if prev.is_none_or(|p| p.cache_options_python != facts.cache_options_python)
        && let Some(text) = &facts.cache_options_python
    {
        writeln!(body, "cache_options_python = {}", basic(text)).unwrap();
    }
    if !body.is_empty() {
        out.push_str("\n[sentry_conf]\n");
        out.push_str(&body);
    }
    Ok(())
}

/// Derives the data file of every release in `upstream` (one folder per
/// release) from the oldest release with a hand-written file on, oldest
/// first. `hand` holds the hand-written files as `releases/V.toml`.
pub fn derive_all(
    upstream: &std::path::Path,
    hand: &[(String, String)],
) -> Result<Vec<(Version, String)>, String> {
    let hand_version = |name: &str| -> Option<Version> {
        name.strip_prefix("releases/")?
            .strip_suffix(".toml")?
            .parse()
            .ok()
    };
    let first = hand
        .iter()
        .filter_map(|(n, _)| hand_version(n))
        .min()
        .ok_or("no hand-written release file: the first release needs one (its CLI facts)")?;
    let mut versions: Vec<(Version, std::path::PathBuf)> = std::fs::read_dir(upstream)
        .map_err(|e| format!("{}: {e}", upstream.display()))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v: Version = e.file_name().to_str()?.parse().ok()?;
            (v >= first).then(|| (v, e.path()))
        })
        .collect();
    versions.sort();
    let read = |dir: &std::path::Path, file: &str| {
        std::fs::read_to_string(dir.join(file))
            .map_err(|e| format!("{}: {e}", dir.join(file).display()))
    };
    let mut out: Vec<(Version, String)> = Vec::new();
    for (version, dir) in versions {
        let prev = match out.last() {
            None => None,
            Some((last, _)) => {
                let mut inputs: Vec<(String, &str)> = out
                    .iter()
                    .map(|(v, t)| (format!("derived/{v}.toml"), t.as_str()))
                    .collect();
                inputs.extend(
                    hand.iter()
                        .filter(|(n, _)| hand_version(n).is_some_and(|v| v <= *last))
                        .map(|(n, t)| (n.clone(), t.as_str())),
                );
                let refs: Vec<(&str, &str)> =
                    inputs.iter().map(|(n, t)| (n.as_str(), *t)).collect();
                fold::fold(&refs)?.pop()
            }
        };
        let taskbroker = match dir.join("taskbroker/config.yml").exists() {
            true => Some(read(&dir, "taskbroker/config.yml")?),
            false => None,
        };
        let (compose, env, conf, config) = (
            read(&dir, "docker-compose.yml")?,
            read(&dir, ".env")?,
            read(&dir, "sentry/sentry.conf.example.py")?,
            read(&dir, "sentry/config.example.yml")?,
        );
        let text = derive(
            prev.as_ref(),
            &Upstream {
                version,
                compose: &compose,
                env: &env,
                conf: &conf,
                config: &config,
                taskbroker: taskbroker.as_deref(),
            },
        )?;
        out.push((version, text));
    }
    Ok(out)
}

/// The hand-written release files under `migrations/releases/`, named
/// `releases/V.toml` as `fold` takes them.
pub fn hand_files(migrations: &std::path::Path) -> Result<Vec<(String, String)>, String> {
    let dir = migrations.join("releases");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = e.map_err(|e| e.to_string())?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if name.ends_with(".toml") {
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            out.push((format!("releases/{name}"), text));
        }
    }
    out.sort();
    Ok(out)
}

/// The scalars of a `config.yml`, by dotted path (`filestore.options.location`).
pub fn config_values(src: &str) -> Result<Vec<(String, String)>, String> {
    let doc = crate::parse::yaml::parse(src, Default::default())
        .map_err(|e| format!("config.example.yml at byte {}: {}", e.span.start, e.message))?;
    let mut out = Vec::new();
    if let Some(root) = doc.root {
        scalars(&doc, root, &mut String::new(), &mut out);
    }
    Ok(out)
}

fn scalars(
    doc: &crate::parse::yaml::YamlDoc,
    node: crate::parse::yaml::NodeId,
    path: &mut String,
    out: &mut Vec<(String, String)>,
) {
    for p in doc.pairs(node) {
        let Some(key) = doc.scalar(p.key) else {
            continue;
        };
        let len = path.len();
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
        match doc.scalar(p.value) {
            Some(v) => out.push((path.clone(), v.to_string())),
            None => scalars(doc, p.value, path, out),
        }
        path.truncate(len);
    }
}
