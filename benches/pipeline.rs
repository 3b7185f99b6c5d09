//! Micro-benchmarks of the pipeline's stages on one upstream 24.1.0 install
//! rebuilt from the knowledge base (`cargo bench --bench pipeline`).
//! Whole-process numbers, the ones the targets are about, come from
//! bench/run.sh; these say which stage moved.

use std::sync::OnceLock;

use divan::{Bencher, black_box};
use sentrylint::kb::Kb;
use sentrylint::kb::version::Version;
use sentrylint::model::Install;
use sentrylint::model::load::{LoadOptions, load_root};
use sentrylint::parse::{env, pyconf, yaml};
use sentrylint::rules::{self, RuleSelection};

fn main() {
    divan::main();
}

struct Fixture {
    _dir: tempfile::TempDir,
    compose: String,
    env: String,
    conf: String,
    install: Install,
}

/// The upstream 24.1.0 docker-compose.yml and .env, with the hand-written
/// 24.1.0 sentry.conf.py of testdata/pristine, on disk and loaded.
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let version: Version = "24.1.0".parse().unwrap();
        let release = Kb::get().release(version).unwrap();
        let compose = release.compose_text.to_string();
        let env = release.env_text();
        let conf = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("testdata/pristine/24.1.0/sentry.conf.py"),
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("sentry")).unwrap();
        std::fs::write(dir.path().join("docker-compose.yml"), &compose).unwrap();
        std::fs::write(dir.path().join(".env"), &env).unwrap();
        std::fs::write(dir.path().join("sentry/sentry.conf.py"), &conf).unwrap();
        let install = load_root(dir.path(), ".", &LoadOptions::default());
        Fixture {
            _dir: dir,
            compose,
            env,
            conf,
            install,
        }
    })
}

#[divan::bench]
fn parse_compose_yaml(bencher: Bencher) {
    let text = &fixture().compose;
    bencher.bench(|| yaml::parse(black_box(text), yaml::Options::default()).unwrap());
}

/// Upstream 26.8.0's docker-compose.yml from ../shared/upstream, when present.
fn compose_26_8_0() -> Option<&'static str> {
    static TEXT: OnceLock<Option<String>> = OnceLock::new();
    TEXT.get_or_init(|| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/upstream/26.8.0/docker-compose.yml");
        let text = std::fs::read_to_string(path).ok();
        if text.is_none() {
            eprintln!("26.8.0 benchmarks: SKIPPED: ../shared/upstream is absent");
        }
        text
    })
    .as_deref()
}

#[divan::bench]
fn parse_compose_yaml_26_8_0(bencher: Bencher) {
    let Some(text) = compose_26_8_0() else { return };
    bencher.bench(|| yaml::parse(black_box(text), yaml::Options::default()).unwrap());
}

/// What building on saphyr-parser would cost at the least: its event stream
/// with spans, before any tree, comment or duplicate-key work of ours.
/// saphyr refuses the file as upstream wrote it (a flow sequence closed at
/// its key's column, which compose accepts), so its `]` lines are indented.
#[divan::bench]
fn saphyr_events_compose_26_8_0(bencher: Bencher) {
    let Some(text) = compose_26_8_0() else { return };
    let text: String = text
        .split_inclusive('\n')
        .map(|line| match line.trim() {
            "]" => format!("  {line}"),
            _ => line.to_string(),
        })
        .collect();
    bencher.bench(|| {
        saphyr_parser::Parser::new_from_str(black_box(&text))
            .fold(0, |sum, event| sum + event.unwrap().1.end.index())
    });
}

#[divan::bench]
fn parse_env(bencher: Bencher) {
    let text = &fixture().env;
    bencher.bench(|| env::parse(black_box(text)));
}

#[divan::bench]
fn parse_sentry_conf_py(bencher: Bencher) {
    let text = &fixture().conf;
    bencher.bench(|| pyconf::parse_afresh(black_box(text)));
}

/// The monorepo case: the text differs from the last one parsed by a line,
/// so tree-sitter reparses that line against the remembered tree.
#[divan::bench]
fn parse_sentry_conf_py_one_line_changed(bencher: Bencher) {
    let base = &fixture().conf;
    let n = std::sync::atomic::AtomicU64::new(0);
    bencher
        .with_inputs(|| {
            let n = n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            format!("{base}\nSENTRY_OPTIONS[\"mail.host\"] = \"smtp-{n}.example.com\"\n")
        })
        .bench_refs(|text| pyconf::parse(black_box(text)));
}

/// Reading the files, parsing them and building the effective compose model.
#[divan::bench]
fn load_install(bencher: Bencher) {
    let dir = fixture()._dir.path();
    bencher.bench(|| load_root(black_box(dir), ".", &LoadOptions::default()));
}

/// Every rule over the loaded install.
#[divan::bench]
fn rule_pass(bencher: Bencher) {
    let install = &fixture().install;
    let selection = RuleSelection::default();
    bencher.bench(|| rules::check(black_box(install), &selection, None));
}
