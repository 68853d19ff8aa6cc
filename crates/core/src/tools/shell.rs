//! `shell`: run a command and tell the model what happened.

use std::path::PathBuf;
use std::time::Duration;

use codex_apply_patch::{looks_like_patch_call, parse_shell_invocation};
use codex_process::{
    DEFAULT_TIMEOUT_MS, ExecOutput, ExecRequest, SpawnError, create_env, put_bundled_path_first,
    truncate_for_model,
};
use codex_protocol::{
    EventMsg, ExecApprovalRequestEvent, ExecCommandBeginEvent, ExecCommandEndEvent,
    ExecCommandOutputDeltaEvent, ExecOutputStream, SandboxPolicy,
};
use codex_providers::ToolSpec;
use codex_safety::{CommandRequest, SafetyCheck, assess_command, session_key};
use codex_sandbox::{SandboxType, wrap_command};
use codex_secrets::{Redactor, StreamRedactor};
use futures_util::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

use super::orchestrator::{Action, Outcome, orchestrate};
use super::{ToolCall, ToolHandler, ToolOutput, TurnContext, parse_arguments};
use crate::audit::{ApprovedBy, Subject};
use crate::state::Session;

/// Live output events per command; the end event still carries everything.
const MAX_DELTA_EVENTS: usize = 10_000;

fn spec() -> ToolSpec {
    ToolSpec::Function {
        name: "shell".into(),
        description: "Runs a shell command and returns its output.".into(),
        parameters: json!({
            "type": "object",
            "properties": {
                "command": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "The command to execute"
                },
                "workdir": {
                    "type": "string",
                    "description": "The working directory to execute the command in"
                },
                "timeout_ms": {
                    "type": "number",
                    "description": "The timeout for the command in milliseconds"
                },
                "with_escalated_permissions": {
                    "type": "boolean",
                    "description": "Whether to request escalated permissions. Set to true if command needs to be run without sandbox restrictions"
                },
                "justification": {
                    "type": "string",
                    "description": "Only set if with_escalated_permissions is true. 1-sentence explanation of why we want to run this command."
                }
            },
            "required": ["command"],
            "additionalProperties": false
        }),
    }
}

#[derive(Debug, Deserialize)]
struct ShellParams {
    command: Vec<String>,
    workdir: Option<String>,
    timeout_ms: Option<u64>,
    #[serde(default)]
    with_escalated_permissions: Option<bool>,
    #[serde(default)]
    justification: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ShellCommandParams {
    command: String,
    workdir: Option<String>,
    timeout_ms: Option<u64>,
    login: Option<bool>,
    #[serde(default)]
    with_escalated_permissions: Option<bool>,
    #[serde(default)]
    justification: Option<String>,
}

/// One command call, as the model asked for it.
struct CommandCall {
    argv: Vec<String>,
    workdir: Option<String>,
    timeout_ms: Option<u64>,
    escalate: bool,
    justification: Option<String>,
}

/// `shell`: argv, run as given.
pub(crate) struct ShellTool;

impl ToolHandler for ShellTool {
    fn spec(&self) -> ToolSpec {
        spec()
    }

    fn handle<'a>(&'a self, call: ToolCall<'a>) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            let p: ShellParams = match parse_arguments(&call) {
                Ok(p) => p,
                Err(e) => return e,
            };
            let command = CommandCall {
                argv: p.command,
                workdir: p.workdir,
                timeout_ms: p.timeout_ms,
                escalate: p.with_escalated_permissions.unwrap_or(false),
                justification: p.justification,
            };
            run_command(call.turn, call.call_id, command).await
        })
    }
}

/// `shell_command`: a script run through the user's shell.
pub(crate) struct ShellCommandTool;

impl ToolHandler for ShellCommandTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec::Function {
            name: "shell_command".into(),
            description: "Runs a shell script in the user's default shell and returns its output."
                .into(),
            parameters: json!({
                "type": "object",
                "properties": {
                    "command": {"type": "string", "description": "The shell script to execute"},
                    "workdir": {"type": "string", "description": "The working directory to execute the command in"},
                    "login": {"type": "boolean", "description": "Whether to run the shell with login semantics (default true)"},
                    "timeout_ms": {"type": "number", "description": "The timeout for the command in milliseconds"},
                    "with_escalated_permissions": {"type": "boolean", "description": "Whether to request escalated permissions. Set to true if command needs to be run without sandbox restrictions"},
                    "justification": {"type": "string", "description": "Only set if with_escalated_permissions is true. 1-sentence explanation of why we want to run this command."}
                },
                "required": ["command"],
                "additionalProperties": false
            }),
        }
    }

    fn handle<'a>(&'a self, call: ToolCall<'a>) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            let p: ShellCommandParams = match parse_arguments(&call) {
                Ok(p) => p,
                Err(e) => return e,
            };
            let config = &call.turn.session.config;
            let shell = crate::user_shell::user_shell(config.env_var("SHELL"));
            let flag = if p.login.unwrap_or(true) { "-lc" } else { "-c" };
            let command = CommandCall {
                argv: vec![shell, flag.to_string(), p.command],
                workdir: p.workdir,
                timeout_ms: p.timeout_ms,
                escalate: p.with_escalated_permissions.unwrap_or(false),
                justification: p.justification,
            };
            run_command(call.turn, call.call_id, command).await
        })
    }
}

/// A command the user typed (`!cmd`): a script in the user's login shell, decided, sandboxed
/// and reported exactly like the agent's `shell_command`.
pub(crate) async fn run_user_command(
    turn: &TurnContext,
    call_id: &str,
    script: String,
) -> ToolOutput {
    let config = &turn.session.config;
    let shell = crate::user_shell::user_shell(config.env_var("SHELL"));
    let command = CommandCall {
        argv: vec![shell, "-lc".to_string(), script],
        workdir: None,
        timeout_ms: None,
        escalate: false,
        justification: Some("You typed this command.".into()),
    };
    run_command(turn, call_id, command).await
}

async fn run_command(turn: &TurnContext, call_id: &str, call: CommandCall) -> ToolOutput {
    let command = call.argv;
    if command.is_empty() {
        return ToolOutput::error("failed to run command: `command` is empty");
    }
    let config = &turn.session.config;
    let cwd = match &call.workdir {
        Some(dir) => config.cwd.join(dir),
        None => config.cwd.clone(),
    };
    // Patches sent through the shell are applied by the engine, never by a spawned shell.
    if let Some(shell_patch) = parse_shell_invocation(&command) {
        let dir = match &shell_patch.cd {
            Some(cd) => cwd.join(cd),
            None => cwd,
        };
        return super::patch::apply(turn, call_id, &shell_patch.patch, Some(&dir)).await;
    }
    if looks_like_patch_call(&command) {
        return ToolOutput::error(
            "apply_patch verification failed: pass the patch as [\"apply_patch\", PATCH], \
             or as a heredoc: bash -lc \"apply_patch <<'EOF'\\n...\\nEOF\"",
        );
    }
    let timeout = Duration::from_millis(call.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS));
    let key = session_key(&command, &cwd);
    if call.escalate {
        turn.session.audit.escalation(
            Subject::Command {
                argv: &command,
                cwd: &cwd,
            },
            "requested",
            call.justification.as_deref(),
            None,
        );
    }
    let action = ExecAction {
        call_id: call_id.to_string(),
        command,
        cwd,
        timeout,
        escalate: call.escalate,
        justification: call.justification,
        key,
    };
    match orchestrate(turn, call_id, &action).await {
        Outcome::Refused(why) => ToolOutput::error(why),
        Outcome::Ran(Some(out)) => ToolOutput {
            success: out.exit_code == 0,
            content: format_for_model(&out, timeout).into(),
        },
        Outcome::Ran(None) if turn.cancel.is_cancelled() => {
            ToolOutput::error("command interrupted by the user")
        }
        Outcome::Ran(None) => ToolOutput::error("failed to run command"),
    }
}

/// A command, as the orchestration step sees it.
struct ExecAction {
    call_id: String,
    command: Vec<String>,
    cwd: PathBuf,
    timeout: Duration,
    escalate: bool,
    justification: Option<String>,
    /// How "approve for this session" remembers it.
    key: String,
}

impl Action for ExecAction {
    /// `None` when it could not start or was interrupted (the end event says which).
    type Output = Option<ExecOutput>;

    fn noun(&self) -> &'static str {
        "command"
    }

    fn assess(&self, session: &Session) -> SafetyCheck {
        let config = &session.config;
        let approved = session.data().approved_commands.get(&self.key).copied();
        assess_command(&CommandRequest {
            argv: &self.command,
            approval: config.approval_policy,
            policy: &config.sandbox_policy,
            sandbox_available: session.sandbox_type != SandboxType::None,
            escalation_requested: self.escalate,
            session_approved: approved,
        })
    }

    fn request(&self, call_id: &str, reason: String) -> EventMsg {
        EventMsg::ExecApprovalRequest(ExecApprovalRequestEvent {
            call_id: call_id.to_string(),
            command: self.command.clone(),
            cwd: self.cwd.clone(),
            reason: Some(self.justification.clone().unwrap_or(reason)),
        })
    }

    fn remember(&self, session: &Session, unsandboxed: bool) {
        session
            .data()
            .approved_commands
            .insert(self.key.clone(), unsandboxed || self.escalate);
    }

    fn sandboxed_after_approval(&self, session: &Session) -> bool {
        session.config.sandbox_policy != SandboxPolicy::DangerFullAccess
            && session.sandbox_type != SandboxType::None
            && !self.escalate
    }

    fn run<'a>(&'a self, turn: &'a TurnContext, sandboxed: bool) -> BoxFuture<'a, Self::Output> {
        Box::pin(execute(
            turn,
            &self.call_id,
            &self.command,
            &self.cwd,
            self.timeout,
            sandboxed,
        ))
    }

    fn denied_by_sandbox(&self, output: &Self::Output) -> bool {
        output.as_ref().is_some_and(looks_like_sandbox_denial)
    }

    fn session_granted(&self, session: &Session) -> bool {
        session.data().approved_commands.contains_key(&self.key)
    }

    fn audit_subject(&self) -> Subject<'_> {
        Subject::Command {
            argv: &self.command,
            cwd: &self.cwd,
        }
    }

    fn audit_ran(
        &self,
        turn: &TurnContext,
        approved_by: ApprovedBy,
        sandboxed: bool,
        output: &Self::Output,
        elapsed: Duration,
    ) {
        let session = &turn.session;
        let (exit_code, duration) = match output {
            Some(out) => (Some(out.exit_code), out.duration),
            None => (None, elapsed),
        };
        session.audit.command(
            &session.config,
            &self.command,
            &self.cwd,
            sandboxed,
            approved_by,
            exit_code,
            duration,
        );
    }
}

/// Exit status and output that look like the sandbox said no.
fn looks_like_sandbox_denial(out: &ExecOutput) -> bool {
    out.exit_code != 0
        && !out.timed_out
        && [
            "Read-only file system",
            "Permission denied",
            "Operation not permitted",
            "codex-linux-sandbox:",
        ]
        .iter()
        .any(|m| out.aggregated.contains(m))
}

/// Runs the command (through the sandbox when `sandboxed`), reporting it as events. `None`
/// when it could not start or was interrupted (the end event says which).
async fn execute(
    ctx: &TurnContext,
    call_id: &str,
    command: &[String],
    cwd: &std::path::Path,
    timeout: Duration,
    sandboxed: bool,
) -> Option<ExecOutput> {
    let session = &ctx.session;
    let config = &session.config;
    let mut env = create_env(&config.shell_environment_policy, &config.env);
    // What runs may differ from what is shown and approved only by the bundled tools on PATH.
    let mut run_argv = command.to_vec();
    if let Some(dir) = &config.bundled_path {
        put_bundled_path_first(dir, &mut env, &mut run_argv);
    }
    if !config.sandbox_policy.has_full_network_access() {
        env.push(("CODEX_SANDBOX_NETWORK_DISABLED".into(), "1".into()));
    }
    let sandbox = if sandboxed {
        session.sandbox_type
    } else {
        SandboxType::None
    };
    let tmpdir = env
        .iter()
        .find(|(k, _)| k == "TMPDIR")
        .map(|(_, v)| PathBuf::from(v));
    ctx.session.events.send(
        &ctx.sub_id,
        EventMsg::ExecCommandBegin(ExecCommandBeginEvent {
            call_id: call_id.to_string(),
            command: command.to_vec(),
            cwd: cwd.to_path_buf(),
        }),
    );
    let wrapped = match wrap_command(
        sandbox,
        &config.sandbox_policy,
        cwd,
        &run_argv,
        config.sandbox_exe.as_deref(),
        tmpdir.as_deref(),
        &config.deny_read,
    ) {
        Ok(w) => w,
        Err(e) => {
            report_failure(ctx, call_id, command, cwd, &e.to_string());
            return None;
        }
    };
    env.extend(wrapped.env);
    let mut argv = vec![wrapped.program.display().to_string()];
    argv.extend(wrapped.args);
    let request = ExecRequest {
        argv,
        arg0: wrapped.arg0,
        cwd: cwd.to_path_buf(),
        env,
        timeout,
    };
    // Live output is redacted per stream as it arrives; each stream holds back only a tail
    // that could still be the start of a secret, and lets it go when the command ends.
    let redactor = &session.redactor;
    let mut live = LiveOutput {
        events: ctx.session.events.clone(),
        sub_id: ctx.sub_id.clone(),
        call_id: call_id.to_string(),
        sent: 0,
        stdout: redactor.stream(),
        stderr: redactor.stream(),
    };
    let result = codex_process::run(request, ctx.cancel.clone(), &mut |chunk| {
        live.feed(chunk.stream, &chunk.bytes);
    })
    .await;
    live.finish();
    match result {
        Ok(mut output) => {
            redact_exec_output(redactor, &mut output);
            let formatted = format_for_model(&output, timeout);
            end_event(ctx, call_id, command, cwd, &output, formatted);
            Some(output)
        }
        Err(SpawnError::Interrupted) => {
            let out = failed_output(130, "");
            end_event(
                ctx,
                call_id,
                command,
                cwd,
                &out,
                "command interrupted".into(),
            );
            None
        }
        Err(e) => {
            report_failure(ctx, call_id, command, cwd, &e.to_string());
            None
        }
    }
}

/// The command's output events, with secrets replaced.
struct LiveOutput<'r> {
    events: crate::events::EventSender,
    sub_id: String,
    call_id: String,
    sent: usize,
    stdout: StreamRedactor<'r>,
    stderr: StreamRedactor<'r>,
}

impl LiveOutput<'_> {
    fn feed(&mut self, stream: ExecOutputStream, bytes: &[u8]) {
        let clean = match stream {
            ExecOutputStream::Stdout => self.stdout.feed(bytes),
            ExecOutputStream::Stderr => self.stderr.feed(bytes),
        };
        self.send(stream, clean);
    }

    /// Sends what each stream still holds back.
    fn finish(&mut self) {
        let out = self.stdout.finish();
        self.send(ExecOutputStream::Stdout, out);
        let err = self.stderr.finish();
        self.send(ExecOutputStream::Stderr, err);
    }

    fn send(&mut self, stream: ExecOutputStream, chunk: Vec<u8>) {
        if chunk.is_empty() || self.sent >= MAX_DELTA_EVENTS {
            return;
        }
        self.sent += 1;
        self.events.send(
            &self.sub_id,
            EventMsg::ExecCommandOutputDelta(ExecCommandOutputDeltaEvent {
                call_id: self.call_id.clone(),
                stream,
                chunk,
            }),
        );
    }
}

/// The captured output with the session's secrets replaced, before anything reports it.
fn redact_exec_output(redactor: &Redactor, output: &mut ExecOutput) {
    for text in [
        &mut output.stdout,
        &mut output.stderr,
        &mut output.aggregated,
    ] {
        if let std::borrow::Cow::Owned(clean) = redactor.redact(text) {
            *text = clean;
        }
    }
}

/// Ends the command's events for a command that could not start.
fn report_failure(
    ctx: &TurnContext,
    call_id: &str,
    command: &[String],
    cwd: &std::path::Path,
    error: &str,
) {
    let message = format!("failed to run command: {error}");
    end_event(
        ctx,
        call_id,
        command,
        cwd,
        &failed_output(-1, &message),
        message,
    );
}

fn failed_output(exit_code: i32, message: &str) -> ExecOutput {
    ExecOutput {
        exit_code,
        stdout: String::new(),
        stderr: message.to_string(),
        aggregated: message.to_string(),
        duration: Duration::ZERO,
        timed_out: false,
    }
}

fn end_event(
    ctx: &TurnContext,
    call_id: &str,
    command: &[String],
    cwd: &std::path::Path,
    output: &ExecOutput,
    formatted: String,
) {
    ctx.turn_diff
        .record_command(command.join(" "), output.exit_code);
    ctx.session.events.send(
        &ctx.sub_id,
        EventMsg::ExecCommandEnd(ExecCommandEndEvent {
            call_id: call_id.to_string(),
            command: command.to_vec(),
            cwd: cwd.to_path_buf(),
            stdout: output.stdout.clone(),
            stderr: output.stderr.clone(),
            aggregated_output: output.aggregated.clone(),
            exit_code: output.exit_code,
            duration_ms: output.duration.as_millis() as u64,
            timed_out: output.timed_out,
            formatted_output: formatted,
        }),
    );
}

/// The text the model gets: exit code, wall time, and the (possibly shortened) output.
pub(crate) fn format_for_model(output: &ExecOutput, timeout: Duration) -> String {
    let truncated = truncate_for_model(&output.aggregated);
    let mut text = String::new();
    if output.timed_out {
        text.push_str(&format!(
            "command timed out after {} milliseconds\n",
            timeout.as_millis()
        ));
    }
    text.push_str(&format!("Exit code: {}\n", output.exit_code));
    text.push_str(&format!(
        "Wall time: {:.1} seconds\n",
        output.duration.as_secs_f64()
    ));
    if let Some(total) = truncated.total_lines {
        text.push_str(&format!("Total output lines: {total}\n"));
    }
    text.push_str("Output:\n");
    text.push_str(&truncated.text);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(aggregated: &str, timed_out: bool) -> ExecOutput {
        ExecOutput {
            exit_code: if timed_out { 124 } else { 0 },
            stdout: aggregated.into(),
            stderr: String::new(),
            aggregated: aggregated.into(),
            duration: Duration::from_millis(1234),
            timed_out,
        }
    }

    #[test]
    fn formats_like_the_codex_cli() {
        let text = format_for_model(&out("hi\n", false), Duration::from_secs(10));
        assert_eq!(text, "Exit code: 0\nWall time: 1.2 seconds\nOutput:\nhi\n");
    }

    #[test]
    fn timeout_and_truncation_are_announced() {
        let big: String = (0..1000).map(|i| format!("{i}\n")).collect();
        let text = format_for_model(&out(&big, true), Duration::from_millis(500));
        assert!(text.starts_with("command timed out after 500 milliseconds\nExit code: 124\n"));
        assert!(text.contains("Total output lines: 1000\nOutput:\n0\n"));
    }
}
