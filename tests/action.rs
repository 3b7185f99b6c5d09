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

/// A static file server on 127.0.0.1 for `root` (Python's http.server),
/// stopped on drop and in any case after two minutes.
struct Server {
    child: std::process::Child,
    url: String,
}

impl Server {
    fn start(root: &Path) -> Server {
        use std::io::BufRead;
        const SERVE: &str = "import functools, http.server, os, sys, threading
threading.Timer(120, lambda: os._exit(0)).start()
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
print(server.server_address[1], flush=True)
server.serve_forever()";
        let mut child = Command::new("python3")
            .args(["-c", SERVE])
            .arg(root)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3 runs");
        let mut port = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut port)
            .unwrap();
        Server {
            child,
            url: format!("http://127.0.0.1:{}", port.trim()),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Install {
    code: Option<i32>,
    log: String,
    outputs: String,
    path: String,
}

/// Runs action/install.sh as action.yml does, on this machine taken for a
/// Linux runner, with `source` as the action's checkout at `git_ref`.
fn install_step(source: &Path, git_ref: &str, releases: &str, tool_cache: &Path) -> Install {
    let tmp = tempfile::tempdir().unwrap();
    let (outputs, path) = (tmp.path().join("output"), tmp.path().join("path"));
    let arch = if cfg!(target_arch = "aarch64") {
        "ARM64"
    } else {
        "X64"
    };
    let out = Command::new("bash")
        .arg(repo().join("action/install.sh"))
        .env("SENTRYLINT_SOURCE", source)
        .env("SENTRYLINT_REF", git_ref)
        .env("SENTRYLINT_RELEASES", releases)
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", arch)
        .env("RUNNER_TOOL_CACHE", tool_cache)
        .env("RUNNER_TEMP", tmp.path())
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_PATH", &path)
        .output()
        .unwrap();
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    Install {
        code: out.status.code(),
        log: String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr),
        outputs: read(&outputs),
        path: read(&path),
    }
}

fn sha256_line(file: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(file.file_name().unwrap())
        .current_dir(file.parent().unwrap())
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// A release as .github/workflows/release.yml publishes it, holding this
/// test build of sentrylint for the Linux target of this machine.
fn publish_release(releases: &Path, version: &str) -> PathBuf {
    let target = if cfg!(target_arch = "aarch64") {
        "aarch64-unknown-linux-musl"
    } else {
        "x86_64-unknown-linux-musl"
    };
    let dir = releases.join(format!("v{version}"));
    let staging = tempfile::tempdir().unwrap();
    let folder = staging.path().join(format!("sentrylint-{target}"));
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_sentrylint"), folder.join("sentrylint")).unwrap();
    let archive = dir.join(format!("sentrylint-{target}.tar.gz"));
    let tar = Command::new("tar")
        .arg("-czf")
        .arg(&archive)
        .arg("-C")
        .arg(staging.path())
        .arg(folder.file_name().unwrap())
        .status()
        .unwrap();
    assert!(tar.success());
    let sum = sha256_line(&archive);
    std::fs::write(dir.join(format!("sentrylint-{target}.tar.gz.sha256")), sum).unwrap();
    archive
}

#[test]
fn the_install_step_downloads_and_verifies_the_release_archive() {
    let version = env!("CARGO_PKG_VERSION");
    let releases = tempfile::tempdir().unwrap();
    let archive = publish_release(releases.path(), version);
    let server = Server::start(releases.path());
    let cache = tempfile::tempdir().unwrap();

    let step = install_step(&repo(), &format!("v{version}"), &server.url, cache.path());
    assert_eq!(step.code, Some(0), "{}", step.log);
    assert_eq!(step.outputs, format!("version={version}\nsource=release\n"));
    let bin_dir = PathBuf::from(step.path.trim_end());
    assert!(
        bin_dir.starts_with(cache.path().join("sentrylint").join(version)),
        "{}",
        step.path
    );
    let out = Command::new(bin_dir.join("sentrylint"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("sentrylint {version}\n")
    );

    // The next job on this runner takes it from the tool cache, even with
    // the release gone.
    drop(server);
    let step = install_step(
        &repo(),
        &format!("v{version}"),
        "http://127.0.0.1:9",
        cache.path(),
    );
    assert_eq!(step.code, Some(0), "{}", step.log);
    assert!(step.log.contains("in the tool cache"), "{}", step.log);
    assert_eq!(step.path.trim_end(), bin_dir.to_str().unwrap());

    // `cargo binstall` is told the same address (Cargo.toml's metadata).
    let manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(repo().join("Cargo.toml")).unwrap()).unwrap();
    let binstall = &manifest["package"]["metadata"]["binstall"];
    let name = archive.file_name().unwrap().to_str().unwrap();
    let target = name
        .strip_prefix("sentrylint-")
        .unwrap()
        .strip_suffix(".tar.gz")
        .unwrap();
    let url = binstall["pkg-url"]
        .as_str()
        .unwrap()
        .replace(
            "{ repo }",
            manifest["package"]["repository"].as_str().unwrap(),
        )
        .replace("{ version }", version)
        .replace("{ target }", target)
        .replace("{ archive-suffix }", ".tar.gz");
    let script = std::fs::read_to_string(repo().join("action/install.sh")).unwrap();
    assert!(
        script.contains(&format!(
            "releases=${{SENTRYLINT_RELEASES:-{}}}",
            url.strip_suffix(&format!("/v{version}/{name}")).unwrap()
        )),
        "binstall's {url} is not where action/install.sh downloads from"
    );
    assert_eq!(
        binstall["bin-dir"].as_str().unwrap(),
        "sentrylint-{ target }/{ bin }{ binary-ext }"
    );
}

#[test]
fn the_install_step_refuses_a_tampered_archive() {
    let version = env!("CARGO_PKG_VERSION");
    let releases = tempfile::tempdir().unwrap();
    let archive = publish_release(releases.path(), version);
    let mut bytes = std::fs::read(&archive).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&archive, bytes).unwrap();
    let server = Server::start(releases.path());
    let cache = tempfile::tempdir().unwrap();

    let step = install_step(&repo(), &format!("v{version}"), &server.url, cache.path());
    assert_eq!(step.code, Some(1), "{}", step.log);
    assert!(
        step.log.contains("::error title=sentrylint install::")
            && step.log.contains("SHA-256")
            && step.log.contains("not installing it"),
        "{}",
        step.log
    );
    // Neither installed nor built instead.
    assert_eq!(step.outputs, format!("version={version}\n"));
    assert_eq!(step.path, "");
    assert!(!cache.path().join("sentrylint").join(version).exists());
}

#[test]
fn the_install_step_builds_from_source_when_no_release_matches() {
    let releases = tempfile::tempdir().unwrap();
    let server = Server::start(releases.path());
    let cache = tempfile::tempdir().unwrap();
    // An action checkout at a version that was never released.
    let source = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(source.path().join("src")).unwrap();
    std::fs::write(
        source.path().join("Cargo.toml"),
        "[package]\nname = \"sentrylint\"\nversion = \"9.9.9\"\n",
    )
    .unwrap();
    std::fs::write(source.path().join("src/main.rs"), "fn main() {}\n").unwrap();

    let key = |step: &Install| {
        assert_eq!(step.code, Some(0), "{}", step.log);
        let outputs: Vec<&str> = step.outputs.lines().collect();
        assert_eq!(
            outputs[..2],
            ["version=9.9.9", "source=build"],
            "{}",
            step.outputs
        );
        let key = outputs[2].strip_prefix("cache-key=").unwrap().to_string();
        let root = outputs[3].strip_prefix("root=").unwrap();
        assert!(Path::new(root).starts_with(cache.path()), "{root}");
        assert_eq!(step.path, format!("{root}/bin\n"));
        key
    };
    // The tag exists but has no release: build.
    let step = install_step(source.path(), "v9.9.9", &server.url, cache.path());
    let released_tag = key(&step);
    assert!(step.log.contains("no release archive at"), "{}", step.log);
    assert!(released_tag.contains("-9.9.9-"), "{released_tag}");
    // A branch: build without asking for a release.
    let step = install_step(source.path(), "main", "http://127.0.0.1:9", cache.path());
    assert!(
        step.log.contains("not at the release tag v9.9.9"),
        "{}",
        step.log
    );
    assert_eq!(key(&step), released_tag);
    // A commit that changes the source gets its own cache entry.
    std::fs::write(source.path().join("src/main.rs"), "fn main() { }\n").unwrap();
    let step = install_step(source.path(), "main", "http://127.0.0.1:9", cache.path());
    assert_ne!(key(&step), released_tag);
}
