#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `codex exec` end to end: the built binary against the mock model server.

mod common;

use codex_test_support::{Ev, MockServer, Step};
use common::thread_events::validate_thread_events;
use common::*;
use serde_json::Value;

fn shell(id: &str, cmd: &str) -> Ev {
    Ev::ShellCall {
        call_id: id.into(),
        command: cmd.into(),
    }
}

fn plan(id: &str, statuses: &[(&str, &str)]) -> Ev {
    let plan: Vec<Value> = statuses
        .iter()
        .map(|(s, st)| serde_json::json!({"step": s, "status": st}))
        .collect();
    Ev::FunctionCall {
        call_id: id.into(),
        name: "update_plan".into(),
        arguments: serde_json::json!({ "plan": plan }).to_string(),
        namespace: None,
    }
}

fn full_script() -> Vec<Step> {
    vec![
        Step::stream(vec![
            Ev::Reasoning("Looking at the files first".into()),
            plan(
                "p1",
                &[("list files", "in_progress"), ("report", "pending")],
            ),
            shell("c1", "echo hello-from-shell; exit 3"),
            Ev::Usage {
                input: 100,
                cached: 40,
                output: 10,
                reasoning: 5,
            },
        ]),
        Step::stream(vec![
            plan(
                "p2",
                &[("list files", "completed"), ("report", "completed")],
            ),
            Ev::Usage {
                input: 150,
                cached: 0,
                output: 5,
                reasoning: 0,
            },
        ]),
        Step::stream(vec![
            Ev::Text("Done: the command failed with 3.".into()),
            Ev::Usage {
                input: 200,
                cached: 100,
                output: 12,
                reasoning: 0,
            },
        ]),
    ]
}

#[test]
fn json_stream_follows_the_contract_on_every_wire() {
    for wire in ["responses", "chat", "anthropic"] {
        let server = MockServer::start(full_script()).unwrap();
        let sb = Sandbox::new();
        let out = run(sb
            .exec(&server, wire)
            .args(["--json", "--yolo", "do the thing"]));
        assert_eq!(out.status.code(), Some(0), "{wire}: {}", stderr(&out));
        let events = json_lines(&out);
        validate_thread_events(&events).unwrap_or_else(|e| panic!("{wire}: {e}"));
        let types: Vec<String> = events
            .iter()
            .map(|e| {
                let t = e["type"].as_str().unwrap().to_string();
                match e["item"]["type"].as_str() {
                    Some(it) => format!("{t}:{it}"),
                    None => t,
                }
            })
            .collect();
        let expected = [
            "thread.started",
            "turn.started",
            "item.completed:reasoning",
            "item.started:todo_list",
            "item.started:command_execution",
            "item.completed:command_execution",
            "item.updated:todo_list",
            "item.completed:agent_message",
            "item.completed:todo_list",
            "turn.completed",
        ];
        assert_eq!(types, expected, "{wire}");
        let cmd = events
            .iter()
            .find(|e| e["type"] == "item.completed" && e["item"]["type"] == "command_execution")
            .unwrap();
        assert_eq!(
            cmd["item"]["command"],
            "bash -lc 'echo hello-from-shell; exit 3'"
        );
        assert_eq!(cmd["item"]["aggregated_output"], "hello-from-shell\n");
        assert_eq!(cmd["item"]["exit_code"], 3);
        assert_eq!(cmd["item"]["status"], "failed");
        let done = events.last().unwrap();
        assert_eq!(done["usage"]["input_tokens"], 450);
        assert_eq!(done["usage"]["cached_input_tokens"], 140);
        assert_eq!(done["usage"]["output_tokens"], 27);
        let todo = events
            .iter()
            .rev()
            .find(|e| e["item"]["type"] == "todo_list")
            .unwrap();
        assert_eq!(todo["item"]["items"][1]["completed"], true);
        assert!(
            stderr(&out).contains("tokens used: total="),
            "{}",
            stderr(&out)
        );
        server.assert_clean();
        assert_eq!(server.remaining_steps(), 0);
        if wire == "anthropic" {
            // The thinking goes back with its signature, before the calls it led to.
            let second = &server.model_requests()[1].body;
            let assistant = &second["messages"][1]["content"];
            assert_eq!(assistant[0]["type"], "thinking", "{second}");
            assert_eq!(assistant[0]["signature"], "sig-mock-0");
            assert_eq!(assistant[0]["thinking"], "Looking at the files first");
            assert_eq!(assistant[1]["type"], "tool_use");
            assert_eq!(
                assistant[2]["input"]["command"][2],
                "echo hello-from-shell; exit 3"
            );
        }
    }
}

#[test]
fn human_mode_prints_only_the_final_message_on_stdout() {
    let server = MockServer::start(full_script()).unwrap();
    let sb = Sandbox::new();
    let last = sb.work.path().join("last.txt");
    let out = run(sb
        .exec(&server, "responses")
        .args(["--yolo", "--color", "never", "-o"])
        .arg(&last)
        .arg("do the thing"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "Done: the command failed with 3.\n");
    let err = stderr(&out);
    assert!(
        err.contains("exec bash -lc 'echo hello-from-shell; exit 3'"),
        "{err}"
    );
    assert!(err.contains("exited 3 in"), "{err}");
    assert!(err.contains("Looking at the files first"), "{err}");
    assert!(
        err.contains("tokens used: total=477 input=450 (+ 140 cached) output=27 (reasoning 5)"),
        "{err}"
    );
    assert!(!err.contains("\x1b["), "no colour with --color never");
    assert_eq!(
        std::fs::read_to_string(&last).unwrap(),
        "Done: the command failed with 3."
    );
}

#[test]
fn prompt_from_stdin_and_dash() {
    for arg in [None, Some("-")] {
        let server = MockServer::start(vec![
            Step::stream(vec![Ev::Text("ok".into())])
                .when(|req| req.body["input"].to_string().contains("task from stdin")),
        ])
        .unwrap();
        let sb = Sandbox::new();
        let mut cmd = sb.exec(&server, "responses");
        if let Some(a) = arg {
            cmd.arg(a);
        }
        let out = run_with_stdin(&mut cmd, "task from stdin\n");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(stdout(&out), "ok\n");
        server.assert_clean();
    }
}

#[test]
fn empty_prompt_is_refused() {
    let server = MockServer::start(vec![]).unwrap();
    let sb = Sandbox::new();
    let out = run_with_stdin(&mut sb.exec(&server, "responses"), "  \n");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("the prompt is empty"));
    assert!(server.requests().is_empty());
}

#[test]
fn output_schema_is_sent_strict() {
    for wire in ["responses", "chat"] {
        let server =
            MockServer::start(vec![Step::stream(vec![Ev::Text("{\"answer\":42}".into())])])
                .unwrap();
        let sb = Sandbox::new();
        let schema = sb.work.path().join("schema.json");
        std::fs::write(
            &schema,
            r#"{"type":"object","properties":{"answer":{"type":"integer"}},"required":["answer"],"additionalProperties":false}"#,
        )
        .unwrap();
        let out = run(sb
            .exec(&server, wire)
            .arg("--json")
            .arg("--output-schema")
            .arg(&schema)
            .arg("answer"));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let events = json_lines(&out);
        let msg = events
            .iter()
            .find(|e| e["item"]["type"] == "agent_message")
            .unwrap();
        assert_eq!(msg["item"]["text"], "{\"answer\":42}");
        let body = &server.model_requests()[0].body;
        let format = if wire == "responses" {
            &body["text"]["format"]
        } else {
            &body["response_format"]["json_schema"]
        };
        assert_eq!(format["strict"], true, "{wire}");
        assert_eq!(format["schema"]["required"][0], "answer", "{wire}");
    }
}

#[test]
fn output_schema_goes_in_the_system_prompt_on_anthropic() {
    let server =
        MockServer::start(vec![Step::stream(vec![Ev::Text("{\"answer\":42}".into())])]).unwrap();
    let sb = Sandbox::new();
    let schema = sb.work.path().join("schema.json");
    std::fs::write(
        &schema,
        r#"{"type":"object","properties":{"answer":{"type":"integer"}},"required":["answer"]}"#,
    )
    .unwrap();
    let out = run(sb
        .exec(&server, "anthropic")
        .arg("--output-schema")
        .arg(&schema)
        .arg("answer"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "{\"answer\":42}");
    let body = &server.model_requests()[0].body;
    let system = body["system"][0]["text"].as_str().unwrap();
    assert!(system.contains(r#""required":["answer"]"#), "{system}");
    server.assert_clean();
}

#[test]
fn bad_output_schema_file_is_a_clear_error() {
    let server = MockServer::start(vec![]).unwrap();
    let sb = Sandbox::new();
    let schema = sb.work.path().join("schema.json");
    std::fs::write(&schema, "{\"type\": ").unwrap();
    let out = run(sb
        .exec(&server, "responses")
        .arg("--output-schema")
        .arg(&schema)
        .arg("x"));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("is not valid JSON (line 1"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_output_schema_that_is_not_a_json_schema_is_refused_before_any_request() {
    let server = MockServer::start(vec![]).unwrap();
    let sb = Sandbox::new();
    let schema = sb.work.path().join("schema.json");
    for (text, reason) in [
        (r#"{"type": 5}"#, "/type: 5 is not a type name"),
        (
            r#"{"type":"object","properties":{"name":{"type":"text"}}}"#,
            "/properties/name/type: \"text\" is not a type name",
        ),
        (
            r#"{"type":"object","required":"name"}"#,
            "/required: expected an array of property names, found \"name\"",
        ),
    ] {
        std::fs::write(&schema, text).unwrap();
        let out = run(sb
            .exec(&server, "responses")
            .args(["--json", "--output-schema"])
            .arg(&schema)
            .arg("x"));
        assert_eq!(out.status.code(), Some(1), "{text}");
        let expected = format!(
            "error: --output-schema {} is not a valid JSON Schema: {reason}",
            schema.display()
        );
        assert!(stderr(&out).contains(&expected), "{}", stderr(&out));
    }
    assert!(server.requests().is_empty());
}

#[test]
fn refuses_outside_a_git_repo_without_the_flag() {
    let server = MockServer::start(vec![Step::stream(vec![Ev::Text("ok".into())])]).unwrap();
    let sb = Sandbox::new();
    let mut cmd = sb.codex();
    cmd.arg("exec")
        .args(mock_provider_args(&server, "responses"))
        .arg("hi");
    let out = run(&mut cmd);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(
            "Not inside a trusted directory and --skip-git-repo-check was not specified."
        )
    );
    assert!(server.requests().is_empty());

    std::fs::create_dir(sb.work.path().join(".git")).unwrap();
    let sub = sb.work.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let mut cmd = sb.codex();
    cmd.arg("exec")
        .args(mock_provider_args(&server, "responses"))
        .arg("-C")
        .arg(&sub)
        .arg("hi");
    let out = run(&mut cmd);
    assert_eq!(
        out.status.code(),
        Some(0),
        "inside a work tree: {}",
        stderr(&out)
    );
}

#[test]
fn read_only_sandbox_runs_commands_but_blocks_writes() {
    let server = MockServer::start(vec![
        Step::stream(vec![shell("c1", "cat inside.txt && touch made-it")]),
        Step::stream(vec![Ev::Text("I could read but not write.".into())]),
    ])
    .unwrap();
    let sb = Sandbox::new();
    std::fs::write(sb.work.path().join("inside.txt"), "readable\n").unwrap();
    let out = run(sb.exec(&server, "responses").arg("touch files"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!sb.work.path().join("made-it").exists());
    let output = &server.model_requests()[1].tool_outputs()[0].1;
    assert!(output.contains("readable"), "{output}");
    assert!(output.contains("Read-only file system"), "{output}");
    assert!(!output.starts_with("Exit code: 0"), "{output}");
    server.assert_clean();
}

#[test]
fn secrets_never_reach_commands() {
    let server = MockServer::start(vec![
        Step::stream(vec![shell("c1", "env")]),
        Step::stream(vec![Ev::Text("done".into())]),
    ])
    .unwrap();
    let sb = Sandbox::new();
    let out = run(sb
        .exec(&server, "responses")
        .env("BROKER_API_KEY", "k-123")
        .env("FXCM_SECRET", "s-456")
        .env("GH_TOKEN", "t-789")
        .env("VISIBLE_SETTING", "v-000")
        .args(["--json", "--yolo", "show env"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let output = &server.model_requests()[1].tool_outputs()[0].1;
    assert!(output.contains("VISIBLE_SETTING=v-000"), "{output}");
    for secret in ["k-123", "s-456", "t-789"] {
        assert!(!output.contains(secret), "{secret} leaked: {output}");
        assert!(!stdout(&out).contains(secret));
    }
}

#[test]
fn timeout_reports_124_to_the_model() {
    let server = MockServer::start(vec![
        Step::stream(vec![Ev::FunctionCall {
            call_id: "c1".into(),
            name: "shell".into(),
            arguments: r#"{"command":["bash","-c","echo before; sleep 20"],"timeout_ms":300}"#
                .into(),
            namespace: None,
        }]),
        Step::stream(vec![Ev::Text("it timed out".into())]),
    ])
    .unwrap();
    let sb = Sandbox::new();
    let out = run(sb.exec(&server, "chat").args(["--json", "--yolo", "slow"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let output = &server.model_requests()[1].tool_outputs()[0].1;
    assert!(
        output.starts_with("command timed out after 300 milliseconds\nExit code: 124"),
        "{output}"
    );
    let events = json_lines(&out);
    let cmd = events
        .iter()
        .find(|e| e["type"] == "item.completed" && e["item"]["type"] == "command_execution")
        .unwrap();
    assert_eq!(cmd["item"]["exit_code"], 124);
}

#[test]
fn huge_output_is_truncated_for_the_model_but_not_for_events() {
    let server = MockServer::start(vec![
        Step::stream(vec![shell("c1", "seq 1 5000")]),
        Step::stream(vec![Ev::Text("counted".into())]),
    ])
    .unwrap();
    let sb = Sandbox::new();
    let out = run(sb
        .exec(&server, "responses")
        .args(["--json", "--yolo", "count"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let output = &server.model_requests()[1].tool_outputs()[0].1;
    assert!(output.contains("Total output lines: 5000"), "{output}");
    assert!(
        output.contains("[... omitted 4744 of 5000 lines"),
        "{output}"
    );
    assert!(output.len() < 12 * 1024);
    let events = json_lines(&out);
    let cmd = events
        .iter()
        .find(|e| e["type"] == "item.completed" && e["item"]["type"] == "command_execution")
        .unwrap();
    assert_eq!(
        cmd["item"]["aggregated_output"]
            .as_str()
            .unwrap()
            .lines()
            .count(),
        5000
    );
}

#[test]
fn exec_forces_approval_never_whatever_the_config_says() {
    let server = MockServer::start(vec![Step::stream(vec![Ev::Text("ok".into())])]).unwrap();
    let sb = Sandbox::new();
    sb.write_config("approval_policy = \"untrusted\"\n");
    let out = run(sb.exec(&server, "responses").arg("hi"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let body = server.model_requests()[0].body.to_string();
    assert!(
        body.contains("<approval_policy>never</approval_policy>"),
        "{body}"
    );
}
