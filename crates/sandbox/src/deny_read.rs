//! `deny_read` as the sandbox sees it: which of the configured paths exist (only those can be
//! hidden), what they are, and what a mount or a path rule cannot hide.

use std::path::{Path, PathBuf};

use codex_protocol::SandboxPolicy;

use crate::probe::SandboxSupport;

/// A denied path that exists, as the kernel resolves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeniedPath {
    /// With symlinks resolved.
    pub path: PathBuf,
    pub is_dir: bool,
}

/// The existing paths of `deny_read`, resolved, shortest first, without those inside another
/// denied directory (hiding the directory hides them).
pub fn existing_denied(deny_read: &[PathBuf]) -> Vec<DeniedPath> {
    let mut found: Vec<DeniedPath> = deny_read
        .iter()
        .filter_map(|p| {
            let path = std::fs::canonicalize(p).ok()?;
            let is_dir = std::fs::metadata(&path).ok()?.is_dir();
            Some(DeniedPath { path, is_dir })
        })
        .collect();
    found.sort_by_key(|d| d.path.components().count());
    let mut out: Vec<DeniedPath> = Vec::new();
    for d in found {
        if !out.iter().any(|o| d.path.starts_with(&o.path)) {
            out.push(d);
        }
    }
    out
}

/// How many entries of the workspace a search for other hard links visits at most.
const LINK_SEARCH_LIMIT: usize = 50_000;

/// Other names, under `dirs` (the working directory and writable roots), of denied files that
/// have more than one link (a file of a denied directory included): a mount or a path rule on
/// the denied name does not cover them, so they are denied too. Looked for only when such a
/// file exists; links elsewhere stay out of reach of this search.
#[cfg(unix)]
pub fn hard_links_in(dirs: &[PathBuf], denied: &[DeniedPath]) -> Vec<DeniedPath> {
    use std::collections::HashSet;
    use std::os::unix::fs::MetadataExt;
    let mut linked: HashSet<(u64, u64)> = HashSet::new();
    let mut budget = LOOK_LIMIT;
    for d in denied {
        each_file(&d.path, &mut budget, &mut |_, meta| {
            if meta.is_file() && meta.nlink() > 1 {
                linked.insert((meta.dev(), meta.ino()));
            }
        });
    }
    let mut out: Vec<DeniedPath> = Vec::new();
    if linked.is_empty() {
        return out;
    }
    let mut budget = LINK_SEARCH_LIMIT;
    for dir in dirs {
        each_file(dir, &mut budget, &mut |path, meta| {
            let inside_denied = denied.iter().any(|d| path.starts_with(&d.path));
            if meta.is_file()
                && !inside_denied
                && linked.contains(&(meta.dev(), meta.ino()))
                && !out.iter().any(|o| o.path == path)
            {
                out.push(DeniedPath {
                    path: path.to_path_buf(),
                    is_dir: false,
                });
            }
        });
    }
    out
}

/// What the sandbox can say about `deny_read` before running a command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DenyReadSummary {
    /// Denied paths that exist (and so are hidden).
    pub hidden: usize,
    /// Denied files (or files in denied directories) with other hard links: a link elsewhere is
    /// another name for the same file, which neither a mount nor a path rule hides.
    pub linked: Vec<PathBuf>,
}

/// How many files a look into denied directories visits at most, for [`summarize`].
const LOOK_LIMIT: usize = 4096;

pub fn summarize(deny_read: &[PathBuf]) -> DenyReadSummary {
    let denied = existing_denied(deny_read);
    let mut linked = Vec::new();
    let mut budget = LOOK_LIMIT;
    for d in &denied {
        each_file(&d.path, &mut budget, &mut |path, meta| {
            if meta.is_file() && nlink(meta) > 1 {
                linked.push(path.to_path_buf());
            }
        });
    }
    DenyReadSummary {
        hidden: denied.len(),
        linked,
    }
}

#[cfg(unix)]
fn nlink(meta: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    meta.nlink()
}

#[cfg(not(unix))]
fn nlink(_: &std::fs::Metadata) -> u64 {
    1
}

/// One line for people (the exec header, `codex sandbox`): how many denied paths exist, whether
/// and how commands are kept from them, and what stays readable. `namespaces` is whether the
/// Linux helper will use its mount namespace (not `--no-namespaces`).
pub fn describe(
    policy: &SandboxPolicy,
    deny_read: &[PathBuf],
    support: &SandboxSupport,
    namespaces: bool,
) -> String {
    let summary = summarize(deny_read);
    let hidden = match summary.hidden {
        1 => "1 path".to_string(),
        n => format!("{n} paths"),
    };
    let mut line = if *policy == SandboxPolicy::DangerFullAccess {
        format!(
            "{hidden} refused to built-in tools, not enforced for commands (danger-full-access \
             confines nothing)"
        )
    } else if !support.usable() {
        format!("{hidden} refused to built-in tools, not enforced for commands (no sandbox here)")
    } else if cfg!(target_os = "macos") {
        format!("{hidden} hidden from commands (Seatbelt) and refused to built-in tools")
    } else if namespaces && support.namespaces {
        format!(
            "{hidden} hidden from commands (empty read-only mounts) and refused to built-in tools"
        )
    } else if support.landlock_abi.is_some() {
        format!(
            "{hidden} hidden from commands (Landlock, no namespaces: their parent directories \
             cannot be listed either) and refused to built-in tools"
        )
    } else {
        format!("{hidden} refused to built-in tools, not enforced for commands (no Landlock)")
    };
    if !summary.linked.is_empty() && *policy != SandboxPolicy::DangerFullAccess {
        let shown: Vec<String> = summary
            .linked
            .iter()
            .take(3)
            .map(|p| p.display().to_string())
            .collect();
        let more = summary.linked.len().saturating_sub(shown.len());
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        line.push_str(&format!(
            "; {} denied file(s) have other hard links ({}{more}): those under the working \
             directory and writable roots are hidden too, any elsewhere stay readable to commands",
            summary.linked.len(),
            shown.join(", ")
        ));
    }
    line
}

/// Calls `f` for `path` and, for a directory, everything under it (symlinks not followed), at
/// most `budget` entries in all.
pub(crate) fn each_file(
    path: &Path,
    budget: &mut usize,
    f: &mut dyn FnMut(&Path, &std::fs::Metadata),
) {
    if *budget == 0 {
        return;
    }
    *budget -= 1;
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return;
    };
    f(path, &meta);
    if meta.is_dir()
        && let Ok(entries) = std::fs::read_dir(path)
    {
        for entry in entries.flatten() {
            each_file(&entry.path(), budget, f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn only_existing_paths_count_and_nested_ones_fold_into_their_directory() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir_all(root.join(".ssh")).unwrap();
        std::fs::write(root.join(".ssh/id"), "k").unwrap();
        std::fs::write(root.join(".netrc"), "n").unwrap();
        std::os::unix::fs::symlink(root.join(".netrc"), root.join("link")).unwrap();
        std::fs::hard_link(root.join(".ssh/id"), root.join("id-copy")).unwrap();
        let got = existing_denied(&[
            root.join(".ssh/id"),
            root.join(".ssh"),
            root.join("link"),
            root.join("missing"),
        ]);
        assert_eq!(
            got,
            [
                DeniedPath {
                    path: root.join(".ssh"),
                    is_dir: true
                },
                DeniedPath {
                    path: root.join(".netrc"),
                    is_dir: false
                },
            ]
        );
        let summary = summarize(&[root.join(".ssh"), root.join(".netrc")]);
        assert_eq!(summary.hidden, 2);
        assert_eq!(summary.linked, [root.join(".ssh/id")]);
    }
}
