//! Hostile and odd input, end to end through `crate::run` (so a panic fails
//! the test). Each case is a folder in `testdata/hostile/<case>/`: an
//! install (or a tree of them), and `expected.txt` with the exit code, the
//! concise and human reports and the messages of `sentrylint check
//! --select SL0` (the rules about the files themselves). Cases
//! that cannot be stored in git (a 50 MB file, deep nesting, a symlink
//! loop, an unreadable or vanishing file) are built at run time into a
//! temporary folder by `generated`; their folder holds `expected.txt` only.
//! `SENTRYLINT_BLESS=1` rewrites the expectations from the current output.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::RunEnv;
use crate::testing::write_files;

fn bless() -> bool {
    std::env::var_os("SENTRYLINT_BLESS").is_some()
}

fn cases_dir() -> PathBuf {
    crate::testing::repo().join("testdata/hostile")
}

fn cli(args: &[&str], dir: &Path) -> (i32, String, String) {
    let dir = dir.to_str().expect("a UTF-8 temporary path");
    // Wide enough that no line wraps: the paths in messages (replaced by
    // `<case>` below) differ in length from one checkout to another.
    let env = RunEnv {
        term_width: Some(10_000),
        ..RunEnv::default()
    };
    crate::testing::run_cli(&[args, &[dir]].concat(), &env)
}

/// Output longer than this is cut in `expected.txt` (and fails the case:
/// no hostile input may make sentrylint print megabytes).
const MAX_SHOWN: usize = 20_000;

/// Runs `check` in the concise and human formats on `dir` and renders what
/// `expected.txt` holds, with `dir` shown as `<case>`; checks the run
/// took less than `limit`.
fn observe(dir: &Path, limit: Duration) -> String {
    let start = Instant::now();
    // The SL0xx rules are about the files themselves; the release rules
    // would only make these expectations churn as rules are added. No
    // sentrylint.toml above the case may change them either.
    let check = ["check", "--no-config", "--select", "SL0"];
    let (code, concise, err) = cli(&[&check[..], &["--format", "concise"]].concat(), dir);
    let (human_code, human, _) = cli(&[&check[..], &["--color", "never"]].concat(), dir);
    let took = start.elapsed();
    assert!(
        took < limit,
        "{}: took {took:?} (limit {limit:?})",
        dir.display()
    );
    assert_eq!(code, human_code, "formats disagree on the exit code");
    let root = dir.to_string_lossy().replace('\\', "/");
    let clean = |s: &str| {
        let s = s.replace(&root, "<case>");
        assert!(s.len() < MAX_SHOWN, "output of {} bytes", s.len());
        s
    };
    format!(
        "exit: {code}\n--- concise\n{}--- human\n{}--- stderr\n{}",
        clean(&concise),
        clean(&human),
        clean(&err)
    )
}

fn compare(case: &str, actual: &str) -> Option<String> {
    let path = cases_dir().join(case).join("expected.txt");
    if bless() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return None;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    (expected != actual)
        .then(|| format!("--- {case}: expected\n{expected}\n--- {case}: actual\n{actual}"))
}

/// Cases stored as files.
#[test]
fn stored_cases() {
    let mut failures = Vec::new();
    let mut seen = 0;
    for entry in std::fs::read_dir(cases_dir()).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if GENERATED.contains(&name.as_str()) {
            continue;
        }
        seen += 1;
        let actual = observe(&dir, Duration::from_secs(30));
        failures.extend(compare(&name, &actual));
    }
    assert!(seen >= 10, "only {seen} stored cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Cases built at run time, by name.
const GENERATED: &[&str] = &[
    "big-file",
    "deep-python",
    "deep-yaml-flow-map",
    "deep-yaml-flow-seq",
    "dev-zero-symlink",
    "fifo",
    "long-line",
    "many-keys",
    "symlink-loop",
    "unreadable-file",
    "vanishing-file",
];

/// A small install with one finding of its own (SL001: a repeated key), to
/// show that a broken neighbour does not stop it.
fn healthy_install(dir: &Path) {
    write_files(
        dir,
        &[(
            "docker-compose.yml",
            "services:\n  web:\n    image: busybox\n    labels: {a: 1, a: 2}\n".into(),
        )],
    );
}

/// Builds a generated case in `tmp`; `None` when it cannot be built here
/// (printing why).
fn generate(case: &str, tmp: &Path) -> Option<PathBuf> {
    let root = tmp.join(case);
    std::fs::create_dir_all(&root).unwrap();
    let deep =
        |open: &str, close: &str| format!("{}{}", open.repeat(100_000), close.repeat(100_000));
    match case {
        "big-file" => {
            let mut text = String::from("services:\n  web:\n    image: busybox\n");
            let filler = "# padding to make a 50 MB file\n";
            text.push_str(&filler.repeat(50_000_000 / filler.len()));
            write_files(&root, &[("docker-compose.yml", text)]);
        }
        "deep-python" => write_files(
            &root,
            &[
                ("docker-compose.yml", "services: {}\n".into()),
                (
                    "sentry/sentry.conf.py",
                    format!("X = {}\nY = {}\n", deep("[", "]"), deep("{'a': ", "}")),
                ),
            ],
        ),
        "deep-yaml-flow-seq" => write_files(
            &root,
            &[(
                "docker-compose.yml",
                format!("services:\n  web:\n    command: {}\n", deep("[", "]")),
            )],
        ),
        "long-line" => {
            // Findings past column 65,535 (miette cannot pad that far).
            let keys: Vec<String> = (0..10_000).map(|i| format!("k{i}: {i}")).collect();
            write_files(
                &root,
                &[(
                    "docker-compose.yml",
                    format!(
                        "services:\n  web:\n    labels: {{a: 1, {}, a: 2}}\n    command: [{}]\n",
                        keys.join(", "),
                        "x, ".repeat(30_000)
                    ),
                )],
            );
        }
        "many-keys" => {
            // 60,000 services, merged keys and overridden variables: merging
            // must not compare every key with every other (that took minutes).
            let n = 60_000;
            let services: String = (0..n)
                .map(|i| format!("  s{i}:\n    image: busybox\n"))
                .collect();
            let keys: Vec<String> = (0..n).map(|i| format!("k{i}: {i}")).collect();
            let vars =
                |v: &str| -> String { (0..n).map(|i| format!("      K{i}: {v}\n")).collect() };
            write_files(
                &root,
                &[
                    (
                        "docker-compose.yml",
                        format!(
                            "x-many: &many {{{}}}\nservices:\n  web:\n    labels:\n      <<: *many\n    environment:\n{}{services}",
                            keys.join(", "),
                            vars("a")
                        ),
                    ),
                    (
                        "docker-compose.override.yml",
                        format!("services:\n  web:\n    environment:\n{}", vars("b")),
                    ),
                ],
            );
        }
        "deep-yaml-flow-map" => write_files(
            &root,
            &[(
                "docker-compose.yml",
                format!("services:\n  web:\n    labels: {}\n", deep("{a: ", "}")),
            )],
        ),
        #[cfg(unix)]
        "dev-zero-symlink" => {
            write_files(&root, &[("docker-compose.yml", "services: {}\n".into())]);
            std::os::unix::fs::symlink("/dev/zero", root.join(".env")).unwrap();
        }
        #[cfg(unix)]
        "fifo" => {
            write_files(&root, &[("docker-compose.yml", "services: {}\n".into())]);
            let status = std::process::Command::new("mkfifo")
                .arg(root.join(".env"))
                .status();
            if !status.is_ok_and(|s| s.success()) {
                eprintln!("skipped fifo: mkfifo is not available");
                return None;
            }
        }
        #[cfg(unix)]
        "symlink-loop" => {
            healthy_install(&root.join("a"));
            std::fs::create_dir_all(root.join("b")).unwrap();
            std::os::unix::fs::symlink(root.join("b"), root.join("b/loop")).unwrap();
        }
        #[cfg(unix)]
        "unreadable-file" => {
            use std::os::unix::fs::PermissionsExt;
            healthy_install(&root.join("a"));
            write_files(
                &root.join("b"),
                &[("docker-compose.yml", "services: {}\n".into())],
            );
            let conf = root.join("b/.env");
            std::fs::write(&conf, "A=1\n").unwrap();
            std::fs::set_permissions(&conf, std::fs::Permissions::from_mode(0o000)).unwrap();
            if std::fs::read(&conf).is_ok() {
                eprintln!("skipped unreadable-file: permissions do not stop reads here (root?)");
                return None;
            }
        }
        #[cfg(unix)]
        "vanishing-file" => {
            // What a file removed between listing and reading looks like to
            // the reader (NotFound), deterministically: a dangling `.env`
            // symlink, and a dangling folder symlink in the walked tree.
            // `files_vanishing_during_runs` removes files for real.
            healthy_install(&root.join("a"));
            write_files(
                &root.join("b"),
                &[("docker-compose.yml", "services: {}\n".into())],
            );
            std::os::unix::fs::symlink(root.join("b/gone.env"), root.join("b/.env")).unwrap();
            std::os::unix::fs::symlink(root.join("gone"), root.join("c")).unwrap();
        }
        _ => {
            eprintln!("skipped {case}: not on this platform");
            return None;
        }
    }
    Some(root)
}

#[test]
fn generated_cases() {
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for &case in GENERATED {
        let Some(dir) = generate(case, tmp.path()) else {
            continue;
        };
        let actual = observe(&dir, Duration::from_secs(60));
        failures.extend(compare(case, &actual));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Deep nesting parsed on a thread with half the stack of a rayon worker
/// (2 MiB), in a debug build: refused or read, never overflowed.
#[test]
fn deep_nesting_on_a_small_stack() {
    let deep =
        |open: &str, close: &str| format!("{}{}", open.repeat(100_000), close.repeat(100_000));
    let yaml = [
        format!("a: {}\n", deep("[", "]")),
        format!("a: {}\n", deep("{a: ", "}")),
        format!("{}x\n", deep("- ", "")),
    ];
    let python = format!("X = {}\nY = {}\n", deep("[", "]"), deep("{'a': ", "}"));
    std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(move || {
            for y in &yaml {
                let e = crate::parse::yaml::parse(y, Default::default()).unwrap_err();
                assert!(e.message.contains("deeper than"), "{}", e.message);
            }
            let conf = crate::parse::pyconf::parse(&python);
            assert_eq!(conf.assignments.len(), 2);
        })
        .unwrap()
        .join()
        .unwrap();
}

/// Files and folders removed and written again while `check` walks and
/// reads the tree: every run answers (0, 1 or 2) without a panic.
#[test]
fn files_vanishing_during_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_path_buf();
    for i in 0..4 {
        healthy_install(&root.join(format!("d{i}")));
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let churn = {
        let (root, stop) = (root.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let d = root.join(format!("d{}", n % 4));
                let _ = std::fs::remove_dir_all(&d);
                healthy_install(&d);
                n += 1;
            }
            n
        })
    };
    for _ in 0..30 {
        let (code, _, err) = cli(&["check", "--format", "concise"], &root);
        assert!((0..=2).contains(&code), "{err}");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(churn.join().unwrap() > 0);
}

/// 20,000 secrets and 20,000 findings: each finding's text used to be
/// searched for each secret in turn (over 10 minutes for 30,000 of each).
#[test]
fn many_secrets_and_many_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let n = 20_000;
    write_files(
        tmp.path(),
        &[
            (
                ".env",
                (0..n)
                    .map(|i| format!("X{i}_PASSWORD=hunter{i}x\n"))
                    .collect(),
            ),
            (
                "docker-compose.yml",
                format!(
                    "services:\n  web:\n    labels:\n{}",
                    (0..n)
                        .map(|i| format!("      a: hunter{i}x\n"))
                        .collect::<String>()
                ),
            ),
        ],
    );
    let start = Instant::now();
    let (code, out, _) = cli(
        &["check", "--select", "SL0", "--format", "json"],
        tmp.path(),
    );
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(code, 1);
    assert_eq!(out.matches("\"SL001\"").count(), n - 1);
    assert!(!out.contains("hunter1"));
}

/// `--output` naming a file of the install would replace it with the report.
#[test]
fn the_report_never_overwrites_a_linted_file() {
    let tmp = tempfile::tempdir().unwrap();
    healthy_install(tmp.path());
    let compose = tmp.path().join("docker-compose.yml");
    let before = std::fs::read_to_string(&compose).unwrap();
    let (code, _, err) = cli(
        &["check", "--output", compose.to_str().unwrap()],
        tmp.path(),
    );
    assert_eq!(code, 2);
    assert!(err.contains("a file of the install"), "{err}");
    assert_eq!(std::fs::read_to_string(&compose).unwrap(), before);
}
