//! SL322: an https url-prefix without Django's proxy and secure-cookie settings.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::helpers::{parse_url, quoted_list, sentry_option};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL322",
    name: "https-proxy-settings-missing",
    severity: Severity::Warning,
    summary: "An https url-prefix without SECURE_PROXY_SSL_HEADER and secure cookies",
    fix: FixAvailability::None,
    doc: include_str!("../../rules/SL322.md"),
    check,
};

/// What the example's commented SSL/TLS block sets, and why.
const SETTINGS: &[(&str, &str)] = &[
    (
        "SECURE_PROXY_SSL_HEADER",
        "= ('HTTP_X_FORWARDED_PROTO', 'https')",
    ),
    ("SESSION_COOKIE_SECURE", "= True"),
    ("CSRF_COOKIE_SECURE", "= True"),
];

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some((_, conf)) = ctx.pyconf() else {
        return;
    };
    let Some(prefix) = sentry_option(ctx, "system.url-prefix") else {
        return;
    };
    let Some(value) = prefix.value.as_deref().map(str::trim) else {
        return;
    };
    if !parse_url(value).is_some_and(|u| u.scheme.eq_ignore_ascii_case("https")) {
        return;
    }
    // Set to anything, even False, is a decision.
    let missing: Vec<&(&str, &str)> = SETTINGS
        .iter()
        .filter(|(name, _)| conf.setting(name).is_none())
        .collect();
    if missing.is_empty() {
        return;
    }
    let names: Vec<&str> = missing.iter().map(|(n, _)| *n).collect();
    let lines: Vec<String> = missing.iter().map(|(n, v)| format!("{n} {v}")).collect();
    let header_missing = missing.iter().any(|(n, _)| *n == SETTINGS[0].0);
    let mut help = String::new();
    if header_missing {
        help.push_str(
            "Behind a proxy that terminates TLS, Sentry sees plain http: without \
             `SECURE_PROXY_SSL_HEADER` it builds http redirect and OAuth callback URLs, and \
             Django's origin check fails at login. ",
        );
    }
    if missing.len() > usize::from(header_missing) {
        help.push_str("Without the secure flags the session and CSRF cookies are not marked Secure, so browsers send them over plain http as well. ");
    }
    help.push_str(&format!(
        "Set them as the example's commented SSL/TLS block does:\n{}",
        lines.join("\n")
    ));
    if header_missing {
        help.push_str(
            "\nEnable the header only once the proxy sets `X-Forwarded-Proto: https` on every \
             request and strips it from clients: Sentry then trusts it",
        );
    }
    help.push_str("\n(self-hosted#3057, #2878)");
    out.push(ctx.diag(
        &RULE,
        prefix.file,
        prefix.span,
        format!(
            "system.url-prefix `{value}` is https, but sentry.conf.py does not set {}",
            quoted_list(&names)
        ),
        help,
    ));
}
