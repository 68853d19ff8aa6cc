//! Compaction: the model summarises the conversation; the history becomes the opening context,
//! the user's recent messages verbatim, and the summary.

use std::sync::Arc;

use codex_protocol::{EventMsg, ResponseItem, TokenUsage};
use codex_providers::{ApiError, Prompt};

use crate::context::is_context_message;
use crate::rollout::{CompactedLine, RolloutLine, reader::repair_call_pairs};
use crate::session::Shared;
use crate::turn::sample;

pub const SUMMARY_PREFIX: &str = "Earlier in this session another model worked on the task and \
wrote the summary below of what happened and what is left. Continue the work from it:";

const DEFAULT_COMPACT_PROMPT: &str = "Summarise this conversation so that you can continue the \
task from the summary alone. Keep: the user's goal and every explicit request or constraint; \
decisions made and why; files created or changed (paths) and what changed; commands that matter \
and their outcome; errors met and how they were handled; what is done, what is in progress, and \
the exact next steps. Be concrete and brief; no preamble.";

/// Bytes of recent user messages kept verbatim (about 20k tokens).
const RECENT_USER_BYTES: usize = 80_000;

/// Rough token count of items as sent (4 bytes a token).
pub fn estimate_tokens(items: &[ResponseItem]) -> u64 {
    items
        .iter()
        .map(|i| serde_json::to_string(i).map(|s| s.len()).unwrap_or(0) as u64)
        .sum::<u64>()
        / 4
}

/// Replaces the history with a summary; returns the tokens the summary request used.
pub(crate) async fn compact(shared: &Arc<Shared>, sub_id: &str) -> Result<TokenUsage, ApiError> {
    let history = shared.history().clone();
    let (context, mut conversation): (Vec<ResponseItem>, Vec<ResponseItem>) =
        history.into_iter().partition(is_context_message);
    let prompt_text = shared
        .config
        .compact_prompt
        .clone()
        .unwrap_or_else(|| DEFAULT_COMPACT_PROMPT.to_string());
    let request_item = ResponseItem::user_text(prompt_text);
    // The summary request itself must fit: leave out the oldest conversation if needed.
    let limit = shared.context_window() * 7 / 10;
    let fixed = estimate_tokens(&context) + estimate_tokens(std::slice::from_ref(&request_item));
    while !conversation.is_empty() && fixed + estimate_tokens(&conversation) > limit {
        let drop = (conversation.len() / 10).max(1);
        conversation.drain(..drop);
    }
    let mut input = context.clone();
    input.extend(repair_call_pairs(conversation.clone()));
    input.push(request_item);
    let prompt = Prompt {
        instructions: shared.instructions.clone(),
        input,
        tools: Vec::new(),
        output_schema: None,
        parallel_tool_calls: false,
    };
    let sampled = sample(shared, sub_id, &prompt).await?;
    let summary = sampled
        .items
        .iter()
        .rev()
        .find_map(|i| match i {
            ResponseItem::Message { role, .. } if role == "assistant" => i.message_text(),
            _ => None,
        })
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ApiError::ResponseFailed {
            code: None,
            message: "the model returned no summary when asked to compact the conversation".into(),
        })?;
    let mut recent: Vec<ResponseItem> = Vec::new();
    let mut bytes = 0;
    for item in shared.history().iter().rev() {
        if let ResponseItem::Message { role, .. } = item
            && role == "user"
            && !is_context_message(item)
        {
            let size = item.message_text().map(|t| t.len()).unwrap_or(0);
            if bytes + size > RECENT_USER_BYTES {
                break;
            }
            bytes += size;
            recent.push(item.clone());
        }
    }
    recent.reverse();
    let mut replacement = context;
    replacement.extend(recent);
    replacement.push(ResponseItem::user_text(format!(
        "{SUMMARY_PREFIX}\n\n{summary}"
    )));
    *shared.history() = replacement.clone();
    shared.record_lines(&[RolloutLine::Compacted(CompactedLine {
        message: summary,
        replacement_history: replacement,
    })]);
    shared.set_last_request_tokens(None);
    shared.events.send(sub_id, EventMsg::ContextCompacted);
    Ok(sampled.usage.unwrap_or_default())
}
