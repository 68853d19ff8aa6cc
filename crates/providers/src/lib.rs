//! Model wire APIs: the OpenAI Responses API, Chat Completions and the Anthropic Messages API,
//! each one implementation of one trait, all streamed over SSE into one internal event stream,
//! with request retries and stream idle timeouts.
//!
//! This crate knows nothing of tools' behaviour or of the turn loop; it turns a [`Prompt`] into
//! a stream of [`ResponseEvent`]s. It prints nothing.

#![deny(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::exit,
    reason = "library code runs inside other processes (the CLI, a Node host); they own output and exit"
)]

mod anthropic;
mod chat;
mod client;
mod decode;
mod error;
mod json;
mod prompt;
mod responses;
mod retry;
mod sse;
mod usage;
mod wire;

pub use client::{HttpModelClient, ModelClient, ModelSettings, ResponseStream};
#[doc(hidden)]
pub use decode::StreamDecoder;
pub use error::ApiError;
pub use prompt::{Prompt, ResponseEvent, ToolSpec};
pub use retry::{RetryNotice, RetryObserver, backoff};
