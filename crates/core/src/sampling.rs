//! One model response: the request (its retries reported as they happen), the stream turned
//! into events as it arrives, and the whole re-requested when the stream breaks.

use codex_protocol::{EventMsg, ReasoningContent, ReasoningSummaryPart, ResponseItem, TokenUsage};
use codex_providers::{ApiError, Prompt, ResponseEvent, RetryNotice, backoff};

use crate::state::Session;

pub(crate) struct Sampled {
    pub items: Vec<ResponseItem>,
    pub usage: Option<TokenUsage>,
}

/// Whether the finished messages and reasoning of a response are shown as they arrive.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Announce {
    /// A turn's response: each assistant message and reasoning item becomes an event
    /// (`AgentMessage`, `AgentReasoning`) the moment the model finishes it, before the response
    /// completes, as the Codex CLI does.
    Items,
    /// A review's response: reasoning is shown as it arrives, the answer (JSON) is not.
    Reasoning,
    /// A response consumed whole by the engine itself (a compaction summary).
    Nothing,
}

/// One model response, re-requested when the stream breaks (up to `stream_max_retries`). The
/// session record is brought up to date first, so a killed process loses nothing shown.
pub(crate) async fn sample(
    session: &Session,
    sub_id: &str,
    prompt: &Prompt,
    announce: Announce,
) -> Result<Sampled, ApiError> {
    session.flush_record().await;
    let max = session.client.stream_max_retries();
    let mut retries = 0u64;
    loop {
        match sample_once(session, sub_id, prompt, announce).await {
            Ok(sampled) => return Ok(sampled),
            Err(e) if e.is_stream_retryable() && retries < max => {
                retries += 1;
                let delay = backoff(retries);
                // Worded as the Codex CLI words it: clients match on this text.
                session.events.send(
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

async fn sample_once(
    session: &Session,
    sub_id: &str,
    prompt: &Prompt,
    announce: Announce,
) -> Result<Sampled, ApiError> {
    // A retried request (5xx, 429) is reported before its wait, however long it is.
    let on_retry = |notice: RetryNotice| {
        session.events.send(
            sub_id,
            EventMsg::Warning {
                message: notice.to_string(),
            },
        );
    };
    let mut stream = session
        .client
        .stream_with_notices(prompt, &on_retry)
        .await?;
    let mut items = Vec::new();
    while let Some(event) = stream.next().await {
        match event? {
            ResponseEvent::Created => {}
            ResponseEvent::OutputTextDelta(delta) => {
                if announce != Announce::Reasoning {
                    session
                        .events
                        .send(sub_id, EventMsg::AgentMessageDelta { delta });
                }
            }
            ResponseEvent::ReasoningSummaryDelta(delta)
            | ResponseEvent::ReasoningContentDelta(delta) => {
                session
                    .events
                    .send(sub_id, EventMsg::AgentReasoningDelta { delta });
            }
            ResponseEvent::OutputItemDone(item) => {
                let shown = match announce {
                    Announce::Items => true,
                    Announce::Reasoning => matches!(item, ResponseItem::Reasoning { .. }),
                    Announce::Nothing => false,
                };
                if shown && let Some(event) = finished_item_event(&item) {
                    session.events.send(sub_id, event);
                }
                items.push(item);
            }
            ResponseEvent::Completed { usage, .. } => return Ok(Sampled { items, usage }),
        }
    }
    Err(ApiError::Stream(
        "the model stream ended before the response completed".into(),
    ))
}

/// The event that shows a finished item: an assistant message or non-empty reasoning.
fn finished_item_event(item: &ResponseItem) -> Option<EventMsg> {
    match item {
        ResponseItem::Message { role, .. } if role == "assistant" => Some(EventMsg::AgentMessage {
            message: item.message_text().unwrap_or_default(),
        }),
        ResponseItem::Reasoning {
            summary, content, ..
        } => {
            let text = reasoning_text(summary, content.as_deref());
            (!text.is_empty()).then_some(EventMsg::AgentReasoning { text })
        }
        _ => None,
    }
}

/// A reasoning item as text: its summary parts, else its raw content.
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
