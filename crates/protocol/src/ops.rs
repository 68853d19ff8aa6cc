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
    },
    /// Stop the running turn and kill whatever it started.
    Interrupt,
    /// End the session; `ShutdownComplete` is the last event.
    Shutdown,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum UserInput {
    Text { text: String },
}
