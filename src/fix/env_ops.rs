//! Edits to `.env` files, line by line.

use crate::fix::Edit;
use crate::model::FileId;
use crate::parse::env::{EnvEntry, EnvFile, Quote};
use crate::source::{SourceFile, Span};

/// Replaces an entry's value, keeping its quoting.
pub fn set_value(file_id: FileId, entry: &EnvEntry, value: &str) -> Edit {
    let text = match entry.quote {
        Quote::None => value.to_string(),
        Quote::Single => format!("'{value}'"),
        Quote::Double => format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\"")),
    };
    Edit::replace(file_id, entry.value_span, text)
}

/// The lines of an entry: comment lines directly above it and its own line.
pub fn entry_lines(file: &SourceFile, entry: &EnvEntry) -> Span {
    let line = file.line_index(entry.line_span.start as usize);
    let mut first = line;
    while first > 0 && file.line_text(first - 1).trim_start().starts_with('#') {
        first -= 1;
    }
    Span::new(file.line_start(first), file.line_end_with_break(line))
}

pub fn remove_entry(
    file_id: FileId,
    file: &SourceFile,
    entry: &EnvEntry,
    with_comments: bool,
) -> Edit {
    let span = if with_comments {
        entry_lines(file, entry)
    } else {
        let line = file.line_index(entry.line_span.start as usize);
        Span::new(file.line_start(line), file.line_end_with_break(line))
    };
    Edit::delete(file_id, span)
}

/// Inserts `KEY=value` (after `comment` lines) after the last entry of the
/// first key in `after` that the file has, or at the end.
pub fn insert_entry(
    file_id: FileId,
    file: &SourceFile,
    env: &EnvFile,
    after: &[&str],
    key: &str,
    value: &str,
    comment: &str,
) -> Edit {
    let nl = file.newline();
    let mut text = String::new();
    for line in comment.lines() {
        text.push_str(line);
        text.push_str(nl);
    }
    text.push_str(&format!("{key}={value}{nl}"));
    let at = after
        .iter()
        .find_map(|k| env.get(k))
        .map(|e| file.line_end_with_break(file.line_index(e.line_span.start as usize)))
        .unwrap_or(file.text.len());
    if at == file.text.len() && !file.text.is_empty() && !file.text.ends_with('\n') {
        text.insert_str(0, nl);
    }
    Edit::insert(file_id, at, text)
}

/// Renames an entry's key, keeping its value, quoting and comments.
pub fn rename_key(file_id: FileId, entry: &EnvEntry, key: &str) -> Edit {
    Edit::replace(file_id, entry.key_span, key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::apply;
    use crate::parse::env::parse;
    use crate::source::FileKind;

    #[test]
    fn set_insert_remove() {
        let text = "A=1\n# about B\nB=\"two\"\nC=3";
        let file = SourceFile::new("e".into(), "e".into(), FileKind::Env, text.into(), false);
        let env = parse(text);
        let set = set_value(0, env.get("B").unwrap(), "2");
        let ins = insert_entry(0, &file, &env, &["A"], "X", "9", "# new\n");
        let end = insert_entry(0, &file, &env, &["NOPE"], "Z", "0", "");
        assert_eq!(
            apply(text, &[&set, &ins, &end]).unwrap(),
            "A=1\n# new\nX=9\n# about B\nB=\"2\"\nC=3\nZ=0\n"
        );
        let rm = remove_entry(0, &file, env.get("B").unwrap(), true);
        assert_eq!(apply(text, &[&rm]).unwrap(), "A=1\nC=3");
    }

    #[test]
    fn rename_keeps_the_value() {
        let text = "export NUBA_IMAGE = 'getsentry/snuba:24.1.0' # typo\n";
        let env = parse(text);
        let e = rename_key(0, env.get("NUBA_IMAGE").unwrap(), "SNUBA_IMAGE");
        assert_eq!(
            apply(text, &[&e]).unwrap(),
            "export SNUBA_IMAGE = 'getsentry/snuba:24.1.0' # typo\n"
        );
    }
}
