//! SL000: a file that cannot be read or parsed.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL000",
    name: "parse-error",
    severity: Severity::Error,
    summary: "A file of the install cannot be read or parsed",
    fix: FixAvailability::None,
    doc: include_str!("../../rules/SL000.md"),
    check,
};

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    for p in &ctx.install.problems {
        let help = match p.file.map(|f| ctx.install.files[f].kind) {
            Some(k) if k.is_yaml() => {
                "docker compose refuses this file too; fix the syntax at this position"
            }
            Some(crate::source::FileKind::SentryConfPy) => {
                "Sentry fails to start with a syntax error in its settings; fix the Python at this position"
            }
            Some(_) => "docker compose refuses this file too; fix it at this position",
            None => "make the file readable (or remove it) and run sentrylint again",
        };
        out.push(Diagnostic {
            code: RULE.code,
            name: RULE.name,
            severity: RULE.severity,
            message: format!("`{}` {}", p.path, p.message),
            help: help.into(),
            file: p.file,
            path: p.path.clone(),
            span: p.span,
            labels: Vec::new(),
            fix: None,
            repeat: None,
        });
    }
}
