//! The streamed events of one message: content blocks assembled by index and emitted as items
//! when they stop, usage from `message_start` and `message_delta`, completion at
//! `message_stop`.

use std::collections::{BTreeMap, HashSet};

use codex_protocol::{ReasoningContent, ResponseItem, TokenUsage};
use serde_json::Value;

use super::{REDACTED_THINKING_ID, THINKING_ID};
use crate::error::ApiError;
use crate::json::{parse_event, take_text};
use crate::prompt::ResponseEvent;
use crate::sse::SseEvent;
use crate::wire::WireParser;

/// A content block being streamed. Deltas are appended to growing buffers.
enum Block {
    Text(String),
    ToolUse {
        id: String,
        name: String,
        /// The `input` of `content_block_start`: the whole input when no deltas follow.
        input: Value,
        /// `partial_json` pieces joined.
        json: String,
    },
    Thinking {
        text: String,
        signature: String,
    },
    RedactedThinking(String),
    /// A block of a kind we do not use (server tools, citations, …).
    Other,
}

/// Token counts as the API reports them: input excludes what was read from or written to the
/// cache.
#[derive(Default)]
struct Counts {
    seen: bool,
    input: u64,
    cache_read: u64,
    cache_write: u64,
    output: u64,
}

impl Counts {
    /// Takes the counts `usage` has; `message_delta` repeats them as running totals.
    fn update(&mut self, usage: &Value) {
        if !usage.is_object() {
            return;
        }
        self.seen = true;
        let set = |key: &str, field: &mut u64| {
            if let Some(n) = usage.get(key).and_then(Value::as_u64) {
                *field = n;
            }
        };
        set("input_tokens", &mut self.input);
        set("cache_read_input_tokens", &mut self.cache_read);
        set("cache_creation_input_tokens", &mut self.cache_write);
        set("output_tokens", &mut self.output);
    }

    /// As the other wires count: cached input is part of the input.
    fn usage(&self) -> Option<TokenUsage> {
        if !self.seen {
            return None;
        }
        let input = self
            .input
            .saturating_add(self.cache_read)
            .saturating_add(self.cache_write);
        Some(TokenUsage {
            input_tokens: input,
            cached_input_tokens: self.cache_read,
            cache_write_input_tokens: self.cache_write,
            output_tokens: self.output,
            reasoning_output_tokens: 0,
            total_tokens: input.saturating_add(self.output),
        })
    }
}

pub(crate) struct AnthropicParser {
    /// Tools offered as freeform: their calls become freeform calls.
    freeform: HashSet<String>,
    blocks: BTreeMap<u64, Block>,
    id: String,
    counts: Counts,
    done: bool,
}

impl AnthropicParser {
    pub(crate) fn new(freeform: HashSet<String>) -> Self {
        AnthropicParser {
            freeform,
            blocks: BTreeMap::new(),
            id: String::new(),
            counts: Counts::default(),
            done: false,
        }
    }

    fn block_start(&mut self, data: &mut Value) -> Vec<ResponseEvent> {
        let index = index(data);
        let mut block = data
            .get_mut("content_block")
            .map(Value::take)
            .unwrap_or_default();
        let mut events = Vec::new();
        let block = match block.get("type").and_then(Value::as_str) {
            Some("text") => {
                let text = take_text(&mut block, "text");
                if !text.is_empty() {
                    events.push(ResponseEvent::OutputTextDelta(text.clone()));
                }
                Block::Text(text)
            }
            Some("tool_use") => Block::ToolUse {
                id: take_text(&mut block, "id"),
                name: take_text(&mut block, "name"),
                input: block.get_mut("input").map(Value::take).unwrap_or_default(),
                json: String::new(),
            },
            Some("thinking") => {
                let text = take_text(&mut block, "thinking");
                if !text.is_empty() {
                    events.push(ResponseEvent::ReasoningContentDelta(text.clone()));
                }
                Block::Thinking {
                    text,
                    signature: take_text(&mut block, "signature"),
                }
            }
            Some("redacted_thinking") => Block::RedactedThinking(take_text(&mut block, "data")),
            _ => Block::Other,
        };
        self.blocks.insert(index, block);
        events
    }

    fn block_delta(&mut self, data: &mut Value) -> Vec<ResponseEvent> {
        let index = index(data);
        let Some(delta) = data.get_mut("delta") else {
            return Vec::new();
        };
        let kind = delta.get("type").and_then(Value::as_str).unwrap_or("");
        match kind {
            "text_delta" => {
                let text = take_text(delta, "text");
                let block = self
                    .blocks
                    .entry(index)
                    .or_insert_with(|| Block::Text(String::new()));
                if let Block::Text(buffer) = block {
                    buffer.push_str(&text);
                    return vec![ResponseEvent::OutputTextDelta(text)];
                }
            }
            "thinking_delta" => {
                let text = take_text(delta, "thinking");
                let block = self.blocks.entry(index).or_insert_with(|| Block::Thinking {
                    text: String::new(),
                    signature: String::new(),
                });
                if let Block::Thinking { text: buffer, .. } = block {
                    buffer.push_str(&text);
                    return vec![ResponseEvent::ReasoningContentDelta(text)];
                }
            }
            "signature_delta" => {
                if let Some(Block::Thinking { signature, .. }) = self.blocks.get_mut(&index) {
                    signature.push_str(&take_text(delta, "signature"));
                }
            }
            "input_json_delta" => {
                if let Some(Block::ToolUse { json, .. }) = self.blocks.get_mut(&index) {
                    json.push_str(&take_text(delta, "partial_json"));
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// The item a finished block stands for, if any.
    fn finish(&self, block: Block) -> Option<ResponseItem> {
        match block {
            Block::Text(text) if !text.is_empty() => Some(ResponseItem::assistant_text(text)),
            Block::ToolUse {
                id,
                name,
                input,
                json,
            } => {
                let arguments = if json.trim().is_empty() {
                    match input {
                        Value::Object(_) => input.to_string(),
                        _ => "{}".to_string(),
                    }
                } else {
                    json
                };
                Some(if self.freeform.contains(&name) {
                    ResponseItem::CustomToolCall {
                        id: None,
                        call_id: id,
                        name,
                        input: freeform_input(arguments),
                    }
                } else {
                    ResponseItem::FunctionCall {
                        id: None,
                        name,
                        arguments,
                        call_id: id,
                        namespace: None,
                    }
                })
            }
            Block::Thinking { text, signature } if !(text.is_empty() && signature.is_empty()) => {
                Some(ResponseItem::Reasoning {
                    id: THINKING_ID.to_string(),
                    summary: Vec::new(),
                    content: Some(vec![ReasoningContent::ReasoningText { text }]),
                    encrypted_content: (!signature.is_empty()).then_some(signature),
                })
            }
            Block::RedactedThinking(data) if !data.is_empty() => Some(ResponseItem::Reasoning {
                id: REDACTED_THINKING_ID.to_string(),
                summary: Vec::new(),
                content: None,
                encrypted_content: Some(data),
            }),
            _ => None,
        }
    }

    fn finish_all(&mut self) -> Vec<ResponseEvent> {
        std::mem::take(&mut self.blocks)
            .into_values()
            .filter_map(|block| self.finish(block))
            .map(ResponseEvent::OutputItemDone)
            .collect()
    }
}

impl WireParser for AnthropicParser {
    fn on_event(&mut self, ev: SseEvent) -> Result<Vec<ResponseEvent>, ApiError> {
        let SseEvent { event, data } = ev;
        let mut data = parse_event(&event, data)?;
        let kind = data
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or(event.as_str())
            .to_string();
        Ok(match kind.as_str() {
            "message_start" => {
                let message = data.get_mut("message").map(Value::take);
                let message = message.unwrap_or_default();
                if let Some(id) = message.get("id").and_then(Value::as_str) {
                    self.id = id.to_string();
                }
                self.counts
                    .update(message.get("usage").unwrap_or(&Value::Null));
                vec![ResponseEvent::Created]
            }
            "content_block_start" => self.block_start(&mut data),
            "content_block_delta" => self.block_delta(&mut data),
            "content_block_stop" => {
                let block = self.blocks.remove(&index(&data));
                block
                    .and_then(|b| self.finish(b))
                    .map(ResponseEvent::OutputItemDone)
                    .into_iter()
                    .collect()
            }
            "message_delta" => {
                self.counts
                    .update(data.get("usage").unwrap_or(&Value::Null));
                if let Some(reason) = data
                    .get("delta")
                    .and_then(|d| d.get("stop_reason"))
                    .and_then(Value::as_str)
                    .filter(|r| *r == "max_tokens")
                {
                    tracing::warn!(reason, "the model stopped at max_tokens");
                }
                Vec::new()
            }
            "message_stop" => {
                // Blocks never stopped are complete as far as they go.
                let mut events = self.finish_all();
                self.done = true;
                events.push(ResponseEvent::Completed {
                    response_id: self.id.clone(),
                    usage: self.counts.usage(),
                });
                events
            }
            "error" => return Err(failure(data.get("error").unwrap_or(&data))),
            // `ping`, and events added to the API later.
            _ => Vec::new(),
        })
    }

    fn on_end(&mut self) -> Result<Vec<ResponseEvent>, ApiError> {
        if self.done {
            Ok(Vec::new())
        } else {
            Err(ApiError::Stream(
                "the model stream closed before message_stop".into(),
            ))
        }
    }

    fn done(&self) -> bool {
        self.done
    }
}

fn index(data: &Value) -> u64 {
    data.get("index").and_then(Value::as_u64).unwrap_or(0)
}

/// The raw input of a freeform call offered as a function taking `{input}`; arguments of
/// another shape go through as they are.
fn freeform_input(arguments: String) -> String {
    match serde_json::from_str::<Value>(&arguments) {
        Ok(Value::Object(mut map)) => match map.remove("input") {
            Some(Value::String(input)) => input,
            _ => arguments,
        },
        _ => arguments,
    }
}

/// An `error` event: overloaded and internal errors are worth re-requesting; anything else is
/// the model's answer.
fn failure(error: &Value) -> ApiError {
    let kind = error.get("type").and_then(Value::as_str).map(String::from);
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("no message")
        .to_string();
    match kind.as_deref() {
        Some("overloaded_error") | Some("api_error") => ApiError::Stream(format!(
            "the model service failed the response ({}): {message}",
            kind.as_deref().unwrap_or_default()
        )),
        _ => ApiError::ResponseFailed {
            code: kind,
            message,
        },
    }
}

#[cfg(test)]
#[path = "parser_tests.rs"]
mod tests;
