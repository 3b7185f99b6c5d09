//! SL004: docker-compose.override.yml aliases an anchor it does not define.

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Edit, Fix, yaml_ops};
use crate::model::FileId;
use crate::parse::yaml::{NodeId, NodeKind, Pair, YamlDoc};
use crate::rules::helpers::did_you_mean;
use crate::rules::{Ctx, FixAvailability, Rule};
use crate::source::{FileKind, Span};

pub const RULE: Rule = Rule {
    code: "SL004",
    name: "override-base-anchor",
    severity: Severity::Error,
    summary: "docker-compose.override.yml uses an anchor that only docker-compose.yml defines",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL004.md"),
    check,
};

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some((ofile, odoc)) = ctx.install.compose_doc(FileKind::ComposeOverride) else {
        return;
    };
    // Unknown aliases, by name, in the order they first appear.
    let mut uses: Vec<(&str, Vec<Span>)> = Vec::new();
    let mut aliases: Vec<(&str, Span)> = odoc
        .nodes
        .iter()
        .filter_map(|n| match &n.kind {
            NodeKind::Alias { name, target: None } => Some((name.as_str(), n.span)),
            _ => None,
        })
        .collect();
    aliases.sort_by_key(|(_, s)| s.start);
    for (name, span) in aliases {
        match uses.iter_mut().find(|(n, _)| *n == name) {
            Some((_, spans)) => spans.push(span),
            None => uses.push((name, vec![span])),
        }
    }
    if uses.is_empty() {
        return;
    }
    let base = ctx.compose_file();
    let in_base = |name: &str| base.is_some_and(|(_, d)| d.anchors.contains_key(name));
    let from_base: Vec<&str> = uses
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| in_base(n))
        .collect();
    let mut fix = base.and_then(|b| copy_anchors(ctx, b, (ofile, odoc), &from_base));
    for (name, spans) in &uses {
        let more = match spans.len() {
            1 => String::new(),
            2 => " (and once more in this file)".to_string(),
            n => format!(" (and {} more times in this file)", n - 1),
        };
        let (message, help) = if let Some((_, bdoc)) = base.filter(|_| in_base(name)) {
            let block = bdoc
                .anchors
                .get(*name)
                .and_then(|&n| top_entry(bdoc, n))
                .and_then(|p| bdoc.scalar(p.key))
                .unwrap_or("");
            let what = if block.starts_with("x-") {
                format!(
                    "copy the `{block}` block that defines `&{name}` (and the blocks it aliases) \
                     to the top of docker-compose.override.yml"
                )
            } else {
                format!(
                    "`&{name}` is set inside `{block}` there, so write the values it holds into \
                     the override (or move them to an `x-*` block with its own anchor in both files)"
                )
            };
            (
                format!("`*{name}` uses an anchor that only docker-compose.yml defines{more}"),
                format!(
                    "docker compose parses each file on its own before merging them, so it stops with \
                     \"yaml: unknown anchor '{name}' referenced\" and nothing starts; anchors never \
                     cross files: {what}"
                ),
            )
        } else {
            let known = base
                .iter()
                .flat_map(|(_, d)| d.anchors.keys())
                .chain(odoc.anchors.keys())
                .map(String::as_str);
            let hint = match did_you_mean(name, known) {
                Some(s) => format!(" (did you mean `*{s}`?)"),
                None => String::new(),
            };
            (
                format!("`*{name}` uses an anchor that no compose file defines{more}"),
                format!(
                    "docker compose stops with \"yaml: unknown anchor '{name}' referenced\" and \
                     nothing starts; fix the name{hint}, or define `&{name}` earlier in \
                     docker-compose.override.yml"
                ),
            )
        };
        let d = ctx.diag(&RULE, ofile, spans[0], message, help);
        // One fix copies every anchor, on the first finding it resolves.
        let d = if in_base(name) {
            d.with_fix(fix.take())
        } else {
            d
        };
        out.push(d);
    }
}

/// Copies the base file's top-level `x-*` entries defining `names`, and
/// those their own aliases need, to the top of the override.
fn copy_anchors(
    ctx: &Ctx,
    (bfile, bdoc): (FileId, &YamlDoc),
    (ofile, odoc): (FileId, &YamlDoc),
    names: &[&str],
) -> Option<Fix> {
    if names.is_empty() {
        return None;
    }
    let bsrc = ctx.install.file(bfile);
    let osrc = ctx.install.file(ofile);
    let top = match &bdoc.node(bdoc.root?).kind {
        NodeKind::Map { pairs, flow: false } => pairs,
        _ => return None,
    };
    let entry_of = |node: NodeId| -> Option<usize> {
        let pair = top_entry(bdoc, node)?;
        let i = top.iter().position(|p| *p == pair)?;
        bdoc.scalar(pair.key)
            .is_some_and(|k| k.starts_with("x-"))
            .then_some(i)
    };
    let mut wanted: Vec<usize> = Vec::new();
    let mut queue: Vec<usize> = Vec::new();
    for name in names {
        queue.push(entry_of(*bdoc.anchors.get(*name)?)?);
    }
    while let Some(i) = queue.pop() {
        if wanted.contains(&i) {
            continue;
        }
        wanted.push(i);
        let span = bdoc.full_span(top[i].value);
        for n in &bdoc.nodes {
            if let NodeKind::Alias { target, .. } = &n.kind
                && span.contains(n.span)
            {
                queue.push(entry_of((*target)?)?);
            }
        }
    }
    wanted.sort();
    // The override must not already have these keys or anchors.
    let oroot = odoc.root?;
    let first = *odoc.pairs(oroot).first()?;
    if yaml_ops::map_column(osrc, odoc, oroot) != Some(0) {
        return None;
    }
    let mut keys = Vec::new();
    for &i in &wanted {
        let key = bdoc.scalar(top[i].key)?;
        let lines = yaml_ops::entry_lines(bsrc, bdoc, top[i]);
        let defines_known = bdoc.nodes.iter().any(|n| {
            n.anchor
                .as_ref()
                .is_some_and(|(a, s)| lines.contains(*s) && odoc.anchors.contains_key(a))
        });
        if odoc.get(oroot, key).is_some() || defines_known {
            return None;
        }
        keys.push(key);
    }
    let nl = osrc.newline();
    let (from, to) = (
        yaml_ops::indent_unit(bsrc, bdoc),
        yaml_ops::indent_unit(osrc, odoc),
    );
    let mut text = format!(
        "# Copied from docker-compose.yml: compose reads each file on its own,{nl}\
         # so the anchors this file uses must be defined here too.{nl}"
    );
    for &i in &wanted {
        let lines = yaml_ops::entry_lines(bsrc, bdoc, top[i]);
        text.push_str(&reindent(bsrc.slice(lines), from, to, nl));
    }
    // After the file's leading comments, right before its first key.
    let key_start = odoc.full_span(first.key).start as usize;
    let at = osrc.line_start(osrc.line_index(key_start));
    let shown: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
    Some(Fix::safe(
        format!(
            "Copy {} from docker-compose.yml to the top of docker-compose.override.yml",
            shown.join(", ")
        ),
        vec![Edit::insert(ofile, at, text)],
    ))
}

/// The top-level entry of a block mapping document that holds `node`.
fn top_entry(doc: &YamlDoc, node: NodeId) -> Option<Pair> {
    let span = doc.node(node).span;
    doc.pairs(doc.root?)
        .iter()
        .find(|p| doc.full_span(p.value).contains(span))
        .copied()
}

/// Re-indents YAML lines from one indentation step to another.
fn reindent(text: &str, from: usize, to: usize, nl: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let n = line.len() - line.trim_start_matches(' ').len();
        let indent = n / from.max(1) * to + n % from.max(1);
        out.push_str(&" ".repeat(indent));
        out.push_str(&line[n..]);
        out.push_str(nl);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::reindent;

    #[test]
    fn reindents_by_steps() {
        assert_eq!(
            reindent("x: &a\n  b:\n    - c\n", 2, 4, "\n"),
            "x: &a\n    b:\n        - c\n"
        );
        assert_eq!(reindent("x:\r\n   y: 1\r\n", 2, 2, "\n"), "x:\n   y: 1\n");
    }
}
