//! Where a policy lets commands write, and what stays read-only inside.

use std::path::{Path, PathBuf};

use codex_protocol::SandboxPolicy;

/// A directory commands may write under, with the parts of it that stay read-only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WritableRoot {
    pub root: PathBuf,
    /// `.git` and `.codex` directly under the root, when they exist.
    pub read_only_subpaths: Vec<PathBuf>,
}

/// Names under each writable root that commands may read but not change: a repository's
/// hooks and config run code later, outside any sandbox.
const PROTECTED_NAMES: [&str; 2] = [".git", ".codex"];

/// The writable roots of `policy`: its configured roots, `cwd`, `/tmp` and `$TMPDIR` (unless
/// excluded). Empty for read-only and full-access policies.
pub fn writable_roots(
    policy: &SandboxPolicy,
    cwd: &Path,
    tmpdir: Option<&Path>,
) -> Vec<WritableRoot> {
    let SandboxPolicy::WorkspaceWrite {
        writable_roots,
        exclude_tmpdir_env_var,
        exclude_slash_tmp,
        ..
    } = policy
    else {
        return Vec::new();
    };
    let mut roots: Vec<PathBuf> = writable_roots.clone();
    roots.push(cwd.to_path_buf());
    if !exclude_slash_tmp && Path::new("/tmp").is_dir() {
        roots.push(PathBuf::from("/tmp"));
    }
    if !exclude_tmpdir_env_var && let Some(tmp) = tmpdir.filter(|t| t.is_absolute()) {
        roots.push(tmp.to_path_buf());
    }
    let mut out: Vec<WritableRoot> = Vec::new();
    for root in roots {
        let root = std::fs::canonicalize(&root).unwrap_or(root);
        if out.iter().any(|r| r.root == root) {
            continue;
        }
        let read_only_subpaths = PROTECTED_NAMES
            .iter()
            .map(|name| root.join(name))
            .filter(|p| std::fs::symlink_metadata(p).is_ok())
            .collect();
        out.push(WritableRoot {
            root,
            read_only_subpaths,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_include_cwd_tmp_and_protect_git() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir(cwd.join(".git")).unwrap();
        let policy = SandboxPolicy::WorkspaceWrite {
            writable_roots: vec![],
            network_access: false,
            exclude_tmpdir_env_var: true,
            exclude_slash_tmp: false,
        };
        let roots = writable_roots(&policy, &cwd, Some(Path::new("/var/tmp")));
        assert_eq!(roots[0].root, cwd);
        assert_eq!(roots[0].read_only_subpaths, vec![cwd.join(".git")]);
        // /tmp is a symlink to /private/tmp on macOS, and absent on Windows.
        if let Ok(tmp) = std::fs::canonicalize("/tmp") {
            assert!(roots.iter().any(|r| r.root == tmp));
        }
        assert!(!roots.iter().any(|r| r.root == Path::new("/var/tmp")));
        assert!(writable_roots(&SandboxPolicy::ReadOnly, &cwd, None).is_empty());
    }
}
