//! The one contract between front-ends and the engine: `Op`s go in, `Event`s come out.
//!
//! Plain serde types only. This crate does no I/O and holds no behaviour beyond small
//! conversions, so every front-end (exec, TUI, MCP server, Node addon) can depend on it cheaply.

#![deny(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::exit,
    reason = "library code runs inside other processes (the CLI, a Node host); they own output and exit"
)]

mod events;
mod items;
mod ops;
mod plan;
mod policy;
mod review;
mod usage;

pub use events::*;
pub use items::*;
pub use ops::*;
pub use plan::*;
pub use policy::*;
pub use review::*;
pub use usage::*;
