//! A session: its history, its settings, and the loop that takes submissions.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use codex_config::Config;
use codex_protocol::{
    ContentItem, Event, EventMsg, Op, ResponseItem, ReviewDecision, SandboxPolicy,
    SessionConfiguredEvent, Submission, TokenUsage, UserInput,
};
use codex_providers::{ApiError, HttpModelClient, ModelClient, ModelSettings};
use codex_sandbox::SandboxType;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::events::EventSender;
use crate::history::append_history;
use crate::images::local_image_url;
use crate::prompt::BASE_INSTRUCTIONS;
use crate::rollout::{RolloutLine, RolloutRecorder};
use crate::start::{Start, context_window_for, originator};
use crate::turn::{TurnOptions, run_compact_task, run_turn};

#[derive(Debug, thiserror::Error)]
pub enum CodexError {
    #[error("cannot set up the model client: {0}")]
    Client(#[from] ApiError),
    #[error("the session has ended")]
    SessionEnded,
    #[error("cannot resume: {0}")]
    Resume(String),
}

/// A handle on a running session: send `Op`s, read `Event`s.
pub struct Codex {
    submissions: mpsc::Sender<Submission>,
    events: mpsc::UnboundedReceiver<Event>,
    next_id: u64,
    session_id: String,
    rollout_path: Option<PathBuf>,
}

/// What a turn shares with the session.
pub(crate) struct Shared {
    pub config: Arc<Config>,
    pub client: Arc<dyn ModelClient>,
    pub events: EventSender,
    pub instructions: String,
    pub session_id: String,
    pub history: Mutex<Vec<ResponseItem>>,
    /// Where the session is recorded (`None` if the file could not be made).
    pub recorder: Option<RolloutRecorder>,
    /// Set once a failed write to the rollout has been reported.
    pub record_failed: AtomicBool,
    /// Input plus output tokens of the last model request, for auto-compaction.
    pub last_request_tokens: Mutex<Option<u64>>,
    /// User input that arrived while a turn was running.
    pub pending_input: Mutex<Vec<ResponseItem>>,
    pub total_usage: Mutex<TokenUsage>,
    /// How commands are confined on this machine (`None` when they cannot be).
    pub sandbox_type: SandboxType,
    /// Commands approved for the session, by normalised key: `true` when approved to run
    /// outside the sandbox.
    pub approved_commands: Mutex<HashMap<String, bool>>,
    /// Directories the user let patches write under for the rest of the session.
    pub patch_roots: Mutex<Vec<PathBuf>>,
    /// Approval requests waiting for the user's decision, by call id.
    pub approvals: Mutex<HashMap<String, oneshot::Sender<ReviewDecision>>>,
}

impl Shared {
    pub fn history(&self) -> std::sync::MutexGuard<'_, Vec<ResponseItem>> {
        self.history.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn pending(&self) -> std::sync::MutexGuard<'_, Vec<ResponseItem>> {
        self.pending_input.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a pending approval; the receiver gets the user's decision.
    pub fn await_approval(&self, call_id: &str) -> oneshot::Receiver<ReviewDecision> {
        let (tx, rx) = oneshot::channel();
        self.approvals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(call_id.to_string(), tx);
        rx
    }

    pub fn session_approval(&self, key: &str) -> Option<bool> {
        self.approved_commands
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .copied()
    }

    pub fn remember_approval(&self, key: String, unsandboxed: bool) {
        self.approved_commands
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, unsandboxed);
    }

    pub fn granted_patch_roots(&self) -> Vec<PathBuf> {
        self.patch_roots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn grant_patch_root(&self, root: PathBuf) {
        self.patch_roots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(root);
    }

    fn resolve_approval(&self, call_id: &str, decision: ReviewDecision) {
        let sender = self
            .approvals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(call_id);
        if let Some(sender) = sender {
            let _ = sender.send(decision);
        }
    }

    /// Appends items to the history and to the rollout file.
    pub fn record_items(&self, items: Vec<ResponseItem>) {
        if items.is_empty() {
            return;
        }
        let lines: Vec<RolloutLine> = items
            .iter()
            .cloned()
            .map(RolloutLine::ResponseItem)
            .collect();
        self.history().extend(items);
        self.record_lines(&lines);
    }

    /// Writes lines to the rollout; a failure is reported once and does not stop the session.
    pub fn record_lines(&self, lines: &[RolloutLine]) {
        let Some(recorder) = &self.recorder else {
            return;
        };
        if let Err(e) = recorder.record(lines)
            && !self.record_failed.swap(true, Ordering::SeqCst)
        {
            self.events.send(
                "",
                EventMsg::Warning {
                    message: format!(
                        "cannot write the session record {}: {e}; the session cannot be resumed",
                        recorder.path().display()
                    ),
                },
            );
        }
    }

    /// The model's context window: configured, known for the model, or a cautious default.
    pub fn context_window(&self) -> u64 {
        context_window_for(&self.config)
    }

    /// Tokens at which the history is compacted before the next request.
    pub fn auto_compact_limit(&self) -> u64 {
        match self.config.model_auto_compact_token_limit {
            Some(limit) if limit > 0 => limit as u64,
            _ => self.context_window() * 9 / 10,
        }
    }

    pub fn last_request_tokens(&self) -> Option<u64> {
        *self
            .last_request_tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_last_request_tokens(&self, tokens: Option<u64>) {
        *self
            .last_request_tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = tokens;
    }

    pub fn usage(&self) -> std::sync::MutexGuard<'_, TokenUsage> {
        self.total_usage.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Codex {
    /// Starts a new session talking to the configured provider. Must be called within a tokio
    /// runtime; the session runs as tasks on it.
    pub fn spawn(config: Config) -> Result<Codex, CodexError> {
        Self::spawn_from(config, None)
    }

    /// Continues the session recorded in `rollout`, with its history.
    pub fn resume(config: Config, rollout: PathBuf) -> Result<Codex, CodexError> {
        Self::spawn_from(config, Some(rollout))
    }

    fn spawn_from(config: Config, rollout: Option<PathBuf>) -> Result<Codex, CodexError> {
        let start = match rollout {
            Some(path) => Start::resumed(&config, &path)?,
            None => Start::new(&config, uuid::Uuid::now_v7().to_string()),
        };
        let originator = originator(&config);
        let settings = ModelSettings {
            model: config.model.clone(),
            reasoning_effort: config.model_reasoning_effort,
            reasoning_summary: config.model_reasoning_summary,
            verbosity: config.model_verbosity,
            max_output_tokens: config.model_max_output_tokens,
            session_id: start.session_id.clone(),
            originator,
            supports_reasoning: ModelSettings::model_supports_reasoning(&config.model)
                || config.model_reasoning_effort.is_some()
                || config.model_supports_reasoning_summaries,
        };
        let client = HttpModelClient::new(config.model_provider.clone(), settings)?;
        Ok(Self::spawn_inner(config, Arc::new(client), start))
    }

    /// Starts a new session with a given model client (scripted models in tests).
    pub fn spawn_with_client(
        config: Config,
        client: Arc<dyn ModelClient>,
        session_id: String,
    ) -> Codex {
        let start = Start::new(&config, session_id);
        Self::spawn_inner(config, client, start)
    }

    fn spawn_inner(config: Config, client: Arc<dyn ModelClient>, start: Start) -> Codex {
        let (sub_tx, sub_rx) = mpsc::channel(32);
        let (ev_tx, ev_rx) = mpsc::unbounded_channel();
        let events = EventSender::new(ev_tx);
        let session_id = start.session_id.clone();
        let instructions = config
            .base_instructions
            .clone()
            .unwrap_or_else(|| BASE_INSTRUCTIONS.to_string());
        events.send(
            "",
            EventMsg::SessionConfigured(SessionConfiguredEvent {
                session_id: session_id.clone(),
                model: config.model.clone(),
                model_provider_id: config.model_provider.id.clone(),
                approval_policy: config.approval_policy,
                sandbox_policy: config.sandbox_policy.clone(),
                cwd: config.cwd.clone(),
                reasoning_effort: config.model_reasoning_effort,
            }),
        );
        for message in start.warnings {
            events.send("", EventMsg::Warning { message });
        }
        let sandbox_type = sandbox_type_for(&config);
        if config.sandbox_policy != SandboxPolicy::DangerFullAccess
            && sandbox_type == SandboxType::None
        {
            let support = codex_sandbox::probe();
            let why = if support.usable() {
                "the sandbox helper executable is not known".to_string()
            } else {
                support.describe()
            };
            events.send(
                "",
                EventMsg::Warning {
                    message: format!(
                        "commands cannot be sandboxed here ({why}); they will be asked about, \
                         or refused under the `never` approval policy"
                    ),
                },
            );
        }
        let rollout_path = start.recorder.as_ref().map(|r| r.path().to_path_buf());
        let shared = Arc::new(Shared {
            config: Arc::new(config),
            client,
            events,
            instructions,
            session_id: session_id.clone(),
            history: Mutex::new(start.history),
            recorder: start.recorder,
            record_failed: AtomicBool::new(false),
            last_request_tokens: Mutex::new(None),
            pending_input: Mutex::new(Vec::new()),
            total_usage: Mutex::new(TokenUsage::default()),
            sandbox_type,
            approved_commands: Mutex::new(HashMap::new()),
            patch_roots: Mutex::new(Vec::new()),
            approvals: Mutex::new(HashMap::new()),
        });
        tokio::spawn(submission_loop(shared, sub_rx));
        Codex {
            submissions: sub_tx,
            events: ev_rx,
            next_id: 0,
            session_id,
            rollout_path,
        }
    }

    /// The file this session is recorded in, if recording works.
    pub fn rollout_path(&self) -> Option<&Path> {
        self.rollout_path.as_deref()
    }

    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// Sends an op; returns the id its events will carry.
    pub async fn submit(&mut self, op: Op) -> Result<String, CodexError> {
        self.next_id += 1;
        let id = self.next_id.to_string();
        self.submissions
            .send(Submission { id: id.clone(), op })
            .await
            .map_err(|_| CodexError::SessionEnded)?;
        Ok(id)
    }

    /// The next event, or `None` once the session has ended.
    pub async fn next_event(&mut self) -> Option<Event> {
        self.events.recv().await
    }
}

/// The platform's sandbox, when it works here and the helper executable is known.
fn sandbox_type_for(config: &Config) -> SandboxType {
    if cfg!(target_os = "linux") {
        if config.sandbox_exe.is_some() && codex_sandbox::probe().usable() {
            return SandboxType::LinuxSeccomp;
        }
    } else if cfg!(target_os = "macos") && codex_sandbox::probe().usable() {
        return SandboxType::MacosSeatbelt;
    }
    SandboxType::None
}

struct RunningTurn {
    cancel: CancellationToken,
    handle: JoinHandle<()>,
}

async fn submission_loop(shared: Arc<Shared>, mut rx: mpsc::Receiver<Submission>) {
    let mut running: Option<RunningTurn> = None;
    let mut last_sub_id = String::new();
    loop {
        let finished = async {
            match running.as_mut() {
                Some(turn) => {
                    let _ = (&mut turn.handle).await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            sub = rx.recv() => {
                let Some(sub) = sub else {
                    if let Some(turn) = running.take() {
                        turn.cancel.cancel();
                        let _ = turn.handle.await;
                    }
                    return;
                };
                match sub.op {
                    Op::UserTurn { items, final_output_json_schema, cyber_access_program } => {
                        let input = user_message(&shared, &sub.id, &items);
                        let text = typed_text(&items);
                        if let Err(e) = append_history(
                                &shared.config.codex_home,
                                &shared.config.history,
                                &shared.session_id,
                                &text,
                            )
                        {
                            tracing::warn!(error = %e, "cannot append to history.jsonl");
                        }
                        if running.is_some() {
                            shared.pending().push(input);
                        } else {
                            last_sub_id = sub.id.clone();
                            let options = TurnOptions {
                                schema: final_output_json_schema,
                                cyber_access_program,
                            };
                            running = Some(start_turn(&shared, sub.id, vec![input], options));
                        }
                    }
                    Op::Compact => {
                        if running.is_some() {
                            shared.events.send(&sub.id, EventMsg::Warning {
                                message: "a turn is running; compact when it has finished".into(),
                            });
                        } else {
                            let cancel = CancellationToken::new();
                            let handle = tokio::spawn(run_compact_task(shared.clone(), sub.id));
                            running = Some(RunningTurn { cancel, handle });
                        }
                    }
                    Op::ExecApproval { id, decision } | Op::PatchApproval { id, decision } => {
                        shared.resolve_approval(&id, decision);
                    }
                    Op::Interrupt => {
                        if let Some(turn) = &running {
                            turn.cancel.cancel();
                        }
                    }
                    Op::Shutdown => {
                        if let Some(turn) = running.take() {
                            turn.cancel.cancel();
                            let _ = turn.handle.await;
                        }
                        shared.events.send(&sub.id, EventMsg::ShutdownComplete);
                        return;
                    }
                }
            }
            _ = finished => {
                running = None;
                // Input that arrived as the turn was ending starts the next turn.
                let pending: Vec<ResponseItem> = std::mem::take(&mut *shared.pending());
                if !pending.is_empty() {
                    running = Some(start_turn(&shared, last_sub_id.clone(), pending, TurnOptions::default()));
                }
            }
        }
    }
}

fn start_turn(
    shared: &Arc<Shared>,
    sub_id: String,
    input: Vec<ResponseItem>,
    options: TurnOptions,
) -> RunningTurn {
    let cancel = CancellationToken::new();
    let handle = tokio::spawn(run_turn(
        shared.clone(),
        sub_id,
        input,
        options,
        cancel.clone(),
    ));
    RunningTurn { cancel, handle }
}

/// What the user typed, for `history.jsonl`.
fn typed_text(items: &[UserInput]) -> String {
    items
        .iter()
        .filter_map(|i| match i {
            UserInput::Text { text } => Some(text.as_str()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The user's input as one message: each image in an `<image>` wrapper naming it, then the
/// texts joined by blank lines (the order and wrapper the Codex CLI uses). An image that cannot
/// be read is named in the message and reported, rather than dropped silently.
fn user_message(shared: &Shared, sub_id: &str, items: &[UserInput]) -> ResponseItem {
    let mut texts: Vec<String> = Vec::new();
    let mut content: Vec<ContentItem> = Vec::new();
    let mut n = 0;
    for item in items {
        let (image_url, path) = match item {
            UserInput::Text { text } => {
                texts.push(text.clone());
                continue;
            }
            UserInput::Image { image_url } => (image_url.clone(), None),
            UserInput::LocalImage { path } => match local_image_url(path) {
                Ok(url) => (url, Some(path)),
                Err(message) => {
                    texts.push(format!("[an image was not attached: {message}]"));
                    shared.events.send(sub_id, EventMsg::Warning { message });
                    continue;
                }
            },
        };
        n += 1;
        let open = match path {
            Some(path) => format!("<image name=[Image #{n}] path=\"{}\">", path.display()),
            None => format!("<image name=[Image #{n}]>"),
        };
        content.push(ContentItem::InputText { text: open });
        content.push(ContentItem::InputImage {
            image_url,
            detail: Some("high".into()),
        });
        content.push(ContentItem::InputText {
            text: "</image>".into(),
        });
    }
    if !texts.is_empty() || content.is_empty() {
        content.push(ContentItem::InputText {
            text: texts.join("\n\n"),
        });
    }
    ResponseItem::Message {
        id: None,
        role: "user".to_string(),
        content,
    }
}
