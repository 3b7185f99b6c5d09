//! Writing changed files: all of them or none. Each new text goes to a
//! temporary file in the same folder (same file system, so the rename is
//! atomic), is flushed to disk, takes the original's permissions, and only
//! then replaces the original. A file that changed on disk since it was read
//! stops everything before anything is written.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::fix::WholeFile;
use crate::model::{FileId, Install};
use crate::source::SourceFile;

#[derive(Debug)]
pub struct WriteError {
    pub path: String,
    pub message: String,
}

fn bytes_of(file: &SourceFile, text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 3);
    if file.bom {
        out.extend_from_slice(&[0xEF, 0xBB, 0xBF]);
    }
    out.extend_from_slice(text.as_bytes());
    out
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.sentrylint-{}.tmp", std::process::id()))
}

fn stage(path: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let tmp = temp_path(path);
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        if let Ok(meta) = std::fs::metadata(path) {
            std::fs::set_permissions(&tmp, meta.permissions())?;
        }
        Ok(())
    })();
    match result {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Where a file's new text goes: through symlinks to the file they name
/// (renaming over the link would replace it with a copy).
fn target_of(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// One file to write: where, what must be there now (`None`: nothing, the
/// file is new), and what goes there.
struct Planned {
    display: String,
    target: PathBuf,
    expected: Option<Vec<u8>>,
    new: Vec<u8>,
}

/// Writes the new texts of `changed` files of `install`, and the `whole`
/// files (created with their folders, or replaced): all of them or none.
pub fn write_all(
    install: &Install,
    changed: &BTreeMap<FileId, String>,
    whole: &[WholeFile],
) -> Result<(), WriteError> {
    let mut planned: Vec<Planned> = changed
        .iter()
        .map(|(&id, text)| {
            let file = install.file(id);
            Planned {
                display: file.display.clone(),
                target: target_of(&file.path),
                expected: Some(bytes_of(file, &file.text)),
                new: bytes_of(file, text),
            }
        })
        .collect();
    planned.extend(whole.iter().map(|w| {
        let path = install.root.join(&w.path);
        Planned {
            display: w.display(install),
            target: match w.old {
                Some(_) => target_of(&path),
                None => path,
            },
            expected: w.old.as_ref().map(|t| t.as_bytes().to_vec()),
            new: w.text.as_bytes().to_vec(),
        }
    }));
    // 1. Nothing changed under us, and every file may be written.
    for p in &planned {
        let fail = |message: String| WriteError {
            path: p.display.clone(),
            message,
        };
        let Some(expected) = &p.expected else {
            if std::fs::symlink_metadata(&p.target).is_ok() {
                return Err(fail(
                    "appeared on disk since sentrylint looked; nothing was written (run again)"
                        .into(),
                ));
            }
            continue;
        };
        let mut on_disk = Vec::new();
        std::fs::File::open(&p.target)
            .and_then(|f| {
                use std::io::Read;
                f.take(expected.len() as u64 + 1).read_to_end(&mut on_disk)
            })
            .map_err(|e| {
                fail(format!(
                    "cannot read it again before writing: {e}; nothing was written"
                ))
            })?;
        if on_disk != *expected {
            return Err(fail(
                "changed on disk since sentrylint read it; nothing was written (run again)".into(),
            ));
        }
        let read_only = std::fs::metadata(&p.target).is_ok_and(|m| m.permissions().readonly());
        if read_only {
            return Err(fail(
                "is read-only; nothing was written (make it writable to apply the changes)".into(),
            ));
        }
    }
    // 2. Create the folders new files need, and stage every file.
    let mut made_dirs: Vec<PathBuf> = Vec::new();
    let mut staged: Vec<PathBuf> = Vec::new();
    let undo_staging = |staged: &[PathBuf], made_dirs: &[PathBuf]| {
        for t in staged {
            let _ = std::fs::remove_file(t);
        }
        for d in made_dirs.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
    };
    for p in &planned {
        let result =
            make_parents(&p.target, &mut made_dirs).and_then(|()| stage(&p.target, &p.new));
        match result {
            Ok(tmp) => staged.push(tmp),
            Err(e) => {
                undo_staging(&staged, &made_dirs);
                return Err(WriteError {
                    path: p.display.clone(),
                    message: format!("cannot write: {e}; nothing was written"),
                });
            }
        }
    }
    // 3. Swap them in; on a failure, put back what was already replaced.
    for (i, (p, tmp)) in planned.iter().zip(&staged).enumerate() {
        if let Err(e) = std::fs::rename(tmp, &p.target) {
            for done in &planned[..i] {
                match &done.expected {
                    Some(old) => {
                        if let Ok(t) = stage(&done.target, old) {
                            let _ = std::fs::rename(t, &done.target);
                        }
                    }
                    None => {
                        let _ = std::fs::remove_file(&done.target);
                    }
                }
            }
            undo_staging(&staged[i..], &made_dirs);
            return Err(WriteError {
                path: p.display.clone(),
                message: format!(
                    "cannot replace it: {e}; the files written before it were restored"
                ),
            });
        }
    }
    // Make the renames durable (best effort: not every platform can fsync a folder).
    let dirs: std::collections::BTreeSet<PathBuf> = planned
        .iter()
        .filter_map(|p| p.target.parent().map(Path::to_path_buf))
        .chain(
            made_dirs
                .iter()
                .filter_map(|d| d.parent().map(Path::to_path_buf)),
        )
        .collect();
    for dir in dirs {
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// Creates the missing folders above `path`, recording each (outermost
/// first) so that a failed write can remove them again.
fn make_parents(path: &Path, made: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(());
    };
    let missing: Vec<&Path> = parent
        .ancestors()
        .take_while(|d| !d.as_os_str().is_empty() && std::fs::symlink_metadata(d).is_err())
        .collect();
    for d in missing.into_iter().rev() {
        std::fs::create_dir(d)?;
        made.push(d.to_path_buf());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::load::{LoadOptions, load_root};

    fn install_in(dir: &Path) -> Install {
        std::fs::write(
            dir.join("docker-compose.yml"),
            "services:\r\n  web:\r\n    image: a\r\n",
        )
        .unwrap();
        std::fs::write(dir.join(".env"), b"\xEF\xBB\xBFA=1").unwrap();
        load_root(dir, "", &LoadOptions::default())
    }

    #[test]
    fn writes_all_keeping_bom_and_mode() {
        let tmp = tempfile::tempdir().unwrap();
        let install = install_in(tmp.path());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(
                tmp.path().join(".env"),
                std::fs::Permissions::from_mode(0o600),
            )
            .unwrap();
        }
        write_env(&install, "A=2");
        assert_eq!(
            std::fs::read(tmp.path().join(".env")).unwrap(),
            b"\xEF\xBB\xBFA=2"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(tmp.path().join(".env"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    fn write_env(install: &Install, text: &str) {
        let env = install.files.iter().position(|f| f.display == ".env");
        let changed = BTreeMap::from([(env.unwrap(), text.to_string())]);
        write_all(install, &changed, &[]).unwrap();
    }

    fn env_and_compose(install: &Install) -> BTreeMap<FileId, String> {
        let mut changed = BTreeMap::new();
        for (i, f) in install.files.iter().enumerate() {
            changed.insert(i, format!("{}# changed\n", f.text));
        }
        changed
    }

    fn unchanged(dir: &Path) {
        assert_eq!(
            std::fs::read_to_string(dir.join("docker-compose.yml")).unwrap(),
            "services:\r\n  web:\r\n    image: a\r\n"
        );
        assert_eq!(std::fs::read(dir.join(".env")).unwrap(), b"\xEF\xBB\xBFA=1");
        let leftovers: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains("sentrylint"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn a_read_only_file_stops_the_whole_write() {
        let tmp = tempfile::tempdir().unwrap();
        let install = install_in(tmp.path());
        let env = tmp.path().join(".env");
        let mut perms = std::fs::metadata(&env).unwrap().permissions();
        perms.set_readonly(true);
        std::fs::set_permissions(&env, perms).unwrap();
        let err = write_all(&install, &env_and_compose(&install), &[]).unwrap_err();
        assert_eq!(err.path, ".env");
        assert!(err.message.contains("read-only"), "{}", err.message);
        unchanged(tmp.path());
    }

    #[test]
    fn a_file_that_cannot_be_staged_mid_step_writes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let install = install_in(tmp.path());
        // The second file's temporary name is taken (by a folder): staging
        // it fails after the first file was staged.
        let second = install.files.iter().map(|f| &f.path).max().unwrap().clone();
        std::fs::create_dir(temp_path(&target_of(&second))).unwrap();
        let err = write_all(&install, &env_and_compose(&install), &[]).unwrap_err();
        assert!(
            err.message.contains("nothing was written"),
            "{}",
            err.message
        );
        std::fs::remove_dir(temp_path(&target_of(&second))).unwrap();
        unchanged(tmp.path());
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_folder_writes_nothing() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let install = install_in(tmp.path());
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
        let probe = tmp.path().join("probe");
        if std::fs::write(&probe, "").is_ok() {
            let _ = std::fs::remove_file(&probe);
            std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
            eprintln!("skipped: permissions do not stop writes here (root?)");
            return;
        }
        let err = write_all(&install, &env_and_compose(&install), &[]).unwrap_err();
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(err.message.contains("cannot write"), "{}", err.message);
        unchanged(tmp.path());
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_files_are_written_through_the_link() {
        let tmp = tempfile::tempdir().unwrap();
        let shared = tmp.path().join("shared.env");
        std::fs::write(&shared, "A=1\n").unwrap();
        std::fs::write(tmp.path().join("docker-compose.yml"), "services: {}\n").unwrap();
        std::os::unix::fs::symlink(&shared, tmp.path().join(".env")).unwrap();
        let install = load_root(tmp.path(), "", &LoadOptions::default());
        write_env(&install, "A=2\n");
        assert!(tmp.path().join(".env").is_symlink());
        assert_eq!(std::fs::read_to_string(&shared).unwrap(), "A=2\n");
    }

    #[test]
    fn refuses_files_changed_since_read_and_writes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let install = install_in(tmp.path());
        std::fs::write(tmp.path().join(".env"), "A=changed\n").unwrap();
        let mut changed = BTreeMap::new();
        for (i, _) in install.files.iter().enumerate() {
            changed.insert(i, "x: 1\n".to_string());
        }
        let err = write_all(&install, &changed, &[]).unwrap_err();
        assert!(err.message.contains("changed on disk"), "{}", err.message);
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("docker-compose.yml")).unwrap(),
            "services:\r\n  web:\r\n    image: a\r\n"
        );
    }

    fn new_file(path: &str) -> WholeFile {
        WholeFile {
            title: format!("Create {path}"),
            path: path.into(),
            old: None,
            text: "a: 1\n".into(),
        }
    }

    #[test]
    fn new_files_are_created_with_their_folders_together_with_the_rest() {
        let tmp = tempfile::tempdir().unwrap();
        let install = install_in(tmp.path());
        write_all(
            &install,
            &env_and_compose(&install),
            &[new_file("a/b/config.yml")],
        )
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("a/b/config.yml")).unwrap(),
            "a: 1\n"
        );
        assert!(
            std::fs::read_to_string(tmp.path().join(".env"))
                .unwrap()
                .ends_with("# changed\n")
        );
    }

    #[test]
    fn a_new_file_that_appeared_meanwhile_stops_the_whole_write() {
        let tmp = tempfile::tempdir().unwrap();
        let install = install_in(tmp.path());
        std::fs::create_dir(tmp.path().join("a")).unwrap();
        std::fs::write(tmp.path().join("a/config.yml"), "mine: 1\n").unwrap();
        let err = write_all(
            &install,
            &env_and_compose(&install),
            &[new_file("a/config.yml")],
        )
        .unwrap_err();
        assert_eq!(err.path, "a/config.yml");
        assert!(err.message.contains("appeared"), "{}", err.message);
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("a/config.yml")).unwrap(),
            "mine: 1\n"
        );
        unchanged(tmp.path());
    }

    #[test]
    fn a_new_file_that_cannot_be_created_writes_nothing_and_leaves_no_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let install = install_in(tmp.path());
        // `b` is a file: the folder `a/b` cannot be made, after `a` was.
        std::fs::write(tmp.path().join("b"), "").unwrap();
        let files = [new_file("a/config.yml"), new_file("b/config.yml")];
        let err = write_all(&install, &env_and_compose(&install), &files).unwrap_err();
        assert!(
            err.message.contains("nothing was written"),
            "{}",
            err.message
        );
        assert!(!tmp.path().join("a").exists());
        std::fs::remove_file(tmp.path().join("b")).unwrap();
        unchanged(tmp.path());
    }
}
