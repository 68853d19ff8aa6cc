//! The Node addon (`codex.<platform>.node`): the engine in-process, for `@jgt/codex`'s
//! `lib/native.js`. A front-end like `codex exec`: it turns a thread's options into a `Config`
//! (through `codex-frontend`, as the CLI does), speaks only `Op`s and `Event`s to `codex-core`,
//! and hands JavaScript the thread events `codex exec --json` prints.
//!
//! It runs inside someone else's Node process, so it never writes to stdout or stderr, never
//! exits the process, installs no signal handlers and no logger, and never confines the process
//! it runs in: sandboxed commands are started through the `codex` executable of the platform
//! package. Work runs on one shared multi-thread tokio runtime (napi's, created on first use).
//! Children are started from its worker threads, which live as long as the runtime: the
//! commands' parent-death signal (`PR_SET_PDEATHSIG`, tied to the thread that forked them)
//! fires when the process goes, not when a short-lived thread does.

#![deny(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::exit,
    reason = "the addon lives in a Node host: the host owns its output and its exit"
)]

mod approvals;
mod js_tools;
mod link;
mod options;
mod patch;
mod search;
mod thread;

pub use js_tools::ToolDefinition;
pub use options::ThreadConfig;
pub use patch::{PatchResult, apply_patch};
pub use search::search;
pub use thread::{NativeThread, TurnInput, start_thread};

/// Commands still running when the process exits (`process.exit()` in the middle of a turn)
/// are killed with their process groups: their parent-death signal reaches only the command
/// itself, not what it started.
#[cfg(unix)]
extern "C" fn kill_commands_at_exit() {
    codex_process::kill_running_commands();
}

#[napi_derive::module_init]
fn init() {
    #[cfg(unix)]
    {
        static AT_EXIT: std::sync::Once = std::sync::Once::new();
        // SAFETY: registers a plain function; the addon is never unloaded before exit (napi
        // pins it).
        AT_EXIT.call_once(|| unsafe {
            libc::atexit(kill_commands_at_exit);
        });
    }
}

/// The addon's version (the workspace's), to check it matches the package.
#[napi_derive::napi]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
