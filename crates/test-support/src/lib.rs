//! A mock model server for tests and benchmarks: real HTTP on 127.0.0.1 with an ephemeral port,
//! speaking the Responses, Chat Completions and Anthropic Messages streaming wires, scripted per test, recording
//! every request, and able to inject faults.
//!
//! Never shipped: it is a dev-dependency of the other crates and a small binary for benchmarks.

#![deny(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::exit,
    reason = "library code runs inside other processes (the CLI, a Node host); they own output and exit"
)]

mod http;
mod invariants;
mod render;
mod render_anthropic;
mod script;
mod script_file;
mod server;

pub use invariants::check_call_pairs;
pub use render::Wire;
pub use script::{Ev, Reply, Scenario, Step};
pub use script_file::parse_script;
pub use server::{MockServer, RecordedRequest};
