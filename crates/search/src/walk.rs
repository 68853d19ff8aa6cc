//! Listing files the way `rg --files` does.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ignore::{DirEntry, WalkState};

use crate::error::{SearchError, SharedWarnings, Warnings};
use crate::rules::{CompiledRules, WalkRules};

/// The files a walk found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WalkReport {
    /// Paths as the walker found them: each root joined with the path below it.
    pub files: Vec<PathBuf>,
    pub warnings: Warnings,
}

/// Lists the files under `roots` (and the roots that are files) that `rules` let through, as
/// `rg --files` would: regular files only, symlinks only when followed. With `sorted`, in path
/// order; otherwise in the order the parallel walk met them.
pub fn walk_files<P: AsRef<Path>>(
    roots: &[P],
    rules: &WalkRules,
    sorted: bool,
) -> Result<WalkReport, SearchError> {
    let compiled = CompiledRules::new(rules.clone())?;
    let roots: Vec<&Path> = roots
        .iter()
        .map(AsRef::as_ref)
        .filter(|root| compiled.allows_root(root))
        .collect();
    let Some((first, rest)) = roots.split_first() else {
        return Ok(WalkReport::default());
    };
    let found = Mutex::new(Vec::new());
    let warnings = SharedWarnings::default();
    compiled.builder(first, rest).build_parallel().run(|| {
        let mut collector = Collector {
            files: Vec::new(),
            found: &found,
            warnings: &warnings,
        };
        Box::new(move |entry| collector.visit(entry))
    });
    let mut files: Vec<PathBuf> = found
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .flatten()
        .collect();
    if sorted {
        files.sort_unstable();
    }
    Ok(WalkReport {
        files,
        warnings: warnings.into_inner(),
    })
}

/// One walker thread's files, handed over when the thread is done with them.
struct Collector<'a> {
    files: Vec<PathBuf>,
    found: &'a Mutex<Vec<Vec<PathBuf>>>,
    warnings: &'a SharedWarnings,
}

impl Collector<'_> {
    fn visit(&mut self, entry: Result<DirEntry, ignore::Error>) -> WalkState {
        match entry {
            Ok(entry) => {
                if let Some(err) = entry.error() {
                    self.warnings.push_walk_error(err);
                }
                let is_file = entry.file_type().is_some_and(|t| t.is_file());
                let explicit_file = entry.depth() == 0
                    && !entry.file_type().is_some_and(|t| t.is_dir())
                    && !(entry.path_is_symlink() && entry.path().is_dir());
                if is_file || explicit_file {
                    self.files.push(entry.into_path());
                }
            }
            Err(err) => self.warnings.push_walk_error(&err),
        }
        WalkState::Continue
    }
}

impl Drop for Collector<'_> {
    fn drop(&mut self) {
        let files = std::mem::take(&mut self.files);
        if !files.is_empty() {
            self.found
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(files);
        }
    }
}
