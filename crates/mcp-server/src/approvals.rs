//! Approvals as MCP elicitations. The request carries the Codex CLI's correlation fields
//! (`codex_elicitation`, `codex_call_id`, `codex_command`, …) beside the standard `message` and
//! an empty `requestedSchema`, so a client can show a proper prompt or just a yes/no. The
//! answer is either the standard `{action, content}` (accept means approved, decline denied,
//! cancel abort; a `decision` inside `content` is taken as is) or the Codex CLI's
//! `{decision}`; anything else is a denial.

use codex_protocol::{
    ApplyPatchApprovalRequestEvent, ElicitationAction, ElicitationRequestEvent,
    ExecApprovalRequestEvent, McpToolApprovalRequestEvent, ReviewDecision,
};
use rmcp::model::{ClientResult, CustomRequest, ServerRequest};
use rmcp::service::{RequestContext, RoleServer};
use serde_json::{Map, Value, json};

/// Sends `elicitation/create` with `params`; the client's answer as JSON (`None` when it sent
/// none: an error, a closed connection, a cancelled request).
async fn elicit(context: &RequestContext<RoleServer>, params: Value) -> Option<Value> {
    let request = CustomRequest::new("elicitation/create", Some(params));
    let answer = tokio::select! {
        answer = context.peer.send_request(ServerRequest::CustomRequest(request)) => answer,
        _ = context.ct.cancelled() => return None,
    };
    match answer {
        Ok(ClientResult::ElicitResult(result)) => serde_json::to_value(result).ok(),
        Ok(ClientResult::CustomResult(custom)) => Some(custom.0),
        Ok(other) => serde_json::to_value(other).ok(),
        Err(e) => {
            tracing::warn!("elicitation failed: {e}");
            None
        }
    }
}

fn decision_of(answer: Option<Value>) -> ReviewDecision {
    let Some(answer) = answer else {
        return ReviewDecision::Abort;
    };
    let named = |v: &Value| serde_json::from_value::<ReviewDecision>(v.clone()).ok();
    if let Some(decision) = answer.get("decision").and_then(named) {
        return decision;
    }
    match answer.get("action").and_then(Value::as_str) {
        Some("accept") => answer
            .get("content")
            .and_then(|c| c.get("decision"))
            .and_then(named)
            .unwrap_or(ReviewDecision::Approved),
        Some("cancel") => ReviewDecision::Abort,
        _ => ReviewDecision::Denied,
    }
}

fn base(
    message: String,
    kind: &str,
    event_id: &str,
    call_id: &str,
    context: &RequestContext<RoleServer>,
) -> Map<String, Value> {
    let mut params = Map::new();
    params.insert("message".into(), json!(message));
    params.insert(
        "requestedSchema".into(),
        json!({"type": "object", "properties": {}}),
    );
    params.insert("codex_elicitation".into(), json!(kind));
    params.insert("codex_mcp_tool_call_id".into(), json!(context.id));
    params.insert("codex_event_id".into(), json!(event_id));
    params.insert("codex_call_id".into(), json!(call_id));
    params
}

fn shell_words(command: &[String]) -> String {
    command
        .iter()
        .map(|word| {
            if !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c))
            {
                word.clone()
            } else {
                format!("'{}'", word.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub async fn exec(
    context: &RequestContext<RoleServer>,
    event_id: &str,
    request: &ExecApprovalRequestEvent,
) -> ReviewDecision {
    let command = shell_words(&request.command);
    let mut params = base(
        format!(
            "Allow Codex to run `{command}` in `{}`?",
            request.cwd.display()
        ),
        "exec-approval",
        event_id,
        &request.call_id,
        context,
    );
    params.insert("codex_command".into(), json!(request.command));
    params.insert("codex_cwd".into(), json!(request.cwd));
    params.insert("codex_parsed_cmd".into(), json!([]));
    if let Some(reason) = &request.reason {
        params.insert("codex_reason".into(), json!(reason));
    }
    decision_of(elicit(context, Value::Object(params)).await)
}

pub async fn patch(
    context: &RequestContext<RoleServer>,
    event_id: &str,
    request: &ApplyPatchApprovalRequestEvent,
) -> ReviewDecision {
    let mut params = base(
        "Allow Codex to apply proposed code changes?".to_string(),
        "patch-approval",
        event_id,
        &request.call_id,
        context,
    );
    params.insert("codex_reason".into(), json!(request.reason));
    params.insert("codex_grant_root".into(), json!(request.grant_root));
    params.insert("codex_changes".into(), json!(request.changes));
    decision_of(elicit(context, Value::Object(params)).await)
}

pub async fn mcp_tool(
    context: &RequestContext<RoleServer>,
    event_id: &str,
    request: &McpToolApprovalRequestEvent,
) -> ReviewDecision {
    let invocation = &request.invocation;
    let mut params = base(
        format!(
            "Allow Codex to call the MCP tool `{}.{}`?",
            invocation.server, invocation.tool
        ),
        "mcp-tool-approval",
        event_id,
        &request.call_id,
        context,
    );
    params.insert("codex_mcp_server".into(), json!(invocation.server));
    params.insert("codex_mcp_tool".into(), json!(invocation.tool));
    params.insert("codex_mcp_arguments".into(), json!(invocation.arguments));
    decision_of(elicit(context, Value::Object(params)).await)
}

/// A question from one of the session's own MCP servers, passed on to our client as is.
pub async fn forward(
    context: &RequestContext<RoleServer>,
    request: &ElicitationRequestEvent,
) -> (ElicitationAction, Option<Value>) {
    let params = json!({
        "message": format!("{} (asked by the MCP server `{}`)", request.message, request.server_name),
        "requestedSchema": request.requested_schema,
    });
    let Some(answer) = elicit(context, params).await else {
        return (ElicitationAction::Cancel, None);
    };
    let action = match answer.get("action").and_then(Value::as_str) {
        Some("accept") => ElicitationAction::Accept,
        Some("cancel") => ElicitationAction::Cancel,
        _ => ElicitationAction::Decline,
    };
    (action, answer.get("content").cloned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_map_to_decisions() {
        let d = |v: Value| decision_of(Some(v));
        assert_eq!(d(json!({"decision": "approved"})), ReviewDecision::Approved);
        assert_eq!(
            d(json!({"decision": "approved_for_session"})),
            ReviewDecision::ApprovedForSession
        );
        assert_eq!(d(json!({"action": "accept"})), ReviewDecision::Approved);
        assert_eq!(
            d(json!({"action": "accept", "content": {"decision": "denied"}})),
            ReviewDecision::Denied
        );
        assert_eq!(d(json!({"action": "decline"})), ReviewDecision::Denied);
        assert_eq!(d(json!({"action": "cancel"})), ReviewDecision::Abort);
        assert_eq!(d(json!({"whatever": 1})), ReviewDecision::Denied);
        assert_eq!(d(json!({"decision": "maybe"})), ReviewDecision::Denied);
        assert_eq!(decision_of(None), ReviewDecision::Abort);
        assert_eq!(shell_words(&["echo".into(), "a b".into()]), "echo 'a b'");
    }
}
