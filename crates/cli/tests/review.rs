#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `codex review` end to end: the main model on the Responses wire reviews a real git
//! repository read-only; with a second opinion, a reviewer on another mock server (Chat
//! Completions or Anthropic wire) reviews the same diff, and both reviews, where they agree and
//! where they differ reach the human output, `--json`, the rollout and the audit log. A failing
//! reviewer is reported without failing the review.

mod common;

use std::path::Path;
use std::process::Command;

use codex_test_support::{Ev, MockServer, Reply, Step};
use common::*;
use serde_json::{Value, json};

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(["-c", "user.name=T", "-c", "user.email=t@example.com"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .status()
        .expect("git");
    assert!(status.success(), "git {args:?}");
}

/// A repository on `main` with one commit, a branch `feature` with another, and uncommitted
/// changes on top (one edited file, one untracked).
fn repository(dir: &Path) -> String {
    git(dir, &["init", "-q"]);
    std::fs::write(dir.join("calc.py"), "def total(xs):\n    return sum(xs)\n").unwrap();
    git(dir, &["add", "."]);
    git(dir, &["commit", "-qm", "first"]);
    git(dir, &["checkout", "-qb", "feature"]);
    std::fs::write(
        dir.join("calc.py"),
        "def total(xs):\n    return sum(xs[:-1])\n",
    )
    .unwrap();
    git(dir, &["commit", "-qam", "drop the last item"]);
    std::fs::write(dir.join("notes.txt"), "untracked note\n").unwrap();
    std::fs::write(
        dir.join("calc.py"),
        "def total(xs):\n    return sum(xs[:-1])\n\nUNCOMMITTED = 1\n",
    )
    .unwrap();
    let out = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(dir)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn finding(title: &str, path: &str, start: u32) -> Value {
    json!({"title": title, "body": format!("because {title}"), "confidence_score": 0.7,
        "priority": 1, "code_location": {"absolute_file_path": path,
        "line_range": {"start": start, "end": start}}})
}

fn review_json(findings: Vec<Value>, correctness: &str, explanation: &str) -> String {
    json!({"findings": findings, "overall_correctness": correctness,
        "overall_explanation": explanation, "overall_confidence_score": 0.8})
    .to_string()
}

/// The main model looks at the diff with a command, tries to write (refused: read-only), then
/// answers with its review.
fn main_script(work: &Path) -> Vec<Step> {
    let calc = work.join("calc.py").display().to_string();
    vec![
        Step::stream(vec![Ev::FunctionCall {
            call_id: "c1".into(),
            name: "shell".into(),
            arguments: json!({"command": ["git", "diff", "HEAD"]}).to_string(),
            namespace: None,
        }]),
        Step::stream(vec![Ev::FunctionCall {
            call_id: "c2".into(),
            name: "shell".into(),
            arguments: json!({"command": ["touch", "written-by-review"]}).to_string(),
            namespace: None,
        }]),
        Step::stream(vec![Ev::Text(review_json(
            vec![finding("[P1] Drops the last item", &calc, 2)],
            "patch is incorrect",
            "The sum leaves out an item.",
        ))]),
    ]
}

fn config(sb: &Sandbox, main: &MockServer, reviewer: Option<(&MockServer, &str)>) {
    let mut text = format!(
        "model = \"main-model\"\nmodel_provider = \"mock\"\nsandbox_mode = \"workspace-write\"\n\
         [model_providers.mock]\nname = \"Mock\"\nbase_url = \"{}\"\nwire_api = \"responses\"\n\
         request_max_retries = 0\nstream_max_retries = 0\n",
        main.url()
    );
    if let Some((reviewer, wire)) = reviewer {
        text.push_str(&format!(
            "[profiles.reviewer]\nmodel = \"review-model\"\nmodel_provider = \"rev\"\n\
             [model_providers.rev]\nname = \"Reviewer\"\nbase_url = \"{}\"\n\
             wire_api = \"{wire}\"\nrequest_max_retries = 0\nstream_max_retries = 0\n",
            reviewer.url()
        ));
    }
    sb.write_config(&text);
}

fn request_text(body: &Value) -> String {
    body.to_string()
}

#[test]
fn reviews_uncommitted_changes_read_only_and_renders_the_findings() {
    let sb = Sandbox::new();
    repository(sb.work.path());
    let main = MockServer::start(main_script(sb.work.path())).unwrap();
    config(&sb, &main, None);
    let out = run(sb.codex().args(["review", "--json"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines = json_lines(&out);
    common::thread_events::validate_thread_events(&lines).unwrap();
    let messages: Vec<&Value> = lines
        .iter()
        .filter(|l| l["type"] == "item.completed" && l["item"]["type"] == "agent_message")
        .collect();
    // Only the rendered review: the raw JSON answer is not an item of its own.
    assert_eq!(messages.len(), 1, "{lines:?}");
    let calc = sb.work.path().join("calc.py");
    assert_eq!(
        messages[0]["item"]["text"],
        format!(
            "The sum leaves out an item.\n\nReview comment:\n\n- [P1] Drops the last item — \
             {}:2-2\n  because [P1] Drops the last item",
            calc.display()
        )
    );
    assert!(!stdout(&out).contains("second_opinion"));

    // Review instructions and the request for the uncommitted changes.
    let requests = main.model_requests();
    assert_eq!(requests.len(), 3);
    let first = &requests[0].body;
    assert!(
        first["instructions"]
            .as_str()
            .unwrap()
            .contains("\"overall_correctness\""),
        "{first}"
    );
    assert!(request_text(first).contains("staged, unstaged and untracked"));
    // The command saw the diff; the write was refused by the read-only sandbox.
    let last = request_text(&requests[2].body);
    assert!(last.contains("UNCOMMITTED = 1"), "{last}");
    assert!(!sb.work.path().join("written-by-review").exists());

    // The rollout records the review's end with its findings.
    let rollout = rollout_events(sb.home.path());
    let exited: Vec<&Value> = rollout
        .iter()
        .filter(|l| l["payload"]["type"] == "exited_review_mode")
        .collect();
    assert_eq!(exited.len(), 1);
    assert_eq!(
        exited[0]["payload"]["review_output"]["findings"][0]["title"],
        "[P1] Drops the last item"
    );
    main.assert_clean();
}

#[test]
fn a_second_opinion_on_the_chat_wire_compares_the_reviews_in_json() {
    let sb = Sandbox::new();
    repository(sb.work.path());
    let main = MockServer::start(main_script(sb.work.path())).unwrap();
    // The same place in other words (one line off, relative path), and one finding more.
    let reviewer = MockServer::start(vec![Step::stream(vec![Ev::Text(review_json(
        vec![
            finding("[P1] Last element skipped", "calc.py", 3),
            finding("[P3] Stray constant", "calc.py", 4),
        ],
        "patch is incorrect",
        "Two problems.",
    ))])])
    .unwrap();
    config(&sb, &main, Some((&reviewer, "chat")));
    let out = run(sb.codex().args([
        "exec",
        "review",
        "--uncommitted",
        "--second-opinion",
        "reviewer",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // `exec review` prints the review and the second opinion on stdout.
    let text = stdout(&out);
    assert!(text.starts_with("The sum leaves out an item."), "{text}");
    assert!(
        text.contains("Second opinion (review-model): concerns"),
        "{text}"
    );
    assert!(
        text.contains("calc.py:4: only the second review found: [P3] Stray constant"),
        "{text}"
    );
    assert!(
        text.contains("both reviews found:\n  - [P1] Last element skipped"),
        "{text}"
    );
    assert!(
        text.contains("the second review:\n  Two problems."),
        "{text}"
    );

    // The reviewer had no tools and was shown the diff, untracked files included.
    let requests = reviewer.model_requests();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].path.ends_with("/chat/completions"));
    assert!(
        requests[0]
            .body
            .get("tools")
            .is_none_or(|t| t == &json!([]))
    );
    let shown = request_text(&requests[0].body);
    for needle in ["UNCOMMITTED = 1", "+untracked note", "overall_correctness"] {
        assert!(shown.contains(needle), "{needle} missing from {shown}");
    }

    // --json: the same comparison as an additional item.
    let main = MockServer::start(main_script(sb.work.path())).unwrap();
    let reviewer = MockServer::start(vec![Step::stream(vec![Ev::Text(review_json(
        vec![finding("[P1] Last element skipped", "calc.py", 3)],
        "patch is incorrect",
        "Same.",
    ))])])
    .unwrap();
    config(&sb, &main, Some((&reviewer, "chat")));
    let out = run(sb
        .codex()
        .args(["review", "--json", "--second-opinion", "reviewer"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines = json_lines(&out);
    let items: Vec<&Value> = lines
        .iter()
        .filter(|l| l["type"] == "item.completed" && l["item"]["type"] == "second_opinion")
        .map(|l| &l["item"])
        .collect();
    assert_eq!(items.len(), 1, "{lines:?}");
    assert_eq!(items[0]["verdict"], "agree");
    assert_eq!(items[0]["concerns"], json!([]));
    assert_eq!(items[0]["review"]["agreed"], json!([[0, 0]]));
    assert_eq!(items[0]["review"]["same_correctness"], true);
    assert_eq!(items[0]["review"]["review"]["overall_explanation"], "Same.");
    assert_eq!(lines.last().unwrap()["type"], "turn.completed");

    let audit = audit_records(sb.home.path(), "second_opinion");
    let last = audit.last().unwrap();
    assert_eq!(last["verdict"], "agree");
    assert_eq!(last["review"]["agreed"], 1);
    let earlier = &audit[audit.len() - 2];
    assert_eq!(earlier["review"]["only_second"], 1);
}

#[test]
fn a_branch_review_with_an_anthropic_reviewer_shows_where_they_differ() {
    let sb = Sandbox::new();
    repository(sb.work.path());
    let main = MockServer::start(vec![Step::stream(vec![Ev::Text(review_json(
        Vec::new(),
        "patch is correct",
        "Nothing blocking.",
    ))])])
    .unwrap();
    let calc = sb.work.path().join("calc.py").display().to_string();
    let reviewer = MockServer::start(vec![Step::stream(vec![Ev::Text(format!(
        "Here is my review:\n```json\n{}\n```",
        review_json(
            vec![finding("[P1] Drops the last item", &calc, 2)],
            "patch is incorrect",
            "A bug."
        )
    ))])])
    .unwrap();
    config(&sb, &main, Some((&reviewer, "anthropic")));
    let out = run(sb
        .codex()
        .args(["review", "--base", "main", "--second-opinion", "reviewer"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("Nothing blocking.\n"), "{text}");
    assert!(
        text.contains("calc.py:2: only the second review found: [P1] Drops the last item"),
        "{text}"
    );
    assert!(
        text.contains(
            "the reviews differ on the whole: the first says \"patch is correct\", the second \
             \"patch is incorrect\""
        ),
        "{text}"
    );
    // The merge base, and the branch's diff (committed changes only) for the reviewer.
    let merge_base = String::from_utf8(
        Command::new("git")
            .args(["merge-base", "HEAD", "main"])
            .current_dir(sb.work.path())
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let asked = request_text(&main.model_requests()[0].body);
    assert!(asked.contains(merge_base.trim()), "{asked}");
    assert!(asked.contains("'main'"), "{asked}");
    let requests = reviewer.model_requests();
    assert!(requests[0].path.ends_with("/messages"));
    let shown = request_text(&requests[0].body);
    assert!(shown.contains("-    return sum(xs)"), "{shown}");
    assert!(
        shown.contains("UNCOMMITTED"),
        "working tree changes count against a base: {shown}"
    );
}

#[test]
fn a_failing_reviewer_is_reported_and_the_review_still_succeeds() {
    let sb = Sandbox::new();
    let head = repository(sb.work.path());
    let main = MockServer::start(vec![Step::stream(vec![Ev::Text(
        "Not JSON: the change looks fine to me.".into(),
    )])])
    .unwrap();
    let reviewer = MockServer::start(vec![Step::reply(Reply::Status {
        code: 500,
        retry_after: None,
        body: "reviewer down".into(),
    })])
    .unwrap();
    config(&sb, &main, Some((&reviewer, "anthropic")));
    let out = run(sb.codex().args([
        "review",
        "--commit",
        &head,
        "--title",
        "drop the last item",
        "--second-opinion",
        "reviewer",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    // An answer that is not the JSON asked for is shown as it is.
    assert!(
        text.starts_with("Not JSON: the change looks fine to me.\n"),
        "{text}"
    );
    assert!(
        text.contains("Second opinion (review-model): warning: the reviewer failed:"),
        "{text}"
    );
    assert!(text.contains("500"), "{text}");
    let asked = request_text(&main.model_requests()[0].body);
    assert!(asked.contains(&head), "{asked}");
    assert!(asked.contains("drop the last item"), "{asked}");
    let err = stderr(&out);
    assert!(
        err.contains(&format!("commit {}: drop the last item", &head[..7])),
        "{err}"
    );
    let audit = audit_records(sb.home.path(), "second_opinion");
    assert!(audit[0]["error"].as_str().unwrap().contains("500"));
}

#[test]
fn bad_review_targets_are_clear_errors() {
    let sb = Sandbox::new();
    repository(sb.work.path());
    let main = MockServer::start(vec![]).unwrap();
    config(&sb, &main, None);
    let out = run(sb.codex().args(["review", "--base", "no-such-branch"]));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("cannot find where this branch left 'no-such-branch'"),
        "{err}"
    );
    assert!(main.model_requests().is_empty());

    let out = run(sb
        .codex()
        .args(["review", "--uncommitted", "--base", "main"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot be used with"),
        "{}",
        stderr(&out)
    );
}

fn rollout_events(home: &Path) -> Vec<Value> {
    let mut found = Vec::new();
    rollout_files(&home.join("sessions"), &mut found);
    found
        .iter()
        .flat_map(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str::<Value>(l).unwrap())
                .collect::<Vec<_>>()
        })
        .filter(|l| l["type"] == "event_msg")
        .collect()
}
