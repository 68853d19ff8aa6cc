//! A streamed response body to events: SSE framing, then the wire's event parser.

use codex_config::WireApi;

use crate::chat::ChatParser;
use crate::error::ApiError;
use crate::prompt::ResponseEvent;
use crate::responses::ResponsesParser;
use crate::sse::{SseDecoder, SseEvent};

enum Parser {
    Responses(ResponsesParser),
    Chat(ChatParser),
}

impl Parser {
    fn on_event(&mut self, ev: SseEvent) -> Result<Vec<ResponseEvent>, ApiError> {
        match self {
            Parser::Responses(p) => p.on_event(ev),
            Parser::Chat(p) => p.on_event(ev),
        }
    }

    fn on_end(&mut self) -> Result<Vec<ResponseEvent>, ApiError> {
        match self {
            Parser::Responses(p) => p.on_end(),
            Parser::Chat(p) => p.on_end(),
        }
    }

    fn done(&self) -> bool {
        match self {
            Parser::Responses(p) => p.done(),
            Parser::Chat(p) => p.done(),
        }
    }
}

/// Decodes the body of a streamed model response, fed as it arrives.
#[doc(hidden)]
pub struct StreamDecoder {
    sse: SseDecoder,
    parser: Parser,
    failed: bool,
}

impl StreamDecoder {
    pub fn new(wire: WireApi) -> Self {
        let parser = match wire {
            WireApi::Responses => Parser::Responses(ResponsesParser::default()),
            WireApi::Chat => Parser::Chat(ChatParser::default()),
        };
        StreamDecoder {
            sse: SseDecoder::default(),
            parser,
            failed: false,
        }
    }

    /// The events completed by `bytes`, in order. An error is the last of them; after it, or
    /// once the response has completed, the rest of the body is of no interest.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Result<ResponseEvent, ApiError>> {
        if self.is_done() {
            return Vec::new();
        }
        let mut out = Vec::new();
        match self.sse.push(bytes) {
            Ok(events) => {
                for ev in events {
                    self.on_event(ev, &mut out);
                    if self.is_done() {
                        break;
                    }
                }
            }
            Err(e) => {
                self.failed = true;
                out.push(Err(ApiError::Stream(e)));
            }
        }
        out
    }

    /// The events the end of the body completes, or the error of a response cut short.
    pub fn finish(&mut self) -> Vec<Result<ResponseEvent, ApiError>> {
        let mut out = Vec::new();
        if self.is_done() {
            return out;
        }
        if let Some(ev) = self.sse.finish() {
            self.on_event(ev, &mut out);
        }
        if !self.failed && !self.parser.done() {
            match self.parser.on_end() {
                Ok(events) => out.extend(events.into_iter().map(Ok)),
                Err(e) => {
                    self.failed = true;
                    out.push(Err(e));
                }
            }
        }
        out
    }

    /// Whether the response completed or failed.
    pub fn is_done(&self) -> bool {
        self.failed || self.parser.done()
    }

    fn on_event(&mut self, ev: SseEvent, out: &mut Vec<Result<ResponseEvent, ApiError>>) {
        match self.parser.on_event(ev) {
            Ok(events) => out.extend(events.into_iter().map(Ok)),
            Err(e) => {
                self.failed = true;
                out.push(Err(e));
            }
        }
    }
}
