#![allow(clippy::unwrap_used, clippy::expect_used)]
// The peer is the Codex CLI's Linux binary, as `scripts/test` installs it.
#![cfg(target_os = "linux")]
//! `codex exec --json` side by side with the Codex CLI from npm (`CODEX_PEER_BIN`, installed by
//! `scripts/test`): the same scripted model answers both, and the events must agree field for
//! field and in the same order — `@openai/codex-sdk` users compare them with strict equality.
//!
//! What legitimately differs is normalised away: thread ids, the command line of a shell call
//! (the peer runs `/bin/bash -lc` through its `exec_command` tool, we `bash -lc` through
//! `shell`), and notices each agent adds about its own setup (the peer's "model metadata not
//! found", our sandbox notes).

mod common;

use std::path::PathBuf;
use std::process::Command;

use codex_test_support::{Ev, MockServer, Reply, Step};
use common::*;
use serde_json::Value;

fn peer_bin() -> PathBuf {
    let path = match std::env::var_os("CODEX_PEER_BIN") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/bench/openai-codex-0.169.0/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex"),
    };
    assert!(
        path.is_file(),
        "the Codex CLI binary is not at {}: run scripts/test (it installs @openai/codex into \
         .cache/bench) or set CODEX_PEER_BIN",
        path.display()
    );
    path
}

/// Runs one agent on `steps`; returns its stdout lines as they were printed.
fn run_agent(binary: &PathBuf, steps: Vec<Step>, extra: &[&str]) -> (Vec<String>, i32) {
    run_agent_as(binary, steps, extra, "mock-model", &[], "")
}

/// [`run_agent`] with a chosen model name and extra environment variables.
fn run_agent_as(
    binary: &PathBuf,
    steps: Vec<Step>,
    extra: &[&str],
    model: &str,
    envs: &[(&str, &str)],
    config_extra: &str,
) -> (Vec<String>, i32) {
    let server = MockServer::start(steps).unwrap();
    let sb = Sandbox::new();
    sb.write_config(&format!(
        "model = \"{model}\"\nmodel_provider = \"mock\"\n\
         [model_providers.mock]\nname = \"mock\"\nbase_url = \"{}\"\nwire_api = \"responses\"\n\
         env_key = \"MOCK_API_KEY\"\nstream_max_retries = 1\nrequest_max_retries = 0\n\
         {config_extra}",
        server.url()
    ));
    let mut cmd = Command::new(binary);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", sb.home.path())
        .env("CODEX_HOME", sb.home.path())
        .env("MOCK_API_KEY", "dummy")
        .envs(envs.iter().copied())
        .current_dir(sb.work.path())
        .args(["exec", "--json", "--skip-git-repo-check"])
        .args(["--dangerously-bypass-approvals-and-sandbox"])
        .args(extra)
        .arg("do the thing");
    let out = run(&mut cmd);
    let lines = stdout(&out).lines().map(String::from).collect();
    (lines, out.status.code().unwrap_or(-1))
}

/// Events with the differences that do not matter taken out. The lines stay as printed (key
/// order included); values are replaced in the text.
fn normalise(lines: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    for line in lines {
        let v: Value = serde_json::from_str(line).unwrap();
        let is_setup_notice = v["type"] == "item.completed"
            && v["item"]["type"] == "error"
            && out.iter().all(|l| !l.starts_with(r#"{"type":"item"#));
        if is_setup_notice {
            continue;
        }
        let mut text = line.clone();
        let mut swap = |from: &str, to: &str| {
            let (from, to) = (
                serde_json::to_string(from).unwrap(),
                serde_json::to_string(to).unwrap(),
            );
            text = text.replace(&from, &to);
        };
        if let Some(id) = v["thread_id"].as_str() {
            swap(id, "THREAD");
        }
        if let Some(id) = v["item"]["id"].as_str() {
            let n = match ids.iter().position(|x| x == id) {
                Some(n) => n,
                None => {
                    ids.push(id.to_string());
                    ids.len() - 1
                }
            };
            swap(id, &format!("ID{n}"));
        }
        if let Some(cmd) = v["item"]["command"].as_str() {
            swap(cmd, cmd.trim_start_matches("/bin/"));
        }
        // Only the part of a message clients match on: the wording up to the cause.
        for m in [v["message"].as_str(), v["error"]["message"].as_str()]
            .into_iter()
            .flatten()
        {
            if let Some((head, _)) = m.split_once(':') {
                swap(m, head);
            }
        }
        out.push(text);
    }
    out
}

fn usage(input: u64, cached: u64, output: u64, reasoning: u64) -> Ev {
    Ev::Usage {
        input,
        cached,
        output,
        reasoning,
    }
}

fn compare(name: &str, steps: Vec<Step>, extra: &[&str]) {
    let (peer, peer_code) = run_agent(&peer_bin(), steps.clone(), extra);
    let (ours, our_code) = run_agent(&PathBuf::from(env!("CARGO_BIN_EXE_codex")), steps, extra);
    let (peer_n, ours_n) = (normalise(&peer), normalise(&ours));
    assert!(
        peer_n.len() >= 3,
        "{name}: the peer printed too little to compare: {peer:?}"
    );
    eprintln!("{name}:\n{}", ours_n.join("\n"));
    assert_eq!(
        peer_n,
        ours_n,
        "{name}: events differ\n--- peer ---\n{}\n--- ours ---\n{}",
        peer.join("\n"),
        ours.join("\n")
    );
    assert_eq!(peer_code, our_code, "{name}: exit codes differ");
}

#[test]
fn a_plain_answer() {
    compare(
        "plain",
        vec![Step::stream(vec![
            Ev::Text("Hello there".into()),
            usage(100, 40, 10, 5),
        ])],
        &[],
    );
}

#[test]
fn a_shell_round() {
    compare(
        "shell",
        vec![
            Step::stream(vec![
                Ev::ShellCall {
                    call_id: "c1".into(),
                    command: "echo hi; exit 3".into(),
                },
                usage(10, 0, 1, 0),
            ]),
            Step::stream(vec![Ev::Text("it failed".into()), usage(20, 5, 2, 1)]),
        ],
        &[],
    );
}

#[test]
fn reasoning_then_an_answer() {
    compare(
        "reasoning",
        vec![Step::stream(vec![
            Ev::Reasoning("Thinking it through".into()),
            Ev::Text("Answer".into()),
            usage(7, 0, 3, 2),
        ])],
        &[],
    );
}

#[test]
fn a_stream_that_keeps_breaking() {
    let broken = || {
        Step::reply(Reply::Disconnect {
            events: vec![Ev::Reasoning("partial".into())],
            after: 0,
        })
    };
    compare("disconnect", vec![broken(), broken(), broken()], &[]);
}

/// A message the model finished before its stream broke is shown at once, and stays shown when
/// the response is requested again.
#[test]
fn a_message_finished_before_the_stream_broke() {
    compare(
        "finished then broken",
        vec![
            Step::reply(Reply::Disconnect {
                events: vec![Ev::Text("first words".into())],
                after: 1,
            }),
            Step::stream(vec![Ev::Text("recovered".into()), usage(9, 0, 2, 0)]),
        ],
        &[],
    );
}

/// Codex-family models get `shell_command`, whose script runs in the account's login shell from
/// the password database, whatever `$SHELL` says; the command line shown must be the same.
#[test]
fn a_script_runs_in_the_login_shell() {
    let steps = vec![
        Step::stream(vec![
            Ev::ShellCall {
                call_id: "c1".into(),
                command: "echo hi".into(),
            },
            usage(10, 0, 1, 0),
        ]),
        Step::stream(vec![Ev::Text("done".into()), usage(20, 5, 2, 1)]),
    ];
    let env = [("SHELL", "/bin/sh")];
    let model = "gpt-5.1-codex-max";
    let commands = |lines: &[String]| -> Vec<String> {
        lines
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["item"]["type"] == "command_execution")
            .map(|v| {
                v["item"]["command"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    };
    let (peer, _) = run_agent_as(&peer_bin(), steps.clone(), &[], model, &env, "");
    let ours_bin = PathBuf::from(env!("CARGO_BIN_EXE_codex"));
    let (ours, code) = run_agent_as(&ours_bin, steps, &[], model, &env, "");
    assert_eq!(code, 0, "{ours:?}");
    let (peer_commands, our_commands) = (commands(&peer), commands(&ours));
    assert_eq!(our_commands.len(), 2, "{ours:?}");
    assert!(
        our_commands[0].ends_with(" -lc 'echo hi'"),
        "{our_commands:?}"
    );
    assert_eq!(peer_commands, our_commands);
}

#[test]
fn mcp_tool_calls() {
    let bin = std::env::var_os("CODEX_MCP_SERVERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/mcp/node_modules/.bin")
        });
    let everything = bin.join("mcp-server-everything");
    assert!(everything.exists(), "run `npm ci` in tests/mcp");
    let config = format!(
        "[mcp_servers.everything]\ncommand = \"{}\"\n",
        everything.display()
    );
    let call = |id: &str, name: &str, arguments: &str| Ev::FunctionCall {
        call_id: id.into(),
        name: name.into(),
        arguments: arguments.into(),
        namespace: Some("mcp__everything".into()),
    };
    // Neither agent holds the first request for its servers: the first round asks the
    // server for its templates (which waits for it), so the tools are there for the second.
    let steps = vec![
        Step::stream(vec![
            Ev::FunctionCall {
                call_id: "c0".into(),
                name: "list_mcp_resource_templates".into(),
                arguments: r#"{"server":"everything"}"#.into(),
                namespace: None,
            },
            usage(10, 0, 1, 0),
        ]),
        Step::stream(vec![
            call("c1", "echo", r#"{"message":"ping"}"#),
            call("c2", "get_sum", r#"{"a":"x"}"#),
            call("c3", "get_structured_content", r#"{"location":"Chicago"}"#),
            call("c4", "get_tiny_image", ""),
            call("c5", "no_such_tool", "{}"),
            usage(10, 0, 1, 0),
        ]),
        Step::stream(vec![Ev::Text("done".into()), usage(20, 5, 2, 1)]),
    ];
    let model = "mock-model";
    let (peer, peer_code) = run_agent_as(&peer_bin(), steps.clone(), &[], model, &[], &config);
    let ours_bin = PathBuf::from(env!("CARGO_BIN_EXE_codex"));
    let (ours, our_code) = run_agent_as(&ours_bin, steps, &[], model, &[], &config);
    // The peer runs a response's MCP calls side by side, so its events interleave as the
    // calls happen to finish; the events themselves must agree, text for text.
    let (mut peer_n, mut ours_n) = (normalise(&peer), normalise(&ours));
    peer_n.sort();
    ours_n.sort();
    assert_eq!(
        peer_n,
        ours_n,
        "events differ\n--- peer ---\n{}\n--- ours ---\n{}",
        peer.join("\n"),
        ours.join("\n")
    );
    assert_eq!(peer_code, our_code);
}

/// Runs `args` (a review) with one agent in a git repository with uncommitted changes; returns
/// stdout and the exit code.
fn run_review(binary: &PathBuf, steps: Vec<Step>, args: &[&str]) -> (String, i32) {
    let server = MockServer::start(steps).unwrap();
    let sb = Sandbox::new();
    sb.write_config(&format!(
        "model = \"mock-model\"\nmodel_provider = \"mock\"\n\
         [model_providers.mock]\nname = \"mock\"\nbase_url = \"{}\"\nwire_api = \"responses\"\n\
         env_key = \"MOCK_API_KEY\"\nstream_max_retries = 0\nrequest_max_retries = 0\n",
        server.url()
    ));
    let work = sb.work.path();
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args(["-c", "user.name=T", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(work)
            .status()
            .unwrap();
        assert!(status.success());
    };
    git(&["init", "-q"]);
    std::fs::write(work.join("a.py"), "x = 1\n").unwrap();
    git(&["add", "."]);
    git(&["commit", "-qm", "one"]);
    std::fs::write(work.join("a.py"), "x = 2\n").unwrap();
    let mut cmd = Command::new(binary);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", sb.home.path())
        .env("CODEX_HOME", sb.home.path())
        .env("MOCK_API_KEY", "dummy")
        .current_dir(work)
        .args(args);
    let out = run(&mut cmd);
    assert_eq!(server.model_requests().len(), 1, "{}", stderr(&out));
    (stdout(&out), out.status.code().unwrap_or(-1))
}

#[test]
fn a_review_is_rendered_as_the_peer_renders_it() {
    let answers = [
        // Two findings, one with a body of two lines.
        serde_json::json!({"findings": [
            {"title": "[P1] Wrong value", "body": "x must stay 1.", "confidence_score": 0.8,
             "priority": 1, "code_location": {"absolute_file_path": "/repo/a.py",
             "line_range": {"start": 1, "end": 1}}},
            {"title": "[P3] Naming", "body": "x says nothing.\nCall it limit.",
             "confidence_score": 0.3, "priority": 3, "code_location": {
             "absolute_file_path": "/repo/a.py", "line_range": {"start": 1, "end": 2}}}],
            "overall_correctness": "patch is incorrect", "overall_explanation": "One bug.",
            "overall_confidence_score": 0.7})
        .to_string(),
        // No findings.
        serde_json::json!({"findings": [], "overall_correctness": "patch is correct",
            "overall_explanation": "Fine.", "overall_confidence_score": 0.9})
        .to_string(),
        // Not JSON.
        "I could not produce JSON, but it looks fine.".to_string(),
    ];
    for answer in answers {
        let steps = vec![Step::stream(vec![Ev::Text(answer.clone())])];
        for args in [
            &["review", "--uncommitted"][..],
            &["exec", "--json", "review", "--uncommitted"][..],
        ] {
            let (peer, peer_code) = run_review(&peer_bin(), steps.clone(), args);
            let (ours, our_code) = run_review(
                &PathBuf::from(env!("CARGO_BIN_EXE_codex")),
                steps.clone(),
                args,
            );
            assert_eq!(peer_code, our_code, "{args:?} {answer}");
            if args[0] == "review" {
                assert_eq!(peer, ours, "{args:?} {answer}");
            } else {
                let peer: Vec<String> = peer.lines().map(String::from).collect();
                let ours: Vec<String> = ours.lines().map(String::from).collect();
                assert_eq!(normalise(&peer), normalise(&ours), "{args:?} {answer}");
            }
        }
    }
}
