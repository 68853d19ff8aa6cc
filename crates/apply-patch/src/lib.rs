//! `apply_patch`: the edit format of the Codex model family — its grammar, its forgiving line
//! matching, and an application that is all or nothing.
//!
//! Every operation is checked against the current files before anything is written; files are
//! then written through a temporary file and a rename, and if a write still fails the files
//! already changed are restored. Modes and CRLF line endings are kept. Paths may be confined to
//! writable roots (after following `..` and symlinks).
//!
//! This crate prints nothing; the command-line entry writes to the streams it is given.

#![deny(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::exit,
    reason = "library code runs inside other processes (the CLI, a Node host); they own output and exit"
)]

mod chunks;
mod cli;
mod commit;
mod diff;
mod error;
mod invocation;
mod parser;
mod paths;
mod plan;
mod seek;

pub use cli::run_cli;
pub use diff::unified_diff;
pub use error::PatchError;
pub use invocation::{ShellPatch, looks_like_patch_call, parse_shell_invocation};
pub use parser::{Chunk, Hunk, ParseError, parse_patch};
pub use paths::{WritableRoots, resolve};
pub use plan::{ChangeKind, Plan, PlanOptions, PlannedChange, plan_patch};
pub use seek::seek_sequence;

use std::path::Path;

/// Checks and applies a patch in one go; returns the plan that was applied.
pub fn apply_patch(
    patch: &str,
    cwd: &Path,
    roots: Option<&WritableRoots>,
) -> Result<Plan, PatchError> {
    let plan = plan_patch(
        patch,
        &PlanOptions {
            cwd,
            roots,
            refuse: None,
        },
    )?;
    plan.commit()?;
    Ok(plan)
}
