//! Helpers shared by the test modules.

use std::path::PathBuf;

/// `../shared/upstream` next to the checkout, when it exists. Tests that need
/// it print that they were skipped when it does not.
pub fn shared_upstream() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/upstream");
    dir.is_dir().then_some(dir)
}
