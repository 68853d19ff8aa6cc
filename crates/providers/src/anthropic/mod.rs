//! The Anthropic Messages API (`POST /messages`): the key in `x-api-key`, the history as
//! alternating user and assistant messages of content blocks, and the streamed content blocks
//! assembled into items.

mod parser;
mod request;

use crate::client::ModelSettings;
use crate::prompt::{Prompt, ToolSpec};
use crate::wire::{Wire, WireParser};

pub(crate) use parser::AnthropicParser;

/// The API version the request and event shapes here follow.
const API_VERSION: &str = "2023-06-01";

/// The `id` of a reasoning item made from a `redacted_thinking` block; its data is kept in
/// `encrypted_content` and sent back as it came.
const REDACTED_THINKING_ID: &str = "redacted_thinking";
/// The `id` of a reasoning item made from a `thinking` block; its signature is kept in
/// `encrypted_content`.
const THINKING_ID: &str = "thinking";

pub(crate) struct AnthropicWire;

impl Wire for AnthropicWire {
    fn path(&self) -> &'static str {
        "/messages"
    }

    fn headers(&self, _settings: &ModelSettings) -> Vec<(&'static str, String)> {
        vec![("anthropic-version", API_VERSION.to_string())]
    }

    fn credential(&self, key: &str) -> (&'static str, String) {
        ("x-api-key", key.to_string())
    }

    fn request_body(&self, prompt: &Prompt, settings: &ModelSettings) -> Vec<u8> {
        request::request_body(prompt, settings)
            .to_string()
            .into_bytes()
    }

    fn new_parser(&self, prompt: &Prompt) -> Box<dyn WireParser> {
        // Freeform tools are offered as functions taking `{input}`; their calls go back to the
        // engine as freeform calls with that input.
        let freeform = prompt
            .tools
            .iter()
            .filter(|t| matches!(t, ToolSpec::Freeform { .. }))
            .map(|t| t.name().to_string())
            .collect();
        Box::new(AnthropicParser::new(freeform))
    }
}
