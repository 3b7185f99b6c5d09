//! SL317: taskbroker/config.yml lacks a topic the release's taskbroker reads.

use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Fix, yaml_ops};
use crate::kb::tree::{self, CNode};
use crate::model::compose::{Compose, bind_mount};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL317",
    name: "taskbroker-topic-missing",
    severity: Severity::Error,
    summary: "taskbroker/config.yml lacks a Kafka topic the release's taskbroker reads",
    fix: FixAvailability::Always,
    doc: include_str!("../../rules/SL317.md"),
    check,
};

/// Some service binds the install's `taskbroker/config.yml` into the
/// container where the taskbroker reads it (`./taskbroker:/etc/taskbroker`,
/// as upstream does, or the file itself).
fn is_mounted(compose: &Compose) -> bool {
    compose.services.iter().any(|s| {
        s.get("volumes").is_some_and(|v| {
            v.items()
                .iter()
                .filter_map(bind_mount)
                .any(|(source, target)| {
                    let source = source.trim_start_matches("./").trim_end_matches('/');
                    let target = target.trim_end_matches('/');
                    (source, target) == ("taskbroker", "/etc/taskbroker")
                        || (source, target)
                            == ("taskbroker/config.yml", "/etc/taskbroker/config.yml")
                })
        })
    })
}

/// The `kafka_topics` entries of a release's file.
fn topics(text: &str) -> Vec<Arc<CNode>> {
    tree::parse_document(text)
        .ok()
        .and_then(|t| t.child("kafka_topics").map(|k| k.children().to_vec()))
        .unwrap_or_default()
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let (Some(view), Some((file, doc)), Some(compose)) =
        (ctx.view(), ctx.taskbroker_config(), ctx.compose())
    else {
        return;
    };
    let (Some(lower), Some(upper)) = (view.lower.taskbroker_config, view.upper.taskbroker_config)
    else {
        return;
    };
    if !is_mounted(compose) {
        return; // the taskbroker reads another file: not this one's business
    }
    let Some(root) = doc.root else {
        return;
    };
    let Some(kafka_topics) = doc.get(root, "kafka_topics") else {
        return;
    };
    let wanted = topics(upper);
    // A view of one release (or of two with the same file) reads it once.
    let below = if lower == upper {
        wanted.clone()
    } else {
        topics(lower)
    };
    let keys: Vec<&str> = wanted.iter().map(|t| t.key.as_str()).collect();
    let src = ctx.install.file(file);
    let version = view.describe();
    for (i, topic) in wanted.iter().enumerate() {
        // On a view between two releases, only a topic both sides read.
        if !below.iter().any(|b| b.key == topic.key)
            || doc.get(kafka_topics.value, &topic.key).is_some()
        {
            continue;
        }
        let after: Vec<&str> = keys[..i].iter().rev().copied().collect();
        let fix = yaml_ops::insert_entry(
            file,
            src,
            doc,
            kafka_topics.value,
            &after,
            &keys[i + 1..],
            topic,
        )
        .map(|edit| {
            Fix::safe(
                format!("Add upstream's `{}` topic to {}", topic.key, src.display),
                vec![edit],
            )
        });
        let task = topic
            .at(&["raw", "taskname"])
            .map(|t| {
                format!(
                    " and runs `{}` for each message",
                    t.value_text(0, 2, "\n").trim()
                )
            })
            .unwrap_or_default();
        out.push(
            ctx.diag(
                &RULE,
                file,
                doc.node(kafka_topics.key).span,
                format!(
                    "`{}` has no topic `{}`, which the taskbroker of Sentry {version} reads",
                    src.display, topic.key
                ),
                format!(
                    "on Sentry {version} the taskbroker consumes `{}`{task}; without the entry \
                     nothing reads the topic, so that work is never done and the messages wait in \
                     Kafka until its retention drops them. Add the entry as upstream's \
                     taskbroker/config.yml has it",
                    topic.key
                ),
            )
            .with_fix(fix),
        );
    }
}
