use super::*;
use crate::parse::yaml::first_difference;

#[test]
fn knowledge_base_loads_and_orders_releases() {
    let kb = Kb::load().unwrap();
    let versions: Vec<String> = kb.releases.iter().map(|r| r.version.to_string()).collect();
    for v in [
        "23.4.0", "23.6.2", "23.11.0", "24.1.0", "24.1.2", "24.8.0", "25.5.1",
    ] {
        assert!(versions.contains(&v.to_string()), "missing {v}");
    }
    let stops: Vec<String> = kb
        .releases
        .iter()
        .filter(|r| r.hard_stop)
        .map(|r| r.version.to_string())
        .collect();
    assert_eq!(stops, ["23.6.2", "23.11.0", "24.8.0", "25.5.1"]);
    let mut sorted = kb.releases.iter().map(|r| r.version).collect::<Vec<_>>();
    sorted.sort();
    assert_eq!(
        sorted,
        kb.releases.iter().map(|r| r.version).collect::<Vec<_>>()
    );
}

#[test]
fn every_release_renders_a_valid_compose_file() {
    let kb = Kb::load().unwrap();
    for r in &kb.releases {
        let c = r.canonical();
        assert!(c.compose.service("web").is_some(), "{}", r.version);
        for e in &r.env {
            assert!(!e.value.contains('{'), "{} {}", r.version, e.key);
        }
    }
}

#[test]
fn knowledge_base_matches_upstream_files() {
    let Some(dir) = crate::testing::shared_upstream() else {
        eprintln!("skipped: ../shared/upstream is absent");
        return;
    };
    let kb = Kb::load().unwrap();
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let tag: Version = path.file_name().unwrap().to_str().unwrap().parse().unwrap();
        let release = kb
            .release(tag)
            .unwrap_or_else(|| panic!("{tag} is not in the knowledge base"));
        // docker-compose.yml
        let upstream = std::fs::read_to_string(path.join("docker-compose.yml")).unwrap();
        let up = crate::parse::yaml::parse(&upstream, Default::default()).unwrap();
        let ours = &release.canonical().doc;
        if let Some(d) = first_difference(ours, ours.root.unwrap(), &up, up.root.unwrap()) {
            panic!("{tag}: docker-compose.yml differs from upstream at {d}");
        }
        // .env
        let env = crate::parse::env::parse(&std::fs::read_to_string(path.join(".env")).unwrap());
        let theirs: Vec<(&str, &str)> = env
            .entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str()))
            .collect();
        let mine: Vec<(&str, &str)> = release
            .env
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str()))
            .collect();
        assert_eq!(mine, theirs, "{tag}: .env differs from upstream");
        checked += 1;
    }
    assert_eq!(checked, 6);
}

#[test]
fn views_between_releases_use_both_sides() {
    let kb = Kb::load().unwrap();
    // 24.5.0 is not in the knowledge base: 24.1.2 and 24.8.0 bracket it.
    let v = kb.view("24.5.0".parse().unwrap()).unwrap();
    assert!(v.exact().is_none());
    assert_eq!(v.lower.version.to_string(), "24.1.2");
    assert_eq!(v.upper.version.to_string(), "24.8.0");
    // zookeeper exists on one side only: neither required nor obsolete.
    assert!(!v.requires_service("zookeeper"));
    assert!(v.allows_service("zookeeper"));
    assert!(v.requires_service("snuba-replays-consumer"));
    assert!(!v.allows_service("ingest-consumer"));
    assert!(kb.view("22.1.0".parse().unwrap()).is_none());
    assert!(kb.view("26.1.0".parse().unwrap()).is_none());
}

#[test]
fn facts_follow_the_documented_timeline() {
    let kb = Kb::load().unwrap();
    let at = |v: &str| kb.release(v.parse().unwrap()).unwrap();
    assert!(!at("23.5.2").cli.unified_consumer);
    assert!(at("23.6.0").cli.unified_consumer);
    assert_eq!(
        at("24.1.0").cache_backend,
        "django.core.cache.backends.memcached.MemcachedCache"
    );
    assert_eq!(
        at("24.1.1").cache_backend,
        "django.core.cache.backends.memcached.PyMemcacheCache"
    );
    assert!(at("23.9.1").setting("SENTRY_RELEASE_HEALTH").is_some());
    assert!(at("23.8.0").setting("SENTRY_RELEASE_HEALTH").is_none());
    assert!(at("25.5.1").setting("SENTRY_RELEASE_HEALTH").is_none());
    assert_eq!(
        at("23.6.0").env_fact("VROOM_IMAGE").unwrap().value,
        "getsentry/vroom:nightly"
    );
    assert_eq!(
        at("23.6.1").env_fact("VROOM_IMAGE").unwrap().value,
        "getsentry/vroom:23.6.1"
    );
    assert_eq!(kb.renamed("ingest-consumer").unwrap().1.to.len(), 3);
    assert!(
        at("24.1.0")
            .features
            .contains(&"organizations:monitors".to_string())
    );
}
