//! SL372: `SENTRY_RELAY_OPEN_REGISTRATION = True` lets any Relay register.

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Fix, py_ops};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL372",
    name: "relay-open-registration",
    severity: Severity::Warning,
    summary: "`SENTRY_RELAY_OPEN_REGISTRATION = True` lets any Relay that reaches Sentry register",
    fix: FixAvailability::Always,
    doc: include_str!("../../rules/SL372.md"),
    check,
};

const SETTING: &str = "SENTRY_RELAY_OPEN_REGISTRATION";

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some((file, conf)) = ctx.pyconf() else {
        return;
    };
    let Some(a) = conf.setting(SETTING) else {
        return;
    };
    // Under an `if`, the value that runs cannot be told.
    if a.conditional || a.value.as_bool() != Some(true) {
        return;
    }
    let fix = Fix::unsafe_edits(
        format!("Set `{SETTING} = False`"),
        "a Relay outside the stack that registers today (a second Relay on another host) is \
         refused until its public key is added to `SENTRY_RELAY_WHITELIST_PK`",
        vec![py_ops::replace_expr(file, a.value.span, "False")],
    );
    out.push(
        ctx.diag(
            &RULE,
            file,
            a.stmt_span,
            format!("`{SETTING} = True` lets any Relay register with this Sentry"),
            "Sentry's relay registration endpoint refuses a Relay unless it is internal (its \
             address is in `INTERNAL_SYSTEM_IPS`, the Docker network in upstream's sentry.conf.py, \
             or its key is in `SENTRY_RELAY_WHITELIST_PK`) or this setting is True. Self-hosted's \
             own Relay is internal by its address, so the setting only admits Relays from \
             elsewhere: anyone who reaches the web port can register one and call the Relay API. \
             Remove it or set it to False (Sentry's default), and list the keys of any outside \
             Relay in `SENTRY_RELAY_WHITELIST_PK`",
        )
        .with_fix(Some(fix)),
    );
}
