//! The audit log: one JSON line per decision and effect of the agent (a command run, a patch
//! applied, an MCP tool called, a request denied, …), each line sealed with a hash that covers
//! the previous line's, so an edit, a removal or a reordering shows up when the file is
//! verified.
//!
//! A line is a JSON object whose last two fields are written by [`AuditWriter`]: `prev` (the
//! previous line's `hash`, or [`GENESIS`] for a file's first line) and `hash`, the SHA-256 —
//! or, with a key, the HMAC-SHA256 — of the line's bytes up to the `,"hash":` that introduces
//! it. `chain` names which of the two it is, so [`verify`] knows how to check it and refuses a
//! keyed line without the key.
//!
//! Several writers (sessions, processes) may append to one file: each append takes an
//! exclusive `flock`, reads the last line's hash only when the file is not the length it left
//! it, and writes the line with one `write` on a descriptor opened with `O_APPEND`.
//!
//! This crate prints nothing and reads no environment: the caller passes the key.

mod chain;
mod lock;
mod show;
mod verify;
mod writer;

pub use chain::{Chain, GENESIS};
pub use show::summary;
pub use verify::{LineProblem, VerifyError, VerifyReport, verify, verify_file};
pub use writer::{AuditError, AuditWriter};

/// The environment variable whose value keys the chain (read by the caller, passed in here).
pub const KEY_ENV: &str = "CODEX_AUDIT_KEY";

/// The SHA-256 (hex) of a file's content, read in chunks; `None` when there is no such file
/// (a patch's `before` of a created file, `after` of a deleted one).
pub fn file_sha256(path: &std::path::Path) -> std::io::Result<Option<String>> {
    use sha2::Digest;
    use std::io::Read;
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Some(hex::encode(hasher.finalize())))
}
