//! The request body: the history as alternating user and assistant messages of content blocks,
//! tools as `input_schema` functions, and thinking when reasoning is configured.

use codex_protocol::{ContentItem, FunctionOutput, ReasoningEffort, ResponseItem};
use serde_json::{Value, json};

use super::{REDACTED_THINKING_ID, THINKING_ID};
use crate::client::ModelSettings;
use crate::prompt::{Prompt, as_functions, flat_name};

/// `max_tokens` when the user sets no `model_max_output_tokens`: room for the answer, on top
/// of the thinking budget when thinking is on. The API requires the field.
const DEFAULT_MAX_TOKENS: u64 = 8192;

/// The smallest thinking budget the API accepts.
const MIN_THINKING_BUDGET: u64 = 1024;

/// Tokens the model may spend thinking at each reasoning effort; `None` turns thinking off.
fn thinking_budget(effort: ReasoningEffort) -> Option<u64> {
    match effort {
        ReasoningEffort::None => None,
        ReasoningEffort::Minimal => Some(MIN_THINKING_BUDGET),
        ReasoningEffort::Low => Some(4_096),
        ReasoningEffort::Medium => Some(8_192),
        ReasoningEffort::High => Some(16_384),
        ReasoningEffort::Xhigh
        | ReasoningEffort::Max
        | ReasoningEffort::Ultra
        | ReasoningEffort::Persistent => Some(32_768),
    }
}

pub(crate) fn request_body(prompt: &Prompt, settings: &ModelSettings) -> Value {
    let budget = settings
        .reasoning_effort
        .filter(|_| settings.supports_reasoning)
        .and_then(thinking_budget);
    let max_tokens = settings
        .max_output_tokens
        .unwrap_or(DEFAULT_MAX_TOKENS + budget.unwrap_or(0))
        .max(1);
    // The budget is part of `max_tokens` and must stay below it.
    let budget = budget
        .map(|b| b.min(max_tokens - 1))
        .filter(|b| *b >= MIN_THINKING_BUDGET);
    let mut body = json!({
        "model": settings.model,
        "max_tokens": max_tokens,
        "messages": messages(&prompt.input),
        "stream": true,
    });
    let system = system_text(prompt);
    if !system.trim().is_empty() {
        // A cache breakpoint: the tools and instructions are the same in every request.
        body["system"] = json!([{"type": "text", "text": system,
            "cache_control": {"type": "ephemeral"}}]);
    }
    if !prompt.tools.is_empty() {
        body["tools"] = as_functions(&prompt.tools)
            .into_iter()
            .map(|(name, description, parameters)| {
                json!({"name": name, "description": description, "input_schema": parameters})
            })
            .collect();
        body["tool_choice"] = json!({"type": "auto"});
    }
    if let Some(budget) = budget {
        body["thinking"] = json!({"type": "enabled", "budget_tokens": budget});
    }
    body
}

/// The instructions, and what the final answer must look like when a schema is set (the API
/// has no strict output format).
fn system_text(prompt: &Prompt) -> String {
    let mut text = prompt.instructions.clone();
    if let Some(schema) = &prompt.output_schema {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(
            "Your final answer must be one JSON value, with nothing before or after it, that \
             matches this JSON Schema:\n",
        );
        text.push_str(&schema.to_string());
    }
    text
}

/// Messages being built: a block for a role goes into the last message when it has that role,
/// so the roles alternate as the API requires.
#[derive(Default)]
struct Messages {
    list: Vec<(&'static str, Vec<Value>)>,
}

impl Messages {
    fn push(&mut self, role: &'static str, block: Value) {
        match self.list.last_mut() {
            Some((last, blocks)) if *last == role => blocks.push(block),
            _ => self.list.push((role, vec![block])),
        }
    }

    fn into_json(mut self) -> Vec<Value> {
        for (role, blocks) in &mut self.list {
            if *role == "user" {
                // Tool results must open the message that answers the calls.
                blocks.sort_by_key(|b| b["type"] != "tool_result");
            }
        }
        // A cache breakpoint at the end of the conversation: the next request, which repeats
        // all of it, reads it from the cache.
        if let Some(("user", blocks)) = self.list.last_mut()
            && let Some(last) = blocks.last_mut()
        {
            last["cache_control"] = json!({"type": "ephemeral"});
        }
        self.list
            .into_iter()
            .map(|(role, content)| json!({"role": role, "content": content}))
            .collect()
    }
}

/// The history as messages. Consecutive items of one role share a message: a round of tool
/// calls is one assistant message (with the thinking and text around it), its results one user
/// message.
fn messages(input: &[ResponseItem]) -> Vec<Value> {
    let mut m = Messages::default();
    for item in input {
        match item {
            ResponseItem::Message { role, content, .. } => {
                let role = if role == "assistant" {
                    "assistant"
                } else {
                    // Developer and system messages have no role of their own here.
                    "user"
                };
                for part in content {
                    match part {
                        ContentItem::InputImage { image_url, .. } if role == "user" => {
                            if let Some(block) = image_block(image_url) {
                                m.push(role, block);
                            }
                        }
                        _ => {
                            if let Some(block) = part.text().and_then(text_block) {
                                m.push(role, block);
                            }
                        }
                    }
                }
            }
            ResponseItem::Reasoning {
                id,
                content,
                encrypted_content,
                ..
            } => {
                // Thinking goes back only with the signature the API checks it by; reasoning
                // from other wires (other ids) cannot be checked and stays out.
                let Some(signature) = encrypted_content.as_deref().filter(|s| !s.is_empty()) else {
                    continue;
                };
                if id == REDACTED_THINKING_ID {
                    m.push(
                        "assistant",
                        json!({"type": "redacted_thinking", "data": signature}),
                    );
                    continue;
                }
                let text: String = content
                    .iter()
                    .flatten()
                    .map(codex_protocol::ReasoningContent::text)
                    .collect();
                if !text.is_empty() && id == THINKING_ID {
                    m.push(
                        "assistant",
                        json!({"type": "thinking", "thinking": text, "signature": signature}),
                    );
                }
            }
            ResponseItem::FunctionCall {
                name,
                arguments,
                call_id,
                namespace,
                ..
            } => m.push(
                "assistant",
                json!({"type": "tool_use", "id": call_id,
                    "name": flat_name(namespace.as_deref(), name),
                    "input": tool_input(arguments)}),
            ),
            ResponseItem::CustomToolCall {
                call_id,
                name,
                input,
                ..
            } => m.push(
                "assistant",
                json!({"type": "tool_use", "id": call_id, "name": name,
                    "input": {"input": input}}),
            ),
            ResponseItem::FunctionCallOutput { call_id, output } => {
                m.push("user", tool_result(call_id, function_output(output)));
            }
            ResponseItem::CustomToolCallOutput { call_id, output } => {
                let content = (!output.is_empty()).then(|| json!(output));
                m.push("user", tool_result(call_id, content));
            }
        }
    }
    m.into_json()
}

/// A text block; the API refuses blank ones.
fn text_block(text: &str) -> Option<Value> {
    (!text.trim().is_empty()).then(|| json!({"type": "text", "text": text}))
}

/// An image block from a `data:` URL (base64) or a web URL.
fn image_block(url: &str) -> Option<Value> {
    if let Some(rest) = url.strip_prefix("data:") {
        let (meta, data) = rest.split_once(',')?;
        let media_type = meta.strip_suffix(";base64")?;
        return Some(json!({"type": "image", "source": {"type": "base64",
            "media_type": media_type, "data": data}}));
    }
    (url.starts_with("https://") || url.starts_with("http://"))
        .then(|| json!({"type": "image", "source": {"type": "url", "url": url}}))
}

/// A call's arguments as the object the API wants; text that is not a JSON object is kept
/// under `raw_arguments`, so the model sees what it wrote.
fn tool_input(arguments: &str) -> Value {
    if arguments.trim().is_empty() {
        return json!({});
    }
    match serde_json::from_str::<Value>(arguments) {
        Ok(value @ Value::Object(_)) => value,
        _ => json!({"raw_arguments": arguments}),
    }
}

fn tool_result(call_id: &str, content: Option<Value>) -> Value {
    let mut block = json!({"type": "tool_result", "tool_use_id": call_id});
    if let Some(content) = content {
        block["content"] = content;
    }
    block
}

/// A function's output as `tool_result` content: its text, or text and image blocks.
fn function_output(output: &FunctionOutput) -> Option<Value> {
    match output {
        FunctionOutput::Text(text) => (!text.is_empty()).then(|| json!(text)),
        FunctionOutput::Content(parts) => {
            let blocks: Vec<Value> = parts
                .iter()
                .filter_map(|part| match part {
                    ContentItem::InputImage { image_url, .. } => image_block(image_url),
                    _ => part.text().and_then(text_block),
                })
                .collect();
            (!blocks.is_empty()).then_some(Value::Array(blocks))
        }
    }
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;
