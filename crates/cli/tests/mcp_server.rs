#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `codex mcp-server` driven by real MCP clients: the official Python MCP SDK (in the venv the
//! test command makes, `.cache/mcp-venv`) running `tests/mcp/python_client.py`, and the MCP
//! Inspector's CLI mode from npm.

mod common;

use std::path::PathBuf;
use std::process::Command;

use codex_test_support::{Ev, MockServer, Step};
use common::*;
use serde_json::Value;

fn text(t: &str) -> Step {
    Step::stream(vec![Ev::Text(t.into())])
}

fn shell(id: &str, cmd: &str) -> Step {
    Step::stream(vec![Ev::ShellCall {
        call_id: id.into(),
        command: cmd.into(),
    }])
}

#[test]
fn the_python_sdk_runs_threads_answers_approvals_and_cancels() {
    let mock = MockServer::start(vec![
        text("hello from the mock"),
        shell("s1", "touch approved.txt"),
        text("made the file"),
        shell("a1", "touch a.txt"),
        text("B answered"),
        text("A answered"),
        shell("c1", "sleep 30"),
        text("after the interruption"),
    ])
    .unwrap();
    let s = Sandbox::new();
    let work = s.work.path().display().to_string();
    let mut cmd = Command::new(python());
    cmd.arg(workspace().join("tests/mcp/python_client.py"))
        .arg(env!("CARGO_BIN_EXE_codex"))
        .arg(&work)
        .args(mock_provider_args(&mock, "responses"))
        .args(["-c", "approval_policy=\"untrusted\""])
        .args(["-c", "sandbox_mode=\"workspace-write\""])
        .env("CODEX_HOME", s.home.path())
        .current_dir(&work);
    let out = run_within(&mut cmd, std::time::Duration::from_secs(120));
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        stdout(&out),
        stderr(&out)
    );
    let report: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(report["tools"], serde_json::json!(["codex", "codex-reply"]));
    assert_eq!(report["codex_required"], serde_json::json!(["prompt"]));
    assert_eq!(report["first"]["text"], "hello from the mock");
    let thread = report["first"]["thread"].as_str().unwrap();
    assert_eq!(
        report["first"]["structured"],
        serde_json::json!({"threadId": thread, "content": "hello from the mock"})
    );
    // The reply continued the thread: its approval was asked and accepted, the file made.
    assert_eq!(report["second"], "made the file");
    assert!(s.work.path().join("approved.txt").exists());
    let asked: Vec<&str> = report["asked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(
        asked[0].starts_with("Allow Codex to run `bash -lc 'touch approved.txt'` in `"),
        "{asked:?}"
    );
    // A waited for its approval until B had finished: both ran at once.
    assert_eq!(report["A"], "A answered");
    assert_eq!(report["B"], "B answered");
    assert!(s.work.path().join("a.txt").exists());
    // The cancelled call interrupted its turn, and the thread took another prompt.
    assert_eq!(report["c_cancelled"], true);
    assert_eq!(report["after_cancel"], "after the interruption");
    assert_eq!(report["unknown_thread"], true);
    let events: Vec<&str> = report["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e.as_str())
        .collect();
    for kind in [
        "session_configured",
        "task_started",
        "agent_message",
        "exec_approval_request",
        "exec_command_begin",
        "exec_command_end",
        "task_complete",
        "turn_aborted",
    ] {
        assert!(events.contains(&kind), "no {kind} event in {events:?}");
    }
    // The model's request for the reply carried the first turn: one conversation.
    let requests = mock.model_requests();
    let second = requests[1].body["input"].to_string();
    assert!(second.contains("hello from the mock"), "{second}");
}

#[test]
fn the_mcp_inspector_lists_the_tools() {
    let bin = std::env::var_os("CODEX_MCP_SERVERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("tests/mcp/node_modules/.bin"));
    let inspector = bin.join("mcp-inspector");
    assert!(
        inspector.exists(),
        "{} is missing: run `npm ci` in tests/mcp (scripts/test does)",
        inspector.display()
    );
    let s = Sandbox::new();
    let out = run_within(
        Command::new(inspector)
            .args(["--cli", env!("CARGO_BIN_EXE_codex"), "mcp-server"])
            .args(["--method", "tools/list"])
            .env("CODEX_HOME", s.home.path())
            .current_dir(s.work.path()),
        std::time::Duration::from_secs(60),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let listed: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let names: Vec<&str> = listed["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["codex", "codex-reply"]);
}
