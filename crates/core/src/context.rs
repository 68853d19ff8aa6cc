//! The context a session opens with: environment, developer instructions, and the project's
//! AGENTS.md files.

use std::path::{Path, PathBuf};

use codex_protocol::{ContentItem, ResponseItem};

const AGENTS_HEADER: &str = "# AGENTS.md instructions for ";
const ENV_OPEN: &str = "<environment_context>";

/// Whether an item is part of the opening context rather than the conversation.
pub fn is_context_message(item: &ResponseItem) -> bool {
    match item {
        ResponseItem::Message { role, .. } if role == "developer" => true,
        ResponseItem::Message { role, .. } if role == "user" => {
            let text = item.message_text().unwrap_or_default();
            text.starts_with(ENV_OPEN) || text.starts_with(AGENTS_HEADER)
        }
        _ => false,
    }
}

/// AGENTS.md discovery: the global file in `codex_home`, then, from the Git root down to `cwd`,
/// the first of `AGENTS.override.md`, `AGENTS.md` and the fallback names in each directory.
/// Joined with blank lines, within `max_bytes` (0 turns it off). A file that cannot be read (not
/// a regular file, not UTF-8) is skipped with a warning in `warnings`.
pub fn discover_agents_md(
    codex_home: &Path,
    cwd: &Path,
    fallbacks: &[String],
    max_bytes: u64,
    warnings: &mut Vec<String>,
) -> Option<String> {
    if max_bytes == 0 {
        return None;
    }
    let mut read = |path: &Path| read_nonempty(path, max_bytes, warnings);
    let mut parts: Vec<String> = Vec::new();
    let global = ["AGENTS.override.md", "AGENTS.md"]
        .iter()
        .map(|n| codex_home.join(n))
        .find_map(|p| read(&p));
    if let Some(text) = global {
        parts.push(text);
    }
    let mut names: Vec<String> = vec!["AGENTS.override.md".into(), "AGENTS.md".into()];
    names.extend(fallbacks.iter().cloned());
    for dir in dirs_from_root(cwd) {
        if let Some(text) = names.iter().find_map(|n| read(&dir.join(n))) {
            parts.push(text);
        }
    }
    let mut out = String::new();
    for part in parts {
        let sep = if out.is_empty() { "" } else { "\n\n" };
        let room = (max_bytes as usize).saturating_sub(out.len() + sep.len());
        if room == 0 {
            break;
        }
        out.push_str(sep);
        out.push_str(codex_process::prefix_within(&part, room));
    }
    (!out.trim().is_empty()).then_some(out)
}

/// The file's text (no more than the budget can use), or `None` when it is missing, blank or
/// unreadable.
fn read_nonempty(path: &Path, max_bytes: u64, warnings: &mut Vec<String>) -> Option<String> {
    let text = match codex_config::read_text_prefix(path, max_bytes) {
        Ok(text) => text,
        Err(e) if e.is_not_found() => return None,
        Err(e) => {
            warnings.push(format!("{e}; project instructions from it were skipped"));
            return None;
        }
    };
    (!text.trim().is_empty()).then(|| text.trim_end().to_string())
}

/// The Git root (nearest ancestor with `.git`, a directory or a file) down to `cwd`; just `cwd`
/// outside a repository.
fn dirs_from_root(cwd: &Path) -> Vec<PathBuf> {
    let root = cwd.ancestors().find(|d| d.join(".git").exists());
    match root {
        Some(root) => {
            let mut dirs: Vec<PathBuf> = cwd
                .ancestors()
                .take_while(|d| d.starts_with(root))
                .map(Path::to_path_buf)
                .collect();
            dirs.reverse();
            dirs
        }
        None => vec![cwd.to_path_buf()],
    }
}

/// The project instructions as the user message the model receives.
pub fn agents_message(cwd: &Path, text: &str) -> ResponseItem {
    ResponseItem::Message {
        id: None,
        role: "user".into(),
        content: vec![ContentItem::InputText {
            text: format!(
                "{AGENTS_HEADER}{}\n\n<INSTRUCTIONS>\n{text}\n</INSTRUCTIONS>",
                cwd.display()
            ),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(p: &Path, text: &str) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn root_to_cwd_with_override_fallback_and_budget() {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        let repo = tmp.path().join("repo");
        let sub = repo.join("a/b");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(&sub).unwrap();
        write(&home.join("AGENTS.md"), "global");
        write(&repo.join("AGENTS.md"), "root");
        write(&repo.join("a/AGENTS.md"), "a plain");
        write(&repo.join("a/AGENTS.override.md"), "a override");
        write(&sub.join("CLAUDE.md"), "b fallback");
        write(&tmp.path().join("AGENTS.md"), "above the repo: not read");
        let fallbacks = vec!["CLAUDE.md".to_string()];
        let text = discover_agents_md(&home, &sub, &fallbacks, 32 * 1024, &mut Vec::new()).unwrap();
        assert_eq!(text, "global\n\nroot\n\na override\n\nb fallback");
        assert_eq!(
            discover_agents_md(&home, &sub, &[], 32 * 1024, &mut Vec::new()).unwrap(),
            "global\n\nroot\n\na override"
        );
        assert_eq!(
            discover_agents_md(&home, &sub, &fallbacks, 11, &mut Vec::new()).unwrap(),
            "global\n\nroo"
        );
        assert_eq!(
            discover_agents_md(&home, &sub, &fallbacks, 0, &mut Vec::new()),
            None
        );
        write(&repo.join("AGENTS.md"), "   \n");
        assert_eq!(
            discover_agents_md(&home, &sub, &[], 100, &mut Vec::new()).unwrap(),
            "global\n\na override"
        );
    }

    #[test]
    fn outside_a_repo_only_cwd() {
        let tmp = tempfile::tempdir().unwrap();
        let cwd = tmp.path().join("x/y");
        std::fs::create_dir_all(&cwd).unwrap();
        write(&tmp.path().join("x/AGENTS.md"), "parent");
        write(&cwd.join("AGENTS.md"), "here");
        let home = tmp.path().join("nohome");
        assert_eq!(
            discover_agents_md(&home, &cwd, &[], 1000, &mut Vec::new()).unwrap(),
            "here"
        );
    }

    // FIFOs and /dev/zero are Unix things.
    #[cfg(unix)]
    #[test]
    fn unreadable_files_are_skipped_with_a_warning() {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        let cwd = tmp.path().join("repo");
        std::fs::create_dir_all(cwd.join(".git")).unwrap();
        std::fs::create_dir_all(&home).unwrap();
        // A FIFO would block a plain read forever; /dev/zero would never end.
        let fifo = std::ffi::CString::new(home.join("AGENTS.md").to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        std::os::unix::fs::symlink("/dev/zero", cwd.join("AGENTS.override.md")).unwrap();
        // An unreadable file counts as absent: the next name in the same directory is used.
        write(&cwd.join("AGENTS.md"), "project rules");
        write(&cwd.join("CLAUDE.md"), "not used: AGENTS.md comes first");
        let (tx, rx) = std::sync::mpsc::channel();
        let (h, c) = (home.clone(), cwd.clone());
        std::thread::spawn(move || {
            let mut warnings = Vec::new();
            let text = discover_agents_md(&h, &c, &["CLAUDE.md".into()], 1000, &mut warnings);
            let _ = tx.send((text, warnings));
        });
        let (text, warnings) = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("reading AGENTS.md hung");
        assert_eq!(text.as_deref(), Some("project rules"));
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings[0].contains("home/AGENTS.md is not a regular file (a FIFO)"),
            "{warnings:?}"
        );
        assert!(
            warnings[1].contains(
                "AGENTS.override.md is not a regular file (a symlink to /dev/zero, a character \
                 device); project instructions from it were skipped"
            ),
            "{warnings:?}"
        );
    }
}
