//! Rendering wire-independent events as Anthropic Messages SSE: one content block per event,
//! tool input split into `input_json_delta` pieces at awkward places.

use serde_json::{Value, json};

use crate::render::{offered_shell_tool, pieces, shell_arguments, sse};
use crate::script::Ev;

/// SSE frames for each event, after a leading group for `message_start`. Usage is known up
/// front: its input counts go in `message_start`, its output count in `message_delta`.
pub fn render(events: &[Ev], request: &Value) -> Vec<Vec<String>> {
    let shell_tool = offered_shell_tool(request);
    let (input, cached, output) = events
        .iter()
        .rev()
        .find_map(|ev| match ev {
            Ev::Usage {
                input,
                cached,
                output,
                ..
            } => Some((*input, *cached, *output)),
            _ => None,
        })
        .unwrap_or((0, 0, 0));
    // The API counts input without what was read from the cache.
    let start_usage = json!({"input_tokens": input.saturating_sub(cached),
        "cache_read_input_tokens": cached, "cache_creation_input_tokens": 0,
        "output_tokens": 1});
    let mut groups = vec![vec![sse(
        "message_start",
        &json!({"type": "message_start", "message": {"id": "msg_mock", "type": "message",
            "role": "assistant", "content": [], "model": request["model"],
            "stop_reason": null, "stop_sequence": null, "usage": start_usage}}),
    )]];
    let mut index = 0u64;
    let mut calls = 0;
    let mut failed = None;
    for ev in events {
        let mut frames = Vec::new();
        let mut tool_use = |call_id: &str, name: &str, arguments: &str, index: u64| {
            let mut frames = vec![block_start(
                index,
                json!({"type": "tool_use", "id": call_id, "name": name, "input": {}}),
            )];
            for piece in json_pieces(arguments) {
                frames.push(block_delta(
                    index,
                    json!({"type": "input_json_delta", "partial_json": piece}),
                ));
            }
            frames.push(block_stop(index));
            calls += 1;
            frames
        };
        match ev {
            Ev::Text(text) => {
                frames.push(block_start(index, json!({"type": "text", "text": ""})));
                for piece in pieces(text) {
                    frames.push(block_delta(
                        index,
                        json!({"type": "text_delta", "text": piece}),
                    ));
                }
                frames.push(block_stop(index));
            }
            Ev::Reasoning(text) => {
                frames.push(block_start(
                    index,
                    json!({"type": "thinking", "thinking": ""}),
                ));
                for piece in pieces(text) {
                    frames.push(block_delta(
                        index,
                        json!({"type": "thinking_delta", "thinking": piece}),
                    ));
                }
                frames.push(block_delta(
                    index,
                    json!({"type": "signature_delta", "signature": format!("sig-mock-{index}")}),
                ));
                frames.push(block_stop(index));
            }
            Ev::FunctionCall {
                call_id,
                name,
                arguments,
                namespace,
            } => {
                let name = crate::render::flat_name(name, namespace.as_deref());
                frames = tool_use(call_id, &name, arguments, index);
            }
            Ev::CustomToolCall {
                call_id,
                name,
                input,
            } => {
                let arguments = json!({ "input": input }).to_string();
                frames = tool_use(call_id, name, &arguments, index);
            }
            Ev::ShellCall { call_id, command } => {
                let arguments = shell_arguments(shell_tool, command);
                frames = tool_use(call_id, shell_tool, &arguments, index);
            }
            Ev::Usage { .. } => {}
            Ev::Failed { code, message } => {
                failed = Some(json!({"type": "error",
                    "error": {"type": code, "message": message}}));
            }
        }
        if !frames.is_empty() {
            index += 1;
        }
        groups.push(frames);
    }
    let last = match failed {
        Some(error) => vec![sse("error", &error)],
        None => {
            let stop_reason = if calls > 0 { "tool_use" } else { "end_turn" };
            vec![
                sse(
                    "message_delta",
                    &json!({"type": "message_delta",
                        "delta": {"stop_reason": stop_reason, "stop_sequence": null},
                        "usage": {"output_tokens": output}}),
                ),
                sse("message_stop", &json!({"type": "message_stop"})),
            ]
        }
    };
    groups.push(last);
    groups
}

fn block_start(index: u64, block: Value) -> String {
    sse(
        "content_block_start",
        &json!({"type": "content_block_start", "index": index, "content_block": block}),
    )
}

fn block_delta(index: u64, delta: Value) -> String {
    sse(
        "content_block_delta",
        &json!({"type": "content_block_delta", "index": index, "delta": delta}),
    )
}

fn block_stop(index: u64) -> String {
    sse(
        "content_block_stop",
        &json!({"type": "content_block_stop", "index": index}),
    )
}

/// JSON text in pieces as the API streams it: an empty piece first, then cuts right after the
/// opening brace, right after the first backslash (inside an escape), in the middle of the
/// text (often inside a string) and before the last character.
pub(crate) fn json_pieces(text: &str) -> Vec<String> {
    let len = text.len();
    let mut cuts = vec![0, 1, len / 2, len.saturating_sub(1)];
    if let Some(at) = text.find('\\') {
        cuts.push(at + 1);
    }
    cuts.push(len);
    cuts.retain(|&c| c <= len && text.is_char_boundary(c));
    cuts.sort_unstable();
    cuts.dedup();
    let mut out = vec![String::new()];
    out.extend(
        cuts.windows(2)
            .map(|w| text[w[0]..w[1]].to_string())
            .filter(|p| !p.is_empty()),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_pieces_join_to_the_text() {
        for text in [
            "",
            "{}",
            "{\"a\":1}",
            r#"{"command":["bash","-lc","echo \"hé\""]}"#,
            "é",
        ] {
            let pieces = json_pieces(text);
            assert_eq!(pieces.concat(), text);
            assert_eq!(pieces[0], "");
        }
        let pieces = json_pieces(r#"{"cmd":"a \"b\""}"#);
        assert!(pieces.iter().any(|p| p.ends_with('\\')), "{pieces:?}");
        assert!(pieces.len() >= 5, "{pieces:?}");
    }
}
