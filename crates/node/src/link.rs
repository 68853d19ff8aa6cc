//! The JavaScript side of one running turn: where its events go, who answers its approvals,
//! who runs its JavaScript tools.
//!
//! These threadsafe functions are strong (they keep Node's event loop alive), which is what a
//! running turn needs; they are made when a turn starts and dropped when it ends, so a Node
//! process with no running turn exits on its own.

use napi::Status;
use napi::bindgen_prelude::{FnArgs, Promise};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};

/// `onMessage(kind, payload)`, called in order on the JavaScript thread.
pub type MessageSink =
    ThreadsafeFunction<FnArgs<(String, String)>, (), FnArgs<(String, String)>, Status, false>;

/// `(requestJson) => Promise<string>`: an approval answer, or a tool's `{ok, output}` JSON.
pub type AsyncCallback = ThreadsafeFunction<String, Promise<String>, String, Status, false>;

/// What the messages to JavaScript say (the `kind` argument).
pub mod kind {
    /// One thread event, as the JSON line `codex exec --json` prints.
    pub const EVENT: &str = "event";
    /// The turn is over; its last event was delivered before this.
    pub const DONE: &str = "done";
    /// The turn could not run (the message `codex exec` would print, without `error: `).
    pub const ERROR: &str = "error";
    /// A JavaScript tool call was given up (the turn was interrupted): abort its `ctx.signal`.
    pub const TOOL_ABORT: &str = "tool.abort";
}

pub struct TurnLink {
    messages: MessageSink,
    pub approvals: Option<AsyncCallback>,
    pub tools: Option<AsyncCallback>,
}

impl TurnLink {
    pub fn new(
        messages: MessageSink,
        approvals: Option<AsyncCallback>,
        tools: Option<AsyncCallback>,
    ) -> Self {
        TurnLink {
            messages,
            approvals,
            tools,
        }
    }

    pub fn send(&self, kind: &str, payload: String) {
        // Queued without bound and delivered in order; a failure means the environment is
        // going away, when there is nobody left to tell.
        let _ = self.messages.call(
            (kind.to_string(), payload).into(),
            ThreadsafeFunctionCallMode::NonBlocking,
        );
    }
}
