//! Rollouts: every session recorded as it happens to
//! `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<local time>-<id>.jsonl`, one JSON line per item,
//! so a killed process leaves a file that resumes cleanly.

mod list;
pub(crate) mod reader;
pub(crate) mod time;
mod writer;

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use codex_protocol::{AskForApproval, EventMsg, ReasoningEffort, ResponseItem, SandboxPolicy};
use serde::{Deserialize, Serialize};

pub use list::{SessionSummary, find_session, list_sessions};
pub use reader::load_rollout;
pub(crate) use writer::{HistoryTarget, SessionWriter};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SessionMeta {
    pub id: String,
    pub timestamp: String,
    pub cwd: PathBuf,
    pub originator: String,
    pub cli_version: String,
    /// What started it: `exec`, `cli`, `mcp`, `sdk`, …
    pub source: String,
    /// Who created the thread, as the caller classified it (`--thread-source`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_source: Option<String>,
    pub model_provider: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TurnContextLine {
    pub cwd: PathBuf,
    pub approval_policy: AskForApproval,
    pub sandbox_policy: SandboxPolicy,
    pub model: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort: Option<ReasoningEffort>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cyber_access_program: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CompactedLine {
    pub message: String,
    pub replacement_history: Vec<ResponseItem>,
}

/// One line's payload, tagged by `type`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", content = "payload", rename_all = "snake_case")]
pub enum RolloutLine {
    SessionMeta(SessionMeta),
    ResponseItem(ResponseItem),
    TurnContext(TurnContextLine),
    EventMsg(EventMsg),
    Compacted(CompactedLine),
}

#[derive(Serialize)]
struct Stamped<'a> {
    timestamp: String,
    #[serde(flatten)]
    line: &'a RolloutLine,
}

/// Appends lines to a session's rollout file. Each line is written whole with one `write`
/// (the file is opened for appending), before the engine moves on.
pub struct RolloutRecorder {
    path: PathBuf,
    file: Mutex<Tail>,
}

struct Tail {
    file: File,
    /// The file may end inside a line (a killed writer, or a failed write here): the next
    /// write starts with a newline so that its first record is a line of its own.
    torn: bool,
}

impl RolloutRecorder {
    /// A new file for a new session.
    pub fn create(codex_home: &Path, session_id: &str) -> std::io::Result<Self> {
        let (y, m, d, stamp) = time::local_stamp();
        let dir = codex_home.join("sessions").join(y).join(m).join(d);
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("rollout-{stamp}-{session_id}.jsonl"));
        Self::open(&path)
    }

    /// An existing file, to continue a resumed session.
    ///
    /// A torn last line is ended with a newline rather than truncated away: the file stays
    /// append-only, so no byte another writer (a second resume of the same session) may have
    /// just appended is ever cut, and the fragment is kept for a person to read. The reader
    /// then skips it as one bad line.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let mut options = OpenOptions::new();
        options.create(true).read(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path)?;
        let torn = ends_inside_a_line(&mut file)?;
        Ok(RolloutRecorder {
            path: path.to_path_buf(),
            file: Mutex::new(Tail { file, torn }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn record(&self, lines: &[RolloutLine]) -> std::io::Result<()> {
        if lines.is_empty() {
            return Ok(());
        }
        let mut tail = self.file.lock().unwrap_or_else(|e| e.into_inner());
        let mut buf = Vec::new();
        if tail.torn {
            buf.push(b'\n');
        }
        for line in lines {
            serde_json::to_writer(
                &mut buf,
                &Stamped {
                    timestamp: time::utc_now(),
                    line,
                },
            )?;
            buf.push(b'\n');
        }
        match tail.file.write_all(&buf) {
            Ok(()) => {
                tail.torn = false;
                Ok(())
            }
            Err(e) => {
                // Part of `buf` may be on disk (a full disk): the next write must not be glued
                // onto it.
                tail.torn = true;
                Err(e)
            }
        }
    }
}

/// Whether a non-empty file's last byte is not a newline.
pub(crate) fn ends_inside_a_line(file: &mut File) -> std::io::Result<bool> {
    if file.metadata()?.len() == 0 {
        return Ok(false);
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}
