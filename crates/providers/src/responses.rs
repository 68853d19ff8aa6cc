//! The OpenAI Responses API: request body and stream events.

use std::borrow::Cow;

use codex_protocol::{ReasoningEffort, ReasoningSummary, ResponseItem, TokenUsage};
use serde_json::{Value, json};

use crate::client::ModelSettings;
use crate::error::ApiError;
use crate::json::{parse_event, take_text};
use crate::prompt::{Prompt, ResponseEvent, ToolSpec};
use crate::sse::SseEvent;
use crate::wire::{Wire, WireParser};

pub(crate) struct ResponsesWire;

impl Wire for ResponsesWire {
    fn path(&self) -> &'static str {
        "/responses"
    }

    fn headers(&self, settings: &ModelSettings) -> Vec<(&'static str, String)> {
        vec![
            ("OpenAI-Beta", "responses=experimental".to_string()),
            ("session_id", settings.session_id.clone()),
            ("conversation_id", settings.session_id.clone()),
        ]
    }

    fn request_body(&self, prompt: &Prompt, settings: &ModelSettings) -> Vec<u8> {
        request_body(prompt, settings)
    }

    fn new_parser(&self, _prompt: &Prompt) -> Box<dyn WireParser> {
        Box::new(ResponsesParser::default())
    }
}

/// The `reasoning` parameter, for models that take one.
fn reasoning(settings: &ModelSettings) -> Option<Value> {
    if !settings.supports_reasoning {
        return None;
    }
    let effort = settings.reasoning_effort.unwrap_or(ReasoningEffort::Medium);
    let mut r = json!({"effort": effort.as_str()});
    if settings.reasoning_summary != ReasoningSummary::None {
        r["summary"] = json!(settings.reasoning_summary.as_str());
    }
    Some(r)
}

fn tool_json(tool: &ToolSpec) -> Value {
    match tool {
        ToolSpec::Function {
            name,
            description,
            parameters,
        } => json!({"type": "function", "name": name, "description": description,
            "strict": false, "parameters": parameters}),
        ToolSpec::Freeform {
            name,
            description,
            format,
        } => json!({"type": "custom", "name": name, "description": description,
            "format": format}),
        ToolSpec::Namespace {
            name,
            description,
            tools,
        } => json!({"type": "namespace", "name": name, "description": description,
            "tools": tools.iter().map(tool_json).collect::<Vec<_>>()}),
    }
}

/// The body as JSON text. The history is written into it item by item: as a `Value` tree it
/// would take many times its own size in memory on every request of a long session.
fn request_body(prompt: &Prompt, settings: &ModelSettings) -> Vec<u8> {
    let fields = request_fields(prompt, settings);
    let mut out = Vec::new();
    out.push(b'{');
    for (n, (key, value)) in fields.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.extend_from_slice(Value::from(key.as_str()).to_string().as_bytes());
        out.push(b':');
        if key == "input" {
            write_input(&mut out, &prompt.input);
        } else {
            out.extend_from_slice(value.to_string().as_bytes());
        }
    }
    out.push(b'}');
    out
}

/// The body's fields, `input` an empty placeholder in its place.
fn request_fields(prompt: &Prompt, settings: &ModelSettings) -> serde_json::Map<String, Value> {
    let tools: Vec<Value> = prompt.tools.iter().map(tool_json).collect();
    let mut body = json!({
        "model": settings.model,
        "instructions": prompt.instructions,
        "input": [],
        "tools": tools,
        "tool_choice": "auto",
        "parallel_tool_calls": prompt.parallel_tool_calls,
        "store": false,
        "stream": true,
        "prompt_cache_key": settings.session_id,
    });
    if let Some(program) = &prompt.cyber_access_program {
        body["access_programs"] = json!({"cyber": program});
    }
    if let Some(reasoning) = reasoning(settings) {
        body["reasoning"] = reasoning;
        body["include"] = json!(["reasoning.encrypted_content"]);
    } else {
        body["include"] = json!([]);
    }
    let mut text = serde_json::Map::new();
    if let Some(v) = settings.verbosity {
        text.insert("verbosity".into(), json!(v.as_str()));
    }
    if let Some(schema) = &prompt.output_schema {
        text.insert(
            "format".into(),
            json!({"type": "json_schema", "name": "codex_output_schema", "strict": true,
                "schema": schema}),
        );
    }
    if !text.is_empty() {
        body["text"] = Value::Object(text);
    }
    if let Some(max) = settings.max_output_tokens {
        body["max_output_tokens"] = json!(max);
    }
    match body {
        Value::Object(fields) => fields,
        _ => serde_json::Map::new(),
    }
}

/// The history as a JSON array, each item serialised straight into `out`.
fn write_input(out: &mut Vec<u8>, items: &[ResponseItem]) {
    out.push(b'[');
    let mut first = true;
    for item in items {
        let Some(item) = input_item(item) else {
            continue;
        };
        let mark = out.len();
        if !first {
            out.push(b',');
        }
        match serde_json::to_writer(&mut *out, item.as_ref()) {
            Ok(()) => first = false,
            // An item that cannot be serialised is left out, not sent half written.
            Err(_) => out.truncate(mark),
        }
    }
    out.push(b']');
}

/// History items as the Responses API takes them. With `store: false` the server keeps nothing,
/// so item ids are not sent, and reasoning is only sent back when it carries encrypted content.
/// Only an item with an id is copied (to drop it), one at a time.
fn input_item(item: &ResponseItem) -> Option<Cow<'_, ResponseItem>> {
    match item {
        ResponseItem::Message { id: Some(_), .. }
        | ResponseItem::FunctionCall { id: Some(_), .. }
        | ResponseItem::CustomToolCall { id: Some(_), .. } => {
            let mut item = item.clone();
            if let ResponseItem::Message { id, .. }
            | ResponseItem::FunctionCall { id, .. }
            | ResponseItem::CustomToolCall { id, .. } = &mut item
            {
                *id = None;
            }
            Some(Cow::Owned(item))
        }
        ResponseItem::Reasoning {
            encrypted_content: None,
            ..
        } => None,
        _ => Some(Cow::Borrowed(item)),
    }
}

#[derive(Default)]
struct ResponsesParser {
    completed: bool,
}

impl WireParser for ResponsesParser {
    fn on_event(&mut self, ev: SseEvent) -> Result<Vec<ResponseEvent>, ApiError> {
        let SseEvent { event, data } = ev;
        let mut data = parse_event(&event, data)?;
        let kind = data
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or(event.as_str())
            .to_string();
        Ok(match kind.as_str() {
            "response.created" => vec![ResponseEvent::Created],
            "response.output_text.delta" => {
                vec![ResponseEvent::OutputTextDelta(take_text(
                    &mut data, "delta",
                ))]
            }
            "response.reasoning_summary_text.delta" => {
                vec![ResponseEvent::ReasoningSummaryDelta(take_text(
                    &mut data, "delta",
                ))]
            }
            "response.reasoning_text.delta" => {
                vec![ResponseEvent::ReasoningContentDelta(take_text(
                    &mut data, "delta",
                ))]
            }
            "response.output_item.done" => {
                let item = data.get_mut("item").map(Value::take).unwrap_or_default();
                // Items we do not handle (built-in tool calls and the like) are skipped.
                match serde_json::from_value::<ResponseItem>(item) {
                    Ok(item) => vec![ResponseEvent::OutputItemDone(item)],
                    Err(_) => Vec::new(),
                }
            }
            "response.completed" => {
                self.completed = true;
                let response = data.get("response").unwrap_or(&Value::Null);
                vec![ResponseEvent::Completed {
                    response_id: response
                        .get("id")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    usage: response.get("usage").map(parse_usage),
                }]
            }
            "response.failed" | "error" => {
                let error = data
                    .get("response")
                    .and_then(|r| r.get("error"))
                    .or_else(|| data.get("error"))
                    .unwrap_or(&data);
                return Err(failure(error));
            }
            "response.incomplete" => {
                let reason = data
                    .get("response")
                    .and_then(|r| r.get("incomplete_details"))
                    .and_then(|d| d.get("reason"))
                    .and_then(Value::as_str)
                    .unwrap_or("unknown")
                    .to_string();
                return Err(ApiError::ResponseFailed {
                    code: Some("incomplete".into()),
                    message: format!("the response was cut short ({reason})"),
                });
            }
            _ => Vec::new(),
        })
    }

    fn on_end(&mut self) -> Result<Vec<ResponseEvent>, ApiError> {
        if self.completed {
            Ok(Vec::new())
        } else {
            Err(ApiError::Stream(
                "the model stream closed before response.completed".into(),
            ))
        }
    }

    fn done(&self) -> bool {
        self.completed
    }
}

fn failure(error: &Value) -> ApiError {
    let code = error.get("code").and_then(Value::as_str).map(String::from);
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("no message")
        .to_string();
    match code.as_deref() {
        Some("rate_limit_exceeded") | Some("server_error") | Some("server_is_overloaded") => {
            ApiError::Stream(format!("the model service failed the response: {message}"))
        }
        _ => ApiError::ResponseFailed { code, message },
    }
}

fn parse_usage(u: &Value) -> TokenUsage {
    crate::usage::parse(
        u,
        crate::usage::UsageKeys {
            input: "input_tokens",
            output: "output_tokens",
            input_details: "input_tokens_details",
            output_details: "output_tokens_details",
        },
    )
}

#[cfg(test)]
mod tests {
    use codex_protocol::{ContentItem, ReasoningSummaryPart, Verbosity};

    use super::*;

    fn settings() -> ModelSettings {
        ModelSettings {
            model: "gpt-5".into(),
            reasoning_effort: Some(ReasoningEffort::High),
            reasoning_summary: ReasoningSummary::Auto,
            verbosity: Some(Verbosity::Low),
            max_output_tokens: Some(100),
            session_id: "s".into(),
            originator: "o".into(),
            supports_reasoning: true,
        }
    }

    fn reasoning(encrypted: Option<&str>) -> ResponseItem {
        ResponseItem::Reasoning {
            id: "rs_1".into(),
            summary: vec![ReasoningSummaryPart::SummaryText {
                text: "thinking \"hard\"".into(),
            }],
            content: None,
            encrypted_content: encrypted.map(String::from),
        }
    }

    #[test]
    fn the_body_is_the_fields_with_the_history_in_place_of_input() {
        let prompt = Prompt {
            instructions: "be brief\n".into(),
            input: vec![
                ResponseItem::user_text("hi ✓"),
                reasoning(None),
                reasoning(Some("opaque")),
                ResponseItem::Message {
                    id: Some("msg_1".into()),
                    role: "assistant".into(),
                    content: vec![ContentItem::OutputText {
                        text: "line\nnext".into(),
                    }],
                },
                ResponseItem::FunctionCall {
                    id: Some("fc_1".into()),
                    name: "shell".into(),
                    arguments: "{\"command\":[\"ls\"]}".into(),
                    call_id: "call_1".into(),
                    namespace: None,
                },
                ResponseItem::FunctionCall {
                    id: Some("fc_2".into()),
                    name: "echo".into(),
                    arguments: "{}".into(),
                    call_id: "call_3".into(),
                    namespace: Some("mcp__everything".into()),
                },
                ResponseItem::FunctionCallOutput {
                    call_id: "call_1".into(),
                    output: "a\tb".into(),
                },
                ResponseItem::CustomToolCall {
                    id: Some("ctc_1".into()),
                    call_id: "call_2".into(),
                    name: "apply_patch".into(),
                    input: "*** Begin Patch".into(),
                },
                ResponseItem::CustomToolCallOutput {
                    call_id: "call_2".into(),
                    output: "done".into(),
                },
            ]
            .into(),
            tools: vec![ToolSpec::Function {
                name: "shell".into(),
                description: "runs".into(),
                parameters: json!({"type": "object"}),
            }],
            output_schema: Some(json!({"type": "object"})),
            parallel_tool_calls: false,
            cyber_access_program: None,
        };
        let body = request_body(&prompt, &settings());
        let parsed: Value = serde_json::from_slice(&body).expect("the body is JSON");

        let mut expected = request_fields(&prompt, &settings());
        // What the history was sent as before: ids dropped, reasoning without encrypted
        // content left out.
        expected["input"] = json!([
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi ✓"}]},
            {"type": "reasoning", "id": "rs_1",
                "summary": [{"type": "summary_text", "text": "thinking \"hard\""}],
                "encrypted_content": "opaque"},
            {"type": "message", "role": "assistant",
                "content": [{"type": "output_text", "text": "line\nnext"}]},
            {"type": "function_call", "name": "shell", "arguments": "{\"command\":[\"ls\"]}",
                "call_id": "call_1"},
            {"type": "function_call", "name": "echo", "arguments": "{}", "call_id": "call_3",
                "namespace": "mcp__everything"},
            {"type": "function_call_output", "call_id": "call_1", "output": "a\tb"},
            {"type": "custom_tool_call", "call_id": "call_2", "name": "apply_patch",
                "input": "*** Begin Patch"},
            {"type": "custom_tool_call_output", "call_id": "call_2", "output": "done"},
        ]);
        assert_eq!(parsed, Value::Object(expected));
    }

    #[test]
    fn an_empty_history_is_an_empty_input() {
        let prompt = Prompt::default();
        let body: Value = serde_json::from_slice(&request_body(&prompt, &settings())).unwrap();
        assert_eq!(body["input"], json!([]));
        assert_eq!(body["model"], json!("gpt-5"));
    }
}
