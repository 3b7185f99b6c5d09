//! SL003: a compose value whose `$` interpolation compose refuses.

use std::collections::HashSet;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::INSTALL_SH_VARIABLES;
use crate::parse::interpolate::Fallback;
use crate::rules::helpers::scalar_span;
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL003",
    name: "invalid-interpolation",
    severity: Severity::Error,
    summary: "A compose value has a malformed `${...}` or a required variable that is unset",
    fix: FixAvailability::None,
    doc: include_str!("../../rules/SL003.md"),
    check,
};

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let install = ctx.install;
    let env_name = ctx
        .env_file()
        .map(|(f, _)| format!("`{}`", install.file(f).display))
        .unwrap_or_else(|| "the env file (there is none)".to_string());
    let mut broken = HashSet::new();
    for (at, text) in ctx.compose_scalars().iter().copied() {
        if !text.contains('$') {
            continue;
        }
        if let Some((offset, why)) = install.interpolate(text).error {
            broken.insert((at.file, at.node));
            out.push(ctx.diag(
                &RULE,
                at.file,
                scalar_span(install, at, offset, offset),
                why,
                "docker compose refuses the whole configuration (\"invalid interpolation format\"), \
                 so `docker compose up` and `./install.sh` stop before starting anything; \
                 write `$$` where a literal `$` is meant",
            ));
        }
    }
    // `${VAR:?message}` that compose evaluates, once per variable.
    let mut seen = HashSet::new();
    for (at, text, r) in ctx.compose_var_refs().iter().cloned() {
        let Fallback::Required { colon, message } = &r.fallback else {
            continue;
        };
        if broken.contains(&(at.file, at.node)) || INSTALL_SH_VARIABLES.contains(&r.name.as_str()) {
            continue;
        }
        let state = match install.var(&r.name) {
            None => "not set",
            Some("") if *colon => "empty",
            Some(_) => continue,
        };
        if !seen.insert(r.name.clone()) {
            continue;
        }
        let reason = if message.is_empty() {
            String::new()
        } else {
            format!(": {message}")
        };
        out.push(ctx.diag(
            &RULE,
            at.file,
            scalar_span(install, at, r.start, r.end),
            format!(
                "`{}` requires `{}`, which is {state} in {env_name}",
                &text[r.start..r.end],
                r.name
            ),
            format!(
                "docker compose refuses to start (\"required variable {} is missing a value{reason}\"); \
                 set `{}` in {env_name}, or give the reference a default with `${{{}:-value}}`",
                r.name, r.name, r.name
            ),
        ));
    }
}
