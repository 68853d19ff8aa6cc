//! The interactive session: terminal input and the engine's events in one loop. Finished cells
//! go to the scrollback; the viewport below them holds what is still changing (a streaming
//! answer, a running command), the approval prompt or the composer, and the status line.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use codex_config::Config;
use codex_core::Codex;
use codex_protocol::{
    ElicitationAction, EventMsg, McpStartupStatus, Op, ReviewDecision, SessionConfiguredEvent,
    UserInput,
};
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::approval::{ApprovalRequest, ApprovalView};
use crate::cells::{Cell, ExecCell, PatchOutcome, human_duration};
use crate::composer::{Composer, ComposerAction};
use crate::input::Input;
use crate::popup::{self, Popup};
use crate::slash::{self, SlashCommand};
use crate::status::StatusLine;
use crate::terminal::Tui;
use crate::theme::Theme;

/// Two Ctrl-C (or two Esc for editing the last message) within this count as a pair.
const DOUBLE_PRESS: Duration = Duration::from_millis(1500);
/// Redraws per second while something animates (the working indicator).
const TICK: Duration = Duration::from_millis(100);
/// Rows of a streaming answer shown in the viewport; the whole answer lands in the
/// scrollback when it is complete.
const LIVE_ROWS: usize = 12;
/// On the alternate screen there is no scrollback: this many of the newest transcript lines
/// are kept to draw above the live area.
const ALT_SCREEN_LINES: usize = 2000;

pub struct SessionStart {
    pub config: Config,
    pub resume: Option<PathBuf>,
    pub reload: crate::Reload,
}

/// How the loop ended.
pub enum Exit {
    Quit,
    Error(String),
}

pub struct App {
    config: Config,
    reload: crate::Reload,
    /// `-c` overrides the slash commands added (`/model`, `/approvals`), kept across `/new`.
    overrides: Vec<String>,
    theme: Theme,
    codex: Codex,
    session: Option<SessionConfiguredEvent>,
    composer: Composer,
    /// Cells waiting to be written into the scrollback (at the next draw).
    finished: Vec<Cell>,
    /// The answer being streamed.
    streaming: String,
    /// Reasoning being streamed.
    reasoning: String,
    running: HashMap<String, ExecCell>,
    /// Patches being applied, by call id, with their changes.
    patches: HashMap<String, Cell>,
    approval: Option<ApprovalView>,
    queued_approvals: VecDeque<ApprovalRequest>,
    turn_started: Option<Instant>,
    status: StatusLine,
    ctrl_c_at: Option<Instant>,
    esc_at: Option<Instant>,
    /// Messages sent in this session, newest last (Esc Esc edits the last one).
    sent: Vec<String>,
    /// Prompts queued while a turn runs; sent when it ends.
    queued: VecDeque<String>,
    notice: Option<(String, Instant)>,
    popup: Option<Popup>,
    /// The newest transcript lines, on the alternate screen only.
    transcript: VecDeque<Line<'static>>,
    /// `/resume` asked for the session picker (shown by the loop, which holds the terminal).
    picking: bool,
    /// The word whose popup was closed with Esc: it stays closed until the word changes.
    popup_dismissed: Option<String>,
    file_index: Option<std::sync::Arc<codex_search::FileIndex>>,
    /// The file index being built, on a blocking thread, since the first `@`.
    indexing:
        Option<tokio::sync::oneshot::Receiver<Option<std::sync::Arc<codex_search::FileIndex>>>>,
    quit: bool,
    shutting_down: bool,
}

impl App {
    pub fn new(start: SessionStart, theme: Theme) -> Result<Self, String> {
        let SessionStart {
            config,
            resume,
            reload,
        } = start;
        let codex = Codex::start(
            config.clone(),
            codex_core::SessionOptions {
                resume,
                ..Default::default()
            },
        )
        .map_err(|e| e.to_string())?;
        // Syntax definitions load in the background, so the first code block is quick; without
        // colour nothing is highlighted and they are never needed.
        if theme.color {
            let _ = std::thread::Builder::new()
                .name("highlight-warm-up".into())
                .spawn(crate::highlight::warm_up);
        }
        let mut composer = Composer::new();
        composer.set_placeholder("Ask anything, / for commands, @ for files");
        composer.set_history(crate::history::load(&config));
        // A live broker account changes what the agent may do; say so before anything else.
        let finished: Vec<Cell> = config
            .jgt
            .live_notice()
            .map(|message| Cell::Warning { message })
            .into_iter()
            .collect();
        Ok(App {
            status: StatusLine::new(&config),
            config,
            reload,
            overrides: Vec::new(),
            theme,
            codex,
            session: None,
            composer,
            finished,
            streaming: String::new(),
            reasoning: String::new(),
            running: HashMap::new(),
            patches: HashMap::new(),
            approval: None,
            queued_approvals: VecDeque::new(),
            turn_started: None,
            ctrl_c_at: None,
            esc_at: None,
            sent: Vec::new(),
            queued: VecDeque::new(),
            notice: None,
            popup: None,
            transcript: VecDeque::new(),
            picking: false,
            popup_dismissed: None,
            file_index: None,
            indexing: None,
            quit: false,
            shutting_down: false,
        })
    }

    pub fn session_id(&self) -> String {
        self.codex.session_id().to_string()
    }

    pub async fn run(
        mut self,
        tui: &mut Tui,
        input: &mut Input,
        first_prompt: Option<String>,
        images: Vec<PathBuf>,
    ) -> Exit {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        if let Some(prompt) = first_prompt.filter(|p| !p.trim().is_empty()) {
            self.send_message(prompt, images).await;
        }
        loop {
            if let Err(e) = self.draw(tui) {
                return Exit::Error(format!("cannot draw: {e}"));
            }
            if self.quit {
                return Exit::Quit;
            }
            if std::mem::take(&mut self.picking) {
                match crate::picker::pick(tui, input, &self.config, false, &self.theme).await {
                    Ok(Some(path)) => self.restart(Some(path)).await,
                    Ok(None) => {}
                    Err(message) => self.finished.push(Cell::Warning { message }),
                }
                continue;
            }
            tokio::select! {
                event = input.next() => match event {
                    Some(Ok(event)) => self.on_terminal(event, tui, input).await,
                    Some(Err(e)) => return Exit::Error(format!("cannot read the terminal: {e}")),
                    None => return Exit::Quit,
                },
                event = self.codex.next_event() => match event {
                    Some(event) => self.on_event(event.msg).await,
                    None => {
                        if self.shutting_down {
                            return Exit::Quit;
                        }
                        return Exit::Error("the session ended unexpectedly".into());
                    }
                },
                _ = tick.tick(), if self.animating() => {}
                index = async {
                    match self.indexing.as_mut() {
                        Some(rx) => rx.await.ok().flatten(),
                        None => std::future::pending().await,
                    }
                }, if self.indexing.is_some() => {
                    self.indexing = None;
                    self.file_index = index;
                    self.refresh_popup();
                }
            }
        }
    }

    fn animating(&self) -> bool {
        self.turn_started.is_some() || self.notice.is_some() || self.ctrl_c_at.is_some()
    }

    async fn submit(&mut self, op: Op) {
        if let Err(e) = self.codex.submit(op).await {
            self.finished.push(Cell::Error {
                message: e.to_string(),
            });
        }
    }

    // ---- terminal input -------------------------------------------------------------------

    async fn on_terminal(&mut self, event: TermEvent, tui: &mut Tui, input: &Input) {
        match event {
            TermEvent::Key(key) if key.kind != KeyEventKind::Release => {
                self.on_key(key, tui, input).await
            }
            TermEvent::Paste(text) if self.approval.is_none() => {
                self.composer.handle_paste(text);
                self.refresh_popup();
            }
            // The next draw fits the viewport to the new size.
            TermEvent::Resize(..) => {}
            _ => {}
        }
    }

    async fn on_key(&mut self, key: KeyEvent, tui: &mut Tui, input: &Input) {
        #[cfg(unix)]
        if key.code == KeyCode::Char('z') && key.modifiers.contains(KeyModifiers::CONTROL) {
            input.pause();
            let suspended = tui.suspend();
            input.resume();
            if let Err(e) = suspended {
                self.finished.push(Cell::Error {
                    message: format!("cannot suspend: {e}"),
                });
            }
            return;
        }
        #[cfg(not(unix))]
        let _ = (&tui, input);
        if let Some(view) = self.approval.as_mut() {
            if let Some(decision) = view.handle_key(key) {
                self.answer_approval(decision).await;
            }
            return;
        }
        if self.popup_key(key) {
            return;
        }
        let action = self.composer.handle_key(key);
        self.refresh_popup();
        match action {
            ComposerAction::Submit(text) => self.on_submit(text).await,
            ComposerAction::Interrupt => self.on_escape().await,
            ComposerAction::Escape if self.turn_started.is_some() => {
                self.submit(Op::Interrupt).await;
            }
            ComposerAction::CtrlC => self.on_ctrl_c().await,
            ComposerAction::Quit => self.begin_quit().await,
            _ => {}
        }
    }

    /// Keys the completion popup takes: arrows move, Tab or Enter take the choice, Esc closes.
    fn popup_key(&mut self, key: KeyEvent) -> bool {
        let Some(popup) = self.popup.as_mut() else {
            return false;
        };
        match key.code {
            KeyCode::Up => popup.up(),
            KeyCode::Down => popup.down(),
            KeyCode::Tab | KeyCode::Enter if popup.chosen().is_some() => {
                let insert = popup
                    .chosen()
                    .map(|item| item.insert.clone())
                    .unwrap_or_default();
                // Enter on a complete command name runs it, as if the popup were not there.
                let exact_command = key.code == KeyCode::Enter
                    && self
                        .composer
                        .current_token()
                        .is_some_and(|t| format!("/{} ", t.query) == insert);
                if exact_command {
                    self.popup = None;
                    return false;
                }
                self.composer.replace_current_token(&insert);
                self.popup = None;
                self.popup_dismissed = None;
            }
            KeyCode::Esc => {
                self.popup_dismissed = self.composer.current_token().map(|t| t.query);
                self.popup = None;
            }
            _ => return false,
        }
        true
    }

    fn refresh_popup(&mut self) {
        let Some(token) = self.composer.current_token() else {
            self.popup = None;
            self.popup_dismissed = None;
            return;
        };
        if self.popup_dismissed.as_deref() == Some(token.query.as_str()) {
            return;
        }
        self.popup_dismissed = None;
        if token.kind == crate::composer::TokenKind::Mention
            && self.file_index.is_none()
            && self.indexing.is_none()
        {
            let (tx, rx) = tokio::sync::oneshot::channel();
            let root = self.config.cwd.clone();
            tokio::task::spawn_blocking(move || {
                let _ = tx.send(popup::build_index(&root));
            });
            self.indexing = Some(rx);
        }
        let selected = self.popup.as_ref().map_or(0, |p| p.selected);
        let mut next = popup::for_token(&token, &self.config.codex_home, self.file_index.as_ref());
        next.selected = selected.min(next.items.len().saturating_sub(1));
        self.popup = Some(next);
    }

    async fn on_escape(&mut self) {
        if self.turn_started.is_some() {
            self.submit(Op::Interrupt).await;
            return;
        }
        let now = Instant::now();
        match self.esc_at {
            Some(at) if now.duration_since(at) < DOUBLE_PRESS => {
                self.esc_at = None;
                if let Some(last) = self.sent.last().cloned() {
                    self.composer.set_text(&last);
                    self.flash("Editing your last message; Enter sends it again");
                }
            }
            _ => {
                self.esc_at = Some(now);
                if !self.sent.is_empty() {
                    self.flash("Esc again to edit your last message");
                }
            }
        }
    }

    async fn on_ctrl_c(&mut self) {
        if !self.composer.is_empty() {
            self.composer.set_text("");
            return;
        }
        if self.turn_started.is_some() {
            self.submit(Op::Interrupt).await;
        }
        let now = Instant::now();
        match self.ctrl_c_at {
            Some(at) if now.duration_since(at) < DOUBLE_PRESS => self.begin_quit().await,
            _ => {
                self.ctrl_c_at = Some(now);
                self.flash("Ctrl-C again to quit");
            }
        }
    }

    async fn begin_quit(&mut self) {
        if self.shutting_down {
            self.quit = true;
            return;
        }
        self.shutting_down = true;
        if self.turn_started.is_some() {
            self.submit(Op::Interrupt).await;
        }
        if self.codex.submit(Op::Shutdown).await.is_err() {
            self.quit = true;
        }
    }

    fn flash(&mut self, text: &str) {
        self.notice = Some((text.to_string(), Instant::now()));
    }

    async fn on_submit(&mut self, text: String) {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return;
        }
        if trimmed.starts_with('/') && !trimmed.starts_with("//") {
            match slash::parse(trimmed, &self.config.codex_home) {
                Ok(command) => self.run_slash(command).await,
                Err(message) => self.finished.push(Cell::Warning { message }),
            }
            return;
        }
        if let Some(command) = trimmed.strip_prefix('!') {
            let command = command.trim().to_string();
            if command.is_empty() {
                self.finished.push(Cell::Warning {
                    message: "type a command after `!`, like `!ls`".into(),
                });
            } else if self.turn_started.is_some() {
                self.refuse_while_busy("`!` commands are");
            } else {
                self.composer.push_history(trimmed);
                self.turn_started = Some(Instant::now());
                self.submit(Op::UserShellCommand { command }).await;
            }
            return;
        }
        if self.turn_started.is_some() {
            self.queued.push_back(text);
            self.flash("Queued; it is sent when the current turn ends");
            return;
        }
        self.send_message(text, Vec::new()).await;
    }

    async fn send_message(&mut self, text: String, images: Vec<PathBuf>) {
        self.finished.push(Cell::User { text: text.clone() });
        self.sent.push(text.clone());
        self.composer.push_history(&text);
        let mut items: Vec<UserInput> = images
            .into_iter()
            .map(|path| UserInput::LocalImage { path })
            .collect();
        items.push(UserInput::Text { text });
        self.turn_started = Some(Instant::now());
        self.submit(Op::UserTurn {
            items,
            final_output_json_schema: None,
            cyber_access_program: None,
        })
        .await;
    }

    async fn run_slash(&mut self, command: SlashCommand) {
        let busy = self.turn_started.is_some();
        match command {
            SlashCommand::Quit => self.begin_quit().await,
            SlashCommand::Status => {
                let lines = self
                    .status
                    .report(&self.config, self.session.as_ref(), &self.theme);
                self.finished.push(Cell::Info { lines });
            }
            SlashCommand::Mcp => self.submit(Op::ListMcpTools).await,
            SlashCommand::Compact if busy => self.refuse_while_busy("/compact"),
            SlashCommand::Compact => {
                self.turn_started = Some(Instant::now());
                self.submit(Op::Compact).await;
            }
            SlashCommand::Diff => {
                let lines = crate::diff::git_diff_lines(&self.config.cwd, &self.theme).await;
                self.finished.push(Cell::Info { lines });
            }
            SlashCommand::Init if busy => self.refuse_while_busy("/init"),
            SlashCommand::Init => {
                if self.config.cwd.join("AGENTS.md").exists() {
                    self.finished.push(Cell::Warning {
                        message: "AGENTS.md already exists here; /init leaves it alone".into(),
                    });
                } else {
                    self.send_message(slash::INIT_PROMPT.to_string(), Vec::new())
                        .await;
                }
            }
            SlashCommand::New if busy => self.refuse_while_busy("/new"),
            SlashCommand::New => self.restart(None).await,
            SlashCommand::Resume if busy => self.refuse_while_busy("/resume"),
            SlashCommand::Resume => self.picking = true,
            SlashCommand::Prompt { text, .. } => {
                if busy {
                    self.queued.push_back(text);
                } else {
                    self.send_message(text, Vec::new()).await;
                }
            }
            SlashCommand::Model(None) => {
                let lines = vec![Line::from(vec![
                    Span::styled("• ", self.theme.accent()),
                    Span::raw(format!("model: {}", self.status.model)),
                    Span::styled(
                        "  (/model NAME switches; the conversation goes on)",
                        self.theme.dim(),
                    ),
                ])];
                self.finished.push(Cell::Info { lines });
            }
            SlashCommand::Approvals(None) => {
                let lines = vec![Line::from(vec![
                    Span::styled("• ", self.theme.accent()),
                    Span::raw(format!(
                        "approval policy: {} · sandbox: {}",
                        self.status.approval, self.status.sandbox
                    )),
                    Span::styled(
                        "  (/approvals untrusted|on-failure|on-request|never switches)",
                        self.theme.dim(),
                    ),
                ])];
                self.finished.push(Cell::Info { lines });
            }
            SlashCommand::SecondOpinion(None) => {
                let now = match &self.config.second_opinion {
                    Some(s) => format!(
                        "second opinion: profile {} ({}) reviews each turn",
                        s.profile, s.model
                    ),
                    None => "second opinion: off".to_string(),
                };
                let lines = vec![Line::from(vec![
                    Span::styled("• ", self.theme.accent()),
                    Span::raw(now),
                    Span::styled(
                        "  (/second-opinion PROFILE turns it on, /second-opinion off stops it)",
                        self.theme.dim(),
                    ),
                ])];
                self.finished.push(Cell::Info { lines });
            }
            SlashCommand::Model(Some(_))
            | SlashCommand::Approvals(Some(_))
            | SlashCommand::SecondOpinion(Some(_))
                if busy =>
            {
                self.refuse_while_busy("switching the model, the approvals or the second opinion")
            }
            SlashCommand::SecondOpinion(Some(profile)) if profile == "off" => {
                self.switch(
                    "second_opinion.profile=\"\"".to_string(),
                    "Second opinion: off".to_string(),
                )
                .await;
            }
            SlashCommand::SecondOpinion(Some(profile)) => {
                let value = serde_json::Value::String(profile.clone()).to_string();
                self.switch(
                    format!("second_opinion.profile={value}"),
                    format!("Second opinion: the model of profile {profile} reviews each turn"),
                )
                .await;
            }
            SlashCommand::Model(Some(model)) => {
                let value = serde_json::Value::String(model.clone()).to_string();
                self.switch(format!("model={value}"), format!("Model: {model}"))
                    .await;
            }
            SlashCommand::Approvals(Some(policy)) => {
                self.switch(
                    format!("approval_policy=\"{policy}\""),
                    format!("Approval policy: {policy}"),
                )
                .await;
            }
        }
    }

    /// Continues the conversation in a session loaded with one more `-c` override: the same
    /// history (resumed from its record), the new setting.
    async fn switch(&mut self, override_text: String, done: String) {
        let mut overrides = self.overrides.clone();
        overrides.push(override_text);
        let config = match (self.reload)(&overrides) {
            Ok(config) => config,
            Err(message) => {
                self.finished.push(Cell::Error { message });
                return;
            }
        };
        // A session with nothing said yet has nothing recorded to continue.
        let resume = self
            .codex
            .rollout_path()
            .filter(|path| path.exists())
            .map(PathBuf::from);
        self.overrides = overrides;
        self.config = config;
        self.restart(resume).await;
        self.status = StatusLine::new(&self.config);
        let lines = vec![Line::from(vec![
            Span::styled("• ", self.theme.accent()),
            Span::raw(done),
        ])];
        self.finished.push(Cell::Info { lines });
    }

    fn refuse_while_busy(&mut self, what: &str) {
        let verb = if what.ends_with(" are") { "" } else { " is" };
        self.finished.push(Cell::Warning {
            message: format!("{what}{verb} not available while a turn runs; Esc stops it"),
        });
    }

    /// A new session with the same settings (`/new`).
    async fn restart(&mut self, resume: Option<PathBuf>) {
        let _ = self.codex.submit(Op::Shutdown).await;
        match Codex::start(
            self.config.clone(),
            codex_core::SessionOptions {
                resume,
                ..Default::default()
            },
        ) {
            Ok(codex) => {
                self.codex = codex;
                self.session = None;
                self.sent.clear();
                self.status.reset_usage();
            }
            Err(e) => self.finished.push(Cell::Error {
                message: e.to_string(),
            }),
        }
    }

    async fn answer_approval(&mut self, decision: ReviewDecision) {
        let Some(view) = self.approval.take() else {
            return;
        };
        let op = match &view.request {
            ApprovalRequest::Exec { id, .. } => Op::ExecApproval {
                id: id.clone(),
                decision,
            },
            ApprovalRequest::Patch { id, changes, .. } => {
                if matches!(decision, ReviewDecision::Denied | ReviewDecision::Abort) {
                    self.finished.push(Cell::Patch {
                        changes: changes.clone(),
                        outcome: PatchOutcome::Declined,
                        cwd: self.config.cwd.clone(),
                    });
                }
                Op::PatchApproval {
                    id: id.clone(),
                    decision,
                }
            }
            ApprovalRequest::Mcp { id, .. } => Op::McpToolApproval {
                id: id.clone(),
                decision,
            },
            ApprovalRequest::Elicitation { id, server, .. } => Op::ResolveElicitation {
                server_name: server.clone(),
                id: id.clone(),
                decision: match decision {
                    ReviewDecision::Approved | ReviewDecision::ApprovedForSession => {
                        ElicitationAction::Accept
                    }
                    ReviewDecision::Denied => ElicitationAction::Decline,
                    ReviewDecision::Abort => ElicitationAction::Cancel,
                },
                content: matches!(
                    decision,
                    ReviewDecision::Approved | ReviewDecision::ApprovedForSession
                )
                .then(|| serde_json::json!({})),
            },
        };
        if let (
            ApprovalRequest::Exec { command, .. },
            ReviewDecision::Denied | ReviewDecision::Abort,
        ) = (&view.request, decision)
        {
            self.finished.push(Cell::Warning {
                message: format!(
                    "You declined to run {}",
                    crate::cells::display_command(command)
                ),
            });
        }
        self.submit(op).await;
        self.approval = self.queued_approvals.pop_front().map(ApprovalView::new);
    }

    fn ask(&mut self, request: ApprovalRequest) {
        crate::notify::notify(
            &self.config,
            crate::notify::APPROVAL_REQUESTED,
            "Codex wants your approval",
        );
        if self.approval.is_none() {
            self.approval = Some(ApprovalView::new(request));
        } else {
            self.queued_approvals.push_back(request);
        }
    }

    // ---- engine events --------------------------------------------------------------------

    async fn on_event(&mut self, msg: EventMsg) {
        match msg {
            EventMsg::SessionConfigured(configured) => {
                self.status.configured(&configured);
                self.finished.push(Cell::Header {
                    version: env!("CARGO_PKG_VERSION").to_string(),
                    model: configured.model.clone(),
                    cwd: configured.cwd.clone(),
                    approval: configured.approval_policy.to_string(),
                    sandbox: self.status.sandbox.clone(),
                });
                self.session = Some(configured);
            }
            EventMsg::TaskStarted { .. } => {
                self.turn_started.get_or_insert_with(Instant::now);
            }
            EventMsg::AgentMessageDelta { delta } => self.streaming.push_str(&delta),
            EventMsg::AgentMessage { message } => {
                self.streaming.clear();
                self.flush_reasoning();
                self.finished.push(Cell::Agent { text: message });
            }
            EventMsg::AgentReasoningDelta { delta } => {
                if !self.config.hide_agent_reasoning {
                    self.reasoning.push_str(&delta);
                }
            }
            EventMsg::AgentReasoning { text } => {
                self.reasoning.clear();
                if !self.config.hide_agent_reasoning {
                    self.finished.push(Cell::Reasoning { text });
                }
            }
            EventMsg::ExecCommandBegin(begin) => {
                self.flush_reasoning();
                self.running.insert(
                    begin.call_id.clone(),
                    ExecCell::new(begin.call_id, &begin.command),
                );
            }
            EventMsg::ExecCommandOutputDelta(delta) => {
                if let Some(exec) = self.running.get_mut(&delta.call_id) {
                    exec.output.push_str(&String::from_utf8_lossy(&delta.chunk));
                    // Only the tail is shown while it runs; the full output is in the end event.
                    if exec.output.len() > 64 * 1024 {
                        let cut = exec.output.len() - 32 * 1024;
                        let cut = (cut..exec.output.len())
                            .find(|i| exec.output.is_char_boundary(*i))
                            .unwrap_or(exec.output.len());
                        exec.output.drain(..cut);
                    }
                }
            }
            EventMsg::ExecCommandEnd(end) => {
                let mut exec = self
                    .running
                    .remove(&end.call_id)
                    .unwrap_or_else(|| ExecCell::new(end.call_id.clone(), &end.command));
                exec.output = end.aggregated_output;
                exec.exit_code = Some(end.exit_code);
                exec.duration = Some(Duration::from_millis(end.duration_ms));
                exec.timed_out = end.timed_out;
                self.finished.push(Cell::Exec(exec));
            }
            EventMsg::PlanUpdate(plan) => self.finished.push(Cell::Plan {
                explanation: plan.explanation,
                steps: plan.plan,
            }),
            EventMsg::ExecApprovalRequest(request) => self.ask(ApprovalRequest::Exec {
                id: request.call_id,
                command: request.command,
                cwd: request.cwd,
                reason: request.reason,
            }),
            EventMsg::ApplyPatchApprovalRequest(request) => self.ask(ApprovalRequest::Patch {
                id: request.call_id,
                changes: request.changes,
                reason: request.reason,
                grant_root: request.grant_root,
                cwd: self.config.cwd.clone(),
            }),
            EventMsg::McpToolApprovalRequest(request) => self.ask(ApprovalRequest::Mcp {
                id: request.call_id,
                server: request.invocation.server,
                tool: request.invocation.tool,
                arguments: request
                    .invocation
                    .arguments
                    .map(|a| a.to_string())
                    .unwrap_or_default(),
                description: request.description,
            }),
            EventMsg::ElicitationRequest(request) => self.ask(ApprovalRequest::Elicitation {
                id: request.id,
                server: request.server_name,
                message: request.message,
            }),
            EventMsg::McpStartupUpdate(update) => {
                if let McpStartupStatus::Failed { error } = update.status {
                    self.finished.push(Cell::Warning {
                        message: format!("MCP server `{}` failed to start: {error}", update.server),
                    });
                }
            }
            EventMsg::McpStartupComplete(_) | EventMsg::McpToolCallBegin(_) => {}
            EventMsg::McpListToolsResponse { servers } => {
                self.finished.push(Cell::Info {
                    lines: crate::mcp::server_lines(&servers, &self.theme),
                });
            }
            EventMsg::McpToolCallEnd(end) => {
                self.flush_reasoning();
                self.finished.push(Cell::Info {
                    lines: crate::mcp::call_lines(&end, &self.theme),
                });
            }
            EventMsg::PatchApplyBegin(begin) => {
                self.patches.insert(
                    begin.call_id,
                    Cell::Patch {
                        changes: begin.changes,
                        outcome: PatchOutcome::Applying,
                        cwd: self.config.cwd.clone(),
                    },
                );
            }
            EventMsg::PatchApplyEnd(end) => {
                if let Some(Cell::Patch { changes, cwd, .. }) = self.patches.remove(&end.call_id) {
                    let outcome = if end.success {
                        PatchOutcome::Applied
                    } else {
                        PatchOutcome::Failed(if end.stderr.trim().is_empty() {
                            end.stdout
                        } else {
                            end.stderr
                        })
                    };
                    self.finished.push(Cell::Patch {
                        changes,
                        outcome,
                        cwd,
                    });
                }
            }
            EventMsg::TurnDiff { .. } => {}
            EventMsg::TokenCount { info } => {
                if let Some(info) = info {
                    self.status.tokens(&info);
                }
            }
            EventMsg::Error { message, .. } => self.finished.push(Cell::Error { message }),
            EventMsg::Warning { message } => self.finished.push(Cell::Warning { message }),
            EventMsg::StreamError { message } => {
                self.notice = Some((message, Instant::now()));
            }
            EventMsg::ContextCompacted => self.finished.push(Cell::Info {
                lines: vec![Line::from(vec![
                    Span::styled("• ", self.theme.accent()),
                    Span::raw("Context compacted: the conversation so far was summarised"),
                ])],
            }),
            // The review itself arrives as the agent's message.
            EventMsg::EnteredReviewMode(_) | EventMsg::ExitedReviewMode(_) => {}
            EventMsg::SecondOpinion(e) => {
                let verdict = match (&e.error, e.verdict) {
                    (Some(error), _) => format!("the reviewer failed: {error}"),
                    (None, Some(codex_protocol::SecondOpinionVerdict::Agree)) => "agree".into(),
                    (None, _) => "concerns".into(),
                };
                let mut lines = vec![Line::from(vec![
                    Span::styled("• ", self.theme.accent()),
                    Span::raw(format!("Second opinion ({}): {verdict}", e.model)),
                ])];
                for c in &e.concerns {
                    let place = match (&c.file, c.line) {
                        (Some(file), Some(line)) => format!("{file}:{line}: "),
                        (Some(file), None) => format!("{file}: "),
                        _ => String::new(),
                    };
                    lines.push(Line::from(format!("  - {place}{}", c.text)));
                }
                self.finished.push(Cell::Info { lines });
            }
            EventMsg::TaskComplete { cost_usd, .. } => {
                self.end_turn();
                if let Some(cost) = cost_usd {
                    self.status.add_cost(cost);
                }
                crate::notify::notify(
                    &self.config,
                    crate::notify::TURN_COMPLETE,
                    "Codex finished the turn",
                );
                if let Some(next) = self.queued.pop_front() {
                    self.send_message(next, Vec::new()).await;
                }
            }
            EventMsg::TurnAborted { .. } => {
                self.end_turn();
                self.finished.push(Cell::Error {
                    message: "Interrupted. Tell the agent what to do differently.".into(),
                });
                if self.shutting_down {
                    return;
                }
                if let Some(next) = self.queued.pop_front() {
                    self.send_message(next, Vec::new()).await;
                }
            }
            EventMsg::ShutdownComplete => self.quit = true,
        }
    }

    fn flush_reasoning(&mut self) {
        if !self.reasoning.trim().is_empty() && !self.config.hide_agent_reasoning {
            let text = std::mem::take(&mut self.reasoning);
            self.finished.push(Cell::Reasoning { text });
        }
        self.reasoning.clear();
    }

    fn end_turn(&mut self) {
        self.turn_started = None;
        self.flush_reasoning();
        if !self.streaming.trim().is_empty() {
            let text = std::mem::take(&mut self.streaming);
            self.finished.push(Cell::Agent { text });
        }
        self.streaming.clear();
        for (_, exec) in self.running.drain() {
            self.finished.push(Cell::Exec(exec));
        }
        self.approval = None;
        self.queued_approvals.clear();
    }

    // ---- drawing --------------------------------------------------------------------------

    fn live_lines(&self, width: u16) -> Vec<Line<'static>> {
        let mut lines = Vec::new();
        if !self.reasoning.trim().is_empty() {
            let cell = Cell::Reasoning {
                text: self.reasoning.clone(),
            };
            lines.extend(tail(cell.lines(width, &self.theme), 3));
        }
        if !self.streaming.is_empty() {
            let cell = Cell::Agent {
                text: self.streaming.clone(),
            };
            lines.extend(tail(cell.lines(width, &self.theme), LIVE_ROWS));
        }
        let mut running: Vec<&ExecCell> = self.running.values().collect();
        running.sort_by(|a, b| a.call_id.cmp(&b.call_id));
        for exec in running {
            lines.extend(Cell::Exec(exec.clone()).live_lines(width, &self.theme));
        }
        lines
    }

    fn working_line(&self) -> Option<Line<'static>> {
        let started = self.turn_started?;
        let elapsed = started.elapsed();
        const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
        let frame = if self.config.tui.animations {
            FRAMES[(elapsed.as_millis() / 100) as usize % FRAMES.len()]
        } else {
            "•"
        };
        Some(Line::from(vec![
            Span::styled(format!("{frame} "), self.theme.accent()),
            Span::styled("Working", self.theme.bold()),
            Span::styled(
                format!(" ({} · Esc to interrupt)", human_duration_secs(elapsed)),
                self.theme.dim(),
            ),
        ]))
    }

    fn draw(&mut self, tui: &mut Tui) -> std::io::Result<()> {
        let screen = tui.size()?;
        let width = screen.width.max(1);
        if !self.finished.is_empty() {
            let mut lines = Vec::new();
            for cell in std::mem::take(&mut self.finished) {
                if !lines.is_empty() || !matches!(cell, Cell::Header { .. }) {
                    lines.push(Line::default());
                }
                lines.extend(cell.lines(width, &self.theme));
            }
            if tui.alt_screen() {
                self.transcript.extend(lines);
                while self.transcript.len() > ALT_SCREEN_LINES {
                    self.transcript.pop_front();
                }
            } else {
                tui.insert_lines(lines)?;
            }
        }
        if let Some((_, at)) = &self.notice
            && at.elapsed() > Duration::from_secs(4)
        {
            self.notice = None;
        }
        if let Some(at) = self.ctrl_c_at
            && at.elapsed() > DOUBLE_PRESS
        {
            self.ctrl_c_at = None;
        }

        let live = self.live_lines(width);
        let working = self.working_line();
        let approval = self.approval.as_ref().map(|v| v.lines(&self.theme));
        let popup_lines = match (&self.popup, &approval) {
            (Some(popup), None) => popup.lines(&self.theme),
            _ => Vec::new(),
        };
        let live_height = paragraph_height(&live, width);
        let approval_height = approval.as_ref().map_or(0, |l| paragraph_height(l, width));
        let composer_height = if approval.is_some() {
            0
        } else {
            self.composer.desired_height(width)
        };
        let footer = self.footer_line();
        let blank_above = u16::from(live_height > 0 || working.is_some());
        let popup_height = u16::try_from(popup_lines.len()).unwrap_or(u16::MAX);
        let wanted = live_height
            + u16::from(working.is_some())
            + approval_height
            + composer_height
            + popup_height
            + 1
            + blank_above;
        // Never more than the screen; what does not fit is the live part's top.
        let height = wanted.min(screen.height.max(1));
        tui.set_height(height)?;
        tui.draw(|frame| {
            self.render(
                frame,
                live,
                working,
                approval,
                composer_height,
                (popup_lines, footer),
            )
        })
    }

    fn footer_line(&self) -> Line<'static> {
        if let Some((text, _)) = &self.notice {
            return Line::from(Span::styled(format!("  {text}"), self.theme.dim()));
        }
        self.status.line(&self.theme)
    }

    fn render(
        &self,
        frame: &mut Frame,
        live: Vec<Line<'static>>,
        working: Option<Line<'static>>,
        approval: Option<Vec<Line<'static>>>,
        composer_height: u16,
        (popup_lines, footer): (Vec<Line<'static>>, Line<'static>),
    ) {
        let area = frame.area();
        let mut bottom = area.bottom();
        // Footer on the last row, completions above it (under the composer).
        bottom = bottom.saturating_sub(1);
        frame.render_widget(
            Paragraph::new(footer),
            Rect::new(area.x, bottom, area.width, 1),
        );
        if !popup_lines.is_empty() {
            let h = u16::try_from(popup_lines.len())
                .unwrap_or(u16::MAX)
                .min(bottom.saturating_sub(area.y));
            bottom = bottom.saturating_sub(h);
            frame.render_widget(
                Paragraph::new(popup_lines),
                Rect::new(area.x, bottom, area.width, h),
            );
        }
        if let Some(lines) = approval {
            let h = paragraph_height(&lines, area.width).min(bottom.saturating_sub(area.y));
            bottom = bottom.saturating_sub(h);
            frame.render_widget(
                Paragraph::new(lines).wrap(Wrap { trim: false }),
                Rect::new(area.x, bottom, area.width, h),
            );
        } else {
            let h = composer_height.min(bottom.saturating_sub(area.y));
            bottom = bottom.saturating_sub(h);
            let rect = Rect::new(area.x, bottom, area.width, h);
            if let Some((x, y)) = self.composer.render(rect, frame.buffer_mut()) {
                frame.set_cursor_position((x, y));
            }
        }
        if let Some(line) = working
            && bottom > area.y
        {
            bottom -= 1;
            frame.render_widget(
                Paragraph::new(line),
                Rect::new(area.x, bottom, area.width, 1),
            );
        }
        if !self.transcript.is_empty() {
            // The alternate screen: the transcript's newest lines fill what is left above.
            let mut all: Vec<Line<'static>> = self.transcript.iter().cloned().collect();
            if !live.is_empty() {
                all.push(Line::default());
                all.extend(live);
            }
            let space = bottom.saturating_sub(area.y).saturating_sub(1);
            let paragraph = Paragraph::new(all).wrap(Wrap { trim: false });
            let h = u16::try_from(paragraph.line_count(area.width)).unwrap_or(u16::MAX);
            frame.render_widget(
                paragraph.scroll((h.saturating_sub(space), 0)),
                Rect::new(area.x, area.y, area.width, space.min(h)),
            );
            return;
        }
        if !live.is_empty() && bottom > area.y {
            // Leave a blank row between the live output and the working line.
            let space = bottom.saturating_sub(area.y).saturating_sub(1);
            let h = paragraph_height(&live, area.width);
            let paragraph = Paragraph::new(live).wrap(Wrap { trim: false });
            // Show the end of what does not fit.
            let scroll = h.saturating_sub(space);
            frame.render_widget(
                paragraph.scroll((scroll, 0)),
                Rect::new(area.x, area.y, area.width, space.min(h)),
            );
        }
    }
}

fn paragraph_height(lines: &[Line<'static>], width: u16) -> u16 {
    if lines.is_empty() {
        return 0;
    }
    let count = Paragraph::new(lines.to_vec())
        .wrap(Wrap { trim: false })
        .line_count(width.max(1));
    u16::try_from(count).unwrap_or(u16::MAX)
}

fn tail(mut lines: Vec<Line<'static>>, n: usize) -> Vec<Line<'static>> {
    if lines.len() > n {
        lines.drain(..lines.len() - n);
    }
    lines
}

fn human_duration_secs(d: Duration) -> String {
    if d.as_secs() < 60 {
        format!("{}s", d.as_secs())
    } else {
        human_duration(d)
    }
}
