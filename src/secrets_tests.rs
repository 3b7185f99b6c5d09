//! Secrets are never printed: an install full of them (every file kind,
//! every way of writing one, on lines that findings and migration steps
//! touch), and every output of `check`, `fix` and `plan` in every format
//! scanned for them.

use std::path::Path;

use crate::testing::{cli, pristine_upstream, write_files};

/// Every secret value below contains this.
const MARK: &str = "S3CR3T";

fn append(path: &Path, text: &str) {
    let mut old = std::fs::read_to_string(path).unwrap_or_default();
    old.push_str(text);
    std::fs::write(path, old).unwrap();
}

/// A 23.11.0 install with secrets in every file, some on lines that a
/// finding points at (a repeated key) or a step changes.
fn install_with_secrets() -> Option<tempfile::TempDir> {
    let tmp = pristine_upstream("23.11.0")?;
    let d = tmp.path();
    let config = std::fs::read_to_string(d.join("sentry/config.yml"))
        .unwrap()
        .replace(crate::testing::TEST_SECRET_KEY, "S3CR3T-config-key");
    write_files(
        d,
        &[(
            "sentry/config.yml",
            format!("{config}mail.password: 'S3CR3T-mail'\nslack.signing-secret: S3CR3T-slack\n"),
        )],
    );
    // A secret next to lines a step changes (the image tags), and one on a
    // line it changes (smtp gains `platform`, written in flow style here).
    let env = std::fs::read_to_string(d.join(".env")).unwrap().replace(
        "SNUBA_IMAGE=",
        "POSTGRES_PASSWORD=S3CR3T-near-image\nSNUBA_IMAGE=",
    );
    let compose = std::fs::read_to_string(d.join("docker-compose.yml")).unwrap().replace(
        "  smtp:\n    <<: *restart_policy\n    image: tianon/exim4\n",
        "  smtp:\n    <<: *restart_policy\n    image: tianon/exim4\n    environment: {SMTP_PASSWORD: S3CR3T-smtp}\n",
    ).replacen(
        "\n  memcached:\n",
        "\n  smtp2: {<<: *restart_policy, image: tianon/exim4, environment: {SMTP_PASSWORD: S3CR3T-smtp2}}\n  memcached:\n",
        1,
    );
    assert!(compose.contains("S3CR3T-smtp"));
    write_files(d, &[(".env", env), ("docker-compose.yml", compose)]);
    append(
        &d.join(".env"),
        "POSTGRES_PASSWORD=S3CR3T-env\nSLACK_TOKEN=\"S3CR3T-env-dq\" # c\nSENTRY_SYSTEM_SECRET_KEY='S3CR3T-env-sq'\n",
    );
    write_files(
        d,
        &[(
            ".env.custom",
            format!(
                "{}POSTGRES_PASSWORD=S3CR3T-custom\n",
                std::fs::read_to_string(d.join(".env")).unwrap()
            ),
        )],
    );
    // A password reused where no secret-looking name guards it.
    append(
        &d.join(".env"),
        "SENTRY_DSN_URL=postgres://sentry:S3CR3T-env@postgres/sentry\n",
    );
    append(
        &d.join("sentry/sentry.conf.py"),
        "\nSECRET_KEY = \"S3CR3T-py\"\n\
         SENTRY_OPTIONS[\"system.secret-key\"] = 'S3CR3T-py-opt'\n\
         DATABASES = {\"default\": {\"PASSWORD\": \"S3CR3T-py-db\", \"HOST\": \"postgres\"}}\n\
         EMAIL_HOST_PASSWORD = env(\"EMAIL_PW\", \"S3CR3T-py-env\")\n",
    );
    write_files(
        d,
        &[(
            "docker-compose.override.yml",
            "services:\n  web:\n    environment:\n      POSTGRES_PASSWORD: S3CR3T-compose\n      \
             POSTGRES_PASSWORD: \"S3CR3T-compose-dup\"\n      \
             SENTRY_DSN: \"postgres://u:S3CR3T-env@db\"\n      GITHUB_API_KEY: S3CR3T-compose-2\n  \
             worker:\n    environment:\n      - SENTRY_SECRET_KEY=S3CR3T-compose-list\n  \
             flowy: {image: \"getsentry/sentry:23.11.0\", environment: {SLACK_TOKEN: S3CR3T-flow}}\n"
                .into(),
        )],
    );
    Some(tmp)
}

fn assert_clean(what: &str, text: &str) {
    if let Some(i) = text.find(MARK) {
        let start = text[..i].rfind('\n').map_or(0, |n| n + 1);
        let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
        panic!("{what} prints a secret:\n{}", &text[start..end]);
    }
}

#[test]
fn no_output_format_prints_a_secret() {
    let Some(tmp) = install_with_secrets() else {
        eprintln!("skipped: ../shared/upstream is absent");
        return;
    };
    let d = tmp.path().to_str().unwrap();
    // The install really holds the secrets, and findings touch their lines.
    let (code, concise, _) = cli(&["check", "--format", "concise", d]);
    assert_eq!(code, 1, "{concise}");
    assert!(
        concise.contains("`POSTGRES_PASSWORD` is set twice"),
        "{concise}"
    );
    let (_, human, _) = cli(&["check", d]);
    assert!(human.contains("POSTGRES_PASSWORD: ****"), "{human}");
    // The step changes the line next to a secret: its hunk stops before it.
    let (_, diff, _) = cli(&["fix", "--to", "24.1.0", d]);
    assert!(
        diff.contains("+SNUBA_IMAGE=getsentry/snuba:24.1.0"),
        "{diff}"
    );
    let mut runs: Vec<Vec<&str>> = Vec::new();
    for format in ["human", "concise", "json", "github", "sarif"] {
        runs.push(vec!["check", "--format", format, d]);
        runs.push(vec!["check", "--format", format, "--color", "always", d]);
        runs.push(vec![
            "check",
            "--format",
            format,
            "--sentry-version",
            "24.1.0",
            d,
        ]);
    }
    for format in ["human", "json"] {
        runs.push(vec!["fix", "--format", format, d]);
        runs.push(vec!["fix", "--format", format, "--unsafe-fixes", d]);
        runs.push(vec!["fix", "--to", "24.1.0", "--format", format, d]);
        runs.push(vec![
            "fix",
            "--to",
            "25.5.1",
            "--unsafe-fixes",
            "--format",
            format,
            d,
        ]);
        runs.push(vec!["plan", "--to", "25.5.1", "--format", format, d]);
    }
    for args in &runs {
        let (code, out, err) = cli(args);
        assert!(code <= 2, "{args:?}: {err}");
        assert_clean(&format!("{args:?} (stdout)"), &out);
        assert_clean(&format!("{args:?} (stderr)"), &err);
    }
    let patches = tmp.path().join("patches");
    let (_, out, err) = cli(&[
        "fix",
        "--to",
        "25.5.1",
        "--patches",
        patches.to_str().unwrap(),
        d,
    ]);
    assert_clean("--patches (stdout)", &out);
    assert_clean("--patches (stderr)", &err);
    let mut seen = 0;
    for p in std::fs::read_dir(&patches).unwrap() {
        let p = p.unwrap().path();
        assert_clean(
            &p.display().to_string(),
            &std::fs::read_to_string(&p).unwrap(),
        );
        seen += 1;
    }
    assert!(seen > 0);
    // The GitHub job summary, and a file given on standard input.
    let summary = tmp.path().join("summary.md");
    let env = crate::RunEnv {
        github_step_summary: Some(summary.clone()),
        stdin: Some(std::fs::read(tmp.path().join(".env")).unwrap()),
        ..crate::RunEnv::default()
    };
    let stdin_name = format!("{d}/.env");
    for args in [
        vec!["check", "--format", "github", d],
        vec!["check", "--stdin-filename", &stdin_name, "-"],
    ] {
        let mut argv: Vec<std::ffi::OsString> = vec!["sentrylint".into()];
        argv.extend(args.iter().map(Into::into));
        let (mut out, mut err) = (Vec::new(), Vec::new());
        crate::run(argv, &env, &mut out, &mut err);
        assert!(
            !out.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&err)
        );
        assert_clean(&format!("{args:?}"), &String::from_utf8_lossy(&out));
        assert_clean(
            &format!("{args:?} (stderr)"),
            &String::from_utf8_lossy(&err),
        );
    }
    assert_clean("job summary", &std::fs::read_to_string(&summary).unwrap());
    // --write changes the lines the diff could not show, and says so.
    let (code, out, err) = cli(&["fix", "--to", "24.1.0", "--write", d]);
    assert_eq!(code, 0, "{err}");
    assert_clean("--write (stdout)", &out);
    assert_clean("--write (stderr)", &err);
}

/// Files that do not parse still hold secrets: the parse error's snippet and
/// message must not show them.
#[test]
fn secrets_on_lines_that_do_not_parse() {
    let tmp = tempfile::tempdir().unwrap();
    write_files(
        tmp.path(),
        &[
            (
                "docker-compose.yml",
                "services:\n  web:\n    environment:\n      POSTGRES_PASSWORD: 'S3CR3T-yaml\n"
                    .into(),
            ),
            (
                ".env",
                "A=1\nSENTRY_SYSTEM_SECRET_KEY=\"S3CR3T-unclosed\nB=2\n".into(),
            ),
            (
                "sentry/sentry.conf.py",
                "SECRET_KEY = 'S3CR3T-py' +\nX = 1\n".into(),
            ),
            (
                "sentry/config.yml",
                "system.secret-key: S3CR3T-config\n  mail.password: x\n".into(),
            ),
        ],
    );
    let d = tmp.path().to_str().unwrap();
    let (code, concise, _) = cli(&["check", "--format", "concise", d]);
    assert_eq!(concise.matches("SL000").count(), 4, "{concise}");
    assert_eq!(code, 2);
    for format in ["human", "concise", "json", "github", "sarif"] {
        let (_, out, err) = cli(&["check", "--format", format, d]);
        assert_clean(&format!("check --format {format}"), &out);
        assert_clean(&format!("check --format {format} (stderr)"), &err);
    }
    for args in [vec!["fix", d], vec!["fix", "--to", "24.1.0", d]] {
        let (_, out, err) = cli(&args);
        assert_clean(&format!("{args:?}"), &out);
        assert_clean(&format!("{args:?} (stderr)"), &err);
    }
}

/// A secret value reused where no secret-looking name guards it (a URL) is
/// masked too, even when the file that defines it has no finding (reports
/// keep only the texts of files they quote); a plain word is not chased
/// through the other files.
#[test]
fn reused_secret_values_are_masked_everywhere() {
    let tmp = tempfile::tempdir().unwrap();
    write_files(
        tmp.path(),
        &[
            (
                ".env",
                "POSTGRES_PASSWORD=S3CR3T-reuse9\nPG_PASSWORD=postgres\n".into(),
            ),
            (
                "docker-compose.yml",
                "services:\n  web:\n    environment:\n      \
                 DATABASE_URL: postgres://u:S3CR3T-reuse9@db\n      A: 1\n      A: 2\n    \
                 image: postgres:14\n"
                    .into(),
            ),
        ],
    );
    let d = tmp.path().to_str().unwrap();
    let (_, human, _) = cli(&["check", "--select", "SL001", d]);
    assert_clean("check (human)", &human);
    assert!(
        human.contains("DATABASE_URL: postgres://u:*************@db"),
        "{human}"
    );
    assert!(human.contains("image: postgres:14"), "{human}");
}

/// A secret whose value is a common word (upstream's S3 keys for SeaweedFS
/// and vroom are `sentry` from 25.9.0) is masked where it stands only:
/// elsewhere the word stays (`getsentry/sentry:26.8.0`, `sentry.conf.py`,
/// `sentrylint`), while a generated password is masked wherever it appears.
#[test]
fn a_secret_that_is_a_common_word_is_masked_where_it_stands_only() {
    let tmp = tempfile::tempdir().unwrap();
    write_files(
        tmp.path(),
        &[
            (
                ".env",
                "COMPOSE_PROJECT_NAME=sentry-self-hosted\nSENTRY_EVENT_RETENTION_DAYS=90\n\
                 SENTRY_IMAGE=getsentry/sentry:26.8.0\n"
                    .into(),
            ),
            (
                "docker-compose.yml",
                "x-sentry-defaults: &sentry_defaults\n  image: \"$SENTRY_IMAGE\"\n  environment:\n    \
                 SENTRY_CONF: \"/etc/sentry\"\n    POSTGRES_PASSWORD: \"S3CR3Tk3pQ9vLm2\"\n\
                 services:\n  web:\n    <<: *sentry_defaults\n    command: run web\n  \
                 seaweedfs:\n    image: \"chrislusf/seaweedfs:3.96\"\n    environment:\n      \
                 AWS_ACCESS_KEY_ID: sentry\n      AWS_SECRET_ACCESS_KEY: sentry\n  \
                 vroom:\n    image: \"getsentry/vroom:nightly\"\n    environment:\n      \
                 AWS_ACCESS_KEY: \"sentry\"\n      AWS_SECRET_KEY: \"sentry\"\n      \
                 DATABASE_URL: \"postgres://sentry:S3CR3Tk3pQ9vLm2@postgres/sentry\"\n      \
                 TZ: UTC\n      TZ: UTC\n"
                    .into(),
            ),
            (
                "sentry/sentry.conf.py",
                "SENTRY_EVENT_RETENTION_DAYS = 30\n".into(),
            ),
        ],
    );
    let d = tmp.path().to_str().unwrap();
    let garbled = [
        "get****",
        "****.conf",
        "****lint",
        "--****",
        "****-self-hosted",
    ];
    for format in ["human", "concise", "json", "github", "sarif"] {
        // Judged as 25.5.1, the image of 26.8.0 is named in a message.
        for extra in [&[][..], &["--sentry-version", "25.5.1"][..]] {
            let mut args = vec!["check", "--format", format];
            args.extend(extra);
            args.push(d);
            let (_, out, err) = cli(&args);
            assert_clean(&format!("{args:?}"), &format!("{out}{err}"));
            for g in garbled {
                assert!(!out.contains(g), "{args:?} shows `{g}`:\n{out}");
            }
            assert!(out.contains("sentry.conf.py is"), "{args:?}:\n{out}");
            if !extra.is_empty() {
                assert!(
                    out.contains("SENTRY_IMAGE=getsentry/sentry:26.8.0` runs release"),
                    "{args:?}:\n{out}"
                );
            }
        }
    }
    // Where the real password is reused, it is masked; the words around it are not.
    let (_, human, _) = cli(&["check", "--select", "SL001", d]);
    assert!(
        human.contains("DATABASE_URL: \"postgres://sentry:***************@postgres/sentry\""),
        "{human}"
    );
}
