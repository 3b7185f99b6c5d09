//! SL301: a Sentry-built image on another release than the install's.

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::Fix;
use crate::kb::version::Tag;
use crate::model::ReleaseSource;
use crate::rules::helpers::tracks_release;
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL301",
    name: "image-version-skew",
    severity: Severity::Error,
    summary: "A Sentry-built image is pinned to another release than the install's",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL301.md"),
    check,
};

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some(view) = ctx.view() else {
        return;
    };
    let release = view.version;
    for site in ctx.first_party_images() {
        let Tag::Release(v) = site.tag else {
            continue;
        };
        // 23.6.0 shipped `:nightly` for two images: no fact to judge them by.
        if v == release || !tracks_release(&view, site.var) {
            continue;
        }
        let wanted = format!(
            "{}:{release}",
            crate::kb::version::split_image(&site.image).0
        );
        let used_by = site.used_by();
        let message = format!(
            "`{}` runs release {v}, but the install is on {release}{used_by}",
            site.shown()
        );
        let mut help = format!(
            "every self-hosted release pins sentry, snuba, relay, symbolicator and vroom to the same version, \
             and they are only released and tested together; mixed versions fail far from the cause \
             (Relay silently stops forwarding, `No module named 'pymemcache'`, missing Snuba settings). \
             Set it to `{wanted}`"
        );
        if site.digest {
            help.push_str(" and drop or update the digest, which pins the old build");
        }
        let (file, span) = site.location();
        let mut d = ctx.diag(&RULE, file, span, message, help);
        match ctx.install.release.source {
            ReleaseSource::EnvImage { file, span } | ReleaseSource::ComposeImage { file, span } => {
                d = d.with_label(file, span, format!("the install's release, {release}"));
            }
            ReleaseSource::Configured => {
                d.help.push_str(&format!(
                    " (the release {release} is configured with `--sentry-version`)"
                ));
            }
            ReleaseSource::Unknown { .. } => {}
        }
        let fix = site
            .retag(ctx, release)
            .map(|e| Fix::safe(format!("Pin `{}` to {release}", site.repo), vec![e]));
        // The same line written in several services is one finding.
        out.push(
            d.with_fix(fix)
                .repeated(site.shown(), format!("the same image here{used_by}")),
        );
    }
}
