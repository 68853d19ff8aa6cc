//! What counts as a secret, in one place: which environment variables are kept out of the
//! commands the agent runs and out of MCP servers ([`is_secret_variable`]), and the
//! [`Redactor`] that replaces secret values and well-known token shapes in everything the
//! model is shown (one-shot with [`Redactor::redact`], chunk by chunk with
//! [`StreamRedactor`]).
//!
//! A leaf crate: no I/O, no configuration, nothing printed. Bad input (any bytes) never
//! panics, and redaction is linear in the size of its input.
//!
//! ```
//! use codex_secrets::Redactor;
//!
//! let redactor = Redactor::new(vec![("BROKER_PASSWORD".into(), "hunter2hunter2".into())]);
//! let out = redactor.redact("login with hunter2hunter2, key sk-abcdefghijklmnopqrstuvwx");
//! assert_eq!(out, "login with [REDACTED:BROKER_PASSWORD], key [REDACTED:openai_key]");
//! ```

mod names;
mod redact;
mod shapes;
mod stream;

pub use names::{
    DEFAULT_EXCLUDE_NAMES, DEFAULT_EXCLUDE_VALUE_RULE, is_secret_name, is_secret_variable,
    url_password,
};
pub use redact::{MIN_KNOWN_SECRET_LEN, MIN_SECRET_LEN, Redactor};
pub use shapes::{PEM_CAP, SHAPE_NAMES, TOKEN_CAP};
pub use stream::StreamRedactor;
