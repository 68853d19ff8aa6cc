//! The engine: a session driven only by `Op`s and reporting only `Event`s, running turns
//! against a model and answering its tool calls.
//!
//! This crate lives inside other people's processes (the CLI, and a Node host through the
//! addon), so it keeps no global state, never exits the process, installs no signal handlers,
//! writes nothing to stdout or stderr, and needs a tokio runtime provided by its caller.

mod compact;
mod context;
mod cost;
mod events;
mod history;
mod images;
mod model_family;
mod notify;
mod prompt;
mod rollout;
mod session;
mod start;
mod tools;
mod turn;

pub use compact::SUMMARY_PREFIX;
pub use cost::{Price, estimate as estimate_cost, known_price};
pub use images::local_image_url;
pub use model_family::context_window;
pub use prompt::{BASE_INSTRUCTIONS, environment_context};
pub use rollout::{SessionSummary, find_session, list_sessions};
pub use session::{Codex, CodexError};
