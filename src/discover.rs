//! From command-line paths to deployment roots (folders holding a
//! `docker-compose.yml`), each linted once. Folders are walked with walkdir,
//! not `ignore`: self-hosted's `.gitignore` lists `sentry/sentry.conf.py` and
//! `.env.custom`, the very files we lint.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::model::paths::display_of;
use crate::source::FileKind;

/// A deployment root and how to show its path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Root {
    pub path: PathBuf,
    pub display: String,
}

/// A path that could not be used, with why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathProblem {
    pub path: String,
    pub message: String,
}

/// Folders never walked into.
const SKIP: &[&str] = &[".git", "node_modules", "target", "__pycache__", ".venv"];

/// File names sentrylint reads; other files given explicitly are refused.
fn is_known_file(name: &str) -> bool {
    FileKind::ALL
        .iter()
        .flat_map(|k| k.names())
        .any(|n| n.rsplit('/').next() == Some(name))
}

/// The names of the files sentrylint reads, for messages.
const READ_FILES: &str = "compose.yaml or docker-compose.yml and their override, .env, .env.custom, sentry/sentry.conf.py, sentry/config.yml, taskbroker/config.yml";

/// True when `dir` holds a compose file under any name `docker compose`
/// reads (a folder of that name too: the load then says what is wrong).
pub fn has_compose_file(dir: &Path) -> bool {
    FileKind::Compose
        .names()
        .iter()
        .any(|n| std::fs::symlink_metadata(dir.join(n)).is_ok())
}

/// The deployment roots under `paths`, in walk order, and the paths that
/// could not be used (for tests; a run takes them one by one from
/// [`each_root`]).
#[cfg(test)]
pub fn roots(paths: &[PathBuf]) -> (Vec<Root>, Vec<PathProblem>) {
    let mut out = Vec::new();
    let problems = each_root(paths, &mut |root| out.push(root));
    (out, problems)
}

/// Every deployment root under `paths`, each handed to `found` as soon as it
/// is found (so that checking can start while the walk goes on); returns
/// the paths that could not be used.
pub fn each_root(paths: &[PathBuf], found: &mut dyn FnMut(Root)) -> Vec<PathProblem> {
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut problems = Vec::new();
    let named = !paths.is_empty();
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    // Whether the path being looked at led to an install (found before or not).
    let led_to_one = std::cell::Cell::new(false);
    let mut add = |path: PathBuf, display: String| {
        led_to_one.set(true);
        let key = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if seen.insert(key) {
            found(Root { path, display });
        }
    };
    for given in paths {
        let shown = display_of(given);
        let meta = match std::fs::metadata(given) {
            Ok(m) => m,
            Err(e) => {
                problems.push(PathProblem {
                    path: shown,
                    message: match e.kind() {
                        std::io::ErrorKind::NotFound => "no such file or folder".into(),
                        _ => e.to_string(),
                    },
                });
                continue;
            }
        };
        if meta.is_file() {
            let name = given.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if !is_known_file(name) {
                problems.push(PathProblem {
                    path: shown,
                    message: format!("is not a file sentrylint reads ({READ_FILES})"),
                });
                continue;
            }
            // A known file name outside any install (say, another tool's
            // config.yml passed by pre-commit) is not ours: skip it.
            if let Some((root, display)) = root_of_file(given) {
                add(root, display);
            }
            continue;
        }
        led_to_one.set(false);
        if has_compose_file(given) {
            add(given.clone(), shown.clone());
        }
        let walker = walkdir::WalkDir::new(given)
            .follow_links(true)
            .min_depth(1)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                !(e.file_type().is_dir()
                    && e.file_name().to_str().is_some_and(|n| SKIP.contains(&n)))
            });
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let path = e.path().map(display_of).unwrap_or_else(|| shown.clone());
                    let message = if e.loop_ancestor().is_some() {
                        "is a symlink loop; skipped".to_string()
                    } else {
                        match e.io_error().map(|io| io.kind()) {
                            Some(std::io::ErrorKind::PermissionDenied) => {
                                "cannot be read: permission denied".into()
                            }
                            Some(std::io::ErrorKind::NotFound)
                                if e.path().is_some_and(|p| p.is_symlink()) =>
                            {
                                "is a broken symlink; skipped".into()
                            }
                            Some(std::io::ErrorKind::NotFound) => {
                                "disappeared while walking".into()
                            }
                            _ => e.to_string(),
                        }
                    };
                    problems.push(PathProblem { path, message });
                    continue;
                }
            };
            if entry.file_type().is_dir()
                && !FileKind::Compose
                    .names()
                    .contains(&entry.file_name().to_str().unwrap_or(""))
                && has_compose_file(entry.path())
            {
                add(entry.path().to_path_buf(), display_of(entry.path()));
            }
        }
        // Named on purpose, a folder without an install is a mistake (a CI
        // job given the wrong folder must not pass): the implicit `.` is
        // not named, and the caller only warns about it.
        if named && !led_to_one.get() {
            problems.push(PathProblem {
                path: shown,
                message: format!(
                    "holds no self-hosted install: no compose file ({}) in it or in a folder below",
                    FileKind::Compose.names().join(", ")
                ),
            });
        }
    }
    problems
}

/// The deployment root holding `file`: its folder or the nearest folder above
/// (at most two levels, for `sentry/sentry.conf.py` and `relay/config.yml`).
fn root_of_file(file: &Path) -> Option<(PathBuf, String)> {
    let mut dir = file.parent()?.to_path_buf();
    for _ in 0..3 {
        let probe = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir.clone()
        };
        if has_compose_file(&probe) {
            let display = if dir.as_os_str().is_empty() {
                ".".to_string()
            } else {
                display_of(&dir)
            };
            return Some((probe, display));
        }
        if dir.as_os_str().is_empty() {
            return None;
        }
        dir = dir.parent()?.to_path_buf();
    }
    None
}

/// The install a file named on the command line belongs to, for a file
/// given on standard input: the root and what the file is to it. The file
/// itself need not exist (an unsaved buffer); its install must.
pub fn root_of_named_file(path: &Path) -> Result<(Root, FileKind), String> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let dir = path.parent().unwrap_or(Path::new(""));
    let found = if FileKind::Compose.names().contains(&name)
        && (dir.as_os_str().is_empty() || dir.is_dir())
    {
        let probe = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        Some((probe.to_path_buf(), display_of(probe)))
    } else {
        root_of_file(path)
    };
    let Some((root, display)) = found else {
        return Err(
            "is in no self-hosted install (no compose.yaml or docker-compose.yml in its folder or the two above)"
                .into(),
        );
    };
    let rel = match (std::path::absolute(path), std::path::absolute(&root)) {
        (Ok(file), Ok(root)) => file.strip_prefix(root).map(display_of).unwrap_or_default(),
        _ => String::new(),
    };
    // sentry.conf.py and config.yml are where compose mounts them: read
    // from the compose files once, and only when the name does not tell.
    let mounted = std::cell::LazyCell::new(|| {
        let reads: Vec<_> = [FileKind::Compose, FileKind::ComposeOverride]
            .into_iter()
            .map(|k| (k, root.join(k.path_in(&root))))
            .filter(|(_, path)| path.is_file())
            .map(|(k, path)| {
                let display = display_of(&path);
                (k, crate::model::load::read_source(&path, display, k))
            })
            .collect();
        crate::model::load::mounted_config_files(&reads)
    });
    let kind = FileKind::ALL
        .into_iter()
        .find(|k| k.names().contains(&rel.as_str()))
        .filter(|k| !matches!(k, FileKind::SentryConfPy | FileKind::SentryConfigYml))
        .or_else(|| {
            [
                (FileKind::SentryConfPy, &mounted.conf_py),
                (FileKind::SentryConfigYml, &mounted.config_yml),
            ]
            .into_iter()
            .find(|(_, p)| **p == rel)
            .map(|(k, _)| k)
        });
    match kind {
        Some(kind) => Ok((
            Root {
                path: root,
                display,
            },
            kind,
        )),
        None => Err(format!(
            "is not a file sentrylint reads in the install at `{display}` (compose.yaml or docker-compose.yml and their override, .env, .env.custom, {}, {})",
            mounted.conf_py, mounted.config_yml
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(p: &Path) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "").unwrap();
    }

    #[test]
    fn files_folders_and_walks_map_to_roots_once() {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path();
        touch(&base.join("ops/a/docker-compose.yml"));
        touch(&base.join("ops/a/sentry/sentry.conf.py"));
        touch(&base.join("ops/a/.env"));
        touch(&base.join("ops/b/docker-compose.yml"));
        touch(&base.join("ops/node_modules/x/docker-compose.yml"));
        touch(&base.join("elsewhere/config.yml"));
        let (roots, problems) = roots(&[
            base.join("ops/a/.env"),
            base.join("ops/a/sentry/sentry.conf.py"),
            base.join("ops"),
            base.join("elsewhere/config.yml"),
        ]);
        assert!(problems.is_empty(), "{problems:?}");
        let names: Vec<String> = roots
            .iter()
            .map(|r| r.path.strip_prefix(base).unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["ops/a", "ops/b"]);
    }

    #[test]
    fn a_named_config_file_is_the_one_compose_mounts() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(
            tmp.path().join("docker-compose.yml"),
            "services:\n  web:\n    command: run web\n    volumes:\n      - ./sentry.conf.py:/etc/sentry/sentry.conf.py\n",
        )
        .unwrap();
        let (_, kind) = root_of_named_file(&tmp.path().join("sentry.conf.py")).unwrap();
        assert_eq!(kind, FileKind::SentryConfPy);
        let (_, kind) = root_of_named_file(&tmp.path().join("sentry/config.yml")).unwrap();
        assert_eq!(kind, FileKind::SentryConfigYml);
        let err = root_of_named_file(&tmp.path().join("sentry/sentry.conf.py")).unwrap_err();
        assert!(
            err.contains(", sentry.conf.py, sentry/config.yml)"),
            "{err}"
        );
    }

    #[test]
    fn missing_and_unknown_paths_are_problems() {
        let tmp = tempfile::tempdir().unwrap();
        touch(&tmp.path().join("README.md"));
        let (roots, problems) = roots(&[tmp.path().join("nope"), tmp.path().join("README.md")]);
        assert!(roots.is_empty());
        assert_eq!(problems.len(), 2);
        assert!(problems[0].message.contains("no such file"));
        assert!(problems[1].message.contains("not a file sentrylint reads"));
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_are_reported_and_walking_goes_on() {
        let tmp = tempfile::tempdir().unwrap();
        touch(&tmp.path().join("a/docker-compose.yml"));
        std::fs::create_dir_all(tmp.path().join("b")).unwrap();
        std::os::unix::fs::symlink(tmp.path().join("b"), tmp.path().join("b/loop")).unwrap();
        let (roots, problems) = roots(&[tmp.path().to_path_buf()]);
        assert_eq!(roots.len(), 1);
        assert!(
            problems.iter().any(|p| p.message.contains("symlink loop")),
            "{problems:?}"
        );
    }
}
