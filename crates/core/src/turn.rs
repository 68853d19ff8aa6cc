//! One turn: sample the model, answer its tool calls through the registry, repeat until it
//! answers without any.

use std::sync::Arc;

use codex_protocol::{
    ErrorKind, EventMsg, ResponseItem, ReviewRequest, TokenUsage, TokenUsageInfo, TurnAbortReason,
};
use codex_providers::{ApiError, Prompt};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::compact::{compact, estimate_tokens};
use crate::context::is_context_message;
use crate::notify::notify;
use crate::review;
use crate::rollout::{RolloutLine, TurnContextLine};
use crate::sampling::{Announce, sample};
use crate::second_opinion;
use crate::state::Session;
use crate::tools::{ToolInput, ToolRegistry, TurnContext, TurnDiffTracker};

/// A tool call taken from a response, to be answered.
struct Call {
    name: String,
    /// The namespace tool the function belongs to, when the model named one.
    namespace: Option<String>,
    call_id: String,
    /// JSON arguments, or the freeform input.
    input: String,
    freeform: bool,
}

/// What the user asked of this turn beyond its input.
#[derive(Debug, Default)]
pub(crate) struct TurnOptions {
    /// The final answer must be JSON matching this schema.
    pub schema: Option<Value>,
    pub cyber_access_program: Option<String>,
    /// Review mode: the turn's message asks for this review.
    pub review: Option<ReviewRequest>,
}

/// Why a turn stopped early: a message for the user and its kind.
pub(crate) struct TurnError {
    pub message: String,
    pub kind: ErrorKind,
}

impl From<ApiError> for TurnError {
    fn from(e: ApiError) -> Self {
        TurnError {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

pub(crate) async fn run_turn(
    session: Arc<Session>,
    tools: Arc<ToolRegistry>,
    sub_id: String,
    input: Vec<ResponseItem>,
    options: TurnOptions,
    cancel: CancellationToken,
) {
    let TurnOptions {
        schema,
        cyber_access_program,
        review,
    } = options;
    let mut input = input;
    let events = &session.events;
    events.send(
        &sub_id,
        EventMsg::TaskStarted {
            model_context_window: Some(session.context_window()),
        },
    );
    let mut review = match review {
        Some(request) => {
            events.send(&sub_id, EventMsg::EnteredReviewMode(request.clone()));
            let mut turn = review::ReviewTurn {
                session: session.clone(),
                sub_id: sub_id.clone(),
                request,
                text: String::new(),
                exited: false,
            };
            match review::review_prompt(&turn.request.target, &session.config.cwd).await {
                Ok(text) => {
                    input.push(ResponseItem::user_text(text.clone()));
                    turn.text = text;
                }
                Err(message) => {
                    turn.exit(None);
                    let error = TurnError {
                        message,
                        kind: ErrorKind::Other,
                    };
                    finish_with_error(&session, &sub_id, error, None, TokenUsage::default());
                    return;
                }
            }
            Some(turn)
        }
        None => None,
    };
    let input_texts: Vec<String> = input
        .iter()
        .filter_map(ResponseItem::message_text)
        .collect();
    session.record_lines(vec![RolloutLine::TurnContext(TurnContextLine {
        cwd: session.config.cwd.clone(),
        approval_policy: session.config.approval_policy,
        sandbox_policy: session.config.sandbox_policy.clone(),
        model: session.config.model.clone(),
        effort: session.config.model_reasoning_effort,
        cyber_access_program: cyber_access_program.clone(),
    })]);
    // Access programs belong to OpenAI's own service.
    let cyber_access_program = match cyber_access_program {
        Some(program) if session.config.model_provider.id != "openai" => {
            events.send(
                &sub_id,
                EventMsg::Warning {
                    message: format!(
                        "--cyber-access-program {program} applies to the built-in openai \
                         provider only; not sent to `{}`",
                        session.config.model_provider.id
                    ),
                },
            );
            None
        }
        other => other,
    };
    if let Err(error) = check_fits(&session, &input) {
        finish_with_error(&session, &sub_id, error, None, TokenUsage::default());
        return;
    }
    // Servers marked `required` must be up before the model is asked anything.
    if let Some(message) = tools.required_mcp_failure().await {
        let error = TurnError {
            message,
            kind: ErrorKind::Config,
        };
        finish_with_error(&session, &sub_id, error, None, TokenUsage::default());
        return;
    }
    session.record_items(input);
    let turn = TurnContext {
        session: session.clone(),
        sub_id: sub_id.clone(),
        cancel: cancel.clone(),
        turn_diff: Arc::new(TurnDiffTracker::default()),
    };
    let mut turn_usage = TokenUsage::default();
    let mut last_agent_message: Option<String> = None;
    loop {
        session.record_items(session.take_pending());
        // Compact first when the last request (or, after a resume, the history itself) is
        // close to the window.
        let used = {
            let data = session.data();
            data.last_request_tokens
                .unwrap_or_else(|| estimate_tokens(&data.history))
        };
        if used >= session.auto_compact_limit() {
            match compact(&session, &sub_id).await {
                Ok(usage) => turn_usage.add(&usage),
                Err(e) => {
                    finish_with_error(&session, &sub_id, e.into(), last_agent_message, turn_usage);
                    return;
                }
            }
        }
        let prompt = Prompt {
            instructions: match review {
                Some(_) => review::REVIEW_INSTRUCTIONS.to_string(),
                None => session.instructions.clone(),
            },
            input: session.history_snapshot(),
            tools: tools.specs(),
            output_schema: schema.clone(),
            parallel_tool_calls: false,
            cyber_access_program: cyber_access_program.clone(),
        };
        let sampled = tokio::select! {
            // A review's answer is JSON, shown rendered once the turn ends.
            result = sample(&session, &sub_id, &prompt, match review {
                Some(_) => Announce::Reasoning,
                None => Announce::Items,
            }) => result,
            _ = cancel.cancelled() => {
                events.send(&sub_id, EventMsg::TurnAborted { reason: TurnAbortReason::Interrupted });
                return;
            }
        };
        // The prompt shares the history: recording into it while the prompt lives would copy it.
        drop(prompt);
        let sampled = match sampled {
            Ok(sampled) => sampled,
            Err(e) => {
                finish_with_error(&session, &sub_id, e.into(), last_agent_message, turn_usage);
                return;
            }
        };
        if let Some(usage) = sampled.usage {
            turn_usage.add(&usage);
            let used = usage.input_tokens + usage.output_tokens;
            let total = {
                let mut data = session.data();
                data.total_usage.add(&usage);
                data.last_request_tokens = Some(used);
                data.total_usage
            };
            let event = EventMsg::TokenCount {
                info: Some(TokenUsageInfo {
                    total_token_usage: total,
                    last_token_usage: usage,
                    model_context_window: Some(session.context_window()),
                    context_left_percent: Some(context_left_percent(
                        used,
                        session.context_window(),
                    )),
                }),
            };
            session.record_lines(vec![RolloutLine::EventMsg(event.clone())]);
            events.send(&sub_id, event);
        }
        let mut calls = Vec::new();
        for item in &sampled.items {
            match item {
                // Shown as it arrived (sampling announces finished messages and reasoning).
                ResponseItem::Message { role, .. } if role == "assistant" => {
                    last_agent_message = Some(item.message_text().unwrap_or_default());
                }
                ResponseItem::FunctionCall {
                    name,
                    arguments,
                    call_id,
                    namespace,
                    ..
                } => calls.push(Call {
                    name: name.clone(),
                    namespace: namespace.clone(),
                    call_id: call_id.clone(),
                    input: arguments.clone(),
                    freeform: false,
                }),
                ResponseItem::CustomToolCall {
                    name,
                    input,
                    call_id,
                    ..
                } => calls.push(Call {
                    name: name.clone(),
                    namespace: None,
                    call_id: call_id.clone(),
                    input: input.clone(),
                    freeform: true,
                }),
                _ => {}
            }
        }
        session.record_items(sampled.items);
        if calls.is_empty() {
            if session.data().pending_input.is_empty() {
                break;
            }
            continue;
        }
        for call in calls {
            let input = if call.freeform {
                ToolInput::Freeform { input: &call.input }
            } else {
                ToolInput::Function {
                    arguments: &call.input,
                }
            };
            // Every call gets exactly one output, even when the turn is being stopped.
            let item = if cancel.is_cancelled() {
                aborted_output(&call)
            } else {
                tools
                    .dispatch(
                        &turn,
                        &call.name,
                        call.namespace.as_deref(),
                        &call.call_id,
                        input,
                    )
                    .await
            };
            session.record_items(vec![item]);
        }
        if cancel.is_cancelled() {
            events.send(
                &sub_id,
                EventMsg::TurnAborted {
                    reason: TurnAbortReason::Interrupted,
                },
            );
            return;
        }
    }
    let first_review = review.as_mut().map(|turn| {
        let output = review::parse_review(last_agent_message.as_deref().unwrap_or(""));
        let mut rendered = output.render();
        if rendered.is_empty() {
            rendered = "The review ended without findings or an explanation.".into();
        }
        turn.exit(Some(output.clone()));
        events.send(
            &sub_id,
            EventMsg::AgentMessage {
                message: rendered.clone(),
            },
        );
        last_agent_message = Some(rendered);
        output
    });
    if session.config.second_opinion.is_some() {
        let opinion = match (&review, &first_review) {
            (Some(review), Some(first)) => review::second_review_of(&session, review, first),
            _ => second_opinion::of_turn(&session, &turn, &input_texts, &last_agent_message),
        };
        let event = tokio::select! {
            event = opinion => event,
            _ = cancel.cancelled() => {
                events.send(&sub_id, EventMsg::TurnAborted { reason: TurnAbortReason::Interrupted });
                return;
            }
        };
        if let Some(event) = event {
            session.audit.second_opinion(&event);
            let event = EventMsg::SecondOpinion(event);
            session.record_lines(vec![RolloutLine::EventMsg(event.clone())]);
            events.send(&sub_id, event);
        }
    }
    session.flush_record().await;
    let cost_usd = turn_cost(&session, &turn_usage);
    events.send(
        &sub_id,
        EventMsg::TaskComplete {
            last_agent_message: last_agent_message.clone(),
            usage: turn_usage,
            cost_usd,
        },
    );
    if let Some(argv) = &session.config.notify {
        let payload = serde_json::json!({
            "type": "agent-turn-complete",
            "thread-id": session.session_id,
            "turn-id": sub_id,
            "cwd": session.config.cwd,
            "input-messages": input_texts,
            "last-assistant-message": last_agent_message,
        });
        notify(argv, &payload);
    }
}

fn aborted_output(call: &Call) -> ResponseItem {
    let text = "aborted: the user interrupted the turn".to_string();
    let call_id = call.call_id.clone();
    if call.freeform {
        ResponseItem::CustomToolCallOutput {
            call_id,
            output: text,
        }
    } else {
        ResponseItem::FunctionCallOutput {
            call_id,
            output: text.into(),
        }
    }
}

/// The user's new input is always sent whole: when it cannot fit the model's window beside the
/// instructions and the opening context, the turn stops before anything is sent or recorded.
fn check_fits(session: &Session, input: &[ResponseItem]) -> Result<(), TurnError> {
    let window = session.context_window();
    let context: Vec<ResponseItem> = session
        .data()
        .history
        .iter()
        .filter(|i| is_context_message(i))
        .cloned()
        .collect();
    let fixed = session.instructions.len() as u64 / 4 + estimate_tokens(&context);
    let needed = estimate_tokens(input);
    if fixed + needed <= window {
        return Ok(());
    }
    Err(TurnError {
        kind: ErrorKind::ContextWindow,
        message: format!(
            "the message is about {needed} tokens and cannot be sent whole: the model's context \
             window is {window} tokens, of which the instructions and opening context take \
             about {fixed}, leaving {} for the message. Shorten it, or set \
             model_context_window if this model takes more.",
            window.saturating_sub(fixed)
        ),
    })
}

fn finish_with_error(
    session: &Session,
    sub_id: &str,
    error: TurnError,
    last_agent_message: Option<String>,
    usage: TokenUsage,
) {
    session.events.send(
        sub_id,
        EventMsg::Error {
            message: error.message,
            kind: error.kind,
        },
    );
    session.events.send(
        sub_id,
        EventMsg::TaskComplete {
            last_agent_message,
            usage,
            cost_usd: turn_cost(session, &usage),
        },
    );
}

/// Estimated dollars for `usage` at the model's price (configured or known for its family).
fn turn_cost(session: &Session, usage: &TokenUsage) -> Option<f64> {
    session
        .config
        .model_family
        .price
        .map(|price| price.estimate(usage))
}

/// Share of the window left, measured past a baseline the instructions always take.
fn context_left_percent(used: u64, window: u64) -> u8 {
    const BASELINE: u64 = 12_000;
    if window <= BASELINE {
        return 0;
    }
    let effective = window - BASELINE;
    let used = used.saturating_sub(BASELINE).min(effective);
    (((effective - used) * 100) / effective) as u8
}

/// `Op::Compact`: summarise the conversation now, as a turn of its own.
/// `!command`: runs it like the agent's commands and puts what it printed into the
/// conversation as the user's, so the next turn can refer to it. No model request is made.
pub(crate) async fn run_user_shell_command(
    session: Arc<Session>,
    sub_id: String,
    command: String,
    cancel: CancellationToken,
) {
    session.events.send(
        &sub_id,
        EventMsg::TaskStarted {
            model_context_window: Some(session.context_window()),
        },
    );
    let turn = TurnContext {
        session: session.clone(),
        sub_id: sub_id.clone(),
        cancel: cancel.clone(),
        turn_diff: Arc::new(TurnDiffTracker::default()),
    };
    let call_id = format!("user_shell_{}", uuid::Uuid::now_v7());
    let output = crate::tools::shell::run_user_command(&turn, &call_id, command.clone()).await;
    if cancel.is_cancelled() {
        session.events.send(
            &sub_id,
            EventMsg::TurnAborted {
                reason: TurnAbortReason::Interrupted,
            },
        );
        return;
    }
    // What the model would have been shown for its own command: already cut to the budget.
    let kept = output.content.text();
    session.record_items(vec![ResponseItem::user_text(format!(
        "<user_shell_command>\n<command>{command}</command>\n<result>\n{kept}\n</result>\n</user_shell_command>"
    ))]);
    session.flush_record().await;
    session.events.send(
        &sub_id,
        EventMsg::TaskComplete {
            last_agent_message: None,
            usage: TokenUsage::default(),
            cost_usd: None,
        },
    );
}

pub(crate) async fn run_compact_task(session: Arc<Session>, sub_id: String) {
    session.events.send(
        &sub_id,
        EventMsg::TaskStarted {
            model_context_window: Some(session.context_window()),
        },
    );
    match compact(&session, &sub_id).await {
        Ok(usage) => {
            session.flush_record().await;
            session.events.send(
                &sub_id,
                EventMsg::TaskComplete {
                    last_agent_message: None,
                    usage,
                    cost_usd: turn_cost(&session, &usage),
                },
            );
        }
        Err(e) => finish_with_error(&session, &sub_id, e.into(), None, TokenUsage::default()),
    }
}
