#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Sessions end to end: rollouts, resume, kill -9 at awkward moments, listing, AGENTS.md,
//! compaction with a small window, cost, notify, and history.jsonl.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use codex_test_support::{Ev, MockServer, Reply, Step};
use common::thread_events::validate_thread_events;
use common::*;
use serde_json::Value;

fn rollouts(home: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![home.join("sessions")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn thread_id(out: &std::process::Output) -> String {
    json_lines(out)[0]["thread_id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn input_text(req: &codex_test_support::RecordedRequest) -> String {
    req.body["input"].to_string() + &req.body["messages"].to_string()
}

#[test]
fn a_session_is_recorded_and_resumes_with_its_history() {
    let server = MockServer::start(vec![
        Step::stream(vec![Ev::Text("first answer".into())]),
        Step::stream(vec![Ev::Text("second answer".into())]).when(|r| {
            let t = r.body["input"].to_string();
            t.contains("first question")
                && t.contains("first answer")
                && t.contains("second question")
        }),
        Step::stream(vec![Ev::Text("third answer".into())]).when(|r| {
            let t = r.body["input"].to_string();
            t.contains("second answer") && t.contains("third question")
        }),
    ])
    .unwrap();
    let sb = Sandbox::new();
    let out = run(sb
        .exec(&server, "responses")
        .args(["--json", "first question"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let id = thread_id(&out);
    assert!(stderr(&out).contains(&format!("codex exec resume {id}")));
    let files = rollouts(sb.home.path());
    assert_eq!(files.len(), 1);
    let name = files[0].file_name().unwrap().to_string_lossy().to_string();
    assert!(
        name.starts_with("rollout-") && name.ends_with(&format!("-{id}.jsonl")),
        "{name}"
    );
    let text = std::fs::read_to_string(&files[0]).unwrap();
    let first: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["type"], "session_meta");
    assert_eq!(first["payload"]["id"], id.as_str());
    assert!(first["timestamp"].as_str().unwrap().ends_with('Z'));

    let out = run(sb
        .exec(&server, "responses")
        .args(["--json", "resume", &id, "second question"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(thread_id(&out), id, "the thread keeps its id");
    validate_thread_events(&json_lines(&out)).unwrap();

    let out = run(sb
        .exec(&server, "responses")
        .args(["resume", "--last", "third question"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "third answer\n");
    server.assert_clean();
    assert_eq!(
        rollouts(sb.home.path()).len(),
        1,
        "resumes append to the same file"
    );

    let out = run(sb.codex().args(["sessions", "list"]));
    assert!(
        stdout(&out).contains(&id) && stdout(&out).contains("first question"),
        "{}",
        stdout(&out)
    );
    let out = run(sb.codex().args(["sessions", "list", "--all", "--json"]));
    let list: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(list[0]["id"], id.as_str());

    let history = std::fs::read_to_string(sb.home.path().join("history.jsonl")).unwrap();
    assert_eq!(history.lines().count(), 3);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(sb.home.path().join("history.jsonl"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn unknown_session_and_torn_last_line() {
    let server = MockServer::start(vec![
        Step::stream(vec![Ev::Text("one".into())]),
        Step::stream(vec![Ev::Text("two".into())]),
    ])
    .unwrap();
    let sb = Sandbox::new();
    let out = run(sb.exec(&server, "responses").args([
        "resume",
        "00000000-0000-0000-0000-000000000000",
        "x",
    ]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no recorded session"),
        "{}",
        stderr(&out)
    );

    let out = run(sb.exec(&server, "responses").args(["--json", "hello"]));
    let id = thread_id(&out);
    let file = &rollouts(sb.home.path())[0];
    let mut text = std::fs::read_to_string(file).unwrap();
    text.push_str("{\"timestamp\":\"2026-01-01T00:00:00.000Z\",\"type\":\"response_item\",\"payload\":{\"type\":\"mess");
    std::fs::write(file, text).unwrap();
    let out = run(sb.exec(&server, "responses").args(["resume", &id, "again"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("was cut off"), "{}", stderr(&out));
}

/// A session whose rollout ends in `fragment` (a line torn by a kill), resumed twice: the first
/// resume must record on lines of its own, and the second must see the whole conversation.
fn torn_rollout_resumed_twice(fragment: &[u8]) {
    let server = MockServer::start(vec![
        Step::stream(vec![Ev::Text("first answer".into())]),
        Step::stream(vec![Ev::Text("second answer".into())]).when(|r| {
            let t = r.body["input"].to_string();
            t.contains("first question") && t.contains("second question")
        }),
        Step::stream(vec![Ev::Text("third answer".into())]).when(|r| {
            let t = r.body["input"].to_string();
            [
                "first question",
                "first answer",
                "second question",
                "second answer",
            ]
            .iter()
            .all(|m| t.matches(m).count() == 1)
                && t.contains("third question")
        }),
    ])
    .unwrap();
    let sb = Sandbox::new();
    let out = run(sb
        .exec(&server, "responses")
        .args(["--json", "first question"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let id = thread_id(&out);
    let file = rollouts(sb.home.path())[0].clone();
    let mut bytes = std::fs::read(&file).unwrap();
    let torn_line = bytes.iter().filter(|b| **b == b'\n').count() + 1;
    bytes.extend_from_slice(fragment);
    std::fs::write(&file, &bytes).unwrap();

    let out = run(sb
        .exec(&server, "responses")
        .args(["resume", &id, "second question"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "second answer\n");
    assert!(
        stderr(&out).contains(&format!("the last line ({torn_line}) was cut off")),
        "{}",
        stderr(&out)
    );
    let after_first = std::fs::read(&file).unwrap();
    let written: Vec<&[u8]> = after_first[bytes.len()..]
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    assert!(written.len() >= 3, "turn context, prompt, answer");
    for line in &written {
        let value: Value = serde_json::from_slice(line).unwrap_or_else(|e| {
            panic!(
                "a record of the first resume is not a line of its own ({e}): {}",
                String::from_utf8_lossy(line)
            )
        });
        assert!(value["type"].is_string(), "{value}");
    }

    let out = run(sb
        .exec(&server, "responses")
        .args(["resume", &id, "third question"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "third answer\n");
    assert!(
        stderr(&out).contains(&format!("line {torn_line} is not valid and was skipped")),
        "{}",
        stderr(&out)
    );
    server.assert_clean();
    let last = std::fs::read(&file).unwrap();
    let lines: Vec<&[u8]> = last.split(|b| *b == b'\n').collect();
    for line in &written {
        assert!(
            lines.contains(line),
            "lost: {}",
            String::from_utf8_lossy(line)
        );
    }
}

const TORN_PREFIX: &str = "{\"timestamp\":\"2026-01-01T00:00:00.000Z\",\"type\":\"response_item\",\
                           \"payload\":{\"type\":\"message\",\"role\":\"user\",\"content\":\
                           [{\"type\":\"input_text\",\"text\":\"";

#[test]
fn a_torn_ascii_line_is_ended_before_resume_appends() {
    torn_rollout_resumed_twice(format!("{TORN_PREFIX}half a mess").as_bytes());
}

#[test]
fn a_line_torn_inside_a_character_does_not_stop_resume() {
    // "café" cut between the two bytes of "é", and "5 €" cut inside the three of "€".
    let mut cafe = format!("{TORN_PREFIX}caf").into_bytes();
    cafe.push("é".as_bytes()[0]);
    torn_rollout_resumed_twice(&cafe);
    let mut euro = format!("{TORN_PREFIX}5 ").into_bytes();
    euro.extend_from_slice(&"€".as_bytes()[..2]);
    torn_rollout_resumed_twice(&euro);
}

/// Kills `codex exec` with SIGKILL when `ready` says so, then resumes: the history must be whole,
/// each item once, every tool call answered.
fn kill_then_resume(steps: Vec<Step>, prompt: &str, ready: &dyn Fn(&str) -> bool) {
    let server = MockServer::start(steps).unwrap();
    let sb = Sandbox::new();
    let mut child = sb
        .exec(&server, "responses")
        .args(["--json", "--yolo", prompt])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = rollouts(sb.home.path())
            .first()
            .map(|f| std::fs::read_to_string(f).unwrap_or_default())
            .unwrap_or_default();
        if ready(&text) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "never reached the kill point:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let file = rollouts(sb.home.path())[0].clone();
    let name = file.file_name().unwrap().to_string_lossy().to_string();
    let id = &name[name.len() - 42..name.len() - 6];

    let resume_server =
        MockServer::start(vec![Step::stream(vec![Ev::Text("resumed".into())])]).unwrap();
    let out = run(sb
        .exec(&resume_server, "responses")
        .args(["resume", id, "continue"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "resumed\n");
    resume_server.assert_clean();
    let req = &resume_server.model_requests()[0];
    let text = input_text(req);
    assert_eq!(
        text.matches(prompt).count(),
        1,
        "the first prompt exactly once: {text}"
    );
    assert_eq!(text.matches("<environment_context>").count(), 1, "{text}");
}

#[test]
fn kill_9_while_a_tool_runs_then_resume() {
    let steps = vec![Step::stream(vec![Ev::ShellCall {
        call_id: "slow".into(),
        command: "sleep 30".into(),
    }])];
    kill_then_resume(steps, "start the slow job", &|t| {
        t.contains("\"function_call\"")
    });
}

#[test]
fn kill_9_with_the_stream_half_read_then_resume() {
    let steps = vec![Step::reply(Reply::Stall {
        events: vec![Ev::Text("partial".into()), Ev::Text("never".into())],
        after: 1,
    })];
    // The prompt is recorded before the request goes out; kill while the stream stalls.
    kill_then_resume(steps, "a question that stalls", &|t| {
        t.contains("a question that stalls")
    });
}

#[test]
fn kill_9_at_random_moments_then_resume() {
    for i in 0..4u64 {
        let steps = vec![
            Step::stream(vec![Ev::ShellCall {
                call_id: format!("c{i}"),
                command: format!("sleep 0.0{i}; echo step {i}"),
            }]),
            Step::stream(vec![Ev::ShellCall {
                call_id: format!("d{i}"),
                command: "sleep 30".into(),
            }]),
        ];
        let prompt = format!("random kill number {i}");
        let start = Instant::now();
        let delay = Duration::from_millis(20 + (std::process::id() as u64 * 7 + i * 37) % 120);
        kill_then_resume(steps, &prompt, &move |t| {
            t.contains("random kill") && start.elapsed() >= delay
        });
    }
}

#[test]
fn agents_md_reaches_the_model() {
    let server = MockServer::start(vec![Step::stream(vec![Ev::Text("ok".into())])]).unwrap();
    let sb = Sandbox::new();
    std::fs::create_dir(sb.work.path().join(".git")).unwrap();
    std::fs::write(sb.work.path().join("AGENTS.md"), "Always run cargo fmt.").unwrap();
    std::fs::write(sb.home.path().join("AGENTS.md"), "Be brief.").unwrap();
    let out = run(sb.exec(&server, "responses").arg("hi"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = input_text(&server.model_requests()[0]);
    assert!(text.contains("# AGENTS.md instructions for"), "{text}");
    assert!(
        text.contains("Be brief.\\n\\nAlways run cargo fmt."),
        "{text}"
    );
}

#[test]
fn auto_compaction_with_a_small_window_then_resume_sees_the_summary() {
    let server = MockServer::start(vec![
        Step::stream(vec![
            Ev::ShellCall {
                call_id: "c1".into(),
                command: "echo lots of output".into(),
            },
            Ev::Usage {
                input: 15_000,
                cached: 0,
                output: 500,
                reasoning: 0,
            },
        ]),
        // The summary request: no tools, the compaction prompt last.
        Step::stream(vec![Ev::Text("SUMMARY: ran echo; next: report".into())]).when(|r| {
            let input = r.body["input"].as_array().cloned().unwrap_or_default();
            let last = input.last().map(|v| v.to_string()).unwrap_or_default();
            r.body["tools"].as_array().is_some_and(|t| t.is_empty())
                && last.contains("Summarise this conversation")
        }),
        // The turn goes on from the compacted history.
        Step::stream(vec![Ev::Text("finished after compaction".into())]).when(|r| {
            let t = r.body["input"].to_string();
            t.contains("SUMMARY: ran echo")
                && t.contains("please run echo")
                && !t.contains("function_call")
        }),
        Step::stream(vec![Ev::Text("resumed with summary".into())]).when(|r| {
            let t = r.body["input"].to_string();
            t.contains("SUMMARY: ran echo")
                && t.contains("what next")
                && !t.contains("lots of output")
        }),
    ])
    .unwrap();
    let sb = Sandbox::new();
    let small = [
        "-c",
        "model_context_window=20000",
        "-c",
        "model_auto_compact_token_limit=10000",
    ];
    let out = run(sb.exec(&server, "responses").args(small).args([
        "--yolo",
        "--json",
        "please run echo",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let id = thread_id(&out);
    let events = json_lines(&out);
    let last_msg = events
        .iter()
        .rev()
        .find(|e| e["item"]["type"] == "agent_message")
        .unwrap();
    assert_eq!(last_msg["item"]["text"], "finished after compaction");
    let rollout = std::fs::read_to_string(&rollouts(sb.home.path())[0]).unwrap();
    assert!(rollout.contains("\"type\":\"compacted\""));
    let out = run(sb
        .exec(&server, "responses")
        .args(small)
        .args(["resume", &id, "what next"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "resumed with summary\n");
    server.assert_clean();
}

#[test]
fn cost_is_estimated_for_known_models_and_configurable() {
    let usage = Ev::Usage {
        input: 1_000_000,
        cached: 0,
        output: 100_000,
        reasoning: 0,
    };
    let server = MockServer::start(vec![
        Step::stream(vec![Ev::Text("a".into()), usage.clone()]),
        Step::stream(vec![Ev::Text("b".into()), usage.clone()]),
        Step::stream(vec![Ev::Text("c".into()), usage.clone()]),
        Step::stream(vec![Ev::Text("e".into()), usage]),
    ])
    .unwrap();
    let sb = Sandbox::new();
    let mut args = mock_provider_args(&server, "responses");
    args.truncate(args.len() - 2); // without `-m mock-model`
    let out = run(sb
        .codex()
        .args(["exec", "--skip-git-repo-check", "-m", "gpt-5", "--json"])
        .args(["--include-cost"])
        .args(&args)
        .arg("x"));
    let done = json_lines(&out).into_iter().last().unwrap();
    let cost = done["estimated_cost_usd"].as_f64().unwrap();
    assert!((cost - 2.25).abs() < 1e-9, "{cost}");
    assert!(
        stderr(&out).contains("estimated cost $2.2500"),
        "{}",
        stderr(&out)
    );

    let out = run(sb.exec(&server, "responses").args([
        "--json",
        "-c",
        "model_prices.mock-model={ input = 1.0, output = 2.0 }",
        "-c",
        "json_estimated_cost=true",
        "y",
    ]));
    let done = json_lines(&out).into_iter().last().unwrap();
    assert!((done["estimated_cost_usd"].as_f64().unwrap() - 1.2).abs() < 1e-9);
    // Not asked for: the event is exactly the Codex CLI's, the cost only on stderr.
    let out = run(sb.exec(&server, "responses").args([
        "--json",
        "-c",
        "model_prices.mock-model={ input = 1.0, output = 2.0 }",
        "w",
    ]));
    let done = json_lines(&out).into_iter().last().unwrap();
    assert!(done.get("estimated_cost_usd").is_none(), "{done}");
    assert!(
        stderr(&out).contains("estimated cost $1.2000"),
        "{}",
        stderr(&out)
    );

    let unknown = MockServer::start(vec![Step::stream(vec![Ev::Text("d".into())])]).unwrap();
    let out = run(sb
        .exec(&unknown, "responses")
        .args(["--json", "--include-cost", "z"]));
    let done = json_lines(&out).into_iter().last().unwrap();
    assert!(
        done.get("estimated_cost_usd").is_none(),
        "no price, no estimate"
    );
}

#[test]
fn notify_runs_with_the_turn_payload() {
    let server = MockServer::start(vec![Step::stream(vec![Ev::Text("all set".into())])]).unwrap();
    let sb = Sandbox::new();
    let target = sb.work.path().join("notified.json");
    let notify = format!(
        "notify=[\"bash\", \"-c\", \"printf %s \\\"$0\\\" > {}\"]",
        target.display()
    );
    let out = run(sb
        .exec(&server, "responses")
        .args(["-c", &notify, "--json", "notify me"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let id = thread_id(&out);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !target.exists()
        || std::fs::read_to_string(&target)
            .unwrap_or_default()
            .is_empty()
    {
        assert!(Instant::now() < deadline, "notify never ran");
        std::thread::sleep(Duration::from_millis(10));
    }
    let payload: Value = serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
    assert_eq!(payload["type"], "agent-turn-complete");
    assert_eq!(payload["thread-id"], id.as_str());
    assert_eq!(payload["last-assistant-message"], "all set");
    assert_eq!(payload["input-messages"][0], "notify me");
}
