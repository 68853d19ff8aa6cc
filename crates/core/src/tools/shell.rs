//! `shell`: run a command and tell the model what happened.

use std::path::PathBuf;
use std::time::Duration;

use codex_apply_patch::{looks_like_patch_call, parse_shell_invocation};
use codex_process::{
    DEFAULT_TIMEOUT_MS, ExecOutput, ExecRequest, SpawnError, create_env, truncate_for_model,
};
use codex_protocol::{
    AskForApproval, EventMsg, ExecCommandBeginEvent, ExecCommandEndEvent,
    ExecCommandOutputDeltaEvent, SandboxPolicy,
};
use codex_providers::ToolSpec;
use codex_safety::{CommandRequest, SafetyCheck, assess_command, session_key};
use codex_sandbox::{SandboxType, wrap_command};
use serde::Deserialize;
use serde_json::json;

use super::ToolContext;
use super::approval::{Answer, ask_exec};

/// Live output events per command; the end event still carries everything.
const MAX_DELTA_EVENTS: usize = 10_000;

pub(crate) fn spec() -> ToolSpec {
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

pub(crate) async fn handle_shell(ctx: &ToolContext, call_id: &str, arguments: &str) -> String {
    match serde_json::from_str::<ShellParams>(arguments) {
        Ok(p) => {
            let call = CommandCall {
                argv: p.command,
                workdir: p.workdir,
                timeout_ms: p.timeout_ms,
                escalate: p.with_escalated_permissions.unwrap_or(false),
                justification: p.justification,
            };
            run_command(ctx, call_id, call).await
        }
        Err(e) => format!("failed to parse function arguments: {e}"),
    }
}

/// The script form (`shell_command`), run through the user's shell.
pub(crate) async fn handle_shell_command(
    ctx: &ToolContext,
    call_id: &str,
    arguments: &str,
) -> String {
    match serde_json::from_str::<ShellCommandParams>(arguments) {
        Ok(p) => {
            let shell = ctx
                .shared
                .config
                .env_var("SHELL")
                .unwrap_or("/bin/bash")
                .to_string();
            let flag = if p.login.unwrap_or(true) { "-lc" } else { "-c" };
            let call = CommandCall {
                argv: vec![shell, flag.to_string(), p.command],
                workdir: p.workdir,
                timeout_ms: p.timeout_ms,
                escalate: p.with_escalated_permissions.unwrap_or(false),
                justification: p.justification,
            };
            run_command(ctx, call_id, call).await
        }
        Err(e) => format!("failed to parse function arguments: {e}"),
    }
}

async fn run_command(ctx: &ToolContext, call_id: &str, call: CommandCall) -> String {
    let command = call.argv;
    if command.is_empty() {
        return "failed to run command: `command` is empty".to_string();
    }
    let shared = &ctx.shared;
    let config = &shared.config;
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
        return super::patch::apply(ctx, call_id, &shell_patch.patch, Some(&dir)).await;
    }
    if looks_like_patch_call(&command) {
        return "apply_patch verification failed: pass the patch as [\"apply_patch\", PATCH], \
                or as a heredoc: bash -lc \"apply_patch <<'EOF'\\n...\\nEOF\""
            .to_string();
    }
    let needs_sandbox = config.sandbox_policy != SandboxPolicy::DangerFullAccess;
    let available = shared.sandbox_type != SandboxType::None;
    let key = session_key(&command, &cwd);
    let check = assess_command(&CommandRequest {
        argv: &command,
        approval: config.approval_policy,
        policy: &config.sandbox_policy,
        sandbox_available: available,
        escalation_requested: call.escalate,
        session_approved: shared.session_approval(&key),
    });
    let sandboxed = match check {
        SafetyCheck::AutoApprove { sandboxed } => sandboxed,
        SafetyCheck::Reject { reason } => return format!("command rejected: {reason}"),
        SafetyCheck::AskUser { reason } => {
            let reason = call.justification.clone().unwrap_or(reason);
            match ask_exec(ctx, call_id, &command, &cwd, reason).await {
                Answer::Run { for_session } => {
                    if for_session {
                        shared.remember_approval(key.clone(), call.escalate);
                    }
                    needs_sandbox && available && !call.escalate
                }
                Answer::Denied => return "command rejected by the user".to_string(),
                Answer::Aborted => return "command aborted by the user".to_string(),
            }
        }
    };
    let timeout = Duration::from_millis(call.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS));
    let first = execute(ctx, call_id, &command, &cwd, timeout, sandboxed).await;
    let retry = sandboxed
        && first.as_ref().is_some_and(looks_like_sandbox_denial)
        && matches!(
            config.approval_policy,
            AskForApproval::OnFailure | AskForApproval::Untrusted
        );
    let output = if retry {
        let reason = "the command failed inside the sandbox; run it again without the sandbox?";
        match ask_exec(ctx, call_id, &command, &cwd, reason.into()).await {
            Answer::Run { for_session } => {
                if for_session {
                    shared.remember_approval(key, true);
                }
                execute(ctx, call_id, &command, &cwd, timeout, false).await
            }
            Answer::Denied | Answer::Aborted => first,
        }
    } else {
        first
    };
    match output {
        Some(out) => format_for_model(&out, timeout),
        None if ctx.cancel.is_cancelled() => "command interrupted by the user".to_string(),
        None => "failed to run command".to_string(),
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
    ctx: &ToolContext,
    call_id: &str,
    command: &[String],
    cwd: &std::path::Path,
    timeout: Duration,
    sandboxed: bool,
) -> Option<ExecOutput> {
    let shared = &ctx.shared;
    let config = &shared.config;
    let mut env = create_env(&config.shell_environment_policy, &config.env);
    if !config.sandbox_policy.has_full_network_access() {
        env.push(("CODEX_SANDBOX_NETWORK_DISABLED".into(), "1".into()));
    }
    let sandbox = if sandboxed {
        shared.sandbox_type
    } else {
        SandboxType::None
    };
    let tmpdir = env
        .iter()
        .find(|(k, _)| k == "TMPDIR")
        .map(|(_, v)| PathBuf::from(v));
    ctx.shared.events.send(
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
        command,
        config.sandbox_exe.as_deref(),
        tmpdir.as_deref(),
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
    let mut deltas = 0usize;
    let events = ctx.shared.events.clone();
    let sub_id = ctx.sub_id.clone();
    let delta_call_id = call_id.to_string();
    let result = codex_process::run(request, ctx.cancel.clone(), &mut |chunk| {
        if deltas < MAX_DELTA_EVENTS {
            deltas += 1;
            events.send(
                &sub_id,
                EventMsg::ExecCommandOutputDelta(ExecCommandOutputDeltaEvent {
                    call_id: delta_call_id.clone(),
                    stream: chunk.stream,
                    chunk: chunk.bytes,
                }),
            );
        }
    })
    .await;
    match result {
        Ok(output) => {
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

/// Ends the command's events for a command that could not start.
fn report_failure(
    ctx: &ToolContext,
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
    ctx: &ToolContext,
    call_id: &str,
    command: &[String],
    cwd: &std::path::Path,
    output: &ExecOutput,
    formatted: String,
) {
    ctx.shared.events.send(
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
