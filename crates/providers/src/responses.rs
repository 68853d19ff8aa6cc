//! The OpenAI Responses API: request body and stream events.

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

    fn request_body(&self, prompt: &Prompt, settings: &ModelSettings) -> Value {
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

fn request_body(prompt: &Prompt, settings: &ModelSettings) -> Value {
    let input: Vec<Value> = prompt.input.iter().filter_map(input_item).collect();
    let tools: Vec<Value> = prompt.tools.iter().map(tool_json).collect();
    let mut body = json!({
        "model": settings.model,
        "instructions": prompt.instructions,
        "input": input,
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
    body
}

/// History items as the Responses API takes them. With `store: false` the server keeps nothing,
/// so item ids are not sent, and reasoning is only sent back when it carries encrypted content.
fn input_item(item: &ResponseItem) -> Option<Value> {
    let mut item = item.clone();
    match &mut item {
        ResponseItem::Message { id, .. }
        | ResponseItem::FunctionCall { id, .. }
        | ResponseItem::CustomToolCall { id, .. } => *id = None,
        ResponseItem::Reasoning {
            encrypted_content, ..
        } if encrypted_content.is_none() => return None,
        _ => {}
    }
    serde_json::to_value(item).ok()
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
