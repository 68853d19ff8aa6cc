//! Finding and listing recorded sessions.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use codex_protocol::ResponseItem;

use super::RolloutLine;
use crate::context::is_context_message;

#[derive(Debug, Clone, serde::Serialize)]
pub struct SessionSummary {
    pub id: String,
    pub timestamp: String,
    pub cwd: PathBuf,
    /// The first thing the user asked, on one line.
    pub first_prompt: String,
    pub path: PathBuf,
}

/// Rollout files, newest first (by their dated folders and names).
fn rollout_files(codex_home: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![codex_home.join("sessions")];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("rollout-"))
                && path.extension().is_some_and(|e| e == "jsonl")
            {
                files.push(path);
            }
        }
    }
    files.sort_by(|a, b| b.cmp(a));
    files
}

fn summarize(path: &Path) -> Option<SessionSummary> {
    let file = std::fs::File::open(path).ok()?;
    let mut reader = BufReader::new(file);
    let mut summary: Option<SessionSummary> = None;
    let mut line = Vec::new();
    // The first prompt is near the top; stop reading there. Lines are read as bytes so that
    // one torn line (cut inside a character) does not hide the rest.
    for _ in 0..64 {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        match serde_json::from_slice::<RolloutLine>(line.trim_ascii_end()) {
            Ok(RolloutLine::SessionMeta(m)) if summary.is_none() => {
                summary = Some(SessionSummary {
                    id: m.id,
                    timestamp: m.timestamp,
                    cwd: m.cwd,
                    first_prompt: String::new(),
                    path: path.to_path_buf(),
                });
            }
            Ok(RolloutLine::ResponseItem(item @ ResponseItem::Message { .. })) => {
                if let (Some(s), ResponseItem::Message { role, .. }) = (summary.as_mut(), &item)
                    && role == "user"
                    && !is_context_message(&item)
                {
                    let text = item.message_text().unwrap_or_default();
                    s.first_prompt = text.split_whitespace().collect::<Vec<_>>().join(" ");
                    break;
                }
            }
            _ => {}
        }
    }
    summary
}

/// Sessions newest first; only those started in `cwd` unless it is `None`.
pub fn list_sessions(codex_home: &Path, cwd: Option<&Path>) -> Vec<SessionSummary> {
    rollout_files(codex_home)
        .iter()
        .filter_map(|p| summarize(p))
        .filter(|s| cwd.is_none_or(|c| s.cwd == c))
        .collect()
}

/// The rollout of session `id`.
pub fn find_session(codex_home: &Path, id: &str) -> Option<PathBuf> {
    let suffix = format!("-{id}.jsonl");
    rollout_files(codex_home)
        .into_iter()
        .find(|p| p.to_string_lossy().ends_with(&suffix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_torn_inside_a_character_does_not_hide_the_first_prompt() {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("sessions/2026/01/01");
        std::fs::create_dir_all(&dir).unwrap();
        let id = "0199a000-0000-7000-8000-000000000000";
        let meta = r#"{"timestamp":"t","type":"session_meta","payload":{"id":"0199a000-0000-7000-8000-000000000000","timestamp":"t","cwd":"/w","originator":"o","cli_version":"0","source":"cli","model_provider":"m"}}"#;
        let prompt = r#"{"timestamp":"t","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"the real prompt"}]}}"#;
        let mut bytes = format!("{meta}\n{{\"timestamp\":\"t\",\"text\":\"caf").into_bytes();
        bytes.push(0xC3);
        bytes.extend_from_slice(format!("\n{prompt}\n").as_bytes());
        std::fs::write(
            dir.join(format!("rollout-2026-01-01T00-00-00-{id}.jsonl")),
            bytes,
        )
        .unwrap();
        let sessions = list_sessions(home.path(), None);
        assert_eq!(sessions.len(), 1);
        assert_eq!(sessions[0].first_prompt, "the real prompt");
    }
}
