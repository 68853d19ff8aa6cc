//! Rendering wire-independent events as Responses, Chat Completions or Anthropic Messages SSE.

use serde_json::{Value, json};

use crate::script::Ev;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    Responses,
    Chat,
    Anthropic,
}

impl Wire {
    pub fn from_path(path: &str) -> Option<Wire> {
        let path = path.split('?').next().unwrap_or(path);
        if path.ends_with("/responses") {
            Some(Wire::Responses)
        } else if path.ends_with("/chat/completions") {
            Some(Wire::Chat)
        } else if path.ends_with("/messages") {
            Some(Wire::Anthropic)
        } else {
            None
        }
    }
}

/// Names of the tools a request offers, on any wire.
pub fn tool_names(body: &Value) -> Vec<String> {
    body.get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| {
            t.get("name")
                .or_else(|| t.get("function").and_then(|f| f.get("name")))
                .and_then(Value::as_str)
                .map(String::from)
        })
        .collect()
}

/// The shell tool a request offers, by name.
pub fn offered_shell_tool(body: &Value) -> &'static str {
    let names = tool_names(body);
    for candidate in ["shell", "shell_command", "exec_command"] {
        if names.iter().any(|n| n == candidate) {
            return candidate;
        }
    }
    "shell"
}

pub(crate) fn shell_arguments(tool: &str, command: &str) -> String {
    match tool {
        "exec_command" => json!({ "cmd": command }),
        "shell_command" => json!({ "command": command }),
        _ => json!({ "command": ["bash", "-lc", command] }),
    }
    .to_string()
}

/// SSE frames for each event, after a leading group for the stream header.
pub fn render(wire: Wire, events: &[Ev], request: &Value) -> Vec<Vec<String>> {
    match wire {
        Wire::Responses => render_responses(events, request),
        Wire::Chat => render_chat(events, request),
        Wire::Anthropic => crate::render_anthropic::render(events, request),
    }
}

pub(crate) fn sse(event: &str, data: &Value) -> String {
    format!("event: {event}\ndata: {data}\n\n")
}

/// Splits text in up to three pieces to exercise delta assembly.
pub(crate) fn pieces(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 3 {
        return vec![s.to_string()];
    }
    let third = chars.len() / 3;
    vec![
        chars[..third].iter().collect(),
        chars[third..2 * third].iter().collect(),
        chars[2 * third..].iter().collect(),
    ]
}

fn render_responses(events: &[Ev], request: &Value) -> Vec<Vec<String>> {
    let shell_tool = offered_shell_tool(request);
    let mut groups = vec![vec![sse(
        "response.created",
        &json!({"type": "response.created", "response": {"id": "resp_mock"}}),
    )]];
    let mut usage = json!({"input_tokens": 0, "output_tokens": 0, "total_tokens": 0});
    let mut failed = None;
    for (i, ev) in events.iter().enumerate() {
        let mut frames = Vec::new();
        match ev {
            Ev::Text(text) => {
                let id = format!("msg_{i}");
                frames.push(sse(
                    "response.output_item.added",
                    &json!({"type": "response.output_item.added", "output_index": i,
                        "item": {"type": "message", "id": id, "role": "assistant", "content": []}}),
                ));
                for piece in pieces(text) {
                    frames.push(sse(
                        "response.output_text.delta",
                        &json!({"type": "response.output_text.delta", "item_id": id,
                            "output_index": i, "content_index": 0, "delta": piece}),
                    ));
                }
                frames.push(sse(
                    "response.output_item.done",
                    &json!({"type": "response.output_item.done", "output_index": i,
                        "item": {"type": "message", "id": id, "role": "assistant",
                            "content": [{"type": "output_text", "text": text}]}}),
                ));
            }
            Ev::Reasoning(text) => {
                let id = format!("rs_{i}");
                for piece in pieces(text) {
                    frames.push(sse(
                        "response.reasoning_summary_text.delta",
                        &json!({"type": "response.reasoning_summary_text.delta", "item_id": id,
                            "output_index": i, "summary_index": 0, "delta": piece}),
                    ));
                }
                frames.push(sse(
                    "response.output_item.done",
                    &json!({"type": "response.output_item.done", "output_index": i,
                        "item": {"type": "reasoning", "id": id,
                            "summary": [{"type": "summary_text", "text": text}],
                            "encrypted_content": "opaque-reasoning"}}),
                ));
            }
            Ev::FunctionCall {
                call_id,
                name,
                arguments,
                namespace,
            } => frames.push(function_call_done(
                i,
                call_id,
                name,
                arguments,
                namespace.as_deref(),
            )),
            Ev::CustomToolCall {
                call_id,
                name,
                input,
            } => frames.push(sse(
                "response.output_item.done",
                &json!({"type": "response.output_item.done", "output_index": i,
                    "item": {"type": "custom_tool_call", "id": format!("ctc_{i}"),
                        "call_id": call_id, "name": name, "input": input}}),
            )),
            Ev::ShellCall { call_id, command } => frames.push(function_call_done(
                i,
                call_id,
                shell_tool,
                &shell_arguments(shell_tool, command),
                None,
            )),
            Ev::Usage {
                input,
                cached,
                output,
                reasoning,
            } => {
                usage = json!({
                    "input_tokens": input,
                    "input_tokens_details": {"cached_tokens": cached},
                    "output_tokens": output,
                    "output_tokens_details": {"reasoning_tokens": reasoning},
                    "total_tokens": input + output,
                });
            }
            Ev::Failed { code, message } => {
                failed = Some(json!({"code": code, "message": message}));
            }
        }
        groups.push(frames);
    }
    let last = match failed {
        Some(error) => sse(
            "response.failed",
            &json!({"type": "response.failed",
                "response": {"id": "resp_mock", "status": "failed", "error": error}}),
        ),
        None => sse(
            "response.completed",
            &json!({"type": "response.completed",
                "response": {"id": "resp_mock", "status": "completed", "usage": usage}}),
        ),
    };
    groups.push(vec![last]);
    groups
}

fn function_call_done(
    i: usize,
    call_id: &str,
    name: &str,
    arguments: &str,
    namespace: Option<&str>,
) -> String {
    let mut item = json!({"type": "function_call", "id": format!("fc_{i}"), "call_id": call_id,
        "name": name, "arguments": arguments});
    if let Some(namespace) = namespace {
        item["namespace"] = json!(namespace);
    }
    sse(
        "response.output_item.done",
        &json!({"type": "response.output_item.done", "output_index": i, "item": item}),
    )
}

/// A namespaced function's name on wires without namespaces.
pub(crate) fn flat_name(name: &str, namespace: Option<&str>) -> String {
    match namespace {
        Some(namespace) => format!("{namespace}__{name}"),
        None => name.to_string(),
    }
}

fn chat_chunk(delta: Value, finish: Option<&str>) -> String {
    let data = json!({"id": "chatcmpl-mock", "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
    format!("data: {data}\n\n")
}

fn render_chat(events: &[Ev], request: &Value) -> Vec<Vec<String>> {
    let shell_tool = offered_shell_tool(request);
    let mut groups = vec![vec![chat_chunk(json!({"role": "assistant"}), None)]];
    let mut tool_index = 0;
    let mut usage = None;
    let mut failed = None;
    for ev in events {
        let mut frames = Vec::new();
        let mut call = |call_id: &str, name: &str, arguments: &str, frames: &mut Vec<String>| {
            frames.push(chat_chunk(
                json!({"tool_calls": [{"index": tool_index, "id": call_id, "type": "function",
                    "function": {"name": name, "arguments": ""}}]}),
                None,
            ));
            for piece in pieces(arguments) {
                frames.push(chat_chunk(
                    json!({"tool_calls": [{"index": tool_index,
                        "function": {"arguments": piece}}]}),
                    None,
                ));
            }
            tool_index += 1;
        };
        match ev {
            Ev::Text(text) => {
                for piece in pieces(text) {
                    frames.push(chat_chunk(json!({"content": piece}), None));
                }
            }
            Ev::Reasoning(text) => {
                for piece in pieces(text) {
                    frames.push(chat_chunk(json!({"reasoning_content": piece}), None));
                }
            }
            Ev::FunctionCall {
                call_id,
                name,
                arguments,
                namespace,
            } => call(
                call_id,
                &flat_name(name, namespace.as_deref()),
                arguments,
                &mut frames,
            ),
            Ev::CustomToolCall {
                call_id,
                name,
                input,
            } => call(
                call_id,
                name,
                &json!({ "input": input }).to_string(),
                &mut frames,
            ),
            Ev::ShellCall { call_id, command } => call(
                call_id,
                shell_tool,
                &shell_arguments(shell_tool, command),
                &mut frames,
            ),
            Ev::Usage {
                input,
                cached,
                output,
                reasoning,
            } => {
                usage = Some(json!({"prompt_tokens": input, "completion_tokens": output,
                    "total_tokens": input + output,
                    "prompt_tokens_details": {"cached_tokens": cached},
                    "completion_tokens_details": {"reasoning_tokens": reasoning}}));
            }
            Ev::Failed { code, message } => {
                failed = Some(json!({"error": {"code": code, "message": message}}));
            }
        }
        groups.push(frames);
    }
    let mut last = Vec::new();
    if let Some(error) = failed {
        last.push(format!("data: {error}\n\n"));
    } else {
        let finish = if tool_index > 0 { "tool_calls" } else { "stop" };
        last.push(chat_chunk(json!({}), Some(finish)));
        if let Some(usage) = usage {
            let data = json!({"id": "chatcmpl-mock", "object": "chat.completion.chunk",
                "choices": [], "usage": usage});
            last.push(format!("data: {data}\n\n"));
        }
        last.push("data: [DONE]\n\n".to_string());
    }
    groups.push(last);
    groups
}
