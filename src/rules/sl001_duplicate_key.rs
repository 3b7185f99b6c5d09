//! SL001: a key written twice in the same YAML mapping.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL001",
    name: "duplicate-key",
    severity: Severity::Error,
    summary: "A YAML mapping sets the same key twice",
    fix: FixAvailability::None,
    doc: include_str!("../../rules/SL001.md"),
    check,
};

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let docs = ctx
        .install
        .compose_docs
        .iter()
        .map(|(f, d)| (*f, d))
        .chain(ctx.config_yml());
    for (file, doc) in docs {
        for &(first, repeat) in &doc.duplicates {
            let key = doc.scalar(repeat).unwrap_or("");
            let d = ctx
                .diag(
                    &RULE,
                    file,
                    doc.node(repeat).span,
                    format!("`{key}` is set twice in the same mapping"),
                    "docker compose refuses a file with a repeated key (\"mapping key already defined\"), \
                     and Sentry's config loader keeps only one of them; merge the two entries into one",
                )
                .with_label(file, doc.node(first).span, "first set here");
            out.push(d);
        }
    }
}
