//! The `exec --json` thread-event contract, checked event by event.

use std::collections::BTreeMap;

use serde_json::Value;

/// Checks a `--json` stream against the thread-event contract, event by event.
pub fn validate_thread_events(events: &[Value]) -> Result<(), String> {
    let mut open: BTreeMap<String, String> = BTreeMap::new();
    let mut closed: Vec<String> = Vec::new();
    let mut turn_open = false;
    for (i, ev) in events.iter().enumerate() {
        let at = |m: &str| format!("event {i} ({ev}): {m}");
        let kind = ev["type"].as_str().ok_or_else(|| at("no type"))?;
        if i == 0 && kind != "thread.started" {
            return Err(at("the first event must be thread.started"));
        }
        match kind {
            "thread.started" => {
                let id = ev["thread_id"].as_str().ok_or_else(|| at("no thread_id"))?;
                if id.len() != 36 {
                    return Err(at("thread_id is not a UUID"));
                }
            }
            "turn.started" => {
                if turn_open {
                    return Err(at("turn started twice"));
                }
                turn_open = true;
            }
            "turn.completed" => {
                let u = &ev["usage"];
                for k in ["input_tokens", "cached_input_tokens", "output_tokens"] {
                    if !u[k].is_u64() {
                        return Err(at(&format!("usage.{k} missing")));
                    }
                }
                if !open.is_empty() {
                    return Err(at(&format!("items still open: {open:?}")));
                }
                turn_open = false;
            }
            "turn.failed" => {
                if !ev["error"]["message"].is_string() {
                    return Err(at("error.message missing"));
                }
                turn_open = false;
            }
            "error" => {
                if !ev["message"].is_string() {
                    return Err(at("message missing"));
                }
            }
            "item.started" | "item.updated" | "item.completed" => {
                if !turn_open {
                    return Err(at("item outside a turn"));
                }
                let item = &ev["item"];
                let id = item["id"].as_str().ok_or_else(|| at("item.id missing"))?;
                if !id.starts_with("item_") {
                    return Err(at("item ids look like item_N"));
                }
                let ty = item["type"]
                    .as_str()
                    .ok_or_else(|| at("item.type missing"))?;
                check_item(ty, item).map_err(|m| at(&m))?;
                match kind {
                    "item.started" => {
                        if open.insert(id.into(), ty.into()).is_some()
                            || closed.contains(&id.to_string())
                        {
                            return Err(at("item started twice"));
                        }
                    }
                    "item.updated" => {
                        if open.get(id).map(String::as_str) != Some(ty) {
                            return Err(at("update of an item that is not open"));
                        }
                    }
                    _ => {
                        if closed.contains(&id.to_string()) {
                            return Err(at("item completed twice"));
                        }
                        if let Some(t) = open.remove(id)
                            && t != ty
                        {
                            return Err(at("item changed type"));
                        }
                        closed.push(id.into());
                    }
                }
            }
            other => return Err(at(&format!("unknown event type {other}"))),
        }
    }
    if turn_open {
        return Err("the stream ended inside a turn".into());
    }
    Ok(())
}

fn check_item(ty: &str, item: &Value) -> Result<(), String> {
    let need_str = |k: &str| {
        item[k]
            .is_string()
            .then_some(())
            .ok_or(format!("{ty}.{k} must be a string"))
    };
    match ty {
        "agent_message" | "reasoning" => need_str("text"),
        "command_execution" => {
            need_str("command")?;
            need_str("aggregated_output")?;
            let status = item["status"].as_str().unwrap_or("");
            if !["in_progress", "completed", "failed"].contains(&status) {
                return Err(format!("bad status {status}"));
            }
            if status != "in_progress" && !item["exit_code"].is_i64() {
                return Err("a finished command needs exit_code".into());
            }
            Ok(())
        }
        "todo_list" => {
            let items = item["items"].as_array().ok_or("todo_list.items")?;
            for t in items {
                if !t["text"].is_string() || !t["completed"].is_boolean() {
                    return Err("todo items need text and completed".into());
                }
            }
            Ok(())
        }
        "error" => need_str("message"),
        "file_change" => {
            let changes = item["changes"].as_array().ok_or("file_change.changes")?;
            for c in changes {
                let kind = c["kind"].as_str().unwrap_or("");
                if !c["path"].is_string() || !["add", "delete", "update"].contains(&kind) {
                    return Err(format!("bad file change {c}"));
                }
            }
            let status = item["status"].as_str().unwrap_or("");
            if !["completed", "failed"].contains(&status) {
                return Err(format!("bad status {status}"));
            }
            Ok(())
        }
        "mcp_tool_call" => {
            need_str("server")?;
            need_str("tool")?;
            let status = item["status"].as_str().unwrap_or("");
            if !["in_progress", "completed", "failed"].contains(&status) {
                return Err(format!("bad status {status}"));
            }
            for key in ["arguments", "result", "error"] {
                if item.get(key).is_none() {
                    return Err(format!("mcp_tool_call needs `{key}` (null when unset)"));
                }
            }
            let result = &item["result"];
            if !result.is_null()
                && (!result["content"].is_array() || result.get("structured_content").is_none())
            {
                return Err(format!("bad result {result}"));
            }
            if !item["error"].is_null() && !item["error"]["message"].is_string() {
                return Err("error needs a message".into());
            }
            if status == "in_progress" && !(result.is_null() && item["error"].is_null()) {
                return Err("a call in progress has no result or error yet".into());
            }
            if status == "completed" && result.is_null() {
                return Err("a completed call has a result".into());
            }
            Ok(())
        }
        other => Err(format!("unknown item type {other}")),
    }
}
