//! `shell`: run a command and tell the model what happened.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
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
use serde::Deserialize;
use serde_json::json;

use super::ToolContext;

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
    #[allow(dead_code)]
    with_escalated_permissions: Option<bool>,
    #[serde(default)]
    #[allow(dead_code)]
    justification: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ShellCommandParams {
    command: String,
    workdir: Option<String>,
    timeout_ms: Option<u64>,
    login: Option<bool>,
}

pub(crate) async fn handle_shell(ctx: &ToolContext, call_id: &str, arguments: &str) -> String {
    match serde_json::from_str::<ShellParams>(arguments) {
        Ok(p) => run_command(ctx, call_id, p.command, p.workdir, p.timeout_ms).await,
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
                .config
                .env_var("SHELL")
                .unwrap_or("/bin/bash")
                .to_string();
            let flag = if p.login.unwrap_or(true) { "-lc" } else { "-c" };
            let argv = vec![shell, flag.to_string(), p.command];
            run_command(ctx, call_id, argv, p.workdir, p.timeout_ms).await
        }
        Err(e) => format!("failed to parse function arguments: {e}"),
    }
}

/// Why a command may not run, if it may not.
fn refusal(policy: &SandboxPolicy, approval: AskForApproval) -> Option<String> {
    if *policy != SandboxPolicy::DangerFullAccess {
        return Some(format!(
            "Command not run: the {} sandbox is not available in this version, so commands run \
             only with --sandbox danger-full-access. Tell the user; do not try to work around it.",
            policy.mode()
        ));
    }
    if approval == AskForApproval::Untrusted {
        return Some(
            "Command not run: the approval policy `untrusted` requires asking the user, and \
             approval prompts are not available in this version."
                .to_string(),
        );
    }
    None
}

async fn run_command(
    ctx: &ToolContext,
    call_id: &str,
    command: Vec<String>,
    workdir: Option<String>,
    timeout_ms: Option<u64>,
) -> String {
    if command.is_empty() {
        return "failed to run command: `command` is empty".to_string();
    }
    let config = &ctx.config;
    let base_dir = match &workdir {
        Some(dir) => config.cwd.join(dir),
        None => config.cwd.clone(),
    };
    // Patches sent through the shell are applied by the engine, never by a spawned shell.
    if let Some(shell_patch) = parse_shell_invocation(&command) {
        let dir = match &shell_patch.cd {
            Some(cd) => base_dir.join(cd),
            None => base_dir,
        };
        return super::patch::apply(ctx, call_id, &shell_patch.patch, Some(&dir));
    }
    if looks_like_patch_call(&command) {
        return "apply_patch verification failed: pass the patch as [\"apply_patch\", PATCH], \
                or as a heredoc: bash -lc \"apply_patch <<'EOF'\\n...\\nEOF\""
            .to_string();
    }
    if let Some(reason) = refusal(&config.sandbox_policy, config.approval_policy) {
        if !ctx.sandbox_warned.swap(true, Ordering::SeqCst) {
            ctx.events.send(
                &ctx.sub_id,
                EventMsg::Warning {
                    message: format!(
                        "shell commands cannot run under sandbox `{}` yet; rerun with \
                         --sandbox danger-full-access (or --dangerously-bypass-approvals-and-sandbox) \
                         to let the agent run commands unsandboxed",
                        config.sandbox_policy.mode()
                    ),
                },
            );
        }
        return reason;
    }
    let cwd = match workdir {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                config.cwd.join(dir)
            }
        }
        None => config.cwd.clone(),
    };
    let mut env = create_env(&config.shell_environment_policy, &config.env);
    if !config.sandbox_policy.has_full_network_access() {
        env.push(("CODEX_SANDBOX_NETWORK_DISABLED".into(), "1".into()));
    }
    let timeout = Duration::from_millis(timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS));
    ctx.events.send(
        &ctx.sub_id,
        EventMsg::ExecCommandBegin(ExecCommandBeginEvent {
            call_id: call_id.to_string(),
            command: command.clone(),
            cwd: cwd.clone(),
        }),
    );
    let request = ExecRequest {
        argv: command.clone(),
        cwd: cwd.clone(),
        env,
        timeout,
    };
    let mut deltas = 0usize;
    let events = ctx.events.clone();
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
    let output = match result {
        Ok(output) => output,
        Err(SpawnError::Interrupted) => {
            let out = ExecOutput {
                exit_code: 130,
                stdout: String::new(),
                stderr: String::new(),
                aggregated: String::new(),
                duration: Duration::ZERO,
                timed_out: false,
            };
            end_event(
                ctx,
                call_id,
                &command,
                &cwd,
                &out,
                "command interrupted".into(),
            );
            return "command interrupted by the user".to_string();
        }
        Err(e) => {
            let message = format!("failed to run command: {e}");
            let out = ExecOutput {
                exit_code: -1,
                stdout: String::new(),
                stderr: message.clone(),
                aggregated: message.clone(),
                duration: Duration::ZERO,
                timed_out: false,
            };
            end_event(ctx, call_id, &command, &cwd, &out, message.clone());
            return message;
        }
    };
    let formatted = format_for_model(&output, timeout);
    end_event(ctx, call_id, &command, &cwd, &output, formatted.clone());
    formatted
}

fn end_event(
    ctx: &ToolContext,
    call_id: &str,
    command: &[String],
    cwd: &std::path::Path,
    output: &ExecOutput,
    formatted: String,
) {
    ctx.events.send(
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

    #[test]
    fn refuses_without_full_access() {
        assert!(refusal(&SandboxPolicy::ReadOnly, AskForApproval::Never).is_some());
        assert!(refusal(&SandboxPolicy::DangerFullAccess, AskForApproval::Never).is_none());
        assert!(refusal(&SandboxPolicy::DangerFullAccess, AskForApproval::Untrusted).is_some());
    }
}
