//! SL351: a service the release needs is disabled.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::helpers::{active_profiles, addressed_by_name, runs_elsewhere};
use crate::rules::{Ctx, FixAvailability, Rule};

pub const RULE: Rule = Rule {
    code: "SL351",
    name: "required-service-scaled-to-zero",
    severity: Severity::Warning,
    summary: "A service the release needs is scaled to zero or given a no-op command",
    fix: FixAvailability::None,
    doc: include_str!("../../rules/SL351.md"),
    check,
};

/// Services other rules judge (replay: SL101; cleanup: SL205), and
/// `geoipupdate`, a one-shot job that only works with a MaxMind account.
const LEFT_OUT: &[&str] = &[
    "ingest-replay-recordings",
    "snuba-replays-consumer",
    "sentry-cleanup",
    "symbolicator-cleanup",
    "vroom-cleanup",
    "geoipupdate",
];

/// What stops when a service does not run.
fn consequence(name: &str) -> &'static str {
    match name {
        "web" => "the UI and API are down, and Relay cannot fetch project configurations",
        "nginx" => "neither the UI nor the event endpoint is reachable",
        "relay" => "no SDK can send anything: nothing is ingested",
        "worker" => "Celery tasks queue up and never run (event processing, alerts, email)",
        "cron" => "periodic tasks (digests, scheduled reports, housekeeping) are never scheduled",
        "ingest-consumer" => "no event, attachment or transaction is ingested",
        "events-consumer" => "no error event is ingested",
        "attachments-consumer" => "events with attachments or minidumps are never processed",
        "transactions-consumer" => "no transaction is ingested: Performance stays empty",
        "snuba-consumer" | "snuba-errors-consumer" => {
            "errors never reach ClickHouse: the issue stream and search show nothing new"
        }
        "snuba-transactions-consumer" => {
            "transactions never reach ClickHouse: Performance stays empty"
        }
        "snuba-outcomes-consumer" => "outcomes never reach ClickHouse: the Stats page stays empty",
        "snuba-replacer" => {
            "merging, deleting and reprocessing issues never takes effect in ClickHouse"
        }
        "snuba-api" => "every Snuba query fails: issue lists, search, Discover and dashboards",
        "post-process-forwarder-errors" => {
            "new errors are never post-processed: no alert, ownership rule or integration fires"
        }
        "post-process-forwarder-transactions" => "transactions are never post-processed",
        "post-process-forwarder-issue-platform" => {
            "issue-platform occurrences (performance and cron issues) are never post-processed"
        }
        "ingest-occurrences" | "snuba-issue-occurrence-consumer" => {
            "issue-platform occurrences (performance, cron and feedback issues) are never stored"
        }
        "metrics-consumer"
        | "generic-metrics-consumer"
        | "snuba-metrics-consumer"
        | "snuba-generic-metrics-counters-consumer"
        | "snuba-generic-metrics-distributions-consumer"
        | "snuba-generic-metrics-sets-consumer"
        | "snuba-generic-metrics-gauges-consumer" => {
            "the metrics datasets get no data: what reads them (release health on the metrics \
             backend, metric alerts) shows nothing"
        }
        "subscription-consumer-events"
        | "subscription-consumer-transactions"
        | "subscription-consumer-metrics"
        | "subscription-consumer-generic-metrics"
        | "snuba-subscription-consumer-events"
        | "snuba-subscription-consumer-transactions"
        | "snuba-subscription-consumer-metrics" => "metric alerts are never evaluated",
        "ingest-monitors" | "monitors-clock-tick" | "monitors-clock-tasks" => {
            "Crons check-ins are not processed, and missed check-ins are never detected"
        }
        "ingest-profiles"
        | "vroom"
        | "snuba-profiling-profiles-consumer"
        | "snuba-profiling-functions-consumer" => "profiles are not stored: Profiling stays empty",
        "ingest-feedback-events" => "user feedback is not ingested",
        "smtp" => "no email leaves through the bundled mail relay",
        "symbolicator" => "native crashes and minidumps are not symbolicated",
        "postgres" | "redis" | "kafka" | "clickhouse" | "memcached" | "zookeeper" => {
            "Sentry cannot work without it"
        }
        _ => "what it does for Sentry stops, and its Kafka topic piles up unread",
    }
}

fn check(ctx: &Ctx, out: &mut Vec<Diagnostic>) {
    let (Some(view), Some(compose)) = (ctx.view(), ctx.compose()) else {
        return;
    };
    let active = active_profiles(ctx.install);
    let version = view.describe();
    let profiles_exist = view.env_keys().iter().any(|e| e.key == "COMPOSE_PROFILES");
    for svc in &compose.services {
        let name = svc.name.as_str();
        if LEFT_OUT.contains(&name) || !view.requires_service(name) {
            continue;
        }
        // A profile that is not active disables it anyway: COMPOSE_PROFILES
        // is SL313's. Only profiles the install gives it itself (an
        // override's `profiles: [metrics]`) are this rule's.
        let is_active = |wanted: &[&str]| wanted.iter().any(|w| active.iter().any(|a| a == w));
        let upstream_runs = view
            .canonical_services(name)
            .iter()
            .all(|c| c.profiles.is_none_or(is_active));
        if let Some(p) = svc.get("profiles") {
            let wanted = p.strings();
            if !wanted.is_empty() && !is_active(&wanted) && !upstream_runs {
                continue;
            }
        }
        let Some((reason, at)) = ctx.disabled(svc).cloned() else {
            continue;
        };
        // Replaced: an override cannot delete a service, so operators switch
        // it off and run their own under another name.
        if !addressed_by_name(compose, name) && runs_elsewhere(ctx, &view, name).is_some() {
            continue;
        }
        let mut help =
            format!("Sentry {version} needs `{name}` running; remove what disables it: {reason}");
        if profiles_exist {
            help.push_str(
                ". To run a smaller install, set `COMPOSE_PROFILES=errors-only` instead of \
                 disabling single services",
            );
        }
        out.push(ctx.diag_at(
            &RULE,
            at,
            format!("`{name}` does not run: {reason}, so {}", consequence(name)),
            help,
        ));
    }
}
