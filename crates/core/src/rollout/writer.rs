//! The session's file writes off the async workers: one thread per session appends rollout
//! lines in the order they were handed over (the engine waits for them — a flush — before each
//! model request, so a killed process still leaves everything it showed on disk), and the
//! user's prompts to `history.jsonl`.

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use codex_config::History;
use tokio::sync::oneshot;

use super::{RolloutLine, RolloutRecorder};
use crate::history::append_history;

/// Where the user's prompts are kept.
pub(crate) struct HistoryTarget {
    pub codex_home: PathBuf,
    pub settings: History,
    pub session_id: String,
}

enum Job {
    Lines(Vec<RolloutLine>),
    Prompt(String),
    /// Answered once every line handed over before it has been written: with the first write
    /// error since the last flush, if any.
    Flush(oneshot::Sender<Option<String>>),
}

pub(crate) struct SessionWriter {
    path: Option<PathBuf>,
    jobs: mpsc::Sender<Job>,
}

impl SessionWriter {
    /// Starts the writer thread; it ends when the writer is dropped.
    pub fn start(
        recorder: Option<RolloutRecorder>,
        history: HistoryTarget,
    ) -> std::io::Result<Self> {
        let path = recorder.as_ref().map(|r| r.path().to_path_buf());
        let (jobs, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("codex-session-files".into())
            .spawn(move || {
                let mut failed: Option<String> = None;
                for job in rx {
                    match job {
                        Job::Lines(lines) => {
                            if let Some(recorder) = &recorder
                                && let Err(e) = recorder.record(&lines)
                            {
                                failed.get_or_insert(e.to_string());
                            }
                        }
                        Job::Prompt(text) => {
                            let HistoryTarget {
                                codex_home,
                                settings,
                                session_id,
                            } = &history;
                            if let Err(e) = append_history(codex_home, settings, session_id, &text)
                            {
                                tracing::warn!(error = %e, "cannot append to history.jsonl");
                            }
                        }
                        Job::Flush(done) => {
                            let _ = done.send(failed.take());
                        }
                    }
                }
            })?;
        Ok(SessionWriter { path, jobs })
    }

    /// A writer that writes nothing (the thread could not be started).
    pub fn disabled() -> Self {
        let (jobs, _) = mpsc::channel::<Job>();
        SessionWriter { path: None, jobs }
    }

    /// The rollout file, when the session is recorded.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Hands rollout lines to the writer; returns at once.
    pub fn record(&self, lines: Vec<RolloutLine>) {
        if self.path.is_some() && !lines.is_empty() {
            let _ = self.jobs.send(Job::Lines(lines));
        }
    }

    /// Hands a prompt to the writer for `history.jsonl`; returns at once.
    pub fn remember_prompt(&self, text: String) {
        let _ = self.jobs.send(Job::Prompt(text));
    }

    /// Waits until everything handed over so far is written; the first write error, if any.
    pub async fn flush(&self) -> Result<(), String> {
        let (tx, rx) = oneshot::channel();
        if self.jobs.send(Job::Flush(tx)).is_err() {
            return Err("the session record's writer has stopped".into());
        }
        match rx.await {
            Ok(None) => Ok(()),
            Ok(Some(error)) => Err(error),
            Err(_) => Err("the session record's writer has stopped".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use codex_protocol::ResponseItem;

    #[tokio::test]
    async fn lines_are_on_disk_in_order_after_a_flush() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.jsonl");
        let history = HistoryTarget {
            codex_home: dir.path().to_path_buf(),
            settings: History {
                persistence: codex_config::HistoryPersistence::None,
                max_bytes: None,
            },
            session_id: "s".into(),
        };
        let writer =
            SessionWriter::start(Some(RolloutRecorder::open(&path).unwrap()), history).unwrap();
        for i in 0..100 {
            writer.record(vec![RolloutLine::ResponseItem(ResponseItem::user_text(
                format!("m{i}"),
            ))]);
        }
        writer.flush().await.unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let order: Vec<usize> = (0..100)
            .map(|i| text.find(&format!("\"m{i}\"")).unwrap())
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]));
    }
}
