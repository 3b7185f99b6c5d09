//! SL360: config.yml mail settings that another setting overrides.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL360",
    name: "mail-host-pinned",
    severity: Severity::Warning,
    summary: "Mail settings in config.yml that do not take effect: the bundled relay with credentials, or values sentry.conf.py overwrites",
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
    // mail.from / mail.list-namespace: sentry.conf.py sets them after config.yml is read.
    let Some((py, conf)) = ctx.pyconf() else {
        return;
    };
    for key in ["mail.from", "mail.list-namespace"] {
        let (Some((k, _, _)), Some(a)) = (set(key), conf.item("SENTRY_OPTIONS", key)) else {
            continue;
        };
        if a.conditional {
            continue;
        }
        out.push(
            ctx.diag(
                &RULE,
                file,
                doc.node(k).span,
                format!("`{key}` in config.yml is overwritten by sentry.conf.py"),
                format!(
                    "sentry.conf.py sets `SENTRY_OPTIONS[\"{key}\"]` (from `SENTRY_MAIL_HOST`), and \
                     that value wins, as the comment in config.example.yml warns; delete that line \
                     from sentry.conf.py to make this one effective, or drop this one and set \
                     `SENTRY_MAIL_HOST` in .env"
                ),
            )
            .with_label(py, a.stmt_span, "set here, from SENTRY_MAIL_HOST"),
        );
    }
}
