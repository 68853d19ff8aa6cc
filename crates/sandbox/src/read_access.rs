//! What the engine's own file tools (`read_file`, `list_dir`, `grep_files`, …) may read for the
//! model. They run in-process, outside any OS sandbox, so every path they open is checked here,
//! in one place: rules that keep files from being read (secrets, say) belong in
//! [`ReadAccess::for_policy`] and then hold for all of them.

use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use codex_protocol::SandboxPolicy;

type DenyRule = Arc<dyn Fn(&Path) -> bool + Send + Sync>;

/// The paths in-process tools may read: everything, less what the rules deny.
#[derive(Clone, Default)]
pub struct ReadAccess {
    deny: Vec<DenyRule>,
}

/// A path the rules do not let be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("access denied: reading this path is blocked by filesystem deny_read policy: `{}`", path.display())]
pub struct ReadDenied {
    /// The path as it was asked for.
    pub path: PathBuf,
}

impl ReadAccess {
    /// What tools may read under `policy`, for a session working in `cwd`. Every sandbox mode
    /// lets everything be read today.
    pub fn for_policy(policy: &SandboxPolicy, cwd: &Path) -> ReadAccess {
        let _ = (policy, cwd);
        ReadAccess::unrestricted()
    }

    pub fn unrestricted() -> ReadAccess {
        ReadAccess::default()
    }

    /// Access that refuses every path for which `rule` returns `true`. The rule sees absolute,
    /// normalised paths: both the path as asked for and the path it resolves to through
    /// symlinks.
    pub fn denying(rule: impl Fn(&Path) -> bool + Send + Sync + 'static) -> ReadAccess {
        ReadAccess {
            deny: vec![Arc::new(rule)],
        }
    }

    /// Access that refuses what either refuses.
    pub fn and(mut self, other: ReadAccess) -> ReadAccess {
        self.deny.extend(other.deny);
        self
    }

    /// Nothing is refused (so walks need not check entry by entry).
    pub fn is_unrestricted(&self) -> bool {
        self.deny.is_empty()
    }

    /// Whether the absolute `path` may be read: refused when a rule denies it as written
    /// (with `.` and `..` taken away) or where it leads once symlinks are resolved — so
    /// neither a symlink nor a `..` gets around a rule.
    pub fn check(&self, path: &Path) -> Result<(), ReadDenied> {
        if self.is_unrestricted() {
            return Ok(());
        }
        let written = normalize(path);
        let resolved = resolve(&written);
        let denied = self
            .deny
            .iter()
            .any(|rule| rule(&written) || rule(&resolved));
        if denied {
            Err(ReadDenied {
                path: path.to_path_buf(),
            })
        } else {
            Ok(())
        }
    }

    pub fn allows(&self, path: &Path) -> bool {
        self.check(path).is_ok()
    }
}

impl fmt::Debug for ReadAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadAccess")
            .field("deny_rules", &self.deny.len())
            .finish()
    }
}

/// `path` without `.` components and with each `..` taking away the component before it,
/// without looking at the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Where `path` leads: its longest existing ancestor with symlinks resolved, then the rest.
fn resolve(path: &Path) -> PathBuf {
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    let mut existing = path;
    let mut rest = Vec::new();
    while let Some(parent) = existing.parent() {
        if let Some(name) = existing.file_name() {
            rest.push(name.to_os_string());
        }
        existing = parent;
        if let Ok(real) = std::fs::canonicalize(existing) {
            let mut resolved = real;
            resolved.extend(rest.iter().rev());
            return resolved;
        }
    }
    path.to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deny_under(dir: PathBuf) -> ReadAccess {
        ReadAccess::denying(move |p| p.starts_with(&dir))
    }

    #[test]
    fn every_mode_reads_everything_today() {
        let cwd = Path::new("/work");
        for policy in [
            SandboxPolicy::ReadOnly,
            SandboxPolicy::DangerFullAccess,
            SandboxPolicy::WorkspaceWrite {
                writable_roots: vec![],
                network_access: false,
                exclude_tmpdir_env_var: false,
                exclude_slash_tmp: false,
            },
        ] {
            let access = ReadAccess::for_policy(&policy, cwd);
            assert!(access.is_unrestricted());
            assert!(access.allows(Path::new("/etc/passwd")));
        }
    }

    #[cfg(unix)]
    #[test]
    fn neither_dot_dot_nor_a_symlink_gets_around_a_rule() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let secret = root.join("secret");
        std::fs::create_dir_all(&secret).unwrap();
        std::fs::write(secret.join("key.txt"), "k").unwrap();
        std::fs::create_dir_all(root.join("open")).unwrap();
        std::fs::write(root.join("open/notes.txt"), "n").unwrap();
        std::os::unix::fs::symlink(secret.join("key.txt"), root.join("open/link.txt")).unwrap();
        std::os::unix::fs::symlink(&secret, root.join("open/dir-link")).unwrap();
        let access = deny_under(secret.clone());
        assert!(access.allows(&root.join("open/notes.txt")));
        assert!(!access.allows(&secret.join("key.txt")));
        assert!(!access.allows(&root.join("open/../secret/key.txt")));
        assert!(!access.allows(&root.join("open/./link.txt")));
        assert!(!access.allows(&root.join("open/dir-link/key.txt")));
        // Paths that do not exist yet resolve through the part that does.
        assert!(!access.allows(&root.join("open/dir-link/new.txt")));
        assert!(access.allows(&root.join("open/new.txt")));
        let err = access.check(&root.join("open/link.txt")).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "access denied: reading this path is blocked by filesystem deny_read policy: `{}`",
                root.join("open/link.txt").display()
            )
        );
        // A rule on the link itself holds too.
        let link = root.join("open/link.txt");
        let access = ReadAccess::denying(move |p| p == link);
        assert!(!access.allows(&root.join("open/link.txt")));
        assert!(access.allows(&secret.join("key.txt")));
    }

    #[test]
    fn combined_access_refuses_what_either_refuses() {
        let a = deny_under(PathBuf::from("/a"));
        let b = deny_under(PathBuf::from("/b"));
        let both = a.and(b);
        assert!(!both.allows(Path::new("/a/x")));
        assert!(!both.allows(Path::new("/b/x")));
        assert!(both.allows(Path::new("/c/x")));
        assert!(
            ReadAccess::unrestricted()
                .and(ReadAccess::unrestricted())
                .is_unrestricted()
        );
    }
}
