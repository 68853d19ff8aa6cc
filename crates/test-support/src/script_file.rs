//! Scripts as JSON, for the mock binary: one entry per model request, in order.
//!
//! ```json
//! [
//!   {"events": [{"reasoning": "thinking"}, {"shell": "echo hi", "call_id": "c1"}]},
//!   {"events": [{"text": "done"}, {"usage": [100, 0, 10, 0]}]},
//!   {"status": 429, "retry_after": 1, "body": "slow down"},
//!   {"disconnect_after": 1, "events": [{"text": "cut off"}]}
//! ]
//! ```
//!
//! Event keys: `text`, `reasoning`, `shell` (+ `call_id`), `function` (+ `call_id`,
//! `arguments` as a JSON value or string, `namespace`), `custom` (+ `call_id`, `input`), `usage` as
//! `[input, cached, output, reasoning]`, `failed` (+ `message`).

use serde_json::Value;

use crate::script::{Ev, Reply, Step};

pub fn parse_script(text: &str) -> Result<Vec<Step>, String> {
    let steps: Vec<Value> = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    steps
        .iter()
        .enumerate()
        .map(|(i, s)| parse_step(s).map_err(|e| format!("step {i}: {e}")))
        .collect()
}

fn parse_step(step: &Value) -> Result<Step, String> {
    let events = || -> Result<Vec<Ev>, String> {
        step.get("events")
            .and_then(Value::as_array)
            .ok_or("needs `events` (an array)")?
            .iter()
            .enumerate()
            .map(|(n, e)| parse_event(e, n))
            .collect()
    };
    let reply = if let Some(code) = step.get("status").and_then(Value::as_u64) {
        Reply::Status {
            code: u16::try_from(code).map_err(|_| "bad status")?,
            retry_after: step.get("retry_after").and_then(Value::as_u64),
            body: step
                .get("body")
                .and_then(Value::as_str)
                .unwrap_or("{}")
                .to_string(),
        }
    } else if let Some(after) = step.get("disconnect_after").and_then(Value::as_u64) {
        Reply::Disconnect {
            events: events()?,
            after: after as usize,
        }
    } else if let Some(after) = step.get("stall_after").and_then(Value::as_u64) {
        Reply::Stall {
            events: events()?,
            after: after as usize,
        }
    } else {
        Reply::Stream(events()?)
    };
    Ok(Step::reply(reply))
}

fn parse_event(e: &Value, n: usize) -> Result<Ev, String> {
    let s = |key: &str| e.get(key).and_then(Value::as_str).map(String::from);
    let call_id = s("call_id").unwrap_or_else(|| format!("call_{n}"));
    if let Some(text) = s("text") {
        return Ok(Ev::Text(text));
    }
    if let Some(text) = s("reasoning") {
        return Ok(Ev::Reasoning(text));
    }
    if let Some(command) = s("shell") {
        return Ok(Ev::ShellCall { call_id, command });
    }
    if let Some(name) = s("function") {
        let arguments = match e.get("arguments") {
            Some(Value::String(raw)) => raw.clone(),
            Some(other) => other.to_string(),
            None => "{}".to_string(),
        };
        return Ok(Ev::FunctionCall {
            call_id,
            name,
            arguments,
            namespace: s("namespace"),
        });
    }
    if let Some(name) = s("custom") {
        return Ok(Ev::CustomToolCall {
            call_id,
            name,
            input: s("input").unwrap_or_default(),
        });
    }
    if let Some(u) = e.get("usage").and_then(Value::as_array) {
        let n = |i: usize| u.get(i).and_then(Value::as_u64).unwrap_or(0);
        return Ok(Ev::Usage {
            input: n(0),
            cached: n(1),
            output: n(2),
            reasoning: n(3),
        });
    }
    if let Some(code) = s("failed") {
        return Ok(Ev::Failed {
            code,
            message: s("message").unwrap_or_default(),
        });
    }
    Err(format!("event {n}: unknown event {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_kind() {
        let steps = parse_script(
            r#"[{"events":[{"text":"hi"},{"shell":"ls","call_id":"a"},{"usage":[1,0,2,0]}]},
                {"status":429,"retry_after":1},{"disconnect_after":0,"events":[{"text":"x"}]}]"#,
        )
        .unwrap();
        assert_eq!(steps.len(), 3);
        assert!(matches!(steps[1].reply, Reply::Status { code: 429, .. }));
        assert!(parse_script(r#"[{"events":[{"nope":1}]}]"#).is_err());
    }
}
