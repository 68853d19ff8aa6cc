//! Approval decisions: which commands and patches run without asking, which are asked about,
//! and which are refused, for each approval policy and sandbox mode.
//!
//! Pure functions over argv, paths and policies: this crate runs nothing and prints nothing.

#![deny(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::exit,
    reason = "library code runs inside other processes (the CLI, a Node host); they own output and exit"
)]

mod bash;
mod dangerous;
mod decision;
mod known_safe;
mod session_key;

pub use bash::{parse_plain_script, split_shell_wrapper};
pub use dangerous::command_might_be_dangerous;
pub use decision::{CommandRequest, PatchRequest, SafetyCheck, assess_command, assess_patch};
pub use known_safe::is_known_safe_command;
pub use session_key::session_key;
