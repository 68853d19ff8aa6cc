//! One turn: sample the model, answer its tool calls, repeat until it answers without any.

use std::sync::Arc;

use codex_protocol::{
    EventMsg, ReasoningContent, ReasoningSummaryPart, ResponseItem, TokenUsage, TokenUsageInfo,
    TurnAbortReason,
};
use codex_providers::{ApiError, Prompt, ResponseEvent, RetryNotice, backoff};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::compact::{compact, estimate_tokens};
use crate::context::is_context_message;
use crate::cost::{Price, estimate, known_price};
use crate::notify::notify;
use crate::rollout::{RolloutLine, TurnContextLine};
use crate::session::Shared;
use crate::tools::{ToolContext, TurnDiffTracker, dispatch, dispatch_custom, tool_specs};

/// A tool call taken from a response, to be answered.
enum Call {
    Function {
        name: String,
        arguments: String,
        call_id: String,
    },
    Custom {
        name: String,
        input: String,
        call_id: String,
    },
}

/// What the user asked of this turn beyond its input.
#[derive(Debug, Default)]
pub(crate) struct TurnOptions {
    /// The final answer must be JSON matching this schema.
    pub schema: Option<Value>,
    pub cyber_access_program: Option<String>,
}

pub(crate) struct Sampled {
    pub items: Vec<ResponseItem>,
    pub usage: Option<TokenUsage>,
}

pub(crate) async fn run_turn(
    shared: Arc<Shared>,
    sub_id: String,
    input: Vec<ResponseItem>,
    options: TurnOptions,
    cancel: CancellationToken,
) {
    let TurnOptions {
        schema,
        cyber_access_program,
    } = options;
    let events = &shared.events;
    events.send(
        &sub_id,
        EventMsg::TaskStarted {
            model_context_window: Some(shared.context_window()),
        },
    );
    let input_texts: Vec<String> = input
        .iter()
        .filter_map(ResponseItem::message_text)
        .collect();
    shared.record_lines(&[RolloutLine::TurnContext(TurnContextLine {
        cwd: shared.config.cwd.clone(),
        approval_policy: shared.config.approval_policy,
        sandbox_policy: shared.config.sandbox_policy.clone(),
        model: shared.config.model.clone(),
        effort: shared.config.model_reasoning_effort,
        cyber_access_program: cyber_access_program.clone(),
    })]);
    // Access programs belong to OpenAI's own service.
    let cyber_access_program = match cyber_access_program {
        Some(program) if shared.config.model_provider.id != "openai" => {
            events.send(
                &sub_id,
                EventMsg::Warning {
                    message: format!(
                        "--cyber-access-program {program} applies to the built-in openai \
                         provider only; not sent to `{}`",
                        shared.config.model_provider.id
                    ),
                },
            );
            None
        }
        other => other,
    };
    if let Err(message) = check_fits(&shared, &input) {
        finish_with_error(&shared, &sub_id, message, None, TokenUsage::default());
        return;
    }
    shared.record_items(input);
    let tools = ToolContext {
        shared: shared.clone(),
        sub_id: sub_id.clone(),
        cancel: cancel.clone(),
        turn_diff: Arc::new(TurnDiffTracker::default()),
    };
    let mut turn_usage = TokenUsage::default();
    let mut last_agent_message: Option<String> = None;
    loop {
        let pending: Vec<ResponseItem> = std::mem::take(&mut *shared.pending());
        shared.record_items(pending);
        // Compact first when the last request (or, after a resume, the history itself) is
        // close to the window.
        let used = shared
            .last_request_tokens()
            .unwrap_or_else(|| estimate_tokens(&shared.history()));
        if used >= shared.auto_compact_limit() {
            match compact(&shared, &sub_id).await {
                Ok(usage) => turn_usage.add(&usage),
                Err(e) => {
                    finish_with_error(&shared, &sub_id, e, last_agent_message, turn_usage);
                    return;
                }
            }
        }
        let prompt = Prompt {
            instructions: shared.instructions.clone(),
            input: shared.history().clone(),
            tools: tool_specs(&shared.config),
            output_schema: schema.clone(),
            parallel_tool_calls: false,
            cyber_access_program: cyber_access_program.clone(),
        };
        let sampled = tokio::select! {
            result = sample(&shared, &sub_id, &prompt) => result,
            _ = cancel.cancelled() => {
                events.send(&sub_id, EventMsg::TurnAborted { reason: TurnAbortReason::Interrupted });
                return;
            }
        };
        let sampled = match sampled {
            Ok(sampled) => sampled,
            Err(e) => {
                finish_with_error(&shared, &sub_id, e, last_agent_message, turn_usage);
                return;
            }
        };
        if let Some(usage) = sampled.usage {
            turn_usage.add(&usage);
            let total = {
                let mut total = shared.usage();
                total.add(&usage);
                *total
            };
            let used = usage.input_tokens + usage.output_tokens;
            shared.set_last_request_tokens(Some(used));
            let event = EventMsg::TokenCount {
                info: Some(TokenUsageInfo {
                    total_token_usage: total,
                    last_token_usage: usage,
                    model_context_window: Some(shared.context_window()),
                    context_left_percent: Some(context_left_percent(used, shared.context_window())),
                }),
            };
            shared.record_lines(&[RolloutLine::EventMsg(event.clone())]);
            events.send(&sub_id, event);
        }
        let mut calls = Vec::new();
        for item in &sampled.items {
            match item {
                ResponseItem::Message { role, .. } if role == "assistant" => {
                    let text = item.message_text().unwrap_or_default();
                    events.send(
                        &sub_id,
                        EventMsg::AgentMessage {
                            message: text.clone(),
                        },
                    );
                    last_agent_message = Some(text);
                }
                ResponseItem::Reasoning {
                    summary, content, ..
                } => {
                    let text = reasoning_text(summary, content.as_deref());
                    if !text.is_empty() {
                        events.send(&sub_id, EventMsg::AgentReasoning { text });
                    }
                }
                ResponseItem::FunctionCall {
                    name,
                    arguments,
                    call_id,
                    ..
                } => calls.push(Call::Function {
                    name: name.clone(),
                    arguments: arguments.clone(),
                    call_id: call_id.clone(),
                }),
                ResponseItem::CustomToolCall {
                    name,
                    input,
                    call_id,
                    ..
                } => calls.push(Call::Custom {
                    name: name.clone(),
                    input: input.clone(),
                    call_id: call_id.clone(),
                }),
                _ => {}
            }
        }
        shared.record_items(sampled.items);
        if calls.is_empty() {
            if shared.pending().is_empty() {
                break;
            }
            continue;
        }
        for call in calls {
            // Every call gets exactly one output, even when the turn is being stopped.
            let aborted = "aborted: the user interrupted the turn".to_string();
            let item = match call {
                Call::Function {
                    name,
                    arguments,
                    call_id,
                } => {
                    let output = if cancel.is_cancelled() {
                        aborted.into()
                    } else {
                        dispatch(&tools, &name, &call_id, &arguments).await
                    };
                    ResponseItem::FunctionCallOutput { call_id, output }
                }
                Call::Custom {
                    name,
                    input,
                    call_id,
                } => {
                    let output = if cancel.is_cancelled() {
                        aborted
                    } else {
                        dispatch_custom(&tools, &name, &call_id, &input).await
                    };
                    ResponseItem::CustomToolCallOutput { call_id, output }
                }
            };
            shared.record_items(vec![item]);
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
    let cost_usd = turn_cost(&shared, &turn_usage);
    events.send(
        &sub_id,
        EventMsg::TaskComplete {
            last_agent_message: last_agent_message.clone(),
            usage: turn_usage,
            cost_usd,
        },
    );
    if let Some(argv) = &shared.config.notify {
        let payload = serde_json::json!({
            "type": "agent-turn-complete",
            "thread-id": shared.session_id,
            "turn-id": sub_id,
            "cwd": shared.config.cwd,
            "input-messages": input_texts,
            "last-assistant-message": last_agent_message,
        });
        notify(argv, &payload);
    }
}

/// The user's new input is always sent whole: when it cannot fit the model's window beside the
/// instructions and the opening context, the turn stops before anything is sent or recorded.
fn check_fits(shared: &Shared, input: &[ResponseItem]) -> Result<(), String> {
    let window = shared.context_window();
    let fixed = shared.instructions.len() as u64 / 4
        + estimate_tokens(
            &shared
                .history()
                .iter()
                .filter(|i| is_context_message(i))
                .cloned()
                .collect::<Vec<_>>(),
        );
    let needed = estimate_tokens(input);
    if fixed + needed <= window {
        return Ok(());
    }
    Err(format!(
        "the message is about {needed} tokens and cannot be sent whole: the model's context \
         window is {window} tokens, of which the instructions and opening context take about \
         {fixed}, leaving {} for the message. Shorten it, or set model_context_window if this \
         model takes more.",
        window.saturating_sub(fixed)
    ))
}

fn finish_with_error(
    shared: &Shared,
    sub_id: &str,
    error: impl std::fmt::Display,
    last_agent_message: Option<String>,
    usage: TokenUsage,
) {
    shared.events.send(
        sub_id,
        EventMsg::Error {
            message: error.to_string(),
        },
    );
    shared.events.send(
        sub_id,
        EventMsg::TaskComplete {
            last_agent_message,
            usage,
            cost_usd: turn_cost(shared, &usage),
        },
    );
}

/// Estimated dollars for `usage` with the configured or well-known price of the model.
fn turn_cost(shared: &Shared, usage: &TokenUsage) -> Option<f64> {
    let config = &shared.config;
    let price = config
        .toml
        .model_prices
        .as_ref()
        .and_then(|p| p.get(&config.model))
        .map(|p| Price {
            input: p.input,
            cached_input: p.cached_input.unwrap_or(p.input),
            output: p.output,
        })
        .or_else(|| known_price(&config.model))?;
    Some(estimate(usage, price))
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
pub(crate) async fn run_compact_task(shared: Arc<Shared>, sub_id: String) {
    shared.events.send(
        &sub_id,
        EventMsg::TaskStarted {
            model_context_window: Some(shared.context_window()),
        },
    );
    match compact(&shared, &sub_id).await {
        Ok(usage) => shared.events.send(
            &sub_id,
            EventMsg::TaskComplete {
                last_agent_message: None,
                usage,
                cost_usd: turn_cost(&shared, &usage),
            },
        ),
        Err(e) => finish_with_error(&shared, &sub_id, e, None, TokenUsage::default()),
    }
}

fn reasoning_text(
    summary: &[ReasoningSummaryPart],
    content: Option<&[ReasoningContent]>,
) -> String {
    let parts: Vec<&str> = summary
        .iter()
        .map(|ReasoningSummaryPart::SummaryText { text }| text.as_str())
        .collect();
    if !parts.is_empty() {
        return parts.join("\n\n");
    }
    content
        .unwrap_or_default()
        .iter()
        .map(ReasoningContent::text)
        .collect::<Vec<_>>()
        .join("")
}

/// One model response, re-requested when the stream breaks (up to `stream_max_retries`).
pub(crate) async fn sample(
    shared: &Shared,
    sub_id: &str,
    prompt: &Prompt,
) -> Result<Sampled, ApiError> {
    let max = shared.client.stream_max_retries();
    let mut retries = 0u64;
    loop {
        match sample_once(shared, sub_id, prompt).await {
            Ok(sampled) => return Ok(sampled),
            Err(e) if e.is_stream_retryable() && retries < max => {
                retries += 1;
                let delay = backoff(retries);
                // Worded as the Codex CLI words it: clients match on this text.
                shared.events.send(
                    sub_id,
                    EventMsg::StreamError {
                        message: format!(
                            "Reconnecting... {retries}/{max} (stream disconnected before \
                             completion: {e}; next attempt in {:.1}s)",
                            delay.as_secs_f64()
                        ),
                    },
                );
                tokio::time::sleep(delay).await;
            }
            Err(ApiError::Stream(message)) => {
                return Err(ApiError::Stream(format!(
                    "stream disconnected before completion: {message} (gave up after {retries} \
                     reconnects)"
                )));
            }
            Err(e) => return Err(e),
        }
    }
}

async fn sample_once(shared: &Shared, sub_id: &str, prompt: &Prompt) -> Result<Sampled, ApiError> {
    // A retried request (5xx, 429) is reported before its wait, however long it is.
    let on_retry = |notice: RetryNotice| {
        shared.events.send(
            sub_id,
            EventMsg::Warning {
                message: notice.to_string(),
            },
        );
    };
    let mut stream = shared.client.stream_with_notices(prompt, &on_retry).await?;
    let mut items = Vec::new();
    while let Some(event) = stream.next().await {
        match event? {
            ResponseEvent::Created => {}
            ResponseEvent::OutputTextDelta(delta) => {
                shared
                    .events
                    .send(sub_id, EventMsg::AgentMessageDelta { delta });
            }
            ResponseEvent::ReasoningSummaryDelta(delta)
            | ResponseEvent::ReasoningContentDelta(delta) => {
                shared
                    .events
                    .send(sub_id, EventMsg::AgentReasoningDelta { delta });
            }
            ResponseEvent::OutputItemDone(item) => items.push(item),
            ResponseEvent::Completed { usage, .. } => return Ok(Sampled { items, usage }),
        }
    }
    Err(ApiError::Stream(
        "the model stream ended before the response completed".into(),
    ))
}
