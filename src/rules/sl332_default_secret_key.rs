//! SL332: Sentry's secret key is the upstream placeholder, empty or weak.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::FileId;
use crate::rules::{Ctx, FixAvailability, Rule};
use crate::source::Span;

pub const RULE: Rule = Rule {
    code: "SL332",
    name: "default-secret-key",
    severity: Severity::Warning,
    summary: "The Sentry secret key is upstream's placeholder, empty or easy to guess",
    fix: FixAvailability::None,
    doc: include_str!("../../rules/SL332.md"),
    check,
};

/// The placeholder of `sentry/config.example.yml`, which install.sh replaces.
pub const PLACEHOLDER: &str = "!!changeme!!";

const GENERATE: &str = "generate one with `sentry config generate-secret-key` \
     (`docker compose run --rm web config generate-secret-key`), knowing that changing the key \
     logs everyone out";

enum Verdict {
    Placeholder,
    Empty,
    Weak(&'static str),
}

fn judge(key: &str) -> Option<Verdict> {
    let k = key.trim();
    if k == PLACEHOLDER {
        return Some(Verdict::Placeholder);
    }
    let first = k.chars().next()?;
    let word: String = k
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    if k.chars().all(|c| c == first) {
        Some(Verdict::Weak("one character repeated"))
    } else if [
        "changeme",
        "secret",
        "secretkey",
        "sentry",
        "sentrysecret",
        "sentrysecretkey",
        "password",
        "supersecret",
        "pleasechangeme",
        "default",
        "example",
        "test",
    ]
    .contains(&word.as_str())
    {
        Some(Verdict::Weak("a well-known placeholder"))
    } else if crate::rules::helpers::is_placeholder(k) {
        Some(Verdict::Weak("a guide's placeholder for your own key"))
    } else if k.chars().count() < 32 {
        Some(Verdict::Weak("fewer than 32 characters"))
    } else {
        None
    }
}

/// Where a key is set: `rewritten` when install.sh replaces it at deploy
/// (the exact line `system.secret-key: '!!changeme!!'` of config.yml).
struct Place<'a> {
    file: FileId,
    span: Span,
    what: &'a str,
    rewritten: bool,
}

fn report(ctx: &Ctx, out: &mut Vec<Diagnostic>, at: Place, key: &str) {
    let Place {
        file,
        span,
        what,
        rewritten,
    } = at;
    let verdict = if key.trim().is_empty() {
        Verdict::Empty
    } else {
        match judge(key) {
            Some(v) => v,
            None => return,
        }
    };
    let (message, help, severity) = match verdict {
        Verdict::Empty => (
            format!("{what} is empty"),
            format!("Sentry refuses to start without a secret key; {GENERATE}"),
            Severity::Error,
        ),
        Verdict::Placeholder if rewritten => (
            format!("{what} is still upstream's placeholder"),
            format!(
                "install.sh replaces exactly this line with a random key when it deploys, so the key \
                 in Git is not the one running, and a GitOps re-sync or a checkout of this file puts \
                 the placeholder back (every session ends, signed links break). Set a real key that \
                 the deploy keeps: {GENERATE}"
            ),
            Severity::Warning,
        ),
        Verdict::Placeholder => (
            format!("{what} is upstream's well-known placeholder"),
            format!(
                "install.sh replaces the placeholder only on the exact line \
                 `system.secret-key: '{PLACEHOLDER}'` of sentry/config.yml, so this one is used as \
                 is, and anyone can sign sessions and reset links with it; {GENERATE}"
            ),
            Severity::Warning,
        ),
        Verdict::Weak(why) => (
            format!("{what} is weak: {why}"),
            format!(
                "the key signs sessions, password-reset links and CSRF tokens, so a guessable key \
                 lets an attacker forge them; {GENERATE}"
            ),
            Severity::Warning,
        ),
    };
    let mut d = ctx.diag(&RULE, file, span, message, help);
    d.severity = severity;
    out.push(d);
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    if let (Some((file, _, value)), Some((_, doc))) =
        (ctx.config_option("system.secret-key"), ctx.config_yml())
    {
        let key = if doc.is_null(value) {
            Some("")
        } else {
            doc.scalar(value)
        };
        if let Some(key) = key {
            let span = doc.node(value).span;
            let src = ctx.install.file(file);
            let line = src.line_text(src.line_index(span.start as usize));
            let at = Place {
                file,
                span,
                what: "`system.secret-key`",
                rewritten: line == format!("system.secret-key: '{PLACEHOLDER}'"),
            };
            report(ctx, out, at, key);
        }
    }
    if let Some((file, conf)) = ctx.pyconf() {
        let set = [
            (
                conf.item("SENTRY_OPTIONS", "system.secret-key"),
                "`SENTRY_OPTIONS[\"system.secret-key\"]`",
            ),
            (conf.setting("SECRET_KEY"), "`SECRET_KEY`"),
        ];
        for (assignment, what) in set {
            if let Some(a) = assignment
                && let Some(key) = a.value.as_str()
            {
                let at = Place {
                    file,
                    span: a.value.span,
                    what,
                    rewritten: false,
                };
                report(ctx, out, at, key);
            }
        }
    }
    if let Some((file, entry)) = ctx.env_entry("SENTRY_SYSTEM_SECRET_KEY")
        && !entry.value.trim().is_empty()
    {
        let at = Place {
            file,
            span: entry.value_span,
            what: "`SENTRY_SYSTEM_SECRET_KEY`",
            rewritten: false,
        };
        report(ctx, out, at, &entry.value);
    }
}

#[cfg(test)]
mod tests {
    use super::{Verdict, judge};

    #[test]
    fn judges_keys_without_showing_them() {
        assert!(matches!(judge("!!changeme!!"), Some(Verdict::Placeholder)));
        assert!(matches!(judge("Change-Me"), Some(Verdict::Weak(_))));
        assert!(matches!(judge(&"z".repeat(50)), Some(Verdict::Weak(_))));
        assert!(matches!(judge("a1b2c3d4e5"), Some(Verdict::Weak(_))));
        // Long enough, but a guide's words for "put yours here".
        assert!(matches!(
            judge("your-secret-key-goes-here-0123456789abcdef"),
            Some(Verdict::Weak("a guide's placeholder for your own key"))
        ));
        assert!(judge(crate::testing::TEST_SECRET_KEY).is_none());
    }
}
