//! Edits to YAML files by whole lines, in the file's own indentation, with
//! the comments attached to an entry moving with it.

use crate::fix::Edit;
use crate::kb::tree::CNode;
use crate::model::FileId;
use crate::parse::yaml::{NodeId, NodeKind, Pair, YamlDoc};
use crate::source::{SourceFile, Span};

/// The file's indentation step (2 unless nested mappings show another).
pub fn indent_unit(file: &SourceFile, doc: &YamlDoc) -> usize {
    for node in &doc.nodes {
        let NodeKind::Map { pairs, flow: false } = &node.kind else {
            continue;
        };
        for p in pairs {
            let v = doc.node(p.value);
            if let NodeKind::Map {
                pairs: inner,
                flow: false,
            } = &v.kind
                && let Some(first) = inner.first()
            {
                let outer = column(file, doc.node(p.key).span.start as usize);
                let inner_col = column(file, doc.node(first.key).span.start as usize);
                if inner_col > outer && first_on_line(file, doc.node(first.key).span.start as usize)
                {
                    return inner_col - outer;
                }
            }
        }
    }
    2
}

/// Byte column of an offset (indentation is ASCII spaces).
pub fn column(file: &SourceFile, offset: usize) -> usize {
    offset - file.line_start(file.line_index(offset))
}

fn first_on_line(file: &SourceFile, offset: usize) -> bool {
    let start = file.line_start(file.line_index(offset));
    file.text[start..offset].bytes().all(|b| b == b' ')
}

fn is_comment_line(file: &SourceFile, line: usize) -> Option<usize> {
    let t = file.line_text(line);
    let trimmed = t.trim_start_matches(' ');
    trimmed.starts_with('#').then(|| t.len() - trimmed.len())
}

/// The lines of an entry of a block mapping: its attached comments (directly
/// above, at the key's column), the key, the value, and comment lines just
/// after it indented deeper than the key. Ends after the last line break.
pub fn entry_lines(file: &SourceFile, doc: &YamlDoc, pair: Pair) -> Span {
    let key_start = doc.full_span(pair.key).start as usize;
    let col = column(file, key_start);
    let mut first = file.line_index(key_start);
    while first > 0 && is_comment_line(file, first - 1) == Some(col) {
        first -= 1;
    }
    let value_end = doc
        .full_span(pair.value)
        .end
        .max(doc.node(pair.key).span.end) as usize;
    let mut last = file.line_index(
        value_end
            .saturating_sub(usize::from(value_end > key_start))
            .max(key_start),
    );
    while last + 1 < file.line_count() && is_comment_line(file, last + 1).is_some_and(|c| c > col) {
        last += 1;
    }
    Span::new(file.line_start(first), file.line_end_with_break(last))
}

/// Where the lines of a mapping's entry `pair` end (for inserting after it).
fn after_entry(file: &SourceFile, doc: &YamlDoc, pair: Pair) -> usize {
    entry_lines(file, doc, pair).end as usize
}

/// The column of a mapping's keys, or `None` for a flow or empty mapping.
pub fn map_column(file: &SourceFile, doc: &YamlDoc, map: NodeId) -> Option<usize> {
    match &doc.node(map).kind {
        NodeKind::Map { pairs, flow: false } => pairs
            .first()
            .map(|p| column(file, doc.full_span(p.key).start as usize)),
        _ => None,
    }
}

/// Inserts a canonical entry into the block mapping `map`, after the entry
/// named by the first of `after` that exists (else before the first of
/// `before` that exists, else last).
pub fn insert_entry(
    file_id: FileId,
    file: &SourceFile,
    doc: &YamlDoc,
    map: NodeId,
    after: &[&str],
    before: &[&str],
    entry: &CNode,
) -> Option<Edit> {
    let NodeKind::Map { pairs, flow: false } = &doc.node(map).kind else {
        return None;
    };
    let col = map_column(file, doc, map)?;
    let unit = indent_unit(file, doc);
    let nl = file.newline();
    let mut text = String::new();
    entry.render(col, unit, nl, &mut text);
    let find = |k: &&str| {
        pairs
            .iter()
            .rev()
            .find(|p| doc.scalar(p.key) == Some(k))
            .copied()
    };
    let at = if let Some(p) = after.iter().find_map(find) {
        after_entry(file, doc, p)
    } else if let Some(p) = before.iter().find_map(find) {
        entry_lines(file, doc, p).start as usize
    } else {
        after_entry(file, doc, *pairs.last()?)
    };
    // Inserting after a last line that has no line break.
    if at == file.text.len() && !file.text.is_empty() && !file.text.ends_with('\n') {
        text.insert_str(0, nl);
    }
    Some(Edit::insert(
        file_id,
        at,
        strip_leading_blank(&text, nl, entry),
    ))
}

fn strip_leading_blank(text: &str, nl: &str, entry: &CNode) -> String {
    // A canonical blank line before the entry is upstream's layout, not a
    // value; the neighbours in the operator's file decide, so drop it.
    if entry.blank_before {
        text.strip_prefix(nl).unwrap_or(text).to_string()
    } else {
        text.to_string()
    }
}

/// Deletes an entry with its attached comments.
pub fn remove_entry(file_id: FileId, file: &SourceFile, doc: &YamlDoc, pair: Pair) -> Edit {
    Edit::delete(file_id, entry_lines(file, doc, pair))
}

/// Replaces the value of a block mapping entry with a canonical entry's
/// value, keeping the key and any comment after an inline value.
pub fn replace_value(
    file_id: FileId,
    file: &SourceFile,
    doc: &YamlDoc,
    pair: Pair,
    entry: &CNode,
) -> Edit {
    let col = column(file, doc.full_span(pair.key).start as usize);
    let unit = indent_unit(file, doc);
    let nl = file.newline();
    let key_end = doc.node(pair.key).span.end as usize;
    let colon = file.text[key_end..]
        .find(':')
        .map(|i| key_end + i + 1)
        .unwrap_or(key_end);
    let value = doc.full_span(pair.value);
    let new_text = entry.value_text(col, unit, nl);
    if value.is_empty() && value.start as usize <= colon {
        // `key:` with nothing after it: replace from the colon to the end of the line.
        let line = file.line_index(colon);
        return Edit::replace(file_id, Span::new(colon, file.line_end(line)), new_text);
    }
    // From right after the colon to the end of the value, so a value moving
    // between one line and several lines is handled alike. A comment after
    // a one-line value survives when the new value is one line too.
    let end = value.end as usize;
    let keeps_comment = !new_text.contains('\n');
    let replace_to = if keeps_comment {
        end
    } else {
        file.line_end(file.line_index(end))
    };
    let mut text = new_text;
    if keeps_comment {
        // Drop the canonical trailing comment when the operator has their own.
        let rest = &file.text[end..file.line_end(file.line_index(end))];
        if rest.trim_start().starts_with('#')
            && let Some(i) = text.find(" #")
        {
            text.truncate(i);
        }
    }
    Edit::replace(file_id, Span::new(colon, replace_to), text)
}

/// The pair of `key` in a mapping (last one wins, like the model).
pub fn pair_of(doc: &YamlDoc, map: NodeId, key: &str) -> Option<Pair> {
    doc.get(map, key)
}

/// Anchors a canonical entry aliases that the file does not define.
pub fn missing_anchors(entry: &CNode, doc: &YamlDoc) -> Vec<String> {
    let mut text = String::new();
    entry.render(0, 2, "\n", &mut text);
    let mut out = Vec::new();
    for (i, _) in text.match_indices('*') {
        let name: String = text[i + 1..]
            .chars()
            .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | ']' | '}' | '"' | '\''))
            .collect();
        // `*` inside a cron expression is not an alias: aliases follow `: ` or `- ` or `[`.
        let before = text[..i].trim_end_matches(' ');
        let alias_position = before.ends_with(':')
            || before.ends_with('-')
            || before.ends_with('[')
            || before.ends_with(',');
        if !name.is_empty()
            && alias_position
            && !doc.anchors.contains_key(&name)
            && !out.contains(&name)
        {
            out.push(name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::apply;
    use crate::kb::tree::parse_entry;
    use crate::parse::yaml::{Options, parse};
    use crate::source::FileKind;

    fn setup(text: &str) -> (SourceFile, YamlDoc) {
        let file = SourceFile::new(
            "f".into(),
            "f".into(),
            FileKind::Compose,
            text.to_string(),
            false,
        );
        let doc = parse(text, Options::default()).unwrap();
        (file, doc)
    }

    fn services(doc: &YamlDoc) -> NodeId {
        doc.get(doc.root.unwrap(), "services").unwrap().value
    }

    const FILE: &str = "x: &d\n  restart: always\nservices:\n    # the web\n    web:\n        <<: *d\n        image: a # pinned\n        # about web\n    # the worker\n    worker:\n        command: run worker\n";

    #[test]
    fn inserts_in_the_files_own_indentation_after_a_sibling() {
        let (file, doc) = setup(FILE);
        let entry = parse_entry("cron:\n  <<: *d\n  command: run cron\n").unwrap();
        let e = insert_entry(0, &file, &doc, services(&doc), &["web"], &[], &entry).unwrap();
        let out = apply(FILE, &[&e]).unwrap();
        assert!(
            out.contains("        # about web\n    cron:\n        <<: *d\n        command: run cron\n    # the worker\n"),
            "{out}"
        );
        assert_eq!(indent_unit(&file, &doc), 4);
    }

    #[test]
    fn removes_an_entry_with_its_comments() {
        let (file, doc) = setup(FILE);
        let web = pair_of(&doc, services(&doc), "web").unwrap();
        let out = apply(FILE, &[&remove_entry(0, &file, &doc, web)]).unwrap();
        assert_eq!(
            out,
            "x: &d\n  restart: always\nservices:\n    # the worker\n    worker:\n        command: run worker\n"
        );
    }

    #[test]
    fn replaces_values_and_keeps_the_operators_comment() {
        let (file, doc) = setup(FILE);
        let web = pair_of(&doc, services(&doc), "web").unwrap().value;
        let image = pair_of(&doc, web, "image").unwrap();
        let e = replace_value(
            0,
            &file,
            &doc,
            image,
            &parse_entry("image: \"b\"\n").unwrap(),
        );
        let out = apply(FILE, &[&e]).unwrap();
        assert!(out.contains("        image: \"b\" # pinned\n"), "{out}");
        let worker = pair_of(&doc, services(&doc), "worker").unwrap().value;
        let cmd = pair_of(&doc, worker, "command").unwrap();
        let e = replace_value(
            0,
            &file,
            &doc,
            cmd,
            &parse_entry("command:\n  - run\n  - worker\n").unwrap(),
        );
        let out = apply(FILE, &[&e]).unwrap();
        assert!(
            out.ends_with("        command:\n          - run\n          - worker\n"),
            "{out}"
        );
    }

    #[test]
    fn finds_missing_anchors() {
        let (_, doc) = setup(FILE);
        let entry =
            parse_entry("cron:\n  <<: *sentry_defaults\n  command: '\"0 0 * * * x\"'\n  d: *d\n")
                .unwrap();
        assert_eq!(missing_anchors(&entry, &doc), ["sentry_defaults"]);
    }

    #[test]
    fn insertion_at_the_end_of_a_file_without_final_newline() {
        let text = "services:\n  web:\n    image: a";
        let (file, doc) = setup(text);
        let entry = parse_entry("cron:\n  image: b\n").unwrap();
        let e = insert_entry(0, &file, &doc, services(&doc), &["web"], &[], &entry).unwrap();
        assert_eq!(
            apply(text, &[&e]).unwrap(),
            "services:\n  web:\n    image: a\n  cron:\n    image: b\n"
        );
    }
}
