use super::*;
use crate::kb::fold;
use crate::parse::yaml::first_difference;

#[test]
fn knowledge_base_loads_and_orders_releases() {
    let kb = Kb::get();
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
    let kb = Kb::get();
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
        crate::testing::skipped_without_shared();
        return;
    };
    let kb = Kb::get();
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let tag: Version = path.file_name().unwrap().to_str().unwrap().parse().unwrap();
        // Every release the knowledge base claims is compared; upstream
        // folders it does not describe yet are not its claim.
        let Some(release) = kb.release(tag) else {
            continue;
        };
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
    assert_eq!(
        checked,
        kb.releases.len(),
        "a known release has no upstream folder"
    );
}

#[test]
fn views_between_releases_use_both_sides() {
    let kb = Kb::get();
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
    let kb = Kb::get();
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

/// The release files, read now (the build script read the same ones).
fn release_files() -> Vec<(String, String)> {
    let dir = crate::testing::repo().join("migrations/releases");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            (
                p.file_name().unwrap().to_str().unwrap().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn the_build_script_folded_the_current_files() {
    let files = release_files();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let folded = fold::fold(&refs).unwrap();
    let kb = Kb::get();
    assert_eq!(folded.len(), kb.releases.len());
    for (f, r) in folded.iter().zip(&kb.releases) {
        assert_eq!(f.version, r.version);
        assert_eq!(f.compose.render_document(), r.compose_text, "{}", r.version);
        assert_eq!(&f.env, &r.env, "{}", r.version);
        assert_eq!(f.features, r.features, "{}", r.version);
        // The tree parsed back from the text is the tree the fold built.
        assert_eq!(r.compose(), &f.compose, "{}", r.version);
    }
}

#[test]
fn invalid_release_files_are_refused_with_the_file_and_the_reason() {
    let files = release_files();
    let base = files.iter().find(|(n, _)| n == "23.4.0.toml").unwrap();
    let bad = [
        (
            "23.5.0.toml",
            "version = \"23.5.0\"\n[[compose]]\npath = \"services.nope.command\"\nyaml = \"command: x\\n\"\n",
            "does not exist",
        ),
        (
            "23.5.0.toml",
            "version = \"23.5.0\"\n[[compose]]\npath = \"services.x\"\nafter = \"nope\"\nyaml = \"x:\\n  image: a\\n\"\n",
            "no such entry",
        ),
        (
            "23.5.0.toml",
            "version = \"23.5.0\"\nbogus = 1\n",
            "unknown field",
        ),
        ("23.6.0.toml", "version = \"23.5.0\"\n", "declares version"),
        (
            "23.5.0.toml",
            "version = \"23.5.0\"\n[[env.remove]]\nkey = \"NOPE\"\n",
            "cannot remove",
        ),
    ];
    for (name, text, why) in bad {
        let e = fold::fold(&[(base.0.as_str(), base.1.as_str()), (name, text)]).unwrap_err();
        assert!(e.contains(name) && e.contains(why), "{e}");
    }
}

#[test]
fn every_path_fingerprint_comes_from_some_release() {
    let kb = Kb::get();
    let web = kb.release("24.1.0".parse().unwrap()).unwrap();
    let doc = &web.canonical().doc;
    let services = doc.get(doc.root.unwrap(), "services").unwrap().value;
    let cmd = doc
        .get(doc.get(services, "worker").unwrap().value, "command")
        .unwrap()
        .value;
    let fps = path_fingerprints(&format!("services{PATH_SEP}worker{PATH_SEP}command"));
    assert!(fps.contains(&crate::parse::yaml::fingerprint(doc, cmd)));
    assert!(path_fingerprints("services\u{1f}no-such-service").is_empty());
    // ingest-consumer's 23.4.0 command is remembered though 24.1.0 lacks the service.
    assert!(
        !path_fingerprints(&format!(
            "services{PATH_SEP}ingest-consumer{PATH_SEP}command"
        ))
        .is_empty()
    );
}

#[test]
fn folded_service_facts_match_the_canonical_model() {
    for r in &Kb::get().releases {
        let model = facts::of_compose(&r.canonical().compose);
        let folded: Vec<facts::Facts> = r
            .canonical_services()
            .iter()
            .map(|s| facts::Facts {
                name: s.name.to_string(),
                image: s.image.map(str::to_string),
                command: s.command.clone(),
                environment: s
                    .environment
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
                    .collect(),
                profiles: s
                    .profiles
                    .map(|p| p.iter().map(|x| x.to_string()).collect()),
                depends_on: s.depends_on.iter().map(|x| x.to_string()).collect(),
            })
            .collect();
        assert_eq!(folded, model, "{}", r.version);
        let names: Vec<&str> = folded.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, r.services, "{}", r.version);
    }
}

#[test]
fn service_entries_parsed_alone_match_the_whole_file() {
    for r in &Kb::get().releases {
        for name in &r.services {
            for path in [&["services", name][..], &["services", name, "command"]] {
                assert_eq!(
                    r.entry_at(path),
                    r.compose().at(path),
                    "{} {path:?}",
                    r.version
                );
            }
        }
        assert_eq!(r.entry_at(&["services", "no-such-service"]), None);
        assert_eq!(r.entry_at(&["volumes"]), r.compose().at(&["volumes"]));
    }
}

#[test]
fn folded_service_facts_say_what_the_upstream_files_say() {
    // Read off upstream's files by hand (through their `<<:` merges), so a
    // wrong reader in `facts` fails here even where the comparison above,
    // which runs it on both sides, cannot.
    let kb = Kb::get();
    let service = |version: &str, name: &str| {
        let r = kb.release(version.parse().unwrap()).unwrap();
        r.canonical_services()
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("{version} has no {name}"))
    };
    let replays = service("24.1.0", "snuba-replays-consumer");
    assert_eq!(replays.command()[..3], ["consumer", "--storage", "replays"]);
    assert!(replays.depends_on.contains(&"clickhouse") && replays.depends_on.contains(&"kafka"));
    assert!(
        replays
            .environment
            .contains(&("SENTRY_EVENT_RETENTION_DAYS", None))
    );
    assert_eq!(replays.profiles, None);
    let web = service("24.1.0", "web");
    assert!(
        web.environment
            .contains(&("SENTRY_EVENT_RETENTION_DAYS", None))
    );
    assert!(web.depends_on.contains(&"postgres"));
    let replays = service("24.8.0", "snuba-replays-consumer");
    assert_eq!(
        replays.command()[..3],
        ["rust-consumer", "--storage", "replays"]
    );
    assert_eq!(replays.profiles, Some(&["feature-complete"][..]));
}
