//! The canonical compose file of a release as a tree of YAML entries, each
//! kept as the text upstream writes it, so that a migration can insert an
//! entry in upstream's own words and compare values without re-serializing.

use std::sync::Arc;

use crate::parse::yaml::{self, NodeId, NodeKind, YamlDoc};

/// One `key: value` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CNode {
    pub key: String,
    /// The key as written (quotes kept).
    pub key_src: String,
    /// Comment lines directly above the key, relative to the key's column,
    /// each ending with `\n`.
    pub comments: String,
    /// A blank line precedes the entry (or its comments).
    pub blank_before: bool,
    pub body: CBody,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CBody {
    /// A block mapping: the rest of the key line (` &anchor`, a comment) and the entries.
    /// Entries are shared between releases' trees: folding a release copies
    /// only the path it changes.
    Map {
        head: String,
        children: Vec<Arc<CNode>>,
    },
    /// Any other value: everything after `key:` through the value's last line,
    /// continuation lines relative to the key's column.
    Leaf { value: String },
}

impl CNode {
    pub fn root() -> CNode {
        CNode {
            key: String::new(),
            key_src: String::new(),
            comments: String::new(),
            blank_before: false,
            body: CBody::Map {
                head: String::new(),
                children: Vec::new(),
            },
        }
    }

    pub fn children(&self) -> &[Arc<CNode>] {
        match &self.body {
            CBody::Map { children, .. } => children,
            CBody::Leaf { .. } => &[],
        }
    }

    pub fn child(&self, key: &str) -> Option<&CNode> {
        self.children().iter().find(|c| c.key == key).map(|c| &**c)
    }

    pub fn at(&self, path: &[&str]) -> Option<&CNode> {
        let mut n = self;
        for k in path {
            n = n.child(k)?;
        }
        Some(n)
    }

    /// Renders the entry at column `indent`, nested maps `unit` deeper.
    pub fn render(&self, indent: usize, unit: usize, newline: &str, out: &mut String) {
        let pad = " ".repeat(indent);
        if self.blank_before {
            out.push_str(newline);
        }
        for line in self.comments.lines() {
            out.push_str(&pad);
            out.push_str(line);
            out.push_str(newline);
        }
        out.push_str(&pad);
        out.push_str(&self.key_src);
        out.push(':');
        match &self.body {
            CBody::Leaf { value } => {
                push_reindented(value, &pad, newline, out);
                out.push_str(newline);
            }
            CBody::Map { head, children } => {
                out.push_str(head);
                out.push_str(newline);
                for c in children {
                    c.render(indent + unit, unit, newline, out);
                }
            }
        }
    }

    /// The whole document: the root's entries at column 0.
    pub fn render_document(&self) -> String {
        let mut out = String::new();
        for c in self.children() {
            c.render(0, 2, "\n", &mut out);
        }
        out
    }

    /// The value as YAML text for a `key: value` line at column `indent`:
    /// what follows `key:` (leading space or line break included).
    pub fn value_text(&self, indent: usize, unit: usize, newline: &str) -> String {
        let mut out = String::new();
        match &self.body {
            CBody::Leaf { value } => push_reindented(value, &" ".repeat(indent), newline, &mut out),
            CBody::Map { head, children } => {
                out.push_str(head);
                out.push_str(newline);
                for c in children {
                    c.render(indent + unit, unit, newline, &mut out);
                }
                // The caller supplies the final line break.
                if out.ends_with(newline) {
                    out.truncate(out.len() - newline.len());
                }
            }
        }
        out
    }
}

/// Appends `text`, prefixing every line after the first with `pad`.
fn push_reindented(text: &str, pad: &str, newline: &str, out: &mut String) {
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push_str(newline);
            if !line.is_empty() {
                out.push_str(pad);
            }
        }
        out.push_str(line);
    }
}

/// Parses a snippet holding exactly one `key: value` entry.
pub fn parse_entry(snippet: &str) -> Result<CNode, String> {
    let doc = yaml::parse(
        snippet,
        yaml::Options {
            allow_unknown_aliases: true,
        },
    )
    .map_err(|e| format!("invalid YAML at byte {}: {}", e.span.start, e.message))?;
    let root = doc.root.ok_or("the snippet is empty")?;
    let pairs = doc.pairs(root);
    if pairs.len() != 1 {
        return Err(format!(
            "a snippet must hold exactly one `key: value` entry, found {}",
            pairs.len()
        ));
    }
    Ok(node_from(snippet, &doc, pairs[0].key, pairs[0].value))
}

/// Parses a whole document into the root of a tree.
pub fn parse_document(text: &str) -> Result<CNode, String> {
    let doc = yaml::parse(
        text,
        yaml::Options {
            allow_unknown_aliases: true,
        },
    )
    .map_err(|e| format!("invalid YAML at byte {}: {}", e.span.start, e.message))?;
    let mut root = CNode::root();
    if let (Some(r), CBody::Map { children, .. }) = (doc.root, &mut root.body) {
        for p in doc.pairs(r) {
            children.push(Arc::new(node_from(text, &doc, p.key, p.value)));
        }
    }
    Ok(root)
}

/// Byte offset where the line holding `pos` starts.
fn line_start(src: &str, pos: usize) -> usize {
    src[..pos].rfind('\n').map(|i| i + 1).unwrap_or(0)
}

fn line_end(src: &str, pos: usize) -> usize {
    src[pos..].find('\n').map(|i| pos + i).unwrap_or(src.len())
}

fn node_from(src: &str, doc: &YamlDoc, key: NodeId, value: NodeId) -> CNode {
    let key_span = doc.node(key).span;
    let ks = line_start(src, key_span.start as usize);
    let col = key_span.start as usize - ks;
    // Comment lines directly above the key.
    let mut comments: Vec<&str> = Vec::new();
    let mut blank_before = false;
    let mut cursor = ks;
    while cursor > 0 {
        let prev_start = line_start(src, cursor - 1);
        let line = &src[prev_start..cursor - 1];
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') {
            comments.push(
                line.get(col.min(line.len() - trimmed.len())..)
                    .unwrap_or(trimmed),
            );
            cursor = prev_start;
        } else {
            blank_before = trimmed.is_empty();
            break;
        }
    }
    comments.reverse();
    let mut comment_text = String::new();
    for c in comments {
        comment_text.push_str(c);
        comment_text.push('\n');
    }
    // The `:` after the key.
    let after_key = key_span.end as usize;
    let colon = src[after_key..]
        .find(':')
        .map(|i| after_key + i + 1)
        .unwrap_or(after_key);
    let vnode = doc.node(value);
    let block_map = matches!(&vnode.kind, NodeKind::Map { flow: false, .. });
    let body = if block_map {
        let head_end = line_end(src, colon);
        let NodeKind::Map { pairs, .. } = &vnode.kind else {
            unreachable!()
        };
        CBody::Map {
            head: src[colon..head_end].to_string(),
            children: pairs
                .iter()
                .map(|p| Arc::new(node_from(src, doc, p.key, p.value)))
                .collect(),
        }
    } else {
        let full = doc.full_span(value);
        let end = if full.is_empty() && full.start as usize <= colon {
            line_end(src, colon)
        } else {
            line_end(src, (full.end as usize).max(colon))
        };
        let raw = &src[colon..end];
        // Continuation lines relative to the key's column.
        let value = raw
            .split('\n')
            .enumerate()
            .map(|(i, l)| {
                if i == 0 {
                    l.to_string()
                } else {
                    let strip = l.len() - l.trim_start_matches(' ').len();
                    l[strip.min(col)..].to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        CBody::Leaf { value }
    };
    CNode {
        key: doc.scalar(key).unwrap_or("").to_string(),
        key_src: src[key_span.range()].to_string(),
        comments: comment_text,
        blank_before,
        body,
    }
}

/// Where a new entry goes among its siblings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placement<S> {
    After(S),
    Before(S),
    Last,
}

impl Placement<String> {
    pub fn as_deref(&self) -> Placement<&str> {
        match self {
            Placement::After(s) => Placement::After(s),
            Placement::Before(s) => Placement::Before(s),
            Placement::Last => Placement::Last,
        }
    }
}

/// Sets the entry at `path`: replaced in place (comments and all) when it
/// exists, else inserted where `placement` says.
pub fn set(
    root: &mut CNode,
    path: &[&str],
    node: CNode,
    placement: Placement<&str>,
) -> Result<(), String> {
    let (last, parents) = path.split_last().ok_or("empty path")?;
    if node.key != *last {
        return Err(format!("the snippet's key `{}` is not `{last}`", node.key));
    }
    let parent = walk_mut(root, parents)?;
    // `services:` starts as an empty leaf; entries turn it into a mapping.
    if let CBody::Leaf { value } = &parent.body
        && value.trim().is_empty()
    {
        parent.body = CBody::Map {
            head: value.clone(),
            children: Vec::new(),
        };
    }
    let CBody::Map { children, .. } = &mut parent.body else {
        return Err(format!("`{}` is not a mapping", parents.join(".")));
    };
    if let Some(existing) = children.iter_mut().find(|c| c.key == node.key) {
        *existing = Arc::new(node);
        return Ok(());
    }
    let sibling = |k: &str, what: &str| {
        children.iter().position(|c| c.key == k).ok_or_else(|| {
            format!(
                "`{what} = \"{k}\"`: no such entry under `{}`",
                parents.join(".")
            )
        })
    };
    let at = match placement {
        Placement::After(a) => sibling(a, "after")? + 1,
        Placement::Before(b) => sibling(b, "before")?,
        Placement::Last => children.len(),
    };
    children.insert(at, Arc::new(node));
    Ok(())
}

pub fn remove(root: &mut CNode, path: &[&str]) -> Result<(), String> {
    let (last, parents) = path.split_last().ok_or("empty path")?;
    let parent = walk_mut(root, parents)?;
    let CBody::Map { children, .. } = &mut parent.body else {
        return Err(format!("`{}` is not a mapping", parents.join(".")));
    };
    let before = children.len();
    children.retain(|c| c.key != *last);
    if children.len() == before {
        return Err(format!("`{}` does not exist", path.join(".")));
    }
    Ok(())
}

fn walk_mut<'a>(root: &'a mut CNode, path: &[&str]) -> Result<&'a mut CNode, String> {
    let mut n = root;
    for (i, k) in path.iter().enumerate() {
        let CBody::Map { children, .. } = &mut n.body else {
            return Err(format!("`{}` is not a mapping", path[..i].join(".")));
        };
        let child = children
            .iter_mut()
            .find(|c| c.key == *k)
            .ok_or_else(|| format!("`{}` does not exist", path[..=i].join(".")))?;
        n = Arc::make_mut(child);
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_round_trip_through_render() {
        let snippet = "\
# Kafka consumer responsible for feeding events into Clickhouse
snuba-consumer:
  <<: *snuba_defaults
  command: consumer --storage errors # why
  healthcheck:
    test:
      - \"CMD\"
      # a comment inside a value
      - \"x\"
";
        let node = parse_entry(snippet).unwrap();
        assert_eq!(node.key, "snuba-consumer");
        assert_eq!(
            node.comments,
            "# Kafka consumer responsible for feeding events into Clickhouse\n"
        );
        let mut out = String::new();
        node.render(0, 2, "\n", &mut out);
        assert_eq!(out, snippet);
        let mut indented = String::new();
        node.render(2, 2, "\n", &mut indented);
        let expected: String = snippet.lines().map(|l| format!("  {l}\n")).collect();
        assert_eq!(indented, expected);
    }

    #[test]
    fn documents_round_trip_through_the_tree() {
        let text = "x: &a\n  k: 1\n# about s\ns:\n  w:\n    <<: *a\n    c: run web\n\nv:\n  d:\n";
        let root = parse_document(text).unwrap();
        assert_eq!(root.render_document(), text);
        assert_eq!(parse_document(&root.render_document()).unwrap(), root);
    }

    #[test]
    fn set_and_remove_by_path() {
        let mut root = CNode::root();
        set(
            &mut root,
            &["services"],
            parse_entry("services:\n").unwrap(),
            Placement::Last,
        )
        .unwrap();
        set(
            &mut root,
            &["services", "a"],
            parse_entry("a:\n  x: 1\n").unwrap(),
            Placement::Last,
        )
        .unwrap();
        set(
            &mut root,
            &["services", "c"],
            parse_entry("c:\n  x: 3\n").unwrap(),
            Placement::Last,
        )
        .unwrap();
        set(
            &mut root,
            &["services", "b"],
            parse_entry("b:\n  x: 2\n").unwrap(),
            Placement::After("a"),
        )
        .unwrap();
        set(
            &mut root,
            &["services", "a", "x"],
            parse_entry("x: 9\n").unwrap(),
            Placement::Last,
        )
        .unwrap();
        assert_eq!(
            root.render_document(),
            "services:\n  a:\n    x: 9\n  b:\n    x: 2\n  c:\n    x: 3\n"
        );
        set(
            &mut root,
            &["services", "z"],
            parse_entry("z: 0\n").unwrap(),
            Placement::Before("a"),
        )
        .unwrap();
        assert!(
            root.render_document()
                .starts_with("services:\n  z: 0\n  a:")
        );
        remove(&mut root, &["services", "z"]).unwrap();
        remove(&mut root, &["services", "b"]).unwrap();
        assert!(remove(&mut root, &["services", "b"]).is_err());
        assert!(
            set(
                &mut root,
                &["services", "d"],
                parse_entry("d: 1\n").unwrap(),
                Placement::After("nope")
            )
            .is_err()
        );
        assert!(
            set(
                &mut root,
                &["services", "e"],
                parse_entry("f: 1\n").unwrap(),
                Placement::Last
            )
            .is_err()
        );
    }
}
