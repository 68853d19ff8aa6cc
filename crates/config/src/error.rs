use std::path::PathBuf;

use crate::file::FileError;

/// A config problem, worded for the person who has to fix it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file the config is read from could not be read; `hint` says how to fix it.
    #[error("{source}; {hint}")]
    File { source: FileError, hint: String },
    /// Bad syntax, a wrong type or a bad value in a file.
    #[error("{path}:{line}:{column}: {key}{message}")]
    InFile {
        path: PathBuf,
        line: usize,
        column: usize,
        /// `"dotted.key: "` or empty when the problem is not under one key.
        key: String,
        message: String,
    },
    /// A bad `-c key=value` override.
    #[error("-c {text}: {message}")]
    Override { text: String, message: String },
    /// A bad value whose origin is not a file position (flags, environment).
    #[error("{key}: {message}")]
    Value { key: String, message: String },
}
