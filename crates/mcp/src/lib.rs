//! MCP: the client side — starting the servers a session's config names, listing their tools
//! and calling them — over stdio and streamable HTTP, on the official Rust SDK (`rmcp`).
//!
//! [`McpManager`] owns a session's servers; [`names`] and [`schema`] turn their tools into
//! what a model API accepts; [`output_for_model`] turns a result into what the model reads.
//! This crate knows nothing of turns or approvals: `core` decides when a tool may run.

mod connection;
mod convert;
pub mod env;
mod http;
mod manager;
pub mod names;
pub mod schema;

pub use connection::{Connection, DeclineAll, Elicitor, StartContext};
pub use convert::output_for_model;
pub use manager::{McpManager, ReadyServer, StartupListener};

use serde_json::Value;

/// A tool a server offers, as listed (after `enabled_tools`/`disabled_tools`).
#[derive(Debug, Clone, PartialEq)]
pub struct McpTool {
    pub server: String,
    /// The tool's own name, as the server calls it.
    pub name: String,
    pub description: String,
    /// The input schema as the server sent it (see [`schema::sanitize_input_schema`]).
    pub input_schema: Value,
    pub hints: ToolHints,
}

/// What a tool's annotations say about it. Hints, not promises: a server may be wrong.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ToolHints {
    /// `readOnlyHint`: the tool changes nothing.
    pub read_only: bool,
    /// `destructiveHint`, when given: the tool may delete or overwrite.
    pub destructive: Option<bool>,
}

impl ToolHints {
    pub fn from_annotations(annotations: &Value) -> ToolHints {
        ToolHints {
            read_only: annotations
                .get("readOnlyHint")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            destructive: annotations.get("destructiveHint").and_then(Value::as_bool),
        }
    }
}

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum McpError {
    /// The server did not start, initialise or list its tools.
    #[error("{0}")]
    Start(String),
    /// A request to a running server failed.
    #[error("{0}")]
    Call(String),
    #[error("no MCP server named `{0}` is configured")]
    UnknownServer(String),
}
