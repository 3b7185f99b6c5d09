//! SL307: the install's release cannot be told, or sentrylint does not know it.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::ReleaseSource;
use crate::rules::helpers::release_location;
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL307",
    name: "release-unknown",
    severity: Severity::Info,
    summary: "The install's Sentry release cannot be told or is outside the knowledge base",
    fix: FixAvailability::None,
    doc: include_str!("../../rules/SL307.md"),
    check,
};

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let release = &ctx.install.release;
    let (first, last) = (ctx.kb.first().version, ctx.kb.last().version);
    let (message, help) = match (&release.source, release.version) {
        (ReleaseSource::Unknown { reason }, _) => (
            format!("the install's Sentry release cannot be told: {reason}"),
            format!(
                "rules that depend on the release (services, commands, image versions and settings of that \
                 release) are skipped. Pin `SENTRY_IMAGE` to a release tag, e.g. \
                 `SENTRY_IMAGE=getsentry/sentry:{last}`, or give the release with `--sentry-version {last}`"
            ),
        ),
        (_, Some(v)) if ctx.view().is_none() => (
            format!("Sentry `{v}` is outside the releases sentrylint knows ({first} to {last})"),
            format!(
                "rules that depend on the release (services, commands, image versions and settings of that \
                 release) are skipped. If the install runs another release than this says, give it with \
                 `--sentry-version`; otherwise only a sentrylint that knows {v} can check it"
            ),
        ),
        _ => return,
    };
    let at = release_location(ctx);
    let Some((file, span)) = at else {
        return;
    };
    out.push(ctx.diag(&RULE, file, span, message, help));
}
