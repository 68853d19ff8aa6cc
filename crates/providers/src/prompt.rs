use codex_protocol::{ResponseItem, TokenUsage};
use serde_json::Value;

/// Everything one model request carries, independent of the wire.
#[derive(Debug, Clone, Default)]
pub struct Prompt {
    /// The system-level instructions.
    pub instructions: String,
    /// The conversation so far.
    pub input: Vec<ResponseItem>,
    pub tools: Vec<ToolSpec>,
    /// When set, the final answer must be JSON matching this schema (strict).
    pub output_schema: Option<Value>,
    pub parallel_tool_calls: bool,
}

/// A function tool offered to the model.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    /// JSON Schema of the arguments object.
    pub parameters: Value,
}

/// One event of a model response, whatever the wire.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseEvent {
    Created,
    OutputTextDelta(String),
    ReasoningSummaryDelta(String),
    ReasoningContentDelta(String),
    /// A finished output item: a message, a reasoning item, or a tool call.
    OutputItemDone(ResponseItem),
    Completed {
        response_id: String,
        usage: Option<TokenUsage>,
    },
}
