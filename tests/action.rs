//! The GitHub Action (`action.yml` and `action/check.sh`) run as the runner
//! would run its lint step: with the built binary on PATH and GITHUB_OUTPUT
//! and GITHUB_STEP_SUMMARY pointing at files. This test lives in `tests/`
//! because it needs the binary itself (`CARGO_BIN_EXE_sentrylint`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use sentrylint::parse::yaml::{self, YamlDoc};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Step {
    code: Option<i32>,
    stdout: String,
    outputs: String,
    summary: String,
}

/// Runs action/check.sh from the repository root with `inputs` (name, value).
fn lint_step(inputs: &[(&str, &str)]) -> Step {
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_sentrylint"), bin.join("sentrylint")).unwrap();
    let outputs = tmp.path().join("output");
    let summary = tmp.path().join("summary.md");
    let mut cmd = Command::new("bash");
    cmd.arg(repo().join("action/check.sh"))
        .current_dir(repo())
        .env(
            "PATH",
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        )
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_STEP_SUMMARY", &summary);
    for name in ["PATHS", "FAIL_ON", "CONFIG", "ARGS", "SARIF_FILE", "FIX_TO"] {
        cmd.env(format!("INPUT_{name}"), "");
    }
    for (name, value) in inputs {
        cmd.env(format!("INPUT_{name}"), value);
    }
    let out = cmd.output().unwrap();
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    Step {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).unwrap() + &String::from_utf8_lossy(&out.stderr),
        outputs: read(&outputs),
        summary: read(&summary),
    }
}

#[test]
fn the_lint_step_annotates_summarizes_and_writes_sarif() {
    let tmp = tempfile::tempdir().unwrap();
    let sarif = tmp.path().join("reports/sentrylint.sarif");
    let step = lint_step(&[
        ("PATHS", "testdata/report\n"),
        ("SARIF_FILE", sarif.to_str().unwrap()),
        ("FIX_TO", "24.8.0"),
    ]);
    assert_eq!(step.code, Some(1), "{}", step.stdout);
    assert!(
        step.stdout
            .starts_with("::error file=testdata/report/docker-compose.yml,line=17"),
        "{}",
        step.stdout
    );
    assert_eq!(
        step.outputs,
        format!("findings=3\nsarif-file={}\n", sarif.display())
    );
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 3);
    assert!(
        step.summary.starts_with("## sentrylint\n"),
        "{}",
        step.summary
    );
    assert!(
        step.summary
            .contains("### Toward Sentry 24.8.0: the next step"),
        "{}",
        step.summary
    );
    assert!(
        step.summary.contains("```diff\n--- a/testdata/report/"),
        "{}",
        step.summary
    );
}

#[test]
fn the_lint_step_follows_fail_on_and_passes_clean_installs() {
    let step = lint_step(&[("PATHS", "testdata/report"), ("FAIL_ON", "never")]);
    assert_eq!(step.code, Some(0), "{}", step.stdout);
    assert_eq!(step.outputs, "findings=3\nsarif-file=\n");
    let step = lint_step(&[
        (
            "PATHS",
            "testdata/rules/SL001/ok-same-key-in-two-services testdata/rules/SL002/ok-file-wide",
        ),
        ("ARGS", "--select SL001,SL002"),
    ]);
    assert_eq!(step.code, Some(0), "{}", step.stdout);
    assert_eq!(step.outputs, "findings=0\nsarif-file=\n");
    assert!(
        step.summary
            .contains("All checks passed (2 installs linted)."),
        "{}",
        step.summary
    );
}

fn keys(doc: &YamlDoc, map: sentrylint::parse::yaml::NodeId) -> BTreeSet<String> {
    doc.pairs(map)
        .iter()
        .filter_map(|p| doc.scalar(p.key).map(str::to_string))
        .collect()
}

/// Every input of action.yml reaches the script, and every output is one it writes.
#[test]
fn action_yml_wires_its_inputs_and_outputs() {
    let text = std::fs::read_to_string(repo().join("action.yml")).unwrap();
    let script = std::fs::read_to_string(repo().join("action/check.sh")).unwrap();
    let doc = yaml::parse(&text, yaml::Options::default()).unwrap();
    let root = doc.root.unwrap();
    let inputs = keys(&doc, doc.get(root, "inputs").unwrap().value);
    let steps = doc
        .get(doc.get(root, "runs").unwrap().value, "steps")
        .unwrap()
        .value;
    let check = doc
        .items(steps)
        .iter()
        .copied()
        .find(|s| doc.get(*s, "id").and_then(|p| doc.scalar(p.value)) == Some("check"))
        .expect("a step with id: check");
    let env = doc.get(check, "env").unwrap().value;
    for input in &inputs {
        if input == "working-directory" {
            continue;
        }
        let var = format!("INPUT_{}", input.to_uppercase().replace('-', "_"));
        let value = doc.get(env, &var).and_then(|p| doc.scalar(p.value));
        assert_eq!(
            value,
            Some(format!("${{{{ inputs.{input} }}}}").as_str()),
            "input `{input}` must reach the script as {var}"
        );
        assert!(script.contains(&var), "check.sh ignores {var}");
    }
    for output in keys(&doc, doc.get(root, "outputs").unwrap().value) {
        assert!(
            script.contains(&format!("echo \"{output}=")),
            "check.sh never writes the output `{output}`"
        );
    }
}
