use super::*;
use crate::kb::fold;
use crate::parse::yaml::first_difference;

#[test]
fn knowledge_base_loads_and_orders_releases() {
    let kb = Kb::get();
    let versions: Vec<String> = kb.releases.iter().map(|r| r.version.to_string()).collect();
    for v in [
        "23.4.0", "23.6.2", "23.11.0", "24.1.0", "24.1.2", "24.8.0", "25.5.1", "26.8.0",
    ] {
        assert!(versions.contains(&v.to_string()), "missing {v}");
    }
    let stops: Vec<String> = kb
        .releases
        .iter()
        .filter(|r| r.hard_stop)
        .map(|r| r.version.to_string())
        .collect();
    // selfhosted-versions-2.md §1.
    assert_eq!(
        stops,
        ["23.6.2", "23.11.0", "24.8.0", "25.5.1", "26.5.1", "26.7.0"]
    );
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
        for e in r.env {
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
        let mine: Vec<(&str, &str)> = release.env.iter().map(|e| (e.key, e.value)).collect();
        assert_eq!(mine, theirs, "{tag}: .env differs from upstream");
        // The example sentry.conf.py and config.example.yml.
        let example = std::fs::read_to_string(path.join("sentry/sentry.conf.example.py")).unwrap();
        let facts = crate::kb::import::conf_facts(&example).unwrap();
        assert_eq!(release.features, facts.features, "{tag}: feature flags");
        assert_eq!(
            release.cache_backend, facts.cache_backend,
            "{tag}: cache backend"
        );
        assert_eq!(
            release.cache_options, facts.cache_options,
            "{tag}: cache options"
        );
        let conf = crate::parse::pyconf::parse(&example);
        for s in release.settings {
            let value = match s.path() {
                ("SENTRY_FEATURES", keys) if keys.len() == 1 => {
                    assert!(
                        conf.feature(keys[0]).is_some(),
                        "{tag}: the example lacks {}",
                        s.name
                    );
                    continue;
                }
                (base, keys) if keys.is_empty() => conf.setting(base).map(|a| &a.value),
                (base, keys) => conf.lookup(base, &keys).map(|(e, _)| e),
            };
            let value = value.unwrap_or_else(|| panic!("{tag}: the example lacks {}", s.name));
            if let Some(expected) = &s.value {
                assert_eq!(value.as_str(), Some(*expected), "{tag}: {}", s.name);
            }
        }
        let config = std::fs::read_to_string(path.join("sentry/config.example.yml")).unwrap();
        let values = crate::kb::import::config_values(&config).unwrap();
        let mine: Vec<(String, String)> = release
            .config_values
            .iter()
            .map(|(p, v)| (p.to_string(), v.to_string()))
            .collect();
        assert_eq!(mine, values, "{tag}: config.example.yml");
        // taskbroker/config.yml, which compose binds from 26.6.0.
        let taskbroker = std::fs::read_to_string(path.join("taskbroker/config.yml")).ok();
        match (release.taskbroker_config, taskbroker) {
            (None, None) => {}
            (Some(ours), Some(theirs)) => {
                let a = crate::parse::yaml::parse(ours, Default::default()).unwrap();
                let b = crate::parse::yaml::parse(&theirs, Default::default()).unwrap();
                if let Some(d) = first_difference(&a, a.root.unwrap(), &b, b.root.unwrap()) {
                    panic!("{tag}: taskbroker/config.yml differs from upstream at {d}");
                }
            }
            (ours, theirs) => panic!(
                "{tag}: taskbroker/config.yml: the knowledge base has {}, upstream has {}",
                if ours.is_some() { "one" } else { "none" },
                if theirs.is_some() { "one" } else { "none" }
            ),
        }
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
    // 26.7.3 was never released: 26.7.2 and 26.8.0 bracket it.
    let v = kb.view("26.7.3".parse().unwrap()).unwrap();
    assert!(v.exact().is_none());
    assert_eq!(v.lower.version.to_string(), "26.7.2");
    assert_eq!(v.upper.version.to_string(), "26.8.0");
    // A service on one side only is neither required nor obsolete.
    let one_side: Vec<&str> = v
        .lower
        .services
        .iter()
        .copied()
        .filter(|s| !v.upper.has_service(s))
        .collect();
    assert!(!one_side.is_empty());
    for s in one_side {
        assert!(!v.requires_service(s) && v.allows_service(s), "{s}");
    }
    assert!(v.requires_service("web"));
    assert!(!v.allows_service("ingest-consumer"));
    assert!(kb.view("22.1.0".parse().unwrap()).is_none());
    assert!(kb.view("99.1.0".parse().unwrap()).is_none());
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
    assert!(at("24.1.0").features.contains(&"organizations:monitors"));
}

/// The release files, read now (the build script read the same ones), named
/// by their path under migrations/.
fn release_files() -> Vec<(String, String)> {
    let mut files = Vec::new();
    for sub in ["derived", "releases"] {
        let dir = crate::testing::repo().join("migrations").join(sub);
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "toml") {
                let name = format!("{sub}/{}", p.file_name().unwrap().to_str().unwrap());
                files.push((name, std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
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
        let folded_env: Vec<[&str; 4]> = f
            .env
            .iter()
            .map(|e| [&e.key, &e.value, &e.template, &e.comment].map(String::as_str))
            .collect();
        let data_env: Vec<[&str; 4]> = r
            .env
            .iter()
            .map(|e| [e.key, e.value, e.template, e.comment])
            .collect();
        assert_eq!(folded_env, data_env, "{}", r.version);
        assert_eq!(f.features, r.features, "{}", r.version);
        // The tree parsed back from the text is the tree the fold built.
        assert_eq!(r.compose(), &f.compose, "{}", r.version);
    }
}

#[test]
fn invalid_release_files_are_refused_with_the_file_and_the_reason() {
    let files = release_files();
    let base: Vec<(&str, &str)> = files
        .iter()
        .filter(|(n, _)| n.ends_with("/23.4.0.toml"))
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let bad = [
        (
            "derived/23.5.0.toml",
            "version = \"23.5.0\"\n[[compose]]\npath = \"services.nope.command\"\nyaml = \"command: x\\n\"\n",
            "does not exist",
        ),
        (
            "derived/23.5.0.toml",
            "version = \"23.5.0\"\n[[compose]]\npath = \"services.x\"\nafter = \"nope\"\nyaml = \"x:\\n  image: a\\n\"\n",
            "no such entry",
        ),
        (
            "derived/23.5.0.toml",
            "version = \"23.5.0\"\nbogus = 1\n",
            "unknown field",
        ),
        (
            "derived/23.6.0.toml",
            "version = \"23.5.0\"\n",
            "declares version",
        ),
        (
            "releases/23.5.0.toml",
            "version = \"23.5.0\"\n[sentry_conf]\ncache_backend = \"x\"\n",
            "derived from upstream",
        ),
        (
            "derived/23.5.0.toml",
            "version = \"23.5.0\"\n[[compose]]\npath = \"services.x\"\nafter = \"web\"\nbefore = \"web\"\nyaml = \"x:\\n  image: a\\n\"\n",
            "both",
        ),
        (
            "derived/23.5.0.toml",
            "version = \"23.5.0\"\n[[env.remove]]\nkey = \"NOPE\"\n",
            "cannot remove",
        ),
    ];
    for (name, text, why) in bad {
        let mut inputs = base.clone();
        inputs.push((name, text));
        // A hand-written file is judged with its release's derived one.
        let derived_550 = "version = \"23.5.0\"\n[sentry_conf]\ncache_backend = \"y\"\n";
        if name.starts_with("releases/") {
            inputs.push(("derived/23.5.0.toml", derived_550));
        }
        let Err(e) = fold::fold(&inputs) else {
            panic!("{name} was accepted: {text}");
        };
        let file = name.rsplit('/').next().unwrap();
        assert!(e.contains(file) && e.contains(why), "{e}");
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

#[test]
fn derived_files_are_what_the_importer_makes_of_upstream() {
    let Some(dir) = crate::testing::shared_upstream() else {
        crate::testing::skipped_without_shared();
        return;
    };
    let migrations = crate::testing::repo().join("migrations");
    let hand = crate::kb::import::hand_files(&migrations).unwrap();
    let derived = crate::kb::import::derive_all(&dir, &hand).unwrap();
    for (v, text) in &derived {
        let committed = std::fs::read_to_string(migrations.join(format!("derived/{v}.toml")))
            .unwrap_or_default();
        assert!(
            committed == *text,
            "migrations/derived/{v}.toml is not what the importer makes of upstream's files: run `cargo run --example import-release`"
        );
    }
    let files = std::fs::read_dir(migrations.join("derived"))
        .unwrap()
        .count();
    assert_eq!(
        files,
        derived.len(),
        "a derived file has no upstream release"
    );
}

#[test]
fn a_first_release_must_give_what_later_ones_carry_forward() {
    let files = release_files();
    let derived = files
        .iter()
        .find(|(n, _)| n == "derived/23.4.0.toml")
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .unwrap();
    // What the hand-written file says: without it, or with part of it, the
    // first release lacks facts no earlier release can give.
    let cases = [
        (None, "`env_custom`"),
        (
            Some("version = \"23.4.0\"\nenv_custom = \"replaces\"\n"),
            "`cli.unified_consumer`",
        ),
        (
            Some(
                "version = \"23.4.0\"\nenv_custom = \"replaces\"\n[cli]\nunified_consumer = false\nall_consumer_types = true\n",
            ),
            "`cli.ingest_replay_recordings_command`",
        ),
    ];
    for (hand, missing) in cases {
        let mut inputs = vec![derived];
        inputs.extend(hand.map(|t| ("releases/23.4.0.toml", t)));
        let Err(e) = fold::fold(&inputs) else {
            panic!("23.4.0 folded without {missing}");
        };
        assert!(
            e.contains(&format!("the first release needs {missing}")),
            "{e}"
        );
    }
}
