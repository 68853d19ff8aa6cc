//! A thread: one session on the shared runtime, driven by commands from JavaScript and speaking
//! to the engine only in `Op`s and `Event`s, as `codex exec` does.
//!
//! The session opens at the first turn (or compaction), with `codex exec`'s checks in its
//! order, so the first problem reported is the one `codex exec` would print. Each turn's events
//! go through a fresh [`ThreadEventMapper`] that first sees the session's start, because each
//! `@openai/codex-sdk` turn is one `codex exec [resume ID]` run: every turn begins with
//! `thread.started` and numbers its items from `item_0`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use codex_config::Config;
use codex_core::{Approver, Codex, SessionOptions, ToolHandler};
use codex_frontend::{check_directory, check_images, check_prompt, find_resume, output_schema};
use codex_protocol::{ElicitationAction, EventMsg, Op, ReviewDecision, UserInput};
use codex_thread_events::{MapperOptions, ThreadEventMapper};
use napi::bindgen_prelude::{PromiseRaw, Result};
use napi::{CleanupEnvHook, Env};
use napi_derive::napi;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::approvals;
use crate::js_tools::{CurrentTurn, JsTool, ToolDefinition};
use crate::link::{AsyncCallback, MessageSink, TurnLink, kind};
use crate::options::ThreadConfig;

/// One turn's input, as the SDK hands it to `codex exec`.
#[napi(object)]
pub struct TurnInput {
    /// The text parts, joined by blank lines.
    pub prompt: String,
    /// `local_image` paths, in order.
    pub images: Option<Vec<String>>,
    /// The output schema as JSON text.
    pub output_schema: Option<String>,
    /// `--cyber-access-program`.
    pub cyber_access_program: Option<String>,
}

enum Command {
    Run {
        input: TurnInput,
        link: Arc<TurnLink>,
    },
    Interrupt,
    Compact {
        done: oneshot::Sender<std::result::Result<(), String>>,
    },
    Close,
}

/// A thread's handle in JavaScript. Dropping it (garbage collection) closes the session, and so
/// does the end of its environment (a worker thread terminated mid-turn).
#[napi]
pub struct NativeThread {
    commands: mpsc::UnboundedSender<Command>,
    teardown: Mutex<Option<CleanupEnvHook<mpsc::WeakUnboundedSender<Command>>>>,
}

/// Starts a thread; its session opens at the first turn. Throws when a tool's definition is
/// unusable or its name is taken.
#[napi]
pub fn start_thread(
    env: Env,
    config: ThreadConfig,
    tools: Option<Vec<ToolDefinition>>,
) -> Result<NativeThread> {
    let current: CurrentTurn = Arc::new(Mutex::new(None));
    let thread_id = Arc::new(Mutex::new(config.resume_id.clone().unwrap_or_default()));
    let mut handlers: Vec<Arc<dyn ToolHandler>> = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    let tools = tools.unwrap_or_default();
    for tool in &tools {
        let taken = codex_core::BUILT_IN_TOOL_NAMES.contains(&tool.name.as_str());
        if taken || names.contains(&tool.name.as_str()) {
            let why = if taken {
                "a built-in tool"
            } else {
                "another tool"
            };
            return Err(napi::Error::from_reason(format!(
                "a tool named `{}` is already registered ({why} has that name)",
                tool.name
            )));
        }
        if tool.name.is_empty() {
            return Err(napi::Error::from_reason("a tool needs a name"));
        }
        names.push(&tool.name);
        let handler = JsTool::new(tool, thread_id.clone(), current.clone())
            .map_err(napi::Error::from_reason)?;
        handlers.push(Arc::new(handler));
    }
    let (commands, receiver) = mpsc::unbounded_channel();
    let driver = Driver {
        config,
        tools: handlers,
        current,
        thread_id,
        live: None,
        commands: receiver,
        closing: false,
    };
    napi::bindgen_prelude::spawn(driver.run());
    let teardown = env.add_env_cleanup_hook(commands.downgrade(), |commands| {
        if let Some(commands) = commands.upgrade() {
            let _ = commands.send(Command::Close);
        }
    })?;
    Ok(NativeThread {
        commands,
        teardown: Mutex::new(Some(teardown)),
    })
}

#[napi]
impl NativeThread {
    /// Starts a turn. `onMessage(kind, payload)` receives, in order, each thread event (kind
    /// `event`, the JSON line) and then `done`, or `error` with the message when the turn could
    /// not run; `tool.abort` (a call id) when a JavaScript tool call is given up.
    /// `onApproval(requestJson)` and `onTool(callJson)` answer with promises of strings.
    #[napi]
    pub fn run_turn(
        &self,
        input: TurnInput,
        on_message: MessageSink,
        on_approval: Option<AsyncCallback>,
        on_tool: Option<AsyncCallback>,
    ) -> Result<()> {
        let link = Arc::new(TurnLink::new(on_message, on_approval, on_tool));
        self.commands
            .send(Command::Run { input, link })
            .map_err(|_| napi::Error::from_reason("the thread is closed"))
    }

    /// Stops the running turn (the commands it started are killed); nothing when none runs.
    #[napi]
    pub fn interrupt(&self) {
        let _ = self.commands.send(Command::Interrupt);
    }

    /// Replaces the history with a summary. Resolves when done; rejects with the error.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn compact<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, ()>> {
        let (done, answer) = oneshot::channel();
        let sent = self.commands.send(Command::Compact { done });
        env.spawn_future(async move {
            if sent.is_err() {
                return Err(napi::Error::from_reason("the thread is closed"));
            }
            match answer.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(message)) => Err(napi::Error::from_reason(message)),
                Err(_) => Err(napi::Error::from_reason("the thread is closed")),
            }
        })
    }

    /// Ends the session (a running turn is interrupted first). Idempotent.
    #[napi]
    pub fn close(&self, env: Env) {
        let _ = self.commands.send(Command::Close);
        let hook = self.teardown.lock().ok().and_then(|mut hook| hook.take());
        if let Some(hook) = hook {
            let _ = env.remove_env_cleanup_hook(hook);
        }
    }
}

/// An open session and what later turns replay of its start.
struct Live {
    codex: Codex,
    /// The `SessionConfigured` event: each turn starts with its `thread.started`.
    configured: Option<EventMsg>,
    /// Warnings from before the first turn (an unusable sandbox, unreadable AGENTS.md): each
    /// `codex exec resume` run reports those again at the start of its turn.
    opening_warnings: Vec<String>,
    turns: u64,
    include_cost: bool,
}

struct Driver {
    config: ThreadConfig,
    tools: Vec<Arc<dyn ToolHandler>>,
    current: CurrentTurn,
    thread_id: Arc<Mutex<String>>,
    live: Option<Live>,
    commands: mpsc::UnboundedReceiver<Command>,
    /// `close()` came while something ran: end once it is over.
    closing: bool,
}

/// What `codex exec` does with approvals when nobody can answer: decline.
const NOBODY_ASKED: ReviewDecision = ReviewDecision::Denied;

impl Driver {
    async fn run(mut self) {
        while !self.closing {
            let Some(command) = self.commands.recv().await else {
                break;
            };
            match command {
                Command::Run { input, link } => {
                    self.set_current(Some(link.clone()));
                    match self.turn(input, &link).await {
                        Ok(()) => link.send(kind::DONE, String::new()),
                        Err(message) => link.send(kind::ERROR, message),
                    }
                    self.set_current(None);
                }
                Command::Interrupt => {}
                Command::Compact { done } => {
                    let _ = done.send(self.compact().await);
                }
                Command::Close => break,
            }
        }
        if let Some(live) = self.live.take() {
            shutdown(live.codex).await;
        }
    }

    fn set_current(&self, link: Option<Arc<TurnLink>>) {
        if let Ok(mut current) = self.current.lock() {
            *current = link;
        }
    }

    /// The config as `codex exec` loads it, checked up to the trusted directory.
    fn load_config(&self) -> std::result::Result<Config, String> {
        let options = self.config.start_options()?;
        let loaded = codex_frontend::load_config(&options, self.config.env())?;
        for warning in &loaded.warnings {
            tracing::warn!("{warning}");
        }
        let mut config = loaded.config;
        self.config.finish(&mut config);
        check_directory(&config, self.config.skip_git_repo_check.unwrap_or(false))?;
        Ok(config)
    }

    fn open(&mut self, config: Config) -> std::result::Result<(), String> {
        let resume = match self.config.resume() {
            Some(target) => Some(find_resume(&config, &target)?),
            None => None,
        };
        let include_cost = self.config.include_cost.unwrap_or(false) || config.json_estimated_cost;
        let codex = Codex::start(
            config,
            SessionOptions {
                resume,
                tools: self.tools.clone(),
                // Approvals are answered by the host's `onApproval` callback.
                approver: Approver::JsCallback,
                ..Default::default()
            },
        )
        .map_err(|e| e.to_string())?;
        if let Ok(mut id) = self.thread_id.lock() {
            *id = codex.session_id().to_string();
        }
        self.live = Some(Live {
            codex,
            configured: None,
            opening_warnings: Vec::new(),
            turns: 0,
            include_cost,
        });
        Ok(())
    }

    /// One turn, as one `codex exec --json` run: its checks, then its events.
    async fn turn(
        &mut self,
        input: TurnInput,
        link: &Arc<TurnLink>,
    ) -> std::result::Result<(), String> {
        let program = match input.cyber_access_program.as_deref() {
            None => None,
            Some(p @ ("standard" | "daybreak_blue" | "daybreak_red")) => Some(p.to_string()),
            Some(other) => {
                return Err(format!(
                    "invalid value '{other}' for '--cyber-access-program \
                     <CYBER_ACCESS_PROGRAM>'\n  [possible values: standard, daybreak_blue, \
                     daybreak_red]"
                ));
            }
        };
        check_prompt(&input.prompt)?;
        let config = match self.live {
            Some(_) => None,
            None => Some(self.load_config()?),
        };
        let schema = match &input.output_schema {
            None => None,
            Some(text) => {
                let value = serde_json::from_str(text)
                    .map_err(|e| format!("outputSchema is not valid JSON: {e}"))?;
                Some(output_schema(value, "outputSchema")?)
            }
        };
        let images: Vec<std::path::PathBuf> = input
            .images
            .iter()
            .flatten()
            .map(std::path::PathBuf::from)
            .collect();
        let images = check_images(&images)?;
        if let Some(config) = config {
            self.open(config)?;
        }
        let Some(live) = self.live.as_mut() else {
            return Err("the session is not open".into());
        };
        let mut items: Vec<UserInput> = images
            .into_iter()
            .map(|path| UserInput::LocalImage { path })
            .collect();
        items.push(UserInput::Text { text: input.prompt });
        live.codex
            .submit(Op::UserTurn {
                items,
                final_output_json_schema: schema,
                cyber_access_program: program,
            })
            .await
            .map_err(|e| e.to_string())?;
        let mut mapper = ThreadEventMapper::new(MapperOptions {
            include_cost: live.include_cost,
        });
        let first = live.turns == 0;
        live.turns += 1;
        let send = |mapper: &mut ThreadEventMapper, msg: &EventMsg| {
            for event in mapper.map(msg) {
                if let Ok(line) = serde_json::to_string(&event) {
                    link.send(kind::EVENT, line);
                }
            }
        };
        if !first {
            if let Some(configured) = &live.configured {
                send(&mut mapper, configured);
            }
            for message in &live.opening_warnings {
                send(
                    &mut mapper,
                    &EventMsg::Warning {
                        message: message.clone(),
                    },
                );
            }
        }
        let (answers, mut answered) = mpsc::unbounded_channel::<(bool, String, ReviewDecision)>();
        let mut asking: Vec<JoinHandle<()>> = Vec::new();
        let mut started = false;
        let outcome = loop {
            tokio::select! {
                event = live.codex.next_event() => {
                    let Some(event) = event else {
                        break Err("the session ended unexpectedly".to_string());
                    };
                    send(&mut mapper, &event.msg);
                    match event.msg {
                        EventMsg::SessionConfigured(_) => live.configured = Some(event.msg),
                        EventMsg::Warning { message } if first && !started => {
                            live.opening_warnings.push(message);
                        }
                        EventMsg::TaskStarted { .. } => started = true,
                        EventMsg::ExecApprovalRequest(request) => {
                            let json = approvals::exec_request(&request);
                            asking.push(ask(link, json, false, request.call_id, answers.clone()));
                        }
                        EventMsg::ApplyPatchApprovalRequest(request) => {
                            let json = approvals::patch_request(&request);
                            asking.push(ask(link, json, true, request.call_id, answers.clone()));
                        }
                        // The host's approval callback speaks of commands and patches; MCP
                        // tool calls and server questions that would need it are declined.
                        EventMsg::McpToolApprovalRequest(request) => {
                            let _ = live.codex.submit(Op::McpToolApproval {
                                id: request.call_id,
                                decision: ReviewDecision::Denied,
                            }).await;
                        }
                        EventMsg::ElicitationRequest(request) => {
                            let _ = live.codex.submit(Op::ResolveElicitation {
                                server_name: request.server_name,
                                id: request.id,
                                decision: ElicitationAction::Decline,
                                content: None,
                            }).await;
                        }
                        EventMsg::TaskComplete { .. } | EventMsg::TurnAborted { .. } => break Ok(()),
                        _ => {}
                    }
                }
                command = self.commands.recv() => match command {
                    Some(Command::Interrupt) => {
                        let _ = live.codex.submit(Op::Interrupt).await;
                    }
                    None | Some(Command::Close) => {
                        self.closing = true;
                        let _ = live.codex.submit(Op::Interrupt).await;
                    }
                    Some(Command::Run { link: other, .. }) => {
                        other.send(kind::ERROR, "a turn is already running on this thread".into());
                    }
                    Some(Command::Compact { done }) => {
                        let _ = done.send(Err("a turn is running; compact when it has finished".into()));
                    }
                },
                Some((patch, id, decision)) = answered.recv() => {
                    let op = if patch {
                        Op::PatchApproval { id, decision }
                    } else {
                        Op::ExecApproval { id, decision }
                    };
                    let _ = live.codex.submit(op).await;
                }
            }
        };
        for task in asking {
            task.abort();
        }
        if outcome.is_err() {
            self.lost_session();
        }
        outcome
    }

    /// The session ended under the thread: the next turn resumes it from its record.
    fn lost_session(&mut self) {
        if self.live.take().is_some()
            && let Ok(id) = self.thread_id.lock()
            && !id.is_empty()
        {
            self.config.resume_id = Some(id.clone());
        }
    }

    async fn compact(&mut self) -> std::result::Result<(), String> {
        if self.live.is_none() {
            // A new thread has nothing to compact; a resumed one opens its session.
            if self.config.resume_id.is_none() {
                return Ok(());
            }
            let config = self.load_config()?;
            self.open(config)?;
        }
        let Some(live) = self.live.as_mut() else {
            return Ok(());
        };
        live.codex
            .submit(Op::Compact)
            .await
            .map_err(|e| e.to_string())?;
        let mut error = None;
        loop {
            tokio::select! {
                event = live.codex.next_event() => match event.map(|e| e.msg) {
                    None => {
                        self.lost_session();
                        return Err("the session ended unexpectedly".into());
                    }
                    Some(EventMsg::SessionConfigured(configured)) => {
                        live.configured = Some(EventMsg::SessionConfigured(configured));
                    }
                    Some(EventMsg::Error { message, .. }) => error = Some(message),
                    Some(EventMsg::TaskComplete { .. }) | Some(EventMsg::TurnAborted { .. }) => {
                        return match error {
                            Some(message) => Err(message),
                            None => Ok(()),
                        };
                    }
                    Some(_) => {}
                },
                command = self.commands.recv() => match command {
                    Some(Command::Interrupt) => {
                        let _ = live.codex.submit(Op::Interrupt).await;
                    }
                    None | Some(Command::Close) => {
                        self.closing = true;
                        let _ = live.codex.submit(Op::Interrupt).await;
                    }
                    Some(Command::Run { link, .. }) => {
                        link.send(kind::ERROR, "the thread is being compacted; run the turn when that has finished".into());
                    }
                    Some(Command::Compact { done }) => {
                        let _ = done.send(Err("the thread is already being compacted".into()));
                    }
                },
            }
        }
    }
}

/// Asks JavaScript (or, without a callback, declines as `codex exec` does) and hands the
/// decision back to the turn. A throwing or rejecting callback, or an answer not in the list,
/// counts as denied.
fn ask(
    link: &Arc<TurnLink>,
    request: String,
    patch: bool,
    call_id: String,
    answers: mpsc::UnboundedSender<(bool, String, ReviewDecision)>,
) -> JoinHandle<()> {
    let link = link.clone();
    tokio::spawn(async move {
        let decision = match &link.approvals {
            None => NOBODY_ASKED,
            Some(callback) => {
                let answer = async { callback.call_async(request).await?.await };
                match answer.await {
                    Ok(text) => approvals::decision(&text).unwrap_or_else(|| {
                        tracing::warn!(answer = %text, "onApproval answered something not in the list; denied");
                        ReviewDecision::Denied
                    }),
                    Err(e) => {
                        tracing::warn!(error = %e, "onApproval failed; denied");
                        ReviewDecision::Denied
                    }
                }
            }
        };
        let _ = answers.send((patch, call_id, decision));
    })
}

async fn shutdown(mut codex: Codex) {
    if codex.submit(Op::Shutdown).await.is_err() {
        return;
    }
    let wait = async {
        while let Some(event) = codex.next_event().await {
            if matches!(event.msg, EventMsg::ShutdownComplete) {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), wait).await;
}
