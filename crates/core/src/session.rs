//! A running session: the handle front-ends hold (`Op`s in, `Event`s out) and the loop that
//! takes submissions and runs turns.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use codex_config::{Config, WireApi};
use codex_protocol::{
    ContentItem, Event, EventMsg, Op, ResponseItem, SandboxPolicy, SessionConfiguredEvent,
    Submission, UserInput,
};
use codex_providers::{HttpModelClient, ModelClient, ModelSettings};
use codex_sandbox::{ReadAccess, SandboxType};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::audit::{Approver, SessionAudit};
use crate::error::CodexError;
use crate::events::EventSender;
use crate::images::local_image_url;
use crate::mcp::{Elicitations, start_servers};
use crate::prompt::BASE_INSTRUCTIONS;
use crate::rollout::{HistoryTarget, SessionWriter};
use crate::start::{Start, originator};
use crate::state::{Session, SessionParts};
use crate::tools::{ToolHandler, ToolRegistry, build_registry};
use crate::turn::{TurnOptions, run_compact_task, run_turn};

/// A handle on a running session: send `Op`s, read `Event`s.
pub struct Codex {
    submissions: mpsc::Sender<Submission>,
    events: mpsc::UnboundedReceiver<Event>,
    next_id: u64,
    session_id: String,
    rollout_path: Option<PathBuf>,
}

/// How to start a session beyond its config.
#[derive(Default)]
pub struct SessionOptions {
    /// Continue the session recorded in this rollout file.
    pub resume: Option<PathBuf>,
    /// The model to talk to instead of the configured provider (scripted models in tests).
    pub client: Option<Arc<dyn ModelClient>>,
    /// The session id for a new session (a fresh UUID v7 when `None`).
    pub session_id: Option<String>,
    /// Tools offered beside the built-in ones (JavaScript tools, tests). A name already taken
    /// is an error.
    pub tools: Vec<Arc<dyn ToolHandler>>,
    /// Further limits on what the in-process file tools may read (a host's own rules, tests).
    /// It only ever narrows what the sandbox policy lets them read.
    pub read_access: Option<ReadAccess>,
    /// Who answers approval requests, as the audit log names them (a person by default).
    pub approver: Approver,
}

impl Codex {
    /// Starts a new session talking to the configured provider. Must be called within a tokio
    /// runtime; the session runs as tasks on it.
    pub fn spawn(config: Config) -> Result<Codex, CodexError> {
        Self::start(config, SessionOptions::default())
    }

    /// Continues the session recorded in `rollout`, with its history.
    pub fn resume(config: Config, rollout: PathBuf) -> Result<Codex, CodexError> {
        Self::start(
            config,
            SessionOptions {
                resume: Some(rollout),
                ..Default::default()
            },
        )
    }

    /// Starts a new session with a given model client (scripted models in tests).
    pub fn spawn_with_client(
        config: Config,
        client: Arc<dyn ModelClient>,
        session_id: String,
    ) -> Result<Codex, CodexError> {
        Self::start(
            config,
            SessionOptions {
                client: Some(client),
                session_id: Some(session_id),
                ..Default::default()
            },
        )
    }

    /// Starts (or resumes) a session.
    pub fn start(config: Config, options: SessionOptions) -> Result<Codex, CodexError> {
        let tools = build_registry(&config, &options.tools)?;
        let start = match &options.resume {
            Some(path) => Start::resumed(&config, path)?,
            None => {
                let id = options
                    .session_id
                    .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
                Start::new(&config, id)
            }
        };
        let client = match options.client {
            Some(client) => client,
            None => Arc::new(HttpModelClient::new(
                config.model_provider.clone(),
                model_settings(&config, &start.session_id),
            )?),
        };
        // Every sandbox mode: danger-full-access frees commands, not the engine's own reads.
        let mut read_access = ReadAccess::deny_read(&config.deny_read);
        if let Some(extra) = options.read_access {
            read_access = read_access.and(extra);
        }
        Ok(Self::spawn_inner(
            config,
            client,
            tools,
            start,
            read_access,
            options.approver,
        ))
    }

    fn spawn_inner(
        config: Config,
        client: Arc<dyn ModelClient>,
        mut tools: ToolRegistry,
        start: Start,
        read_access: ReadAccess,
        approver: Approver,
    ) -> Codex {
        let (sub_tx, sub_rx) = mpsc::channel(32);
        let (ev_tx, ev_rx) = mpsc::unbounded_channel();
        let events = EventSender::new(ev_tx);
        let Start {
            session_id,
            history,
            recorder,
            mut warnings,
        } = start;
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
            warnings.push(format!(
                "commands cannot be sandboxed here as sandbox mode `{}` asks ({why}); they will \
                 be asked about, or refused under the `never` approval policy",
                config.sandbox_policy.mode()
            ));
        }
        let history_target = HistoryTarget {
            codex_home: config.codex_home.clone(),
            settings: config.history.clone(),
            session_id: session_id.clone(),
        };
        let files = match SessionWriter::start(recorder, history_target) {
            Ok(files) => files,
            Err(e) => {
                // Without its writer thread the session records nothing; it can still run.
                warnings.push(format!("cannot record this session: {e}"));
                SessionWriter::disabled()
            }
        };
        let redactor = Arc::new(crate::redaction::session_redactor(&config));
        let audit = SessionAudit::open(
            &config,
            &session_id,
            approver,
            events.clone(),
            redactor.clone(),
            &mut warnings,
        );
        audit.session_start(&config, sandbox_type);
        for message in warnings {
            events.send("", EventMsg::Warning { message });
        }
        let rollout_path = files.path().map(Path::to_path_buf);
        let elicitations = Arc::new(Elicitations::new(events.clone(), config.approval_policy));
        if let Some(manager) = start_servers(&config, &events, elicitations.clone()) {
            // The Responses wire takes each server as one namespace tool, as the Codex CLI
            // offers them; the other wires get one function per tool.
            let namespaced = config.model_provider.wire_api == WireApi::Responses;
            if let Err(e) = tools.attach_mcp(manager, namespaced) {
                events.send(
                    "",
                    EventMsg::Warning {
                        message: format!("MCP resource tools not offered: {e}"),
                    },
                );
            }
        }
        let session = Arc::new(Session::new(SessionParts {
            config,
            client,
            events,
            instructions,
            session_id: session_id.clone(),
            elicitations,
            sandbox_type,
            read_access,
            files,
            audit,
            redactor,
            history,
        }));
        tokio::spawn(submission_loop(session, Arc::new(tools), sub_rx));
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

fn model_settings(config: &Config, session_id: &str) -> ModelSettings {
    ModelSettings {
        model: config.model.clone(),
        reasoning_effort: config.model_reasoning_effort,
        reasoning_summary: config.model_reasoning_summary,
        verbosity: config.model_verbosity,
        max_output_tokens: config.model_max_output_tokens,
        session_id: session_id.to_string(),
        originator: originator(config),
        supports_reasoning: config.model_family.supports_reasoning,
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

async fn submission_loop(
    session: Arc<Session>,
    tools: Arc<ToolRegistry>,
    mut rx: mpsc::Receiver<Submission>,
) {
    let mut running: Option<RunningTurn> = None;
    let mut last_sub_id = String::new();
    let start_turn = |sub_id: String, input: Vec<ResponseItem>, options: TurnOptions| {
        let cancel = CancellationToken::new();
        let handle = tokio::spawn(run_turn(
            session.clone(),
            tools.clone(),
            sub_id,
            input,
            options,
            cancel.clone(),
        ));
        RunningTurn { cancel, handle }
    };
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
                    session.audit.session_end();
                    return;
                };
                match sub.op {
                    Op::UserTurn { items, final_output_json_schema, cyber_access_program } => {
                        let input = user_message(&session, &sub.id, &items);
                        session.remember_prompt(typed_text(&items));
                        if running.is_some() {
                            session.data().pending_input.push(input);
                        } else {
                            last_sub_id = sub.id.clone();
                            let options = TurnOptions {
                                schema: final_output_json_schema,
                                cyber_access_program,
                                review: None,
                            };
                            running = Some(start_turn(sub.id, vec![input], options));
                        }
                    }
                    Op::Review { review_request } => {
                        if running.is_some() {
                            session.events.send(&sub.id, EventMsg::Warning {
                                message: "a turn is running; start the review when it has finished".into(),
                            });
                        } else {
                            last_sub_id = sub.id.clone();
                            let options = TurnOptions {
                                review: Some(review_request),
                                ..TurnOptions::default()
                            };
                            running = Some(start_turn(sub.id, Vec::new(), options));
                        }
                    }
                    Op::Compact => {
                        if running.is_some() {
                            session.events.send(&sub.id, EventMsg::Warning {
                                message: "a turn is running; compact when it has finished".into(),
                            });
                        } else {
                            let cancel = CancellationToken::new();
                            let handle = tokio::spawn(run_compact_task(session.clone(), sub.id));
                            running = Some(RunningTurn { cancel, handle });
                        }
                    }
                    Op::UserShellCommand { command } => {
                        if running.is_some() {
                            session.events.send(&sub.id, EventMsg::Warning {
                                message: "a turn is running; run the command when it has finished".into(),
                            });
                        } else {
                            let cancel = CancellationToken::new();
                            let handle = tokio::spawn(crate::turn::run_user_shell_command(
                                session.clone(),
                                sub.id,
                                command,
                                cancel.clone(),
                            ));
                            running = Some(RunningTurn { cancel, handle });
                        }
                    }
                    Op::ExecApproval { id, decision }
                    | Op::PatchApproval { id, decision }
                    | Op::McpToolApproval { id, decision } => {
                        session.resolve_approval(&id, decision);
                    }
                    Op::ListMcpTools => {
                        let servers = tools.mcp_statuses();
                        session.events.send(&sub.id, EventMsg::McpListToolsResponse { servers });
                    }
                    Op::ResolveElicitation { id, decision, content, .. } => {
                        session.elicitations.resolve(&id, decision, content);
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
                        session.flush_record().await;
                        session.audit.session_end();
                        session.events.send(&sub.id, EventMsg::ShutdownComplete);
                        return;
                    }
                }
            }
            _ = finished => {
                running = None;
                // Input that arrived as the turn was ending starts the next turn.
                let pending = session.take_pending();
                if !pending.is_empty() {
                    running = Some(start_turn(last_sub_id.clone(), pending, TurnOptions::default()));
                }
            }
        }
    }
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
fn user_message(session: &Session, sub_id: &str, items: &[UserInput]) -> ResponseItem {
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
            UserInput::LocalImage { path } => match session
                .read_access
                .check(&session.config.cwd.join(path))
                .map_err(|denied| denied.to_string())
                .and_then(|()| local_image_url(path))
            {
                Ok(url) => (url, Some(path)),
                Err(message) => {
                    texts.push(format!("[an image was not attached: {message}]"));
                    session.events.send(sub_id, EventMsg::Warning { message });
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
