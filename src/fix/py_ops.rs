//! Edits to `sentry/sentry.conf.py`: adding feature flags to the example's
//! `SENTRY_FEATURES.update(...)` list, adding statements, replacing values.

use crate::fix::Edit;
use crate::model::FileId;
use crate::parse::pyconf::PyConf;
use crate::source::{SourceFile, Span};

/// Adds `flag` to the enabling feature list, after the first of `after` that
/// the list has (else last); without such a list, appends an assignment.
pub fn add_feature(
    file_id: FileId,
    file: &SourceFile,
    conf: &PyConf,
    flag: &str,
    after: &[&str],
) -> Edit {
    let nl = file.newline();
    let lists: Vec<_> = conf
        .feature_lists
        .iter()
        .filter(|l| l.enabled == Some(true) && !l.items.is_empty())
        .collect();
    if !lists.is_empty() {
        let item_named = |name: &str| {
            lists
                .iter()
                .flat_map(|l| l.items.iter().map(move |s| (*l, *s)))
                .find(|(_, s)| file.slice(*s).trim_matches(['"', '\'']) == name)
        };
        let (list, anchor) = after.iter().find_map(|a| item_named(a)).unwrap_or_else(|| {
            let l = lists[0];
            (l, *l.items.last().unwrap_or(&l.span))
        });
        let quote = file
            .slice(anchor)
            .chars()
            .next()
            .filter(|c| *c == '\'' || *c == '"')
            .unwrap_or('"');
        let anchor_line = file.line_index(anchor.start as usize);
        let list_one_line =
            file.line_index(list.span.start as usize) == file.line_index(list.span.end as usize);
        if list_one_line {
            return Edit::insert(
                file_id,
                anchor.end as usize,
                format!(", {quote}{flag}{quote}"),
            );
        }
        // One item per line: copy the anchor line's indentation.
        let indent: String = file
            .line_text(anchor_line)
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect();
        let at = file.line_end_with_break(anchor_line);
        let mut text = format!("{indent}{quote}{flag}{quote},{nl}");
        // The anchor line may lack a trailing comma (the last item).
        let rest = &file.text[anchor.end as usize..file.line_end(anchor_line)];
        if !rest.trim_start().starts_with(',') {
            return Edit::insert(
                file_id,
                anchor.end as usize,
                format!(",{nl}{indent}{quote}{flag}{quote}"),
            );
        }
        if at == file.text.len() && !file.text.ends_with('\n') {
            text.insert_str(0, nl);
        }
        return Edit::insert(file_id, at, text);
    }
    append_statement(
        file_id,
        file,
        &format!("SENTRY_FEATURES[\"{flag}\"] = True{nl}"),
    )
}

/// Appends statements at the end of the file, after a blank line.
pub fn append_statement(file_id: FileId, file: &SourceFile, text: &str) -> Edit {
    let nl = file.newline();
    let mut prefix = String::new();
    if !file.text.is_empty() && !file.text.ends_with('\n') {
        prefix.push_str(nl);
    }
    if !file.text.is_empty() && !file.text.ends_with(&format!("{nl}{nl}")) {
        prefix.push_str(nl);
    }
    Edit::insert(
        file_id,
        file.text.len(),
        format!("{prefix}{}", text.replace('\n', nl).replace("\r\r", "\r")),
    )
}

/// Inserts statements right after the statement at `after` (its whole last line).
pub fn insert_after(file_id: FileId, file: &SourceFile, after: Span, text: &str) -> Edit {
    let nl = file.newline();
    let line = file.line_index(after.end.saturating_sub(1).max(after.start) as usize);
    let at = file.line_end_with_break(line);
    let mut body = text.replace('\n', nl).replace("\r\r", "\r");
    if at == file.text.len() && !file.text.ends_with('\n') {
        body.insert_str(0, nl);
    }
    Edit::insert(file_id, at, body)
}

/// Replaces a plain string literal (`"..."`, `'...'`, with an `r`/`u`
/// prefix) by one holding `value`, in the same quotes. `None` when the
/// literal is not one plain string (concatenated, triple-quoted, f-string,
/// escapes) or `value` would need escaping.
pub fn replace_string(
    file_id: FileId,
    file: &SourceFile,
    literal: Span,
    value: &str,
) -> Option<Edit> {
    let text = file.slice(literal);
    let prefix_len = text.find(['"', '\'']).unwrap_or(text.len());
    let (prefix, quoted) = text.split_at(prefix_len);
    if !prefix.chars().all(|c| matches!(c, 'r' | 'R' | 'u' | 'U')) {
        return None;
    }
    let quote = quoted.chars().next()?;
    let inner = quoted.strip_prefix(quote)?.strip_suffix(quote)?;
    let plain = |s: &str| !s.contains([quote, '\\', '\n', '\r']);
    if !plain(inner) || !plain(value) {
        return None;
    }
    Some(Edit::replace(
        file_id,
        literal,
        format!("{prefix}{quote}{value}{quote}"),
    ))
}

/// Deletes a statement with its whole lines, when it has them to itself
/// (nothing but blanks before it and blanks or a comment after it).
pub fn remove_statement(file_id: FileId, file: &SourceFile, stmt: Span) -> Option<Edit> {
    let first = file.line_index(stmt.start as usize);
    let last = file.line_index(stmt.end.saturating_sub(1).max(stmt.start) as usize);
    let before = &file.text[file.line_start(first)..stmt.start as usize];
    let after = file.text[stmt.end as usize..file.line_end(last)].trim_start();
    if !before.trim().is_empty() || !(after.is_empty() || after.starts_with('#')) {
        return None;
    }
    Some(Edit::delete(
        file_id,
        Span::new(file.line_start(first), file.line_end_with_break(last)),
    ))
}

/// Replaces an expression (a value, a dict literal) with `text`.
pub fn replace_expr(file_id: FileId, expr: Span, text: &str) -> Edit {
    Edit::replace(file_id, expr, text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::apply;
    use crate::parse::pyconf::parse;
    use crate::source::FileKind;

    fn f(text: &str) -> SourceFile {
        SourceFile::new(
            "p".into(),
            "p".into(),
            FileKind::SentryConfPy,
            text.into(),
            false,
        )
    }

    #[test]
    fn adds_flags_where_the_example_has_them() {
        let text = "SENTRY_FEATURES.update(\n    {\n        feature: True\n        for feature in (\n            \"organizations:a\",\n            \"organizations:c\",\n        )\n    }\n)\n";
        let file = f(text);
        let conf = parse(text);
        let e = add_feature(0, &file, &conf, "organizations:b", &["organizations:a"]);
        let out = apply(text, &[&e]).unwrap();
        assert!(out.contains("\"organizations:a\",\n            \"organizations:b\",\n            \"organizations:c\","), "{out}");
        let again = parse(&out);
        assert!(again.feature("organizations:b").is_some());
    }

    #[test]
    fn strings_are_replaced_in_their_own_quotes() {
        let text = "A = 'x'\nB = r\"y\"\nC = \"a\" \"b\"\nD = '''z'''\n";
        let file = f(text);
        let conf = parse(text);
        let lit = |n: &str| conf.setting(n).unwrap().value.span;
        let a = replace_string(0, &file, lit("A"), "new").unwrap();
        let b = replace_string(0, &file, lit("B"), "new").unwrap();
        assert_eq!(
            apply(text, &[&a, &b]).unwrap(),
            "A = 'new'\nB = r\"new\"\nC = \"a\" \"b\"\nD = '''z'''\n"
        );
        assert!(replace_string(0, &file, lit("C"), "new").is_none());
        assert!(replace_string(0, &file, lit("D"), "new").is_none());
        assert!(replace_string(0, &file, lit("A"), "it's").is_none());
    }

    #[test]
    fn one_line_lists_and_missing_lists() {
        let text = "SENTRY_FEATURES.update({f: True for f in ('a', 'b')})\n";
        let out = apply(
            text,
            &[&add_feature(0, &f(text), &parse(text), "c", &["b"])],
        )
        .unwrap();
        assert_eq!(
            out,
            "SENTRY_FEATURES.update({f: True for f in ('a', 'b', 'c')})\n"
        );
        let text = "X = 1";
        let out = apply(text, &[&add_feature(0, &f(text), &parse(text), "c", &[])]).unwrap();
        assert_eq!(out, "X = 1\n\nSENTRY_FEATURES[\"c\"] = True\n");
    }
}
