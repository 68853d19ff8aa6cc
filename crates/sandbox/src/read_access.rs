//! What the engine's own file tools (`read_file`, `list_dir`, `grep_files`, …) may read for the
//! model. They run in-process, outside any OS sandbox, so every path they open is checked here,
//! in one place: `[sandbox] deny_read` becomes [`ReadAccess::deny_read`] and then holds for all
//! of them, in every sandbox mode (`danger-full-access` included: it frees commands, not the
//! engine's own reads).
//!
//! A denied path is refused as written (with `.` and `..` applied), where it leads through
//! symlinks (`/proc/self/root/…` included), and by identity: a file with the device and inode
//! of a denied file (a hard link, or the file renamed), or a path with an ancestor directory
//! that is a denied directory (renamed, or reached some other way). Identities are taken when
//! the access is built, so a rename made later is still caught.

use std::collections::HashSet;
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

type DenyRule = Arc<dyn Fn(&Path) -> bool + Send + Sync>;

/// The paths in-process tools may read: everything, less what the rules deny.
#[derive(Clone, Default)]
pub struct ReadAccess {
    deny: Vec<DenyRule>,
    identities: Option<Arc<DeniedIdentities>>,
}

/// (device, inode) of denied files and directories, and of what denied directories hold.
#[derive(Debug, Default)]
struct DeniedIdentities {
    files: HashSet<(u64, u64)>,
    dirs: HashSet<(u64, u64)>,
}

/// How many entries of each denied directory are remembered by identity.
const IDENTITY_LIMIT: usize = 4096;

/// A path the rules do not let be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("access denied: reading this path is blocked by filesystem deny_read policy: `{}`", path.display())]
pub struct ReadDenied {
    /// The path as it was asked for.
    pub path: PathBuf,
}

impl ReadAccess {
    /// What tools may read when `deny_read` (absolute paths, existing or not) is denied: those
    /// paths and everything under them, however they are reached.
    pub fn deny_read(deny_read: &[PathBuf]) -> ReadAccess {
        if deny_read.is_empty() {
            return ReadAccess::unrestricted();
        }
        let mut prefixes: Vec<PathBuf> = Vec::new();
        for path in deny_read {
            let path = normalize(path);
            if let Ok(real) = std::fs::canonicalize(&path)
                && !prefixes.contains(&real)
            {
                prefixes.push(real);
            }
            if !prefixes.contains(&path) {
                prefixes.push(path);
            }
        }
        let identities = identities_of(&prefixes);
        ReadAccess {
            deny: vec![Arc::new(move |p: &Path| {
                prefixes.iter().any(|d| p.starts_with(d))
            })],
            identities: identities.map(Arc::new),
        }
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
            identities: None,
        }
    }

    /// Access that refuses what either refuses.
    pub fn and(mut self, other: ReadAccess) -> ReadAccess {
        self.deny.extend(other.deny);
        self.identities = match (self.identities.take(), other.identities) {
            (Some(a), Some(b)) => {
                let mut both = DeniedIdentities::default();
                for ids in [&a, &b] {
                    both.files.extend(ids.files.iter().copied());
                    both.dirs.extend(ids.dirs.iter().copied());
                }
                Some(Arc::new(both))
            }
            (a, b) => a.or(b),
        };
        self
    }

    /// Nothing is refused (so walks need not check entry by entry).
    pub fn is_unrestricted(&self) -> bool {
        self.deny.is_empty() && self.identities.is_none()
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
            .any(|rule| rule(&written) || rule(&resolved))
            || self
                .identities
                .as_ref()
                .is_some_and(|ids| ids.deny(&resolved));
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
            .field("identities", &self.identities)
            .finish()
    }
}

#[cfg(unix)]
fn identity(meta: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

/// The identities of the existing `paths` and of what the directories among them hold.
#[cfg(unix)]
fn identities_of(paths: &[PathBuf]) -> Option<DeniedIdentities> {
    let mut ids = DeniedIdentities::default();
    for path in paths {
        let Ok(top) = std::fs::metadata(path) else {
            continue;
        };
        let mut budget = IDENTITY_LIMIT;
        let start = if top.is_dir() {
            std::fs::canonicalize(path).unwrap_or_else(|_| path.clone())
        } else {
            ids.files.insert(identity(&top));
            continue;
        };
        crate::deny_read::each_file(&start, &mut budget, &mut |_, meta| {
            if meta.is_dir() {
                ids.dirs.insert(identity(meta));
            } else if !meta.file_type().is_symlink() {
                ids.files.insert(identity(meta));
            }
        });
    }
    (!ids.files.is_empty() || !ids.dirs.is_empty()).then_some(ids)
}

#[cfg(not(unix))]
fn identities_of(_: &[PathBuf]) -> Option<DeniedIdentities> {
    None
}

impl DeniedIdentities {
    /// Whether the resolved `path` is a denied file or lies in a denied directory, by identity.
    #[cfg(unix)]
    fn deny(&self, path: &Path) -> bool {
        if let Ok(meta) = std::fs::metadata(path)
            && !meta.is_dir()
            && self.files.contains(&identity(&meta))
        {
            return true;
        }
        if self.dirs.is_empty() {
            return false;
        }
        path.ancestors().any(|dir| {
            std::fs::metadata(dir).is_ok_and(|m| m.is_dir() && self.dirs.contains(&identity(&m)))
        })
    }

    #[cfg(not(unix))]
    fn deny(&self, _: &Path) -> bool {
        false
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
    fn nothing_denied_reads_everything() {
        let access = ReadAccess::deny_read(&[]);
        assert!(access.is_unrestricted());
        assert!(access.allows(Path::new("/etc/passwd")));
    }

    #[cfg(unix)]
    #[test]
    fn deny_read_holds_through_links_renames_and_proc_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let home = root.join("home");
        let ssh = home.join(".ssh");
        std::fs::create_dir_all(&ssh).unwrap();
        std::fs::write(ssh.join("id"), "key").unwrap();
        std::fs::write(home.join(".netrc"), "machine").unwrap();
        std::fs::write(home.join("notes.txt"), "fine").unwrap();
        let work = root.join("work");
        std::fs::create_dir_all(&work).unwrap();
        // Hard links made before the session starts.
        std::fs::hard_link(home.join(".netrc"), work.join("netrc-link")).unwrap();
        std::fs::hard_link(ssh.join("id"), work.join("id-link")).unwrap();
        std::os::unix::fs::symlink(&ssh, work.join("ssh-link")).unwrap();
        let access = ReadAccess::deny_read(&[ssh.clone(), home.join(".netrc"), root.join("nope")]);
        assert!(!access.is_unrestricted());
        for denied in [
            ssh.join("id"),
            ssh.clone(),
            home.join(".netrc"),
            work.join("netrc-link"),
            work.join("id-link"),
            work.join("ssh-link/id"),
            work.join("../home/.ssh/id"),
            PathBuf::from(format!("/proc/self/root{}", ssh.join("id").display())),
            root.join("nope/anything"),
        ] {
            assert!(!access.allows(&denied), "{}", denied.display());
        }
        assert!(access.allows(&home.join("notes.txt")));
        assert!(access.allows(&home));
        assert!(access.allows(&work));
        // Renames after the access was built: the directory and the file keep their identity.
        std::fs::rename(&ssh, home.join("renamed")).unwrap();
        assert!(!access.allows(&home.join("renamed/id")));
        assert!(!access.allows(&home.join("renamed")));
        std::fs::rename(home.join(".netrc"), work.join("moved")).unwrap();
        assert!(!access.allows(&work.join("moved")));
        // A parent renamed: the path no longer names it, the identity still does.
        std::fs::rename(&home, root.join("home2")).unwrap();
        assert!(!access.allows(&root.join("home2/renamed/id")));
        assert!(access.allows(&root.join("home2/notes.txt")));
        // Combined with another rule, both hold.
        let both = access.and(ReadAccess::denying(|p| p.ends_with("notes.txt")));
        assert!(!both.allows(&root.join("home2/notes.txt")));
        assert!(!both.allows(&work.join("moved")));
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
