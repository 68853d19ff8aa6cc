//! `codex mcp-server`: the agent as an MCP server over stdio, for editors and other agents.
//!
//! Two tools: `codex` starts a session (a thread) with a prompt and optional settings;
//! `codex-reply` continues one by its `threadId`. While a tool runs, every engine event goes
//! to the client as a `codex/event` notification; approvals the engine asks for go to the
//! client as MCP elicitations and their answers come back as decisions; the result is the
//! turn's final message, with `threadId` in the structured content. Several threads run at
//! once; a client's cancellation interrupts the turn.
//!
//! A front-end like the others: it drives `core` through `Op`s and `Event`s only. (It lives
//! beside the `mcp` crate rather than in it because it depends on `core`, which depends on
//! `mcp`.)

#![deny(
    clippy::print_stdout,
    reason = "stdout carries the MCP messages; anything else written there breaks the client"
)]

mod approvals;
mod tools;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use codex_config::Config;
use codex_core::{Approver, Codex, SessionOptions};
use codex_frontend::StartOptions;
use codex_protocol::{Event, EventMsg, Op, UserInput};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, CustomNotification, ErrorData,
    ListToolsResult, PaginatedRequestParams, ServerConfig, ServerNotification,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::{ServerHandler, ServiceExt};
use serde_json::{Value, json};

/// How the server starts sessions.
pub struct ServerOptions {
    /// The options `codex mcp-server` was given; each `codex` call's arguments go on top.
    pub base: StartOptions,
    /// The process environment, as a snapshot.
    pub env: Vec<(String, String)>,
    /// Applied to each loaded config (the CLI fills in what only it knows, such as where the
    /// bundled `rg` is).
    pub adjust: Arc<dyn Fn(&mut Config) + Send + Sync>,
}

/// Serves MCP on stdin/stdout until the client goes away.
pub async fn serve_stdio(options: ServerOptions) -> Result<(), String> {
    let server = CodexServer {
        inner: Arc::new(Inner {
            options,
            threads: Mutex::new(HashMap::new()),
        }),
    };
    let running = server
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| format!("MCP handshake failed: {e}"))?;
    running
        .waiting()
        .await
        .map_err(|e| format!("the MCP server stopped: {e}"))?;
    Ok(())
}

type Thread = Arc<tokio::sync::Mutex<Codex>>;

struct Inner {
    options: ServerOptions,
    threads: Mutex<HashMap<String, Thread>>,
}

#[derive(Clone)]
struct CodexServer {
    inner: Arc<Inner>,
}

fn tool_error(message: impl Into<String>) -> CallToolResponse {
    let result = json!({"content": [{"type": "text", "text": message.into()}], "isError": true});
    CallToolResponse::Complete(serde_json::from_value(result).unwrap_or_default())
}

fn final_result(thread_id: &str, message: &str) -> CallToolResponse {
    let result = json!({
        "content": [{"type": "text", "text": message}],
        "structuredContent": {"threadId": thread_id, "content": message},
    });
    let parsed: CallToolResult = serde_json::from_value(result).unwrap_or_default();
    CallToolResponse::Complete(parsed)
}

impl CodexServer {
    fn start_thread(&self, options: &StartOptions) -> Result<(String, Thread), String> {
        let mut loaded = codex_frontend::load_config(options, self.inner.options.env.clone())?;
        (self.inner.options.adjust)(&mut loaded.config);
        let mut config = loaded.config;
        config.session_source = "mcp".to_string();
        let options = SessionOptions {
            // Approvals go to the MCP client as elicitations.
            approver: Approver::McpClient,
            ..Default::default()
        };
        let codex = Codex::start(config, options).map_err(|e| e.to_string())?;
        let id = codex.session_id().to_string();
        let thread = Arc::new(tokio::sync::Mutex::new(codex));
        self.inner
            .threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.clone(), thread.clone());
        Ok((id, thread))
    }

    fn thread(&self, id: &str) -> Option<Thread> {
        self.inner
            .threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }

    async fn call(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> CallToolResponse {
        let args = request.arguments.unwrap_or_default();
        let (thread_id, thread, prompt) = match request.name.as_ref() {
            tools::CODEX => {
                let session = match tools::new_session(&args, &self.inner.options.base) {
                    Ok(session) => session,
                    Err(e) => return tool_error(e),
                };
                match self.start_thread(&session.options) {
                    Ok((id, thread)) => (id, thread, session.prompt),
                    Err(e) => return tool_error(format!("cannot start a session: {e}")),
                }
            }
            tools::CODEX_REPLY => {
                let (id, prompt) = match tools::reply(&args) {
                    Ok(found) => found,
                    Err(e) => return tool_error(e),
                };
                match self.thread(&id) {
                    Some(thread) => (id, thread, prompt),
                    None => return tool_error(format!("no thread with id `{id}`")),
                }
            }
            other => return tool_error(format!("unknown tool `{other}`")),
        };
        let Ok(mut codex) = thread.try_lock() else {
            return tool_error(format!(
                "thread `{thread_id}` is running a turn; wait for its result"
            ));
        };
        let (result, last) = run_turn(&mut codex, prompt, &context).await;
        // The thread is free again before the client hears that the turn ended, so a reply
        // sent on that news finds it idle.
        drop(codex);
        if let Some(event) = last {
            notify(&context, &event.id, &event.msg).await;
        }
        match result {
            Ok(message) => final_result(&thread_id, &message),
            Err(e) => tool_error(e),
        }
    }
}

/// Forwards an engine event to the client.
async fn notify(context: &RequestContext<RoleServer>, id: &str, msg: &EventMsg) {
    let params = json!({
        "_meta": {"requestId": context.id},
        "id": id,
        "msg": msg,
    });
    let notification = CustomNotification::new("codex/event", Some(params));
    let _ = context
        .peer
        .send_notification(ServerNotification::CustomNotification(notification))
        .await;
}

/// Runs one turn, forwarding its events and asking the client its approvals; answers the
/// final message, and the event that ended the turn, not yet forwarded.
async fn run_turn(
    codex: &mut Codex,
    prompt: String,
    context: &RequestContext<RoleServer>,
) -> (Result<String, String>, Option<Event>) {
    match turn_events(codex, prompt, context).await {
        Ok((result, last)) => (result, Some(last)),
        Err(e) => (Err(e), None),
    }
}

async fn turn_events(
    codex: &mut Codex,
    prompt: String,
    context: &RequestContext<RoleServer>,
) -> Result<(Result<String, String>, Event), String> {
    codex
        .submit(Op::UserTurn {
            items: vec![UserInput::Text { text: prompt }],
            final_output_json_schema: None,
            cyber_access_program: None,
        })
        .await
        .map_err(|e| e.to_string())?;
    let mut interrupted = false;
    let mut error: Option<String> = None;
    loop {
        let event = tokio::select! {
            event = codex.next_event() => event,
            _ = context.ct.cancelled(), if !interrupted => {
                interrupted = true;
                let _ = codex.submit(Op::Interrupt).await;
                continue;
            }
        };
        let Some(event) = event else {
            return Err("the session ended unexpectedly".into());
        };
        match &event.msg {
            EventMsg::TaskComplete {
                last_agent_message, ..
            } => {
                let result = match (error, last_agent_message) {
                    (Some(e), None) => Err(e),
                    (_, message) => Ok(message.clone().unwrap_or_default()),
                };
                return Ok((result, event));
            }
            EventMsg::TurnAborted { .. } => {
                return Ok((Err("the turn was interrupted".into()), event));
            }
            _ => {}
        }
        notify(context, &event.id, &event.msg).await;
        match event.msg {
            EventMsg::ExecApprovalRequest(request) => {
                let decision = approvals::exec(context, &event.id, &request).await;
                let op = Op::ExecApproval {
                    id: request.call_id,
                    decision,
                };
                codex.submit(op).await.map_err(|e| e.to_string())?;
            }
            EventMsg::ApplyPatchApprovalRequest(request) => {
                let decision = approvals::patch(context, &event.id, &request).await;
                let op = Op::PatchApproval {
                    id: request.call_id,
                    decision,
                };
                codex.submit(op).await.map_err(|e| e.to_string())?;
            }
            EventMsg::McpToolApprovalRequest(request) => {
                let decision = approvals::mcp_tool(context, &event.id, &request).await;
                let op = Op::McpToolApproval {
                    id: request.call_id,
                    decision,
                };
                codex.submit(op).await.map_err(|e| e.to_string())?;
            }
            EventMsg::ElicitationRequest(request) => {
                let (decision, content) = approvals::forward(context, &request).await;
                let op = Op::ResolveElicitation {
                    server_name: request.server_name,
                    id: request.id,
                    decision,
                    content,
                };
                codex.submit(op).await.map_err(|e| e.to_string())?;
            }
            EventMsg::Error { message, .. } => error = Some(message),
            _ => {}
        }
    }
}

impl ServerHandler for CodexServer {
    fn get_info(&self) -> ServerConfig {
        let info = json!({
            "protocolVersion": "2025-06-18",
            "capabilities": {"tools": {"listChanged": false}},
            "serverInfo": {"name": "codex-mcp-server", "title": "Codex",
                "version": env!("CARGO_PKG_VERSION")},
        });
        serde_json::from_value(info).unwrap_or_default()
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        serde_json::from_value(json!({ "tools": tools::tool_list() }))
            .map_err(|e| ErrorData::internal_error(e.to_string(), None::<Value>))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        Ok(self.call(request, context).await)
    }
}
