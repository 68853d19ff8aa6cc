//! MCP tools: each ready server's tools offered to the model (as a `mcp__<server>` namespace on
//! the Responses wire, as `mcp__<server>__<tool>` functions elsewhere), calls routed to their
//! server through the approval step, and the resource tools.
//!
//! Approvals follow the policy and the tools' annotations: `never` and `on-failure` run
//! everything (there is no sandbox around a server's actions to fail); `untrusted` asks for
//! every tool not marked `readOnlyHint`; `on-request` asks for tools marked
//! `destructiveHint: true` (and not read-only).

use std::sync::Arc;
use std::time::{Duration, Instant};

use codex_mcp::{McpManager, McpTool, names, output_for_model, schema::sanitize_input_schema};
use codex_protocol::{
    AskForApproval, EventMsg, FunctionOutput, McpInvocation, McpToolApprovalRequestEvent,
    McpToolCallBeginEvent, McpToolCallEndEvent,
};
use codex_providers::ToolSpec;
use codex_safety::SafetyCheck;
use futures_util::future::BoxFuture;
use serde_json::Value;

use super::orchestrator::{Action, Outcome, orchestrate};
use super::{ToolOutput, TurnContext};
use crate::audit::{ApprovedBy, Subject};
use crate::state::Session;

/// The session's MCP servers as tools.
pub(crate) struct McpTools {
    pub manager: Arc<McpManager>,
    /// Offer each server as one `namespace` tool (Responses wire).
    pub namespaced: bool,
}

/// The names a server's tools are offered under, first come first served.
fn offered<'a>(server: &str, tools: &'a [McpTool], namespaced: bool) -> Vec<(String, &'a McpTool)> {
    let mut out: Vec<(String, &McpTool)> = Vec::new();
    for tool in tools {
        let name = if namespaced {
            names::in_namespace(&tool.name)
        } else {
            names::qualified(server, &tool.name)
        };
        if out.iter().any(|(taken, _)| *taken == name) {
            tracing::warn!(server, tool = %tool.name, "skipping MCP tool: name taken");
            continue;
        }
        out.push((name, tool));
    }
    out
}

fn function_spec(name: String, tool: &McpTool) -> ToolSpec {
    ToolSpec::Function {
        name,
        description: tool.description.clone(),
        parameters: sanitize_input_schema(&tool.input_schema),
    }
}

impl McpTools {
    /// The tools of the servers ready now.
    pub fn specs(&self) -> Vec<ToolSpec> {
        let mut specs = Vec::new();
        for server in self.manager.ready() {
            let tools = offered(&server.name, &server.tools, self.namespaced);
            if tools.is_empty() {
                continue;
            }
            let functions = tools
                .into_iter()
                .map(|(name, tool)| function_spec(name, tool));
            if self.namespaced {
                specs.push(ToolSpec::Namespace {
                    name: names::namespace(&server.name),
                    description: server
                        .instructions
                        .clone()
                        .unwrap_or_else(|| format!("Tools of the `{}` MCP server.", server.name)),
                    tools: functions.collect(),
                });
            } else {
                specs.extend(functions);
            }
        }
        specs
    }

    /// The server a call is for, when it is an MCP tool's.
    pub fn server_for(&self, name: &str, namespace: Option<&str>) -> Option<String> {
        let full = namespace.unwrap_or(name);
        names::server_of(full, self.manager.server_names()).map(str::to_string)
    }

    /// Runs the call on `server` (waiting for it if it is still starting).
    pub async fn call(
        &self,
        turn: &TurnContext,
        call_id: &str,
        server: &str,
        name: &str,
        namespace: Option<&str>,
        arguments: &str,
    ) -> ToolOutput {
        let connection = match self.manager.connection(server).await {
            Ok(connection) => connection,
            Err(e) => return ToolOutput::error(e.to_string()),
        };
        // A call names its tool as offered: inside a namespace, or qualified.
        let Some(tool) = offered(server, &connection.tools, namespace.is_some())
            .into_iter()
            .find(|(offered, _)| offered == name)
            .map(|(_, tool)| tool.clone())
        else {
            let full = match namespace {
                Some(namespace) => format!("{namespace}.{name}"),
                None => name.to_string(),
            };
            return ToolOutput::error(format!("unsupported call: {full}"));
        };
        let arguments = match parse_object(arguments) {
            Ok(arguments) => arguments,
            Err(message) => return ToolOutput::error(message),
        };
        let timeout = self
            .manager
            .config(server)
            .map(|c| c.tool_timeout)
            .unwrap_or(Duration::from_secs(60));
        let call = McpCall {
            call_id: call_id.to_string(),
            invocation: McpInvocation {
                server: server.to_string(),
                tool: tool.name.clone(),
                arguments: arguments.clone().map(Value::Object),
            },
            tool,
            arguments,
            connection,
            timeout,
        };
        match orchestrate(turn, call_id, &call).await {
            Outcome::Ran(output) => output,
            Outcome::Refused(reason) => ToolOutput::error(reason),
        }
    }
}

/// The arguments as a JSON object; empty text is no arguments.
fn parse_object(arguments: &str) -> Result<Option<serde_json::Map<String, Value>>, String> {
    if arguments.trim().is_empty() {
        return Ok(None);
    }
    match serde_json::from_str::<Value>(arguments) {
        Ok(Value::Object(map)) => Ok(Some(map)),
        Ok(Value::Null) => Ok(None),
        Ok(other) => Err(format!(
            "failed to parse function arguments: expected a JSON object, got {other}"
        )),
        Err(e) => Err(format!("failed to parse function arguments: {e}")),
    }
}

struct McpCall {
    call_id: String,
    invocation: McpInvocation,
    tool: McpTool,
    arguments: Option<serde_json::Map<String, Value>>,
    connection: Arc<codex_mcp::Connection>,
    timeout: Duration,
}

impl McpCall {
    fn session_key(&self) -> String {
        format!("{}/{}", self.invocation.server, self.invocation.tool)
    }
}

impl Action for McpCall {
    type Output = ToolOutput;

    fn noun(&self) -> &'static str {
        "MCP tool call"
    }

    fn assess(&self, session: &Session) -> SafetyCheck {
        let hints = self.tool.hints;
        let ask = match session.config.approval_policy {
            AskForApproval::Never | AskForApproval::OnFailure => false,
            AskForApproval::Untrusted => !hints.read_only,
            AskForApproval::OnRequest => !hints.read_only && hints.destructive == Some(true),
        };
        if !ask
            || session
                .data()
                .approved_mcp_tools
                .contains(&self.session_key())
        {
            return SafetyCheck::AutoApprove { sandboxed: false };
        }
        let reason = if hints.destructive == Some(true) {
            "the server marks this tool as one that may delete or overwrite"
        } else {
            "the server does not mark this tool as read-only"
        };
        SafetyCheck::AskUser {
            reason: reason.to_string(),
        }
    }

    fn request(&self, call_id: &str, _reason: String) -> EventMsg {
        EventMsg::McpToolApprovalRequest(McpToolApprovalRequestEvent {
            call_id: call_id.to_string(),
            invocation: self.invocation.clone(),
            description: self.tool.description.clone(),
            destructive: self.tool.hints.destructive == Some(true),
        })
    }

    fn remember(&self, session: &Session, _unsandboxed: bool) {
        session.data().approved_mcp_tools.insert(self.session_key());
    }

    fn sandboxed_after_approval(&self, _session: &Session) -> bool {
        false
    }

    fn run<'a>(&'a self, turn: &'a TurnContext, _sandboxed: bool) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            let events = &turn.session.events;
            events.send(
                &turn.sub_id,
                EventMsg::McpToolCallBegin(McpToolCallBeginEvent {
                    call_id: self.call_id.clone(),
                    invocation: self.invocation.clone(),
                }),
            );
            let started = Instant::now();
            let call =
                self.connection
                    .call_tool(&self.tool.name, self.arguments.clone(), self.timeout);
            // Dropping the call on interrupt tells the server to cancel it.
            let result = tokio::select! {
                result = call => result.map_err(|e| e.to_string()),
                _ = turn.cancel.cancelled() => Err("interrupted by the user".to_string()),
            };
            let wall = started.elapsed();
            // The event shows the result as the model will see it: without secrets.
            let result = match result {
                Ok(mut value) => {
                    crate::redaction::redact_json(&turn.session.redactor, &mut value);
                    Ok(value)
                }
                Err(message) => Err(turn.session.redact(&message).into_owned()),
            };
            events.send(
                &turn.sub_id,
                EventMsg::McpToolCallEnd(McpToolCallEndEvent {
                    call_id: self.call_id.clone(),
                    invocation: self.invocation.clone(),
                    duration_ms: wall.as_millis() as u64,
                    result: result.clone(),
                }),
            );
            match result {
                Ok(result) => {
                    let (success, content) = output_for_model(&result, wall);
                    ToolOutput { success, content }
                }
                Err(message) => ToolOutput {
                    success: false,
                    content: FunctionOutput::Text(format!("tool call failed: {message}")),
                },
            }
        })
    }

    fn denied_by_sandbox(&self, _output: &ToolOutput) -> bool {
        false
    }

    fn session_granted(&self, session: &Session) -> bool {
        session
            .data()
            .approved_mcp_tools
            .contains(&self.session_key())
    }

    fn audit_subject(&self) -> Subject<'_> {
        Subject::McpTool {
            server: &self.invocation.server,
            tool: &self.invocation.tool,
        }
    }

    fn audit_ran(
        &self,
        turn: &TurnContext,
        approved_by: ApprovedBy,
        _sandboxed: bool,
        output: &ToolOutput,
        elapsed: Duration,
    ) {
        turn.session.audit.mcp_tool_call(
            &self.invocation.server,
            &self.invocation.tool,
            self.arguments.as_ref(),
            approved_by,
            output.success,
            elapsed,
        );
    }
}
