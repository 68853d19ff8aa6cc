#![allow(clippy::unwrap_used, clippy::expect_used)]
//! A second opinion end to end: the main model on the Responses wire, the reviewer on another
//! mock server on the Anthropic or Chat Completions wire; the verdict reaches the human output,
//! `--json`, the rollout and the audit log, and a failing reviewer never fails the turn.

mod common;

use std::path::Path;

use codex_test_support::{Ev, MockServer, Reply, Step};
use common::*;
use serde_json::{Value, json};

const PATCH: &str = "*** Begin Patch\n*** Add File: new.txt\n+brand new\n*** End Patch";

fn main_script() -> Vec<Step> {
    vec![
        Step::stream(vec![Ev::FunctionCall {
            call_id: "c1".into(),
            name: "shell".into(),
            arguments: json!({"command": ["echo", "reviewed"]}).to_string(),
            namespace: None,
        }]),
        Step::stream(vec![Ev::FunctionCall {
            call_id: "p1".into(),
            name: "apply_patch".into(),
            arguments: json!({ "input": PATCH }).to_string(),
            namespace: None,
        }]),
        Step::stream(vec![Ev::Text("all done".into())]),
    ]
}

fn reviewer_config(sb: &Sandbox, reviewer: &MockServer, wire: &str, in_file: bool) {
    let enable = if in_file {
        "[second_opinion]\nprofile = \"reviewer\"\n"
    } else {
        ""
    };
    sb.write_config(&format!(
        "{enable}[profiles.reviewer]\nmodel = \"review-model\"\nmodel_provider = \"rev\"\n\
         [model_providers.rev]\nname = \"Reviewer\"\nbase_url = \"{}\"\nwire_api = \"{wire}\"\n\
         request_max_retries = 0\nstream_max_retries = 0\n",
        reviewer.url()
    ));
}

fn exec(sb: &Sandbox, main: &MockServer) -> std::process::Command {
    let mut cmd = sb.exec(main, "responses");
    cmd.args(["-s", "workspace-write", "-c", "hide_agent_reasoning=true"]);
    cmd
}

fn second_opinion_items(lines: &[Value]) -> Vec<Value> {
    lines
        .iter()
        .filter(|l| l["type"] == "item.completed" && l["item"]["type"] == "second_opinion")
        .map(|l| l["item"].clone())
        .collect()
}

fn rollout_lines(home: &Path) -> Vec<Value> {
    let mut files = Vec::new();
    rollout_files(&home.join("sessions"), &mut files);
    assert_eq!(files.len(), 1, "{files:?}");
    std::fs::read_to_string(&files[0])
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn an_agreeing_reviewer_on_the_anthropic_wire_reaches_json_output() {
    let main = MockServer::start(main_script()).unwrap();
    let reviewer = MockServer::start(vec![Step::stream(vec![Ev::Text(
        r#"{"verdict":"agree","concerns":[]}"#.into(),
    )])])
    .unwrap();
    let sb = Sandbox::new();
    reviewer_config(&sb, &reviewer, "anthropic", false);
    let out = run(exec(&sb, &main).args(["--second-opinion", "reviewer", "--json", "add a file"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines = json_lines(&out);
    let items = second_opinion_items(&lines);
    assert_eq!(items.len(), 1, "{lines:?}");
    assert_eq!(items[0]["verdict"], "agree");
    assert_eq!(items[0]["model"], "review-model");
    assert_eq!(items[0]["concerns"], json!([]));
    assert_eq!(items[0]["error"], Value::Null);
    // Before the turn ends.
    assert_eq!(lines.last().unwrap()["type"], "turn.completed");

    // The reviewer was shown the task, the answer, the command with its exit code and the diff.
    let requests = reviewer.model_requests();
    assert_eq!(requests.len(), 1);
    assert!(
        requests[0].path.ends_with("/messages"),
        "{}",
        requests[0].path
    );
    assert_eq!(requests[0].body["model"], "review-model");
    assert!(
        requests[0]
            .body
            .get("tools")
            .is_none_or(|t| t == &json!([]))
    );
    let shown = requests[0].body.to_string();
    for needle in [
        "add a file",
        "all done",
        "echo reviewed",
        "exit code 0",
        "+brand new",
    ] {
        assert!(shown.contains(needle), "{needle} missing from {shown}");
    }
    main.assert_clean();
}

#[test]
fn without_the_feature_json_output_has_no_second_opinion() {
    let main = MockServer::start(main_script()).unwrap();
    let reviewer = MockServer::start(vec![]).unwrap();
    let sb = Sandbox::new();
    reviewer_config(&sb, &reviewer, "anthropic", false);
    let out = run(exec(&sb, &main).args(["--json", "add a file"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines = json_lines(&out);
    assert!(second_opinion_items(&lines).is_empty(), "{lines:?}");
    assert!(!stdout(&out).contains("second_opinion"));
    assert!(reviewer.model_requests().is_empty());
    assert!(audit_records(sb.home.path(), "second_opinion").is_empty());
}

#[test]
fn concerns_with_file_and_line_reach_human_output_rollout_and_audit() {
    let main = MockServer::start(main_script()).unwrap();
    let verdict = "Review:\n```json\n{\"verdict\":\"concerns\",\"concerns\":[{\"text\":\"no trailing test\",\"file\":\"new.txt\",\"line\":1}]}\n```";
    let reviewer = MockServer::start(vec![Step::stream(vec![Ev::Text(verdict.into())])]).unwrap();
    let sb = Sandbox::new();
    reviewer_config(&sb, &reviewer, "chat", true);
    let out = run(exec(&sb, &main).arg("add a file"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("second opinion (review-model)"), "{err}");
    assert!(err.contains("concerns"), "{err}");
    assert!(err.contains("new.txt:1: no trailing test"), "{err}");
    assert!(
        reviewer.model_requests()[0]
            .path
            .ends_with("/chat/completions")
    );

    let rollout = rollout_lines(sb.home.path());
    let recorded: Vec<&Value> = rollout
        .iter()
        .filter(|l| l["type"] == "event_msg" && l["payload"]["type"] == "second_opinion")
        .collect();
    assert_eq!(recorded.len(), 1, "{rollout:?}");
    assert_eq!(recorded[0]["payload"]["verdict"], "concerns");
    assert_eq!(recorded[0]["payload"]["concerns"][0]["file"], "new.txt");
    assert_eq!(recorded[0]["payload"]["concerns"][0]["line"], 1);

    let audit = audit_records(sb.home.path(), "second_opinion");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["model"], "review-model");
    assert_eq!(audit[0]["verdict"], "concerns");
    assert_eq!(audit[0]["concerns"][0]["text"], "no trailing test");
    assert_eq!(audit[0]["concerns"][0]["line"], 1);
    let show = run(sb.codex().args(["audit", "show"]));
    assert!(
        stdout(&show).contains("review-model  concerns  1 concern(s)"),
        "{}",
        stdout(&show)
    );
}

#[test]
fn a_failing_reviewer_is_reported_and_the_turn_succeeds() {
    let main = MockServer::start(main_script()).unwrap();
    let reviewer = MockServer::start(vec![Step::reply(Reply::Status {
        code: 500,
        retry_after: None,
        body: "reviewer down".into(),
    })])
    .unwrap();
    let sb = Sandbox::new();
    reviewer_config(&sb, &reviewer, "anthropic", true);
    let out = run(exec(&sb, &main).args(["--json", "add a file"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines = json_lines(&out);
    let items = second_opinion_items(&lines);
    assert_eq!(items.len(), 1, "{lines:?}");
    assert_eq!(items[0]["verdict"], Value::Null);
    assert!(
        items[0]["error"].as_str().unwrap().contains("500"),
        "{items:?}"
    );
    assert_eq!(lines.last().unwrap()["type"], "turn.completed");
    assert_eq!(
        audit_records(sb.home.path(), "second_opinion")[0]["error"]
            .as_str()
            .map(|e| e.contains("500")),
        Some(true)
    );

    // An answer that is not the JSON asked for becomes the concern, as text.
    let main = MockServer::start(main_script()).unwrap();
    let reviewer = MockServer::start(vec![Step::stream(vec![Ev::Text(
        "garbage, not JSON".into(),
    )])])
    .unwrap();
    let sb = Sandbox::new();
    reviewer_config(&sb, &reviewer, "anthropic", true);
    let out = run(exec(&sb, &main).arg("add a file"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("  - garbage, not JSON"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_undefined_reviewer_profile_is_a_config_error() {
    let main = MockServer::start(vec![]).unwrap();
    let sb = Sandbox::new();
    let out = run(exec(&sb, &main).args(["--second-opinion", "nobody", "hi"]));
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("profile `nobody` is not defined"),
        "{}",
        stderr(&out)
    );
}
