//! One connected server: starting it (stdio or streamable HTTP), the MCP handshake, its tool
//! list, and calls. What a server asks of us (elicitation) goes to the [`Elicitor`] the
//! session gives.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use codex_config::{McpServerConfig, McpTransport};
use futures_util::future::BoxFuture;
use rmcp::model::{
    CallToolRequestParams, ClientConfig, ElicitRequestParams, ElicitResult, ErrorData, JsonObject,
    PaginatedRequestParams, ReadResourceRequestParams,
};
use rmcp::service::{RequestContext, RoleClient, RunningService, ServiceExt};
use rmcp::transport::TokioChildProcess;
use rmcp::transport::streamable_http_client::{
    StreamableHttpClientTransport, StreamableHttpClientTransportConfig,
};
use rmcp::{ClientHandler, ServiceError};
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;

use crate::env::server_env;
use crate::http::HttpClient;
use crate::{McpError, McpTool, ToolHints};

/// What a server asked the user (an MCP elicitation), and how the user answered.
pub trait Elicitor: Send + Sync {
    /// `request` is the elicitation's params as the server sent them (`message`,
    /// `requestedSchema`, or `url` for URL elicitations). Answers the `ElicitResult`: at least
    /// `{"action": "accept"|"decline"|"cancel"}`, with `content` on accept.
    fn elicit(&self, server: &str, request: Value) -> BoxFuture<'static, Value>;
}

/// Declines every elicitation (for sessions that cannot ask anyone).
pub struct DeclineAll;

impl Elicitor for DeclineAll {
    fn elicit(&self, _server: &str, _request: Value) -> BoxFuture<'static, Value> {
        Box::pin(async { json!({"action": "decline"}) })
    }
}

/// How we present ourselves and answer what servers ask.
struct Handler {
    server: String,
    elicitor: Arc<dyn Elicitor>,
    info: ClientConfig,
}

impl ClientHandler for Handler {
    fn get_info(&self) -> ClientConfig {
        self.info.clone()
    }

    fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> impl Future<Output = Result<ElicitResult, ErrorData>> + Send + '_ {
        let params = serde_json::to_value(&request).unwrap_or(Value::Null);
        let answer = self.elicitor.elicit(&self.server, params);
        async move {
            let answer = answer.await;
            serde_json::from_value::<ElicitResult>(answer.clone()).map_err(|e| {
                ErrorData::internal_error(format!("bad elicitation answer {answer}: {e}"), None)
            })
        }
    }
}

fn client_info(version: &str) -> Result<ClientConfig, McpError> {
    let info = json!({
        "protocolVersion": "2025-06-18",
        "capabilities": {"elicitation": {}},
        "clientInfo": {"name": "codex-mcp-client", "title": "Codex", "version": version},
    });
    serde_json::from_value(info).map_err(|e| McpError::Start(format!("client info: {e}")))
}

/// Where and how servers start.
pub struct StartContext {
    /// The session's directory: where stdio servers without `cwd` run.
    pub cwd: std::path::PathBuf,
    /// Our environment, from which a stdio server gets the variables it may have.
    pub parent_env: Vec<(String, String)>,
    pub elicitor: Arc<dyn Elicitor>,
    /// Reported to servers as the client version.
    pub version: String,
}

/// A server that has started and listed its tools.
pub struct Connection {
    service: RunningService<RoleClient, Handler>,
    pub tools: Vec<McpTool>,
    pub instructions: Option<String>,
}

/// The last bytes a stdio server wrote to stderr, for saying why it failed.
#[derive(Clone, Default)]
pub(crate) struct StderrTail(Arc<Mutex<Vec<u8>>>);

const STDERR_TAIL: usize = 2048;

impl StderrTail {
    fn push(&self, bytes: &[u8]) {
        let mut tail = self.0.lock().unwrap_or_else(|e| e.into_inner());
        tail.extend_from_slice(bytes);
        if tail.len() > STDERR_TAIL {
            let cut = tail.len() - STDERR_TAIL;
            tail.drain(..cut);
        }
    }

    pub(crate) fn text(&self) -> String {
        let tail = self.0.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&tail).trim().to_string()
    }
}

impl Connection {
    /// Starts the server, initialises and lists its tools, all within `startup_timeout`.
    pub async fn start(
        name: &str,
        config: &McpServerConfig,
        ctx: &StartContext,
    ) -> Result<Connection, McpError> {
        let stderr = StderrTail::default();
        let started = tokio::time::timeout(
            config.startup_timeout,
            Self::handshake(name, config, ctx, stderr.clone()),
        )
        .await;
        let with_stderr = |message: String| {
            let tail = stderr.text();
            if tail.is_empty() {
                message
            } else {
                format!("{message}; its stderr ended with: {tail}")
            }
        };
        match started {
            Ok(Ok(connection)) => Ok(connection),
            Ok(Err(McpError::Start(message))) => Err(McpError::Start(with_stderr(message))),
            Ok(Err(other)) => Err(other),
            Err(_) => Err(McpError::Start(with_stderr(format!(
                "did not start within {} (raise `startup_timeout_sec` in [mcp_servers.{name}])",
                seconds(config.startup_timeout)
            )))),
        }
    }

    async fn handshake(
        name: &str,
        config: &McpServerConfig,
        ctx: &StartContext,
        stderr: StderrTail,
    ) -> Result<Connection, McpError> {
        let handler = Handler {
            server: name.to_string(),
            elicitor: ctx.elicitor.clone(),
            info: client_info(&ctx.version)?,
        };
        let service = match &config.transport {
            McpTransport::Stdio {
                command,
                args,
                env,
                env_vars,
                cwd,
            } => {
                let transport =
                    spawn_stdio(command, args, env, env_vars, cwd.as_deref(), ctx, stderr)?;
                handler
                    .serve(transport)
                    .await
                    .map_err(|e| McpError::Start(format!("initialize failed: {e}")))?
            }
            McpTransport::StreamableHttp {
                url,
                bearer_token_env_var,
                http_headers,
                env_http_headers,
            } => {
                let transport = http_transport(
                    url,
                    bearer_token_env_var.as_deref(),
                    http_headers,
                    env_http_headers,
                    &ctx.parent_env,
                )?;
                handler
                    .serve(transport)
                    .await
                    .map_err(|e| McpError::Start(format!("initialize failed: {e}")))?
            }
        };
        let instructions = service
            .peer_info()
            .and_then(|info| serde_json::to_value(&*info).ok())
            .and_then(|info| {
                info.get("instructions")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .filter(|text| !text.trim().is_empty());
        let listed = service
            .peer()
            .list_all_tools()
            .await
            .map_err(|e| McpError::Start(format!("tools/list failed: {e}")))?;
        let mut tools = Vec::new();
        for tool in listed {
            let raw = serde_json::to_value(&tool).unwrap_or(Value::Null);
            let tool_name = tool.name.to_string();
            let allowed = config
                .enabled_tools
                .as_ref()
                .is_none_or(|list| list.contains(&tool_name))
                && !config.disabled_tools.contains(&tool_name);
            if !allowed {
                continue;
            }
            let hints = raw
                .get("annotations")
                .map(ToolHints::from_annotations)
                .unwrap_or_default();
            tools.push(McpTool {
                server: name.to_string(),
                description: tool.description.as_deref().unwrap_or("").to_string(),
                input_schema: raw.get("inputSchema").cloned().unwrap_or_else(|| json!({})),
                name: tool_name,
                hints,
            });
        }
        Ok(Connection {
            service,
            tools,
            instructions,
        })
    }

    /// Calls a tool; the result is the server's `CallToolResult` as JSON.
    pub async fn call_tool(
        &self,
        tool: &str,
        arguments: Option<JsonObject>,
        timeout: Duration,
    ) -> Result<Value, McpError> {
        let mut params = CallToolRequestParams::new(tool.to_string());
        params.arguments = arguments;
        let call = self.service.peer().call_tool(params);
        match tokio::time::timeout(timeout, call).await {
            Ok(Ok(result)) => {
                serde_json::to_value(result).map_err(|e| McpError::Call(e.to_string()))
            }
            Ok(Err(e)) => Err(call_error(e)),
            Err(_) => Err(McpError::Call(format!(
                "timed out after {} (raise `tool_timeout_sec` for this server)",
                seconds(timeout)
            ))),
        }
    }

    pub async fn list_resources(&self, cursor: Option<String>) -> Result<Value, McpError> {
        let params = cursor.map(|c| PaginatedRequestParams::default().with_cursor(Some(c)));
        let result = self
            .service
            .peer()
            .list_resources(params)
            .await
            .map_err(call_error)?;
        serde_json::to_value(result).map_err(|e| McpError::Call(e.to_string()))
    }

    pub async fn list_resource_templates(&self, cursor: Option<String>) -> Result<Value, McpError> {
        let params = cursor.map(|c| PaginatedRequestParams::default().with_cursor(Some(c)));
        let result = self
            .service
            .peer()
            .list_resource_templates(params)
            .await
            .map_err(call_error)?;
        serde_json::to_value(result).map_err(|e| McpError::Call(e.to_string()))
    }

    pub async fn read_resource(&self, uri: &str) -> Result<Value, McpError> {
        let params = ReadResourceRequestParams::new(uri.to_string());
        let result = self
            .service
            .peer()
            .read_resource(params)
            .await
            .map_err(call_error)?;
        serde_json::to_value(result).map_err(|e| McpError::Call(e.to_string()))
    }

    /// Whether the connection is gone (the process exited, the transport closed).
    pub fn is_closed(&self) -> bool {
        self.service.is_closed()
    }
}

fn call_error(e: ServiceError) -> McpError {
    match e {
        ServiceError::McpError(error) => McpError::Call(error.message.to_string()),
        ServiceError::TransportClosed | ServiceError::TransportSend(_) => {
            McpError::Call("the server closed the connection".to_string())
        }
        other => McpError::Call(other.to_string()),
    }
}

fn seconds(d: Duration) -> String {
    format!("{}s", d.as_secs_f64())
}

fn spawn_stdio(
    command: &str,
    args: &[String],
    env: &BTreeMap<String, String>,
    env_vars: &[String],
    cwd: Option<&Path>,
    ctx: &StartContext,
    stderr_tail: StderrTail,
) -> Result<TokioChildProcess, McpError> {
    let mut cmd = tokio::process::Command::new(command);
    cmd.args(args)
        .env_clear()
        .envs(server_env(&ctx.parent_env, env_vars, env))
        // A relative `cwd` is taken from the session's directory, like everything else.
        .current_dir(
            cwd.map(|c| ctx.cwd.join(c))
                .unwrap_or_else(|| ctx.cwd.clone()),
        )
        .kill_on_drop(true);
    let (transport, stderr) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| McpError::Start(format!("cannot run `{command}`: {e}")))?;
    if let Some(mut stderr) = stderr {
        tokio::spawn(async move {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                stderr_tail.push(&buf[..n]);
            }
        });
    }
    Ok(transport)
}

fn http_transport(
    url: &str,
    bearer_token_env_var: Option<&str>,
    http_headers: &BTreeMap<String, String>,
    env_http_headers: &BTreeMap<String, String>,
    parent_env: &[(String, String)],
) -> Result<StreamableHttpClientTransport<HttpClient>, McpError> {
    let lookup = |var: &str| {
        parent_env
            .iter()
            .find(|(k, _)| k == var)
            .map(|(_, v)| v.clone())
    };
    let mut config = StreamableHttpClientTransportConfig::with_uri(url.to_string());
    if let Some(var) = bearer_token_env_var {
        let token = lookup(var).filter(|t| !t.is_empty()).ok_or_else(|| {
            McpError::Start(format!(
                "`bearer_token_env_var` names `{var}`, which is not set in the environment"
            ))
        })?;
        config = config.auth_header(token);
    }
    let mut headers = Vec::new();
    for (name, value) in http_headers {
        headers.push((name.clone(), value.clone()));
    }
    for (name, var) in env_http_headers {
        if let Some(value) = lookup(var) {
            headers.push((name.clone(), value));
        }
    }
    for (name, value) in headers {
        let header = http::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| McpError::Start(format!("`{name}` is not a valid HTTP header name")))?;
        let value = http::HeaderValue::from_str(&value)
            .map_err(|_| McpError::Start(format!("the value of header `{name}` is not valid")))?;
        config.custom_headers.insert(header, value);
    }
    let client = HttpClient::new().map_err(|e| McpError::Start(format!("HTTP client: {e}")))?;
    Ok(StreamableHttpClientTransport::with_client(client, config))
}
