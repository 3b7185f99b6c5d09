//! SL321: `CSRF_TRUSTED_ORIGINS` entries Django 4 cannot match.

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Fix, py_ops};
use crate::kb::version::Version;
use crate::parse::pyconf::ExprKind;
use crate::rules::helpers::{Url, parse_url, sentry_option};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL321",
    name: "csrf-trusted-origin-invalid",
    severity: Severity::Error,
    summary: "CSRF_TRUSTED_ORIGINS has entries without a scheme or lacks the url-prefix origin",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL321.md"),
    check,
};

const SETTING: &str = "CSRF_TRUSTED_ORIGINS";
/// Sentry runs Django 4 from this release: origins need a scheme.
const DJANGO_4: Version = Version::new(24, 1, 0);
const REFS: &str = "self-hosted#2878, #2735";

/// Whether an entry of the list admits `origin` (Django 4: `scheme://host[:port]`,
/// with `*.` standing for any subdomain).
fn admits(entry: &Url, origin: &Url) -> bool {
    if let Some(domain) = entry.host.strip_prefix('*') {
        let with_host = |u: &Url| Url { host: "", ..*u }.origin();
        return with_host(entry) == with_host(origin)
            && origin
                .host
                .to_ascii_lowercase()
                .ends_with(&domain.to_ascii_lowercase());
    }
    entry.origin() == origin.origin()
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let (Some(view), Some((file, conf))) = (ctx.view(), ctx.pyconf()) else {
        return;
    };
    if view.lower.version < DJANGO_4 {
        return;
    }
    let Some(a) = conf.setting(SETTING) else {
        return;
    };
    // Built at run time (from env, by concatenation): unknown here.
    if !matches!(a.value.kind, ExprKind::List(_) | ExprKind::Tuple(_)) {
        return;
    }
    let prefix_text = sentry_option(ctx, "system.url-prefix").and_then(|o| o.value);
    let prefix = prefix_text
        .as_deref()
        .map(str::trim)
        .and_then(parse_url)
        .filter(|u| {
            !u.host.is_empty() && matches!(u.scheme.to_ascii_lowercase().as_str(), "http" | "https")
        });
    let scheme = prefix
        .map(|u| u.scheme.to_ascii_lowercase())
        .unwrap_or_else(|| "https".into());
    let source = ctx.install.file(file);
    let mut listed = false;
    for item in a.value.items() {
        let Some(entry) = item.as_str().map(str::trim) else {
            continue;
        };
        match parse_url(entry) {
            Some(u) => listed |= prefix.is_some_and(|p| admits(&u, &p)),
            None => {
                let fixed = format!("{scheme}://{entry}");
                // Once fixed, it may be the url-prefix origin.
                listed |= prefix
                    .zip(parse_url(&fixed))
                    .is_some_and(|(p, u)| admits(&u, &p));
                let fix = py_ops::replace_string(file, source, item.span, &fixed)
                    .map(|e| Fix::safe(format!("Write `{fixed}`"), vec![e]));
                out.push(
                    ctx.diag(
                        &RULE,
                        file,
                        item.span,
                        format!("`{entry}` in {SETTING} has no scheme"),
                        format!(
                            "From 24.1.0 Sentry runs Django 4, which matches the browser's Origin \
                             header (`https://host`) against whole origins: an entry without \
                             `https://` or `http://` matches nothing (Django reports it as \
                             4_0.E001), so logins behind a proxy fail with \"CSRF verification \
                             failed\". The 24.1.2 to 24.2.0 example showed entries without a \
                             scheme; write `{fixed}` ({REFS})"
                        ),
                    )
                    .with_fix(fix),
                );
            }
        }
    }
    if let Some(p) = prefix
        && !listed
    {
        let origin = p.origin();
        let mut d = ctx.diag(
            &RULE,
            file,
            a.value.span,
            format!("{SETTING} does not list `{origin}`, the origin of system.url-prefix"),
            format!(
                "Django accepts a form post only from the request's own origin or a listed one. \
                 Behind a proxy that terminates TLS or rewrites the Host header, the request looks \
                 like `http://web:9000` to Sentry, so the browser's `{origin}` must be listed or \
                 login fails with \"CSRF verification failed\". Add `\"{origin}\"` to the list \
                 ({REFS})"
            ),
        );
        d.severity = Severity::Warning;
        out.push(d);
    }
}
