//! Confining commands: a sandbox policy turned into OS restrictions.
//!
//! Linux: the `codex` binary re-executed as `codex-linux-sandbox` confines itself — private
//! mount and PID namespaces where they can be made (everything read-only except the writable
//! roots, `.git` and `.codex` inside them read-only again, `deny_read` paths hidden behind
//! empty read-only mounts, a `/proc` of its own, no process outliving the command), the capabilities that reach other processes dropped, `no_new_privs`,
//! Landlock at the best ABI the kernel offers, and a seccomp filter — then execs the command.
//! macOS: a Seatbelt policy for `/usr/bin/sandbox-exec`. The engine never confines itself; it
//! only builds the command line that does. What the engine's in-process file tools may read is
//! decided here too, by one predicate ([`ReadAccess`]).

#![deny(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::exit,
    reason = "library code runs inside other processes (the CLI, a Node host); they own output and exit"
)]

mod deny_read;
mod probe;
mod read_access;
mod roots;
mod seatbelt;
mod wrap;

#[cfg(target_os = "linux")]
pub mod linux;

pub use deny_read::{
    DeniedPath, DenyReadSummary, describe as describe_deny_read, existing_denied,
    summarize as summarize_deny_read,
};
pub use probe::{SandboxSupport, probe};
pub use read_access::{ReadAccess, ReadDenied};
pub use roots::{WritableRoot, writable_roots};
pub use seatbelt::{SEATBELT_EXECUTABLE, seatbelt_args};
pub use wrap::{LINUX_SANDBOX_ARG0, SandboxType, SandboxedCommand, wrap_command};
