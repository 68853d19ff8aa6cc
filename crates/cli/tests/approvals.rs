#![allow(clippy::unwrap_used, clippy::expect_used)]
// Commands run in the Linux sandbox (Landlock, seccomp, namespaces).
#![cfg(target_os = "linux")]
//! Approval round trips through the engine against the mock model, with the real sandbox
//! helper (this binary) confining what runs.

use std::path::PathBuf;
use std::time::Duration;

use codex_config::{LoadOptions, load};
use codex_core::Codex;
use codex_protocol::{Event, EventMsg, Op, ReviewDecision, UserInput};
use codex_test_support::{Ev, MockServer, Step};
use serde_json::json;

struct Setup {
    _tmp: tempfile::TempDir,
    work: PathBuf,
    outside: PathBuf,
}

fn setup() -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(tmp.path()).unwrap();
    let work = base.join("work");
    let outside = base.join("outside");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    Setup {
        _tmp: tmp,
        work,
        outside,
    }
}

fn spawn(server: &MockServer, s: &Setup, approval: &str) -> Codex {
    let overrides = vec![
        "model_provider=mock".to_string(),
        "model=mock-model".to_string(),
        format!("model_providers.mock.base_url=\"{}\"", server.url()),
        "model_providers.mock.wire_api=\"chat\"".to_string(),
        "sandbox_mode=\"workspace-write\"".to_string(),
        "sandbox_workspace_write.exclude_slash_tmp=true".to_string(),
        "sandbox_workspace_write.exclude_tmpdir_env_var=true".to_string(),
        format!("approval_policy=\"{approval}\""),
    ];
    let mut config = load(LoadOptions {
        codex_home: Some(s.work.join(".codex-home")),
        cwd: Some(s.work.clone()),
        cli_overrides: overrides,
        env: vec![("PATH".into(), std::env::var("PATH").unwrap_or_default())],
        ..Default::default()
    })
    .unwrap()
    .config;
    config.sandbox_exe = Some(PathBuf::from(env!("CARGO_BIN_EXE_codex")));
    Codex::spawn(config).unwrap()
}

/// Runs a turn, answering each approval request with `decide`; returns all events.
async fn turn(
    codex: &mut Codex,
    decide: &mut dyn FnMut(&EventMsg) -> ReviewDecision,
) -> Vec<Event> {
    codex
        .submit(Op::UserTurn {
            items: vec![UserInput::Text { text: "go".into() }],
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
        match &ev.msg {
            EventMsg::ExecApprovalRequest(r) => {
                let decision = decide(&ev.msg);
                codex
                    .submit(Op::ExecApproval {
                        id: r.call_id.clone(),
                        decision,
                    })
                    .await
                    .unwrap();
            }
            EventMsg::ApplyPatchApprovalRequest(r) => {
                let decision = decide(&ev.msg);
                codex
                    .submit(Op::PatchApproval {
                        id: r.call_id.clone(),
                        decision,
                    })
                    .await
                    .unwrap();
            }
            _ => {}
        }
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

fn shell(id: &str, script: &str) -> Ev {
    Ev::FunctionCall {
        call_id: id.into(),
        name: "shell".into(),
        arguments: json!({"command": ["bash", "-lc", script]}).to_string(),
        namespace: None,
    }
}

fn requests(events: &[Event]) -> usize {
    events
        .iter()
        .filter(|e| {
            matches!(
                e.msg,
                EventMsg::ExecApprovalRequest(_) | EventMsg::ApplyPatchApprovalRequest(_)
            )
        })
        .count()
}

fn done() -> Step {
    Step::stream(vec![Ev::Text("done".into())])
}

#[tokio::test]
async fn untrusted_asks_and_runs_sandboxed_once_approved() {
    let server = MockServer::start(vec![
        Step::stream(vec![shell("c1", "echo approved > file.txt")]),
        done(),
    ])
    .unwrap();
    let s = setup();
    let mut codex = spawn(&server, &s, "untrusted");
    let mut seen = Vec::new();
    let events = turn(&mut codex, &mut |msg| {
        if let EventMsg::ExecApprovalRequest(r) = msg {
            seen.push((r.command.clone(), r.cwd.clone(), r.reason.clone()));
        }
        ReviewDecision::Approved
    })
    .await;
    assert_eq!(requests(&events), 1);
    assert_eq!(seen[0].0, ["bash", "-lc", "echo approved > file.txt"]);
    assert_eq!(seen[0].1, s.work);
    assert!(seen[0].2.as_deref().unwrap().contains("untrusted"));
    assert_eq!(
        std::fs::read_to_string(s.work.join("file.txt")).unwrap(),
        "approved\n"
    );
    server.assert_clean();
}

#[tokio::test]
async fn denied_commands_do_not_run_and_the_model_is_told() {
    let server = MockServer::start(vec![
        Step::stream(vec![shell("c1", "touch nope.txt")]),
        done(),
    ])
    .unwrap();
    let s = setup();
    let mut codex = spawn(&server, &s, "untrusted");
    let events = turn(&mut codex, &mut |_| ReviewDecision::Denied).await;
    assert_eq!(requests(&events), 1);
    assert!(!s.work.join("nope.txt").exists());
    assert_eq!(
        server.model_requests()[1].tool_outputs()[0].1,
        "command rejected by the user"
    );
}

#[tokio::test]
async fn approved_for_session_is_not_asked_again_whatever_the_quoting() {
    let server = MockServer::start(vec![
        Step::stream(vec![
            shell("c1", "mkdir -p one"),
            Ev::FunctionCall {
                call_id: "c2".into(),
                name: "shell".into(),
                arguments: json!({"command": ["mkdir", "-p", "two"]}).to_string(),
                namespace: None,
            },
            shell("c3", "mkdir -p 'three'"),
        ]),
        done(),
    ])
    .unwrap();
    let s = setup();
    let mut codex = spawn(&server, &s, "untrusted");
    let events = turn(&mut codex, &mut |_| ReviewDecision::ApprovedForSession).await;
    assert_eq!(requests(&events), 1, "asked once for the same command");
    for d in ["one", "two", "three"] {
        assert!(s.work.join(d).is_dir(), "{d}");
    }
}

#[tokio::test]
async fn abort_stops_the_turn() {
    let server =
        MockServer::start(vec![Step::stream(vec![shell("c1", "touch x")]), done()]).unwrap();
    let s = setup();
    let mut codex = spawn(&server, &s, "untrusted");
    let events = turn(&mut codex, &mut |_| ReviewDecision::Abort).await;
    assert!(matches!(
        events.last().unwrap().msg,
        EventMsg::TurnAborted { .. }
    ));
    assert_eq!(server.model_requests().len(), 1, "no further model request");
    assert!(!s.work.join("x").exists());
}

#[tokio::test]
async fn on_request_escalation_asks_with_the_justification_then_runs_outside() {
    let outside_file = "escalated.txt";
    let s = setup();
    let script = format!("echo out > {}", s.outside.join(outside_file).display());
    let server = MockServer::start(vec![
        Step::stream(vec![Ev::FunctionCall {
            call_id: "c1".into(),
            name: "shell".into(),
            arguments:
                json!({"command": ["bash", "-lc", script], "with_escalated_permissions": true,
                "justification": "needs to write the shared cache"})
                .to_string(),
            namespace: None,
        }]),
        done(),
    ])
    .unwrap();
    let mut codex = spawn(&server, &s, "on-request");
    let mut reason = None;
    let events = turn(&mut codex, &mut |msg| {
        if let EventMsg::ExecApprovalRequest(r) = msg {
            reason = r.reason.clone();
        }
        ReviewDecision::Approved
    })
    .await;
    assert_eq!(requests(&events), 1);
    assert_eq!(reason.as_deref(), Some("needs to write the shared cache"));
    assert!(s.outside.join(outside_file).exists());
}

#[tokio::test]
async fn on_request_runs_sandboxed_without_asking_and_the_sandbox_holds() {
    let s = setup();
    let script = format!("echo x > {}/sneaky.txt", s.outside.display());
    let server = MockServer::start(vec![Step::stream(vec![shell("c1", &script)]), done()]).unwrap();
    let mut codex = spawn(&server, &s, "on-request");
    let events = turn(&mut codex, &mut |_| ReviewDecision::Approved).await;
    assert_eq!(requests(&events), 0);
    assert!(!s.outside.join("sneaky.txt").exists());
    let out = &server.model_requests()[1].tool_outputs()[0].1;
    assert!(out.contains("Read-only file system"), "{out}");
}

#[tokio::test]
async fn on_failure_asks_to_rerun_outside_the_sandbox() {
    let s = setup();
    let script = format!("echo x > {}/retried.txt", s.outside.display());
    let server = MockServer::start(vec![Step::stream(vec![shell("c1", &script)]), done()]).unwrap();
    let mut codex = spawn(&server, &s, "on-failure");
    let mut reason = None;
    let events = turn(&mut codex, &mut |msg| {
        if let EventMsg::ExecApprovalRequest(r) = msg {
            reason = r.reason.clone();
        }
        ReviewDecision::Approved
    })
    .await;
    assert_eq!(requests(&events), 1);
    assert!(reason.unwrap().contains("failed inside the sandbox"));
    assert!(s.outside.join("retried.txt").exists());
    let ends = events
        .iter()
        .filter(|e| matches!(e.msg, EventMsg::ExecCommandEnd(_)))
        .count();
    assert_eq!(ends, 2, "the sandboxed attempt and the approved rerun");
}

#[tokio::test]
async fn dangerous_commands_are_asked_about_even_with_a_sandbox() {
    let server = MockServer::start(vec![
        Step::stream(vec![shell("c1", "rm -rf build")]),
        done(),
    ])
    .unwrap();
    let s = setup();
    std::fs::create_dir(s.work.join("build")).unwrap();
    let mut codex = spawn(&server, &s, "on-request");
    let events = turn(&mut codex, &mut |_| ReviewDecision::Denied).await;
    assert_eq!(requests(&events), 1);
    assert!(s.work.join("build").exists());
}

#[tokio::test]
async fn patches_outside_the_roots_ask_and_session_grants_cover_the_folder() {
    let s = setup();
    let patch = |name: &str| {
        format!(
            "*** Begin Patch\n*** Add File: {}\n+hi\n*** End Patch",
            s.outside.join(name).display()
        )
    };
    let server = MockServer::start(vec![
        Step::stream(vec![Ev::FunctionCall {
            call_id: "p1".into(),
            name: "apply_patch".into(),
            arguments: json!({"input": patch("a.txt")}).to_string(),
            namespace: None,
        }]),
        Step::stream(vec![Ev::FunctionCall {
            call_id: "p2".into(),
            name: "apply_patch".into(),
            arguments: json!({"input": patch("b.txt")}).to_string(),
            namespace: None,
        }]),
        done(),
    ])
    .unwrap();
    let mut codex = spawn(&server, &s, "on-request");
    let mut grant = None;
    let events = turn(&mut codex, &mut |msg| {
        if let EventMsg::ApplyPatchApprovalRequest(r) = msg {
            grant = r.grant_root.clone();
            assert_eq!(r.changes.len(), 1);
        }
        ReviewDecision::ApprovedForSession
    })
    .await;
    assert_eq!(requests(&events), 1);
    assert_eq!(grant, Some(s.outside.clone()));
    assert!(s.outside.join("a.txt").exists() && s.outside.join("b.txt").exists());
}

#[tokio::test]
async fn patches_into_git_are_refused_under_never() {
    let s = setup();
    std::fs::create_dir_all(s.work.join(".git/hooks")).unwrap();
    let server = MockServer::start(vec![
        Step::stream(vec![Ev::FunctionCall {
            call_id: "p1".into(),
            name: "apply_patch".into(),
            arguments: json!({"input": "*** Begin Patch\n*** Add File: .git/hooks/pre-commit\n+evil\n*** End Patch"}).to_string(),
            namespace: None,
        }]),
        done(),
    ])
    .unwrap();
    let mut codex = spawn(&server, &s, "never");
    let events = turn(&mut codex, &mut |_| ReviewDecision::Approved).await;
    assert_eq!(requests(&events), 0);
    assert!(!s.work.join(".git/hooks/pre-commit").exists());
    let out = &server.model_requests()[1].tool_outputs()[0].1;
    assert!(out.starts_with("patch rejected"), "{out}");
}
