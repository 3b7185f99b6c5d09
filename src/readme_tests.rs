//! The README's examples are real runs and its rule table is the registry.
//! `SENTRYLINT_BLESS=1` rewrites them from the current output.

use std::path::Path;

use crate::testing::{cli, pristine_upstream, repo};

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

/// Runs `args` on `dir` as if from inside it: paths in the output are shown
/// relative to the install.
fn run_in(dir: &Path, args: &[&str], head: Option<usize>) -> String {
    let root = dir.to_str().unwrap();
    let mut full: Vec<&str> = args.to_vec();
    full.push(root);
    let (_, out, _) = cli(&full);
    let shown = crate::model::paths::display_of(dir);
    let text = out
        .replace(&format!("{shown}: "), "")
        .replace(&format!("{shown}/"), "");
    match head {
        Some(n) => text.lines().take(n).map(|l| format!("{l}\n")).collect(),
        None => text,
    }
}

/// A README example: its name, the folder it runs as if from inside (else
/// the arguments name the install, run from the repository root), the
/// arguments, and how many lines of output it shows.
type Example<'a> = (&'a str, Option<&'a Path>, Vec<&'a str>, Option<usize>);

fn the_examples_are_real_runs() {
    // The install the README's first command checks: run as shown, from
    // the repository root.
    let guide = "examples/replay-guide";
    // The upgrade examples start from upstream's 23.4.0, in ../shared,
    // run as if from inside it.
    let old = pristine_upstream("23.4.0");
    if old.is_none() {
        crate::testing::skipped_without_shared();
    }
    let mut examples: Vec<Example> = vec![
        (
            "check-concise",
            None,
            vec!["check", "--format", "concise", guide],
            None,
        ),
        (
            "check-human",
            None,
            vec!["check", "--select", "SL102", guide],
            None,
        ),
    ];
    let old25 = pristine_upstream("25.5.1");
    if let (Some(old), Some(old25)) = (&old, &old25) {
        examples.push((
            "plan",
            Some(old.path()),
            vec!["plan", "--to", "24.1.0"],
            None,
        ));
        examples.push((
            "plan-26",
            Some(old25.path()),
            vec!["plan", "--to", "26.8.0"],
            None,
        ));
        examples.push((
            "fix-to",
            Some(old.path()),
            vec!["fix", "--to", "24.1.0"],
            Some(40),
        ));
    }
    let mut text = readme();
    for (name, dir, args, head) in examples {
        let marker = format!("<!-- example: {name} -->\n```console\n");
        let start = text
            .find(&marker)
            .unwrap_or_else(|| panic!("README lacks {marker}"))
            + marker.len();
        // The block: a `$ command` line, then the output, then the closing fence.
        let cmd_end = start + text[start..].find('\n').unwrap() + 1;
        let shown = format!("$ sentrylint {}", args.join(" "));
        assert!(
            text[start..cmd_end].starts_with(&shown),
            "README example `{name}` shows `{}` but runs `{shown}`",
            text[start..cmd_end].trim_end()
        );
        let end = cmd_end + text[cmd_end..].find("```\n").unwrap();
        let want = match dir {
            Some(dir) => run_in(dir, &args, head),
            None => cli(&args).1,
        };
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
