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
    let reader = BufReader::new(file);
    let mut summary: Option<SessionSummary> = None;
    // The first prompt is near the top; stop reading there.
    for line in reader.lines().take(64) {
        let Ok(line) = line else {
            break;
        };
        match serde_json::from_str::<RolloutLine>(&line) {
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
