//! All of a session's servers. Each starts in the background the moment the session does, all
//! at once; a turn takes the tools of those ready by then and never waits for the rest, except
//! a call to a tool of a server still starting, which waits for that server alone. A server
//! that fails costs its own tools and nothing else.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use codex_config::McpServerConfig;
use codex_protocol::{McpServerStatus, McpStartupComplete, McpStartupFailure, McpStartupStatus};
use tokio::sync::watch;

use crate::connection::{Connection, StartContext};
use crate::{McpError, McpTool};

#[derive(Clone)]
enum State {
    Starting,
    Ready(Arc<Connection>),
    Failed(String),
}

struct Server {
    config: McpServerConfig,
    state: watch::Receiver<State>,
}

/// What the manager reports while servers start.
pub trait StartupListener: Send + Sync + 'static {
    fn update(&self, server: &str, status: McpStartupStatus);
    fn complete(&self, summary: McpStartupComplete);
}

/// A ready server's tools and instructions, as a turn offers them.
pub struct ReadyServer {
    pub name: String,
    pub instructions: Option<String>,
    pub tools: Vec<McpTool>,
}

pub struct McpManager {
    servers: BTreeMap<String, Server>,
}

impl McpManager {
    /// Starts every enabled server in the background (needs a tokio runtime) and returns at
    /// once.
    pub fn start(
        configs: &BTreeMap<String, McpServerConfig>,
        ctx: StartContext,
        listener: Arc<dyn StartupListener>,
    ) -> McpManager {
        let ctx = Arc::new(ctx);
        let enabled: Vec<(&String, &McpServerConfig)> =
            configs.iter().filter(|(_, c)| c.enabled).collect();
        let remaining = Arc::new(AtomicUsize::new(enabled.len()));
        let summary = Arc::new(Mutex::new(McpStartupComplete::default()));
        let mut servers = BTreeMap::new();
        for (name, config) in enabled {
            let (tx, rx) = watch::channel(State::Starting);
            listener.update(name, McpStartupStatus::Starting);
            let (name_owned, config_owned) = (name.clone(), config.clone());
            let (ctx, listener, remaining, summary) = (
                ctx.clone(),
                listener.clone(),
                remaining.clone(),
                summary.clone(),
            );
            tokio::spawn(async move {
                let result = Connection::start(&name_owned, &config_owned, &ctx).await;
                let status = match &result {
                    Ok(connection) => McpStartupStatus::Ready {
                        tools: connection.tools.len(),
                    },
                    Err(e) => McpStartupStatus::Failed {
                        error: e.to_string(),
                    },
                };
                {
                    let mut summary = summary.lock().unwrap_or_else(|e| e.into_inner());
                    match &result {
                        Ok(_) => summary.ready.push(name_owned.clone()),
                        Err(e) => summary.failed.push(McpStartupFailure {
                            server: name_owned.clone(),
                            error: e.to_string(),
                        }),
                    }
                }
                let state = match result {
                    Ok(connection) => State::Ready(Arc::new(connection)),
                    Err(e) => State::Failed(e.to_string()),
                };
                let _ = tx.send(state);
                listener.update(&name_owned, status);
                if remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
                    let mut done = summary.lock().unwrap_or_else(|e| e.into_inner()).clone();
                    done.ready.sort();
                    done.failed.sort_by(|a, b| a.server.cmp(&b.server));
                    listener.complete(done);
                }
                // Keep the sender alive as long as anyone may wait on it.
                tx.closed().await;
            });
            servers.insert(
                name.clone(),
                Server {
                    config: config.clone(),
                    state: rx,
                },
            );
        }
        McpManager { servers }
    }

    /// The names of the enabled servers.
    pub fn server_names(&self) -> impl Iterator<Item = &str> {
        self.servers.keys().map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.servers.is_empty()
    }

    /// Every enabled server as it is now.
    pub fn statuses(&self) -> Vec<McpServerStatus> {
        self.servers
            .iter()
            .map(|(name, server)| {
                let (status, tools) = match &*server.state.borrow() {
                    State::Starting => (McpStartupStatus::Starting, Vec::new()),
                    State::Ready(connection) if connection.is_closed() => (
                        McpStartupStatus::Failed {
                            error: "the server has exited".into(),
                        },
                        Vec::new(),
                    ),
                    State::Ready(connection) => (
                        McpStartupStatus::Ready {
                            tools: connection.tools.len(),
                        },
                        connection.tools.iter().map(|t| t.name.clone()).collect(),
                    ),
                    State::Failed(error) => (
                        McpStartupStatus::Failed {
                            error: error.clone(),
                        },
                        Vec::new(),
                    ),
                };
                McpServerStatus {
                    server: name.clone(),
                    status,
                    tools,
                }
            })
            .collect()
    }

    /// The servers ready now, with their tools; servers still starting are left out.
    pub fn ready(&self) -> Vec<ReadyServer> {
        self.servers
            .iter()
            .filter_map(|(name, server)| match &*server.state.borrow() {
                State::Ready(connection) if !connection.is_closed() => Some(ReadyServer {
                    name: name.clone(),
                    instructions: connection.instructions.clone(),
                    tools: connection.tools.clone(),
                }),
                _ => None,
            })
            .collect()
    }

    /// The server's connection, waiting for it to finish starting.
    pub async fn connection(&self, server: &str) -> Result<Arc<Connection>, McpError> {
        let Some(entry) = self.servers.get(server) else {
            return Err(McpError::UnknownServer(server.to_string()));
        };
        let mut state = entry.state.clone();
        let settled = state
            .wait_for(|s| !matches!(s, State::Starting))
            .await
            .map(|s| s.clone());
        match settled {
            Ok(State::Ready(connection)) if connection.is_closed() => {
                Err(McpError::Call(format!("MCP server `{server}` has exited")))
            }
            Ok(State::Ready(connection)) => Ok(connection),
            Ok(State::Failed(why)) => Err(McpError::Call(format!(
                "MCP server `{server}` failed to start: {why}"
            ))),
            Ok(State::Starting) | Err(_) => Err(McpError::Call(format!(
                "MCP server `{server}` stopped while starting"
            ))),
        }
    }

    /// Why a server marked `required` is not available, waiting for those still starting;
    /// `None` when every required server is ready.
    pub async fn required_failure(&self) -> Option<String> {
        for (name, server) in &self.servers {
            if !server.config.required {
                continue;
            }
            if let Err(e) = self.connection(name).await {
                return Some(format!(
                    "{e} (it is marked `required` in [mcp_servers.{name}])"
                ));
            }
        }
        None
    }

    /// The config a server was started with.
    pub fn config(&self, server: &str) -> Option<&McpServerConfig> {
        self.servers.get(server).map(|s| &s.config)
    }
}
