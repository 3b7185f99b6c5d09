//! SL370: Kafka runs without upstream's retention limit.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::compose::Value;
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL370",
    name: "kafka-retention",
    severity: Severity::Warning,
    summary: "Kafka runs without upstream's 24-hour log retention, or with none at all",
    fix: FixAvailability::None,
    doc: include_str!("../../rules/SL370.md"),
    check,
};

/// Kafka's retention settings, in the order Kafka gives them precedence.
const UNITS: &[&str] = &[
    "LOG_RETENTION_MS",
    "LOG_RETENTION_MINUTES",
    "LOG_RETENTION_HOURS",
];

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let Some(kafka) = ctx.service("kafka") else {
        return;
    };
    // How the image maps environment variables to broker settings.
    let image = ctx.install.expand(kafka.image().unwrap_or(""));
    let prefix = if image.contains("confluentinc/cp-kafka") {
        "KAFKA_"
    } else if image.contains("bitnami/kafka") {
        "KAFKA_CFG_"
    } else {
        return;
    };
    let env = kafka.get("environment");
    let items = env.map(Value::keyed).unwrap_or_default();
    let setting = UNITS.iter().find_map(|unit| {
        let key = format!("{prefix}{unit}");
        let item = items.iter().rev().find(|k| k.key == key)?;
        let value = match &item.value {
            Some(v) => ctx.install.interpolate(v).value,
            None => ctx.install.var(&key)?.to_string(),
        };
        (!value.trim().is_empty()).then(|| (key, value, item.value_at.unwrap_or(item.key_at)))
    });
    let hours = format!("{prefix}LOG_RETENTION_HOURS");
    match setting {
        None => {
            let at = kafka
                .entry("environment")
                .map(|e| e.key_at)
                .unwrap_or(kafka.key_at);
            out.push(ctx.diag_at(
                &RULE,
                at,
                format!("`kafka` sets no `{hours}` (nor `_MINUTES` or `_MS`)"),
                format!(
                    "Kafka then keeps every topic for its own default of 168 hours instead of the 24 \
                     hours upstream's docker-compose.yml sets, and the \
                     `sentry-kafka` volume grows to tens of GB until the disk is full; set \
                     `{hours}: \"24\"` in the `kafka` environment, then recreate the container \
                     (`docker compose up -d kafka`)"
                ),
            ));
        }
        Some((key, value, at)) if value.trim() == "-1" => {
            out.push(ctx.diag_at(
                &RULE,
                at,
                format!("`{key}: -1` keeps Kafka's logs forever"),
                format!(
                    "with no time limit every event ever sent stays in the `sentry-kafka` volume \
                     until the disk is full, and Sentry's consumers do not need it after they read \
                     it; upstream sets `{hours}: \"24\"`"
                ),
            ));
        }
        Some(_) => {}
    }
}
