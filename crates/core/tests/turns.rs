#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The engine end to end against the mock model server over real HTTP.

use std::time::Duration;

use codex_config::{LoadOptions, load};
use codex_core::Codex;
use codex_protocol::{Event, EventMsg, Op, TurnAbortReason, UserInput};
use codex_test_support::{Ev, MockServer, Reply, Step};

struct Env {
    _home: tempfile::TempDir,
    work: tempfile::TempDir,
}

fn config(server: &MockServer, wire: &str, sandbox: &str) -> (codex_config::Config, Env) {
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let overrides = vec![
        "model_provider=mock".to_string(),
        "model=mock-model".to_string(),
        format!("model_providers.mock.base_url=\"{}\"", server.url()),
        format!("model_providers.mock.wire_api=\"{wire}\""),
        "model_providers.mock.stream_max_retries=2".to_string(),
        "model_providers.mock.stream_idle_timeout_ms=2000".to_string(),
        format!("sandbox_mode=\"{sandbox}\""),
        "approval_policy=never".to_string(),
    ];
    let loaded = load(LoadOptions {
        codex_home: Some(home.path().to_path_buf()),
        cwd: Some(work.path().to_path_buf()),
        cli_overrides: overrides,
        env: vec![
            ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
            ("HOME".into(), "/root".into()),
            ("BROKER_API_KEY".into(), "do-not-leak".into()),
        ],
        ..Default::default()
    })
    .unwrap();
    (loaded.config, Env { _home: home, work })
}

async fn run_turn(codex: &mut Codex, prompt: &str) -> Vec<Event> {
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
    collect_until_done(codex).await
}

async fn collect_until_done(codex: &mut Codex) -> Vec<Event> {
    let mut events = Vec::new();
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(30), codex.next_event())
            .await
            .expect("no event within 30 s")
            .expect("session ended");
        let done = matches!(
            ev.msg,
            EventMsg::TaskComplete { .. } | EventMsg::TurnAborted { .. }
        );
        events.push(ev);
        if done {
            return events;
        }
    }
}

fn last_message(events: &[Event]) -> Option<String> {
    events.iter().rev().find_map(|e| match &e.msg {
        EventMsg::TaskComplete {
            last_agent_message, ..
        } => last_agent_message.clone(),
        _ => None,
    })
}

fn shell(call_id: &str, command: &str) -> Ev {
    Ev::ShellCall {
        call_id: call_id.into(),
        command: command.into(),
    }
}

#[tokio::test]
async fn shell_round_trip_on_every_wire() {
    for wire in ["responses", "chat", "anthropic"] {
        let server = MockServer::start(vec![
            Step::stream(vec![shell(
                "c1",
                "echo hello from the tool; echo $BROKER_API_KEY",
            )]),
            Step::stream(vec![Ev::Text("all done".into())]).when(|req| {
                req.tool_outputs()
                    .iter()
                    .any(|(id, out)| id == "c1" && out.contains("hello from the tool"))
            }),
        ])
        .unwrap();
        let (config, _env) = config(&server, wire, "danger-full-access");
        let mut codex = Codex::spawn(config).unwrap();
        let events = run_turn(&mut codex, "say hello").await;
        assert_eq!(last_message(&events).as_deref(), Some("all done"), "{wire}");
        let end = events
            .iter()
            .find_map(|e| match &e.msg {
                EventMsg::ExecCommandEnd(end) => Some(end.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(end.exit_code, 0);
        assert_eq!(
            end.aggregated_output, "hello from the tool\n\n",
            "secret not passed on"
        );
        assert!(
            end.formatted_output
                .starts_with("Exit code: 0\nWall time: ")
        );
        server.assert_clean();
        assert_eq!(server.remaining_steps(), 0);
        let first = &server.model_requests()[0];
        assert!(first.tool_names().contains(&"shell".to_string()));
        assert!(first.tool_names().contains(&"update_plan".to_string()));
        let text = first.body.to_string();
        assert!(text.contains("environment_context"), "{wire}");
        assert!(text.contains("<sandbox_mode>danger-full-access</sandbox_mode>"));
    }
}

#[tokio::test]
async fn several_calls_in_one_response_are_all_answered() {
    let server = MockServer::start(vec![
        Step::stream(vec![
            shell("a", "echo one"),
            Ev::FunctionCall {
                call_id: "b".into(),
                name: "update_plan".into(),
                arguments: r#"{"plan":[{"step":"look","status":"in_progress"},{"step":"fix","status":"pending"}]}"#.into(),
                namespace: None,
            },
            Ev::FunctionCall {
                call_id: "c".into(),
                name: "shell".into(),
                arguments: "{not json".into(),
                namespace: None,
            },
            Ev::FunctionCall {
                call_id: "d".into(),
                name: "no_such_tool".into(),
                arguments: "{}".into(),
                namespace: None,
            },
        ]),
        Step::stream(vec![Ev::Text("finished".into())]),
    ])
    .unwrap();
    let (config, _env) = config(&server, "responses", "danger-full-access");
    let mut codex = Codex::spawn(config).unwrap();
    let events = run_turn(&mut codex, "go").await;
    assert_eq!(last_message(&events).as_deref(), Some("finished"));
    server.assert_clean();
    let outputs = server.model_requests()[1].tool_outputs();
    let ids: Vec<&str> = outputs.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c", "d"]);
    assert!(outputs[0].1.contains("one"));
    assert_eq!(outputs[1].1, "Plan updated");
    assert!(
        outputs[2]
            .1
            .starts_with("failed to parse function arguments")
    );
    assert_eq!(outputs[3].1, "unsupported call: no_such_tool");
    assert!(
        events
            .iter()
            .any(|e| matches!(&e.msg, EventMsg::PlanUpdate(p) if p.plan.len() == 2))
    );
}

#[tokio::test]
async fn without_a_sandbox_commands_are_refused_never_run_unconfined() {
    // No helper executable is known here, so nothing can be sandboxed; under `never` the
    // command is refused (and the user was told once, at the start).
    let server = MockServer::start(vec![
        Step::stream(vec![shell("c1", "touch should-not-exist")]),
        Step::stream(vec![Ev::Text("could not run it".into())]),
    ])
    .unwrap();
    let (config, env) = config(&server, "responses", "read-only");
    let mut codex = Codex::spawn(config).unwrap();
    let events = run_turn(&mut codex, "touch a file").await;
    assert!(!env.work.path().join("should-not-exist").exists());
    assert!(
        !events
            .iter()
            .any(|e| matches!(e.msg, EventMsg::ExecCommandBegin(_)))
    );
    let warnings = events
        .iter()
        .filter(|e| matches!(e.msg, EventMsg::Warning { .. }))
        .count();
    assert_eq!(warnings, 1);
    let out = &server.model_requests()[1].tool_outputs()[0].1;
    assert!(
        out.starts_with("command rejected: no sandbox is available"),
        "{out}"
    );
    server.assert_clean();
}

#[tokio::test]
async fn a_broken_stream_is_retried() {
    let server = MockServer::start(vec![
        Step::reply(Reply::Disconnect {
            events: vec![Ev::Text("partial".into()), Ev::Text("rest".into())],
            after: 1,
        }),
        Step::stream(vec![Ev::Text("complete answer".into())]),
    ])
    .unwrap();
    let (config, _env) = config(&server, "chat", "read-only");
    let mut codex = Codex::spawn(config).unwrap();
    let events = run_turn(&mut codex, "hi").await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e.msg, EventMsg::StreamError { .. }))
    );
    assert_eq!(last_message(&events).as_deref(), Some("complete answer"));
    let messages = events
        .iter()
        .filter(|e| matches!(e.msg, EventMsg::AgentMessage { .. }))
        .count();
    assert_eq!(messages, 1, "the partial attempt leaves no message behind");
}

#[tokio::test]
async fn stream_retries_run_out_with_an_error() {
    let broken = || {
        Step::reply(Reply::Disconnect {
            events: vec![Ev::Text("x".into())],
            after: 0,
        })
    };
    let server = MockServer::start(vec![broken(), broken(), broken()]).unwrap();
    let (config, _env) = config(&server, "responses", "read-only");
    let mut codex = Codex::spawn(config).unwrap();
    let events = run_turn(&mut codex, "hi").await;
    let error = events
        .iter()
        .find_map(|e| match &e.msg {
            EventMsg::Error { message, .. } => Some(message.clone()),
            _ => None,
        })
        .unwrap();
    assert!(error.contains("gave up after 2 reconnects"), "{error}");
    assert_eq!(server.model_requests().len(), 3);
}

#[tokio::test]
async fn interrupt_kills_the_running_command() {
    let server = MockServer::start(vec![Step::stream(vec![shell(
        "c1",
        "echo started; sleep 60",
    )])])
    .unwrap();
    let (config, _env) = config(&server, "responses", "danger-full-access");
    let mut codex = Codex::spawn(config).unwrap();
    codex
        .submit(Op::UserTurn {
            items: vec![UserInput::Text { text: "go".into() }],
            final_output_json_schema: None,
            cyber_access_program: None,
        })
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut events = Vec::new();
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(30), codex.next_event())
            .await
            .unwrap()
            .unwrap();
        if matches!(ev.msg, EventMsg::ExecCommandOutputDelta(_)) {
            codex.submit(Op::Interrupt).await.unwrap();
        }
        let aborted = matches!(
            ev.msg,
            EventMsg::TurnAborted {
                reason: TurnAbortReason::Interrupted
            }
        );
        events.push(ev);
        if aborted {
            break;
        }
    }
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(
        events
            .iter()
            .any(|e| matches!(&e.msg, EventMsg::ExecCommandEnd(end) if end.exit_code == 130))
    );
    codex.submit(Op::Shutdown).await.unwrap();
    let last = collect_shutdown(&mut codex).await;
    assert!(last);
}

async fn collect_shutdown(codex: &mut Codex) -> bool {
    while let Ok(Some(ev)) = tokio::time::timeout(Duration::from_secs(10), codex.next_event()).await
    {
        if matches!(ev.msg, EventMsg::ShutdownComplete) {
            return true;
        }
    }
    false
}

#[tokio::test]
async fn output_schema_and_usage_reach_the_model_and_events() {
    let server = MockServer::start(vec![Step::stream(vec![
        Ev::Text("{\"ok\":true}".into()),
        Ev::Usage {
            input: 120,
            cached: 20,
            output: 8,
            reasoning: 2,
        },
    ])])
    .unwrap();
    let (config, _env) = config(&server, "responses", "read-only");
    let mut codex = Codex::spawn(config).unwrap();
    codex
        .submit(Op::UserTurn {
            items: vec![UserInput::Text {
                text: "json".into(),
            }],
            final_output_json_schema: Some(serde_json::json!({"type": "object"})),
            cyber_access_program: None,
        })
        .await
        .unwrap();
    let events = collect_until_done(&mut codex).await;
    let body = &server.model_requests()[0].body;
    assert_eq!(body["text"]["format"]["schema"]["type"], "object");
    let usage = events
        .iter()
        .find_map(|e| match &e.msg {
            EventMsg::TaskComplete { usage, .. } => Some(*usage),
            _ => None,
        })
        .unwrap();
    assert_eq!(usage.input_tokens, 120);
    assert_eq!(usage.cached_input_tokens, 20);
    assert!(
        events
            .iter()
            .any(|e| matches!(&e.msg, EventMsg::TokenCount { info: Some(_) }))
    );
}

#[tokio::test]
async fn a_second_turn_carries_the_history() {
    let server = MockServer::start(vec![
        Step::stream(vec![Ev::Text("first".into())]),
        Step::stream(vec![Ev::Text("second".into())]).when(|req| {
            let text = req.body["input"].to_string();
            text.contains("one") && text.contains("first") && text.contains("two")
        }),
    ])
    .unwrap();
    let (config, _env) = config(&server, "responses", "read-only");
    let mut codex = Codex::spawn(config).unwrap();
    run_turn(&mut codex, "one").await;
    let events = run_turn(&mut codex, "two").await;
    assert_eq!(last_message(&events).as_deref(), Some("second"));
    server.assert_clean();
}

#[tokio::test]
async fn patches_report_begin_end_and_the_turn_diff() {
    let server = MockServer::start(vec![
        Step::stream(vec![
            Ev::FunctionCall {
                call_id: "p1".into(),
                name: "apply_patch".into(),
                arguments: serde_json::json!({"input": "*** Begin Patch\n*** Add File: a.txt\n+one\n*** End Patch"}).to_string(),
                namespace: None,
            },
            Ev::FunctionCall {
                call_id: "p2".into(),
                name: "apply_patch".into(),
                arguments: serde_json::json!({"input": "*** Begin Patch\n*** Update File: a.txt\n-one\n+two\n*** Add File: b.txt\n+b\n*** End Patch"}).to_string(),
                namespace: None,
            },
        ]),
        Step::stream(vec![Ev::Text("done".into())]),
    ])
    .unwrap();
    let (config, env) = config(&server, "chat", "workspace-write");
    let mut codex = Codex::spawn(config).unwrap();
    let events = run_turn(&mut codex, "edit").await;
    let begins = events
        .iter()
        .filter(|e| matches!(e.msg, EventMsg::PatchApplyBegin(_)))
        .count();
    let ends: Vec<bool> = events
        .iter()
        .filter_map(|e| match &e.msg {
            EventMsg::PatchApplyEnd(end) => Some(end.success),
            _ => None,
        })
        .collect();
    assert_eq!((begins, ends), (2, vec![true, true]));
    let last_diff = events
        .iter()
        .rev()
        .find_map(|e| match &e.msg {
            EventMsg::TurnDiff { unified_diff } => Some(unified_diff.clone()),
            _ => None,
        })
        .unwrap();
    // One diff for the whole turn, from before the first patch: a.txt is new with "two".
    assert!(
        last_diff.contains("--- /dev/null\n+++ b/a.txt\n@@ -0,0 +1 @@\n+two\n"),
        "{last_diff}"
    );
    assert!(last_diff.contains("+++ b/b.txt"), "{last_diff}");
    assert!(!last_diff.contains("+one"), "{last_diff}");
    assert_eq!(
        std::fs::read_to_string(env.work.path().join("a.txt")).unwrap(),
        "two\n"
    );
    server.assert_clean();
}

#[tokio::test]
async fn op_compact_summarises_and_the_next_turn_starts_from_the_summary() {
    let server = MockServer::start(vec![
        Step::stream(vec![Ev::Text("long answer".into())]),
        Step::stream(vec![Ev::Text("the gist".into())])
            .when(|r| r.body["tools"].as_array().is_some_and(|t| t.is_empty())),
        Step::stream(vec![Ev::Text("next".into())]).when(|r| {
            let t = r.body["input"].to_string();
            t.contains("the gist") && t.contains("first task") && !t.contains("long answer")
        }),
    ])
    .unwrap();
    let (config, _env) = config(&server, "responses", "read-only");
    let mut codex = Codex::spawn(config).unwrap();
    run_turn(&mut codex, "first task").await;
    codex.submit(Op::Compact).await.unwrap();
    let events = collect_until_done(&mut codex).await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e.msg, EventMsg::ContextCompacted))
    );
    let events = run_turn(&mut codex, "second task").await;
    assert_eq!(last_message(&events).as_deref(), Some("next"));
    server.assert_clean();
}

#[tokio::test]
async fn secrets_split_across_output_chunks_are_redacted_in_the_live_events() {
    // `BROKER_API_KEY` (excluded from commands) is one of the session's named secrets.
    let server = MockServer::start(vec![
        Step::stream(vec![shell(
            "c1",
            "printf 'x do-not-'; sleep 0.3; printf 'leak y sk-abcdefghij'; sleep 0.3; \
             printf 'klmnopqrstuvwxyz z\\n'",
        )]),
        Step::stream(vec![Ev::Text("ok".into())]),
    ])
    .unwrap();
    let (config, _env) = config(&server, "responses", "danger-full-access");
    let mut codex = Codex::spawn(config).unwrap();
    let events = run_turn(&mut codex, "print it").await;
    let deltas: Vec<Vec<u8>> = events
        .iter()
        .filter_map(|e| match &e.msg {
            EventMsg::ExecCommandOutputDelta(d) => Some(d.chunk.clone()),
            _ => None,
        })
        .collect();
    assert!(deltas.len() >= 2, "{deltas:?}");
    let live = String::from_utf8(deltas.concat()).unwrap();
    let expected = "x [REDACTED:BROKER_API_KEY] y [REDACTED:openai_key] z\n";
    assert_eq!(live, expected);
    let end = events
        .iter()
        .find_map(|e| match &e.msg {
            EventMsg::ExecCommandEnd(end) => Some(end.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(end.aggregated_output, expected);
    assert_eq!(end.stdout, expected);
    assert!(end.formatted_output.ends_with(expected));
    let sent = server.model_requests()[1].body.to_string();
    assert!(sent.contains("[REDACTED:BROKER_API_KEY]"), "{sent}");
    assert!(!sent.contains("do-not-leak"));
}
