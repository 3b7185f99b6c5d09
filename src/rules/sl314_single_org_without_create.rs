//! SL314: multi-organization mode while creating organizations is switched off.

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Fix, py_ops};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL314",
    name: "single-org-without-create",
    severity: Severity::Warning,
    summary: "Multi-organization mode is on but nobody may create an organization",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL314.md"),
    check,
};

const FLAG: &str = "organizations:create";

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some((file, conf)) = ctx.pyconf() else {
        return;
    };
    let Some(single) = conf.setting("SENTRY_SINGLE_ORGANIZATION") else {
        return;
    };
    if single.conditional || single.value.as_bool() != Some(false) {
        return;
    }
    // An absent flag keeps Sentry's default, which enables it.
    let Some(create) = conf.feature(FLAG) else {
        return;
    };
    if create.conditional || create.enabled != Some(false) {
        return;
    }
    // Only `SENTRY_FEATURES["organizations:create"] = False` is flipped: in a
    // comprehension the `False` holds for every flag of the list.
    let fix = conf
        .item("SENTRY_FEATURES", FLAG)
        .filter(|a| a.stmt_span == create.stmt_span)
        .map(|a| {
            Fix::unsafe_edits(
                format!("Enable `{FLAG}`"),
                "lets every member create organizations; keep it off if that is what you want",
                vec![py_ops::replace_expr(file, a.value.span, "True")],
            )
        });
    out.push(
        ctx.diag(
            &RULE,
            file,
            create.span,
            format!("`{FLAG}` is off while `SENTRY_SINGLE_ORGANIZATION = False`: nobody can create an organization"),
            "Multi-organization mode only helps if organizations can be created: Sentry hides \
             \"Create organization\" and /organizations/new/ answers \"Organizations are not allowed \
             to be created by this user\". Remove the `False` (the flag is on by default), or set \
             `SENTRY_SINGLE_ORGANIZATION = True` if one organization is meant \
             (self-hosted#641, #2521, sentry#21008)",
        )
        .with_label(file, single.value.span, "multi-organization mode set here")
        .with_fix(fix),
    );
}
