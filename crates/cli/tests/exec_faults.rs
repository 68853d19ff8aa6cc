#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `codex exec` when things go wrong: model errors, broken streams, missing keys, Ctrl-C.

mod common;

use codex_test_support::{Ev, MockServer, Reply, Step};
use common::thread_events::validate_thread_events;
use common::*;

#[cfg(target_os = "linux")]
fn shell(id: &str, cmd: &str) -> Ev {
    Ev::ShellCall {
        call_id: id.into(),
        command: cmd.into(),
    }
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
    for wire in ["responses", "chat", "anthropic"] {
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
                    // A message finished before a break was shown already (as the Codex CLI
                    // shows it); the answer is the last one.
                    let msg = events
                        .iter()
                        .rev()
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
fn anthropic_overload_is_retried() {
    let overloaded =
        r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
    let server = MockServer::start(vec![
        Step::reply(Reply::Status {
            code: 529,
            retry_after: Some(0),
            body: overloaded.into(),
        }),
        Step::stream(vec![
            Ev::Text("par".into()),
            Ev::Failed {
                code: "overloaded_error".into(),
                message: "Overloaded".into(),
            },
        ]),
        Step::stream(vec![Ev::Text("recovered".into())]),
    ])
    .unwrap();
    let sb = Sandbox::new();
    let out = run(sb.exec(&server, "anthropic").args(["--json", "hi"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let events = json_lines(&out);
    validate_thread_events(&events).unwrap();
    // The 529 is retried by the client (a warning item), the overload mid-stream by
    // re-requesting (a reconnect error event).
    let warning = events
        .iter()
        .find(|e| e["type"] == "item.completed" && e["item"]["type"] == "error")
        .unwrap();
    let text = warning["item"]["message"].as_str().unwrap();
    assert!(text.starts_with("mock answered 529: Overloaded"), "{text}");
    let errors: Vec<&str> = events
        .iter()
        .filter(|e| e["type"] == "error")
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("Reconnecting... 1/1") && errors[0].contains("Overloaded"),
        "{}",
        errors[0]
    );
    let msg = events
        .iter()
        .rev()
        .find(|e| e["item"]["type"] == "agent_message")
        .unwrap();
    assert_eq!(msg["item"]["text"], "recovered");
    assert_eq!(server.model_requests().len(), 3);
    server.assert_clean();
}

// SIGINT to the agent, and a pidfd to wait for the command's exit.
#[cfg(target_os = "linux")]
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
    let last: serde_json::Value = serde_json::from_str(seen.last().unwrap()).unwrap();
    assert_eq!(last["type"], "turn.failed", "{seen:?}");
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // SIGKILL was sent to its group; the process may still be on its way out, so wait for its
    // exit through a pidfd (readable once it has exited) rather than look at it once.
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) } as i32;
    if pidfd >= 0 {
        let mut poll = libc::pollfd {
            fd: pidfd,
            events: libc::POLLIN,
            revents: 0,
        };
        let ready = unsafe { libc::poll(&mut poll, 1, 10_000) };
        unsafe { libc::close(pidfd) };
        assert_eq!(ready, 1, "the command's child {pid} outlived the interrupt");
    }
}

fn too_many_requests(retry_after: u64) -> Step {
    Step::reply(Reply::Status {
        code: 429,
        retry_after: Some(retry_after),
        body: r#"{"error":{"message":"slow down"}}"#.into(),
    })
}

#[test]
fn a_429_with_retry_after_is_retried_and_the_wait_announced() {
    let notice = "rate limited by mock; retrying in 1 s (attempt 1/1)";
    let ok = || Step::stream(vec![Ev::Text("recovered".into())]);
    let server = MockServer::start(vec![too_many_requests(1), ok()]).unwrap();
    let sb = Sandbox::new();
    let out = run(sb.exec(&server, "responses").args(["--json", "hi"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let events = json_lines(&out);
    validate_thread_events(&events).unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["item"]["type"] == "error" && e["item"]["message"] == notice),
        "{events:#?}"
    );
    assert!(stderr(&out).contains(&format!("warning: {notice}")));

    let server = MockServer::start(vec![too_many_requests(1), ok()]).unwrap();
    let out = run(sb.exec(&server, "chat").arg("hi"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "recovered\n");
    assert!(
        stderr(&out).contains(&format!("warning: {notice}")),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_429_asking_for_an_hour_fails_at_once() {
    let server = MockServer::start(vec![too_many_requests(3600)]).unwrap();
    let sb = Sandbox::new();
    let out = run_within(
        sb.exec(&server, "responses").args(["--json", "hi"]),
        std::time::Duration::from_secs(20),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let expected = "rate limited by mock: the server asks to wait 3600 s, more than the \
                    configured limit of 120 s (request_max_retry_wait_secs)";
    let events = json_lines(&out);
    validate_thread_events(&events).unwrap();
    let failed = events.last().unwrap();
    assert_eq!(failed["type"], "turn.failed");
    assert!(
        failed["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with(expected),
        "{failed}"
    );
    assert!(
        stderr(&out).contains(&format!("error: {expected}")),
        "{}",
        stderr(&out)
    );
    assert_eq!(server.model_requests().len(), 1);

    // The limit is the provider's to set.
    let server = MockServer::start(vec![too_many_requests(1)]).unwrap();
    let out = run_within(
        sb.exec(&server, "chat").args([
            "-c",
            "model_providers.mock.request_max_retry_wait_secs=0",
            "hi",
        ]),
        std::time::Duration::from_secs(20),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("the server asks to wait 1 s, more than the configured limit of 0 s"),
        "{}",
        stderr(&out)
    );
    assert!(
        !stderr(&out).contains("unknown config key"),
        "{}",
        stderr(&out)
    );
}
