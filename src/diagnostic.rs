//! What rules produce and reporters read.

use serde::Serialize;

use crate::fix::Fix;
use crate::model::FileId;
use crate::source::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// A secondary location ("merged into `web` here", "set here").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub file: FileId,
    pub span: Span,
    pub message: String,
}

/// One problem a rule finds at several places (a placeholder password in
/// six services, a hard-coded image in twenty): findings of a rule with the
/// same `key` are reported as one, the others becoming its labels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repeat {
    /// What makes two findings the same one (never shown).
    pub key: String,
    /// The label of this place when another one is reported: "also in `worker`".
    pub label: String,
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    /// What is wrong, naming the value in backticks.
    pub message: String,
    /// Why it matters for this release and what to do.
    pub help: String,
    /// `None` when the file itself could not be read.
    pub file: Option<FileId>,
    /// The file's path as shown to the user (also when `file` is `None`).
    pub path: String,
    pub span: Span,
    pub labels: Vec<Label>,
    pub fix: Option<Fix>,
    pub repeat: Option<Repeat>,
}

impl Diagnostic {
    pub fn with_label(mut self, file: FileId, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            file,
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_fix(mut self, fix: Option<Fix>) -> Self {
        self.fix = fix;
        self
    }

    /// Marks the finding as one place of a problem found at several (see [`Repeat`]).
    pub fn repeated(mut self, key: impl Into<String>, label: impl Into<String>) -> Self {
        self.repeat = Some(Repeat {
            key: key.into(),
            label: label.into(),
        });
        self
    }
}
