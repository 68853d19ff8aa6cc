use std::collections::HashSet;

use codex_protocol::{ReasoningContent, ResponseItem, TokenUsage};
use serde_json::{Value, json};

use super::AnthropicParser;
use crate::error::ApiError;
use crate::prompt::ResponseEvent;
use crate::sse::SseEvent;
use crate::wire::WireParser;

fn ev(data: Value) -> SseEvent {
    SseEvent {
        event: data["type"].as_str().unwrap_or_default().to_string(),
        data: data.to_string(),
    }
}

fn parser() -> AnthropicParser {
    AnthropicParser::new(HashSet::new())
}

fn start(usage: Value) -> Value {
    json!({"type": "message_start", "message": {"id": "msg_1", "type": "message",
        "role": "assistant", "content": [], "model": "claude", "usage": usage}})
}

fn text_start(index: u64) -> Value {
    json!({"type": "content_block_start", "index": index,
        "content_block": {"type": "text", "text": ""}})
}

fn text_delta(index: u64, text: &str) -> Value {
    json!({"type": "content_block_delta", "index": index,
        "delta": {"type": "text_delta", "text": text}})
}

fn tool_start(index: u64, id: &str, name: &str) -> Value {
    json!({"type": "content_block_start", "index": index,
        "content_block": {"type": "tool_use", "id": id, "name": name, "input": {}}})
}

fn json_delta(index: u64, piece: &str) -> Value {
    json!({"type": "content_block_delta", "index": index,
        "delta": {"type": "input_json_delta", "partial_json": piece}})
}

fn stop(index: u64) -> Value {
    json!({"type": "content_block_stop", "index": index})
}

fn message_delta(output: u64) -> Value {
    json!({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": null},
        "usage": {"output_tokens": output}})
}

/// Feeds every event; the events produced, then what the end of the body adds.
fn feed(p: &mut AnthropicParser, events: Vec<Value>) -> Result<Vec<ResponseEvent>, ApiError> {
    let mut out = Vec::new();
    for e in events {
        out.extend(p.on_event(ev(e))?);
    }
    out.extend(p.on_end()?);
    Ok(out)
}

fn items(events: &[ResponseEvent]) -> Vec<ResponseItem> {
    events
        .iter()
        .filter_map(|e| match e {
            ResponseEvent::OutputItemDone(item) => Some(item.clone()),
            _ => None,
        })
        .collect()
}

fn call(item: &ResponseItem) -> (&str, &str, &str) {
    match item {
        ResponseItem::FunctionCall {
            name,
            arguments,
            call_id,
            ..
        } => (call_id.as_str(), name.as_str(), arguments.as_str()),
        other => panic!("not a function call: {other:?}"),
    }
}

#[test]
fn interleaved_text_and_tool_use_blocks() {
    let mut p = parser();
    let events = feed(
        &mut p,
        vec![
            start(json!({"input_tokens": 5, "output_tokens": 1})),
            json!({"type": "ping"}),
            text_start(0),
            text_delta(0, "Let me "),
            text_delta(0, "look."),
            stop(0),
            tool_start(1, "toolu_1", "shell"),
            json_delta(1, "{\"command\": [\"ls\""),
            tool_start(2, "toolu_2", "update_plan"),
            json_delta(2, "{\"plan\": []}"),
            json_delta(1, "]}"),
            stop(2),
            stop(1),
            text_start(3),
            text_delta(3, "Done"),
            stop(3),
            json!({"type": "some_future_event"}),
            message_delta(9),
            json!({"type": "message_stop"}),
        ],
    )
    .unwrap();
    assert_eq!(events[0], ResponseEvent::Created);
    let deltas: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            ResponseEvent::OutputTextDelta(d) => Some(d.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(deltas, ["Let me ", "look.", "Done"]);
    let items = items(&events);
    assert_eq!(items.len(), 4, "{items:?}");
    assert_eq!(items[0].message_text().as_deref(), Some("Let me look."));
    // Each call is done when its block stops.
    assert_eq!(
        call(&items[1]),
        ("toolu_2", "update_plan", "{\"plan\": []}")
    );
    assert_eq!(
        call(&items[2]),
        ("toolu_1", "shell", "{\"command\": [\"ls\"]}")
    );
    assert_eq!(items[3].message_text().as_deref(), Some("Done"));
    let Some(ResponseEvent::Completed { response_id, usage }) = events.last() else {
        panic!("not completed: {events:?}");
    };
    assert_eq!(response_id, "msg_1");
    assert_eq!(usage.map(|u| u.output_tokens), Some(9));
    assert!(p.done());
}

#[test]
fn partial_json_split_at_every_position() {
    let input = r#"{"command":["bash","-lc","printf \"caf\u00e9 \\\\ d\u00e9j\u00e0\" | tr é e"],"workdir":"/tmp"}"#;
    let expected: Value = serde_json::from_str(input).unwrap();
    let cuts: Vec<usize> = (0..=input.len())
        .filter(|&i| input.is_char_boundary(i))
        .collect();
    let mut cases = 0;
    for (n, &a) in cuts.iter().enumerate() {
        for &b in &cuts[n..] {
            let pieces = [&input[..a], &input[a..b], &input[b..]];
            let mut events = vec![start(json!({})), tool_start(0, "toolu_x", "shell")];
            events.extend(pieces.iter().map(|piece| json_delta(0, piece)));
            events.extend([stop(0), json!({"type": "message_stop"})]);
            let out = feed(&mut parser(), events).unwrap();
            let items = items(&out);
            let (_, _, arguments) = call(&items[0]);
            assert_eq!(arguments, input, "cut at {a} and {b}");
            let parsed: Value = serde_json::from_str(arguments).unwrap();
            assert_eq!(parsed, expected);
            cases += 1;
        }
    }
    assert!(cases > 1_000, "{cases}");
}

#[test]
fn a_tool_use_without_deltas_takes_its_start_input() {
    let out = feed(
        &mut parser(),
        vec![
            start(json!({})),
            json!({"type": "content_block_start", "index": 0, "content_block":
                {"type": "tool_use", "id": "t", "name": "update_plan", "input": {"plan": []}}}),
            stop(0),
            tool_start(1, "u", "list"),
            stop(1),
            json!({"type": "message_stop"}),
        ],
    )
    .unwrap();
    let items = items(&out);
    assert_eq!(call(&items[0]).2, r#"{"plan":[]}"#);
    assert_eq!(call(&items[1]).2, "{}");
}

#[test]
fn calls_of_freeform_tools_come_back_freeform() {
    let mut p = AnthropicParser::new(HashSet::from(["apply_patch".to_string()]));
    let patch = "*** Begin Patch\n*** Add File: a.txt\n+\"hi\"\n*** End Patch\n";
    let args = json!({ "input": patch }).to_string();
    let (a, b) = args.split_at(20);
    let out = feed(
        &mut p,
        vec![
            start(json!({})),
            tool_start(0, "toolu_p", "apply_patch"),
            json_delta(0, a),
            json_delta(0, b),
            stop(0),
            json!({"type": "message_stop"}),
        ],
    )
    .unwrap();
    assert_eq!(
        items(&out),
        [ResponseItem::CustomToolCall {
            id: None,
            call_id: "toolu_p".into(),
            name: "apply_patch".into(),
            input: patch.into(),
        }]
    );
}

#[test]
fn thinking_with_its_signature_is_kept() {
    let out = feed(
        &mut parser(),
        vec![
            start(json!({})),
            json!({"type": "content_block_start", "index": 0,
                "content_block": {"type": "thinking", "thinking": ""}}),
            json!({"type": "content_block_delta", "index": 0,
                "delta": {"type": "thinking_delta", "thinking": "Let me think"}}),
            json!({"type": "content_block_delta", "index": 0,
                "delta": {"type": "thinking_delta", "thinking": " about it."}}),
            json!({"type": "content_block_delta", "index": 0,
                "delta": {"type": "signature_delta", "signature": "EqQBCgIYAhIM"}}),
            stop(0),
            json!({"type": "content_block_start", "index": 1,
                "content_block": {"type": "redacted_thinking", "data": "opaque"}}),
            stop(1),
            json!({"type": "message_stop"}),
        ],
    )
    .unwrap();
    let deltas: Vec<&ResponseEvent> = out
        .iter()
        .filter(|e| matches!(e, ResponseEvent::ReasoningContentDelta(_)))
        .collect();
    assert_eq!(deltas.len(), 2);
    assert_eq!(
        items(&out),
        [
            ResponseItem::Reasoning {
                id: "thinking".into(),
                summary: Vec::new(),
                content: Some(vec![ReasoningContent::ReasoningText {
                    text: "Let me think about it.".into()
                }]),
                encrypted_content: Some("EqQBCgIYAhIM".into()),
            },
            ResponseItem::Reasoning {
                id: "redacted_thinking".into(),
                summary: Vec::new(),
                content: None,
                encrypted_content: Some("opaque".into()),
            }
        ]
    );
}

#[test]
fn usage_counts_cache_reads_and_writes_as_input() {
    let out = feed(
        &mut parser(),
        vec![
            start(json!({"input_tokens": 10, "cache_read_input_tokens": 20,
                "cache_creation_input_tokens": 30, "output_tokens": 1})),
            text_start(0),
            text_delta(0, "hi"),
            stop(0),
            message_delta(55),
            json!({"type": "message_stop"}),
        ],
    )
    .unwrap();
    let Some(ResponseEvent::Completed { usage, .. }) = out.last() else {
        panic!("{out:?}");
    };
    assert_eq!(
        *usage,
        Some(TokenUsage {
            input_tokens: 60,
            cached_input_tokens: 20,
            cache_write_input_tokens: 30,
            output_tokens: 55,
            reasoning_output_tokens: 0,
            total_tokens: 115,
        })
    );
}

#[test]
fn error_events_mid_stream() {
    for (kind, retryable) in [
        ("overloaded_error", true),
        ("api_error", true),
        ("invalid_request_error", false),
        ("rate_limit_error", false),
    ] {
        let mut p = parser();
        let err = feed(
            &mut p,
            vec![
                start(json!({})),
                text_start(0),
                text_delta(0, "par"),
                json!({"type": "error", "error": {"type": kind, "message": "Overloaded"}}),
            ],
        )
        .unwrap_err();
        assert_eq!(err.is_stream_retryable(), retryable, "{kind}: {err}");
        assert!(err.to_string().contains("Overloaded"), "{err}");
        if !retryable {
            assert!(
                matches!(&err, ApiError::ResponseFailed { code: Some(c), .. } if c == kind),
                "{err:?}"
            );
        }
    }
}

#[test]
fn a_stream_without_message_stop_is_a_stream_error() {
    let mut p = parser();
    let err = feed(
        &mut p,
        vec![
            start(json!({"input_tokens": 3})),
            text_start(0),
            text_delta(0, "cut"),
            stop(0),
            message_delta(2),
        ],
    )
    .unwrap_err();
    assert!(err.is_stream_retryable(), "{err}");
    assert!(err.to_string().contains("message_stop"), "{err}");
    assert!(!p.done());
}

#[test]
fn odd_input_does_not_panic() {
    let odd = [
        json!({"type": "content_block_delta", "index": 7,
            "delta": {"type": "input_json_delta", "partial_json": "{"}}),
        json!({"type": "content_block_delta", "index": 7,
            "delta": {"type": "signature_delta", "signature": "s"}}),
        json!({"type": "content_block_delta", "index": -1, "delta": null}),
        json!({"type": "content_block_delta"}),
        json!({"type": "content_block_start", "index": 1, "content_block": 5}),
        json!({"type": "content_block_stop", "index": "x"}),
        json!({"type": "message_start", "message": []}),
        json!({"type": "message_delta", "usage": "lots"}),
        json!([1, 2]),
        json!("text"),
    ];
    for e in odd {
        let _ = parser().on_event(ev(e));
    }
    let err = parser()
        .on_event(SseEvent {
            event: "message_start".into(),
            data: "{not json".into(),
        })
        .unwrap_err();
    assert!(
        err.to_string().contains("malformed `message_start`"),
        "{err}"
    );
}

#[test]
fn thinking_round_trips_into_the_next_request() {
    let out = feed(
        &mut parser(),
        vec![
            start(json!({})),
            json!({"type": "content_block_start", "index": 0,
                "content_block": {"type": "thinking", "thinking": "I should list"}}),
            json!({"type": "content_block_delta", "index": 0,
                "delta": {"type": "signature_delta", "signature": "sig=="}}),
            stop(0),
            tool_start(1, "toolu_1", "shell"),
            json_delta(1, r#"{"command":["ls"]}"#),
            stop(1),
            json!({"type": "message_stop"}),
        ],
    )
    .unwrap();
    let mut input = vec![ResponseItem::user_text("list")];
    input.extend(items(&out));
    input.push(ResponseItem::FunctionCallOutput {
        call_id: "toolu_1".into(),
        output: "a.txt".into(),
    });
    let prompt = crate::prompt::Prompt {
        input: input.into(),
        ..Default::default()
    };
    let settings = crate::client::ModelSettings {
        model: "claude-sonnet-4-5".into(),
        reasoning_effort: Some(codex_protocol::ReasoningEffort::Low),
        reasoning_summary: codex_protocol::ReasoningSummary::Auto,
        verbosity: None,
        max_output_tokens: None,
        session_id: "s".into(),
        originator: "o".into(),
        supports_reasoning: true,
    };
    let body = super::super::request::request_body(&prompt, &settings);
    assert_eq!(body["thinking"]["type"], "enabled");
    assert_eq!(
        body["messages"][1]["content"],
        json!([
            {"type": "thinking", "thinking": "I should list", "signature": "sig=="},
            {"type": "tool_use", "id": "toolu_1", "name": "shell",
                "input": {"command": ["ls"]}}
        ])
    );
    assert_eq!(body["messages"][2]["content"][0]["tool_use_id"], "toolu_1");
}

#[test]
fn random_event_sequences_do_not_panic() {
    let mut rng = fastrand::Rng::with_seed(11);
    let block_types = [
        "text",
        "tool_use",
        "thinking",
        "redacted_thinking",
        "server_tool_use",
    ];
    let delta_types = [
        "text_delta",
        "input_json_delta",
        "thinking_delta",
        "signature_delta",
        "citations_delta",
    ];
    for _ in 0..2_000 {
        let mut p = parser();
        for _ in 0..rng.usize(0..12) {
            let index = rng.u64(0..3);
            let e = match rng.usize(0..7) {
                0 => start(json!({"input_tokens": rng.u64(..), "output_tokens": "x"})),
                1 => json!({"type": "content_block_start", "index": index, "content_block":
                    {"type": block_types[rng.usize(..block_types.len())], "id": "i", "name": "n",
                     "input": [], "text": "t", "thinking": 3}}),
                2 => json!({"type": "content_block_delta", "index": index, "delta": {
                    "type": delta_types[rng.usize(..delta_types.len())], "text": "a",
                    "partial_json": "{\"", "thinking": "b", "signature": null}}),
                3 => stop(index),
                4 => message_delta(rng.u64(..)),
                5 => json!({"type": "message_stop"}),
                _ => json!({"type": "error", "error": "oops"}),
            };
            if p.on_event(ev(e)).is_err() || p.done() {
                break;
            }
        }
        let _ = p.on_end();
    }
}
