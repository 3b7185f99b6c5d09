//! SL002: a `# sentrylint: ignore[...]` that suppresses nothing.
//!
//! It judges the other rules' findings, so `rules::check` calls `report`
//! after every other rule has run and the suppressions were applied; the
//! `check` in `RULE` has nothing to do on its own.

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Edit, Fix};
use crate::model::{FileId, Install};
use crate::rules::suppression::{Directive, Scope, Usage};
use crate::rules::{Ctx, FixAvailability, RULES, Rule};
use crate::source::Span;

pub const RULE: Rule = Rule {
    code: "SL002",
    name: "unused-suppression",
    severity: Severity::Warning,
    summary: "A `# sentrylint: ignore` comment suppresses nothing",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL002.md"),
    check,
};

fn check(_: &Ctx, _: &mut Vec<Diagnostic>) {}

const HELP: &str = "a suppression that suppresses nothing hides the next real finding of its rule \
    on that line without anyone deciding so; remove it, or fix its codes";

/// The SL002 findings for `directives` after they were applied. `judged`
/// says whether a rule ran on a file: a suppression of a rule that did not
/// run (`--select`, `per-path-ignores`) cannot be told unused.
pub fn report(
    install: &Install,
    directives: &[Directive],
    usage: &Usage,
    judged: &dyn Fn(&Rule, FileId) -> bool,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, d) in directives.iter().enumerate() {
        let file = install.file(d.file);
        let diag = |message: String| Diagnostic {
            code: RULE.code,
            name: RULE.name,
            severity: RULE.severity,
            message,
            help: HELP.into(),
            file: Some(d.file),
            path: file.display.clone(),
            span: d.span,
            labels: Vec::new(),
            fix: None,
            repeat: None,
        };
        if let Some(why) = &d.malformed {
            let mut found = diag(format!("`# sentrylint: {}` is no suppression", d.written));
            found.help = format!("it suppresses nothing: {why}");
            out.push(found);
            continue;
        }
        let place = match d.scope {
            Scope::File => "in this file",
            // Above a blank line (or the end of the file): it covers no line.
            Scope::Line(None) => "on the line below, which is blank",
            Scope::Line(_) if d.own_line => "on the line below",
            Scope::Line(_) => "on this line",
        };
        let mut problems = Vec::new();
        let mut keep = Vec::new();
        for (j, e) in d.entries.iter().enumerate() {
            match e.rule {
                None if e.text.eq_ignore_ascii_case("SL000") => problems.push(format!(
                    "`{}` cannot be suppressed: a file that does not parse must be fixed",
                    e.text
                )),
                None => {
                    let hint = crate::rules::helpers::did_you_mean(
                        &e.text,
                        RULES.iter().flat_map(|r| [r.code, r.name]),
                    )
                    .map(|c| format!(" (did you mean `{c}`?)"))
                    .unwrap_or_default();
                    problems.push(format!("`{}` names no rule{hint}", e.text));
                }
                // SL002 findings are suppressed after this report, so their
                // suppressions cannot be judged here.
                Some(rule)
                    if rule.code == RULE.code || usage.used[i][j] || !judged(rule, d.file) =>
                {
                    keep.push(e.text.as_str())
                }
                Some(_) => problems.push(format!("`{}` is not reported {place}", e.text)),
            }
        }
        if problems.is_empty() {
            continue;
        }
        let message = format!(
            "`# sentrylint: {}` {}: {}",
            d.written,
            if keep.is_empty() {
                "suppresses nothing"
            } else {
                "names codes that suppress nothing"
            },
            problems.join("; ")
        );
        let fix = if keep.is_empty() {
            Fix::safe(
                "Remove the suppression",
                vec![Edit::delete(d.file, removal(install, d))],
            )
        } else {
            Fix::safe(
                format!("Keep only `{}` in the suppression", keep.join(", ")),
                vec![Edit::replace(d.file, d.list, keep.join(", "))],
            )
        };
        out.push(diag(message).with_fix(Some(fix)));
    }
    out
}

/// What to delete to remove a directive: its whole line when it is alone
/// on it; the directive alone when a comment follows it; else the directive
/// and the blanks before it, so no trailing blanks are left.
fn removal(install: &Install, d: &Directive) -> Span {
    let file = install.file(d.file);
    let line = file.line_index(d.span.start as usize);
    if d.whole_line {
        return Span::new(file.line_start(line), file.line_end_with_break(line));
    }
    let (start, end) = (d.span.start as usize, d.span.end as usize);
    if file.text[end..].starts_with('#') {
        return d.span;
    }
    let line_start = file.line_start(line);
    let kept = file.text[line_start..start]
        .trim_end_matches([' ', '\t'])
        .len();
    Span::new(line_start + kept, end)
}
