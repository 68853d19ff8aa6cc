#![allow(clippy::unwrap_used, clippy::expect_used)]
//! MCP approvals and elicitations as a front-end sees them: the engine asks with events, the
//! front-end answers with ops. Against the real `server-everything` from npm (installed by the
//! test command into `tests/mcp/node_modules`) and the mock model.

use std::path::PathBuf;
use std::time::Duration;

use codex_config::{LoadOptions, load};
use codex_core::Codex;
use codex_protocol::{ElicitationAction, Event, EventMsg, Op, ReviewDecision, UserInput};
use codex_test_support::{Ev, MockServer, Step};
use serde_json::{Value, json};

fn everything() -> String {
    let dir = std::env::var_os("CODEX_MCP_SERVERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/mcp/node_modules/.bin")
        });
    let path = dir.join("mcp-server-everything");
    assert!(
        path.exists(),
        "{} is missing: run `npm ci` in tests/mcp (scripts/test does)",
        path.display()
    );
    path.display().to_string()
}

fn session(server: &MockServer, approval: &str) -> (Codex, tempfile::TempDir) {
    let home = tempfile::tempdir().unwrap();
    let overrides = vec![
        "model_provider=mock".to_string(),
        "model=mock-model".to_string(),
        format!("model_providers.mock.base_url=\"{}\"", server.url()),
        "model_providers.mock.wire_api=\"responses\"".to_string(),
        format!("approval_policy=\"{approval}\""),
        format!("mcp_servers.everything.command=\"{}\"", everything()),
    ];
    let loaded = load(LoadOptions {
        codex_home: Some(home.path().to_path_buf()),
        cwd: Some(home.path().to_path_buf()),
        cli_overrides: overrides,
        env: vec![("PATH".into(), std::env::var("PATH").unwrap_or_default())],
        ..Default::default()
    })
    .unwrap();
    (Codex::spawn(loaded.config).unwrap(), home)
}

fn call(id: &str, name: &str, arguments: Value) -> Ev {
    Ev::FunctionCall {
        call_id: id.into(),
        name: name.into(),
        arguments: arguments.to_string(),
        namespace: Some("mcp__everything".into()),
    }
}

async fn next(codex: &mut Codex) -> Event {
    tokio::time::timeout(Duration::from_secs(30), codex.next_event())
        .await
        .expect("no event within 30 s")
        .expect("session ended")
}

async fn start_turn(codex: &mut Codex) {
    codex
        .submit(Op::UserTurn {
            items: vec![UserInput::Text { text: "go".into() }],
            final_output_json_schema: None,
            cyber_access_program: None,
        })
        .await
        .unwrap();
}

/// The model's input for `call_id`, as text.
fn output_for(server: &MockServer, call_id: &str) -> String {
    server
        .model_requests()
        .iter()
        .flat_map(|r| r.body["input"].as_array().cloned().unwrap_or_default())
        .find(|item| item["type"] == "function_call_output" && item["call_id"] == call_id)
        .map(|item| match &item["output"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .unwrap_or_else(|| panic!("no output for {call_id}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untrusted_asks_before_a_tool_not_marked_read_only_and_remembers_for_the_session() {
    let server = MockServer::start(vec![
        Step::stream(vec![
            call("c1", "echo", json!({"message": "no need to ask"})),
            call("c2", "toggle_simulated_logging", json!({})),
            call("c3", "toggle_simulated_logging", json!({})),
            call("c4", "toggle_simulated_logging", json!({})),
        ]),
        Step::stream(vec![Ev::Text("done".into())]),
    ])
    .unwrap();
    let (mut codex, _home) = session(&server, "untrusted");
    start_turn(&mut codex).await;
    let mut asked = Vec::new();
    let answers = [ReviewDecision::Denied, ReviewDecision::ApprovedForSession];
    loop {
        match next(&mut codex).await.msg {
            EventMsg::McpToolApprovalRequest(request) => {
                assert_eq!(request.invocation.server, "everything");
                assert_eq!(request.invocation.tool, "toggle-simulated-logging");
                let decision = answers[asked.len()];
                asked.push(request.call_id.clone());
                codex
                    .submit(Op::McpToolApproval {
                        id: request.call_id,
                        decision,
                    })
                    .await
                    .unwrap();
            }
            EventMsg::TaskComplete { .. } => break,
            _ => {}
        }
    }
    // The read-only echo ran unasked; c2 was denied; c3 approved for the session; c4 unasked.
    assert_eq!(asked, ["c2", "c3"]);
    assert!(output_for(&server, "c1").contains("no need to ask"));
    assert_eq!(
        output_for(&server, "c2"),
        "MCP tool call rejected by the user"
    );
    assert!(output_for(&server, "c3").contains("simulated"));
    assert!(output_for(&server, "c4").contains("simulated"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_elicitation_is_asked_and_the_answer_reaches_the_server() {
    let server = MockServer::start(vec![
        Step::stream(vec![call("c1", "trigger_elicitation_request", json!({}))]),
        Step::stream(vec![Ev::Text("done".into())]),
    ])
    .unwrap();
    let (mut codex, _home) = session(&server, "on-request");
    start_turn(&mut codex).await;
    let mut asked = 0;
    loop {
        match next(&mut codex).await.msg {
            EventMsg::ElicitationRequest(request) => {
                asked += 1;
                assert_eq!(request.server_name, "everything");
                assert!(request.message.contains("Please provide inputs"));
                assert!(request.requested_schema["properties"]["name"].is_object());
                codex
                    .submit(Op::ResolveElicitation {
                        server_name: request.server_name,
                        id: request.id,
                        decision: ElicitationAction::Accept,
                        content: Some(json!({"name": "Ada"})),
                    })
                    .await
                    .unwrap();
            }
            EventMsg::TaskComplete { .. } => break,
            _ => {}
        }
    }
    assert_eq!(asked, 1);
    let output = output_for(&server, "c1");
    assert!(output.contains("- Name: Ada"), "{output}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_never_an_elicitation_is_declined_without_asking() {
    let server = MockServer::start(vec![
        Step::stream(vec![call("c1", "trigger_elicitation_request", json!({}))]),
        Step::stream(vec![Ev::Text("done".into())]),
    ])
    .unwrap();
    let (mut codex, _home) = session(&server, "never");
    start_turn(&mut codex).await;
    loop {
        match next(&mut codex).await.msg {
            EventMsg::ElicitationRequest(_) | EventMsg::McpToolApprovalRequest(_) => {
                panic!("nothing is asked under `never`")
            }
            EventMsg::TaskComplete { .. } => break,
            _ => {}
        }
    }
    let output = output_for(&server, "c1");
    assert!(output.contains("declined"), "{output}");
}
