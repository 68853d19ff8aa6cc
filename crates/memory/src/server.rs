//! The MCP server over stdio, on `rmcp`.

use std::sync::{Arc, Mutex};

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ErrorData, ListToolsResult,
    PaginatedRequestParams, ServerConfig,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::{ServerHandler, ServiceExt};
use serde_json::{Value, json};

use crate::store::Store;
use crate::tools;

#[derive(Clone)]
struct MemoryServer {
    store: Arc<Mutex<Store>>,
}

/// Serves the memory tools on stdin/stdout until the client goes away.
pub async fn serve_stdio(store: Store) -> Result<(), String> {
    let server = MemoryServer {
        store: Arc::new(Mutex::new(store)),
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

impl ServerHandler for MemoryServer {
    fn get_info(&self) -> ServerConfig {
        let info = json!({
            "protocolVersion": "2025-06-18",
            "capabilities": {"tools": {"listChanged": false}},
            "serverInfo": {"name": "memory-server", "title": "Codex memory",
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
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let args = request.arguments.unwrap_or_default();
        let result = {
            let mut store = self.store.lock().unwrap_or_else(|e| e.into_inner());
            tools::call(&mut store, request.name.as_ref(), &args)
        };
        let parsed: CallToolResult = serde_json::from_value(result)
            .map_err(|e| ErrorData::internal_error(e.to_string(), None::<Value>))?;
        Ok(CallToolResponse::Complete(parsed))
    }
}
