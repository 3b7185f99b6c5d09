//! Reporters: one file per output format, all reading the same findings.

pub mod concise;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;
pub mod summary;

use std::collections::{BTreeSet, HashMap};

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::paths::RepoPaths;
use crate::model::secrets::Secrets;
use crate::model::{FileId, Install};

/// The files a report quotes from: where the findings, their labels and
/// their fixes point.
pub fn quoted_files(diagnostics: &[Diagnostic]) -> BTreeSet<FileId> {
    let mut files = BTreeSet::new();
    for d in diagnostics {
        files.extend(d.file);
        files.extend(d.labels.iter().map(|l| l.file));
        if let Some(fix) = &d.fix {
            files.extend(fix.edits.iter().map(|e| e.file));
        }
    }
    files
}

/// One linted install and what was found in it.
pub struct InstallReport {
    pub install: Install,
    pub diagnostics: Vec<Diagnostic>,
}

/// Counts over a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub fixable: usize,
}

pub fn counts<'a>(diags: impl IntoIterator<Item = &'a Diagnostic>) -> Counts {
    let mut c = Counts::default();
    for d in diags {
        match d.severity {
            Severity::Error => c.errors += 1,
            Severity::Warning => c.warnings += 1,
            Severity::Info => c.infos += 1,
        }
        if d.fix.is_some() {
            c.fixable += 1;
        }
    }
    c
}

/// `1 error` or `2 errors`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `2 errors, 1 warning, 3 notes`, leaving out the levels with none.
pub fn describe(c: Counts) -> String {
    let mut parts = Vec::new();
    if c.errors > 0 {
        parts.push(plural(c.errors, "error", "errors"));
    }
    if c.warnings > 0 {
        parts.push(plural(c.warnings, "warning", "warnings"));
    }
    if c.infos > 0 {
        parts.push(plural(c.infos, "note", "notes"));
    }
    parts.join(", ")
}

/// Replaces every secret value of the install that appears in a message,
/// help, label or fix with `****`: rules never mean to print one, and this
/// makes sure no output format can.
pub fn redact(install: &Install, diags: &mut [Diagnostic]) {
    if install.files.iter().all(|f| f.secrets.is_empty()) {
        return;
    }
    // Away from their own spans only distinctive values are looked for:
    // a secret that is the word `sentry` must not mask `getsentry/sentry`.
    let secrets = Secrets::distinctive(&install.files);
    let scrub = |s: &mut String| secrets.scrub(s);
    for d in diags {
        scrub(&mut d.message);
        scrub(&mut d.help);
        for l in &mut d.labels {
            scrub(&mut l.message);
        }
        if let Some(fix) = &mut d.fix {
            scrub(&mut fix.title);
            // JSON and SARIF print why a fix is unsafe.
            if let Some(r) = &mut fix.reason {
                scrub(r);
            }
            for e in &mut fix.edits {
                let file = &install.files[e.file];
                if file.touches_secret(e.span) {
                    e.text = "****".into();
                } else {
                    e.text = crate::model::secrets::mask_named_values(&e.text);
                    scrub(&mut e.text);
                }
            }
        }
    }
}

/// 1-based (line, column, end line, end column) of a diagnostic, in code points.
pub fn position(install: &Install, d: &Diagnostic) -> Option<(usize, usize, usize, usize)> {
    let file = install.files.get(d.file?)?;
    let a = file.line_col(d.span.start as usize);
    let b = file.line_col(d.span.end as usize);
    Some((a.line, a.column, b.line, b.column))
}

/// Masked texts of an install's files, shared by every snippet rendered from them.
pub fn masked_sources(install: &Install) -> HashMap<usize, std::sync::Arc<String>> {
    install
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (i, std::sync::Arc::new(f.masked_text().into_owned())))
        .collect()
}

/// The path of the diagnostic's file as code hosts want it (its shown path
/// when it has no file).
pub fn repo_path(paths: &RepoPaths, install: &Install, d: &Diagnostic) -> String {
    match d.file {
        Some(f) => paths.of_file(install, f),
        None => d.path.clone(),
    }
}

#[cfg(test)]
mod tests;
