//! Request checks every test gets for free.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::render::Wire;

/// Every tool output answers a tool call with the same id, and every tool call in the history
/// has exactly one output. Returns the problems found.
pub fn check_call_pairs(wire: Wire, body: &Value) -> Vec<String> {
    let mut calls = Vec::new();
    let mut outputs = Vec::new();
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
    }
    let mut problems = Vec::new();
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
