//! Compaction: the model summarises the conversation; the history becomes the opening context,
//! the user's recent messages verbatim, and the summary.

use std::sync::Arc;

use codex_protocol::{ContentItem, EventMsg, FunctionOutput, ResponseItem, TokenUsage};
use codex_providers::{ApiError, Prompt};

use crate::context::is_context_message;
use crate::rollout::{CompactedLine, RolloutLine, reader::repair_call_pairs};
use crate::sampling::{Announce, sample};
use crate::state::Session;

pub const SUMMARY_PREFIX: &str = "Earlier in this session another model worked on the task and \
wrote the summary below of what happened and what is left. Continue the work from it:";

const DEFAULT_COMPACT_PROMPT: &str = "Summarise this conversation so that you can continue the \
task from the summary alone. Keep: the user's goal and every explicit request or constraint; \
decisions made and why; files created or changed (paths) and what changed; commands that matter \
and their outcome; errors met and how they were handled; what is done, what is in progress, and \
the exact next steps. Be concrete and brief; no preamble.";

/// Tokens of earlier user messages kept verbatim (the newest is always kept whole).
const RECENT_USER_TOKENS: u64 = 20_000;

/// Tokens an image is counted as (providers charge a few hundred to a few thousand).
const IMAGE_TOKENS: u64 = 1_500;

/// Rough token count of items as sent (4 bytes a token; an image a fixed amount, not its
/// base64 length).
pub fn estimate_tokens(items: &[ResponseItem]) -> u64 {
    items.iter().map(item_tokens).sum()
}

fn item_tokens(item: &ResponseItem) -> u64 {
    let parts = |content: &[ContentItem]| -> u64 {
        content
            .iter()
            .map(|c| match c {
                ContentItem::InputImage { .. } => IMAGE_TOKENS,
                other => other.text().map_or(0, |t| t.len() as u64 / 4) + 2,
            })
            .sum()
    };
    match item {
        ResponseItem::Message { content, .. } => 4 + parts(content),
        ResponseItem::FunctionCallOutput {
            output: FunctionOutput::Content(content),
            ..
        } => 8 + parts(content),
        other => serde_json::to_string(other).map_or(0, |s| s.len() as u64) / 4,
    }
}

/// Replaces the history with a summary; returns the tokens the summary request used.
pub(crate) async fn compact(session: &Session, sub_id: &str) -> Result<TokenUsage, ApiError> {
    let history = session.history_snapshot();
    let (context, mut conversation): (Vec<ResponseItem>, Vec<ResponseItem>) =
        history.iter().cloned().partition(is_context_message);
    let prompt_text = session
        .config
        .compact_prompt
        .clone()
        .unwrap_or_else(|| DEFAULT_COMPACT_PROMPT.to_string());
    let request_item = ResponseItem::user_text(prompt_text);
    // The summary request itself must fit: leave out the oldest conversation if needed.
    let limit = session.context_window() * 7 / 10;
    let fixed = estimate_tokens(&context) + estimate_tokens(std::slice::from_ref(&request_item));
    while !conversation.is_empty() && fixed + estimate_tokens(&conversation) > limit {
        let drop = (conversation.len() / 10).max(1);
        conversation.drain(..drop);
    }
    let mut input = context.clone();
    input.extend(repair_call_pairs(conversation.clone()));
    input.push(request_item);
    let prompt = Prompt {
        instructions: session.instructions.clone(),
        input: Arc::new(input),
        tools: Vec::new(),
        output_schema: None,
        parallel_tool_calls: false,
        cyber_access_program: None,
    };
    let sampled = sample(session, sub_id, &prompt, Announce::Nothing).await?;
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
    let recent = recent_user_messages(&session.data().history);
    let mut replacement = context;
    replacement.extend(recent);
    replacement.push(ResponseItem::user_text(format!(
        "{SUMMARY_PREFIX}\n\n{summary}"
    )));
    {
        let mut data = session.data();
        data.history = Arc::new(replacement.clone());
        data.last_request_tokens = None;
    }
    session.record_lines(vec![RolloutLine::Compacted(CompactedLine {
        message: summary,
        replacement_history: replacement,
    })]);
    session.events.send(sub_id, EventMsg::ContextCompacted);
    Ok(sampled.usage.unwrap_or_default())
}

/// The user's messages to keep verbatim, oldest first: the newest always, whole (it is what the
/// model is working on, however large), then earlier ones while they fit the budget.
fn recent_user_messages(history: &[ResponseItem]) -> Vec<ResponseItem> {
    let mut recent: Vec<ResponseItem> = Vec::new();
    let mut tokens = 0;
    for item in history.iter().rev() {
        if let ResponseItem::Message { role, .. } = item
            && role == "user"
            && !is_context_message(item)
        {
            let size = item_tokens(item);
            if !recent.is_empty() && tokens + size > RECENT_USER_TOKENS {
                break;
            }
            tokens += size;
            recent.push(item.clone());
        }
    }
    recent.reverse();
    recent
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_user_message_is_kept_whole_however_large() {
        let huge = "x".repeat(2_000_000);
        let history = vec![
            ResponseItem::user_text("first question"),
            ResponseItem::assistant_text("an answer"),
            ResponseItem::user_text(huge.clone()),
        ];
        let kept = recent_user_messages(&history);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].message_text().unwrap().len(), huge.len());
        let small = vec![
            ResponseItem::user_text("first question"),
            ResponseItem::user_text("second"),
        ];
        assert_eq!(recent_user_messages(&small).len(), 2);
    }

    #[test]
    fn images_count_as_a_fixed_amount() {
        let image = ResponseItem::Message {
            id: None,
            role: "user".into(),
            content: vec![ContentItem::InputImage {
                image_url: format!("data:image/png;base64,{}", "A".repeat(4_000_000)),
                detail: None,
            }],
        };
        assert!(estimate_tokens(&[image]) < 2 * IMAGE_TOKENS);
    }
}
