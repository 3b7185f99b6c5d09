//! SL380: a Snuba consumer names the `events` storage, which Snuba removed.

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Edit, Fix};
use crate::kb::version::{Tag, Version, split_image};
use crate::model::compose::{Origin, Value};
use crate::rules::helpers::written_span;
use crate::rules::stack::{Role, role};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL380",
    name: "snuba-storage-removed",
    severity: Severity::Error,
    summary: "A Snuba command names storage `events`, which Snuba removed for `errors`",
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/SL380.md"),
    check,
};

/// The first Snuba release without the `events` storage
/// (getsentry/snuba#2476, merged March 2022).
const REMOVED_IN: Version = Version {
    year: 22,
    month: 3,
    patch: 0,
};

/// Where `--storage events` / `--storage=events` names the storage in one
/// scalar: the offset of `events`.
fn events_storage(text: &str) -> Option<usize> {
    let words: Vec<(usize, &str)> = text
        .split_whitespace()
        .map(|w| (w.as_ptr() as usize - text.as_ptr() as usize, w))
        .collect();
    words.iter().enumerate().find_map(|(i, (at, w))| {
        let w = w.trim_matches(['"', '\'']);
        if w == "--storage=events" {
            return Some(
                at + "--storage=".len() + usize::from(text[*at..].starts_with(['"', '\''])),
            );
        }
        let (next_at, next) = words.get(i + 1)?;
        (w == "--storage" && *next == "events").then_some(*next_at)
    })
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some(compose) = ctx.compose() else {
        return;
    };
    for svc in &compose.services {
        if role(ctx.install, svc) != Some(Role::Snuba) {
            continue;
        }
        // Older Snuba still has the storage: judge only images that say
        // their release (or follow the newest build).
        let Some(image) = svc.image() else {
            continue;
        };
        let image = ctx.install.interpolate(image).value;
        let shown = match split_image(image.trim()).1 {
            Tag::Release(v) if v >= REMOVED_IN => format!("Snuba {v}"),
            Tag::Moving(t) => format!("`{t}` Snuba"),
            _ => continue,
        };
        let Some(command) = svc.get("command") else {
            continue;
        };
        let scalars: Vec<(Origin, &str)> = match command {
            Value::Scalar(s) => vec![(s.at, s.text.as_str())],
            Value::Seq { items, .. } => {
                let words = command.words();
                let Some(i) = words
                    .windows(2)
                    .position(|w| w[0] == "--storage" && w[1] == "events")
                else {
                    continue;
                };
                items
                    .get(i + 1)
                    .map(|v| (v.at(), "events"))
                    .into_iter()
                    .collect()
            }
            Value::Map { .. } => continue,
        };
        for (at, text) in scalars {
            let offset = if text == "events" {
                Some(0)
            } else {
                events_storage(text)
            };
            let Some(offset) = offset else {
                continue;
            };
            let written = written_span(ctx.install, at, offset, "events");
            let fix = written.map(|span| {
                Fix::unsafe_edits(
                    "Consume storage `errors`",
                    "if another service already consumes storage `errors`, the two then share \
                     the work: remove one of them",
                    vec![Edit::replace(at.file, span, "errors")],
                )
            });
            out.push(
                ctx.diag(
                    &RULE,
                    at.file,
                    written.unwrap_or(at.span),
                    format!(
                        "`{}` runs `--storage events`, a storage {shown} no longer has",
                        svc.name
                    ),
                    "Snuba replaced the `events` storage with `errors` (the events entity reads \
                     the errors table since 2021) and removed `events` in March 2022 \
                     (getsentry/snuba#2476): the command exits with an invalid-value error and no \
                     error reaches ClickHouse. Consume storage `errors`, which reads the same \
                     `events` topic",
                )
                .with_fix(fix),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::events_storage;

    #[test]
    fn finds_the_events_storage() {
        assert_eq!(
            events_storage("consumer --storage events --auto-offset-reset=latest"),
            Some(19)
        );
        assert_eq!(events_storage("consumer --storage=events"), Some(19));
        assert_eq!(events_storage("consumer --storage errors"), None);
        assert_eq!(events_storage("consumer --storage events_ro"), None);
    }
}
