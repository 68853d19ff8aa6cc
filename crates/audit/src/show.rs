//! One readable line per record, for `codex audit show`.

use serde_json::Value;

/// `2026-01-02 03:04:05  0199abcd  command  $ ls -la  exit 0  (policy)`
pub fn summary(record: &Value) -> String {
    let text = |key: &str| record.get(key).and_then(Value::as_str).unwrap_or("");
    let time = text("ts").get(..19).unwrap_or(text("ts")).replace('T', " ");
    let session: String = text("session").chars().take(8).collect();
    let kind = text("kind");
    format!(
        "{time}  {session:<8}  {kind:<13}  {}",
        details(record, kind)
    )
}

fn details(r: &Value, kind: &str) -> String {
    let text = |key: &str| {
        r.get(key)
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string()
    };
    let by = |key: &str| format!("({})", text(key));
    match kind {
        "session_start" => format!(
            "model {}  approval {}  sandbox {} ({})  cwd {}",
            text("model"),
            text("approval_policy"),
            text("sandbox_mode"),
            text("sandbox_type"),
            text("cwd")
        ),
        "command" => format!(
            "$ {}  exit {}  {}ms  {}",
            argv(r.get("argv")),
            r.get("exit_code")
                .filter(|v| !v.is_null())
                .map_or("-".to_string(), Value::to_string),
            r.get("duration_ms")
                .map_or("?".to_string(), Value::to_string),
            by("approved_by")
        ),
        "patch" => format!(
            "{} {}  {}",
            if r.get("success") == Some(&Value::Bool(true)) {
                "applied"
            } else {
                "FAILED"
            },
            r.get("files")
                .and_then(Value::as_array)
                .map(|files| files
                    .iter()
                    .filter_map(|f| f.get("path").and_then(Value::as_str))
                    .collect::<Vec<_>>()
                    .join(", "))
                .unwrap_or_default(),
            by("approved_by")
        ),
        "mcp_tool_call" => format!(
            "{}/{}  {}  {}",
            text("server"),
            text("tool"),
            if r.get("success") == Some(&Value::Bool(true)) {
                "ok"
            } else {
                "failed"
            },
            by("approved_by")
        ),
        "denial" | "escalation" => {
            let what = text("what");
            let subject = match what.as_str() {
                "command" => format!("$ {}", argv(r.get("argv"))),
                "patch" => argv(r.get("paths")),
                "mcp_tool" => format!("{}/{}", text("server"), text("tool")),
                _ => String::new(),
            };
            let who = r
                .get("by")
                .and_then(Value::as_str)
                .map(|b| format!("by {b}"))
                .unwrap_or_default();
            format!("{what} {subject}  {who}  {}", text("reason"))
        }
        "second_opinion" => {
            let concerns = r
                .get("concerns")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            match r.get("error").and_then(Value::as_str) {
                Some(error) => format!("{}  failed: {error}", text("model")),
                None => format!(
                    "{}  {}  {concerns} concern(s)",
                    text("model"),
                    text("verdict")
                ),
            }
        }
        "session_end" => String::new(),
        _ => r.to_string(),
    }
}

fn argv(v: Option<&Value>) -> String {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|s| s.as_str().unwrap_or("?").to_string())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}
