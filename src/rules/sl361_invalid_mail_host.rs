//! SL361: SENTRY_MAIL_HOST is not a host name.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL361",
    name: "invalid-mail-host",
    severity: Severity::Warning,
    summary: "SENTRY_MAIL_HOST is not a fully qualified host name",
    fix: FixAvailability::None,
    doc: include_str!("../../rules/SL361.md"),
    check,
};

/// What makes `host` something other than a domain name.
fn problem(host: &str) -> Option<&'static str> {
    if host.contains('@') {
        Some("it contains `@` (an address, where a domain is expected)")
    } else if host.contains("://") {
        Some("it is a URL")
    } else if host.chars().any(char::is_whitespace) {
        Some("it contains spaces")
    } else if host.contains(':') {
        Some("it has a port")
    } else if !host.contains('.') {
        Some("it has no dot, so it is not a fully qualified domain name")
    } else {
        None
    }
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some((file, entry)) = ctx.env_entry("SENTRY_MAIL_HOST") else {
        return;
    };
    let host = ctx.install.var("SENTRY_MAIL_HOST").unwrap_or("").trim();
    if host.is_empty() {
        return;
    }
    let Some(why) = problem(host) else {
        return;
    };
    out.push(ctx.diag(
        &RULE,
        file,
        entry.value_span,
        format!("`SENTRY_MAIL_HOST={host}` is not a host name: {why}"),
        format!(
            "compose makes it the hostname of the `smtp` relay, and sentry.conf.py sends mail from \
             `sentry@{host}` and uses it as the list namespace, so mail servers reject the sender \
             or the relay announces a name that does not resolve. Set the domain mail should come \
             from, e.g. `SENTRY_MAIL_HOST=example.com` (the .env comment asks for \"a valid FQDN\")"
        ),
    ));
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn host_names_only() {
        for bad in [
            "sentry@example.com",
            "smtp://mail.example.com",
            "mail.example.com:587",
            "mail example.com",
            "localhost",
        ] {
            assert!(problem(bad).is_some(), "{bad}");
        }
        for good in ["example.com", "sentry.mail.example.co.uk", "10.0.0.5"] {
            assert!(problem(good).is_none(), "{good}");
        }
    }
}
