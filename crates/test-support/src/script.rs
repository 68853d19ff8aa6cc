//! What the mock answers: wire-independent events, and faults.

use std::sync::Arc;

use crate::server::RecordedRequest;

/// One event of a model response, rendered into whichever wire the request used.
#[derive(Debug, Clone)]
pub enum Ev {
    /// Assistant text, streamed as a few deltas then completed as one message.
    Text(String),
    /// A reasoning summary.
    Reasoning(String),
    /// A function tool call with raw JSON arguments (they may be malformed on purpose).
    FunctionCall {
        call_id: String,
        name: String,
        arguments: String,
        /// The namespace tool it belongs to (Responses wire); other wires call
        /// `<namespace>__<name>`.
        namespace: Option<String>,
    },
    /// A freeform (custom) tool call with raw input; on the Chat wire it becomes a function call
    /// with `{"input": ...}`.
    CustomToolCall {
        call_id: String,
        name: String,
        input: String,
    },
    /// A shell command through whichever shell tool the client offered: `shell` (argv),
    /// `shell_command` (script) or `exec_command` (cmd).
    ShellCall { call_id: String, command: String },
    /// Token usage reported at completion.
    Usage {
        input: u64,
        cached: u64,
        output: u64,
        reasoning: u64,
    },
    /// The model reports a failure instead of completing (Responses `response.failed`).
    Failed { code: String, message: String },
}

/// How the mock answers one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A complete streamed response.
    Stream(Vec<Ev>),
    /// An HTTP error with a body and an optional `Retry-After` (seconds).
    Status {
        code: u16,
        retry_after: Option<u64>,
        body: String,
    },
    /// An HTTP error with any headers (`retry-after` as a date, `retry-after-ms`, …).
    StatusWithHeaders {
        code: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Sends the first `after` events, then drops the connection mid-stream.
    Disconnect { events: Vec<Ev>, after: usize },
    /// Sends the first `after` events, then sends nothing more until the server stops.
    Stall { events: Vec<Ev>, after: usize },
    /// Raw bytes as the SSE body (for malformed or very long streams), sent in 64 KiB pieces.
    RawSse(String),
    /// Reads the request and never answers, not even the status line.
    Hang,
}

pub type Matcher = Arc<dyn Fn(&RecordedRequest) -> bool + Send + Sync>;

/// One scripted exchange: an optional check on the request, and the reply.
#[derive(Clone)]
pub struct Step {
    pub when: Option<Matcher>,
    pub reply: Reply,
}

impl Step {
    pub fn reply(reply: Reply) -> Self {
        Step { when: None, reply }
    }

    pub fn stream(events: Vec<Ev>) -> Self {
        Step::reply(Reply::Stream(events))
    }

    /// Only answer when the request satisfies `matcher`; otherwise the mock answers 500 and
    /// records the mismatch.
    pub fn when(
        mut self,
        matcher: impl Fn(&RecordedRequest) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.when = Some(Arc::new(matcher));
        self
    }
}

impl std::fmt::Debug for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Step")
            .field("when", &self.when.is_some())
            .field("reply", &self.reply)
            .finish()
    }
}

/// Stateless behaviours for the benchmark binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// Always a short plain answer.
    Plain,
    /// A shell call first; once the request carries its output, a plain answer.
    Shell,
}
