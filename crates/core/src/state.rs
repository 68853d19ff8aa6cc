//! A session's state: what it was started with (fixed), and what changes as it runs (one value
//! behind one lock). The turn, compaction and tools borrow it; nothing else holds session data.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use codex_config::Config;
use codex_protocol::{EventMsg, ResponseItem, ReviewDecision, TokenUsage};
use codex_providers::ModelClient;
use codex_sandbox::{ReadAccess, SandboxType};
use tokio::sync::oneshot;

use crate::events::EventSender;
use crate::rollout::{RolloutLine, SessionWriter};

pub(crate) struct Session {
    pub config: Arc<Config>,
    pub client: Arc<dyn ModelClient>,
    pub events: EventSender,
    pub instructions: String,
    pub session_id: String,
    /// What MCP servers asked the user, waiting for answers.
    pub elicitations: Arc<crate::mcp::Elicitations>,
    /// How commands are confined on this machine (`None` when they cannot be).
    pub sandbox_type: SandboxType,
    /// What the in-process file tools may read.
    pub read_access: ReadAccess,
    /// Replaces the session's secrets in everything the model, the events and the record are
    /// given (built once from [`crate::redaction::session_secrets`]).
    pub redactor: Arc<codex_secrets::Redactor>,
    /// The session's files: its rollout (when it could be made) and `history.jsonl`.
    files: SessionWriter,
    /// The audit log's records of this session.
    pub audit: crate::audit::SessionAudit,
    /// Set once a failed write to the rollout has been reported.
    record_failed: AtomicBool,
    data: Mutex<SessionData>,
}

/// Everything about a session that changes while it runs.
#[derive(Default)]
pub(crate) struct SessionData {
    /// Shared with the prompt of the request being made; changed in place when it is not.
    pub history: Arc<Vec<ResponseItem>>,
    /// User input that arrived while a turn was running.
    pub pending_input: Vec<ResponseItem>,
    pub total_usage: TokenUsage,
    /// Input plus output tokens of the last model request, for auto-compaction.
    pub last_request_tokens: Option<u64>,
    /// Commands approved for the session, by normalised key: `true` when approved to run
    /// outside the sandbox.
    pub approved_commands: HashMap<String, bool>,
    /// Directories the user let patches write under for the rest of the session.
    pub patch_roots: Vec<PathBuf>,
    /// MCP tools (`server/tool`) the user approved for the session.
    pub approved_mcp_tools: std::collections::HashSet<String>,
    /// Approval requests waiting for the user's decision, by call id.
    pub approvals: HashMap<String, oneshot::Sender<ReviewDecision>>,
}

pub(crate) struct SessionParts {
    pub config: Config,
    pub client: Arc<dyn ModelClient>,
    pub events: EventSender,
    pub instructions: String,
    pub session_id: String,
    pub elicitations: Arc<crate::mcp::Elicitations>,
    pub sandbox_type: SandboxType,
    pub read_access: ReadAccess,
    pub files: SessionWriter,
    pub audit: crate::audit::SessionAudit,
    pub redactor: Arc<codex_secrets::Redactor>,
    pub history: Vec<ResponseItem>,
}

impl Session {
    pub fn new(parts: SessionParts) -> Session {
        Session {
            redactor: parts.redactor,
            config: Arc::new(parts.config),
            client: parts.client,
            events: parts.events,
            instructions: parts.instructions,
            session_id: parts.session_id,
            elicitations: parts.elicitations,
            sandbox_type: parts.sandbox_type,
            read_access: parts.read_access,
            files: parts.files,
            audit: parts.audit,
            record_failed: AtomicBool::new(false),
            data: Mutex::new(SessionData {
                history: Arc::new(parts.history),
                ..Default::default()
            }),
        }
    }

    /// `text` with the session's secrets replaced by `[REDACTED:<name>]`; borrowed when it had
    /// none.
    pub fn redact<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        self.redactor.redact(text)
    }

    /// The changing part of the session. Held briefly, never across an await.
    pub fn data(&self) -> MutexGuard<'_, SessionData> {
        self.data.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn history_snapshot(&self) -> Arc<Vec<ResponseItem>> {
        self.data().history.clone()
    }

    pub fn take_pending(&self) -> Vec<ResponseItem> {
        std::mem::take(&mut self.data().pending_input)
    }

    /// Registers a pending approval; the receiver gets the user's decision.
    pub fn await_approval(&self, call_id: &str) -> oneshot::Receiver<ReviewDecision> {
        let (tx, rx) = oneshot::channel();
        self.data().approvals.insert(call_id.to_string(), tx);
        rx
    }

    pub fn resolve_approval(&self, call_id: &str, decision: ReviewDecision) {
        let sender = self.data().approvals.remove(call_id);
        if let Some(sender) = sender {
            let _ = sender.send(decision);
        }
    }

    /// Appends items to the history and hands them to the rollout.
    pub fn record_items(&self, items: Vec<ResponseItem>) {
        if items.is_empty() {
            return;
        }
        let lines: Vec<RolloutLine> = items
            .iter()
            .cloned()
            .map(RolloutLine::ResponseItem)
            .collect();
        // A copy only while a snapshot is held (callers drop the prompt before recording).
        Arc::make_mut(&mut self.data().history).extend(items);
        self.record_lines(lines);
    }

    /// Hands lines to the rollout writer (it writes them in order, off the async workers).
    pub fn record_lines(&self, lines: Vec<RolloutLine>) {
        self.files.record(lines);
    }

    /// Appends a prompt to `history.jsonl` (on the writer thread).
    pub fn remember_prompt(&self, text: String) {
        self.files.remember_prompt(text);
    }

    /// Waits until the rollout holds everything recorded so far; a failure is reported once
    /// and does not stop the session.
    pub async fn flush_record(&self) {
        let Some(path) = self.files.path() else {
            return;
        };
        if let Err(e) = self.files.flush().await
            && !self.record_failed.swap(true, Ordering::SeqCst)
        {
            self.events.send(
                "",
                EventMsg::Warning {
                    message: format!(
                        "cannot write the session record {}: {e}; the session cannot be resumed",
                        path.display()
                    ),
                },
            );
        }
    }

    pub fn context_window(&self) -> u64 {
        self.config.context_window
    }

    pub fn auto_compact_limit(&self) -> u64 {
        self.config.auto_compact_limit
    }
}
