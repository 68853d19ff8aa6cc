#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `codex exec` end to end: the built binary against the mock model server.

mod common;

use std::collections::BTreeMap;

use codex_test_support::{Ev, MockServer, Reply, Step};
use common::*;
use serde_json::Value;

/// Checks a `--json` stream against the thread-event contract, event by event.
fn validate_thread_events(events: &[Value]) -> Result<(), String> {
    let mut open: BTreeMap<String, String> = BTreeMap::new();
    let mut closed: Vec<String> = Vec::new();
    let mut turn_open = false;
    for (i, ev) in events.iter().enumerate() {
        let at = |m: &str| format!("event {i} ({ev}): {m}");
        let kind = ev["type"].as_str().ok_or_else(|| at("no type"))?;
        if i == 0 && kind != "thread.started" {
            return Err(at("the first event must be thread.started"));
        }
        match kind {
            "thread.started" => {
                let id = ev["thread_id"].as_str().ok_or_else(|| at("no thread_id"))?;
                if id.len() != 36 {
                    return Err(at("thread_id is not a UUID"));
                }
            }
            "turn.started" => {
                if turn_open {
                    return Err(at("turn started twice"));
                }
                turn_open = true;
            }
            "turn.completed" => {
                let u = &ev["usage"];
                for k in ["input_tokens", "cached_input_tokens", "output_tokens"] {
                    if !u[k].is_u64() {
                        return Err(at(&format!("usage.{k} missing")));
                    }
                }
                if !open.is_empty() {
                    return Err(at(&format!("items still open: {open:?}")));
                }
                turn_open = false;
            }
            "turn.failed" => {
                if !ev["error"]["message"].is_string() {
                    return Err(at("error.message missing"));
                }
                turn_open = false;
            }
            "error" => {
                if !ev["message"].is_string() {
                    return Err(at("message missing"));
                }
            }
            "item.started" | "item.updated" | "item.completed" => {
                if !turn_open {
                    return Err(at("item outside a turn"));
                }
                let item = &ev["item"];
                let id = item["id"].as_str().ok_or_else(|| at("item.id missing"))?;
                if !id.starts_with("item_") {
                    return Err(at("item ids look like item_N"));
                }
                let ty = item["type"]
                    .as_str()
                    .ok_or_else(|| at("item.type missing"))?;
                check_item(ty, item).map_err(|m| at(&m))?;
                match kind {
                    "item.started" => {
                        if open.insert(id.into(), ty.into()).is_some()
                            || closed.contains(&id.to_string())
                        {
                            return Err(at("item started twice"));
                        }
                    }
                    "item.updated" => {
                        if open.get(id).map(String::as_str) != Some(ty) {
                            return Err(at("update of an item that is not open"));
                        }
                    }
                    _ => {
                        if closed.contains(&id.to_string()) {
                            return Err(at("item completed twice"));
                        }
                        if let Some(t) = open.remove(id)
                            && t != ty
                        {
                            return Err(at("item changed type"));
                        }
                        closed.push(id.into());
                    }
                }
            }
            other => return Err(at(&format!("unknown event type {other}"))),
        }
    }
    if turn_open {
        return Err("the stream ended inside a turn".into());
    }
    Ok(())
}

fn check_item(ty: &str, item: &Value) -> Result<(), String> {
    let need_str = |k: &str| {
        item[k]
            .is_string()
            .then_some(())
            .ok_or(format!("{ty}.{k} must be a string"))
    };
    match ty {
        "agent_message" | "reasoning" => need_str("text"),
        "command_execution" => {
            need_str("command")?;
            need_str("aggregated_output")?;
            let status = item["status"].as_str().unwrap_or("");
            if !["in_progress", "completed", "failed"].contains(&status) {
                return Err(format!("bad status {status}"));
            }
            if status != "in_progress" && !item["exit_code"].is_i64() {
                return Err("a finished command needs exit_code".into());
            }
            Ok(())
        }
        "todo_list" => {
            let items = item["items"].as_array().ok_or("todo_list.items")?;
            for t in items {
                if !t["text"].is_string() || !t["completed"].is_boolean() {
                    return Err("todo items need text and completed".into());
                }
            }
            Ok(())
        }
        "error" => need_str("message"),
        other => Err(format!("unknown item type {other}")),
    }
}

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
fn json_stream_follows_the_contract_on_both_wires() {
    for wire in ["responses", "chat"] {
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
fn read_only_sandbox_refuses_commands_and_says_so_once() {
    let server = MockServer::start(vec![
        Step::stream(vec![shell("c1", "touch made-it")]),
        Step::stream(vec![shell("c2", "touch made-it-again")]),
        Step::stream(vec![Ev::Text("I could not run commands.".into())]),
    ])
    .unwrap();
    let sb = Sandbox::new();
    let out = run(sb.exec(&server, "responses").arg("touch files"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!sb.work.path().join("made-it").exists());
    let err = stderr(&out);
    assert_eq!(
        err.matches("cannot run under sandbox `read-only`").count(),
        1,
        "{err}"
    );
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
fn model_errors_fail_the_turn_with_exit_1() {
    let server = MockServer::start(vec![Step::reply(Reply::Status {
        code: 401,
        retry_after: None,
        body: r#"{"error":{"message":"Invalid API key"}}"#.into(),
    })])
    .unwrap();
    let sb = Sandbox::new();
    let mut cmd = sb.exec(&server, "responses");
    cmd.args([
        "-c",
        "model_providers.mock.env_key=MOCK_KEY",
        "--json",
        "hi",
    ])
    .env("MOCK_KEY", "bad");
    let out = run(&mut cmd);
    assert_eq!(out.status.code(), Some(1));
    let events = json_lines(&out);
    validate_thread_events(&events).unwrap();
    let failed = events.last().unwrap();
    assert_eq!(failed["type"], "turn.failed");
    let message = failed["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("401") && message.contains("`MOCK_KEY`"),
        "{message}"
    );
    let err = stderr(&out);
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error: ")).count(),
        1,
        "{err}"
    );
}

#[test]
fn missing_api_key_names_the_variable() {
    let server = MockServer::start(vec![]).unwrap();
    let sb = Sandbox::new();
    let out = run(sb.exec(&server, "chat").args([
        "-c",
        "model_providers.mock.env_key=MY_PROVIDER_KEY",
        "hi",
    ]));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("missing environment variable `MY_PROVIDER_KEY`"),
        "{err}"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn every_fault_ends_in_a_retry_or_a_clear_error() {
    let ok = || Step::stream(vec![Ev::Text("recovered".into())]);
    let cases: Vec<(&str, Vec<Step>, Option<&str>)> = vec![
        (
            "5xx then ok",
            vec![
                Step::reply(Reply::Status {
                    code: 500,
                    retry_after: None,
                    body: "{}".into(),
                }),
                ok(),
            ],
            None,
        ),
        (
            "429 with retry-after then ok",
            vec![
                Step::reply(Reply::Status {
                    code: 429,
                    retry_after: Some(0),
                    body: "{}".into(),
                }),
                ok(),
            ],
            None,
        ),
        (
            "disconnect then ok",
            vec![
                Step::reply(Reply::Disconnect {
                    events: vec![Ev::Text("par".into())],
                    after: 1,
                }),
                ok(),
            ],
            None,
        ),
        (
            "malformed then ok",
            vec![Step::reply(Reply::RawSse("data: {oops\n\n".into())), ok()],
            None,
        ),
        (
            "stall twice",
            vec![
                Step::reply(Reply::Stall {
                    events: vec![Ev::Text("x".into())],
                    after: 0,
                }),
                Step::reply(Reply::Stall {
                    events: vec![Ev::Text("x".into())],
                    after: 0,
                }),
            ],
            Some("stream_idle_timeout_ms"),
        ),
        (
            "5xx until retries run out",
            vec![
                Step::reply(Reply::Status {
                    code: 503,
                    retry_after: None,
                    body: "{\"error\":{\"message\":\"down\"}}".into(),
                }),
                Step::reply(Reply::Status {
                    code: 503,
                    retry_after: None,
                    body: "{\"error\":{\"message\":\"down\"}}".into(),
                }),
            ],
            Some("giving up after 2 attempts"),
        ),
        (
            "unknown model",
            vec![Step::reply(Reply::Status {
                code: 404,
                retry_after: None,
                body: r#"{"error":{"message":"model 'mock-model' not found"}}"#.into(),
            })],
            Some("unknown model `mock-model`"),
        ),
    ];
    for wire in ["responses", "chat"] {
        for (name, steps, expect_error) in &cases {
            let server = MockServer::start(steps.clone()).unwrap();
            let sb = Sandbox::new();
            let out = run(sb.exec(&server, wire).args([
                "-c",
                "model_providers.mock.stream_idle_timeout_ms=300",
                "--json",
                "hi",
            ]));
            let events = json_lines(&out);
            validate_thread_events(&events).unwrap_or_else(|e| panic!("{wire}/{name}: {e}"));
            match expect_error {
                None => {
                    assert_eq!(
                        out.status.code(),
                        Some(0),
                        "{wire}/{name}: {}",
                        stderr(&out)
                    );
                    let msg = events
                        .iter()
                        .find(|e| e["item"]["type"] == "agent_message")
                        .unwrap();
                    assert_eq!(msg["item"]["text"], "recovered", "{wire}/{name}");
                }
                Some(text) => {
                    assert_eq!(out.status.code(), Some(1), "{wire}/{name}");
                    let last = events.last().unwrap();
                    assert_eq!(last["type"], "turn.failed", "{wire}/{name}");
                    let message = last["error"]["message"].as_str().unwrap();
                    assert!(message.contains(text), "{wire}/{name}: {message}");
                }
            }
            assert!(!stderr(&out).contains("panicked"), "{wire}/{name}");
        }
    }
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

#[test]
fn ctrl_c_interrupts_the_turn_and_kills_the_command() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let server = MockServer::start(vec![Step::stream(vec![shell(
        "c1",
        "sleep 60 & echo $! > sleeper.pid; echo started; wait",
    )])])
    .unwrap();
    let sb = Sandbox::new();
    let mut child = sb
        .exec(&server, "responses")
        .args(["--json", "--yolo", "wait a minute"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let started = line.contains("\"command_execution\"") && line.contains("item.started");
        seen.push(line);
        if started {
            break;
        }
    }
    // Wait for the command itself to be up before interrupting.
    let pidfile = sb.work.path().join("sleeper.pid");
    for _ in 0..500 {
        if std::fs::read_to_string(&pidfile).is_ok_and(|s| s.ends_with('\n')) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    seen.extend(lines.map_while(Result::ok));
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let last: Value = serde_json::from_str(seen.last().unwrap()).unwrap();
    assert_eq!(last["type"], "turn.failed", "{seen:?}");
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| s.split_whitespace().nth(2) == Some("Z"))
        .unwrap_or(true);
    assert!(
        !alive || zombie,
        "the command's child {pid} outlived the interrupt"
    );
}
