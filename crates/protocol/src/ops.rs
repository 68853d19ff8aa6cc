use serde::{Deserialize, Serialize};

/// A request from a front-end, tagged with an id that the events it causes carry back.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Submission {
    pub id: String,
    pub op: Op,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Op {
    /// Start a turn with the user's input, using the session's settings.
    UserTurn {
        items: Vec<UserInput>,
        /// When set, the final answer must be JSON matching this schema.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        final_output_json_schema: Option<serde_json::Value>,
        /// An OpenAI access program for this turn (`standard`, `daybreak_blue`, …), sent to the
        /// built-in `openai` provider as `access_programs.cyber`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cyber_access_program: Option<String>,
    },
    /// Stop the running turn and kill whatever it started.
    Interrupt,
    /// The user's answer to an `ExecApprovalRequest` (`id` is its call id).
    ExecApproval {
        id: String,
        decision: ReviewDecision,
    },
    /// The user's answer to an `ApplyPatchApprovalRequest` (`id` is its call id).
    PatchApproval {
        id: String,
        decision: ReviewDecision,
    },
    /// The user's answer to an `McpToolApprovalRequest` (`id` is its call id).
    McpToolApproval {
        id: String,
        decision: ReviewDecision,
    },
    /// The user's answer to an `ElicitationRequest`.
    ResolveElicitation {
        server_name: String,
        id: String,
        decision: ElicitationAction,
        /// What the user entered, matching the requested schema (on `accept`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content: Option<serde_json::Value>,
    },
    /// Ask for the MCP servers and their tools; answered by `McpListToolsResponse`.
    ListMcpTools,
    /// Summarise the conversation so far and continue from the summary.
    Compact,
    /// Review changes (read-only): the model reports findings as JSON, shown rendered as the
    /// turn's answer. Reported like a turn, between `EnteredReviewMode` and `ExitedReviewMode`.
    Review {
        review_request: crate::ReviewRequest,
    },
    /// Run a command the user typed (`!cmd` in the interactive UI) in the user's shell, under
    /// the session's sandbox and approval policy like the agent's commands; its output joins
    /// the conversation so the model sees it. Reported like a turn: `TaskStarted`, the command's
    /// events, `TaskComplete`.
    UserShellCommand { command: String },
    /// End the session; `ShutdownComplete` is the last event.
    Shutdown,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum UserInput {
    Text {
        text: String,
    },
    /// An image file on this machine; the engine reads it and sends it as a data URL.
    LocalImage {
        path: std::path::PathBuf,
    },
    /// An image already given as a URL (`https:` or `data:`).
    Image {
        image_url: String,
    },
}

/// What the user decided about a command or patch the agent asked to run.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    Approved,
    /// Approved, and the same command (or patch root) is not asked about again this session.
    ApprovedForSession,
    /// Not run; the model is told and the turn goes on.
    #[default]
    Denied,
    /// Not run, and the turn stops.
    Abort,
}

/// How the user answered an MCP server's elicitation.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ElicitationAction {
    Accept,
    Decline,
    Cancel,
}
