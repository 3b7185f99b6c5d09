//! SL360: config.yml mail settings that another setting overrides.

use crate::diagnostic::{Diagnostic, Severity};
use crate::parse::pyconf::{Assignment, PyConf};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL360",
    name: "mail-host-pinned",
    severity: Severity::Warning,
    summary: "Mail settings that do not take effect: the bundled relay with credentials, or SENTRY_MAIL_HOST where config.yml sets the address",
    fix: FixAvailability::None,
    doc: include_str!("../../rules/SL360.md"),
    check,
};

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some((file, doc)) = ctx.config_yml() else {
        return;
    };
    // A config.yml option with a value.
    let set = |key: &str| {
        let (_, k, v) = ctx.config_option(key)?;
        let text = doc.scalar(v)?;
        (!doc.is_null(v) && !text.trim().is_empty()).then_some((k, v, text))
    };
    if let Some((_, host, text)) = set("mail.host")
        && text.trim() == "smtp"
    {
        let creds: Vec<_> = ["mail.username", "mail.password"]
            .into_iter()
            .filter_map(|k| set(k).map(|(key, _, _)| (k, key)))
            .collect();
        if let Some(&(first, _)) = creds.first() {
            let mut d = ctx.diag(
                &RULE,
                file,
                doc.node(host).span,
                format!(
                    "`mail.host: smtp` (the bundled relay) is set together with `{first}` for an \
                     external server"
                ),
                "config.yml pins `mail.host`, so the mail settings page cannot change it, and Sentry \
                 hands its mail and the credentials to the bundled exim relay instead of the server \
                 they belong to: the test email fails. To send through the external server, set \
                 `mail.host` (with `mail.port` and TLS) to it here; to keep the relay, remove the \
                 credentials and give the relay the external server as its smarthost",
            );
            for (k, key) in &creds {
                d = d.with_label(file, doc.node(*key).span, format!("`{k}` set here"));
            }
            out.push(d);
        }
    }
    // mail.from / mail.list-namespace: sentry.conf.py derives them from
    // SENTRY_MAIL_HOST, but bootstrap_options() copies config.yml's options
    // into SENTRY_OPTIONS after sentry.conf.py ran, so config.yml's values
    // are used and the variable no longer changes them.
    let Some((py, conf)) = ctx.pyconf() else {
        return;
    };
    let Some((env_file, host)) = ctx.env_entry("SENTRY_MAIL_HOST") else {
        return;
    };
    if host.value.trim().is_empty() {
        return;
    }
    // The options sentry.conf.py derives from the variable, and which of
    // them config.yml pins. Only when it pins all of them, and compose hands
    // the variable to nothing else (upstream's smtp relay takes its host
    // name from it), does the variable change nothing: an install that
    // pins the sender and keeps the variable for the rest means both.
    let derived: Vec<_> = ["mail.from", "mail.list-namespace"]
        .into_iter()
        .filter_map(|key| {
            let a = conf.item("SENTRY_OPTIONS", key)?;
            reads_mail_host(&ctx.install.file(py).text, conf, a).then_some((key, a))
        })
        .collect();
    let pinned: Vec<_> = derived
        .iter()
        .filter_map(|&(key, a)| set(key).map(|(k, _, _)| (key, k, a)))
        .collect();
    let used_by_compose = ctx
        .compose_var_refs()
        .iter()
        .any(|(_, _, r)| r.name == "SENTRY_MAIL_HOST");
    if pinned.is_empty() || pinned.len() < derived.len() || used_by_compose {
        return;
    }
    let keys: Vec<String> = pinned
        .iter()
        .map(|(key, _, _)| format!("`{key}`"))
        .collect();
    let mut d = ctx.diag(
        &RULE,
        env_file,
        host.key_span,
        format!(
            "`SENTRY_MAIL_HOST={}` changes nothing: config.yml sets {}, which sentry.conf.py derives from it",
            host.value.trim(),
            keys.join(" and ")
        ),
        "sentry.conf.py derives the mail options from `SENTRY_MAIL_HOST`, but Sentry copies \
         config.yml's options into `SENTRY_OPTIONS` after sentry.conf.py has run \
         (`bootstrap_options`), so config.yml's values are the ones used \
         (getsentry/self-hosted#1991), and no service of the compose files reads the variable. \
         Set the mail options in config.yml and drop the variable, or remove them there to let \
         `SENTRY_MAIL_HOST` decide",
    );
    for (key, k, a) in pinned {
        d = d
            .with_label(
                file,
                doc.node(k).span,
                format!("`{key}` set here, and used"),
            )
            .with_label(py, a.stmt_span, "overridden by config.yml");
    }
    out.push(d);
}

/// Whether a `SENTRY_OPTIONS[...]` value is derived from `SENTRY_MAIL_HOST`,
/// directly or through the other mail option (upstream's `mail.from` is
/// `f"sentry@{SENTRY_OPTIONS['mail.list-namespace']}"`).
fn reads_mail_host(text: &str, conf: &PyConf, a: &Assignment) -> bool {
    let written = |a: &Assignment| text.get(a.value.span.range()).unwrap_or("");
    written(a).contains("SENTRY_MAIL_HOST")
        || written(a).contains("mail.list-namespace")
            && conf
                .item("SENTRY_OPTIONS", "mail.list-namespace")
                .is_some_and(|b| written(b).contains("SENTRY_MAIL_HOST"))
}
