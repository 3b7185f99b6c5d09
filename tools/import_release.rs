//! Derives the knowledge base's data from upstream's files:
//! `cargo run --example import-release -- [UPSTREAM_DIR]` (default
//! `../shared/upstream`, one folder per release) writes
//! `migrations/derived/V.toml` for every release from the oldest one with a
//! hand-written file in `migrations/releases/`. Then write what people know
//! about a new release (hard stop, notes, renames) in
//! `migrations/releases/V.toml` and run the tests.

use std::path::{Path, PathBuf};

use sentrylint::kb::import;

fn main() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let upstream = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("../shared/upstream"));
    let hand = match import::hand_files(&repo.join("migrations")) {
        Ok(h) => h,
        Err(e) => fail(&e),
    };
    let derived = match import::derive_all(&upstream, &hand) {
        Ok(d) => d,
        Err(e) => fail(&e),
    };
    let dir = repo.join("migrations/derived");
    if let Err(e) = std::fs::create_dir_all(&dir) {
        fail(&format!("{}: {e}", dir.display()));
    }
    let mut changed = 0;
    for (version, text) in &derived {
        let path = dir.join(format!("{version}.toml"));
        if std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        if let Err(e) = std::fs::write(&path, text) {
            fail(&format!("{}: {e}", path.display()));
        }
        changed += 1;
        let hand_file = repo.join(format!("migrations/releases/{version}.toml"));
        if !hand_file.exists() {
            eprintln!(
                "{version}: new; say in migrations/releases/{version}.toml whether it is a hard stop, what it renames, and what an operator must do"
            );
        }
    }
    eprintln!(
        "{} releases derived, {changed} files written to {}",
        derived.len(),
        dir.display()
    );
}

fn fail(msg: &str) -> ! {
    eprintln!("import-release: {msg}");
    std::process::exit(2);
}
