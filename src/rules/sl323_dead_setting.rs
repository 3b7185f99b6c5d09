//! SL323: settings that do nothing in self-hosted, or not what they seem to.

use crate::diagnostic::{Diagnostic, Severity};
use crate::kb::version::Version;
use crate::model::FileId;
use crate::parse::pyconf::{PyConf, Target};
use crate::rules::helpers::{parse_url, sentry_option};
use crate::rules::{Ctx, FixAvailability, Rule};
use crate::source::SourceFile;

pub const RULE: Rule = Rule {
    code: "SL323",
    name: "dead-setting",
    severity: Severity::Warning,
    summary: "A setting that self-hosted Sentry ignores or that does not do what its name suggests",
    fix: FixAvailability::None,
    doc: include_str!("../../rules/SL323.md"),
    check,
};

/// Sentry builds OAuth redirect URIs from system.url-prefix since
/// getsentry/sentry#52280 (mid-2023); judged only from a release surely after it.
const SOCIAL_AUTH_OBSOLETE: Version = Version::new(24, 1, 0);

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    if let Some((file, conf)) = ctx.pyconf() {
        python_settings(ctx, file, conf, out);
    }
    misspelled_option(ctx, out);
    internal_url_prefix(ctx, out);
}

/// Whether the file reads `name` besides assigning it (an `if NAME:` that
/// sets the real settings, as the old docker-sentry config did).
fn read_elsewhere(source: &SourceFile, conf: &PyConf, name: &str) -> bool {
    let text = &source.text;
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    text.match_indices(name).any(|(at, _)| {
        let end = at + name.len();
        let before = text[..at].chars().next_back();
        let after = text[end..].chars().next();
        let quoted = matches!(before, Some('"' | '\''));
        let in_comment = conf
            .comments
            .iter()
            .any(|c| (c.start as usize) <= at && end <= c.end as usize);
        let assigned = conf.assignments.iter().any(|a| {
            matches!(&a.target, Target::Name(n) if n == name)
                && (a.target_span.start as usize) <= at
                && end <= a.target_span.end as usize
        });
        !word(before) && !word(after) && !quoted && !in_comment && !assigned
    })
}

fn python_settings(ctx: &Ctx, file: FileId, conf: &PyConf, out: &mut Vec<Diagnostic>) {
    let source = ctx.install.file(file);
    if let Some(a) = conf.setting("SENTRY_USE_SSL")
        && !read_elsewhere(source, conf, "SENTRY_USE_SSL")
    {
        out.push(ctx.diag(
            &RULE,
            file,
            a.target_span,
            "`SENTRY_USE_SSL` does nothing in self-hosted",
            "Only the config of the old getsentry/docker-sentry image read it, to switch on the \
             proxy and secure-cookie settings; Sentry never does. Set `SECURE_PROXY_SSL_HEADER`, \
             `SESSION_COOKIE_SECURE` and `CSRF_COOKIE_SECURE` directly (see SL322) and remove this \
             line (self-hosted#1988)",
        ));
    }
    if let Some(a) = conf.setting("SENTRY_URL_PREFIX")
        && !read_elsewhere(source, conf, "SENTRY_URL_PREFIX")
    {
        // Sentry copies the legacy setting into the option only when the
        // option is not set.
        let d = match sentry_option(ctx, "system.url-prefix") {
            Some(opt) if opt.value.as_deref().is_none_or(|v| !v.trim().is_empty()) => {
                let place = if opt.in_config_yml {
                    "sentry/config.yml"
                } else {
                    "`SENTRY_OPTIONS` in sentry.conf.py"
                };
                ctx.diag(
                    &RULE,
                    file,
                    a.target_span,
                    "`SENTRY_URL_PREFIX` is ignored: `system.url-prefix` is set",
                    format!(
                        "Sentry copies this legacy setting into `system.url-prefix` only when the \
                         option is unset; {place} sets it, so this line has no effect and only \
                         misleads the next reader. Remove it (self-hosted#1411)"
                    ),
                )
                .with_label(opt.file, opt.span, "system.url-prefix set here")
            }
            _ => {
                let mut d = ctx.diag(
                    &RULE,
                    file,
                    a.target_span,
                    "`SENTRY_URL_PREFIX` is a legacy name of `system.url-prefix`",
                    "Older Sentry versions copied it into `system.url-prefix` with a deprecation \
                     warning; nothing in self-hosted uses it, and whether the running release \
                     still honours it is not certain. Move the value to `system.url-prefix` in \
                     sentry/config.yml (self-hosted#1411, #2905)",
                );
                d.severity = Severity::Info;
                d
            }
        };
        out.push(d);
    }
    if let Some(a) = conf.setting("SOCIAL_AUTH_REDIRECT_IS_HTTPS")
        && ctx
            .view()
            .is_some_and(|v| v.lower.version >= SOCIAL_AUTH_OBSOLETE)
    {
        let mut d = ctx.diag(
            &RULE,
            file,
            a.target_span,
            "`SOCIAL_AUTH_REDIRECT_IS_HTTPS` no longer decides the OAuth redirect scheme",
            "Sentry builds social-auth redirect URIs from `system.url-prefix` since \
             getsentry/sentry#52280, so an `https://` url-prefix is what makes them https; this \
             line can go",
        );
        d.severity = Severity::Info;
        out.push(d);
    }
}

/// `sentry.url-prefix` for `system.url-prefix`.
fn misspelled_option(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    const WRONG: &str = "sentry.url-prefix";
    let at = ctx
        .config_option(WRONG)
        .and_then(|(file, key, _)| Some((file, ctx.config_yml()?.1.node(key).span)))
        .or_else(|| {
            let (file, conf) = ctx.pyconf()?;
            conf.item("SENTRY_OPTIONS", WRONG)
                .map(|a| (file, a.target_span))
        });
    if let Some((file, span)) = at {
        out.push(ctx.diag(
            &RULE,
            file,
            span,
            format!("`{WRONG}` is not a Sentry option (did you mean `system.url-prefix`?)"),
            "Sentry has no option of this name, so the URL it holds is never used: DSNs and links \
             keep coming from `system.url-prefix`. Rename the key (self-hosted#1411, #2905)",
        ));
    }
}

/// A host name that looks public: dotted, not an address, not a local suffix.
fn looks_public(host: &str) -> bool {
    let h = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    h.contains('.')
        && h.parse::<std::net::IpAddr>().is_err()
        && ![".internal", ".local", ".localhost", ".lan", ".home.arpa"]
            .iter()
            .any(|s| h.ends_with(s))
}

fn internal_url_prefix(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some(opt) = sentry_option(ctx, "system.internal-url-prefix") else {
        return;
    };
    let Some(value) = opt.value.as_deref().map(str::trim) else {
        return;
    };
    let Some(url) = parse_url(value).filter(|u| looks_public(u.host)) else {
        return;
    };
    let public = sentry_option(ctx, "system.url-prefix")
        .and_then(|o| o.value)
        .filter(|v| !v.trim().is_empty());
    let d = match public {
        None => ctx.diag(
            &RULE,
            opt.file,
            opt.span,
            format!(
                "system.internal-url-prefix is the public URL `{value}`, and system.url-prefix is not set"
            ),
            format!(
                "`system.internal-url-prefix` is only the address containers use to reach `web` \
                 (upstream: `http://web:9000`); DSNs and links come from `system.url-prefix`. Did \
                 you mean that one? Set `system.url-prefix: {}` and keep the internal prefix at \
                 `http://web:9000` (self-hosted#1411, #2905)",
                url.origin()
            ),
        ),
        Some(_) => {
            let mut d = ctx.diag(
                &RULE,
                opt.file,
                opt.span,
                format!("system.internal-url-prefix `{value}` is a public address"),
                "It is the address containers (Symbolicator, Relay, the workers) use to call \
                 Sentry; upstream sets `http://web:9000`. A public URL sends those calls out \
                 through the proxy and fails where the host cannot reach its own public address \
                 or the certificate is not trusted inside the containers",
            );
            d.severity = Severity::Info;
            d
        }
    };
    out.push(d);
}
