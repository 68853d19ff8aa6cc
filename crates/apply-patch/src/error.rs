use std::path::PathBuf;

use crate::parser::ParseError;

/// Why a patch was not applied. In every case the files are as they were.
#[derive(Debug, thiserror::Error)]
pub enum PatchError {
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error("No files were modified.")]
    Empty,
    #[error("Failed to find context '{context}' in {path} (chunk {chunk})")]
    ContextNotFound {
        path: String,
        chunk: usize,
        context: String,
    },
    #[error("{}", lines_not_found(.path, *.chunk, .expected, .nearest))]
    LinesNotFound {
        path: String,
        chunk: usize,
        expected: Vec<String>,
        /// 1-based first line and the lines found there.
        nearest: Option<(usize, Vec<String>)>,
    },
    #[error("Failed to read file to update {path}: {reason}")]
    ReadForUpdate { path: String, reason: String },
    #[error("Failed to delete file {path}: {reason}")]
    Delete { path: String, reason: String },
    #[error("patch rejected: {path} is outside the writable roots ({roots})")]
    OutsideRoots { path: String, roots: String },
    #[error("patch rejected: {0}")]
    Rejected(String),
    #[error("Failed to write {path}: {source}; no file was changed")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "Failed to write {path}: {source}; restoring the files already written also failed for: {unrestored}"
    )]
    Rollback {
        path: PathBuf,
        source: std::io::Error,
        unrestored: String,
    },
}

fn lines_not_found(
    path: &str,
    chunk: usize,
    expected: &[String],
    nearest: &Option<(usize, Vec<String>)>,
) -> String {
    let mut text = format!(
        "Failed to find expected lines in {path} (chunk {chunk}):\n{}",
        expected.join("\n")
    );
    match nearest {
        Some((line, found)) => {
            text.push_str(&format!(
                "\nNearest lines found in {path} (from line {line}):\n"
            ));
            text.push_str(&found.join("\n"));
        }
        None => text.push_str(&format!("\nNothing similar was found in {path}.")),
    }
    text
}
