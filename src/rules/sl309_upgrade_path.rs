//! SL309: the way from the install's release to the target release.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::helpers::{quoted_list, release_location};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL309",
    name: "upgrade-path",
    severity: Severity::Info,
    summary: "The upgrade to the target release crosses hard stops, lands on a release to avoid, or goes back",
    fix: FixAvailability::None,
    doc: include_str!("../../rules/SL309.md"),
    check,
};

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let (Some(view), Some(target)) = (ctx.view(), ctx.target) else {
        return;
    };
    let Some((file, span)) = release_location(ctx) else {
        return;
    };
    let (from, to) = (view.version, target.version);
    if to < from {
        let mut d = ctx.diag(
            &RULE,
            file,
            span,
            format!("the target release `{to}` is older than the install's release `{from}`"),
            format!(
                "self-hosted does not support downgrades: `sentry upgrade` has already migrated the database \
                 for {from}, and {to} does not migrate it back. Pick a target at or after {from}, or restore a \
                 backup taken before the upgrade"
            ),
        );
        d.severity = Severity::Warning;
        out.push(d);
        return;
    }
    if let Some((r, why)) = target.exact().and_then(|r| r.avoid.map(|why| (r, why))) {
        let next = ctx
            .kb
            .releases
            .iter()
            .find(|n| n.version > r.version && n.avoid.is_none())
            .map(|n| format!("; target {} instead", n.version))
            .unwrap_or_default();
        let mut d = ctx.diag(
            &RULE,
            file,
            span,
            format!("the target release `{to}` is one the self-hosted docs say to avoid"),
            format!("the docs list {to} among the releases not to deploy ({why}){next}"),
        );
        d.severity = Severity::Warning;
        out.push(d);
    }
    let stops: Vec<String> = ctx
        .kb
        .releases
        .iter()
        .filter(|r| r.hard_stop && from < r.version && r.version < to)
        .map(|r| r.version.to_string())
        .collect();
    if stops.is_empty() {
        return;
    }
    let path: Vec<String> = std::iter::once(from.to_string())
        .chain(stops.iter().cloned())
        .chain(std::iter::once(to.to_string()))
        .collect();
    let (noun, verb) = if stops.len() == 1 {
        ("hard stop", "it first")
    } else {
        ("hard stops", "them in turn")
    };
    out.push(ctx.diag(
        &RULE,
        file,
        span,
        format!(
            "upgrading from `{from}` to `{to}` crosses the {noun} {}",
            quoted_list(&stops)
        ),
        format!(
            "`sentry upgrade` refuses to migrate past a hard stop that was skipped (\"It looks like you've \
             skipped a hard stop\"), and only says so after the old containers are down. Deploy {verb}, \
             running ./install.sh at each tag: {}. `sentrylint plan --to {to}` lists the steps",
            path.join(" -> ")
        ),
    ));
}
