//! Tools written in JavaScript, registered in the session's tool registry like any other: a
//! call goes to the running turn's tool callback, and its answer (or its error) goes back to
//! the model.

use std::sync::{Arc, Mutex};

use codex_core::{ToolCall, ToolHandler, ToolOutput};
use codex_providers::ToolSpec;
use futures_util::future::BoxFuture;
use napi_derive::napi;
use serde_json::{Value, json};

use crate::link::{TurnLink, kind};

/// A JavaScript tool as `startThread` is given it (the handler stays in JavaScript).
#[napi(object)]
#[derive(Clone)]
pub struct ToolDefinition {
    pub name: String,
    pub description: Option<String>,
    /// The arguments' JSON Schema, as JSON text.
    pub parameters: Option<String>,
}

/// The running turn's link, shared by the thread and its JavaScript tools.
pub type CurrentTurn = Arc<Mutex<Option<Arc<TurnLink>>>>;

pub struct JsTool {
    name: String,
    description: String,
    parameters: Value,
    thread_id: Arc<Mutex<String>>,
    turn: CurrentTurn,
}

impl JsTool {
    pub fn new(
        definition: &ToolDefinition,
        thread_id: Arc<Mutex<String>>,
        turn: CurrentTurn,
    ) -> Result<Self, String> {
        let parameters = match &definition.parameters {
            None => json!({"type": "object", "properties": {}}),
            Some(text) => serde_json::from_str::<Value>(text)
                .ok()
                .filter(Value::is_object)
                .ok_or_else(|| {
                    format!(
                        "the parameters of tool `{}` must be a JSON Schema object",
                        definition.name
                    )
                })?,
        };
        Ok(JsTool {
            name: definition.name.clone(),
            description: definition.description.clone().unwrap_or_default(),
            parameters,
            thread_id,
            turn,
        })
    }
}

impl ToolHandler for JsTool {
    fn spec(&self) -> ToolSpec {
        ToolSpec::Function {
            name: self.name.clone(),
            description: self.description.clone(),
            parameters: self.parameters.clone(),
        }
    }

    fn handle<'a>(&'a self, call: ToolCall<'a>) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            let link = self.turn.lock().ok().and_then(|t| t.clone());
            let Some(link) = link else {
                return ToolOutput::error("no JavaScript handler is attached to this tool");
            };
            let Some(callback) = &link.tools else {
                return ToolOutput::error("no JavaScript handler is attached to this tool");
            };
            let thread_id = self
                .thread_id
                .lock()
                .map(|id| id.clone())
                .unwrap_or_default();
            let request = json!({
                "name": self.name,
                "callId": call.call_id,
                "threadId": thread_id,
                "arguments": call.raw_input(),
            })
            .to_string();
            let answer = async {
                let promise = callback.call_async(request).await?;
                promise.await
            };
            tokio::select! {
                answer = answer => match answer {
                    Ok(text) => tool_output(&text),
                    Err(e) => ToolOutput::error(e.reason.clone()),
                },
                _ = call.cancellation().cancelled() => {
                    link.send(kind::TOOL_ABORT, call.call_id.to_string());
                    ToolOutput::error("the tool call was aborted: the turn was interrupted")
                }
            }
        })
    }
}

/// `{"ok": bool, "output": string}` from the JavaScript side.
fn tool_output(text: &str) -> ToolOutput {
    let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let output = value["output"].as_str().unwrap_or_default().to_string();
    if value["ok"].as_bool() == Some(true) {
        ToolOutput::text(output)
    } else {
        ToolOutput::error(output)
    }
}
