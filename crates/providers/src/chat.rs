//! Chat Completions: request body, history conversion, and assembling streamed deltas.

use std::collections::BTreeMap;

use codex_protocol::{
    ContentItem, FunctionOutput, ReasoningContent, ReasoningSummaryPart, ResponseItem, TokenUsage,
};
use serde_json::{Value, json};

use crate::client::ModelSettings;
use crate::error::ApiError;
use crate::prompt::{Prompt, ResponseEvent, as_functions, flat_name};
use crate::sse::SseEvent;
use crate::wire::{Wire, WireParser};

pub(crate) struct ChatWire;

impl Wire for ChatWire {
    fn path(&self) -> &'static str {
        "/chat/completions"
    }

    fn headers(&self, _settings: &ModelSettings) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    fn request_body(&self, prompt: &Prompt, settings: &ModelSettings) -> Vec<u8> {
        request_body(prompt, settings).to_string().into_bytes()
    }

    fn new_parser(&self, _prompt: &Prompt) -> Box<dyn WireParser> {
        Box::new(ChatParser::default())
    }
}

fn request_body(prompt: &Prompt, settings: &ModelSettings) -> Value {
    let mut body = json!({
        "model": settings.model,
        "messages": messages(prompt),
        "stream": true,
        "stream_options": {"include_usage": true},
    });
    if !prompt.tools.is_empty() {
        body["tools"] = as_functions(&prompt.tools)
            .into_iter()
            .map(|(name, description, parameters)| {
                json!({"type": "function", "function": {"name": name,
                    "description": description, "parameters": parameters}})
            })
            .collect();
        body["tool_choice"] = json!("auto");
    }
    if let Some(schema) = &prompt.output_schema {
        body["response_format"] = json!({"type": "json_schema", "json_schema": {
            "name": "codex_output_schema", "strict": true, "schema": schema}});
    }
    if let Some(effort) = settings
        .reasoning_effort
        .filter(|_| settings.supports_reasoning)
    {
        body["reasoning_effort"] = json!(effort.as_str());
    }
    if let Some(max) = settings.max_output_tokens {
        body["max_tokens"] = json!(max);
    }
    body
}

/// The history as chat messages: consecutive tool calls become one assistant message with
/// `tool_calls`, each tool output a `tool` message, reasoning is not sent back.
fn messages(prompt: &Prompt) -> Vec<Value> {
    let mut out = vec![json!({"role": "system", "content": prompt.instructions})];
    let mut images: Vec<Value> = Vec::new();
    for item in prompt.input.iter() {
        if !matches!(
            item,
            ResponseItem::FunctionCallOutput { .. } | ResponseItem::CustomToolCallOutput { .. }
        ) {
            flush_images(&mut out, &mut images);
        }
        match item {
            ResponseItem::Message { role, content, .. } => {
                let role = match role.as_str() {
                    "developer" | "system" => "system",
                    "assistant" => "assistant",
                    _ => "user",
                };
                out.push(json!({"role": role, "content": chat_content(content)}));
            }
            ResponseItem::FunctionCall { .. } | ResponseItem::CustomToolCall { .. } => {
                let call = match item {
                    ResponseItem::CustomToolCall {
                        name,
                        input,
                        call_id,
                        ..
                    } => json!({"id": call_id, "type": "function", "function": {"name": name,
                        "arguments": json!({"input": input}).to_string()}}),
                    ResponseItem::FunctionCall {
                        name,
                        arguments,
                        call_id,
                        namespace,
                        ..
                    } => json!({"id": call_id, "type": "function",
                        "function": {"name": flat_name(namespace.as_deref(), name),
                            "arguments": arguments}}),
                    _ => continue,
                };
                let extend = out
                    .last_mut()
                    .filter(|m| m["role"] == "assistant" && m.get("tool_calls").is_some());
                match extend {
                    Some(last) => {
                        if let Some(calls) = last["tool_calls"].as_array_mut() {
                            calls.push(call);
                        }
                    }
                    None => {
                        // Attach to a just-sent assistant text if there is one.
                        let attach = out.last_mut().filter(|m| m["role"] == "assistant");
                        match attach {
                            Some(last) => last["tool_calls"] = json!([call]),
                            None => out.push(json!({"role": "assistant", "content": null,
                                "tool_calls": [call]})),
                        }
                    }
                }
            }
            ResponseItem::FunctionCallOutput { call_id, output } => {
                let text = match output {
                    FunctionOutput::Text(text) => text.clone(),
                    FunctionOutput::Content(_) if output.images().is_empty() => output.text(),
                    // Tool messages carry text only: the images follow as a user message once
                    // every output of this round has been sent.
                    FunctionOutput::Content(_) => {
                        images.extend(output.images().into_iter().map(image_part));
                        format!("{}\n(the image follows in the next message)", output.text())
                            .trim_start()
                            .to_string()
                    }
                };
                out.push(json!({"role": "tool", "tool_call_id": call_id, "content": text}));
                continue;
            }
            ResponseItem::CustomToolCallOutput { call_id, output } => {
                out.push(json!({"role": "tool", "tool_call_id": call_id, "content": output}));
                continue;
            }
            ResponseItem::Reasoning { .. } => {}
        }
    }
    flush_images(&mut out, &mut images);
    out
}

fn flush_images(out: &mut Vec<Value>, images: &mut Vec<Value>) {
    if !images.is_empty() {
        out.push(json!({"role": "user", "content": std::mem::take(images)}));
    }
}

fn image_part(item: &ContentItem) -> Value {
    match item {
        ContentItem::InputImage { image_url, .. } => {
            json!({"type": "image_url", "image_url": {"url": image_url}})
        }
        other => json!({"type": "text", "text": other.text().unwrap_or_default()}),
    }
}

/// A message's content: plain text, or parts when it carries images.
fn chat_content(content: &[ContentItem]) -> Value {
    let has_image = content
        .iter()
        .any(|c| matches!(c, ContentItem::InputImage { .. }));
    if !has_image {
        return Value::String(content.iter().filter_map(ContentItem::text).collect());
    }
    content.iter().map(image_part).collect()
}

#[derive(Default)]
struct PartialCall {
    id: String,
    name: String,
    arguments: String,
}

#[derive(Default)]
struct ChatParser {
    text: String,
    reasoning: String,
    calls: BTreeMap<u64, PartialCall>,
    finished: bool,
    done: bool,
    usage: Option<TokenUsage>,
    id: String,
}

impl WireParser for ChatParser {
    fn on_event(&mut self, ev: SseEvent) -> Result<Vec<ResponseEvent>, ApiError> {
        let mut data = ev.data;
        data.truncate(data.trim_end().len());
        data.drain(..data.len() - data.trim_start().len());
        if data == "[DONE]" {
            return self.complete();
        }
        // Taken first: the parser consumes the text.
        let start: String = data.chars().take(200).collect();
        let mut chunk: Value = crate::json::parse(data).map_err(|e| {
            ApiError::Stream(format!("malformed chunk from the model ({e}): {start}"))
        })?;
        if let Some(error) = chunk.get("error") {
            let message = error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("no message")
                .to_string();
            let code = error.get("code").and_then(Value::as_str).map(String::from);
            return Err(ApiError::ResponseFailed { code, message });
        }
        let mut events = Vec::new();
        if self.id.is_empty()
            && let Some(id) = chunk.get("id").and_then(Value::as_str)
        {
            self.id = id.to_string();
            events.push(ResponseEvent::Created);
        }
        if let Some(usage) = chunk.get("usage").filter(|u| !u.is_null()) {
            self.usage = Some(parse_usage(usage));
        }
        for choice in chunk
            .get_mut("choices")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            let mut no_delta = Value::Null;
            let delta = choice.get_mut("delta").unwrap_or(&mut no_delta);
            // Deltas are moved into their events; only the assembled text is a copy.
            if let Some(text) = take_string(delta, "content") {
                self.text.push_str(&text);
                events.push(ResponseEvent::OutputTextDelta(text));
            }
            let reasoning = if delta.get("reasoning_content").is_some() {
                "reasoning_content"
            } else {
                "reasoning"
            };
            if let Some(text) = take_string(delta, reasoning) {
                self.reasoning.push_str(&text);
                events.push(ResponseEvent::ReasoningContentDelta(text));
            }
            for call in delta
                .get("tool_calls")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let index = call.get("index").and_then(Value::as_u64).unwrap_or(0);
                let partial = self.calls.entry(index).or_default();
                if let Some(id) = call.get("id").and_then(Value::as_str) {
                    partial.id = id.to_string();
                }
                if let Some(f) = call.get("function") {
                    if let Some(name) = f.get("name").and_then(Value::as_str) {
                        partial.name.push_str(name);
                    }
                    if let Some(args) = f.get("arguments").and_then(Value::as_str) {
                        partial.arguments.push_str(args);
                    }
                }
            }
            if choice.get("finish_reason").is_some_and(|f| !f.is_null()) {
                self.finished = true;
            }
        }
        Ok(events)
    }

    /// Some servers end the stream after the finish reason without `[DONE]`.
    fn on_end(&mut self) -> Result<Vec<ResponseEvent>, ApiError> {
        if self.done {
            Ok(Vec::new())
        } else if self.finished {
            self.complete()
        } else {
            Err(ApiError::Stream(
                "the model stream closed before the completion finished".into(),
            ))
        }
    }

    fn done(&self) -> bool {
        self.done
    }
}

impl ChatParser {
    fn complete(&mut self) -> Result<Vec<ResponseEvent>, ApiError> {
        if self.done {
            return Ok(Vec::new());
        }
        self.done = true;
        let mut events = Vec::new();
        if !self.reasoning.is_empty() {
            events.push(ResponseEvent::OutputItemDone(ResponseItem::Reasoning {
                id: String::new(),
                summary: Vec::<ReasoningSummaryPart>::new(),
                content: Some(vec![ReasoningContent::ReasoningText {
                    text: std::mem::take(&mut self.reasoning),
                }]),
                encrypted_content: None,
            }));
        }
        if !self.text.is_empty() {
            events.push(ResponseEvent::OutputItemDone(ResponseItem::assistant_text(
                std::mem::take(&mut self.text),
            )));
        }
        for (index, call) in std::mem::take(&mut self.calls) {
            let call_id = if call.id.is_empty() {
                format!("call_{index}")
            } else {
                call.id
            };
            events.push(ResponseEvent::OutputItemDone(ResponseItem::FunctionCall {
                id: None,
                name: call.name,
                arguments: call.arguments,
                call_id,
                namespace: None,
            }));
        }
        events.push(ResponseEvent::Completed {
            response_id: self.id.clone(),
            usage: self.usage,
        });
        Ok(events)
    }
}

/// The non-empty string at `key`, moved out.
fn take_string(value: &mut Value, key: &str) -> Option<String> {
    match value.get_mut(key)? {
        Value::String(s) if !s.is_empty() => Some(std::mem::take(s)),
        _ => None,
    }
}

fn parse_usage(u: &Value) -> TokenUsage {
    crate::usage::parse(
        u,
        crate::usage::UsageKeys {
            input: "prompt_tokens",
            output: "completion_tokens",
            input_details: "prompt_tokens_details",
            output_details: "completion_tokens_details",
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(data: Value) -> SseEvent {
        SseEvent {
            event: String::new(),
            data: data.to_string(),
        }
    }

    #[test]
    fn assembles_tool_calls_by_index() {
        let mut p = ChatParser::default();
        let chunks = [
            json!({"id": "c", "choices": [{"index": 0, "delta": {"tool_calls": [
                {"index": 1, "id": "b", "function": {"name": "shell", "arguments": "{\"comm"}},
                {"index": 0, "id": "a", "function": {"name": "update_plan", "arguments": ""}}]}}]}),
            json!({"id": "c", "choices": [{"index": 0, "delta": {"tool_calls": [
                {"index": 1, "function": {"arguments": "and\":[\"ls\"]}"}},
                {"index": 0, "function": {"arguments": "{}"}}]}}]}),
            json!({"id": "c", "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}),
        ];
        for c in chunks {
            p.on_event(ev(c)).unwrap();
        }
        let events = p.on_end().unwrap();
        let calls: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                ResponseEvent::OutputItemDone(ResponseItem::FunctionCall {
                    name,
                    arguments,
                    call_id,
                    ..
                }) => Some((call_id.as_str(), name.as_str(), arguments.as_str())),
                _ => None,
            })
            .collect();
        assert_eq!(
            calls,
            [
                ("a", "update_plan", "{}"),
                ("b", "shell", "{\"command\":[\"ls\"]}")
            ]
        );
    }

    #[test]
    fn history_groups_calls_and_outputs() {
        let prompt = Prompt {
            instructions: "sys".into(),
            input: vec![
                ResponseItem::user_text("hi"),
                ResponseItem::FunctionCall {
                    id: None,
                    name: "shell".into(),
                    arguments: "{}".into(),
                    call_id: "1".into(),
                    namespace: None,
                },
                ResponseItem::FunctionCall {
                    id: None,
                    name: "shell".into(),
                    arguments: "{}".into(),
                    call_id: "2".into(),
                    namespace: None,
                },
                ResponseItem::FunctionCallOutput {
                    call_id: "1".into(),
                    output: "a".into(),
                },
                ResponseItem::FunctionCallOutput {
                    call_id: "2".into(),
                    output: "b".into(),
                },
            ]
            .into(),
            ..Default::default()
        };
        let m = messages(&prompt);
        assert_eq!(m.len(), 5);
        assert_eq!(m[2]["tool_calls"].as_array().map(Vec::len), Some(2));
        assert_eq!(m[3]["role"], "tool");
        assert_eq!(m[4]["tool_call_id"], "2");
    }

    #[test]
    fn stream_without_finish_is_an_error() {
        let mut p = ChatParser::default();
        p.on_event(ev(
            json!({"id": "c", "choices": [{"index": 0, "delta": {"content": "x"}}]}),
        ))
        .unwrap();
        assert!(matches!(p.on_end(), Err(ApiError::Stream(_))));
    }
}
