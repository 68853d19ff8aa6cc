//! `codex exec`: one task, no interactive UI.

mod human;

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use codex_config::Config;
use codex_core::Codex;
use codex_protocol::{
    ElicitationAction, EventMsg, Op, ReviewDecision, ReviewRequest, ReviewTarget, SandboxPolicy,
    TokenUsage, UserInput,
};
use serde_json::Value;

use crate::args::{ColorArg, ExecArgs, ExecCommand, ReviewArgs, SharedOptions};
use crate::setup::{Extra, load_config, merge};
use codex_frontend::{ResumeTarget, check_directory, check_images, find_resume, read_schema};
use codex_thread_events::{MapperOptions, ThreadEventMapper};
use human::HumanOutput;

/// Exit status for a run stopped by Ctrl-C (128 + SIGINT).
const EXIT_INTERRUPTED: i32 = 130;

pub fn run(root: &SharedOptions, args: ExecArgs) -> i32 {
    match prepare(root, &args) {
        Ok(prepared) => {
            crate::logging::init(&prepared.config.codex_home);
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("error: cannot start the async runtime: {e}");
                    return 1;
                }
            };
            runtime.block_on(drive(prepared, &args))
        }
        Err(message) => {
            eprintln!("error: {message}");
            1
        }
    }
}

/// What the run asks of the agent.
enum Task {
    Prompt(String),
    Review(ReviewRequest),
}

/// `codex review` as `codex exec review`.
pub fn review_args(command: crate::args::ReviewCommand) -> ExecArgs {
    ExecArgs {
        shared: command.shared,
        json: command.json,
        output_last_message: None,
        output_schema: None,
        skip_git_repo_check: false,
        color: ColorArg::Auto,
        images: Vec::new(),
        include_cost: false,
        second_opinion: None,
        cyber_access_program: None,
        command: Some(ExecCommand::Review(command.review)),
        thread_source: None,
        prompt: None,
    }
}

struct Prepared {
    config: Config,
    task: Task,
    images: Vec<PathBuf>,
    schema: Option<Value>,
    /// The rollout to continue (`codex exec resume`).
    resume: Option<PathBuf>,
}

fn prepare(root: &SharedOptions, args: &ExecArgs) -> Result<Prepared, String> {
    let (target, prompt_arg) = match &args.command {
        Some(ExecCommand::Resume(r)) => {
            let (id, prompt) = match (&r.session_id, &r.prompt, r.last) {
                // `resume --last "prompt"`: the one positional is the prompt.
                (Some(p), None, true) => (None, Some(p.clone())),
                (id, prompt, _) => (id.clone(), prompt.clone()),
            };
            let target = match id {
                Some(id) => Some(ResumeTarget::Id(id)),
                None if r.last => Some(ResumeTarget::Last { all: r.all }),
                None => None,
            };
            (Some(target), prompt.or_else(|| args.prompt.clone()))
        }
        Some(ExecCommand::Review(_)) | None => (None, args.prompt.clone()),
    };
    let review = match &args.command {
        Some(ExecCommand::Review(review)) => Some(review),
        _ => None,
    };
    // The prompt is read before anything that can fail, so a client writing it on stdin gets
    // the error message rather than a broken pipe.
    let task = match review {
        Some(review) => {
            if !args.images.is_empty() || args.output_schema.is_some() {
                return Err("a review takes no --image or --output-schema".into());
            }
            Task::Review(review_request(review)?)
        }
        None => Task::Prompt(read_prompt(prompt_arg.as_deref())?),
    };
    let mut options = merge(root, &args.shared);
    let second_opinion = args
        .second_opinion
        .as_ref()
        .or(review.and_then(|r| r.second_opinion.as_ref()));
    if let Some(profile) = second_opinion {
        // As `-c second_opinion.profile=...`, after the user's own overrides.
        let quoted = serde_json::to_string(profile).map_err(|e| e.to_string())?;
        options
            .config_overrides
            .push(format!("second_opinion.profile={quoted}"));
    }
    let loaded = load_config(
        &options,
        Extra {
            approval: None,
            exec: true,
        },
    )?;
    for warning in &loaded.warnings {
        eprintln!("warning: {warning}");
    }
    let mut config = loaded.config;
    // A review changes nothing: commands that could write may only read.
    if review.is_some() && matches!(config.sandbox_policy, SandboxPolicy::WorkspaceWrite { .. }) {
        config.sandbox_policy = SandboxPolicy::ReadOnly;
    }
    // Sandboxed commands are started through this executable, re-run as the helper.
    config.sandbox_exe = std::env::current_exe().ok();
    config.session_source = "exec".into();
    config.thread_source = match target {
        Some(_) => None,
        None => args.thread_source.clone(),
    };
    check_directory(&config, args.skip_git_repo_check)?;
    let schema = match &args.output_schema {
        Some(path) => Some(read_schema(path)?),
        None => None,
    };
    let images = check_images(&args.images)?;
    let resume = match target {
        None => None,
        Some(None) => return Err("resume needs a SESSION_ID or --last".into()),
        Some(Some(target)) => Some(find_resume(&config, &target)?),
    };
    Ok(Prepared {
        config,
        task,
        images,
        schema,
        resume,
    })
}

fn review_request(review: &ReviewArgs) -> Result<ReviewRequest, String> {
    let target = if let Some(branch) = &review.base {
        ReviewTarget::BaseBranch {
            branch: branch.clone(),
        }
    } else if let Some(sha) = &review.commit {
        ReviewTarget::Commit {
            sha: sha.clone(),
            title: review.title.clone(),
        }
    } else if let Some(prompt) = &review.prompt {
        ReviewTarget::Custom {
            instructions: read_prompt(Some(prompt))?,
        }
    } else {
        ReviewTarget::UncommittedChanges
    };
    Ok(ReviewRequest {
        user_facing_hint: Some(target.hint()),
        target,
    })
}

fn read_prompt(arg: Option<&str>) -> Result<String, String> {
    let prompt = match arg {
        Some(p) if p != "-" => p.to_string(),
        _ => {
            let mut stdin = std::io::stdin();
            if arg.is_none() && stdin.is_terminal() {
                return Err(
                    "no prompt given: pass the task as an argument, or pipe it on stdin with `-`"
                        .into(),
                );
            }
            let mut text = String::new();
            stdin
                .read_to_string(&mut text)
                .map_err(|e| format!("cannot read the prompt from stdin: {e}"))?;
            text
        }
    };
    codex_frontend::check_prompt(&prompt)?;
    Ok(prompt)
}

enum Outcome {
    Completed,
    Failed(String),
    Interrupted,
}

async fn drive(prepared: Prepared, args: &ExecArgs) -> i32 {
    let Prepared {
        config,
        task,
        images,
        schema,
        resume,
    } = prepared;
    let color = match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => std::io::stderr().is_terminal() && config.env_var("NO_COLOR").is_none(),
    };
    let mut human = (!args.json).then(|| {
        HumanOutput::new(
            color,
            !config.hide_agent_reasoning,
            config.jgt.live_notice(),
        )
        .with_deny_read(codex_sandbox::describe_deny_read(
            &config.sandbox_policy,
            &config.deny_read,
            &codex_sandbox::probe(),
            true,
        ))
    });
    let mut mapper = ThreadEventMapper::new(MapperOptions {
        include_cost: args.include_cost || config.json_estimated_cost,
    });
    let mut stdout = std::io::stdout().lock();
    let spawned = match resume {
        Some(path) => Codex::resume(config, path),
        None => Codex::spawn(config),
    };
    let mut codex = match spawned {
        Ok(codex) => codex,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let reviewing = matches!(task, Task::Review(_));
    let (op, prompt) = match task {
        Task::Prompt(prompt) => {
            let mut items: Vec<UserInput> = images
                .into_iter()
                .map(|path| UserInput::LocalImage { path })
                .collect();
            items.push(UserInput::Text {
                text: prompt.clone(),
            });
            let op = Op::UserTurn {
                items,
                final_output_json_schema: schema,
                cyber_access_program: args.cyber_access_program.map(|p| p.as_str().to_string()),
            };
            (op, prompt)
        }
        Task::Review(review_request) => {
            let hint = review_request
                .user_facing_hint
                .clone()
                .unwrap_or_else(|| review_request.target.hint());
            (Op::Review { review_request }, hint)
        }
    };
    let submitted = codex.submit(op).await;
    if let Err(e) = submitted {
        eprintln!("error: {e}");
        return 1;
    }
    let mut last_message: Option<String> = None;
    // A review's second opinion is printed with the review itself.
    let mut second_review: Option<codex_protocol::SecondOpinionEvent> = None;
    let mut usage = TokenUsage::default();
    let mut cost: Option<f64> = None;
    let mut error: Option<String> = None;
    let mut prompt_shown = false;
    let mut interrupt_sent = false;
    // One listener for the whole run: a Ctrl-C arriving between two events is kept, not lost
    // with a listener made afresh for each wait.
    let mut interrupts = interrupt_listener();
    let outcome = loop {
        let event = tokio::select! {
            event = codex.next_event() => event,
            _ = next_interrupt(&mut interrupts), if !interrupt_sent => {
                interrupt_sent = true;
                let _ = codex.submit(Op::Interrupt).await;
                continue;
            }
        };
        let Some(event) = event else {
            break Outcome::Failed("the session ended unexpectedly".into());
        };
        if let Some(human) = human.as_mut() {
            human.on_event(&event.msg);
            if !prompt_shown && matches!(event.msg, EventMsg::SessionConfigured(_)) {
                human.prompt(&prompt);
                prompt_shown = true;
            }
        } else {
            for thread_event in mapper.map(&event.msg) {
                if let Ok(line) = serde_json::to_string(&thread_event) {
                    let _ = writeln!(stdout, "{line}");
                }
            }
            let _ = stdout.flush();
            if let EventMsg::Warning { message } = &event.msg {
                eprintln!("warning: {message}");
            }
        }
        match event.msg {
            // exec never asks: anything that would need a person is declined.
            EventMsg::ExecApprovalRequest(request) => {
                let _ = codex
                    .submit(Op::ExecApproval {
                        id: request.call_id,
                        decision: ReviewDecision::Denied,
                    })
                    .await;
            }
            EventMsg::ApplyPatchApprovalRequest(request) => {
                let _ = codex
                    .submit(Op::PatchApproval {
                        id: request.call_id,
                        decision: ReviewDecision::Denied,
                    })
                    .await;
            }
            EventMsg::McpToolApprovalRequest(request) => {
                let _ = codex
                    .submit(Op::McpToolApproval {
                        id: request.call_id,
                        decision: ReviewDecision::Denied,
                    })
                    .await;
            }
            EventMsg::ElicitationRequest(request) => {
                let _ = codex
                    .submit(Op::ResolveElicitation {
                        server_name: request.server_name,
                        id: request.id,
                        decision: ElicitationAction::Decline,
                        content: None,
                    })
                    .await;
            }
            EventMsg::Error { message, .. } => error = Some(message),
            EventMsg::SecondOpinion(opinion) if reviewing => second_review = Some(opinion),
            EventMsg::TaskComplete {
                last_agent_message,
                usage: turn_usage,
                cost_usd: turn_cost,
            } => {
                last_message = last_agent_message;
                usage = turn_usage;
                cost = turn_cost;
                break match error.take() {
                    Some(message) => Outcome::Failed(message),
                    None => Outcome::Completed,
                };
            }
            EventMsg::TurnAborted { .. } => break Outcome::Interrupted,
            _ => {}
        }
    };
    shutdown(&mut codex).await;

    if let Some(path) = &args.output_last_message {
        write_last_message(path, last_message.as_deref().unwrap_or(""));
    }
    if !usage.is_zero() {
        let mut line = usage_line(&usage);
        if let Some(cost) = cost {
            line.push_str(&format!(" · estimated cost ${cost:.4}"));
        }
        eprintln!("{line}");
    }
    if codex.rollout_path().is_some() {
        eprintln!(
            "To continue this session, run codex exec resume {}",
            codex.session_id()
        );
    }
    match outcome {
        Outcome::Completed => {
            if !args.json
                && let Some(message) = &last_message
            {
                let _ = writeln!(stdout, "{}", message.trim_end());
                if let Some(opinion) = &second_review {
                    let verdict = match (&opinion.error, opinion.verdict) {
                        (Some(_), _) => "warning:",
                        (None, Some(codex_protocol::SecondOpinionVerdict::Agree)) => "agree",
                        (None, _) => "concerns",
                    };
                    let _ = writeln!(
                        stdout,
                        "\nSecond opinion ({}): {verdict}{}",
                        opinion.model,
                        human::second_opinion_details(opinion)
                    );
                }
            }
            0
        }
        Outcome::Failed(message) => {
            if args.json {
                eprintln!("error: {message}");
            }
            1
        }
        Outcome::Interrupted => EXIT_INTERRUPTED,
    }
}

/// SIGINT on Unix, Ctrl-C on Windows; registered before the turn starts so an early one is not
/// lost.
#[cfg(unix)]
type Interrupts = Option<tokio::signal::unix::Signal>;
#[cfg(windows)]
type Interrupts = Option<tokio::signal::windows::CtrlC>;

#[cfg(unix)]
fn interrupt_listener() -> Interrupts {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok()
}

#[cfg(windows)]
fn interrupt_listener() -> Interrupts {
    tokio::signal::windows::ctrl_c().ok()
}

async fn next_interrupt(interrupts: &mut Interrupts) {
    match interrupts {
        Some(signal) => {
            signal.recv().await;
        }
        None => std::future::pending().await,
    }
}

async fn shutdown(codex: &mut Codex) {
    if codex.submit(Op::Shutdown).await.is_err() {
        return;
    }
    let wait = async {
        while let Some(ev) = codex.next_event().await {
            if matches!(ev.msg, EventMsg::ShutdownComplete) {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), wait).await;
}

fn write_last_message(path: &PathBuf, message: &str) {
    if let Err(e) = std::fs::write(path, message) {
        eprintln!(
            "warning: cannot write the last message to {}: {e}",
            path.display()
        );
    }
}

fn usage_line(u: &TokenUsage) -> String {
    let mut line = format!(
        "tokens used: total={} input={}",
        u.total_tokens, u.input_tokens
    );
    if u.cached_input_tokens > 0 {
        line.push_str(&format!(" (+ {} cached)", u.cached_input_tokens));
    }
    line.push_str(&format!(" output={}", u.output_tokens));
    if u.reasoning_output_tokens > 0 {
        line.push_str(&format!(" (reasoning {})", u.reasoning_output_tokens));
    }
    line
}

pub(crate) use codex_thread_events::shell_join;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_line_mentions_cached_and_reasoning() {
        let u = TokenUsage {
            input_tokens: 10,
            cached_input_tokens: 4,
            output_tokens: 3,
            cache_write_input_tokens: 0,
            reasoning_output_tokens: 1,
            total_tokens: 13,
        };
        assert_eq!(
            usage_line(&u),
            "tokens used: total=13 input=10 (+ 4 cached) output=3 (reasoning 1)"
        );
    }
}
