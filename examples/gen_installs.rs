//! Writes a tree of self-hosted installs for benchmarks:
//! `cargo run --release --example gen_installs -- DIR COUNT [--unique]`.
//!
//! Install `i` runs release `i mod` (the releases of the knowledge base), as
//! that release's compose file and `.env` (rendered by sentrylint's own
//! knowledge base), its example sentry.conf.py (testdata/pristine, nearest
//! release at or below) and a config.yml. On top, deterministic variations:
//! operator customizations, and a share of the mistakes sentrylint finds
//! (retention in sentry.conf.py, a skewed Snuba image, a blog post's replay
//! services in an override, a missing replay consumer, a YAML syntax error).
//!
//! Installs of one release share their sentry.conf.py and, mostly, their
//! compose file, as copies of a template do. With `--unique` every install
//! also names its own host in both, so no two files are alike.

use std::path::{Path, PathBuf};

use sentrylint::kb::Kb;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = || -> ! {
        eprintln!("usage: gen_installs DIR COUNT [--unique]");
        std::process::exit(2);
    };
    let (Some(dir), Some(count)) = (
        args.get(1),
        args.get(2).and_then(|c| c.parse::<usize>().ok()),
    ) else {
        usage()
    };
    let unique = match args.get(3).map(String::as_str) {
        None => false,
        Some("--unique") => true,
        Some(_) => usage(),
    };
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let kb = Kb::get();
    let releases: Vec<_> = kb.releases.iter().filter(|r| r.avoid.is_none()).collect();
    let mut broken = 0;
    for i in 0..count {
        let r = releases[i % releases.len()];
        // Teams of up to 50 installs, so walks cross several folder levels.
        let root = Path::new(dir)
            .join(format!("team-{:03}", i / 50))
            .join(format!("sentry-{i:05}"));
        std::fs::create_dir_all(root.join("sentry")).expect("create install folder");
        let mut compose = r.compose_text.to_string();
        let mut env = r.env_text();
        let mut conf = example_conf(&repo, r.version);
        let mut overrides: Option<String> = None;
        if i % 5 == 0 {
            compose = compose.replacen(
                "\nvolumes:\n",
                "\n  # Our own exporter.\n  metrics-exporter:\n    image: \"prom/statsd-exporter:v0.26.0\"\n    restart: unless-stopped\nvolumes:\n",
                1,
            );
        }
        if i % 6 == 0 {
            env = env.replace(
                "SENTRY_EVENT_RETENTION_DAYS=90",
                "SENTRY_EVENT_RETENTION_DAYS=30",
            );
        }
        let mut is_broken = false;
        if i % 7 == 0 {
            conf.push_str("\n# Keep events for a month.\nSENTRY_EVENT_RETENTION_DAYS = 30\n");
            is_broken = true;
        }
        if i % 11 == 0 {
            env = env.replace(
                &format!("getsentry/snuba:{}", r.version),
                "getsentry/snuba:23.4.0",
            );
            is_broken = true;
        }
        if i % 13 == 0 {
            overrides = Some(
                "services:\n  snuba-consumer-replays:\n    <<: *snuba_defaults\n    command: consumer --storage replays --auto-offset-reset latest\n"
                    .into(),
            );
            is_broken = true;
        }
        if i % 17 == 0 {
            compose = without_service(&compose, "ingest-replay-recordings");
            is_broken = true;
        }
        if i % 97 == 0 {
            compose = compose.replacen("\n    command: run worker", "\n\tcommand: run worker", 1);
            is_broken = true;
        }
        if unique {
            let host = format!("sentry-{i:05}.example.com");
            conf.push_str(&format!("\nCSRF_TRUSTED_ORIGINS = [\"https://{host}\"]\n"));
            compose = format!("# {host}\n{compose}");
        }
        broken += usize::from(is_broken);
        let config = format!(
            "mail.host: 'smtp'\nsystem.secret-key: 'k{i:05}-{}'\nfilestore.backend: 'filesystem'\nfilestore.options:\n  location: '/data/files'\nsystem.internal-url-prefix: 'http://web:9000'\nsymbolicator.enabled: true\n",
            "x7f9q2w8e3r6t5y4u1i0o9p8a7s6d5f4g3h2j1k0"
        );
        write(&root.join("docker-compose.yml"), &compose);
        write(&root.join(".env"), &env);
        write(&root.join("sentry/sentry.conf.py"), &conf);
        write(&root.join("sentry/config.yml"), &config);
        if let Some(o) = overrides {
            write(&root.join("docker-compose.override.yml"), &o);
        }
    }
    eprintln!("wrote {count} installs under {dir} ({broken} with mistakes)");
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// The example sentry.conf.py of the nearest release at or below `v`.
fn example_conf(repo: &Path, v: sentrylint::kb::version::Version) -> String {
    let mut best: Option<(sentrylint::kb::version::Version, PathBuf)> = None;
    for entry in std::fs::read_dir(repo.join("testdata/pristine")).expect("testdata/pristine") {
        let path = entry.expect("entry").path();
        let Some(tag) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.parse().ok())
        else {
            continue;
        };
        if tag <= v && best.as_ref().is_none_or(|(b, _)| tag > *b) {
            best = Some((tag, path));
        }
    }
    let (_, path) = best.expect("a reference sentry.conf.py at or below every release");
    std::fs::read_to_string(path.join("sentry.conf.py")).expect("sentry.conf.py")
}

/// The compose text without one service's lines.
fn without_service(text: &str, name: &str) -> String {
    let Some(start) = text.find(&format!("\n  {name}:\n")).map(|i| i + 1) else {
        return text.to_string();
    };
    let mut end = start
        + text[start..]
            .find('\n')
            .map(|i| i + 1)
            .unwrap_or(text.len() - start);
    while text[end..].starts_with("    ") || text[end..].starts_with("\n") {
        end += text[end..]
            .find('\n')
            .map(|i| i + 1)
            .unwrap_or(text.len() - end);
    }
    format!("{}{}", &text[..start], &text[end..])
}
