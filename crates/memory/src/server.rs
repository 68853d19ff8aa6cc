//! The MCP server over stdio or streamable HTTP, on `rmcp`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

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

/// The path the MCP endpoint is served at.
pub const HTTP_PATH: &str = "/mcp";

/// Serves the memory tools over streamable HTTP at `http://ADDR/mcp`, every client sharing the
/// one store, until SIGINT or SIGTERM. `ready` is told the address once the port is bound.
/// Only loopback addresses are accepted: the server has no authentication.
pub async fn serve_http(
    store: Store,
    addr: SocketAddr,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), String> {
    if !addr.ip().is_loopback() {
        return Err(format!(
            "--listen {addr}: only loopback addresses (127.0.0.1, ::1, localhost) are served; \
             the memory server has no authentication"
        ));
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let bound = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let store = Arc::new(Mutex::new(store));
    let cancel = CancellationToken::new();
    // The default allowed hosts (loopback names only) guard against DNS rebinding.
    let service = StreamableHttpService::new(
        move || {
            Ok(MemoryServer {
                store: store.clone(),
            })
        },
        Arc::new(LocalSessionManager::default()),
        StreamableHttpServerConfig::default().with_cancellation_token(cancel.child_token()),
    );
    // The handlers are in place before the address is announced: whoever reads it may signal
    // at once.
    let mut stop = std::pin::pin!(stop_signal()?);
    ready(bound);
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: the next connection may do, once some
                // close.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        while connections.try_join_next().is_some() {}
        connections.spawn(serve_connection(stream, service.clone(), cancel.clone()));
    }
    // No new connections; open streams end, requests under way are answered.
    drop(listener);
    cancel.cancel();
    let drained = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(DRAIN, drained).await.is_err() {
        connections.shutdown().await;
    }
    Ok(())
}

/// How long a stop waits for requests under way.
const DRAIN: Duration = Duration::from_secs(5);

type Service = StreamableHttpService<MemoryServer, LocalSessionManager>;

/// One HTTP/1 connection: `/mcp` goes to `rmcp`, anything else is 404. Once `cancel` fires, the
/// connection finishes the request under way and closes.
async fn serve_connection(
    stream: tokio::net::TcpStream,
    service: Service,
    cancel: CancellationToken,
) {
    let handler = hyper::service::service_fn(move |request: http::Request<Incoming>| {
        let service = service.clone();
        async move {
            if request.uri().path() != HTTP_PATH {
                return Ok::<_, Infallible>(not_found());
            }
            let delete = request.method() == http::Method::DELETE;
            let mut response = service.handle(request).await;
            // Ending a session: `rmcp` says 202, clients (the Python SDK among them) expect 200
            // or 204.
            if delete && response.status() == http::StatusCode::ACCEPTED {
                *response.status_mut() = http::StatusCode::NO_CONTENT;
            }
            Ok(response)
        }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .serve_connection(hyper_util::rt::TokioIo::new(stream), handler);
    let mut connection = std::pin::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => {}
        _ = cancel.cancelled() => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}

fn not_found() -> http::Response<http_body_util::combinators::BoxBody<Bytes, Infallible>> {
    let mut response = http::Response::new(
        Full::new(Bytes::from_static(b"not found: the MCP endpoint is /mcp\n")).boxed(),
    );
    *response.status_mut() = http::StatusCode::NOT_FOUND;
    response
}

/// SIGINT or SIGTERM (Ctrl-C elsewhere), the handlers installed now rather than when first
/// polled.
#[cfg(unix)]
fn stop_signal() -> Result<impl Future<Output = ()>, String> {
    use tokio::signal::unix::{SignalKind, signal};
    let handler = |kind| signal(kind).map_err(|e| format!("cannot handle signals: {e}"));
    let mut interrupt = handler(SignalKind::interrupt())?;
    let mut terminate = handler(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

#[cfg(not(unix))]
fn stop_signal() -> Result<impl Future<Output = ()>, String> {
    let mut ctrl_c =
        tokio::signal::windows::ctrl_c().map_err(|e| format!("cannot handle Ctrl-C: {e}"))?;
    Ok(async move {
        let _ = ctrl_c.recv().await;
    })
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
