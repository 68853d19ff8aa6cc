use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::{
    AskForApproval, ReasoningEffort, SandboxPolicy, TokenUsage, TokenUsageInfo, UpdatePlanArgs,
};

/// Something the engine reports; `id` is the id of the submission that caused it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Event {
    pub id: String,
    pub msg: EventMsg,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventMsg {
    /// First event of every session.
    SessionConfigured(SessionConfiguredEvent),
    TaskStarted {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        model_context_window: Option<u64>,
    },
    TaskComplete {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_agent_message: Option<String>,
        /// Tokens used by this turn (summed over its model requests).
        #[serde(default)]
        usage: TokenUsage,
        /// Estimated cost of the turn in US dollars, when the model's price is known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cost_usd: Option<f64>,
    },
    /// The history was replaced by a summary (automatically or by `Op::Compact`).
    ContextCompacted,
    AgentMessageDelta {
        delta: String,
    },
    AgentMessage {
        message: String,
    },
    AgentReasoningDelta {
        delta: String,
    },
    AgentReasoning {
        text: String,
    },
    ExecCommandBegin(ExecCommandBeginEvent),
    ExecCommandOutputDelta(ExecCommandOutputDeltaEvent),
    ExecCommandEnd(ExecCommandEndEvent),
    PlanUpdate(UpdatePlanArgs),
    /// The agent asks before running a command; answered by `Op::ExecApproval`.
    ExecApprovalRequest(ExecApprovalRequestEvent),
    /// The agent asks before applying a patch; answered by `Op::PatchApproval`.
    ApplyPatchApprovalRequest(ApplyPatchApprovalRequestEvent),
    /// A patch is about to be applied (it has been checked against the files).
    PatchApplyBegin(PatchApplyBeginEvent),
    PatchApplyEnd(PatchApplyEndEvent),
    /// Everything the turn has changed so far, as one unified diff.
    TurnDiff {
        unified_diff: String,
    },
    TokenCount {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        info: Option<TokenUsageInfo>,
    },
    /// The turn cannot go on; a `TaskComplete` still follows.
    Error {
        message: String,
        /// What kind of failure, for front-ends that act on it (retry later, re-authenticate,
        /// shorten the input) without parsing the message.
        #[serde(default)]
        kind: ErrorKind,
    },
    /// Something the user should know that does not stop the turn.
    Warning {
        message: String,
    },
    /// Another model's review of the finished turn (`[second_opinion]`); sent before the
    /// turn's `TaskComplete`, only when a reviewer is configured.
    SecondOpinion(SecondOpinionEvent),
    /// A review (`Op::Review`) has started.
    EnteredReviewMode(crate::ReviewRequest),
    /// A review has ended; its findings, also rendered as the turn's last agent message.
    ExitedReviewMode(crate::ExitedReviewModeEvent),
    /// The model stream failed and is being retried.
    StreamError {
        message: String,
    },
    TurnAborted {
        reason: TurnAbortReason,
    },
    /// An MCP server is starting, ready or has failed.
    McpStartupUpdate(McpStartupUpdateEvent),
    /// Every configured MCP server has either started or failed.
    McpStartupComplete(McpStartupComplete),
    McpToolCallBegin(McpToolCallBeginEvent),
    McpToolCallEnd(McpToolCallEndEvent),
    /// The agent asks before calling an MCP tool; answered by `Op::McpToolApproval`.
    McpToolApprovalRequest(McpToolApprovalRequestEvent),
    /// The answer to `Op::ListMcpTools`.
    McpListToolsResponse {
        servers: Vec<McpServerStatus>,
    },
    /// An MCP server asks the user for input; answered by `Op::ResolveElicitation`.
    ElicitationRequest(ElicitationRequestEvent),
    ShutdownComplete,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct McpStartupUpdateEvent {
    pub server: String,
    pub status: McpStartupStatus,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum McpStartupStatus {
    Starting,
    Ready { tools: usize },
    Failed { error: String },
}

/// One configured MCP server as it is now, with the names of its tools (as the server calls
/// them) once it is ready.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct McpServerStatus {
    pub server: String,
    pub status: McpStartupStatus,
    #[serde(default)]
    pub tools: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct McpStartupComplete {
    pub ready: Vec<String>,
    pub failed: Vec<McpStartupFailure>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct McpStartupFailure {
    pub server: String,
    pub error: String,
}

/// Which tool of which server, with what arguments.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct McpInvocation {
    pub server: String,
    /// The tool's own name, as the server calls it.
    pub tool: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct McpToolCallBeginEvent {
    pub call_id: String,
    pub invocation: McpInvocation,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct McpToolCallEndEvent {
    pub call_id: String,
    pub invocation: McpInvocation,
    pub duration_ms: u64,
    /// The server's `CallToolResult` (`content`, `structuredContent`, `isError`), or why the
    /// call did not produce one.
    pub result: Result<serde_json::Value, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct McpToolApprovalRequestEvent {
    pub call_id: String,
    pub invocation: McpInvocation,
    /// The tool's description, as its server gives it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Whether the server marks the tool as one that may delete or overwrite.
    #[serde(default)]
    pub destructive: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ElicitationRequestEvent {
    pub server_name: String,
    /// Ours, to answer with; not the server's JSON-RPC id.
    pub id: String,
    pub message: String,
    /// The JSON Schema of what is asked (empty for a plain yes/no).
    #[serde(default)]
    pub requested_schema: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SessionConfiguredEvent {
    pub session_id: String,
    pub model: String,
    pub model_provider_id: String,
    pub approval_policy: AskForApproval,
    pub sandbox_policy: SandboxPolicy,
    pub cwd: PathBuf,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_effort: Option<ReasoningEffort>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExecCommandBeginEvent {
    pub call_id: String,
    pub command: Vec<String>,
    pub cwd: PathBuf,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ExecOutputStream {
    Stdout,
    Stderr,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExecCommandOutputDeltaEvent {
    pub call_id: String,
    pub stream: ExecOutputStream,
    /// Raw bytes as read from the pipe; they may split a UTF-8 sequence.
    pub chunk: Vec<u8>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExecCommandEndEvent {
    pub call_id: String,
    pub command: Vec<String>,
    pub cwd: PathBuf,
    pub stdout: String,
    pub stderr: String,
    /// stdout and stderr interleaved in the order they were read.
    pub aggregated_output: String,
    pub exit_code: i32,
    pub duration_ms: u64,
    pub timed_out: bool,
    /// What the model was sent (possibly truncated).
    pub formatted_output: String,
}

/// One file's change in a patch.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FileChange {
    Add {
        content: String,
    },
    Delete {
        content: String,
    },
    Update {
        unified_diff: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        move_path: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExecApprovalRequestEvent {
    pub call_id: String,
    pub command: Vec<String>,
    pub cwd: PathBuf,
    /// Why the agent asks (the model's justification, or why the sandbox was not enough).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ApplyPatchApprovalRequestEvent {
    pub call_id: String,
    pub changes: BTreeMap<PathBuf, FileChange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A directory outside the writable roots the patch needs to write under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_root: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PatchApplyBeginEvent {
    pub call_id: String,
    /// Applied without asking the user.
    pub auto_approved: bool,
    pub changes: BTreeMap<PathBuf, FileChange>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PatchApplyEndEvent {
    pub call_id: String,
    pub stdout: String,
    pub stderr: String,
    pub success: bool,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TurnAbortReason {
    Interrupted,
    Replaced,
}

/// The kinds of failure a front-end can act on.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Missing or rejected credentials.
    Auth,
    /// The provider is rate limiting, and waiting more was not allowed.
    RateLimit,
    /// The input does not fit the model's context window.
    ContextWindow,
    /// The response stream broke off, stalled or could not be read.
    Stream,
    /// The model service could not be reached, or kept failing.
    Connection,
    /// The request was refused (bad request, unknown model, another 4xx).
    Request,
    /// The model reported a failure of the response itself.
    Model,
    /// The sandbox could not be set up.
    Sandbox,
    /// The configuration is wrong.
    Config,
    #[default]
    Other,
}

/// What the reviewing model made of a turn. A reviewer that could not be asked or whose
/// answer could not be read leaves `verdict` unset and says why in `error`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SecondOpinionEvent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<SecondOpinionVerdict>,
    #[serde(default)]
    pub concerns: Vec<SecondOpinionConcern>,
    /// The reviewing model.
    pub model: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// In review mode: the reviewer's own review beside the first one. `verdict` is then
    /// `agree` when both found the same and reached the same verdict, and `concerns` lists
    /// where they differ.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<crate::SecondReview>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SecondOpinionVerdict {
    Agree,
    Concerns,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SecondOpinionConcern {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
}
