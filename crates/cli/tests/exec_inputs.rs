#![allow(clippy::unwrap_used, clippy::expect_used)]
//! What `codex exec` takes in, as `@openai/codex-sdk` passes it: images, the prompt on stdin
//! before any check, extra directories, the flags the SDK can add, and prompts of any size.

mod common;

use std::io::Write;
use std::process::Stdio;

use codex_test_support::{Ev, MockServer, Step};
use common::*;
use serde_json::Value;

/// A valid 1x1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xDE, 0x00, 0x00, 0x00, 0x0C, 0x49, 0x44, 0x41, 0x54, 0x08, 0xD7, 0x63, 0xF8, 0xCF, 0xC0, 0x00,
    0x00, 0x03, 0x01, 0x01, 0x00, 0x18, 0xDD, 0x8D, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E,
    0x44, 0xAE, 0x42, 0x60, 0x82,
];

fn text(t: &str) -> Step {
    Step::stream(vec![Ev::Text(t.into())])
}

/// The user message carrying the prompt (the last user message of the request).
fn last_user_content(body: &Value) -> Value {
    body["input"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|i| i["role"] == "user")
        .map(|m| m["content"].clone())
        .unwrap_or(Value::Null)
}

#[test]
fn images_are_sent_as_data_urls_on_the_responses_wire() {
    let server = MockServer::start(vec![text("a red dot")]).unwrap();
    let sb = Sandbox::new();
    std::fs::write(sb.work.path().join("dot.png"), PNG).unwrap();
    std::fs::write(sb.work.path().join("two.png"), PNG).unwrap();
    let out = run(sb.exec(&server, "responses").args([
        "--json",
        "-i",
        "dot.png",
        "--image",
        "two.png",
        "what is it?",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let content = last_user_content(&server.model_requests()[0].body);
    let parts = content.as_array().unwrap();
    let images: Vec<&Value> = parts
        .iter()
        .filter(|p| p["type"] == "input_image")
        .collect();
    assert_eq!(images.len(), 2, "{content}");
    assert!(
        images[0]["image_url"]
            .as_str()
            .unwrap()
            .starts_with("data:image/png;base64,iVBORw0KGgo"),
        "{content}"
    );
    assert!(
        parts[0]["text"]
            .as_str()
            .unwrap()
            .starts_with("<image name=[Image #1] path=")
    );
    assert_eq!(parts.last().unwrap()["text"], "what is it?");
}

#[test]
fn images_become_image_url_parts_on_the_chat_wire() {
    let server = MockServer::start(vec![text("seen")]).unwrap();
    let sb = Sandbox::new();
    std::fs::write(sb.work.path().join("dot.png"), PNG).unwrap();
    let out = run(sb.exec(&server, "chat").args(["-i", "dot.png", "describe"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let messages = server.model_requests()[0].body["messages"].clone();
    let user = messages
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|m| m["role"] == "user")
        .unwrap()
        .clone();
    let parts = user["content"].as_array().unwrap();
    assert!(parts.iter().any(|p| {
        p["type"] == "image_url"
            && p["image_url"]["url"]
                .as_str()
                .unwrap()
                .starts_with("data:image/png;base64,")
    }));
    assert!(parts.iter().any(|p| p["text"] == "describe"));
}

#[test]
fn images_become_image_blocks_on_the_anthropic_wire() {
    let server = MockServer::start(vec![text("seen")]).unwrap();
    let sb = Sandbox::new();
    std::fs::write(sb.work.path().join("dot.png"), PNG).unwrap();
    let out = run(sb
        .exec(&server, "anthropic")
        .args(["-i", "dot.png", "describe"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let messages = server.model_requests()[0].body["messages"].clone();
    let user = messages.as_array().unwrap().last().unwrap().clone();
    assert_eq!(user["role"], "user");
    let blocks = user["content"].as_array().unwrap();
    let image = blocks.iter().find(|b| b["type"] == "image").unwrap();
    assert_eq!(image["source"]["type"], "base64");
    assert_eq!(image["source"]["media_type"], "image/png");
    assert!(
        image["source"]["data"]
            .as_str()
            .unwrap()
            .starts_with("iVBORw0KGgo")
    );
    assert!(blocks.iter().any(|b| b["text"] == "describe"));
    server.assert_clean();
}

#[test]
fn a_missing_or_unreadable_image_is_a_one_line_error() {
    let server = MockServer::start(vec![]).unwrap();
    let sb = Sandbox::new();
    let out = run(sb
        .exec(&server, "responses")
        .args(["-i", "nope.png", "look"]));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("cannot read image nope.png"), "{err}");
    std::fs::write(sb.work.path().join("notes.png"), "plain text").unwrap();
    let out = run(sb
        .exec(&server, "responses")
        .args(["-i", "notes.png", "look"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("is not an image"), "{}", stderr(&out));
    assert!(server.model_requests().is_empty());
}

#[test]
fn images_on_exec_resume() {
    let server = MockServer::start(vec![text("first"), text("second")]).unwrap();
    let sb = Sandbox::new();
    let out = run(sb.exec(&server, "responses").args(["--json", "start"]));
    let id = json_lines(&out)[0]["thread_id"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::write(sb.work.path().join("dot.png"), PNG).unwrap();
    // As the SDK passes it: options first, then `resume <id> --image <file>`, prompt on stdin.
    let out = run_with_stdin(
        sb.exec(&server, "responses")
            .args(["--json", "resume", &id, "--image", "dot.png"]),
        "and this?",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let content = last_user_content(&server.model_requests()[1].body).to_string();
    assert!(content.contains("input_image"), "{content}");
    assert!(content.contains("and this?"), "{content}");
}

#[test]
fn view_image_shows_the_model_the_file() {
    let call = Ev::FunctionCall {
        call_id: "v1".into(),
        name: "view_image".into(),
        arguments: r#"{"path":"dot.png"}"#.into(),
        namespace: None,
    };
    for wire in ["responses", "chat", "anthropic"] {
        let server =
            MockServer::start(vec![Step::stream(vec![call.clone()]), text("a dot")]).unwrap();
        let sb = Sandbox::new();
        std::fs::write(sb.work.path().join("dot.png"), PNG).unwrap();
        let out = run(sb.exec(&server, wire).args(["look at dot.png"]));
        assert_eq!(out.status.code(), Some(0), "{wire}: {}", stderr(&out));
        let requests = server.model_requests();
        assert!(requests[0].tool_names().contains(&"view_image".to_string()));
        let second = requests[1].body.to_string();
        let image = if wire == "anthropic" {
            r#""data":"iVBORw0KGgo"#
        } else {
            "data:image/png;base64,iVBORw0KGgo"
        };
        assert!(second.contains(image), "{wire}: {second}");
        server.assert_clean();
    }
}

#[test]
fn add_dir_that_does_not_exist_warns_and_continues() {
    let server = MockServer::start(vec![text("fine")]).unwrap();
    let sb = Sandbox::new();
    let out = run(sb
        .exec(&server, "responses")
        .args(["--add-dir", "/no/such/dir", "hello"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--add-dir /no/such/dir"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out).trim(), "fine");
}

#[test]
fn the_prompt_is_read_before_a_check_fails() {
    // Outside a Git repository and without --skip-git-repo-check: the run fails, but only after
    // taking the whole prompt, so the writer sees the message and never a broken pipe.
    let sb = Sandbox::new();
    let mut child = sb
        .codex()
        .args(["exec", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let big = "a long task description. ".repeat(100_000);
    let written = child.stdin.take().unwrap().write_all(big.as_bytes());
    let out = child.wait_with_output().unwrap();
    assert!(written.is_ok(), "writing the prompt failed: {written:?}");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("Not inside a trusted directory"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn sdk_flags_are_accepted_and_acted_on() {
    // --cyber-access-program reaches the built-in openai provider's request body.
    let server = MockServer::start(vec![text("ok")]).unwrap();
    let sb = Sandbox::new();
    let out = run(sb
        .codex()
        .env("CODEX_API_KEY", "sk-test")
        .args(["exec", "--experimental-json", "--skip-git-repo-check"])
        .args(["--config", &format!("openai_base_url=\"{}\"", server.url())])
        .args(["--thread-source", "nightly-job"])
        .args(["--cyber-access-program", "daybreak_blue", "hi"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let body = &server.model_requests()[0].body;
    assert_eq!(body["access_programs"]["cyber"], "daybreak_blue", "{body}");
    // --thread-source is recorded in the session file.
    let sessions = sb.home.path().join("sessions");
    let file = walk(&sessions).into_iter().next().unwrap();
    let first: Value = serde_json::from_str(
        std::fs::read_to_string(file)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first["payload"]["thread_source"], "nightly-job");
    assert_eq!(first["payload"]["source"], "exec");

    // Another provider: not sent, and the user is told.
    let server = MockServer::start(vec![text("ok")]).unwrap();
    let out = run(sb
        .exec(&server, "responses")
        .args(["--cyber-access-program", "standard", "hi"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        server.model_requests()[0]
            .body
            .get("access_programs")
            .is_none()
    );
    assert!(stderr(&out).contains("built-in openai provider only"));

    // Effort names the SDK knows and older agents did not.
    let server = MockServer::start(vec![text("ok")]).unwrap();
    let out = run(sb.exec(&server, "responses").args([
        "--config",
        "model_reasoning_effort=\"max\"",
        "hi",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn a_large_prompt_reaches_the_model_whole_even_when_compaction_runs() {
    // 1 MB of prompt, over the (lowered) auto-compaction limit: the summary request runs first,
    // and the real request must still carry the whole prompt.
    let prompt: String = (0..45_000)
        .map(|i| format!("line {i:05} of the task\n"))
        .collect();
    assert!(prompt.len() > 1_000_000);
    let server = MockServer::start(vec![text("summary of earlier work"), text("done")]).unwrap();
    let sb = Sandbox::new();
    let out = run_with_stdin(
        sb.exec(&server, "responses").args([
            "-c",
            "model_context_window=400000",
            "-c",
            "model_auto_compact_token_limit=100000",
            "-",
        ]),
        &prompt,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "done");
    let requests = server.model_requests();
    assert_eq!(requests.len(), 2, "a summary request, then the turn");
    let sent = requests[1].body["input"].to_string();
    assert!(sent.contains("line 00000 of the task"));
    assert!(sent.contains("line 44999 of the task"));
}

#[test]
fn a_prompt_larger_than_the_window_fails_clearly() {
    let prompt = "word ".repeat(300_000);
    let server = MockServer::start(vec![]).unwrap();
    let sb = Sandbox::new();
    let out = run_with_stdin(
        sb.exec(&server, "responses")
            .args(["--json", "-c", "model_context_window=100000", "-"]),
        &prompt,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("cannot be sent whole"), "{err}");
    assert!(err.contains("context window is 100000 tokens"), "{err}");
    assert!(server.model_requests().is_empty(), "nothing was sent");
    let failed = json_lines(&out).into_iter().last().unwrap();
    assert_eq!(failed["type"], "turn.failed");
}
