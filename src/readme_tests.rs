//! The README's examples are real runs and its rule table is the registry.
//! `SENTRYLINT_BLESS=1` rewrites them from the current output.

use std::path::Path;

use crate::testing::{cli, pristine_upstream, repo, write_files};

fn bless() -> bool {
    std::env::var_os("SENTRYLINT_BLESS").is_some()
}

fn readme() -> String {
    std::fs::read_to_string(repo().join("README.md")).unwrap()
}

/// The rule table, generated from `RULES`.
fn rule_table() -> String {
    let mut out =
        String::from("| code | name | severity | fix | what it reports |\n|---|---|---|---|---|\n");
    for r in crate::rules::RULES {
        let fix = match r.fix {
            crate::rules::FixAvailability::None => "",
            crate::rules::FixAvailability::Sometimes => "sometimes",
            crate::rules::FixAvailability::Always => "yes",
        };
        out.push_str(&format!(
            "| [{code}](rules/{code}.md) | `{}` | {} | {fix} | {} |\n",
            r.name,
            r.severity.as_str(),
            r.summary,
            code = r.code
        ));
    }
    out
}

/// One test, because both halves rewrite README.md when blessing.
#[test]
fn the_readme_is_current() {
    the_rule_table_is_the_registry();
    the_examples_are_real_runs();
}

fn the_rule_table_is_the_registry() {
    let text = readme();
    let (start, end) = ("<!-- rules:start -->\n", "<!-- rules:end -->");
    let a = text.find(start).expect("README lacks <!-- rules:start -->") + start.len();
    let b = text.find(end).expect("README lacks <!-- rules:end -->");
    let want = rule_table();
    if text[a..b] != want {
        assert!(
            bless(),
            "README's rule table is stale (SENTRYLINT_BLESS=1 cargo test readme)"
        );
        let new = format!("{}{}{}", &text[..a], want, &text[b..]);
        std::fs::write(repo().join("README.md"), new).unwrap();
    }
}

/// The install behind the "Checking an install" examples: upstream 24.1.0
/// with a skewed Snuba image, retention set in sentry.conf.py, and two
/// Session Replay services from a blog post in an override file.
fn broken_24_1() -> Option<tempfile::TempDir> {
    let dir = pristine_upstream("24.1.0")?;
    let env = std::fs::read_to_string(dir.path().join(".env")).unwrap();
    let conf = std::fs::read_to_string(dir.path().join("sentry/sentry.conf.py")).unwrap();
    write_files(
        dir.path(),
        &[
            (".env", env.replace("SNUBA_IMAGE=getsentry/snuba:24.1.0", "SNUBA_IMAGE=getsentry/snuba:23.11.0")),
            (
                "sentry/sentry.conf.py",
                format!(
                    "{conf}\n# Keep replays for a week, events for a month.\nSENTRY_EVENT_RETENTION_DAYS = 30\nSENTRY_REPLAYS_RETENTION_DAYS = 7\n"
                ),
            ),
            (
                "docker-compose.override.yml",
                "# Session Replay, from a blog post.\nservices:\n  sentry-ingest-replay-recordings:\n    <<: *sentry_defaults\n    command: run ingest-consumer --consumer-type replay_recordings\n  snuba-consumer-replays:\n    <<: *snuba_defaults\n    command: consumer --storage replays --auto-offset-reset latest\n".to_string(),
            ),
        ],
    );
    Some(dir)
}

/// Runs `args` on `dir` as if from inside it: paths in the output are shown
/// relative to the install.
fn run_in(dir: &Path, args: &[&str], head: Option<usize>) -> String {
    let root = dir.to_str().unwrap();
    let mut full: Vec<&str> = args.to_vec();
    full.push(root);
    let (_, out, _) = cli(&full);
    let shown = crate::discover::display_of(dir);
    let text = out
        .replace(&format!("{shown}: "), "")
        .replace(&format!("{shown}/"), "");
    match head {
        Some(n) => text.lines().take(n).map(|l| format!("{l}\n")).collect(),
        None => text,
    }
}

fn the_examples_are_real_runs() {
    let (Some(broken), Some(old)) = (broken_24_1(), pristine_upstream("23.4.0")) else {
        crate::testing::skipped_without_shared();
        return;
    };
    let examples: [(&str, &Path, &[&str], Option<usize>); 4] = [
        (
            "check-concise",
            broken.path(),
            &["check", "--format", "concise"],
            None,
        ),
        (
            "check-human",
            broken.path(),
            &["check", "--select", "SL102"],
            None,
        ),
        ("plan", old.path(), &["plan", "--to", "24.1.0"], None),
        ("fix-to", old.path(), &["fix", "--to", "24.1.0"], Some(40)),
    ];
    let mut text = readme();
    for (name, dir, args, head) in examples {
        let marker = format!("<!-- example: {name} -->\n```console\n");
        let start = text
            .find(&marker)
            .unwrap_or_else(|| panic!("README lacks {marker}"))
            + marker.len();
        // The block: a `$ command` line, then the output, then the closing fence.
        let cmd_end = start + text[start..].find('\n').unwrap() + 1;
        let end = cmd_end + text[cmd_end..].find("```\n").unwrap();
        let want = run_in(dir, args, head);
        if text[cmd_end..end] != want {
            assert!(
                bless(),
                "README example `{name}` differs from a real run (SENTRYLINT_BLESS=1 cargo test readme):\n{want}"
            );
            text = format!("{}{}{}", &text[..cmd_end], want, &text[end..]);
        }
    }
    if bless() {
        std::fs::write(repo().join("README.md"), text).unwrap();
    }
}
