//! A streamed response body to events: SSE framing, then the wire's event parser.

use codex_config::WireApi;

use crate::error::ApiError;
use crate::prompt::{Prompt, ResponseEvent};
use crate::sse::{SseDecoder, SseEvent};
use crate::wire::{WireParser, wire_for};

/// Decodes the body of a streamed model response, fed as it arrives.
#[doc(hidden)]
pub struct StreamDecoder {
    sse: SseDecoder,
    parser: Box<dyn WireParser>,
    failed: bool,
}

impl StreamDecoder {
    /// A decoder for `wire`'s responses to a prompt without tools.
    pub fn new(wire: WireApi) -> Self {
        Self::with_parser(wire_for(wire).new_parser(&Prompt::default()))
    }

    pub(crate) fn with_parser(parser: Box<dyn WireParser>) -> Self {
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
