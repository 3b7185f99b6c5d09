//! Where an install's files are, named the way code hosts and Git name
//! them.

use std::path::{Path, PathBuf};

use crate::model::Install;

/// The repository holding `dir`: the nearest folder at or above it that
/// holds `.git` (a folder, or a file in worktrees and submodules).
pub fn repository_root(dir: &Path) -> Option<PathBuf> {
    let dir = std::path::absolute(dir).ok()?;
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

/// Paths as code hosts want them: relative to the repository root (the
/// folder holding `.git` above the install), else to the current folder,
/// with `/` separators. GitHub annotations and SARIF results only attach
/// to a file named this way, whatever folder sentrylint ran from.
pub struct RepoPaths {
    base: Option<PathBuf>,
}

impl RepoPaths {
    pub fn new(install: &Install) -> RepoPaths {
        let base = repository_root(&install.root).or_else(|| std::env::current_dir().ok());
        RepoPaths { base }
    }

    pub fn of_file(&self, install: &Install, file: crate::model::FileId) -> String {
        let f = &install.files[file];
        self.of_path(&f.path, &f.display)
    }

    /// The path of a file at `path` on disk (shown as `display` when it is
    /// outside the base); the file need not exist.
    pub fn of_path(&self, path: &Path, display: &str) -> String {
        let relative = self.base.as_ref().and_then(|base| {
            let abs = std::path::absolute(path).ok()?;
            abs.strip_prefix(base).ok().map(Path::to_path_buf)
        });
        match relative {
            Some(p) => display_of(&p),
            None => display.to_string(),
        }
    }
}

/// A path as the user wrote it, with `/` separators and no `./` prefix.
pub fn display_of(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    let s = s.strip_prefix("./").unwrap_or(&s).to_string();
    if s.is_empty() { ".".into() } else { s }
}
