//! SL340: compose references a variable the env file does not set.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::INSTALL_SH_VARIABLES;
use crate::model::compose::Origin;
use crate::parse::interpolate::{Fallback, VarRef};
use crate::rules::helpers::scalar_span;
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL340",
    name: "undefined-variable",
    severity: Severity::Warning,
    summary: "Compose uses a `$VARIABLE` without default that the env file does not set",
    fix: FixAvailability::None,
    doc: include_str!("../../rules/SL340.md"),
    check,
};

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let install = ctx.install;
    let Some((env_file, _)) = ctx.env_file() else {
        return;
    };
    let env_name = &install.file(env_file).display;
    // Each variable's first reference and how many there are.
    let mut found: Vec<(Origin, VarRef, usize)> = Vec::new();
    for (at, _, r) in ctx.compose_var_refs().iter().cloned() {
        if r.fallback != Fallback::None
            || install.var(&r.name).is_some()
            || INSTALL_SH_VARIABLES.contains(&r.name.as_str())
        {
            continue;
        }
        match found.iter_mut().find(|(_, f, _)| f.name == r.name) {
            Some((_, _, n)) => *n += 1,
            None => found.push((at, r, 1)),
        }
    }
    for (at, r, n) in found {
        let name = &r.name;
        let uses = match n {
            1 => "it".to_string(),
            2 => "both references".to_string(),
            n => format!("all {n} references"),
        };
        let mut help = format!(
            "compose only prints a warning (`The \"{name}\" variable is not set. Defaulting to a \
             blank string.`) and goes on with an empty value, which breaks what the value configures (an image \
             without a name, a port, a command argument); install.sh exports only {}. Set \
             `{name}` in `{env_name}`, or give the reference a default: `${{{name}:-value}}`",
            INSTALL_SH_VARIABLES
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if install.env_custom.as_ref().map(|(f, _)| *f) == Some(env_file)
            && install
                .dotenv
                .as_ref()
                .is_some_and(|(_, e)| e.get(name).is_some())
        {
            help.push_str(
                ". `.env` sets it, but with `.env.custom` present install.sh and \
                 `--env-file .env.custom` read only `.env.custom`",
            );
        }
        out.push(ctx.diag(
            &RULE,
            at.file,
            scalar_span(install, at, r.start, r.end),
            format!("`{name}` is not set in `{env_name}`, so compose substitutes an empty string for {uses}"),
            help,
        ));
    }
}
