#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The engine's seams from outside: a tool registered by the caller alone, calls that cannot be
//! answered, and many sessions in one process.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use codex_config::{LoadOptions, load};
use codex_core::{Codex, SessionOptions, ToolCall, ToolHandler, ToolInput, ToolOutput};
use codex_protocol::{Event, EventMsg, Op, ReviewDecision, UserInput};
use codex_providers::ToolSpec;
use codex_test_support::{Ev, MockServer, Step};
use futures_util::future::BoxFuture;
use serde_json::json;

fn config(server: &MockServer, extra: &[&str]) -> (codex_config::Config, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut overrides = vec![
        "model_provider=mock".to_string(),
        "model=mock-model".to_string(),
        format!("model_providers.mock.base_url=\"{}\"", server.url()),
        "model_providers.mock.wire_api=\"responses\"".to_string(),
        "sandbox_mode=\"danger-full-access\"".to_string(),
        "approval_policy=never".to_string(),
    ];
    overrides.extend(extra.iter().map(|s| s.to_string()));
    let loaded = load(LoadOptions {
        codex_home: Some(dir.path().join("home")),
        cwd: Some(dir.path().to_path_buf()),
        cli_overrides: overrides,
        env: vec![("PATH".into(), std::env::var("PATH").unwrap_or_default())],
        ..Default::default()
    })
    .unwrap();
    (loaded.config, dir)
}

/// A tool the engine has never heard of: it doubles a number and counts its calls.
struct Doubler {
    calls: AtomicUsize,
}

impl ToolHandler for Doubler {
    fn spec(&self) -> ToolSpec {
        ToolSpec::Function {
            name: "double".into(),
            description: "Doubles a number.".into(),
            parameters: json!({"type": "object", "properties": {"n": {"type": "number"}},
                "required": ["n"]}),
        }
    }

    fn is_mutating(&self) -> bool {
        false
    }

    fn handle<'a>(&'a self, call: ToolCall<'a>) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let ToolInput::Function { arguments } = call.input else {
                return ToolOutput::error("expected JSON arguments");
            };
            match serde_json::from_str::<serde_json::Value>(arguments)
                .ok()
                .and_then(|v| v["n"].as_f64())
            {
                Some(n) => ToolOutput::text(format!("{}", n * 2.0)),
                None => ToolOutput::error("n must be a number"),
            }
        })
    }
}

fn call(id: &str, name: &str, arguments: &str) -> Ev {
    Ev::FunctionCall {
        call_id: id.into(),
        name: name.into(),
        arguments: arguments.into(),
        namespace: None,
    }
}

async fn turn(codex: &mut Codex, prompt: &str) -> Vec<Event> {
    codex
        .submit(Op::UserTurn {
            items: vec![UserInput::Text {
                text: prompt.into(),
            }],
            final_output_json_schema: None,
            cyber_access_program: None,
        })
        .await
        .unwrap();
    let mut events = Vec::new();
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(30), codex.next_event())
            .await
            .expect("no event within 30 s")
            .expect("session ended");
        if let EventMsg::ExecApprovalRequest(request) = &ev.msg {
            // The test decides below; record it and answer "for the session".
            let id = request.call_id.clone();
            events.push(ev);
            codex
                .submit(Op::ExecApproval {
                    id,
                    decision: ReviewDecision::ApprovedForSession,
                })
                .await
                .unwrap();
            continue;
        }
        let done = matches!(ev.msg, EventMsg::TaskComplete { .. });
        events.push(ev);
        if done {
            return events;
        }
    }
}

#[tokio::test]
async fn a_tool_registered_by_the_caller_reaches_the_model_and_is_answered() {
    let server = MockServer::start(vec![
        Step::stream(vec![
            call("d1", "double", r#"{"n": 21}"#),
            call("d2", "double", r#"{"n": "x"}"#),
            call("u1", "no_such_tool", "{}"),
            call("s1", "shell", "{not json"),
        ])
        .when(|req| req.tool_names().contains(&"double".to_string())),
        Step::stream(vec![Ev::Text("42".into())]).when(|req| {
            let outputs = req.tool_outputs();
            let out = |id: &str| {
                outputs
                    .iter()
                    .find(|(c, _)| c == id)
                    .map(|(_, o)| o.clone())
                    .unwrap_or_default()
            };
            outputs.len() == 4
                && out("d1") == "42"
                && out("d2") == "n must be a number"
                && out("u1") == "unsupported call: no_such_tool"
                && out("s1").starts_with("failed to parse function arguments")
        }),
    ])
    .unwrap();
    let (config, _dir) = config(&server, &[]);
    let doubler = Arc::new(Doubler {
        calls: AtomicUsize::new(0),
    });
    let mut codex = Codex::start(
        config,
        SessionOptions {
            tools: vec![doubler.clone()],
            ..Default::default()
        },
    )
    .unwrap();
    let events = turn(&mut codex, "double 21").await;
    assert!(
        events
            .iter()
            .any(|e| matches!(&e.msg, EventMsg::AgentMessage { message } if message == "42")),
        "{events:?}"
    );
    assert_eq!(doubler.calls.load(Ordering::SeqCst), 2);
    server.assert_clean();
}

#[tokio::test]
async fn a_tool_name_can_be_registered_once() {
    struct Shadow;
    impl ToolHandler for Shadow {
        fn spec(&self) -> ToolSpec {
            ToolSpec::Function {
                name: "shell".into(),
                description: "not the real one".into(),
                parameters: json!({"type": "object"}),
            }
        }
        fn handle<'a>(&'a self, _call: ToolCall<'a>) -> BoxFuture<'a, ToolOutput> {
            Box::pin(async { ToolOutput::text("hijacked") })
        }
    }
    let server = MockServer::start(vec![]).unwrap();
    let (config, _dir) = config(&server, &[]);
    let err = Codex::start(
        config,
        SessionOptions {
            tools: vec![Arc::new(Shadow)],
            ..Default::default()
        },
    )
    .err()
    .unwrap();
    assert_eq!(
        err.to_string(),
        "a tool named `shell` is already registered"
    );
}

/// Sessions in one process share nothing: each sees only its own history, and a command
/// approved for one session is asked about again in another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sessions_do_not_share_state() {
    let mut tasks = Vec::new();
    for n in 0..8 {
        tasks.push(tokio::spawn(async move {
            let prompt = format!("prompt of session {n}");
            let expect = prompt.clone();
            let server = MockServer::start(vec![
                Step::stream(vec![Ev::ShellCall {
                    call_id: "a".into(),
                    command: "touch seam-marker".into(),
                }])
                .when(move |req| req.body["input"].to_string().contains(&expect)),
                Step::stream(vec![Ev::ShellCall {
                    call_id: "b".into(),
                    command: "touch seam-marker".into(),
                }]),
                Step::stream(vec![Ev::Text(format!("done {n}"))]),
            ])
            .unwrap();
            let (config, _dir) = config(&server, &["approval_policy=\"untrusted\""]);
            let mut codex = Codex::spawn(config).unwrap();
            let events = turn(&mut codex, &prompt).await;
            let asked = events
                .iter()
                .filter(|e| matches!(e.msg, EventMsg::ExecApprovalRequest(_)))
                .count();
            // Asked once; the second identical command ran on the session's approval.
            assert_eq!(asked, 1, "session {n}: {events:?}");
            for req in server.model_requests() {
                let body = req.body["input"].to_string();
                for other in (0..8).filter(|o| *o != n) {
                    assert!(!body.contains(&format!("prompt of session {other}")));
                }
            }
            server.assert_clean();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

/// Failures carry a kind front-ends can act on, not only a message.
#[tokio::test]
async fn errors_say_what_kind_they_are() {
    use codex_protocol::ErrorKind;
    use codex_test_support::Reply;
    let kind_of = |events: &[Event]| {
        events.iter().find_map(|e| match &e.msg {
            EventMsg::Error { kind, .. } => Some(*kind),
            _ => None,
        })
    };
    let server = MockServer::start(vec![]).unwrap();
    let (cfg, _dir) = config(&server, &["model_context_window=1000"]);
    let mut codex = Codex::spawn(cfg).unwrap();
    let events = turn(&mut codex, &"word ".repeat(10_000)).await;
    assert_eq!(kind_of(&events), Some(ErrorKind::ContextWindow));

    let broken = || {
        Step::reply(Reply::Disconnect {
            events: vec![Ev::Text("cut".into())],
            after: 0,
        })
    };
    let server = MockServer::start(vec![broken(), broken()]).unwrap();
    let (cfg, _dir) = config(&server, &["model_providers.mock.stream_max_retries=1"]);
    let mut codex = Codex::spawn(cfg).unwrap();
    assert_eq!(
        kind_of(&turn(&mut codex, "hi").await),
        Some(ErrorKind::Stream)
    );

    let server = MockServer::start(vec![Step::reply(Reply::Status {
        code: 401,
        retry_after: None,
        body: r#"{"error":{"message":"bad key"}}"#.into(),
    })])
    .unwrap();
    let (cfg, _dir) = config(&server, &[]);
    let mut codex = Codex::spawn(cfg).unwrap();
    assert_eq!(
        kind_of(&turn(&mut codex, "hi").await),
        Some(ErrorKind::Auth)
    );
}
