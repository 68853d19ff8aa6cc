use std::sync::Arc;

use codex_protocol::{ResponseItem, TokenUsage};
use serde_json::Value;

/// Everything one model request carries, independent of the wire.
#[derive(Debug, Clone, Default)]
pub struct Prompt {
    /// The system-level instructions.
    pub instructions: String,
    /// The conversation so far. Shared with the session's history rather than copied: a long
    /// conversation would otherwise be copied whole for every request.
    pub input: Arc<Vec<ResponseItem>>,
    pub tools: Vec<ToolSpec>,
    /// When set, the final answer must be JSON matching this schema (strict).
    pub output_schema: Option<Value>,
    pub parallel_tool_calls: bool,
    /// Sent as `access_programs.cyber` on the Responses wire (the built-in `openai` provider).
    pub cyber_access_program: Option<String>,
}

/// A tool offered to the model.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolSpec {
    /// Called with a JSON arguments object matching `parameters` (a JSON Schema).
    Function {
        name: String,
        description: String,
        parameters: Value,
    },
    /// Called with free text constrained by `format` (Responses `custom` tools, e.g. a Lark
    /// grammar). On wires without such tools it is offered as a function taking `{input}`.
    Freeform {
        name: String,
        description: String,
        format: Value,
    },
    /// Functions grouped under one name (Responses `namespace` tools: an MCP server's tools,
    /// described by the server's instructions). Wires without namespaces get each function as
    /// `<namespace>__<name>`.
    Namespace {
        name: String,
        description: String,
        tools: Vec<ToolSpec>,
    },
}

/// A function's name on wires without namespaces (see [`as_functions`]).
pub(crate) fn flat_name(namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(namespace) => format!("{namespace}__{name}"),
        None => name.to_string(),
    }
}

/// Every tool as a plain function, namespaces spread out, for wires that only have functions.
pub(crate) fn as_functions(tools: &[ToolSpec]) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for tool in tools {
        match tool {
            ToolSpec::Namespace { name, tools, .. } => {
                for (inner, description, parameters) in as_functions(tools) {
                    out.push((flat_name(Some(name), &inner), description, parameters));
                }
            }
            other => out.push(other.as_function()),
        }
    }
    out
}

impl ToolSpec {
    pub fn name(&self) -> &str {
        match self {
            ToolSpec::Function { name, .. }
            | ToolSpec::Freeform { name, .. }
            | ToolSpec::Namespace { name, .. } => name,
        }
    }

    /// The function form of a tool, for wires that only have functions (a namespace: see
    /// [`as_functions`]).
    fn as_function(&self) -> (String, String, Value) {
        match self {
            ToolSpec::Function {
                name,
                description,
                parameters,
            } => (name.clone(), description.clone(), parameters.clone()),
            // Spread out by `as_functions`; alone, a namespace takes nothing.
            ToolSpec::Namespace {
                name, description, ..
            } => (
                name.clone(),
                description.clone(),
                serde_json::json!({"type": "object", "properties": {}}),
            ),
            ToolSpec::Freeform {
                name, description, ..
            } => (
                name.clone(),
                description.clone(),
                serde_json::json!({
                    "type": "object",
                    "properties": {"input": {"type": "string", "description": "The tool input."}},
                    "required": ["input"],
                    "additionalProperties": false
                }),
            ),
        }
    }
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
