//! SL320: `system.url-prefix` is unset, not absolute, or has a path.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::helpers::{parse_url, sentry_option};
use crate::rules::{Ctx, FixAvailability, Rule};
use crate::source::Span;

pub const RULE: Rule = Rule {
    code: "SL320",
    name: "url-prefix-invalid",
    severity: Severity::Warning,
    summary: "system.url-prefix is unset, not an absolute URL, or has a path",
    fix: FixAvailability::None,
    doc: include_str!("../../rules/SL320.md"),
    check,
};

const KEY: &str = "system.url-prefix";
const REFS: &str = "self-hosted#1411, #2905";

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some(opt) = sentry_option(ctx, KEY) else {
        unset(ctx, out);
        return;
    };
    // `env(...)` and other expressions: unknown here.
    let Some(value) = opt.value.as_deref().map(str::trim) else {
        return;
    };
    let problem = if value.is_empty() {
        None
    } else {
        match parse_url(value) {
            None => Some((
                format!(
                    "{KEY} `{value}` is not an absolute URL: it has no `https://` or `http://`"
                ),
                format!(
                    "Sentry puts this value in front of every path it builds: DSNs, e-mail, invite \
                     and integration links. Without a scheme they are not URLs, and SDKs reject the \
                     DSN. Write it as `https://{value}` (or `http://` without TLS) ({REFS})"
                ),
            )),
            Some(u) if !matches!(u.scheme.to_ascii_lowercase().as_str(), "http" | "https") => {
                Some((
                    format!("{KEY} `{value}` uses the scheme `{}`", u.scheme),
                    format!(
                        "Browsers and SDKs reach Sentry over `https://` or `http://` only; DSNs and links built from this value do not work ({REFS})"
                    ),
                ))
            }
            Some(u) if u.host.is_empty() => Some((
                format!("{KEY} `{value}` has no host"),
                format!(
                    "Write the address users and SDKs reach Sentry at, as `https://sentry.example.com` ({REFS})"
                ),
            )),
            Some(u) if !u.rest.is_empty() && u.rest != "/" => Some((
                format!("{KEY} `{value}` has a path (`{}`)", u.rest),
                format!(
                    "Sentry serves from the root of its host and appends absolute paths to this \
                     value, so DSNs and links point below `{}` where neither nginx nor Relay routes \
                     them. Serve Sentry on its own host name and set `{KEY}` to \
                     `{}://{}{}` ({REFS})",
                    u.rest,
                    u.scheme,
                    u.host,
                    u.port.map(|p| format!(":{p}")).unwrap_or_default()
                ),
            )),
            Some(_) => return,
        }
    };
    match problem {
        Some((message, help)) => out.push(ctx.diag(&RULE, opt.file, opt.span, message, help)),
        None => {
            let mut d = ctx.diag(
                &RULE,
                opt.file,
                opt.span,
                format!("{KEY} is set to an empty value `{value}`"),
                unset_help(),
            );
            d.severity = Severity::Info;
            out.push(d);
        }
    }
}

fn unset_help() -> String {
    format!(
        "Sentry then takes the Root URL saved in its admin settings, or the host of each request, \
         which behind a proxy is often `web:9000` or `nginx`: DSNs and links show internal \
         addresses. Set `{KEY}: https://sentry.example.com` (scheme and host, no path) in \
         sentry/config.yml ({REFS})"
    )
}

/// Reported in config.yml, where the setting belongs; at the commented-out
/// example line when there is one.
fn unset(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some((file, doc)) = ctx.config_yml() else {
        return;
    };
    let source = ctx.install.file(file);
    let span = doc
        .comments
        .iter()
        .copied()
        .find(|c| {
            source
                .slice(*c)
                .trim_start_matches(['#', ' '])
                .starts_with(&format!("{KEY}:"))
        })
        .unwrap_or(Span::empty(0));
    let mut d = ctx.diag(
        &RULE,
        file,
        span,
        format!("`{KEY}` is not set"),
        unset_help(),
    );
    d.severity = Severity::Info;
    out.push(d);
}

#[cfg(test)]
mod tests {
    use crate::rules::helpers::{Url, parse_url};

    #[test]
    fn urls_split_into_origin_and_rest() {
        let u = parse_url("https://Sentry.Example.com:443/sentry?x#y").unwrap();
        assert_eq!(
            u,
            Url {
                scheme: "https",
                host: "Sentry.Example.com",
                port: Some("443"),
                rest: "/sentry?x#y"
            }
        );
        assert_eq!(u.origin(), "https://sentry.example.com");
        assert_eq!(
            parse_url("http://web:9000").unwrap().origin(),
            "http://web:9000"
        );
        assert_eq!(parse_url("http://user@[::1]:80/").unwrap().host, "[::1]");
        assert!(parse_url("sentry.example.com").is_none());
        assert!(parse_url("://x").is_none());
    }
}
