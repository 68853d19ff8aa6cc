//! Landlock: read anywhere, write only under the writable roots and a few device files.
//!
//! With `deny_read` paths and no mount namespace to hide them, a rule cannot cover `/` (or a
//! root holding a denied path): Landlock only grants. Such a rule is split instead: from the
//! rule's directory down along each denied path, every entry beside the way gets the rule, and
//! the denied path itself nothing. Symlinks are skipped (Landlock judges the file they lead to)
//! and so are other names of a denied file (hard links) met on the way. The directories on the
//! way get no rule of their own, so listing them (`ls /`, `ls ~`) and creating entries directly
//! in them are refused too.

use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use landlock::{
    ABI, Access, AccessFs, CompatLevel, Compatible, Ruleset, RulesetAttr, RulesetCreatedAttr,
    RulesetStatus, path_beneath_rules,
};

use crate::deny_read::DeniedPath;
use crate::roots::WritableRoot;

/// Devices a shell and common tools write to.
const DEVICES: [&str; 8] = [
    "/dev/null",
    "/dev/zero",
    "/dev/full",
    "/dev/random",
    "/dev/urandom",
    "/dev/tty",
    "/dev/ptmx",
    "/dev/pts",
];

/// Restricts this thread (and what it execs). `Ok(false)` when the kernel has no Landlock.
/// `denied` are the paths to leave out of every rule.
pub fn restrict(roots: &[WritableRoot], denied: &[DeniedPath]) -> Result<bool, String> {
    let abi = ABI::V5;
    let reads = split_around(Path::new("/"), denied);
    let writes: Vec<PathBuf> = roots
        .iter()
        .flat_map(|r| split_around(&r.root, denied))
        .collect();
    let status = Ruleset::default()
        .set_compatibility(CompatLevel::BestEffort)
        .handle_access(AccessFs::from_all(abi))
        .map_err(|e| e.to_string())?
        .create()
        .map_err(|e| e.to_string())?
        .add_rules(path_beneath_rules(reads, AccessFs::from_read(abi)))
        .map_err(|e| e.to_string())?
        .add_rules(path_beneath_rules(DEVICES, AccessFs::from_all(abi)))
        .map_err(|e| e.to_string())?
        .add_rules(path_beneath_rules(
            writes,
            // Device nodes made in a root would open whatever device they name.
            AccessFs::from_all(abi) & !(AccessFs::MakeChar | AccessFs::MakeBlock),
        ))
        .map_err(|e| e.to_string())?
        .restrict_self()
        .map_err(|e| e.to_string())?;
    Ok(status.ruleset != RulesetStatus::NotEnforced)
}

/// The paths a rule for `base` becomes so that it grants nothing on a denied path: `base`
/// itself when no denied path lies under it, else the entries beside the way down to each.
fn split_around(base: &Path, denied: &[DeniedPath]) -> Vec<PathBuf> {
    let mut denied_files = HashSet::new();
    for d in denied.iter().filter(|d| !d.is_dir) {
        if let Ok(meta) = std::fs::metadata(&d.path) {
            denied_files.insert((meta.dev(), meta.ino()));
        }
    }
    let mut out = Vec::new();
    split_into(base, denied, &denied_files, &mut out);
    out
}

fn split_into(
    base: &Path,
    denied: &[DeniedPath],
    denied_files: &HashSet<(u64, u64)>,
    out: &mut Vec<PathBuf>,
) {
    if denied.iter().any(|d| base.starts_with(&d.path)) {
        return;
    }
    if !denied.iter().any(|d| d.path.starts_with(base)) {
        out.push(base.to_path_buf());
        return;
    }
    // A directory that cannot be listed grants nothing: refused rather than guessed.
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_symlink() {
            continue;
        }
        if !kind.is_dir()
            && entry
                .metadata()
                .is_ok_and(|m| denied_files.contains(&(m.dev(), m.ino())))
        {
            continue;
        }
        split_into(&entry.path(), denied, denied_files, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_is_split_beside_denied_paths() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let home = root.join("home");
        std::fs::create_dir_all(home.join(".ssh")).unwrap();
        std::fs::create_dir_all(home.join("proj/src")).unwrap();
        std::fs::write(home.join(".netrc"), "n").unwrap();
        std::fs::write(home.join("notes"), "x").unwrap();
        std::fs::hard_link(home.join(".netrc"), home.join("proj/netrc-link")).unwrap();
        std::os::unix::fs::symlink(home.join(".ssh"), home.join("ssh-link")).unwrap();
        std::fs::create_dir_all(root.join("other")).unwrap();
        let denied = [
            DeniedPath {
                path: home.join(".ssh"),
                is_dir: true,
            },
            DeniedPath {
                path: home.join(".netrc"),
                is_dir: false,
            },
        ];
        let mut got = split_around(&root, &denied);
        got.sort();
        // proj is granted whole: a hard link deeper down is out of reach of any path rule.
        assert_eq!(
            got,
            [home.join("notes"), home.join("proj"), root.join("other")]
        );
        assert_eq!(
            split_around(&home.join("proj"), &denied),
            [home.join("proj")]
        );
        assert!(split_around(&home.join(".ssh"), &denied).is_empty());
        assert_eq!(split_around(&root, &[]), std::slice::from_ref(&root));
    }
}
