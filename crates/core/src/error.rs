//! Why a session could not start or go on.

use codex_providers::ApiError;

use crate::tools::DuplicateTool;

#[derive(Debug, thiserror::Error)]
pub enum CodexError {
    #[error("cannot set up the model client: {0}")]
    Client(#[from] ApiError),
    #[error("the session has ended")]
    SessionEnded,
    #[error("cannot resume: {0}")]
    Resume(String),
    #[error(transparent)]
    Tool(#[from] DuplicateTool),
}
