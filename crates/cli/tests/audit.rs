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

fn kinds_of(records: &[Value]) -> Vec<String> {
    records
        .iter()
        .map(|r| r["kind"].as_str().unwrap_or("").to_string())
        .collect()
}

/// MCP tool calls, refusals and requests to leave the sandbox are recorded too, and sessions
/// sharing the log keep one chain.
#[test]
fn mcp_calls_denials_and_escalations_are_recorded() {
    let sb = Sandbox::new();
    let server_script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/mcp/misbehave.py")
        .canonicalize()
        .unwrap();
    sb.write_config(&format!(
        "[mcp_servers.good]\ncommand = \"python3\"\nargs = [\"{}\", \"ok\"]\n",
        server_script.display()
    ));
    let log = sb.home.path().join("audit.jsonl");

    // 1. An MCP tool call (exec's default policy, never, runs it).
    let mock = MockServer::start(vec![
        Step::stream(vec![Ev::FunctionCall {
            call_id: "m1".into(),
            name: "ping".into(),
            arguments: "{}".into(),
            namespace: Some("mcp__good".into()),
        }]),
        Step::stream(vec![Ev::Text("done".into())]),
    ])
    .unwrap();
    let out = run(sb.exec(&mock, "responses").args(["--json", "ping it"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let all = records(&log);
    let call = all
        .iter()
        .find(|r| r["kind"] == "mcp_tool_call")
        .unwrap_or_else(|| panic!("no mcp_tool_call in {:?}", kinds_of(&all)));
    assert_eq!(call["server"], "good");
    assert_eq!(call["tool"], "ping");
    assert_eq!(call["success"], true);
    assert_eq!(call["approved_by"], "policy");

    // 2. With a live broker account the guard sets approval to untrusted: a command that
    // changes things needs a person; exec has none, so it is refused, and that is recorded.
    std::fs::create_dir_all(sb.home.path().join(".jgt")).unwrap();
    std::fs::write(
        sb.home.path().join(".jgt/config.json"),
        r#"{"user_id": "U-1", "password": "Live-Pw-123", "connection": "Real"}"#,
    )
    .unwrap();
    let mock = MockServer::start(vec![
        Step::stream(vec![Ev::FunctionCall {
            call_id: "c1".into(),
            name: "shell".into(),
            arguments: json!({"command": ["touch", "made.txt"]}).to_string(),
            namespace: None,
        }]),
        Step::stream(vec![Ev::Text("done".into())]),
    ])
    .unwrap();
    let out = run(sb
        .exec(&mock, "responses")
        .args(["-s", "workspace-write", "--json", "make it"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!sb.work.path().join("made.txt").exists());
    let all = records(&log);
    let denial = all
        .iter()
        .find(|r| r["kind"] == "denial")
        .unwrap_or_else(|| panic!("no denial in {:?}", kinds_of(&all)));
    assert_eq!(denial["what"], "command", "{denial}");
    assert!(denial.to_string().contains("made.txt"), "{denial}");
    assert!(
        !all.iter()
            .any(|r| r["kind"] == "command" && r.to_string().contains("made.txt")),
        "a refused command must not be recorded as run"
    );

    // 3. A request to run outside the sandbox is recorded as an escalation.
    let mock = MockServer::start(vec![
        Step::stream(vec![Ev::FunctionCall {
            call_id: "e1".into(),
            name: "shell".into(),
            arguments: json!({
                "command": ["touch", "outside.txt"],
                "with_escalated_permissions": true,
                "justification": "needs the network"
            })
            .to_string(),
            namespace: None,
        }]),
        Step::stream(vec![Ev::Text("done".into())]),
    ])
    .unwrap();
    let out =
        run(sb
            .exec(&mock, "responses")
            .args(["-s", "workspace-write", "--json", "escalate"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let all = records(&log);
    let escalation = all
        .iter()
        .find(|r| r["kind"] == "escalation")
        .unwrap_or_else(|| panic!("no escalation in {:?}", kinds_of(&all)));
    assert_eq!(escalation["reason"], "requested", "{escalation}");
    assert!(
        escalation.to_string().contains("needs the network"),
        "{escalation}"
    );

    // Three sessions, one chain.
    let sessions: std::collections::BTreeSet<String> = all
        .iter()
        .map(|r| r["session"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(sessions.len(), 3, "{:?}", kinds_of(&all));
    let verify = run(sb.codex().args(["audit", "verify"]));
    assert_eq!(verify.status.code(), Some(0), "{}", stderr(&verify));
    assert!(
        stdout(&verify).contains("from 3 sessions"),
        "{}",
        stdout(&verify)
    );
}
