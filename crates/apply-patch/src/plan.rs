//! Checking a whole patch against the current files before anything is written.

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::chunks::apply_chunks;
use crate::error::PatchError;
use crate::parser::{Hunk, parse_patch};
use crate::paths::{WritableRoots, resolve};

/// One file operation of a patch, as it will be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedChange {
    /// The path as the patch wrote it (for messages and the summary).
    pub display: String,
    /// Where it really goes.
    pub path: PathBuf,
    pub kind: ChangeKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeKind {
    Add {
        content: String,
    },
    Delete {
        content: String,
    },
    Update {
        old: String,
        new: String,
        /// Set for `*** Move to:` (the resolved destination and its display form).
        move_to: Option<(PathBuf, String)>,
    },
}

/// The final state of one path after the whole patch.
#[derive(Debug, Clone)]
pub(crate) enum FinalState {
    Write { content: String, mode: Option<u32> },
    Remove,
}

/// A verified patch: every change computed, nothing written yet.
#[derive(Debug, Clone)]
pub struct Plan {
    pub changes: Vec<PlannedChange>,
    /// Paths in the order they were first touched, with their final state.
    pub(crate) finals: Vec<(PathBuf, FinalState)>,
}

pub struct PlanOptions<'a> {
    pub cwd: &'a Path,
    /// Where the patch may write; `None` means anywhere.
    pub roots: Option<&'a WritableRoots>,
}

struct Overlay {
    order: Vec<PathBuf>,
    state: HashMap<PathBuf, Option<String>>,
    /// Mode each path will get: its own, or the source's for a move.
    modes: HashMap<PathBuf, Option<u32>>,
}

impl Overlay {
    fn read(&self, path: &Path) -> Result<Option<String>, String> {
        if let Some(state) = self.state.get(path) {
            return Ok(state.clone());
        }
        match std::fs::read(path) {
            Ok(bytes) => String::from_utf8(bytes)
                .map(Some)
                .map_err(|_| "the file is not UTF-8 text".to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    fn set(&mut self, path: &Path, value: Option<String>, mode_from: &Path) {
        if !self.state.contains_key(path) {
            self.order.push(path.to_path_buf());
        }
        self.state.insert(path.to_path_buf(), value);
        let mode = self
            .modes
            .get(mode_from)
            .copied()
            .unwrap_or_else(|| disk_mode(mode_from));
        self.modes.insert(path.to_path_buf(), mode);
    }
}

fn disk_mode(path: &Path) -> Option<u32> {
    std::fs::metadata(path)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.permissions().mode())
}

pub fn plan_patch(patch: &str, options: &PlanOptions<'_>) -> Result<Plan, PatchError> {
    let hunks = parse_patch(patch)?;
    if hunks.is_empty() {
        return Err(PatchError::Empty);
    }
    let mut overlay = Overlay {
        order: Vec::new(),
        state: HashMap::new(),
        modes: HashMap::new(),
    };
    let mut changes = Vec::new();
    let target = |p: &Path| -> Result<(PathBuf, String), PatchError> {
        let display = p.display().to_string();
        if display.trim().is_empty() {
            return Err(PatchError::Rejected(
                "a file path in the patch is empty".into(),
            ));
        }
        let resolved = resolve(options.cwd, p);
        if let Some(roots) = options.roots
            && !roots.allows(&resolved)
        {
            return Err(PatchError::OutsideRoots {
                path: display,
                roots: roots.describe(),
            });
        }
        Ok((resolved, display))
    };
    for hunk in hunks {
        match hunk {
            Hunk::Add { path, contents } => {
                let (path, display) = target(&path)?;
                overlay.set(&path, Some(contents.clone()), &path);
                changes.push(PlannedChange {
                    display,
                    path,
                    kind: ChangeKind::Add { content: contents },
                });
            }
            Hunk::Delete { path } => {
                let (path, display) = target(&path)?;
                if path.is_dir() && !overlay.state.contains_key(&path) {
                    return Err(PatchError::Delete {
                        path: display,
                        reason: "it is a directory".into(),
                    });
                }
                let content = match overlay.read(&path) {
                    Ok(Some(content)) => content,
                    Ok(None) => {
                        return Err(PatchError::Delete {
                            path: display,
                            reason: "No such file or directory".into(),
                        });
                    }
                    Err(reason) => {
                        return Err(PatchError::Delete {
                            path: display,
                            reason,
                        });
                    }
                };
                overlay.set(&path, None, &path);
                changes.push(PlannedChange {
                    display,
                    path,
                    kind: ChangeKind::Delete { content },
                });
            }
            Hunk::Update {
                path,
                move_path,
                chunks,
            } => {
                let (path, display) = target(&path)?;
                let old = match overlay.read(&path) {
                    Ok(Some(old)) => old,
                    Ok(None) => {
                        return Err(PatchError::ReadForUpdate {
                            path: display,
                            reason: "No such file or directory".into(),
                        });
                    }
                    Err(reason) => {
                        return Err(PatchError::ReadForUpdate {
                            path: display,
                            reason,
                        });
                    }
                };
                let new = apply_chunks(&old, &display, &chunks)?;
                let move_to = match move_path {
                    Some(dest) => Some(target(&dest)?),
                    None => None,
                };
                match &move_to {
                    Some((dest, _)) if *dest != path => {
                        overlay.set(dest, Some(new.clone()), &path);
                        overlay.set(&path, None, &path);
                    }
                    _ => overlay.set(&path, Some(new.clone()), &path),
                }
                changes.push(PlannedChange {
                    display,
                    path,
                    kind: ChangeKind::Update { old, new, move_to },
                });
            }
        }
    }
    let finals = overlay
        .order
        .iter()
        .map(|path| {
            let state = match overlay.state.get(path).cloned().flatten() {
                Some(content) => FinalState::Write {
                    content,
                    mode: overlay.modes.get(path).copied().flatten(),
                },
                None => FinalState::Remove,
            };
            (path.clone(), state)
        })
        .collect();
    Ok(Plan { changes, finals })
}

impl Plan {
    /// Every path the patch writes or removes, in the order first touched.
    pub fn touched_paths(&self) -> Vec<PathBuf> {
        self.finals.iter().map(|(p, _)| p.clone()).collect()
    }

    /// `Success. Updated the following files:` and an `A`/`M`/`D` line per operation.
    pub fn summary(&self) -> String {
        let mut out = String::from("Success. Updated the following files:\n");
        for change in &self.changes {
            let (mark, shown) = match &change.kind {
                ChangeKind::Add { .. } => ("A", &change.display),
                ChangeKind::Delete { .. } => ("D", &change.display),
                ChangeKind::Update {
                    move_to: Some((_, dest)),
                    ..
                } => ("M", dest),
                ChangeKind::Update { .. } => ("M", &change.display),
            };
            out.push_str(&format!("{mark} {shown}\n"));
        }
        out
    }
}
