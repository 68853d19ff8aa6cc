//! How MCP tool calls look in the transcript: which tool of which server, with what, and the
//! first lines of what came back.

use codex_protocol::{McpServerStatus, McpStartupStatus, McpToolCallEndEvent};
use ratatui::text::{Line, Span};
use serde_json::Value;

use crate::theme::Theme;

/// Most lines of a result shown; the model gets all of it.
const RESULT_LINES: usize = 5;

pub fn call_lines(end: &McpToolCallEndEvent, theme: &Theme) -> Vec<Line<'static>> {
    let arguments = end
        .invocation
        .arguments
        .as_ref()
        .filter(|a| a.as_object().is_none_or(|o| !o.is_empty()))
        .map(Value::to_string)
        .unwrap_or_default();
    let failed = match &end.result {
        Ok(result) => result
            .get("isError")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        Err(_) => true,
    };
    let (bullet, style) = if failed {
        ("✗ ", theme.failure())
    } else {
        ("• ", theme.success())
    };
    let mut out = vec![Line::from(vec![
        Span::styled(bullet, style),
        Span::styled("Called ", theme.bold()),
        Span::styled(
            format!("{}.{}", end.invocation.server, end.invocation.tool),
            theme.command(),
        ),
        Span::styled(format!("({arguments})"), theme.dim()),
        Span::styled(format!(" in {} ms", end.duration_ms), theme.dim()),
    ])];
    let text = match &end.result {
        Ok(result) => result_text(result),
        Err(message) => message.clone(),
    };
    let lines: Vec<&str> = text.lines().collect();
    for line in lines.iter().take(RESULT_LINES) {
        out.push(Line::from(Span::styled(format!("  └ {line}"), theme.dim())));
    }
    if lines.len() > RESULT_LINES {
        out.push(Line::from(Span::styled(
            format!("    … +{} lines", lines.len() - RESULT_LINES),
            theme.dim(),
        )));
    }
    out
}

/// `/mcp`: each server, its state, and its tools.
pub fn server_lines(servers: &[McpServerStatus], theme: &Theme) -> Vec<Line<'static>> {
    if servers.is_empty() {
        return vec![Line::from(Span::styled(
            "No MCP servers are configured; add one with `codex mcp add NAME -- COMMAND`.",
            theme.dim(),
        ))];
    }
    let mut out = vec![Line::from(Span::styled("MCP servers", theme.bold()))];
    for server in servers {
        let (state, style) = match &server.status {
            McpStartupStatus::Starting => ("starting".to_string(), theme.dim()),
            McpStartupStatus::Ready { tools } => (format!("ready, {tools} tools"), theme.success()),
            McpStartupStatus::Failed { error } => (format!("failed: {error}"), theme.failure()),
        };
        out.push(Line::from(vec![
            Span::raw("  • "),
            Span::styled(server.server.clone(), theme.command()),
            Span::raw("  "),
            Span::styled(state, style),
        ]));
        if !server.tools.is_empty() {
            out.push(Line::from(Span::styled(
                format!("    {}", server.tools.join(", ")),
                theme.dim(),
            )));
        }
    }
    out
}

/// The text of a `CallToolResult`: its text blocks, a note for each other block.
fn result_text(result: &Value) -> String {
    let blocks = result.get("content").and_then(Value::as_array);
    let mut parts = Vec::new();
    for block in blocks.into_iter().flatten() {
        match block.get("type").and_then(Value::as_str) {
            Some("text") => parts.push(
                block
                    .get("text")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            ),
            Some(other) => parts.push(format!("[{other}]")),
            None => {}
        }
    }
    if parts.is_empty()
        && let Some(structured) = result.get("structuredContent")
    {
        parts.push(structured.to_string());
    }
    parts.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use codex_protocol::McpInvocation;
    use serde_json::json;

    fn text(lines: &[Line]) -> String {
        lines
            .iter()
            .map(|l| {
                l.spans
                    .iter()
                    .map(|s| s.content.as_ref())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn a_call_shows_its_tool_arguments_and_result() {
        let end = McpToolCallEndEvent {
            call_id: "c1".into(),
            invocation: McpInvocation {
                server: "everything".into(),
                tool: "echo".into(),
                arguments: Some(json!({"message": "hi"})),
            },
            duration_ms: 12,
            result: Ok(json!({"content": [{"type": "text", "text": "Echo: hi"},
                {"type": "image", "data": "", "mimeType": "image/png"}]})),
        };
        let theme = Theme::from_env(Some("1"));
        assert_eq!(
            text(&call_lines(&end, &theme)),
            "• Called everything.echo({\"message\":\"hi\"}) in 12 ms\n  └ Echo: hi\n  └ [image]"
        );
        let failed = McpToolCallEndEvent {
            result: Err("the server closed the connection".into()),
            ..end
        };
        assert!(text(&call_lines(&failed, &theme)).starts_with("✗ Called"));
    }

    #[test]
    fn mcp_lists_each_server_with_its_state_and_tools() {
        let theme = Theme::from_env(Some("1"));
        let servers = vec![
            McpServerStatus {
                server: "everything".into(),
                status: McpStartupStatus::Ready { tools: 2 },
                tools: vec!["echo".into(), "get-sum".into()],
            },
            McpServerStatus {
                server: "broken".into(),
                status: McpStartupStatus::Failed {
                    error: "cannot run `nope`".into(),
                },
                tools: vec![],
            },
        ];
        assert_eq!(
            text(&server_lines(&servers, &theme)),
            "MCP servers\n  • everything  ready, 2 tools\n    echo, get-sum\n  \
             • broken  failed: cannot run `nope`"
        );
        assert!(text(&server_lines(&[], &theme)).starts_with("No MCP servers"));
    }
}
