//! The thread-event shapes, field for field and in the Codex CLI's order.

use codex_protocol::{SecondOpinionConcern, SecondOpinionVerdict, SecondReview};
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type")]
pub enum ThreadEvent {
    #[serde(rename = "thread.started")]
    ThreadStarted { thread_id: String },
    #[serde(rename = "turn.started")]
    TurnStarted {},
    #[serde(rename = "turn.completed")]
    TurnCompleted {
        usage: Usage,
        /// An opt-in addition (`json_estimated_cost`): the turn's estimated cost in US dollars.
        #[serde(skip_serializing_if = "Option::is_none")]
        estimated_cost_usd: Option<f64>,
    },
    #[serde(rename = "turn.failed")]
    TurnFailed { error: ThreadError },
    #[serde(rename = "item.started")]
    ItemStarted { item: ThreadItem },
    #[serde(rename = "item.updated")]
    ItemUpdated { item: ThreadItem },
    #[serde(rename = "item.completed")]
    ItemCompleted { item: ThreadItem },
    #[serde(rename = "error")]
    Error { message: String },
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub cached_input_tokens: u64,
    pub cache_write_input_tokens: u64,
    pub output_tokens: u64,
    pub reasoning_output_tokens: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ThreadError {
    pub message: String,
}

/// An item: its id (`item_N`, numbered per run) and what it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThreadItem {
    pub id: String,
    #[serde(flatten)]
    pub details: ItemDetails,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ItemDetails {
    AgentMessage {
        text: String,
    },
    Reasoning {
        text: String,
    },
    CommandExecution {
        command: String,
        aggregated_output: String,
        /// `null` while the command runs.
        exit_code: Option<i32>,
        status: ItemStatus,
    },
    FileChange {
        changes: Vec<FileUpdateChange>,
        status: ItemStatus,
    },
    McpToolCall {
        server: String,
        tool: String,
        /// `null` when the call had no arguments.
        arguments: Value,
        /// `null` until the call ends, and when it failed without a result.
        result: Option<McpToolResult>,
        /// Why the call failed, when the server gave no result.
        error: Option<ThreadError>,
        status: ItemStatus,
    },
    WebSearch {
        query: String,
    },
    TodoList {
        items: Vec<TodoItem>,
    },
    Error {
        message: String,
    },
    /// An opt-in addition (`[second_opinion]`): another model's review of the turn.
    SecondOpinion {
        model: String,
        /// `agree` or `concerns`; `null` when the reviewer failed.
        verdict: Option<SecondOpinionVerdict>,
        concerns: Vec<SecondOpinionConcern>,
        /// Why there is no verdict.
        error: Option<String>,
        /// In review mode (`codex review`): the reviewer's own review and how it compares.
        #[serde(skip_serializing_if = "Option::is_none")]
        review: Option<SecondReview>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    InProgress,
    Completed,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileUpdateChange {
    pub path: String,
    pub kind: PatchChangeKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PatchChangeKind {
    Add,
    Delete,
    Update,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct McpToolResult {
    pub content: Vec<Value>,
    pub structured_content: Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TodoItem {
    pub text: String,
    pub completed: bool,
}
