//! `list_mcp_resources`, `list_mcp_resource_templates` and `read_mcp_resource`: the Codex CLI's
//! tools for what MCP servers share as resources. Answers are JSON, each entry tagged with its
//! server; like MCP tool calls they are reported as `McpToolCallBegin`/`End` (under the server
//! they ask, or `codex` when they ask every server).

use std::sync::Arc;
use std::time::Instant;

use codex_mcp::McpManager;
use codex_protocol::{EventMsg, McpInvocation, McpToolCallBeginEvent, McpToolCallEndEvent};
use codex_providers::ToolSpec;
use futures_util::future::BoxFuture;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{ToolCall, ToolHandler, ToolOutput, parse_arguments};

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Resources,
    Templates,
    Read,
}

pub(crate) struct ResourceTool {
    manager: Arc<McpManager>,
    kind: Kind,
}

/// The three resource tools over `manager`.
pub(crate) fn resource_tools(manager: &Arc<McpManager>) -> Vec<Arc<dyn ToolHandler>> {
    [Kind::Resources, Kind::Templates, Kind::Read]
        .into_iter()
        .map(|kind| {
            Arc::new(ResourceTool {
                manager: manager.clone(),
                kind,
            }) as Arc<dyn ToolHandler>
        })
        .collect()
}

#[derive(Deserialize)]
struct ListArgs {
    server: Option<String>,
    cursor: Option<String>,
}

#[derive(Deserialize)]
struct ReadArgs {
    server: String,
    uri: String,
}

fn list_spec(name: &str, what: &str, description: &str) -> ToolSpec {
    ToolSpec::Function {
        name: name.to_string(),
        description: description.to_string(),
        parameters: json!({
            "type": "object",
            "properties": {
                "cursor": {"type": "string", "description": format!(
                    "Opaque cursor from a previous {name} call; omit for the first page.")},
                "server": {"type": "string", "description": format!(
                    "MCP server name. Omit to list {what} from every configured server.")},
            },
            "additionalProperties": false
        }),
    }
}

/// Adds `"server": server` to each entry of `result[key]`.
fn tag_entries(result: &mut Value, key: &str, server: &str) -> Vec<Value> {
    let entries = result
        .get_mut(key)
        .and_then(Value::as_array_mut)
        .map(std::mem::take)
        .unwrap_or_default();
    entries
        .into_iter()
        .map(|mut entry| {
            if let Some(object) = entry.as_object_mut() {
                let mut tagged = Map::new();
                tagged.insert("server".into(), json!(server));
                tagged.extend(std::mem::take(object));
                *object = tagged;
            }
            entry
        })
        .collect()
}

impl ResourceTool {
    fn name(&self) -> &'static str {
        match self.kind {
            Kind::Resources => "list_mcp_resources",
            Kind::Templates => "list_mcp_resource_templates",
            Kind::Read => "read_mcp_resource",
        }
    }

    fn key(&self) -> &'static str {
        match self.kind {
            Kind::Templates => "resourceTemplates",
            _ => "resources",
        }
    }

    async fn list_one(&self, server: &str, cursor: Option<String>) -> Result<Value, String> {
        let connection = self
            .manager
            .connection(server)
            .await
            .map_err(|e| e.to_string())?;
        let mut result = match self.kind {
            Kind::Templates => connection.list_resource_templates(cursor).await,
            _ => connection.list_resources(cursor).await,
        }
        .map_err(|e| e.to_string())?;
        let entries = tag_entries(&mut result, self.key(), server);
        let mut out = json!({"server": server, self.key(): entries});
        if let Some(next) = result.get("nextCursor").filter(|c| !c.is_null()) {
            out["nextCursor"] = next.clone();
        }
        Ok(out)
    }

    async fn list_all(&self) -> Value {
        let servers: Vec<String> = self.manager.server_names().map(str::to_string).collect();
        let mut all = Vec::new();
        for server in servers {
            // A server that failed or has no resources adds nothing; the others still answer.
            if let Ok(mut one) = self.list_one(&server, None).await
                && let Some(Value::Array(entries)) = one.get_mut(self.key()).map(Value::take)
            {
                all.extend(entries);
            }
        }
        json!({ self.key(): all })
    }

    /// What the call asks (for the events), or why its arguments are wrong.
    fn invocation(&self, call: &ToolCall<'_>) -> Result<McpInvocation, ToolOutput> {
        let arguments: Value = serde_json::from_str(call.raw_input()).unwrap_or(json!({}));
        let server = match self.kind {
            Kind::Read => parse_arguments::<ReadArgs>(call)?.server,
            _ => parse_arguments::<ListArgs>(call)?
                .server
                .unwrap_or_else(|| "codex".to_string()),
        };
        Ok(McpInvocation {
            server,
            tool: self.name().to_string(),
            arguments: Some(arguments),
        })
    }

    async fn answer(&self, call: &ToolCall<'_>) -> Result<Value, String> {
        match self.kind {
            Kind::Read => {
                let args: ReadArgs = parse_arguments(call).map_err(|o| o.content.text())?;
                let connection = self
                    .manager
                    .connection(&args.server)
                    .await
                    .map_err(|e| e.to_string())?;
                let mut result = connection
                    .read_resource(&args.uri)
                    .await
                    .map_err(|e| e.to_string())?;
                let contents = result.get_mut("contents").map(Value::take);
                Ok(json!({"server": args.server, "uri": args.uri,
                    "contents": contents.unwrap_or_else(|| json!([]))}))
            }
            _ => {
                let args: ListArgs = parse_arguments(call).map_err(|o| o.content.text())?;
                match &args.server {
                    Some(server) => self.list_one(server, args.cursor).await,
                    None => Ok(self.list_all().await),
                }
            }
        }
    }
}

impl ToolHandler for ResourceTool {
    fn spec(&self) -> ToolSpec {
        match self.kind {
            Kind::Resources => list_spec(
                self.name(),
                "resources",
                "Lists resources provided by MCP servers. Resources allow servers to share data \
                 that provides context to language models, such as files, database schemas, or \
                 application-specific information. Prefer resources over web search when \
                 possible.",
            ),
            Kind::Templates => list_spec(
                self.name(),
                "resource templates",
                "Lists resource templates provided by MCP servers. Parameterized resource \
                 templates allow servers to share data that takes parameters and provides \
                 context to language models, such as files, database schemas, or \
                 application-specific information. Prefer resource templates over web search \
                 when possible.",
            ),
            Kind::Read => ToolSpec::Function {
                name: self.name().to_string(),
                description: "Read a specific resource from an MCP server given the server \
                              name and resource URI."
                    .to_string(),
                parameters: json!({
                    "type": "object",
                    "properties": {
                        "server": {"type": "string", "description": "MCP server name exactly as \
                            configured. Must match the 'server' field returned by \
                            list_mcp_resources."},
                        "uri": {"type": "string", "description": "Resource URI to read. Must be \
                            one of the URIs returned by list_mcp_resources."},
                    },
                    "required": ["server", "uri"],
                    "additionalProperties": false
                }),
            },
        }
    }

    fn is_mutating(&self) -> bool {
        false
    }

    fn handle<'a>(&'a self, call: ToolCall<'a>) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            let invocation = match self.invocation(&call) {
                Ok(invocation) => invocation,
                Err(output) => return output,
            };
            let events = &call.turn.session.events;
            let sub_id = &call.turn.sub_id;
            events.send(
                sub_id,
                EventMsg::McpToolCallBegin(McpToolCallBeginEvent {
                    call_id: call.call_id.to_string(),
                    invocation: invocation.clone(),
                }),
            );
            let started = Instant::now();
            let answer = self.answer(&call).await.map(|v| v.to_string());
            events.send(
                sub_id,
                EventMsg::McpToolCallEnd(McpToolCallEndEvent {
                    call_id: call.call_id.to_string(),
                    invocation,
                    duration_ms: started.elapsed().as_millis() as u64,
                    result: answer
                        .clone()
                        .map(|text| json!({"content": [{"type": "text", "text": text}]})),
                }),
            );
            match answer {
                Ok(text) => ToolOutput::text(text),
                Err(message) => ToolOutput::error(message),
            }
        })
    }
}
