//! Very long streamed texts through the HTTP client: deltas and final messages come out whole.

use codex_config::WireApi;
use codex_providers::{HttpModelClient, ModelClient, ResponseEvent};
use codex_test_support::{MockServer, Reply, Step};

use super::{prompt, provider, settings};

/// Assistant text of at least `len` bytes with escapes and non-ASCII, and the same as the inside
/// of a JSON string, written directly (serializing it is slow in debug builds).
struct LongText {
    text: String,
    json: String,
    /// Where each line ends, in `text` and in `json`.
    line_ends: Vec<(usize, usize)>,
}

fn long_text(len: usize) -> LongText {
    use std::fmt::Write;
    let mut t = LongText {
        text: String::with_capacity(len + 100),
        json: String::with_capacity(len + len / 8),
        line_ends: Vec::new(),
    };
    let mut n = 0;
    while t.text.len() < len {
        let _ = writeln!(
            t.text,
            "{n}: \"quoted\", back\\slash,\ttab, caf\u{e9} \u{1f600}."
        );
        let _ = write!(
            t.json,
            "{n}: \\\"quoted\\\", back\\\\slash,\\ttab, caf\u{e9} \u{1f600}.\\n"
        );
        t.line_ends.push((t.text.len(), t.json.len()));
        n += 1;
    }
    t
}

/// A Responses stream carrying the text as deltas of about `delta_len` bytes, then whole.
fn responses_body(t: &LongText, delta_len: usize) -> String {
    let frame =
        |kind: &str, rest: &str| format!("event: {kind}\ndata: {{\"type\":\"{kind}\",{rest}}}\n\n");
    let mut body = frame("response.created", r#""response":{"id":"resp_1"}"#);
    let (mut text_start, mut json_start) = (0, 0);
    for &(text_end, json_end) in &t.line_ends {
        if text_end - text_start >= delta_len || text_end == t.text.len() {
            let delta = &t.json[json_start..json_end];
            body += &frame(
                "response.output_text.delta",
                &format!(r#""delta":"{delta}""#),
            );
            (text_start, json_start) = (text_end, json_end);
        }
    }
    let item = format!(
        r#""item":{{"type":"message","id":"msg_1","role":"assistant","content":[{{"type":"output_text","text":"{}"}}]}}"#,
        t.json
    );
    body += &frame("response.output_item.done", &item);
    body + &frame("response.completed", r#""response":{"id":"resp_1"}"#)
}

/// Streams `body` through the HTTP client; checks the deltas and the final message are `text`.
/// Returns how many deltas there were.
async fn large_stream(wire: WireApi, body: String, text: &str) -> usize {
    let server = MockServer::start(vec![Step::reply(Reply::RawSse(body))]).unwrap();
    let mut provider = provider(&server, wire);
    provider.stream_idle_timeout_ms = 20_000;
    let client = HttpModelClient::new(provider, settings("m")).unwrap();
    let p = prompt();
    let mut stream = client.stream(&p).await.unwrap();
    let (mut deltas, mut count) = (String::new(), 0);
    let mut message = None;
    while let Some(ev) = stream.next().await {
        match ev.unwrap() {
            ResponseEvent::OutputTextDelta(d) => {
                deltas.push_str(&d);
                count += 1;
            }
            ResponseEvent::OutputItemDone(item) => message = item.message_text(),
            _ => {}
        }
    }
    assert!(
        deltas == text,
        "deltas: {} of {} bytes",
        deltas.len(),
        text.len()
    );
    let message = message.unwrap_or_default();
    assert!(
        message == text,
        "message: {} of {} bytes",
        message.len(),
        text.len()
    );
    count
}

#[tokio::test]
async fn large_responses_delta() {
    let t = long_text(32 << 20);
    let body = responses_body(&t, t.text.len());
    assert_eq!(large_stream(WireApi::Responses, body, &t.text).await, 1);
}

#[tokio::test]
async fn large_responses_message_in_1mb_deltas() {
    let t = long_text(50 << 20);
    let body = responses_body(&t, 1 << 20);
    assert_eq!(large_stream(WireApi::Responses, body, &t.text).await, 50);
}

#[tokio::test]
async fn large_chat_delta() {
    let t = long_text(32 << 20);
    let body = format!(
        "data: {{\"id\":\"c\",\"choices\":[{{\"index\":0,\"delta\":{{\"role\":\"assistant\",\"content\":\"{}\"}}}}]}}\n\n\
         data: {{\"id\":\"c\",\"choices\":[{{\"index\":0,\"delta\":{{}},\"finish_reason\":\"stop\"}}]}}\n\n\
         data: [DONE]\n\n",
        t.json
    );
    assert_eq!(large_stream(WireApi::Chat, body, &t.text).await, 1);
}
