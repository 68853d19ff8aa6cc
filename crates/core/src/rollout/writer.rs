//! Rollout writes off the async workers: one thread per session appends lines in the order they
//! were handed over, and the engine waits for them (a flush) before each model request, so a
//! killed process still leaves everything it showed on disk.

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use tokio::sync::oneshot;

use super::{RolloutLine, RolloutRecorder};

enum Job {
    Lines(Vec<RolloutLine>),
    /// Answered once every line handed over before it has been written: with the first write
    /// error since the last flush, if any.
    Flush(oneshot::Sender<Option<String>>),
}

pub(crate) struct RolloutWriter {
    path: PathBuf,
    jobs: mpsc::Sender<Job>,
}

impl RolloutWriter {
    /// Starts the writer thread for `recorder`; it ends when the writer is dropped.
    pub fn start(recorder: RolloutRecorder) -> std::io::Result<Self> {
        let path = recorder.path().to_path_buf();
        let (jobs, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("codex-rollout".into())
            .spawn(move || {
                let mut failed: Option<String> = None;
                for job in rx {
                    match job {
                        Job::Lines(lines) => {
                            if let Err(e) = recorder.record(&lines) {
                                failed.get_or_insert(e.to_string());
                            }
                        }
                        Job::Flush(done) => {
                            let _ = done.send(failed.take());
                        }
                    }
                }
            })?;
        Ok(RolloutWriter { path, jobs })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Hands lines to the writer; returns at once.
    pub fn record(&self, lines: Vec<RolloutLine>) {
        if !lines.is_empty() {
            let _ = self.jobs.send(Job::Lines(lines));
        }
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
        let writer = RolloutWriter::start(RolloutRecorder::open(&path).unwrap()).unwrap();
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
