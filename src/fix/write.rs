//! Writing changed files: all of them or none. Each new text goes to a
//! temporary file in the same folder (same file system, so the rename is
//! atomic), is flushed to disk, takes the original's permissions, and only
//! then replaces the original. A file that changed on disk since it was read
//! stops everything before anything is written.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

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

/// Writes the new texts of `changed` files of `install`.
pub fn write_all(install: &Install, changed: &BTreeMap<FileId, String>) -> Result<(), WriteError> {
    // 1. Nothing changed under us.
    for &id in changed.keys() {
        let file = install.file(id);
        let on_disk = std::fs::read(&file.path).map_err(|e| WriteError {
            path: file.display.clone(),
            message: format!("cannot read it again before writing: {e}; nothing was written"),
        })?;
        if on_disk != bytes_of(file, &file.text) {
            return Err(WriteError {
                path: file.display.clone(),
                message:
                    "changed on disk since sentrylint read it; nothing was written (run again)"
                        .into(),
            });
        }
    }
    // 2. Stage every file.
    let mut staged: Vec<(FileId, PathBuf)> = Vec::new();
    for (&id, text) in changed {
        let file = install.file(id);
        match stage(&file.path, &bytes_of(file, text)) {
            Ok(tmp) => staged.push((id, tmp)),
            Err(e) => {
                for (_, t) in &staged {
                    let _ = std::fs::remove_file(t);
                }
                return Err(WriteError {
                    path: file.display.clone(),
                    message: format!("cannot write: {e}; nothing was written"),
                });
            }
        }
    }
    // 3. Swap them in; on a failure, put back what was already replaced.
    for (i, (id, tmp)) in staged.iter().enumerate() {
        let file = install.file(*id);
        if let Err(e) = std::fs::rename(tmp, &file.path) {
            for (done, _) in &staged[..i] {
                let f = install.file(*done);
                if let Ok(t) = stage(&f.path, &bytes_of(f, &f.text)) {
                    let _ = std::fs::rename(t, &f.path);
                }
            }
            for (_, t) in &staged[i..] {
                let _ = std::fs::remove_file(t);
            }
            return Err(WriteError {
                path: file.display.clone(),
                message: format!(
                    "cannot replace it: {e}; the files written before it were restored"
                ),
            });
        }
    }
    // Make the renames durable (best effort: not every platform can fsync a folder).
    if let Some(dir) = staged
        .first()
        .and_then(|(id, _)| install.file(*id).path.parent().map(Path::to_path_buf))
        && let Ok(d) = std::fs::File::open(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &dir
        })
    {
        let _ = d.sync_all();
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
        let env = install
            .files
            .iter()
            .position(|f| f.display == ".env")
            .unwrap();
        let mut changed = BTreeMap::new();
        changed.insert(env, "A=2".to_string());
        write_all(&install, &changed).unwrap();
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

    #[test]
    fn refuses_files_changed_since_read_and_writes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let install = install_in(tmp.path());
        std::fs::write(tmp.path().join(".env"), "A=changed\n").unwrap();
        let mut changed = BTreeMap::new();
        for (i, _) in install.files.iter().enumerate() {
            changed.insert(i, "x: 1\n".to_string());
        }
        let err = write_all(&install, &changed).unwrap_err();
        assert!(err.message.contains("changed on disk"), "{}", err.message);
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("docker-compose.yml")).unwrap(),
            "services:\r\n  web:\r\n    image: a\r\n"
        );
    }
}
