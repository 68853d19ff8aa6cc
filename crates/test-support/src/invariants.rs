//! Request checks every test gets for free.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::render::Wire;

/// Every tool output answers a tool call with the same id, and every tool call in the history
/// has exactly one output. On the Anthropic wire also: each `tool_result` answers a `tool_use`
/// of the message just before it, roles alternate starting with the user, results open their
/// message, no text block is blank, and `max_tokens` is set. Returns the problems found.
pub fn check_call_pairs(wire: Wire, body: &Value) -> Vec<String> {
    let mut calls = Vec::new();
    let mut outputs = Vec::new();
    let mut problems = Vec::new();
    match wire {
        Wire::Responses => {
            for item in body
                .get("input")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let id = item.get("call_id").and_then(Value::as_str).unwrap_or("");
                match item.get("type").and_then(Value::as_str) {
                    Some("function_call") | Some("custom_tool_call") | Some("local_shell_call") => {
                        calls.push(id.to_string())
                    }
                    Some("function_call_output") | Some("custom_tool_call_output") => {
                        outputs.push(id.to_string())
                    }
                    _ => {}
                }
            }
        }
        Wire::Chat => {
            for msg in body
                .get("messages")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                for call in msg
                    .get("tool_calls")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let id = call.get("id").and_then(Value::as_str).unwrap_or("");
                    calls.push(id.to_string());
                }
                if msg.get("role").and_then(Value::as_str) == Some("tool") {
                    let id = msg
                        .get("tool_call_id")
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    outputs.push(id.to_string());
                }
            }
        }
        Wire::Anthropic => check_messages(body, &mut calls, &mut outputs, &mut problems),
    }
    let call_set: BTreeSet<&String> = calls.iter().collect();
    let mut seen_outputs = BTreeSet::new();
    for id in &outputs {
        if !call_set.contains(id) {
            problems.push(format!("tool output for `{id}` answers no tool call"));
        }
        if !seen_outputs.insert(id) {
            problems.push(format!("tool call `{id}` has more than one output"));
        }
    }
    for id in &calls {
        if !seen_outputs.contains(id) {
            problems.push(format!("tool call `{id}` has no output"));
        }
    }
    if call_set.len() != calls.len() {
        problems.push("two tool calls share an id".to_string());
    }
    problems
}

/// The Anthropic request's structure; collects the ids of calls and results on the way.
fn check_messages(
    body: &Value,
    calls: &mut Vec<String>,
    outputs: &mut Vec<String>,
    problems: &mut Vec<String>,
) {
    if body.get("max_tokens").and_then(Value::as_u64).is_none() {
        problems.push("`max_tokens` is missing".to_string());
    }
    let messages = body.get("messages").and_then(Value::as_array);
    let mut previous: Option<&str> = None;
    // The calls of the message before, which this one must answer.
    let mut unanswered: Vec<String> = Vec::new();
    for (n, message) in messages.into_iter().flatten().enumerate() {
        let role = message.get("role").and_then(Value::as_str).unwrap_or("");
        if n == 0 && role != "user" {
            problems.push(format!("message 0 is from `{role}`, not the user"));
        }
        if previous == Some(role) {
            problems.push(format!(
                "messages {} and {n} are both from `{role}`: roles must alternate",
                n - 1
            ));
        }
        previous = Some(role);
        let blocks = message.get("content").and_then(Value::as_array);
        let mut uses = Vec::new();
        let mut results = Vec::new();
        let mut other_seen = false;
        for block in blocks.into_iter().flatten() {
            let id = |key: &str| {
                block
                    .get(key)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            match block.get("type").and_then(Value::as_str) {
                Some("tool_use") => uses.push(id("id")),
                Some("tool_result") => {
                    if other_seen {
                        problems.push(format!("message {n}: a tool_result follows other content"));
                    }
                    results.push(id("tool_use_id"));
                }
                Some("text") => {
                    other_seen = true;
                    let text = block.get("text").and_then(Value::as_str).unwrap_or("");
                    if text.trim().is_empty() {
                        problems.push(format!("message {n}: a blank text block"));
                    }
                }
                _ => other_seen = true,
            }
        }
        for id in &results {
            if !unanswered.contains(id) {
                problems.push(format!(
                    "message {n}: tool_result for `{id}` answers no tool_use of the message before"
                ));
            }
        }
        for id in &unanswered {
            if !results.contains(id) {
                problems.push(format!(
                    "message {n}: tool_use `{id}` of the message before is not answered"
                ));
            }
        }
        calls.extend(uses.iter().cloned());
        outputs.extend(results);
        unanswered = uses;
    }
    for id in &unanswered {
        problems.push(format!(
            "tool_use `{id}` of the last message is not answered"
        ));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn anthropic(messages: Value) -> Vec<String> {
        check_call_pairs(
            Wire::Anthropic,
            &json!({"max_tokens": 10, "messages": messages}),
        )
    }

    #[test]
    fn anthropic_pairs_and_structure() {
        let good = json!([
            {"role": "user", "content": [{"type": "text", "text": "hi"}]},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "a", "input": {}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "a"},
                {"type": "text", "text": "more"}]},
        ]);
        assert_eq!(anthropic(good), Vec::<String>::new());

        let late = json!([
            {"role": "user", "content": [{"type": "text", "text": "hi"}]},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "a", "input": {}}]},
            {"role": "user", "content": [{"type": "text", "text": "wait"}]},
            {"role": "assistant", "content": [{"type": "text", "text": "ok"}]},
            {"role": "user", "content": [{"type": "text", "text": " "},
                {"type": "tool_result", "tool_use_id": "a"}]},
            {"role": "user", "content": "x"},
        ]);
        let problems = anthropic(late);
        for expected in [
            "message 2: tool_use `a` of the message before is not answered",
            "message 4: tool_result for `a` answers no tool_use of the message before",
            "message 4: a tool_result follows other content",
            "message 4: a blank text block",
            "messages 4 and 5 are both from `user`: roles must alternate",
        ] {
            assert!(
                problems.iter().any(|p| p == expected),
                "{expected}: {problems:#?}"
            );
        }
        let problems = check_call_pairs(Wire::Anthropic, &json!({"messages": []}));
        assert_eq!(problems, ["`max_tokens` is missing"]);
    }
}
