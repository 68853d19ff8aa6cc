//! The engine: a session driven only by `Op`s and reporting only `Event`s, running turns
//! against a model and answering its tool calls.
//!
//! This crate lives inside other people's processes (the CLI, and a Node host through the
//! addon), so it keeps no global state, never exits the process, installs no signal handlers,
//! writes nothing to stdout or stderr, and needs a tokio runtime provided by its caller.

mod events;
mod model_family;
mod prompt;
mod session;
mod tools;
mod turn;

pub use model_family::context_window;
pub use prompt::{BASE_INSTRUCTIONS, environment_context};
pub use session::{Codex, CodexError};
