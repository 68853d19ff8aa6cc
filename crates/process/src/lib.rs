//! Running commands for the agent: the environment they see, their process group, their
//! timeout, their captured output, and what of it the model is shown.
//!
//! No sandboxing here: confinement is applied by the sandbox helper the command is started
//! through. Nothing here prints; output is returned and streamed through a callback.

#![deny(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::exit,
    reason = "library code runs inside other processes (the CLI, a Node host); they own output and exit"
)]

mod bundled;
mod env;
mod spawn;
mod truncate;

pub use bundled::{BUNDLED_PATH_DIR, bundled_path_beside, put_bundled_path_first};
pub use env::{CORE_VARS, create_env, is_excluded};
pub use spawn::{
    DEFAULT_TIMEOUT_MS, ExecOutput, ExecRequest, OutputChunk, SpawnError, TIMEOUT_EXIT_CODE,
    kill_running_commands, run,
};
pub use truncate::{
    MODEL_OUTPUT_MAX_BYTES, MODEL_OUTPUT_MAX_LINES, prefix_within, truncate_for_model,
};
