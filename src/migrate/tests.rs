//! Migrations end to end, through the real CLI on real files.

use std::path::Path;

use crate::model::compose::Value;
use crate::model::load::{LoadOptions, load_root};
use crate::model::paths::display_of;
use crate::rules::{RuleSelection, check};
use crate::testing::{cli, pristine_upstream, shared_upstream, write_files};

/// `fix --to VERSION --write` until the dry run has nothing left (at most 10 rounds).
fn migrate_fully(dir: &Path, to: &str, extra: &[&str]) -> usize {
    let d = dir.to_str().unwrap();
    for round in 0..10 {
        let (code, _, err) = cli(&[&["fix", "--to", to, d], extra].concat());
        if code == 0 {
            return round;
        }
        assert_eq!(code, 1, "dry run failed: {err}");
        let (code, _, err) = cli(&[&["fix", "--to", to, "--write", d], extra].concat());
        assert_eq!(code, 0, "--write failed: {err}");
    }
    panic!("the migration to {to} did not finish in 10 steps");
}

/// A value in a form where equal configurations print equal.
fn normalized(v: &Value) -> String {
    match v {
        Value::Scalar(s) if v.is_null() => {
            let _ = s;
            "~".into()
        }
        Value::Scalar(s) => format!("{:?}", s.text),
        Value::Seq { items, .. } => format!(
            "[{}]",
            items.iter().map(normalized).collect::<Vec<_>>().join(", ")
        ),
        Value::Map { entries, .. } => {
            let mut parts: Vec<String> = entries
                .iter()
                .map(|e| format!("{}: {}", e.key, normalized(&e.value)))
                .collect();
            parts.sort();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

const FIELDS: &[&str] = &[
    "image",
    "command",
    "entrypoint",
    "environment",
    "depends_on",
    "volumes",
    "ulimits",
    "healthcheck",
    "profiles",
];

/// Differences between two installs' effective compose files, service by service.
fn compose_differences(ours: &Path, theirs: &Path, skip: &[(&str, &str)]) -> Vec<String> {
    let a = load_root(ours, "", &LoadOptions::default());
    let b = load_root(theirs, "", &LoadOptions::default());
    let (ca, cb) = (a.compose.as_ref().unwrap(), b.compose.as_ref().unwrap());
    let mut out = Vec::new();
    for s in &cb.services {
        let Some(mine) = ca.service(&s.name) else {
            out.push(format!("missing service {}", s.name));
            continue;
        };
        for f in FIELDS {
            if skip.contains(&(s.name.as_str(), *f)) {
                continue;
            }
            let x = mine.get(f).map(normalized);
            let y = s.get(f).map(normalized);
            if x != y {
                out.push(format!("{}.{f}: {x:?} != {y:?}", s.name));
            }
        }
    }
    for s in &ca.services {
        if cb.service(&s.name).is_none() {
            out.push(format!("extra service {}", s.name));
        }
    }
    out
}

fn env_pairs(path: &Path) -> Vec<(String, String)> {
    crate::parse::env::parse(&std::fs::read_to_string(path).unwrap())
        .entries
        .into_iter()
        .map(|e| (e.key, e.value))
        .collect()
}

fn version_findings(dir: &Path) -> Vec<String> {
    let install = load_root(dir, "", &LoadOptions::default());
    check(&install, &RuleSelection::default(), None)
        .into_iter()
        .filter(|d| d.severity >= crate::diagnostic::Severity::Warning)
        .map(|d| format!("{} {}", d.code, d.message))
        .collect()
}

#[test]
fn pristine_installs_migrate_to_upstream_24_1_0() {
    let Some(up) = shared_upstream() else {
        crate::testing::skipped_without_shared();
        return;
    };
    let target = pristine_upstream("24.1.0").unwrap();
    // The comparison itself tells releases apart.
    let older = pristine_upstream("23.11.0").unwrap();
    let before = compose_differences(older.path(), target.path(), &[]);
    assert!(
        before
            .iter()
            .any(|d| d == "missing service ingest-monitors"),
        "{before:?}"
    );
    assert_ne!(
        env_pairs(&older.path().join(".env")),
        env_pairs(&up.join("24.1.0/.env"))
    );
    for (from, steps) in [("23.4.0", 3), ("23.6.2", 2), ("23.11.0", 1)] {
        let dir = pristine_upstream(from).unwrap();
        assert_eq!(
            migrate_fully(dir.path(), "24.1.0", &[]),
            steps,
            "from {from}"
        );
        let diffs = compose_differences(dir.path(), target.path(), &[]);
        assert!(diffs.is_empty(), "from {from}:\n{}", diffs.join("\n"));
        assert_eq!(
            env_pairs(&dir.path().join(".env")),
            env_pairs(&up.join("24.1.0/.env")),
            "from {from}"
        );
        let loud = version_findings(dir.path());
        assert!(
            loud.is_empty(),
            "from {from}, check after migrating:\n{}",
            loud.join("\n")
        );
        // sentry.conf.py has what 24.1.0 needs.
        let conf = crate::parse::pyconf::parse(
            &std::fs::read_to_string(dir.path().join("sentry/sentry.conf.py")).unwrap(),
        );
        let kb = crate::kb::Kb::get();
        let r = kb.release("24.1.0".parse().unwrap()).unwrap();
        for f in r.features {
            assert!(conf.feature(f).is_some(), "from {from}: {f} missing");
        }
        assert!(
            conf.setting("SENTRY_RELEASE_HEALTH").is_some(),
            "from {from}"
        );
        // A second run of the last step prints nothing.
        let (code, out, _) = cli(&["fix", "--to", "24.1.0", dir.path().to_str().unwrap()]);
        assert_eq!((code, out.as_str()), (0, ""), "from {from}: not idempotent");
    }
}

#[test]
fn pristine_installs_migrate_to_upstream_26_8_0() {
    let Some(up) = shared_upstream() else {
        crate::testing::skipped_without_shared();
        return;
    };
    let target = pristine_upstream("26.8.0").unwrap();
    let kb = crate::kb::Kb::get();
    let r = kb.release("26.8.0".parse().unwrap()).unwrap();
    let mut failures = Vec::new();
    for from in [
        "23.4.0", "24.1.0", "24.8.0", "25.5.1", "25.10.0", "26.1.0", "26.5.1",
    ] {
        let dir = pristine_upstream(from).unwrap();
        let steps = crate::migrate::plan(kb, from.parse().unwrap(), r.version)
            .unwrap()
            .steps
            .len();
        assert_eq!(
            migrate_fully(dir.path(), "26.8.0", &[]),
            steps,
            "from {from}"
        );
        let mut problems = compose_differences(dir.path(), target.path(), &[]);
        if env_pairs(&dir.path().join(".env")) != env_pairs(&up.join("26.8.0/.env")) {
            problems.push(".env differs from upstream's".into());
        }
        problems.extend(version_findings(dir.path()));
        let conf = crate::parse::pyconf::parse(
            &std::fs::read_to_string(dir.path().join("sentry/sentry.conf.py")).unwrap(),
        );
        for f in r.features {
            if conf.feature(f).is_none() {
                problems.push(format!("sentry.conf.py lacks {f}"));
            }
        }
        let host = conf.lookup("DATABASES", &["default", "HOST"]);
        if host.and_then(|(e, _)| e.as_str()) != Some("pgbouncer") {
            problems.push("sentry.conf.py still connects to postgres directly".into());
        }
        let backend = conf.lookup("CACHES", &["default", "BACKEND"]);
        if backend.and_then(|(e, _)| e.as_str()) != Some(r.cache_backend) {
            problems.push("sentry.conf.py keeps another cache backend".into());
        }
        // The taskbroker's config, which compose binds from 26.6.0 on.
        match std::fs::read_to_string(dir.path().join("taskbroker/config.yml")) {
            Ok(ours) => {
                let theirs =
                    std::fs::read_to_string(up.join("26.8.0/taskbroker/config.yml")).unwrap();
                let a = crate::parse::yaml::parse(&ours, Default::default()).unwrap();
                let b = crate::parse::yaml::parse(&theirs, Default::default()).unwrap();
                let difference =
                    crate::parse::yaml::first_difference(&a, a.root.unwrap(), &b, b.root.unwrap());
                if let Some(d) = difference {
                    problems.push(format!(
                        "taskbroker/config.yml differs from upstream at {d}"
                    ));
                }
            }
            Err(e) => problems.push(format!("taskbroker/config.yml: {e}")),
        }
        let (code, out, _) = cli(&["fix", "--to", "26.8.0", dir.path().to_str().unwrap()]);
        if (code, out.as_str()) != (0, "") {
            problems.push("a second run still has changes".into());
        }
        if !problems.is_empty() {
            failures.push(format!("from {from}:\n  {}", problems.join("\n  ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_taskbroker_config_of_the_operators_own_is_kept_and_reviewed() {
    let Some(dir) = pristine_upstream("26.7.0") else {
        crate::testing::skipped_without_shared();
        return;
    };
    let path = dir.path().join("taskbroker/config.yml");
    let mine = std::fs::read_to_string(&path).unwrap().replace(
        "consumer_group: taskworker\n",
        "consumer_group: our-taskworker\n",
    );
    std::fs::write(&path, &mine).unwrap();
    let root = dir.path().to_str().unwrap();
    let (code, out, err) = cli(&["fix", "--to", "26.8.0", "--format", "json", root]);
    assert_eq!(code, 1, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let install = &json["installs"][0];
    assert_eq!(install["new_files"], serde_json::json!([]));
    let reviews: Vec<&str> = install["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r.as_str())
        .filter(|r| r.contains("taskbroker/config.yml"))
        .collect();
    assert_eq!(reviews.len(), 1, "{}", install["reviews"]);
    let review = reviews[0];
    for said in [
        "changes of your own",
        "adds `kafka_session_timeout_ms`",
        "adds topic `ingest-replay-recordings`",
        "compared with 26.7.0's",
    ] {
        assert!(review.contains(said), "{review}");
    }
    assert!(
        !install["diff"]
            .as_str()
            .unwrap()
            .contains("taskbroker/config.yml\n@@")
    );
    migrate_fully(dir.path(), "26.8.0", &[]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), mine);
}

#[test]
fn the_taskbroker_config_goes_where_compose_binds_it() {
    let Some(dir) = pristine_upstream("26.5.1") else {
        crate::testing::skipped_without_shared();
        return;
    };
    write_files(
        dir.path(),
        &[(
            "docker-compose.override.yml",
            "services:\n  taskbroker:\n    volumes:\n      - ./ops/taskbroker:/etc/taskbroker:ro\n"
                .into(),
        )],
    );
    migrate_fully(dir.path(), "26.8.0", &[]);
    assert!(!dir.path().join("taskbroker").exists());
    let kb = crate::kb::Kb::get();
    let expected = kb
        .release("26.8.0".parse().unwrap())
        .unwrap()
        .taskbroker_config;
    assert_eq!(
        std::fs::read_to_string(dir.path().join("ops/taskbroker/config.yml"))
            .ok()
            .as_deref(),
        expected
    );
    // A folder outside the install is the operator's to fill.
    let outside = pristine_upstream("26.5.1").unwrap();
    write_files(
        outside.path(),
        &[(
            "docker-compose.override.yml",
            "services:\n  taskbroker:\n    volumes:\n      - /srv/taskbroker:/etc/taskbroker:ro\n"
                .into(),
        )],
    );
    let (code, out, err) = cli(&["fix", "--to", "26.8.0", outside.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(!out.contains("new file mode"), "{out}");
    assert!(
        err.contains(
            "review: the taskbroker reads /etc/taskbroker/config.yml from `/srv/taskbroker`"
        ),
        "{err}"
    );
}

/// An install with an operator's customizations: comments, an own service,
/// changed values, a customized service upstream splits, an override file.
fn customized_23_4_0() -> Option<tempfile::TempDir> {
    let dir = pristine_upstream("23.4.0")?;
    let compose_path = dir.path().join("docker-compose.yml");
    let compose = std::fs::read_to_string(&compose_path).unwrap();
    let compose = compose
        .replace(
            "  worker:\n    <<: *sentry_defaults\n    command: run worker\n",
            "  worker:\n    <<: *sentry_defaults\n    # Four worker processes: our queue backs up otherwise.\n    command: run worker -c 4\n",
        )
        .replace(
            "  ingest-consumer:\n    <<: *sentry_defaults\n    command: run ingest-consumer --all-consumer-types\n",
            "  ingest-consumer:\n    <<: *sentry_defaults\n    command: run ingest-consumer --all-consumer-types\n    environment:\n      INGEST_TUNING: \"fast\"\n",
        )
        .replace(
            "volumes:\n  # These store application data",
            "  # Our own exporter, not part of self-hosted.\n  metrics-exporter:\n    image: \"prom/statsd-exporter:v0.26.0\"\n    restart: unless-stopped\nvolumes:\n  # These store application data",
        );
    std::fs::write(&compose_path, compose).unwrap();
    let env = std::fs::read_to_string(dir.path().join(".env")).unwrap();
    std::fs::write(
        dir.path().join(".env"),
        env.replace(
            "SENTRY_EVENT_RETENTION_DAYS=90",
            "SENTRY_EVENT_RETENTION_DAYS=30",
        ),
    )
    .unwrap();
    write_files(
        dir.path(),
        &[(
            "docker-compose.override.yml",
            "# Keep web close to the database host.\nservices:\n  web:\n    environment:\n      TZ: \"Europe/Berlin\"\n".to_string(),
        )],
    );
    Some(dir)
}

#[test]
fn customizations_survive_and_the_rest_is_upstream() {
    let Some(up) = shared_upstream() else {
        crate::testing::skipped_without_shared();
        return;
    };
    let dir = customized_23_4_0().unwrap();
    let override_before = std::fs::read(dir.path().join("docker-compose.override.yml")).unwrap();
    migrate_fully(dir.path(), "24.1.0", &[]);
    let compose = std::fs::read_to_string(dir.path().join("docker-compose.yml")).unwrap();
    assert!(compose.contains(
        "    # Four worker processes: our queue backs up otherwise.\n    command: run worker -c 4\n"
    ));
    assert!(
        compose.contains("  # Our own exporter, not part of self-hosted.\n  metrics-exporter:\n")
    );
    assert!(
        !compose.contains("ingest-consumer:"),
        "the split service is gone"
    );
    // The operator's own key on ingest-consumer moved to each successor.
    let install = load_root(dir.path(), "", &LoadOptions::default());
    let c = install.compose.as_ref().unwrap();
    for s in [
        "events-consumer",
        "attachments-consumer",
        "transactions-consumer",
    ] {
        let env = c.service(s).unwrap().get("environment").unwrap();
        assert_eq!(
            env.get("INGEST_TUNING").and_then(Value::as_str),
            Some("fast"),
            "{s}"
        );
    }
    assert_eq!(
        std::fs::read(dir.path().join("docker-compose.override.yml")).unwrap(),
        override_before
    );
    assert!(
        env_pairs(&dir.path().join(".env"))
            .contains(&("SENTRY_EVENT_RETENTION_DAYS".into(), "30".into()))
    );
    // Everything else equals upstream 24.1.0.
    let target = pristine_upstream("24.1.0").unwrap();
    let skip: Vec<(&str, &str)> = [
        "events-consumer",
        "attachments-consumer",
        "transactions-consumer",
    ]
    .iter()
    .map(|s| (*s, "environment"))
    .chain([("worker", "command"), ("web", "environment")])
    .collect();
    let mut diffs = compose_differences(dir.path(), target.path(), &skip);
    diffs.retain(|d| d != "extra service metrics-exporter");
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
    let mut env = env_pairs(&dir.path().join(".env"));
    let mut theirs = env_pairs(&up.join("24.1.0/.env"));
    env.retain(|(k, _)| k != "SENTRY_EVENT_RETENTION_DAYS");
    theirs.retain(|(k, _)| k != "SENTRY_EVENT_RETENTION_DAYS");
    assert_eq!(env, theirs);
}

/// A 25.x fork as operators keep them: `.env.custom` with its own retention
/// and a comment (layered over `.env` from 25.1.0), an override with a
/// service of its own and a changed value, comments in compose.
fn customized_25_5_1() -> Option<tempfile::TempDir> {
    let dir = pristine_upstream("25.5.1")?;
    let compose_path = dir.path().join("docker-compose.yml");
    let compose = std::fs::read_to_string(&compose_path).unwrap().replace(
        "  relay:\n    <<: *restart_policy\n",
        "  # Relay sits behind our load balancer; see ops/README.\n  relay:\n    <<: *restart_policy\n",
    );
    std::fs::write(&compose_path, compose).unwrap();
    write_files(
        dir.path(),
        &[
            (
                ".env.custom",
                "# Legal asked for 30 days (ticket OPS-412).\nSENTRY_EVENT_RETENTION_DAYS=30\n"
                    .to_string(),
            ),
            (
                "docker-compose.override.yml",
                "services:\n  nginx:\n    # TLS ends at nginx here.\n    ports:\n      - \"443:443/tcp\"\n  backup:\n    image: \"prodrigestivill/postgres-backup-local:16\"\n    restart: unless-stopped\n".to_string(),
            ),
        ],
    );
    Some(dir)
}

#[test]
fn a_customized_25_x_fork_keeps_its_changes_on_the_way_to_26_8_0() {
    let Some(up) = shared_upstream() else {
        crate::testing::skipped_without_shared();
        return;
    };
    let dir = customized_25_5_1().unwrap();
    let custom_before = std::fs::read(dir.path().join(".env.custom")).unwrap();
    let override_before = std::fs::read(dir.path().join("docker-compose.override.yml")).unwrap();
    migrate_fully(dir.path(), "26.8.0", &[]);
    // The operator's files and words are where they were.
    assert_eq!(
        std::fs::read(dir.path().join(".env.custom")).unwrap(),
        custom_before,
        "layered over .env, .env.custom needs no new keys"
    );
    assert_eq!(
        std::fs::read(dir.path().join("docker-compose.override.yml")).unwrap(),
        override_before
    );
    let compose = std::fs::read_to_string(dir.path().join("docker-compose.yml")).unwrap();
    assert!(
        compose.contains("  # Relay sits behind our load balancer; see ops/README.\n  relay:\n")
    );
    // The effective retention is still the operator's.
    let install = load_root(dir.path(), "", &LoadOptions::default());
    assert_eq!(install.var("SENTRY_EVENT_RETENTION_DAYS"), Some("30"));
    assert_eq!(
        install.release.version,
        Some("26.8.0".parse().unwrap()),
        "the release comes from .env"
    );
    // Everything else is upstream's 26.8.0, and it lints clean.
    assert_eq!(
        env_pairs(&dir.path().join(".env")),
        env_pairs(&up.join("26.8.0/.env"))
    );
    let target = pristine_upstream("26.8.0").unwrap();
    let mut diffs = compose_differences(dir.path(), target.path(), &[("nginx", "ports")]);
    diffs.retain(|d| d != "extra service backup");
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
    let loud = version_findings(dir.path());
    assert!(loud.is_empty(), "{}", loud.join("\n"));
}

/// Lines a unified diff adds or removes.
fn changed_lines(diff: &str) -> usize {
    diff.lines()
        .filter(|l| {
            (l.starts_with('+') && !l.starts_with("+++"))
                || (l.starts_with('-') && !l.starts_with("---"))
        })
        .count()
}

#[test]
fn the_23_11_to_24_1_step_is_no_bigger_than_upstreams_own_change() {
    let Some(up) = shared_upstream() else {
        crate::testing::skipped_without_shared();
        return;
    };
    let dir = pristine_upstream("23.11.0").unwrap();
    let (code, ours, _) = cli(&["fix", "--to", "24.1.0", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    let pristine = crate::testing::repo().join("testdata/pristine");
    let mut upstream = 0;
    for (a, b) in [
        (
            up.join("23.11.0/docker-compose.yml"),
            up.join("24.1.0/docker-compose.yml"),
        ),
        (up.join("23.11.0/.env"), up.join("24.1.0/.env")),
        (
            pristine.join("23.11.0/sentry.conf.py"),
            pristine.join("24.1.0/sentry.conf.py"),
        ),
    ] {
        let (x, y) = (
            std::fs::read_to_string(a).unwrap(),
            std::fs::read_to_string(b).unwrap(),
        );
        upstream += changed_lines(&crate::fix::unified_diff("f", &x, &y, &|_| false).0);
    }
    let mine = changed_lines(&ours);
    assert!(
        mine <= upstream,
        "our step changes {mine} lines, upstream's own change {upstream}:\n{ours}"
    );
    assert!(mine > 0);
}

#[test]
fn dry_run_diffs_apply_with_git_and_patch() {
    let Some(dir) = pristine_upstream("23.4.0") else {
        crate::testing::skipped_without_shared();
        return;
    };
    let (code, diff, _) = cli(&["fix", "--to", "24.1.0", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    // Paths in the diff start with the install's path as given; make them
    // relative to the install, where the tools run.
    let rel = diff.replace(&format!("{}/", display_of(dir.path())), "");
    let patch = dir.path().join("step.patch");
    std::fs::write(&patch, &rel).unwrap();
    let tools = [
        ("git", vec!["apply", "--check", "-v", "step.patch"]),
        ("patch", vec!["-p1", "--dry-run", "-i", "step.patch"]),
    ];
    let mut ran = 0;
    for (tool, args) in tools {
        let status = std::process::Command::new(tool)
            .args(&args)
            .current_dir(dir.path())
            .output();
        match status {
            Ok(o) => {
                assert!(
                    o.status.success(),
                    "{tool} refused the diff: {}\n{rel}",
                    String::from_utf8_lossy(&o.stderr)
                );
                ran += 1;
            }
            Err(_) => {
                // Straight to stderr: `cargo test` swallows `eprintln!`.
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "\ngit apply / patch test: SKIPPED for {tool}: it is not installed\n"
                );
            }
        }
    }
    assert!(
        ran > 0,
        "neither git nor patch is available to check the diff"
    );
}

#[test]
fn patches_for_every_step_at_once() {
    let Some(dir) = pristine_upstream("23.4.0") else {
        crate::testing::skipped_without_shared();
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let (code, _, err) = cli(&[
        "fix",
        "--to",
        "24.1.0",
        "--patches",
        out.path().to_str().unwrap(),
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let mut names: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "0001-sentry-23.6.2.patch",
            "0002-sentry-23.11.0.patch",
            "0003-sentry-24.1.0.patch"
        ]
    );
    let first = std::fs::read_to_string(out.path().join(&names[0])).unwrap();
    assert!(
        first.contains("\nSubject: [PATCH 1/3] Sentry self-hosted 23.6.2 (hard stop)\n"),
        "{first}"
    );
    assert!(first.contains("+  events-consumer:"));
}

#[test]
fn plans_refuse_what_cannot_be_done() {
    let kb = crate::kb::Kb::get();
    let v = |s: &str| s.parse().unwrap();
    let p = super::plan(kb, v("23.4.0"), v("24.1.0")).unwrap();
    let steps: Vec<String> = p
        .steps
        .iter()
        .map(|s| s.release.version.to_string())
        .collect();
    assert_eq!(steps, ["23.6.2", "23.11.0", "24.1.0"]);
    let p = super::plan(kb, v("23.8.0"), v("25.5.1")).unwrap();
    let steps: Vec<String> = p
        .steps
        .iter()
        .map(|s| s.release.version.to_string())
        .collect();
    assert_eq!(steps, ["23.11.0", "24.8.0", "25.5.1"]);
    // Every hard stop of selfhosted-versions-2.md §1, in order.
    let p = super::plan(kb, v("23.4.0"), v("26.8.0")).unwrap();
    let steps: Vec<String> = p
        .steps
        .iter()
        .map(|s| s.release.version.to_string())
        .collect();
    assert_eq!(
        steps,
        [
            "23.6.2", "23.11.0", "24.8.0", "25.5.1", "26.5.1", "26.7.0", "26.8.0"
        ]
    );
    assert!(
        super::plan(kb, v("24.1.0"), v("23.11.0"))
            .unwrap_err()
            .contains("downgrade")
    );
    assert!(
        super::plan(kb, v("23.4.0"), v("23.7.0"))
            .unwrap_err()
            .contains("skip")
    );
    assert!(
        super::plan(kb, v("23.4.0"), v("26.9.0"))
            .unwrap_err()
            .contains("no facts")
    );
    assert!(
        super::plan(kb, v("25.5.1"), v("25.12.0"))
            .unwrap_err()
            .contains("InconsistentMigrationHistory")
    );
    assert!(
        super::plan(kb, v("22.8.0"), v("24.1.0"))
            .unwrap_err()
            .contains("older than")
    );
    // Releases between two known ones plan through the next stop.
    let p = super::plan(kb, v("24.5.3"), v("25.5.1")).unwrap();
    assert_eq!(p.steps[0].release.version.to_string(), "24.8.0");
}

#[test]
fn line_endings_and_final_newline_are_kept() {
    let Some(dir) = pristine_upstream("23.11.0") else {
        crate::testing::skipped_without_shared();
        return;
    };
    let compose = dir.path().join("docker-compose.yml");
    let crlf = std::fs::read_to_string(&compose)
        .unwrap()
        .replace('\n', "\r\n");
    std::fs::write(&compose, crlf).unwrap();
    let env = dir.path().join(".env");
    let text = std::fs::read_to_string(&env).unwrap();
    std::fs::write(&env, text.trim_end()).unwrap();
    let (code, _, err) = cli(&[
        "fix",
        "--to",
        "24.1.0",
        "--write",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let after = std::fs::read_to_string(&compose).unwrap();
    assert!(after.contains("ingest-monitors:\r\n"));
    assert!(
        !after.replace("\r\n", "").contains('\n'),
        "a bare LF slipped into a CRLF file"
    );
    let env_after = std::fs::read_to_string(&env).unwrap();
    assert!(!env_after.ends_with('\n'));
    assert!(env_after.contains("SENTRY_IMAGE=getsentry/sentry:24.1.0"));
}

#[test]
fn the_next_hard_stop_comes_from_data_alone() {
    let Some(up) = shared_upstream() else {
        crate::testing::skipped_without_shared();
        return;
    };
    let dir = pristine_upstream("24.1.0").unwrap();
    migrate_fully(dir.path(), "24.8.0", &[]);
    let target = pristine_upstream("24.8.0").unwrap();
    let diffs = compose_differences(dir.path(), target.path(), &[]);
    assert!(diffs.is_empty(), "24.1.0 -> 24.8.0:\n{}", diffs.join("\n"));
    assert_eq!(
        env_pairs(&dir.path().join(".env")),
        env_pairs(&up.join("24.8.0/.env"))
    );
}

#[test]
fn a_change_that_breaks_a_file_or_overlaps_is_named_and_nothing_is_applied() {
    use crate::fix::{Edit, Fix};
    use crate::source::Span;
    let tmp = tempfile::tempdir().unwrap();
    write_files(
        tmp.path(),
        &[(
            "docker-compose.yml",
            "services:\n  web:\n    image: a\n".into(),
        )],
    );
    let install = load_root(tmp.path(), "", &LoadOptions::default());
    let image = install.files[0].text.find("a\n").unwrap();
    let good = Fix::safe(
        "Set the image",
        vec![Edit::replace(0, Span::new(image, image + 1), "b")],
    );
    let bad = Fix::safe(
        "Add a broken line",
        vec![Edit::insert(0, install.files[0].text.len(), "\tx: [\n")],
    );
    let options = LoadOptions::default();
    let texts = super::apply_checked(&install, &[&good], &options, "the fixes").unwrap();
    assert_eq!(texts[&0], "services:\n  web:\n    image: b\n");
    let err = super::apply_checked(&install, &[&good, &bad], &options, "the fixes").unwrap_err();
    assert!(err.contains("the change \"Add a broken line\""), "{err}");
    assert!(err.contains("docker-compose.yml:4:1"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    let clash = Fix::safe(
        "Set the image again",
        vec![Edit::replace(0, Span::new(image, image + 1), "c")],
    );
    let err = super::apply_checked(&install, &[&good, &clash], &options, "the fixes").unwrap_err();
    assert!(
        err.contains("overlap (Set the image / Set the image again)"),
        "{err}"
    );
}
