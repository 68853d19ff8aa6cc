use codex_protocol::{
    ContentItem, FunctionOutput, ReasoningContent, ReasoningEffort, ReasoningSummary, ResponseItem,
};
use serde_json::{Value, json};

use super::{DEFAULT_MAX_TOKENS, request_body};
use crate::client::ModelSettings;
use crate::prompt::{Prompt, ToolSpec};

fn settings() -> ModelSettings {
    ModelSettings {
        model: "claude-sonnet-4-5".into(),
        reasoning_effort: None,
        reasoning_summary: ReasoningSummary::Auto,
        verbosity: None,
        max_output_tokens: None,
        session_id: "s".into(),
        originator: "o".into(),
        supports_reasoning: false,
    }
}

fn call(id: &str) -> ResponseItem {
    ResponseItem::FunctionCall {
        id: None,
        name: "shell".into(),
        arguments: r#"{"command":["ls"]}"#.into(),
        call_id: id.into(),
        namespace: None,
    }
}

fn output(id: &str, text: &str) -> ResponseItem {
    ResponseItem::FunctionCallOutput {
        call_id: id.into(),
        output: text.into(),
    }
}

fn body(input: Vec<ResponseItem>) -> Value {
    let prompt = Prompt {
        instructions: "be brief".into(),
        input: input.into(),
        ..Default::default()
    };
    request_body(&prompt, &settings())
}

fn roles(body: &Value) -> Vec<&str> {
    body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect()
}

fn types(message: &Value) -> Vec<&str> {
    message["content"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["type"].as_str().unwrap())
        .collect()
}

#[test]
fn the_basics() {
    let b = body(vec![ResponseItem::user_text("hi")]);
    assert_eq!(b["model"], "claude-sonnet-4-5");
    assert_eq!(b["max_tokens"], DEFAULT_MAX_TOKENS);
    assert_eq!(b["stream"], true);
    assert_eq!(b["system"][0]["text"], "be brief");
    assert_eq!(b["system"][0]["cache_control"]["type"], "ephemeral");
    assert_eq!(
        b["messages"],
        json!([{"role": "user", "content": [{"type": "text", "text": "hi",
            "cache_control": {"type": "ephemeral"}}]}])
    );
    assert!(b.get("tools").is_none() && b.get("tool_choice").is_none());
    assert!(b.get("thinking").is_none());
}

#[test]
fn roles_alternate_and_tool_results_are_merged() {
    let b = body(vec![
        ResponseItem::Message {
            id: None,
            role: "developer".into(),
            content: vec![ContentItem::InputText {
                text: "<permissions/>".into(),
            }],
        },
        ResponseItem::user_text("<environment_context/>"),
        ResponseItem::user_text("list files twice"),
        ResponseItem::assistant_text("Sure."),
        call("a"),
        call("b"),
        output("a", "one"),
        // A message typed while the calls ran.
        ResponseItem::user_text("also count them"),
        output("b", ""),
        ResponseItem::assistant_text("   "),
        ResponseItem::assistant_text("Two files."),
        ResponseItem::assistant_text("Done."),
        ResponseItem::user_text("thanks"),
    ]);
    assert_eq!(
        roles(&b),
        ["user", "assistant", "user", "assistant", "user"]
    );
    let m = &b["messages"];
    assert_eq!(types(&m[0]), ["text", "text", "text"]);
    assert_eq!(types(&m[1]), ["text", "tool_use", "tool_use"]);
    assert_eq!(
        m[1]["content"][1],
        json!({"type": "tool_use", "id": "a", "name": "shell", "input": {"command": ["ls"]}})
    );
    // Results open the message that answers the calls, in order; an empty output has no
    // content.
    assert_eq!(types(&m[2]), ["tool_result", "tool_result", "text"]);
    assert_eq!(
        m[2]["content"][0],
        json!({"type": "tool_result", "tool_use_id": "a", "content": "one"})
    );
    assert_eq!(
        m[2]["content"][1],
        json!({"type": "tool_result", "tool_use_id": "b"})
    );
    assert_eq!(m[2]["content"][2]["text"], "also count them");
    // Blank text is left out.
    assert_eq!(types(&m[3]), ["text", "text"]);
    assert_eq!(m[4]["content"][0]["cache_control"]["type"], "ephemeral");
}

#[test]
fn images_from_data_urls_and_tool_outputs() {
    let b = body(vec![
        ResponseItem::Message {
            id: None,
            role: "user".into(),
            content: vec![
                ContentItem::InputText {
                    text: "what is this?".into(),
                },
                ContentItem::InputImage {
                    image_url: "data:image/png;base64,iVBORw0KGgo=".into(),
                    detail: None,
                },
                ContentItem::InputImage {
                    image_url: "https://example.com/a.jpg".into(),
                    detail: None,
                },
                ContentItem::InputImage {
                    image_url: "data:image/png,not-base64".into(),
                    detail: None,
                },
            ],
        },
        call("v"),
        ResponseItem::FunctionCallOutput {
            call_id: "v".into(),
            output: FunctionOutput::Content(vec![
                ContentItem::InputText {
                    text: "image at a.gif".into(),
                },
                ContentItem::InputImage {
                    image_url: "data:image/gif;base64,R0lGOD==".into(),
                    detail: None,
                },
            ]),
        },
    ]);
    let m = &b["messages"];
    assert_eq!(types(&m[0]), ["text", "image", "image"]);
    assert_eq!(
        m[0]["content"][1],
        json!({"type": "image", "source": {"type": "base64", "media_type": "image/png",
            "data": "iVBORw0KGgo="}})
    );
    assert_eq!(
        m[0]["content"][2]["source"],
        json!({"type": "url", "url": "https://example.com/a.jpg"})
    );
    let result = &m[2]["content"][0];
    assert_eq!(result["type"], "tool_result");
    assert_eq!(
        result["content"][0],
        json!({"type": "text", "text": "image at a.gif"})
    );
    assert_eq!(result["content"][1]["source"]["media_type"], "image/gif");
    assert_eq!(result["content"][1]["source"]["data"], "R0lGOD==");
}

#[test]
fn freeform_tools_are_functions_taking_input() {
    let prompt = Prompt {
        input: vec![
            ResponseItem::user_text("patch it"),
            ResponseItem::CustomToolCall {
                id: None,
                call_id: "p".into(),
                name: "apply_patch".into(),
                input: "*** Begin Patch\n*** End Patch\n".into(),
            },
            ResponseItem::CustomToolCallOutput {
                call_id: "p".into(),
                output: "Done!".into(),
            },
        ]
        .into(),
        tools: vec![
            ToolSpec::Freeform {
                name: "apply_patch".into(),
                description: "edit files".into(),
                format: json!({"type": "grammar", "syntax": "lark", "definition": "start: x"}),
            },
            ToolSpec::Function {
                name: "shell".into(),
                description: "run".into(),
                parameters: json!({"type": "object", "properties": {}}),
            },
        ],
        ..Default::default()
    };
    let b = request_body(&prompt, &settings());
    assert_eq!(b["tool_choice"], json!({"type": "auto"}));
    let patch = &b["tools"][0];
    assert_eq!(patch["name"], "apply_patch");
    assert_eq!(patch["description"], "edit files");
    assert_eq!(
        patch["input_schema"]["properties"]["input"]["type"],
        "string"
    );
    assert_eq!(patch["input_schema"]["required"], json!(["input"]));
    assert_eq!(
        b["tools"][1],
        json!({"name": "shell", "description": "run",
            "input_schema": {"type": "object", "properties": {}}})
    );
    let m = &b["messages"];
    assert_eq!(
        m[1]["content"][0]["input"],
        json!({"input": "*** Begin Patch\n*** End Patch\n"})
    );
    assert_eq!(m[2]["content"][0]["content"], "Done!");
}

#[test]
fn thinking_goes_back_with_its_signature() {
    let thinking = |id: &str, signature: Option<&str>| ResponseItem::Reasoning {
        id: id.into(),
        summary: Vec::new(),
        content: Some(vec![ReasoningContent::ReasoningText {
            text: "ls first".into(),
        }]),
        encrypted_content: signature.map(String::from),
    };
    let b = body(vec![
        ResponseItem::user_text("go"),
        thinking("thinking", Some("sig-1")),
        ResponseItem::Reasoning {
            id: "redacted_thinking".into(),
            summary: Vec::new(),
            content: None,
            encrypted_content: Some("opaque".into()),
        },
        // Unsigned, or from another wire: the API could not check it.
        thinking("thinking", None),
        thinking("rs_123", Some("openai-encrypted")),
        call("c"),
        output("c", "a.txt"),
    ]);
    let m = &b["messages"];
    assert_eq!(types(&m[1]), ["thinking", "redacted_thinking", "tool_use"]);
    assert_eq!(
        m[1]["content"][0],
        json!({"type": "thinking", "thinking": "ls first", "signature": "sig-1"})
    );
    assert_eq!(
        m[1]["content"][1],
        json!({"type": "redacted_thinking", "data": "opaque"})
    );
}

#[test]
fn thinking_only_when_an_effort_is_set() {
    let prompt = Prompt {
        input: vec![ResponseItem::user_text("hi")].into(),
        ..Default::default()
    };
    let mut s = settings();
    s.supports_reasoning = true;
    assert!(request_body(&prompt, &s).get("thinking").is_none());
    s.reasoning_effort = Some(ReasoningEffort::None);
    assert!(request_body(&prompt, &s).get("thinking").is_none());
    s.reasoning_effort = Some(ReasoningEffort::High);
    let b = request_body(&prompt, &s);
    assert_eq!(
        b["thinking"],
        json!({"type": "enabled", "budget_tokens": 16_384})
    );
    assert_eq!(b["max_tokens"], DEFAULT_MAX_TOKENS + 16_384);
    // The user's limit holds; the budget shrinks under it, and goes when it would be too small.
    s.max_output_tokens = Some(10_000);
    let b = request_body(&prompt, &s);
    assert_eq!(b["max_tokens"], 10_000);
    assert_eq!(b["thinking"]["budget_tokens"], 9_999);
    s.max_output_tokens = Some(1_000);
    let b = request_body(&prompt, &s);
    assert_eq!(b["max_tokens"], 1_000);
    assert!(b.get("thinking").is_none());
}

#[test]
fn output_schema_is_asked_for_in_the_system_prompt() {
    let prompt = Prompt {
        instructions: "be brief".into(),
        input: vec![ResponseItem::user_text("hi")].into(),
        output_schema: Some(json!({"type": "object", "required": ["answer"]})),
        ..Default::default()
    };
    let b = request_body(&prompt, &settings());
    let system = b["system"][0]["text"].as_str().unwrap();
    assert!(system.starts_with("be brief\n\n"), "{system}");
    assert!(
        system.contains(r#"{"type":"object","required":["answer"]}"#),
        "{system}"
    );
}

#[test]
fn arguments_that_are_not_an_object_are_kept() {
    let b = body(vec![
        ResponseItem::user_text("x"),
        ResponseItem::FunctionCall {
            id: None,
            name: "shell".into(),
            arguments: "{\"command\": [\"ls\"".into(),
            call_id: "bad".into(),
            namespace: None,
        },
        output("bad", "failed to parse function arguments"),
    ]);
    assert_eq!(
        b["messages"][1]["content"][0]["input"],
        json!({"raw_arguments": "{\"command\": [\"ls\""})
    );
}
