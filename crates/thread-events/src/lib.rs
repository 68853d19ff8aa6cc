//! The thread events `codex exec --json` prints and `@openai/codex-sdk` reads, and the mapping
//! from engine events to them.
//!
//! Every front-end that speaks this contract (exec's JSON lines, the Node API's streamed
//! events) uses this one mapping, so they print exactly the same objects. The field names and
//! their order follow the Codex CLI's output, because SDK users compare events with strict
//! equality; additions are opt-in.

#![deny(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::exit,
    reason = "library code runs inside other processes (the CLI, a Node host); they own output and exit"
)]

mod mapper;
mod types;

pub use mapper::{MapperOptions, ThreadEventMapper, shell_join};
pub use types::*;
