//! The engine: a session driven only by `Op`s and reporting only `Event`s, running turns
//! against a model and answering its tool calls.
//!
//! This crate lives inside other people's processes (the CLI, and a Node host through the
//! addon), so it keeps no global state, never exits the process, installs no signal handlers,
//! writes nothing to stdout or stderr, and needs a tokio runtime provided by its caller.
//!
//! Modules depend one way: `state` (the session's one state value) ← `sampling` (one model
//! response) ← `compact` and `tools` ← `turn` ← `session` (the handle and its loop); `start`,
//! `rollout`, `context` and the small helpers depend on none of those.

#![deny(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::exit,
    reason = "library code runs inside other processes (the CLI, a Node host); they own output and exit"
)]

mod audit;
mod compact;
mod context;
mod error;
mod events;
mod history;
mod images;
mod mcp;
mod notify;
mod prompt;
mod redaction;
mod review;
mod rollout;
mod sampling;
mod second_opinion;
mod session;
mod start;
mod state;
mod tools;
mod turn;
mod user_shell;

pub use audit::Approver;
pub use codex_sandbox::{ReadAccess, ReadDenied};
pub use compact::SUMMARY_PREFIX;
pub use error::CodexError;
pub use history::recent_history;
pub use images::local_image_url;
pub use prompt::{BASE_INSTRUCTIONS, environment_context};
pub use rollout::{SessionSummary, find_session, list_sessions};
pub use session::{Codex, SessionOptions};
pub use tools::{
    BUILT_IN_TOOL_NAMES, DuplicateTool, ToolCall, ToolHandler, ToolInput, ToolOutput, ToolRegistry,
};
