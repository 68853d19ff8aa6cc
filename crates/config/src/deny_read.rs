//! `[sandbox] deny_read`: the files no sandboxed command and no built-in tool may read.
//!
//! The built-in list holds where credentials usually sit on a developer's machine; the user's
//! entries add to it, and `ignore_default_deny_read = true` drops it. Entries are expanded
//! once, here: `~/` to the home directory, `$CODEX_HOME/` to the Codex home, and a `*` or `?`
//! in the last component to the names that match when the session starts (the pattern's
//! directory itself is not denied).

use std::path::{Path, PathBuf};

use wildmatch::WildMatch;

/// Credentials a developer's machine typically holds, outside any project.
pub const DEFAULT_DENY_READ: &[&str] = &[
    "~/.ssh",
    "~/.aws",
    "~/.azure",
    "~/.config/gcloud",
    "~/.netrc",
    "~/.docker/config.json",
    "~/.pypirc",
    "~/.npmrc",
    "$CODEX_HOME/auth.json",
    // The JGT trading tools' broker configs (plain-text account passwords).
    "~/.jgt/config*.json",
    "/etc/jgt/config.json",
];

/// Why an entry cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DenyReadError {
    pub entry: String,
    pub message: String,
}

/// The absolute paths `entries` name. `home` is `$HOME` (entries starting `~/` are dropped
/// without one, since they name nothing here).
pub fn expand_entries(
    entries: &[String],
    home: Option<&Path>,
    codex_home: &Path,
    cwd: &Path,
) -> Result<Vec<PathBuf>, DenyReadError> {
    let mut out: Vec<PathBuf> = Vec::new();
    for entry in entries {
        let fail = |message: &str| DenyReadError {
            entry: entry.clone(),
            message: message.to_string(),
        };
        let path = if let Some(rest) = entry.strip_prefix("~/") {
            match home {
                Some(home) => home.join(rest),
                None => continue,
            }
        } else if entry == "~" {
            return Err(fail(
                "denying the whole home directory would leave nothing to work with",
            ));
        } else if let Some(rest) = entry.strip_prefix("$CODEX_HOME/") {
            codex_home.join(rest)
        } else if entry.starts_with('$') {
            return Err(fail(
                "only `~/` and `$CODEX_HOME/` are expanded; give an absolute path",
            ));
        } else {
            let p = PathBuf::from(entry);
            if p.is_absolute() { p } else { cwd.join(p) }
        };
        if path.parent().is_none() {
            return Err(fail("denying `/` would leave nothing to work with"));
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let dir_has_glob = path
            .parent()
            .map(|p| p.to_string_lossy().contains(['*', '?']))
            .unwrap_or(false);
        if dir_has_glob {
            return Err(fail("`*` and `?` are allowed only in the last component"));
        }
        if name.contains(['*', '?']) {
            let pattern = WildMatch::new(&name);
            let dir = path.parent().unwrap_or(Path::new("/"));
            let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
                .into_iter()
                .flatten()
                .flatten()
                .filter(|e| pattern.matches(&e.file_name().to_string_lossy()))
                .map(|e| e.path())
                .collect();
            names.sort();
            for p in names {
                push_unique(&mut out, p);
            }
        } else {
            push_unique(&mut out, normalize(&path));
        }
    }
    Ok(out)
}

/// Adds the JGT broker config files discovery found outside the built-in list (the file
/// `JGT_CONFIG_PATH` names, a qualifying `./config.json` or `~/config.json`); they belong with
/// the built-in list and are dropped with it.
pub(crate) fn add_found_jgt_files(out: &mut Vec<PathBuf>, jgt: &crate::Jgt) {
    for path in jgt.deny_read_paths() {
        push_unique(out, normalize(&path));
    }
}

fn push_unique(out: &mut Vec<PathBuf>, path: PathBuf) {
    if !out.contains(&path) {
        out.push(path);
    }
}

/// `.` dropped and `..` applied, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn home_codex_home_relative_and_globs_expand() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        std::fs::create_dir_all(home.join(".jgt")).unwrap();
        for f in ["config.json", "config_demo.json", "settings.json"] {
            std::fs::write(home.join(".jgt").join(f), "{}").unwrap();
        }
        let got = expand_entries(
            &strings(&[
                "~/.ssh",
                "~/.jgt/config*.json",
                "$CODEX_HOME/auth.json",
                "secrets/../keys",
                "/etc/jgt/config.json",
                "~/.ssh",
            ]),
            Some(&home),
            Path::new("/ch"),
            Path::new("/work"),
        )
        .unwrap();
        assert_eq!(
            got,
            [
                home.join(".ssh"),
                home.join(".jgt/config.json"),
                home.join(".jgt/config_demo.json"),
                PathBuf::from("/ch/auth.json"),
                PathBuf::from("/work/keys"),
                PathBuf::from("/etc/jgt/config.json"),
            ]
        );
        // Without a home, `~/` entries name nothing.
        let got = expand_entries(
            &strings(&["~/.ssh"]),
            None,
            Path::new("/ch"),
            Path::new("/w"),
        );
        assert_eq!(got.unwrap(), Vec::<PathBuf>::new());
    }

    #[test]
    fn entries_that_would_deny_everything_or_cannot_expand_are_refused() {
        for (entry, message) in [
            ("~", "whole home"),
            ("/", "`/`"),
            ("$HOME/.ssh", "only `~/`"),
            ("/tmp/*/x", "last component"),
        ] {
            let e = expand_entries(
                &strings(&[entry]),
                Some(Path::new("/h")),
                Path::new("/ch"),
                Path::new("/w"),
            )
            .unwrap_err();
            assert_eq!(e.entry, entry);
            assert!(e.message.contains(message), "{entry}: {}", e.message);
        }
    }
}
