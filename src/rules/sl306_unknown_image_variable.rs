//! SL306: an `*_IMAGE` variable nothing reads, spelt like one that matters.

use std::collections::BTreeSet;

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Fix, env_ops};
use crate::model::INSTALL_SH_VARIABLES;
use crate::rules::helpers::did_you_mean;
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL306",
    name: "unknown-image-variable",
    severity: Severity::Warning,
    summary: "An *_IMAGE variable that nothing reads looks like a misspelt image variable",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL306.md"),
    check,
};

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some((file, env)) = ctx.env_file().filter(|_| ctx.install.compose_complete()) else {
        return;
    };
    let known: BTreeSet<&str> = ctx
        .kb
        .releases
        .iter()
        .flat_map(|r| r.env.iter().map(|e| e.key))
        .filter(|k| k.ends_with("_IMAGE"))
        .collect();
    let mut seen = BTreeSet::new();
    for entry in env.entries.iter().rev() {
        let key = entry.key.as_str();
        if !key.ends_with("_IMAGE")
            || !seen.insert(key)
            || known.contains(key)
            || INSTALL_SH_VARIABLES.contains(&key)
            || ctx.compose_uses_variable(key)
        {
            continue;
        }
        // Without a close known name it is more likely a variable of the operator's own scripts.
        let Some(meant) = did_you_mean(key, known.iter().copied()) else {
            continue;
        };
        let other = env.get(meant);
        let (help, fix) = match other {
            Some(_) => (
                format!(
                    "no compose file and no install script reads `{key}`, so `{meant}` keeps its own value and \
                     an upgrade that bumps this line skips that component. `{meant}` is set too: keep the \
                     right value there and delete this line"
                ),
                None,
            ),
            None => (
                format!(
                    "no compose file and no install script reads `{key}`, and `{meant}` is not set at all, so \
                     what reads it gets an empty value or its default. Rename it to `{meant}`"
                ),
                Some(Fix::safe(
                    format!("Rename `{key}` to `{meant}`"),
                    vec![env_ops::rename_key(file, entry, meant)],
                )),
            ),
        };
        let mut d = ctx.diag(
            &RULE,
            file,
            entry.key_span,
            format!("`{key}` is read by nothing; did you mean `{meant}`?"),
            help,
        );
        if let Some(o) = other {
            d = d.with_label(file, o.key_span, format!("`{meant}` is set here"));
        }
        out.push(d.with_fix(fix));
    }
}
