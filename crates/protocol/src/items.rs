use serde::{Deserialize, Serialize};

/// One entry of the conversation history, in a wire-independent shape.
///
/// The shape follows the Responses API items; the Chat Completions wire converts to and from it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ResponseItem {
    Message {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        role: String,
        content: Vec<ContentItem>,
    },
    Reasoning {
        #[serde(default)]
        id: String,
        #[serde(default)]
        summary: Vec<ReasoningSummaryPart>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content: Option<Vec<ReasoningContent>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        encrypted_content: Option<String>,
    },
    FunctionCall {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        name: String,
        /// JSON text exactly as the model produced it (it may be malformed).
        arguments: String,
        call_id: String,
        /// The namespace tool the function belongs to (Responses wire: an MCP server's tools
        /// are offered as `mcp__<server>` namespaces).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        namespace: Option<String>,
    },
    FunctionCallOutput {
        call_id: String,
        output: FunctionOutput,
    },
    /// A call of a freeform (grammar-constrained) tool: the raw text the model wrote.
    CustomToolCall {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        call_id: String,
        name: String,
        input: String,
    },
    CustomToolCallOutput {
        call_id: String,
        output: String,
    },
}

impl ResponseItem {
    pub fn user_text(text: impl Into<String>) -> Self {
        ResponseItem::Message {
            id: None,
            role: "user".to_string(),
            content: vec![ContentItem::InputText { text: text.into() }],
        }
    }

    pub fn assistant_text(text: impl Into<String>) -> Self {
        ResponseItem::Message {
            id: None,
            role: "assistant".to_string(),
            content: vec![ContentItem::OutputText { text: text.into() }],
        }
    }

    /// The text of a message item, its parts joined; `None` for other items.
    pub fn message_text(&self) -> Option<String> {
        match self {
            ResponseItem::Message { content, .. } => Some(
                content
                    .iter()
                    .filter_map(ContentItem::text)
                    .collect::<Vec<_>>()
                    .join(""),
            ),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentItem {
    InputText {
        text: String,
    },
    /// An image as a URL, usually a `data:` URL holding the bytes of a local file.
    InputImage {
        image_url: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
    OutputText {
        text: String,
    },
}

impl ContentItem {
    /// The text of a text part; `None` for an image.
    pub fn text(&self) -> Option<&str> {
        match self {
            ContentItem::InputText { text } | ContentItem::OutputText { text } => Some(text),
            ContentItem::InputImage { .. } => None,
        }
    }
}

/// What a function call answers: text, or content parts (an image the tool looked at). On the
/// Responses wire it is a string or an array; the Chat wire sends the text and the images in a
/// user message after it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum FunctionOutput {
    Text(String),
    Content(Vec<ContentItem>),
}

impl FunctionOutput {
    /// The text of the output; images are left out.
    pub fn text(&self) -> String {
        match self {
            FunctionOutput::Text(text) => text.clone(),
            FunctionOutput::Content(parts) => parts
                .iter()
                .filter_map(ContentItem::text)
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    /// The images among the parts.
    pub fn images(&self) -> Vec<&ContentItem> {
        match self {
            FunctionOutput::Text(_) => Vec::new(),
            FunctionOutput::Content(parts) => parts
                .iter()
                .filter(|p| matches!(p, ContentItem::InputImage { .. }))
                .collect(),
        }
    }
}

impl From<String> for FunctionOutput {
    fn from(text: String) -> Self {
        FunctionOutput::Text(text)
    }
}

impl From<&str> for FunctionOutput {
    fn from(text: &str) -> Self {
        FunctionOutput::Text(text.to_string())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReasoningSummaryPart {
    SummaryText { text: String },
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReasoningContent {
    ReasoningText { text: String },
    Text { text: String },
}

impl ReasoningContent {
    pub fn text(&self) -> &str {
        match self {
            ReasoningContent::ReasoningText { text } | ReasoningContent::Text { text } => text,
        }
    }
}
