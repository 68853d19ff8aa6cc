//! `codex memory-server`: the tools of the MCP reference memory server
//! (`@modelcontextprotocol/server-memory`) with the same names, arguments and results, kept
//! in SQLite so that several agents can share one database, and `codex memory import|export`
//! for the reference server's JSONL file.

pub mod graph;
pub mod jsonl;
mod server;
pub mod store;
mod tools;

pub use server::{HTTP_PATH, serve_http, serve_stdio};
pub use store::{Store, StoreError};

use std::path::{Path, PathBuf};

/// The database when `--db` is not given: `~/.jgt/memory.sqlite` when `~/.jgt` exists,
/// else `$CODEX_HOME/memory.sqlite`.
pub fn default_db_path(home: Option<&Path>, codex_home: &Path) -> PathBuf {
    match home.map(|h| h.join(".jgt")).filter(|d| d.is_dir()) {
        Some(jgt) => jgt.join("memory.sqlite"),
        None => codex_home.join("memory.sqlite"),
    }
}
