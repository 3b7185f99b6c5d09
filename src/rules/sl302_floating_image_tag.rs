//! SL302: a Sentry-built image on a moving tag, no tag, or a bare digest.

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::Fix;
use crate::kb::version::{Tag, split_image};
use crate::model::ReleaseSource;
use crate::rules::helpers::{ImageSite, tracks_release};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL302",
    name: "floating-image-tag",
    severity: Severity::Warning,
    summary: "A Sentry-built image follows a moving tag, has no tag, or is pinned by digest alone",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL302.md"),
    check,
};

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    for site in ctx.first_party_images() {
        let what = match &site.tag {
            Tag::Moving(t) => format!("follows the moving tag `{t}`"),
            Tag::Missing => "has no tag, so docker pulls `latest`".to_string(),
            Tag::Digest(_) => {
                "is pinned by digest alone, which does not say its release".to_string()
            }
            Tag::Release(_) | Tag::Other(_) => continue,
        };
        let used_by = site.used_by();
        let repo = split_image(&site.image).0.to_string();
        let mut help = String::from(if matches!(site.tag, Tag::Digest(_)) {
            "a digest does not move, but it hides which release the image is, so nothing checks it \
             against the other Sentry images (sha pins have installed development builds). "
        } else {
            "each pull can bring a build of another release than the other Sentry images, and mixed \
             releases fail far from the cause (`nightly` images made Session Replay \"not available\", \
             a Relay on `latest` stopped forwarding events). "
        });
        let mut fix = None;
        match ctx.view() {
            Some(view) if tracks_release(&view, site.var) => {
                let release = view.version;
                let pinned = format!("{repo}:{release}");
                help.push_str(&format!(
                    "Pin it to the install's release: `{pinned}`"
                ));
                let title = format!("Pin `{}` to {release}", site.repo);
                fix = if site.digest {
                    site.rewrite(ctx, &pinned).map(|e| {
                        Fix::unsafe_edits(
                            title,
                            "replaces the digest, which may pin a patched or mirrored build on purpose",
                            vec![e],
                        )
                    })
                } else {
                    site.retag(ctx, release).map(|e| Fix::safe(title, vec![e]))
                };
            }
            Some(view) => {
                // The release's own .env ships this tag (23.6.0 did for two images).
                let next = ctx.kb.releases.iter().find(|r| {
                    r.version > view.version
                        && r.env_fact(site.var)
                            .is_some_and(|f| f.tracking_prefix().is_some())
                });
                help.push_str(&format!(
                    "Upstream's {} `.env` ships this tag itself",
                    view.version
                ));
                match next {
                    Some(r) => help.push_str(&format!(
                        "; {} pins it to the release: upgrade to {} or later",
                        r.version, r.version
                    )),
                    None => help.push_str("; pin it to a release tag you have tested"),
                }
            }
            None => help.push_str(&format!(
                "Pin it to the self-hosted release the install runs, the tag the other Sentry images carry \
                 (`{repo}:<release>`)"
            )),
        }
        let (file, span) = site.location();
        let mut d = ctx.diag(
            &RULE,
            file,
            span,
            format!("`{}` {what}{used_by}", site.shown()),
            help,
        );
        if let Some(skew) = pinned_release_skew(ctx, site) {
            d.message.push_str(&skew.message);
            d.severity = skew.severity;
            d = d.with_label(skew.file, skew.span, skew.label);
        }
        // The same line written in several services is one finding.
        out.push(d.with_fix(fix).repeated(
            format!("`{}` {what}", site.shown()),
            format!("the same image here{used_by}"),
        ));
    }
}

/// What a moving tag means next to a Sentry image pinned to a release: the
/// two run different builds, the skew SL301 reports for release tags.
struct Skew {
    message: String,
    severity: Severity,
    file: crate::model::FileId,
    span: crate::source::Span,
    label: String,
}

fn pinned_release_skew(ctx: &Ctx, site: &ImageSite) -> Option<Skew> {
    let view = ctx.view()?;
    let Tag::Moving(tag) = &site.tag else {
        return None;
    };
    if site.repo == "getsentry/sentry" || !tracks_release(&view, site.var) {
        return None;
    }
    let (file, span, pinned_by) = match ctx.install.release.source {
        ReleaseSource::EnvImage { file, span } => (file, span, "`SENTRY_IMAGE` pins"),
        ReleaseSource::ComposeImage { file, span } => (file, span, "the Sentry image pins"),
        ReleaseSource::Configured | ReleaseSource::Unknown { .. } => return None,
    };
    let release = view.version;
    // `latest` is the newest release, which may be the pinned one today;
    // the development tags never are.
    let development = matches!(tag.as_str(), "nightly" | "edge" | "master" | "main");
    Some(Skew {
        message: format!(
            ", not release {release}, which {pinned_by}: {}",
            if development {
                "it runs a development build, skewed against Sentry"
            } else {
                "it moves to each new release while Sentry stays"
            }
        ),
        severity: if development {
            Severity::Error
        } else {
            Severity::Warning
        },
        file,
        span,
        label: format!("the install's release, {release}"),
    })
}
