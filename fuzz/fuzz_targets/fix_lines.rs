//! The fix properties (see `check_fix`) on pristine installs of upstream
//! releases changed line by line as the input says (lines deleted,
//! repeated, swapped, or typical lines inserted): most such installs still
//! parse, so rules, fixes and migration steps run on nearly every input,
//! where raw bytes mostly stop at a parse error.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sentrylint::fuzzing::Choices;
use sentrylint_fuzz::{check_fix, scratch};

/// Lines an operator might add, in every file kind.
const LINES: &[&str] = &[
    "    command: run web\n",
    "    <<: *sentry_defaults\n",
    "  extra:\n    image: busybox\n",
    "    environment:\n      POSTGRES_PASSWORD: hunter2\n",
    "    profiles: [feature-complete]\n",
    "# a comment\n",
    "\n",
    "SENTRY_IMAGE=getsentry/sentry:23.4.0\n",
    "COMPOSE_PROFILES=errors-only\n",
    "SENTRY_EVENT_RETENTION_DAYS=30\n",
    "SENTRY_FEATURES[\"organizations:session-replay\"] = False\n",
    "SENTRY_OPTIONS[\"system.url-prefix\"] = \"https://sentry.example.com\"\n",
    "system.secret-key: 'hunter2hunter2'\n",
    "  ingest-replay-recordings:\n    <<: *sentry_defaults\n",
];

/// (relative path, text) of the pristine install of each release found.
fn bases() -> &'static Vec<Vec<(String, String)>> {
    static BASES: OnceLock<Vec<Vec<(String, String)>>> = OnceLock::new();
    BASES.get_or_init(|| {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let up = root.join("../shared/upstream");
        let mut out = Vec::new();
        for tag in ["23.4.0", "23.6.2", "23.11.0", "24.1.0", "24.8.0", "25.5.1"] {
            let read = |p: std::path::PathBuf| std::fs::read_to_string(p).ok();
            let (Some(compose), Some(env), Some(conf), Some(config)) = (
                read(up.join(tag).join("docker-compose.yml")),
                read(up.join(tag).join(".env")),
                read(
                    root.join("testdata/pristine")
                        .join(tag)
                        .join("sentry.conf.py"),
                ),
                read(up.join(tag).join("sentry/config.example.yml")),
            ) else {
                continue;
            };
            out.push(vec![
                ("docker-compose.yml".into(), compose),
                (".env".into(), env),
                ("sentry/sentry.conf.py".into(), conf),
                (
                    "sentry/config.yml".into(),
                    config.replace("'!!changeme!!'", "'q2w9e8r7t6y5u4i3o2p1'"),
                ),
            ]);
        }
        assert!(!out.is_empty(), "no upstream releases in {}", up.display());
        out
    })
}

fuzz_target!(|data: &[u8]| {
    let mut c = Choices::new(data);
    let choice = c.below(256) as u8;
    let bases = bases();
    let mut files = bases[c.below(bases.len())].clone();
    for _ in 0..c.below(8) {
        let f = c.below(files.len());
        let mut lines: Vec<String> = files[f]
            .1
            .split_inclusive('\n')
            .map(str::to_string)
            .collect();
        let i = c.below(lines.len() + 1);
        match c.below(4) {
            0 if i < lines.len() => {
                lines.remove(i);
            }
            1 if i < lines.len() => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            2 if i + 1 < lines.len() => lines.swap(i, i + 1),
            _ => lines.insert(i, c.pick(LINES).to_string()),
        }
        files[f].1 = lines.concat();
    }
    let dir = scratch();
    for (rel, text) in &files {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    check_fix(dir.path(), choice);
});
