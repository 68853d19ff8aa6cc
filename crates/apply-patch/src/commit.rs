//! Writing a verified plan: each file through a temporary file and a rename; if any write
//! fails, the files already written are put back as they were.

use std::collections::HashSet;
use std::fs::Permissions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::PatchError;
use crate::plan::{FinalState, Plan};

/// How to undo one committed path.
struct Undo {
    path: PathBuf,
    /// The bytes and mode it had, or `None` if it did not exist.
    before: Option<(Vec<u8>, Permissions)>,
}

impl Plan {
    /// Applies the plan; on error, every file is as it was before.
    pub fn commit(&self) -> Result<(), PatchError> {
        let mut done: Vec<Undo> = Vec::new();
        let mut created_dirs: Vec<PathBuf> = Vec::new();
        let mut known_dirs: HashSet<PathBuf> = HashSet::new();
        for (path, state) in &self.finals {
            let before = match self.originals.get(path) {
                Some(original) => original.clone(),
                None => snapshot(path),
            };
            let result = match state {
                FinalState::Write { content, mode } => {
                    create_parents(path, &mut known_dirs, &mut created_dirs)
                        .and_then(|()| write_atomic(path, content.as_bytes(), mode.clone()))
                }
                FinalState::Remove => match std::fs::remove_file(path) {
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                    other => other,
                },
            };
            if let Err(source) = result {
                let unrestored = rollback(done, created_dirs);
                return Err(if unrestored.is_empty() {
                    PatchError::Write {
                        path: path.clone(),
                        source,
                    }
                } else {
                    PatchError::Rollback {
                        path: path.clone(),
                        source,
                        unrestored: unrestored.join(", "),
                    }
                });
            }
            done.push(Undo {
                path: path.clone(),
                before,
            });
        }
        Ok(())
    }
}

fn snapshot(path: &Path) -> Option<(Vec<u8>, Permissions)> {
    let meta = std::fs::metadata(path).ok().filter(|m| m.is_file())?;
    let bytes = std::fs::read(path).ok()?;
    Some((bytes, meta.permissions()))
}

/// Puts committed paths back in reverse order; returns the ones that could not be restored.
fn rollback(done: Vec<Undo>, created_dirs: Vec<PathBuf>) -> Vec<String> {
    let mut failed = Vec::new();
    for undo in done.into_iter().rev() {
        let result = match &undo.before {
            Some((bytes, mode)) => write_atomic(&undo.path, bytes, Some(mode.clone())),
            None => std::fs::remove_file(&undo.path),
        };
        if result.is_err() {
            failed.push(undo.path.display().to_string());
        }
    }
    for dir in created_dirs.into_iter().rev() {
        let _ = std::fs::remove_dir(dir);
    }
    failed
}

fn create_parents(
    path: &Path,
    known: &mut HashSet<PathBuf>,
    created: &mut Vec<PathBuf>,
) -> std::io::Result<()> {
    let Some(parent) = path.parent() else {
        return Ok(());
    };
    if known.contains(parent) {
        return Ok(());
    }
    let mut missing = Vec::new();
    let mut dir = parent;
    while !dir.exists() {
        missing.push(dir.to_path_buf());
        match dir.parent() {
            Some(p) => dir = p,
            None => break,
        }
    }
    for dir in missing.into_iter().rev() {
        std::fs::create_dir(&dir)?;
        created.push(dir);
    }
    known.insert(parent.to_path_buf());
    Ok(())
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);
static PID: std::sync::LazyLock<u32> = std::sync::LazyLock::new(std::process::id);

/// Writes `bytes` to a temporary file beside `path`, sets its mode, and renames it over
/// `path`, so readers see either the old or the new file, never a half-written one. On Windows
/// the permissions carried over are the read-only flag alone, and a read-only file cannot be
/// replaced this way: the write fails and the patch is rolled back.
fn write_atomic(path: &Path, bytes: &[u8], mode: Option<Permissions>) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(
        ".{name}.patch-{}-{}",
        *PID,
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        if let Some(mode) = mode {
            file.set_permissions(mode)?;
        }
        drop(file);
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}
