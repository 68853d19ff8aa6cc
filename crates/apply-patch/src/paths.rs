//! Where a patch path really points, and whether it may be written.

use std::path::{Component, Path, PathBuf};

/// Resolves `path` against `cwd` the way the OS would for the parts that exist (following
/// `..` and symlinks), and lexically for the parts that do not exist yet.
pub fn resolve(cwd: &Path, path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    // The longest prefix that exists is resolved by the OS.
    let components: Vec<Component<'_>> = joined.components().collect();
    for split in (1..=components.len()).rev() {
        let prefix: PathBuf = components[..split].iter().collect();
        if let Ok(real) = std::fs::canonicalize(&prefix) {
            let mut out = real;
            for c in &components[split..] {
                match c {
                    Component::ParentDir => {
                        out.pop();
                    }
                    Component::CurDir => {}
                    other => out.push(other.as_os_str()),
                }
            }
            return out;
        }
    }
    lexical(&joined)
}

/// [`resolve`] with the directories already resolved remembered, so a patch touching many files
/// in few directories does not resolve the same directories again.
#[derive(Default)]
pub struct Resolver {
    dirs: std::collections::HashMap<PathBuf, PathBuf>,
}

impl Resolver {
    pub fn resolve(&mut self, cwd: &Path, path: &Path) -> PathBuf {
        let joined = cwd.join(path);
        let plain = joined
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::RootDir));
        let (Some(parent), Some(name), true) = (joined.parent(), joined.file_name(), plain) else {
            return resolve(cwd, path);
        };
        let dir = match self.dirs.get(parent) {
            Some(dir) => dir.clone(),
            None => {
                let dir = resolve(Path::new("/"), parent);
                self.dirs.insert(parent.to_path_buf(), dir.clone());
                dir
            }
        };
        let candidate = dir.join(name);
        match std::fs::symlink_metadata(&candidate) {
            Ok(meta) if meta.file_type().is_symlink() => resolve(cwd, path),
            _ => candidate,
        }
    }
}

fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The directories a patch may write under, resolved once.
#[derive(Debug, Clone)]
pub struct WritableRoots {
    roots: Vec<PathBuf>,
}

impl WritableRoots {
    pub fn new(roots: &[PathBuf]) -> Self {
        let cwd = PathBuf::from("/");
        WritableRoots {
            roots: roots.iter().map(|r| resolve(&cwd, r)).collect(),
        }
    }

    pub fn allows(&self, resolved: &Path) -> bool {
        self.roots.iter().any(|root| resolved.starts_with(root))
    }

    pub fn describe(&self) -> String {
        self.roots
            .iter()
            .map(|r| r.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

// Symlinks are made with Unix APIs.
#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn dotdot_and_symlinks_are_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let inside = root.join("in");
        let outside = root.join("out");
        std::fs::create_dir_all(&inside).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, inside.join("link")).unwrap();
        let roots = WritableRoots::new(std::slice::from_ref(&inside));
        assert!(roots.allows(&resolve(&inside, Path::new("new/file.txt"))));
        assert!(!roots.allows(&resolve(&inside, Path::new("../out/x"))));
        assert!(!roots.allows(&resolve(&inside, Path::new("link/x"))));
        assert!(!roots.allows(&resolve(&inside, Path::new("new/../../out/x"))));
        assert!(!roots.allows(&resolve(&inside, Path::new("/etc/passwd"))));
    }
}
