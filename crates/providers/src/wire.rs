//! What makes one wire API different from another, behind one trait: where requests go, the
//! headers and credentials they carry, the request body, and the parser of the streamed events
//! (usage included). The client owns everything else (retries, timeouts, reading the body) and
//! picks the implementation once.

use crate::anthropic::AnthropicWire;
use crate::chat::ChatWire;
use crate::client::ModelSettings;
use crate::error::ApiError;
use crate::prompt::{Prompt, ResponseEvent};
use crate::responses::ResponsesWire;
use crate::sse::SseEvent;
use codex_config::WireApi;

/// One model wire API.
pub(crate) trait Wire: Send + Sync {
    /// The endpoint, appended to the provider's base URL.
    fn path(&self) -> &'static str;

    /// Headers this wire sends with every request, credentials aside.
    fn headers(&self, settings: &ModelSettings) -> Vec<(&'static str, String)>;

    /// The header that carries the provider's key.
    fn credential(&self, key: &str) -> (&'static str, String) {
        ("authorization", format!("Bearer {key}"))
    }

    /// The request body, as JSON text.
    fn request_body(&self, prompt: &Prompt, settings: &ModelSettings) -> Vec<u8>;

    /// A parser for the events of one response to `prompt`.
    fn new_parser(&self, prompt: &Prompt) -> Box<dyn WireParser>;
}

/// Turns one response's SSE events into [`ResponseEvent`]s.
pub(crate) trait WireParser: Send {
    /// The events one SSE event completes. An error ends the response.
    fn on_event(&mut self, event: SseEvent) -> Result<Vec<ResponseEvent>, ApiError>;

    /// The events the end of the body completes, or the error of a response cut short.
    fn on_end(&mut self) -> Result<Vec<ResponseEvent>, ApiError>;

    /// Whether the response has completed.
    fn done(&self) -> bool;
}

/// The implementation of `api`.
pub(crate) fn wire_for(api: WireApi) -> Box<dyn Wire> {
    match api {
        WireApi::Responses => Box::new(ResponsesWire),
        WireApi::Chat => Box::new(ChatWire),
        WireApi::Anthropic => Box::new(AnthropicWire),
    }
}
