//! Checking a log: every line whole, JSON, sealed as its `chain` says, and chained from the
//! line before it. Streams the file, one line in memory at a time.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use serde_json::Value;

use crate::chain::{Chain, GENESIS, split_seal};

/// An intact log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub records: u64,
    pub sessions: usize,
    /// Lines sealed with HMAC (checked with the key).
    pub keyed: u64,
}

/// What is wrong with the first bad line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineProblem {
    /// The file ends inside this line.
    Truncated,
    NotJson,
    /// JSON, but not a sealed record (no `prev`, `chain` or `hash` where they belong).
    NotARecord,
    UnknownChain(String),
    /// Its content does not match its seal.
    Edited {
        keyed: bool,
    },
    /// It does not chain from the line before it.
    ChainBroken,
    /// Sealed with HMAC, and no key was given.
    NeedsKey,
    /// Sealed with plain SHA-256 although a key was given.
    Unkeyed,
}

impl std::fmt::Display for LineProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LineProblem::Truncated => f.write_str("truncated (the file ends inside this line)"),
            LineProblem::NotJson => f.write_str("not a JSON line (garbage, or a damaged line)"),
            LineProblem::NotARecord => {
                f.write_str("not an audit record (no `chain`, `prev` and `hash` fields)")
            }
            LineProblem::UnknownChain(name) => write!(f, "unknown chain `{name}`"),
            LineProblem::Edited { keyed: false } => {
                f.write_str("line edited (its content does not match its hash)")
            }
            LineProblem::Edited { keyed: true } => f.write_str(
                "HMAC does not match (the line was edited, or the key is not the one it was \
                 written with)",
            ),
            LineProblem::ChainBroken => {
                f.write_str("hash chain broken (a line was edited, removed or reordered before it)")
            }
            LineProblem::NeedsKey => f.write_str(
                "chained with HMAC-SHA256: set CODEX_AUDIT_KEY to the key it was written with to \
                 verify it",
            ),
            LineProblem::Unkeyed => f.write_str(
                "chained with plain SHA-256 although a key was given (forged, or written \
                 without CODEX_AUDIT_KEY)",
            ),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("line {line}: {problem}")]
    Line { line: u64, problem: LineProblem },
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Verifies the log at `path`; `key`: the `CODEX_AUDIT_KEY` in force, if any.
pub fn verify_file(path: &Path, key: Option<&str>) -> Result<VerifyReport, VerifyError> {
    let io = |source| VerifyError::Io {
        path: path.display().to_string(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    verify(BufReader::with_capacity(1 << 16, file), key).map_err(|e| match e {
        VerifyError::Io { source, .. } => io(source),
        other => other,
    })
}

/// Verifies a log read from `reader`, stopping at the first bad line. With a key, every line
/// must be keyed with it; without one, a keyed line is reported as needing it.
pub fn verify(mut reader: impl BufRead, key: Option<&str>) -> Result<VerifyReport, VerifyError> {
    let keyed_chain = Chain::from_key(key);
    let keyed = matches!(keyed_chain, Chain::HmacSha256(_));
    let mut prev = GENESIS.to_string();
    let mut report = VerifyReport {
        records: 0,
        sessions: 0,
        keyed: 0,
    };
    let mut sessions: HashSet<String> = HashSet::new();
    let mut buf = Vec::new();
    let mut n = 0u64;
    loop {
        buf.clear();
        let read = reader
            .read_until(b'\n', &mut buf)
            .map_err(|source| VerifyError::Io {
                path: String::new(),
                source,
            })?;
        if read == 0 {
            break;
        }
        n += 1;
        let fail = |problem| VerifyError::Line { line: n, problem };
        let Some(line) = buf.strip_suffix(b"\n") else {
            return Err(fail(LineProblem::Truncated));
        };
        let record: Value = serde_json::from_slice(line).map_err(|_| fail(LineProblem::NotJson))?;
        let (Some(chain_name), Some(line_prev), Some((body, seal))) = (
            record.get("chain").and_then(Value::as_str),
            record.get("prev").and_then(Value::as_str),
            split_seal(line),
        ) else {
            return Err(fail(LineProblem::NotARecord));
        };
        let chain = match (chain_name, keyed) {
            ("sha256", false) => Chain::Sha256,
            ("sha256", true) => return Err(fail(LineProblem::Unkeyed)),
            ("hmac-sha256", true) => {
                report.keyed += 1;
                keyed_chain.clone()
            }
            ("hmac-sha256", false) => return Err(fail(LineProblem::NeedsKey)),
            (other, _) => return Err(fail(LineProblem::UnknownChain(other.to_string()))),
        };
        if chain.seal(body) != seal {
            return Err(fail(LineProblem::Edited { keyed }));
        }
        if line_prev != prev {
            return Err(fail(LineProblem::ChainBroken));
        }
        prev = seal.to_string();
        report.records += 1;
        if let Some(session) = record.get("session").and_then(Value::as_str)
            && !sessions.contains(session)
        {
            sessions.insert(session.to_string());
        }
    }
    report.sessions = sessions.len();
    Ok(report)
}

#[cfg(test)]
#[path = "verify_tests.rs"]
mod tests;
