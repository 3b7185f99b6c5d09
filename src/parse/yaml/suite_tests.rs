//! The official YAML test suite (../shared/yaml-test-suite): every valid
//! one-document case must parse to exactly the suite's event stream, every
//! valid stream of several documents must be refused as such, and every
//! invalid case must be refused unless it is one of compose's deliberate
//! leniencies below.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use super::*;

/// Invalid YAML that docker compose (go-yaml v3) reads, and so must we:
/// (suite case, why compose accepts it). Each must still parse.
/// go-yaml v3's scanner checks no indentation inside flow collections
/// (`yaml_parser_unroll_indent` returns early at a flow level) and none on
/// the continuation lines of quoted scalars (only `---`/`...` end them);
/// upstream's own 26.5.1 docker-compose.yml relies on the first.
const COMPOSE_LENIENCIES: &[(&str, &str)] = &[
    (
        "9C9N",
        "flow sequence entries at column 0 (go-yaml checks no indentation in flow collections)",
    ),
    (
        "VJP3/00",
        "a flow mapping's lines at column 0 (go-yaml checks no indentation in flow collections)",
    ),
    (
        "Y79Y/003",
        "a tab indenting a flow sequence's entry (go-yaml skips tabs inside flow collections)",
    ),
    (
        "QB6E",
        "a double-quoted scalar continued at column 0 (go-yaml checks no indentation in quoted scalars)",
    ),
    (
        "DK95/01",
        "a double-quoted scalar continued after a tab at column 0 (go-yaml checks no indentation \
         in quoted scalars)",
    ),
];

/// No case may take longer than this (they are a few lines each).
const CASE_TIME_LIMIT: Duration = Duration::from_secs(5);

fn suite_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/yaml-test-suite");
    dir.is_dir().then_some(dir)
}

/// Every case folder holding an `in.yaml`, named like `2JQS` or `2JQS/01`.
fn cases(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    entries.sort();
    for case in entries {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        if case.join("in.yaml").is_file() {
            out.push((name, case));
            continue;
        }
        let mut subs: Vec<PathBuf> = std::fs::read_dir(&case)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.join("in.yaml").is_file())
            .collect();
        subs.sort();
        for sub in subs {
            let n = sub.file_name().unwrap().to_string_lossy().to_string();
            out.push((format!("{name}/{n}"), sub));
        }
    }
    out
}

/// Parses on a thread of its own, so that a panic or a hang is reported as
/// that case's failure instead of stopping the run.
fn parse_guarded(src: &str) -> Result<Result<YamlDoc, YamlError>, String> {
    let (tx, rx) = mpsc::channel();
    let text = src.to_string();
    std::thread::spawn(move || {
        let result = std::panic::catch_unwind(|| parse(&text, Options::default()));
        let _ = tx.send(result);
    });
    match rx.recv_timeout(CASE_TIME_LIMIT) {
        Ok(Ok(result)) => Ok(result),
        Ok(Err(_)) => Err("the parser panicked".into()),
        Err(_) => Err(format!("the parser took more than {CASE_TIME_LIMIT:?}")),
    }
}

/// Our document as the suite's event stream.
fn events(doc: &YamlDoc) -> Vec<String> {
    let mut out = vec!["+STR".to_string()];
    if let Some(root) = doc.root {
        out.push(
            if doc.explicit_start {
                "+DOC ---"
            } else {
                "+DOC"
            }
            .into(),
        );
        node_events(doc, root, &mut out);
        out.push(if doc.explicit_end { "-DOC ..." } else { "-DOC" }.into());
    }
    out.push("-STR".into());
    out
}

fn node_events(doc: &YamlDoc, id: NodeId, out: &mut Vec<String>) {
    let node = doc.node(id);
    let mut props = String::new();
    if let Some((name, _)) = &node.anchor {
        props.push_str(&format!(" &{name}"));
    }
    if let Some(tag) = doc.expanded_tag(id) {
        props.push_str(&format!(" <{tag}>"));
    }
    match &node.kind {
        NodeKind::Alias { name, .. } => out.push(format!("=ALI *{name}")),
        NodeKind::Scalar { value, style } => {
            let style = match style {
                ScalarStyle::Plain => ':',
                ScalarStyle::SingleQuoted => '\'',
                ScalarStyle::DoubleQuoted => '"',
                ScalarStyle::Literal => '|',
                ScalarStyle::Folded => '>',
            };
            out.push(format!("=VAL{props} {style}{}", escaped(value)));
        }
        NodeKind::Seq { items, flow } => {
            out.push(format!("+SEQ{}{props}", if *flow { " []" } else { "" }));
            for &item in items {
                node_events(doc, item, out);
            }
            out.push("-SEQ".into());
        }
        NodeKind::Map { pairs, flow } => {
            out.push(format!("+MAP{}{props}", if *flow { " {}" } else { "" }));
            for pair in pairs {
                node_events(doc, pair.key, out);
                node_events(doc, pair.value, out);
            }
            out.push("-MAP".into());
        }
    }
}

/// A scalar's text as the event stream writes it.
fn escaped(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\0' => out.push_str("\\0"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\x0b' => out.push_str("\\v"),
            '\x0c' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\x1b' => out.push_str("\\e"),
            '\u{85}' => out.push_str("\\N"),
            '\u{a0}' => out.push_str("\\_"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c => out.push(c),
        }
    }
    out
}

/// What went wrong with one case, or `None` when it is right.
fn check_case(name: &str, dir: &Path, tally: &mut Tally) -> Option<String> {
    let src = match std::fs::read(dir.join("in.yaml")).map(String::from_utf8) {
        Ok(Ok(s)) => s,
        _ => return Some("in.yaml is not UTF-8 text".into()),
    };
    let invalid = dir.join("error").exists();
    let result = match parse_guarded(&src) {
        Ok(r) => r,
        Err(e) => return Some(e),
    };
    if let Err(e) = &result
        && !(src.is_char_boundary(e.span.start as usize)
            && src.is_char_boundary(e.span.end as usize)
            && e.span.end as usize <= src.len())
    {
        return Some(format!("the error span {:?} is not on characters", e.span));
    }
    let lenient = COMPOSE_LENIENCIES.iter().any(|(case, _)| *case == name);
    if invalid {
        return match (&result, lenient) {
            (Err(_), false) => {
                tally.invalid_rejected += 1;
                None
            }
            (Ok(_), true) => {
                tally.leniencies += 1;
                None
            }
            (Ok(_), false) => Some("invalid YAML was accepted".into()),
            (Err(e), true) => Some(format!(
                "a deliberate leniency is refused: {} at {:?}",
                e.message, e.span
            )),
        };
    }
    let expected: Vec<String> = std::fs::read_to_string(dir.join("test.event"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let documents = expected.iter().filter(|l| l.starts_with("+DOC")).count();
    if documents > 1 {
        return match result {
            Err(e) if e.message.contains("second document") => {
                tally.multi_refused += 1;
                None
            }
            Err(e) => Some(format!(
                "a stream of {documents} documents is refused without saying so: {} at {:?}",
                e.message, e.span
            )),
            Ok(_) => Some(format!("a stream of {documents} documents is accepted")),
        };
    }
    match result {
        Err(e) => Some(format!(
            "valid YAML is refused: {} at {:?}",
            e.message, e.span
        )),
        Ok(doc) => {
            let ours = events(&doc);
            if ours != expected {
                return Some(format!(
                    "events differ\n  expected: {}\n  ours:     {}",
                    expected.join(" "),
                    ours.join(" ")
                ));
            }
            match json_problem(dir, &doc) {
                Some(Err(problem)) => return Some(problem),
                Some(Ok(())) => tally.json_equal += 1,
                None => {}
            }
            tally.valid_right += 1;
            None
        }
    }
}

/// Where the case has an `in.json`, our value (aliases expanded, plain
/// scalars typed by the YAML core schema) must equal it.
/// `None` when there is nothing to compare.
fn json_problem(dir: &Path, doc: &YamlDoc) -> Option<Result<(), String>> {
    let text = std::fs::read_to_string(dir.join("in.json")).ok()?;
    if text.trim().is_empty() {
        return None;
    }
    let expected: serde_json::Value = serde_json::from_str(&text).ok()?;
    let ours = json_value(doc, doc.root?);
    Some(if ours == expected {
        Ok(())
    } else {
        Err(format!(
            "JSON differs\n  expected: {expected}\n  ours:     {ours}"
        ))
    })
}

fn json_value(doc: &YamlDoc, id: NodeId) -> serde_json::Value {
    use serde_json::Value;
    let id = doc.resolve(id);
    match &doc.node(id).kind {
        NodeKind::Scalar { value, style } => {
            // `!` and `!!str` make a string; other tags leave the text to the schema.
            let tag = doc.expanded_tag(id);
            let typed = match tag.as_deref() {
                None => *style == ScalarStyle::Plain,
                Some(t) => !matches!(t, "!" | "tag:yaml.org,2002:str"),
            };
            if typed && let Some(v) = core_schema(value) {
                v
            } else {
                Value::String(value.clone())
            }
        }
        NodeKind::Seq { items, .. } => items.iter().map(|&i| json_value(doc, i)).collect(),
        NodeKind::Map { pairs, .. } => Value::Object(
            pairs
                .iter()
                .map(|p| {
                    (
                        doc.scalar(p.key).unwrap_or("").to_string(),
                        json_value(doc, p.value),
                    )
                })
                .collect(),
        ),
        NodeKind::Alias { .. } => Value::Null,
    }
}

/// A plain scalar's value in the YAML 1.2 core schema, when it is not a string.
fn core_schema(text: &str) -> Option<serde_json::Value> {
    use serde_json::Value;
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        _ => {}
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok().map(Value::from);
    }
    if let Some(octal) = text.strip_prefix("0o") {
        return i64::from_str_radix(octal, 8).ok().map(Value::from);
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) {
        return text.parse::<i64>().ok().map(Value::from);
    }
    let number = digits
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'-' | b'+'))
        && digits.bytes().any(|c| c.is_ascii_digit());
    if number {
        // in.json writes `450.00` as 450.
        return text.parse::<f64>().ok().map(|f| {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                Value::from(f as i64)
            } else {
                Value::from(f)
            }
        });
    }
    None
}

#[derive(Default, Debug)]
struct Tally {
    valid_right: usize,
    /// Of those, the ones whose value was also compared with `in.json`.
    json_equal: usize,
    multi_refused: usize,
    invalid_rejected: usize,
    leniencies: usize,
}

#[test]
fn parses_the_yaml_test_suite() {
    let Some(dir) = suite_dir() else {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "\nparses_the_yaml_test_suite: SKIPPED: ../shared/yaml-test-suite is absent \
             (the official YAML test suite)\n"
        );
        return;
    };
    let cases = cases(&dir);
    assert!(cases.len() > 300, "only {} suite cases found", cases.len());
    let mut tally = Tally::default();
    let mut failures = Vec::new();
    for (name, case) in &cases {
        if let Some(problem) = check_case(name, case, &mut tally) {
            let src = std::fs::read_to_string(case.join("in.yaml")).unwrap_or_default();
            failures.push(format!("{name}: {problem}\n  input: {src:?}"));
        }
    }
    for (case, _) in COMPOSE_LENIENCIES {
        assert!(
            cases.iter().any(|(name, _)| name == case),
            "leniency {case} is not a suite case"
        );
    }
    {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "\nYAML test suite: {tally:?}\n");
    }
    assert!(
        failures.is_empty(),
        "{} of {} suite cases are wrong ({tally:?}):\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
