//! Checking a whole patch against the current files before anything is written.

use std::collections::HashMap;
use std::fs::Permissions;
use std::path::{Path, PathBuf};

use crate::chunks::apply_chunks;
use crate::error::PatchError;
use crate::parser::{Hunk, parse_patch};
use crate::paths::{Resolver, WritableRoots};

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
    Write {
        content: String,
        mode: Option<Permissions>,
    },
    Remove,
}

/// A verified patch: every change computed, nothing written yet.
#[derive(Debug, Clone)]
pub struct Plan {
    pub changes: Vec<PlannedChange>,
    /// Paths in the order they were first touched, with their final state.
    pub(crate) finals: Vec<(PathBuf, FinalState)>,
    /// What each touched path held when the patch was checked (bytes and mode), for restoring.
    pub(crate) originals: HashMap<PathBuf, Option<(Vec<u8>, Permissions)>>,
}

/// Why a path may not be touched (`None` when it may be).
pub type Refuse<'a> = dyn Fn(&Path) -> Option<String> + Sync + 'a;

pub struct PlanOptions<'a> {
    pub cwd: &'a Path,
    /// Where the patch may write; `None` means anywhere.
    pub roots: Option<&'a WritableRoots>,
    /// Why a path may not be touched at all, checked before it is read: a patch must neither
    /// read nor replace a file the caller keeps out of reach (`None` when it may be).
    pub refuse: Option<&'a Refuse<'a>>,
}

struct Overlay {
    order: Vec<PathBuf>,
    originals: HashMap<PathBuf, Option<(Vec<u8>, Permissions)>>,
    state: HashMap<PathBuf, Option<String>>,
    /// Mode each path will get: its own, or the source's for a move.
    modes: HashMap<PathBuf, Option<Permissions>>,
}

impl Overlay {
    fn read(&mut self, path: &Path) -> Result<Option<String>, String> {
        if let Some(state) = self.state.get(path) {
            return Ok(state.clone());
        }
        let original = self.original(path).map_err(|e| e.to_string())?;
        match original {
            Some((bytes, _)) => String::from_utf8(bytes.clone())
                .map(Some)
                .map_err(|_| "the file is not UTF-8 text".to_string()),
            None => Ok(None),
        }
    }

    /// The file as it is on disk (read once), `None` if there is none.
    fn original(&mut self, path: &Path) -> std::io::Result<&Option<(Vec<u8>, Permissions)>> {
        if !self.originals.contains_key(path) {
            let value = match std::fs::File::open(path) {
                Ok(mut file) => {
                    let meta = file.metadata()?;
                    if meta.is_dir() {
                        None
                    } else {
                        let mut bytes = Vec::with_capacity(meta.len() as usize);
                        std::io::Read::read_to_end(&mut file, &mut bytes)?;
                        Some((bytes, meta.permissions()))
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(e),
            };
            self.originals.insert(path.to_path_buf(), value);
        }
        Ok(self.originals.get(path).unwrap_or(&None))
    }

    fn set(&mut self, path: &Path, value: Option<String>, mode_from: &Path) {
        if !self.state.contains_key(path) {
            self.order.push(path.to_path_buf());
            // Remember what was there, to restore it if a later write fails.
            let _ = self.original(path);
        }
        self.state.insert(path.to_path_buf(), value);
        let mode = match self.modes.get(mode_from) {
            Some(mode) => mode.clone(),
            None => match self.originals.get(mode_from) {
                Some(original) => original.as_ref().map(|(_, mode)| mode.clone()),
                None => disk_mode(mode_from),
            },
        };
        self.modes.insert(path.to_path_buf(), mode);
    }
}

fn disk_mode(path: &Path) -> Option<Permissions> {
    std::fs::metadata(path)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.permissions())
}

pub fn plan_patch(patch: &str, options: &PlanOptions<'_>) -> Result<Plan, PatchError> {
    let hunks = parse_patch(patch)?;
    if hunks.is_empty() {
        return Err(PatchError::Empty);
    }
    let mut overlay = Overlay {
        order: Vec::new(),
        originals: HashMap::new(),
        state: HashMap::new(),
        modes: HashMap::new(),
    };
    let mut changes = Vec::new();
    let mut resolver = Resolver::default();
    let mut target = |p: &Path| -> Result<(PathBuf, String), PatchError> {
        let display = p.display().to_string();
        if display.trim().is_empty() {
            return Err(PatchError::Rejected(
                "a file path in the patch is empty".into(),
            ));
        }
        let resolved = resolver.resolve(options.cwd, p);
        if let Some(why) = options
            .refuse
            .and_then(|refuse| refuse(&options.cwd.join(p)))
        {
            return Err(PatchError::Rejected(why));
        }
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
                    mode: overlay.modes.get(path).cloned().flatten(),
                },
                None => FinalState::Remove,
            };
            (path.clone(), state)
        })
        .collect();
    Ok(Plan {
        changes,
        finals,
        originals: overlay.originals,
    })
}

impl Plan {
    /// Every path the patch writes or removes, in the order first touched.
    pub fn touched_paths(&self) -> Vec<PathBuf> {
        self.finals.iter().map(|(p, _)| p.clone()).collect()
    }

    /// `Success. Updated the following files:` and an `A`/`M`/`D` line per operation.
    pub fn summary(&self) -> String {
        // Added, then modified, then deleted, each in patch order, as the Codex CLI lists them.
        let mut out = String::from("Success. Updated the following files:\n");
        for wanted in ["A", "M", "D"] {
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
                if mark == wanted {
                    out.push_str(&format!("{mark} {shown}\n"));
                }
            }
        }
        out
    }
}
