use std::time::Duration;

use codex_protocol::ErrorKind;

/// Why a model request failed, worded for the person who can fix it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    #[error("missing environment variable `{env_key}`: the `{provider}` provider needs an API key{}", instructions_suffix(.instructions))]
    MissingEnvKey {
        provider: String,
        env_key: String,
        instructions: Option<String>,
    },
    #[error("{provider} rejected the credentials (401 Unauthorized): {message}. {hint}")]
    Unauthorized {
        provider: String,
        message: String,
        hint: String,
    },
    #[error(
        "unknown model `{model}` for provider `{provider}`: {message}. Pick another with -m or `model` in config.toml"
    )]
    UnknownModel {
        provider: String,
        model: String,
        message: String,
    },
    /// A status that retrying will not fix (4xx other than 401, 404-for-model, 429).
    #[error("{provider} answered {status}: {message}")]
    Http {
        provider: String,
        status: u16,
        message: String,
    },
    /// A failure worth retrying: transport error, 5xx (529 included), 429.
    #[error("{0}")]
    Retryable(RetryableError),
    /// The stream broke off, stalled, or sent something unreadable. The request may be retried.
    #[error("{0}")]
    Stream(String),
    /// The model reported a failure of the response itself.
    #[error("the model reported an error{}: {message}", code_suffix(.code))]
    ResponseFailed {
        code: Option<String>,
        message: String,
    },
    /// The server asks to wait longer before a retry than `request_max_retry_wait_secs`
    /// allows. `what` says who and why; `detail` is the server's own message, when it adds to it.
    #[error(
        "{what}: the server asks to wait {}, more than the configured limit of {limit_secs} s \
         (request_max_retry_wait_secs){}",
        crate::retry::duration_text(*.wait),
        detail_suffix(.detail)
    )]
    WaitTooLong {
        what: String,
        wait: Duration,
        limit_secs: u64,
        detail: Option<String>,
    },
    #[error("{provider}: giving up after {attempts} attempts: {last}")]
    RetriesExhausted {
        provider: String,
        attempts: u64,
        last: String,
    },
}

#[derive(Debug, Clone)]
pub struct RetryableError {
    pub message: String,
    /// What the server asked for (`retry-after-ms`, `Retry-After`), if anything.
    pub retry_after: Option<Duration>,
    /// The server answered 429.
    pub rate_limited: bool,
}

impl std::fmt::Display for RetryableError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn instructions_suffix(instructions: &Option<String>) -> String {
    match instructions {
        Some(text) => format!(". {text}"),
        None => String::new(),
    }
}

fn detail_suffix(detail: &Option<String>) -> String {
    match detail {
        Some(text) => format!("; {text}"),
        None => String::new(),
    }
}

fn code_suffix(code: &Option<String>) -> String {
    match code {
        Some(code) => format!(" ({code})"),
        None => String::new(),
    }
}

impl ApiError {
    /// The kind of failure, for front-ends that act on it.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ApiError::MissingEnvKey { .. } | ApiError::Unauthorized { .. } => ErrorKind::Auth,
            ApiError::UnknownModel { .. } | ApiError::Http { .. } => ErrorKind::Request,
            ApiError::Retryable(_) | ApiError::RetriesExhausted { .. } => ErrorKind::Connection,
            ApiError::WaitTooLong { .. } => ErrorKind::RateLimit,
            ApiError::Stream(_) => ErrorKind::Stream,
            ApiError::ResponseFailed { code, .. } => match code.as_deref() {
                Some("context_length_exceeded") => ErrorKind::ContextWindow,
                Some("rate_limit_exceeded")
                | Some("insufficient_quota")
                | Some("rate_limit_error") => ErrorKind::RateLimit,
                _ => ErrorKind::Model,
            },
        }
    }

    /// Whether re-sending the whole request may succeed (used for stream retries).
    pub fn is_stream_retryable(&self) -> bool {
        matches!(self, ApiError::Stream(_))
    }
}
