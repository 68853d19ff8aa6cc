//! A session's MCP servers: started with the session (in the background), their startup
//! reported as events, and what they ask the user (elicitations) turned into requests the
//! front-end answers — or declined at once when the approval policy is `never`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use codex_config::Config;
use codex_mcp::{Elicitor, McpManager, StartContext, StartupListener};
use codex_protocol::{
    AskForApproval, ElicitationAction, ElicitationRequestEvent, EventMsg, McpStartupComplete,
    McpStartupStatus, McpStartupUpdateEvent,
};
use futures_util::future::BoxFuture;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::events::EventSender;

/// Starts the config's enabled servers, if any. Returns at once.
pub(crate) fn start_servers(
    config: &Config,
    events: &EventSender,
    elicitations: Arc<Elicitations>,
) -> Option<Arc<McpManager>> {
    if !config.mcp_servers.values().any(|s| s.enabled) {
        return None;
    }
    let ctx = StartContext {
        cwd: config.cwd.clone(),
        parent_env: config.env.as_ref().clone(),
        elicitor: elicitations,
        version: env!("CARGO_PKG_VERSION").to_string(),
    };
    let listener = Arc::new(StartupEvents {
        events: events.clone(),
    });
    Some(Arc::new(McpManager::start(
        &config.mcp_servers,
        ctx,
        listener,
    )))
}

struct StartupEvents {
    events: EventSender,
}

impl StartupListener for StartupEvents {
    fn update(&self, server: &str, status: McpStartupStatus) {
        self.events.send(
            "",
            EventMsg::McpStartupUpdate(McpStartupUpdateEvent {
                server: server.to_string(),
                status,
            }),
        );
    }

    fn complete(&self, summary: McpStartupComplete) {
        self.events.send("", EventMsg::McpStartupComplete(summary));
    }
}

/// Elicitations waiting for the user, by our id.
pub(crate) struct Elicitations {
    events: EventSender,
    policy: AskForApproval,
    next_id: AtomicU64,
    pending: Mutex<HashMap<String, oneshot::Sender<Value>>>,
}

impl Elicitations {
    pub fn new(events: EventSender, policy: AskForApproval) -> Self {
        Elicitations {
            events,
            policy,
            next_id: AtomicU64::new(1),
            pending: Mutex::new(HashMap::new()),
        }
    }

    /// The user's answer to the elicitation `id` (unknown ids are ignored: answered already,
    /// or the server gave up).
    pub fn resolve(&self, id: &str, action: ElicitationAction, content: Option<Value>) {
        let sender = self
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
        if let Some(sender) = sender {
            let mut answer = json!({"action": action});
            if let (ElicitationAction::Accept, Some(content)) = (action, content) {
                answer["content"] = content;
            }
            let _ = sender.send(answer);
        }
    }
}

impl Elicitor for Elicitations {
    fn elicit(&self, server: &str, request: Value) -> BoxFuture<'static, Value> {
        if self.policy == AskForApproval::Never {
            return Box::pin(async { json!({"action": "decline"}) });
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed).to_string();
        let (tx, rx) = oneshot::channel();
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.clone(), tx);
        let message = request
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let requested_schema = request
            .get("requestedSchema")
            .cloned()
            .unwrap_or_else(|| json!({}));
        self.events.send(
            "",
            EventMsg::ElicitationRequest(ElicitationRequestEvent {
                server_name: server.to_string(),
                id,
                message,
                requested_schema,
            }),
        );
        // A front-end that goes away without answering declines.
        Box::pin(async move { rx.await.unwrap_or_else(|_| json!({"action": "decline"})) })
    }
}
