//! SL362: SMTP port and TLS mode that do not go together.

use crate::diagnostic::{Diagnostic, Severity};
use crate::parse::yaml::NodeId;
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL362",
    name: "smtp-tls-mismatch",
    severity: Severity::Warning,
    summary: "config.yml asks for STARTTLS on the implicit-TLS port 465, or for both TLS modes",
    fix: FixAvailability::None,
    doc: include_str!("../../rules/SL362.md"),
    check,
};

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some((file, doc)) = ctx.config_yml() else {
        return;
    };
    // A boolean option that is true, as Sentry's option types read it.
    let on = |key: &str| -> Option<(NodeId, NodeId)> {
        let (_, k, v) = ctx.config_option(key)?;
        let text = doc.scalar(v)?.trim().to_ascii_lowercase();
        matches!(text.as_str(), "true" | "yes" | "on" | "1" | "y").then_some((k, v))
    };
    let (tls, ssl) = (on("mail.use-tls"), on("mail.use-ssl"));
    if let (Some((tls_key, _)), Some((ssl_key, ssl_value))) = (tls, ssl) {
        let mut d = ctx
            .diag(
                &RULE,
                file,
                doc.node(ssl_value).span,
                "`mail.use-tls` and `mail.use-ssl` are both true",
                "they are two exclusive ways to encrypt SMTP (config.example.yml: \"mutually \
                 exclusive and should not appear at the same time\"); Django refuses to send with \
                 both, so no email goes out. Keep `mail.use-ssl` for port 465, or `mail.use-tls` \
                 for port 587",
            )
            .with_label(file, doc.node(tls_key).span, "`mail.use-tls` set here")
            .with_label(file, doc.node(ssl_key).span, "`mail.use-ssl` set here");
        d.severity = Severity::Error;
        out.push(d);
        return;
    }
    let Some((tls_key, _)) = tls else {
        return;
    };
    let Some((_, _, port)) = ctx.config_option("mail.port") else {
        return;
    };
    if doc.scalar(port).map(str::trim) != Some("465") {
        return;
    }
    out.push(
        ctx.diag(
            &RULE,
            file,
            doc.node(port).span,
            "`mail.port: 465` expects TLS from the first byte, but `mail.use-tls` asks for STARTTLS",
            "STARTTLS starts in plain SMTP and upgrades later, while port 465 speaks TLS at once, \
             so the connection hangs or is closed and the test email fails; use `mail.use-ssl: true` \
             with port 465, or port 587 with `mail.use-tls: true`",
        )
        .with_label(file, doc.node(tls_key).span, "STARTTLS asked for here"),
    );
}
