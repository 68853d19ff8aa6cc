#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The audit log end to end: a `codex exec` turn that runs a command and applies a patch leaves
//! a verifiable chain of records, and `codex audit verify` finds an edited byte.

mod common;

use codex_test_support::{Ev, MockServer, Step};
use common::*;
use serde_json::{Value, json};

const BEFORE: &str = "first version\n";
const PATCH: &str = "*** Begin Patch\n*** Update File: note.txt\n@@\n-first version\n+second version\n*** Add File: new.txt\n+brand new\n*** End Patch";

fn script() -> Vec<Step> {
    vec![
        Step::stream(vec![Ev::FunctionCall {
            call_id: "c1".into(),
            name: "shell".into(),
            arguments: json!({"command": ["echo", "audited"]}).to_string(),
            namespace: None,
        }]),
        Step::stream(vec![Ev::FunctionCall {
            call_id: "p1".into(),
            name: "apply_patch".into(),
            arguments: json!({ "input": PATCH }).to_string(),
            namespace: None,
        }]),
        Step::stream(vec![Ev::Text("done".into())]),
    ]
}

fn sha256_of(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    std::fs::write(&path, text).unwrap();
    codex_audit::file_sha256(&path).unwrap().unwrap()
}

fn records(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn an_exec_turn_is_audited_and_verifies() {
    let server = MockServer::start(script()).unwrap();
    let sb = Sandbox::new();
    let note = sb.work.path().join("note.txt");
    std::fs::write(&note, BEFORE).unwrap();
    let out = run(sb.exec(&server, "responses").args([
        "-s",
        "workspace-write",
        "-c",
        "hide_agent_reasoning=true",
        "--json",
        "do it",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&note).unwrap(), "second version\n");

    let log = sb.home.path().join("audit.jsonl");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&log).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let records = records(&log);
    let kinds: Vec<&str> = records
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds[..3],
        ["session_start", "command", "patch"],
        "{kinds:?}"
    );
    let session = records[0]["session"].as_str().unwrap();
    assert!(records.iter().all(|r| r["session"] == session));
    assert!(records.iter().all(|r| r["chain"] == "sha256"));
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r["seq"], json!(i + 1));
    }

    let start = &records[0];
    assert_eq!(start["model"], "mock-model");
    assert_eq!(start["provider"], "mock");
    assert_eq!(start["approval_policy"], "never");
    assert_eq!(start["sandbox_mode"], "workspace-write");
    assert!(
        start["cli_overrides"]
            .as_array()
            .unwrap()
            .contains(&json!("hide_agent_reasoning=true")),
        "{start}"
    );

    let command = &records[1];
    assert_eq!(command["argv"], json!(["echo", "audited"]));
    assert_eq!(command["approved_by"], "policy");
    assert_eq!(command["exit_code"], 0);
    assert!(command["duration_ms"].is_u64());

    let patch = &records[2];
    assert_eq!(patch["success"], true);
    assert_eq!(patch["approved_by"], "policy");
    let files = patch["files"].as_array().unwrap();
    let file = |name: &str| {
        files
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("{name} not in {files:?}"))
    };
    assert_eq!(file("note.txt")["before"], sha256_of(BEFORE));
    assert_eq!(
        file("note.txt")["after"],
        codex_audit::file_sha256(&note).unwrap().unwrap()
    );
    assert_eq!(file("new.txt")["before"], Value::Null);
    assert_eq!(file("new.txt")["after"], sha256_of("brand new\n"));

    let verify = run(sb.codex().args(["audit", "verify"]));
    assert_eq!(verify.status.code(), Some(0), "{}", stderr(&verify));
    assert!(
        stdout(&verify).contains(&format!("OK, {} records from 1 sessions", records.len())),
        "{}",
        stdout(&verify)
    );

    let show = run(sb.codex().args(["audit", "show"]));
    assert_eq!(show.status.code(), Some(0));
    let shown = stdout(&show);
    assert!(shown.contains("$ echo audited  exit 0"), "{shown}");
    assert!(shown.contains(&session[..8]), "{shown}");

    // One byte changed in the second line: verify names that line and fails.
    let mut bytes = std::fs::read(&log).unwrap();
    let second = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    let at = second
        + bytes[second..]
            .windows(7)
            .position(|w| w == b"audited")
            .unwrap();
    bytes[at] = b'A';
    std::fs::write(&log, &bytes).unwrap();
    let verify = run(sb.codex().args(["audit", "verify", log.to_str().unwrap()]));
    assert_eq!(verify.status.code(), Some(1));
    assert!(
        stderr(&verify).contains("line 2: line edited"),
        "{}",
        stderr(&verify)
    );
    server.assert_clean();
}

#[test]
fn a_keyed_log_needs_the_key_to_verify() {
    let server = MockServer::start(vec![Step::stream(vec![Ev::Text("hi".into())])]).unwrap();
    let sb = Sandbox::new();
    let out = run(sb
        .exec(&server, "responses")
        .env("CODEX_AUDIT_KEY", "k3y")
        .arg("hello"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let verify = run(sb.codex().args(["audit", "verify"]));
    assert_eq!(verify.status.code(), Some(1));
    assert!(stderr(&verify).contains("line 1: chained with HMAC-SHA256"));
    let verify = run(sb
        .codex()
        .env("CODEX_AUDIT_KEY", "k3y")
        .args(["audit", "verify"]));
    assert_eq!(verify.status.code(), Some(0), "{}", stderr(&verify));
    assert!(stdout(&verify).contains("keyed with CODEX_AUDIT_KEY"));
}
