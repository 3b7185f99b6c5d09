//! SARIF 2.1.0, for GitHub code scanning (`github/codeql-action/upload-sarif`)
//! and other SARIF viewers. Written with serde_json by hand: the few objects
//! we fill do not justify a generated crate of the whole schema.
//!
//! Every rule is described in `tool.driver.rules` with its documentation, so
//! code scanning shows the help next to an alert; results carry the region
//! in code points (`columnKind`) and, for fixable findings, the fix as
//! replacements.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{Value, json};

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Applicability, Fix};
use crate::model::paths::RepoPaths;
use crate::model::{FileId, Install};
use crate::report::{InstallReport, position, repo_path};
use crate::rules::{RULES, Rule};

const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The paragraph under `## What it does` in a rule's doc, on one line.
fn what_it_does(doc: &str) -> String {
    let Some(start) = doc.find("## What it does") else {
        return String::new();
    };
    let body = &doc[start..];
    let body = body.split_once('\n').map(|(_, b)| b).unwrap_or("");
    let end = body.find("\n## ").unwrap_or(body.len());
    body[..end].split_whitespace().collect::<Vec<_>>().join(" ")
}

fn rule_descriptor(rule: &Rule) -> Value {
    let repository = env!("CARGO_PKG_REPOSITORY");
    json!({
        "id": rule.code,
        "name": rule.name,
        "shortDescription": { "text": rule.summary },
        "fullDescription": { "text": what_it_does(rule.doc) },
        "help": { "text": rule.doc, "markdown": rule.doc },
        "helpUri": format!("{repository}/blob/main/rules/{}.md", rule.code),
        "defaultConfiguration": { "level": level(rule.severity) },
    })
}

/// `path` as a relative URI reference: `/` kept, anything outside RFC
/// 3986's unreserved set percent-encoded (a space in a folder name would
/// otherwise make the URI invalid).
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn region(install: &Install, file: FileId, span: crate::source::Span) -> Value {
    let f = install.file(file);
    let a = f.line_col(span.start as usize);
    let b = f.line_col(span.end as usize);
    json!({
        "startLine": a.line,
        "startColumn": a.column,
        "endLine": b.line,
        "endColumn": b.column,
    })
}

fn fix_object(install: &Install, paths: &RepoPaths, fix: &Fix) -> Value {
    let mut by_file: BTreeMap<FileId, Vec<Value>> = BTreeMap::new();
    for e in &fix.edits {
        by_file.entry(e.file).or_default().push(json!({
            "deletedRegion": region(install, e.file, e.span),
            "insertedContent": { "text": e.text },
        }));
    }
    let description = match (fix.applicability, &fix.reason) {
        (Applicability::Unsafe, Some(reason)) => format!("{} (needs review: {reason})", fix.title),
        _ => fix.title.clone(),
    };
    json!({
        "description": { "text": description },
        "artifactChanges": by_file
            .into_iter()
            .map(|(file, replacements)| json!({
                "artifactLocation": { "uri": uri(&paths.of_file(install, file)) },
                "replacements": replacements,
            }))
            .collect::<Vec<_>>(),
    })
}

fn result(install: &Install, paths: &RepoPaths, d: &Diagnostic) -> Value {
    let rule_index = RULES.iter().position(|r| r.code == d.code);
    let mut text = d.message.clone();
    if !d.help.is_empty() {
        text.push('\n');
        text.push_str(&d.help);
    }
    let mut physical = json!({
        "artifactLocation": { "uri": uri(&repo_path(paths, install, d)) },
    });
    if let (Some(file), Some(_)) = (d.file, position(install, d)) {
        physical["region"] = region(install, file, d.span);
    }
    let mut result = json!({
        "ruleId": d.code,
        "level": level(d.severity),
        "message": { "text": text },
        "locations": [{ "physicalLocation": physical }],
    });
    if let Some(i) = rule_index {
        result["ruleIndex"] = json!(i);
    }
    if !d.labels.is_empty() {
        result["relatedLocations"] = d
            .labels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                json!({
                    "id": i,
                    "message": { "text": l.message },
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&paths.of_file(install, l.file)) },
                        "region": region(install, l.file, l.span),
                    },
                })
            })
            .collect();
    }
    if let Some(fix) = &d.fix {
        result["fixes"] = json!([fix_object(install, paths, fix)]);
    }
    result
}

/// The whole SARIF log as a JSON value.
pub fn log(reports: &[InstallReport]) -> Value {
    let mut results = Vec::new();
    for r in reports {
        let paths = RepoPaths::new(&r.install);
        for d in &r.diagnostics {
            results.push(result(&r.install, &paths, d));
        }
    }
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "sentrylint",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": env!("CARGO_PKG_REPOSITORY"),
                    "rules": RULES.iter().map(|r| rule_descriptor(r)).collect::<Vec<_>>(),
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

pub fn render(reports: &[InstallReport], out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log(reports))?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_encode_what_a_uri_reference_cannot_hold() {
        assert_eq!(uri("ops/prod eu/.env"), "ops/prod%20eu/.env");
        assert_eq!(uri("a/b-c_d.e~f"), "a/b-c_d.e~f");
        assert_eq!(uri("é"), "%C3%A9");
    }

    #[test]
    fn full_description_is_the_what_it_does_paragraph() {
        let doc = "# SL9 x\n\n## What it does\nReports a\nthing.\n\n## Why\nBecause.\n";
        assert_eq!(what_it_does(doc), "Reports a thing.");
    }
}
