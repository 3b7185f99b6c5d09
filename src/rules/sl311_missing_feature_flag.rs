//! SL311: flags the release's example enables are not mentioned in
//! sentry.conf.py at all.

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Fix, py_ops};
use crate::rules::helpers::quoted_list;
use crate::rules::{Ctx, FixAvailability, Rule};
use crate::source::Span;

pub const RULE: Rule = Rule {
    code: "SL311",
    name: "missing-feature-flag",
    severity: Severity::Warning,
    summary: "Feature flags the release's example enables are missing from sentry.conf.py",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL311.md"),
    check,
};

/// Reported by SL103 with its own reasoning.
const LEFT_TO_OTHERS: &[&str] = &["organizations:session-replay"];

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let (Some(view), Some((file, conf))) = (ctx.view(), ctx.pyconf()) else {
        return;
    };
    let features = view.features();
    // A flag set to anything, even `False` or conditionally, was decided on.
    let missing: Vec<&str> = features
        .iter()
        .copied()
        .filter(|f| !LEFT_TO_OTHERS.contains(f) && conf.feature(f).is_none())
        .collect();
    if missing.is_empty() {
        return;
    }
    let source = ctx.install.file(file);
    let edits = missing
        .iter()
        .map(|flag| {
            // After the nearest flag that precedes it in the release's order.
            let idx = features.iter().position(|f| f == flag).unwrap_or(0);
            let after: Vec<&str> = features[..idx].iter().rev().copied().collect();
            py_ops::add_feature(file, source, conf, flag, &after)
        })
        .collect();
    let title = match missing.as_slice() {
        [one] => format!("Enable `{one}`"),
        many => format!("Enable the {} missing flags", many.len()),
    };
    // The first line of the statement that enables the example's flags.
    let list = conf.feature_lists.iter().find(|l| l.enabled == Some(true));
    let span = conf
        .features
        .iter()
        .find(|f| list.is_none_or(|l| l.span.contains(f.span)))
        .map(|f| {
            let start = f.stmt_span.start as usize;
            Span::new(start, source.line_end(source.line_index(start)))
        })
        .unwrap_or(Span::empty(0));
    let (what, verb) = if missing.len() == 1 {
        ("flag", "is")
    } else {
        ("flags", "are")
    };
    out.push(
        ctx.diag(
            &RULE,
            file,
            span,
            format!(
                "{} {what} that Sentry {}'s example enables {verb} not set: {}",
                missing.len(),
                view.version,
                quoted_list(&missing)
            ),
            format!(
                "install.sh never updates an existing sentry.conf.py, so flags that later releases \
                 add to the example stay at Sentry's built-in default, which is off for features such \
                 as profiling and crons: their pages say \"You don't have access to this feature\" \
                 or are hidden. Add them to `SENTRY_FEATURES` as the example of Sentry {} does, or \
                 set a flag to `False` to keep it off on purpose",
                view.describe()
            ),
        )
        .with_fix(Some(Fix::safe(title, edits))),
    );
}
