#![allow(clippy::unwrap_used, clippy::expect_used)]
//! apply_patch end to end: every way a model can send a patch, through `codex exec` against the
//! mock model, plus the standalone forms of the binary.

mod common;

use codex_test_support::{Ev, MockServer, Step};
use common::thread_events::validate_thread_events;
use common::*;
use serde_json::{Value, json};

const ADD_HELLO: &str = "*** Begin Patch\n*** Add File: hello.txt\n+Hello, patch\n*** End Patch";

fn finish() -> Step {
    Step::stream(vec![Ev::Text("patched".into())])
}

fn file_change(events: &[Value]) -> Option<&Value> {
    events
        .iter()
        .find(|e| e["item"]["type"] == "file_change")
        .map(|e| &e["item"])
}

#[test]
fn freeform_tool_on_responses() {
    let server = MockServer::start(vec![
        Step::stream(vec![Ev::CustomToolCall {
            call_id: "p1".into(),
            name: "apply_patch".into(),
            input: ADD_HELLO.into(),
        }]),
        finish(),
    ])
    .unwrap();
    let sb = Sandbox::new();
    let out = run(sb.exec(&server, "responses").args([
        "-c",
        "features.apply_patch_freeform=true",
        "-s",
        "workspace-write",
        "--json",
        "add a file",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(sb.work.path().join("hello.txt")).unwrap(),
        "Hello, patch\n"
    );
    let events = json_lines(&out);
    validate_thread_events(&events).unwrap();
    let change = file_change(&events).unwrap();
    assert_eq!(change["status"], "completed");
    assert_eq!(change["changes"][0]["kind"], "add");
    assert!(
        change["changes"][0]["path"]
            .as_str()
            .unwrap()
            .ends_with("hello.txt")
    );
    let first = &server.model_requests()[0];
    let tool = first.body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "apply_patch")
        .unwrap();
    assert_eq!(tool["type"], "custom");
    assert_eq!(tool["format"]["syntax"], "lark");
    let outputs = server.model_requests()[1].tool_outputs();
    assert_eq!(
        outputs[0].1,
        "Success. Updated the following files:\nA hello.txt\n"
    );
    server.assert_clean();
}

#[test]
fn json_function_tool_on_chat_and_anthropic() {
    std::fs::create_dir_all(std::env::temp_dir()).unwrap();
    for wire in ["chat", "anthropic"] {
        let server = MockServer::start(vec![
            Step::stream(vec![Ev::FunctionCall {
                call_id: "p1".into(),
                name: "apply_patch".into(),
                arguments: json!({"input": "*** Begin Patch\n*** Update File: notes.txt\n-old\n+new\n*** End Patch"}).to_string(),
                namespace: None,
            }]),
            finish(),
        ])
        .unwrap();
        let sb = Sandbox::new();
        std::fs::write(sb.work.path().join("notes.txt"), "old\n").unwrap();
        let out = run(sb
            .exec(&server, wire)
            .args(["-s", "workspace-write", "--json", "edit"]));
        assert_eq!(out.status.code(), Some(0), "{wire}: {}", stderr(&out));
        assert_eq!(
            std::fs::read_to_string(sb.work.path().join("notes.txt")).unwrap(),
            "new\n",
            "{wire}"
        );
        let events = json_lines(&out);
        validate_thread_events(&events).unwrap_or_else(|e| panic!("{wire}: {e}"));
        assert_eq!(
            file_change(&events).unwrap()["changes"][0]["kind"],
            "update",
            "{wire}"
        );
        let tool = server.model_requests()[0].body["tools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["function"]["name"] == "apply_patch" || t["name"] == "apply_patch")
            .cloned()
            .unwrap();
        let schema = if wire == "chat" {
            &tool["function"]["parameters"]
        } else {
            &tool["input_schema"]
        };
        assert_eq!(schema["required"][0], "input", "{wire}");
        let outputs = server.model_requests()[1].tool_outputs();
        assert_eq!(outputs.len(), 1, "{wire}");
        assert_eq!(outputs[0].0, "p1");
        server.assert_clean();
    }
}

#[test]
fn shell_calls_that_are_patches_are_applied_by_the_engine() {
    let heredoc = format!("apply_patch <<'EOF'\n{ADD_HELLO}\nEOF\n");
    let cd_heredoc = "cd sub && apply_patch <<EOF\n*** Begin Patch\n*** Add File: in-sub.txt\n+x\n*** End Patch\nEOF";
    let server = MockServer::start(vec![
        Step::stream(vec![
            Ev::ShellCall {
                call_id: "s1".into(),
                command: heredoc,
            },
            Ev::FunctionCall {
                call_id: "s2".into(),
                name: "shell".into(),
                arguments: json!({"command": ["applypatch", "*** Begin Patch\n*** Add File: direct.txt\n+d\n*** End Patch"]}).to_string(),
                namespace: None,
            },
            Ev::ShellCall {
                call_id: "s3".into(),
                command: cd_heredoc.into(),
            },
        ]),
        finish(),
    ])
    .unwrap();
    let sb = Sandbox::new();
    std::fs::create_dir(sb.work.path().join("sub")).unwrap();
    // Commands cannot run under workspace-write in this version, so a file appearing proves the
    // engine applied the patch itself instead of spawning a shell.
    let out = run(sb.exec(&server, "responses").args([
        "-s",
        "workspace-write",
        "--json",
        "edit via shell",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(sb.work.path().join("hello.txt").exists());
    assert!(sb.work.path().join("direct.txt").exists());
    assert!(sb.work.path().join("sub/in-sub.txt").exists());
    let events = json_lines(&out);
    let changes = events
        .iter()
        .filter(|e| e["item"]["type"] == "file_change")
        .count();
    assert_eq!(changes, 3);
    assert!(
        !events
            .iter()
            .any(|e| e["item"]["type"] == "command_execution")
    );
    server.assert_clean();
}

#[test]
fn failures_leave_files_alone_and_tell_the_model() {
    let server = MockServer::start(vec![
        Step::stream(vec![
            Ev::CustomToolCall {
                call_id: "bad".into(),
                name: "apply_patch".into(),
                input: "*** Begin Patch\n*** Add File: new.txt\n+n\n*** Update File: keep.txt\n-keep\n-line 2\n+x\n*** End Patch".into(),
            },
            Ev::CustomToolCall {
                call_id: "escape".into(),
                name: "apply_patch".into(),
                input: "*** Begin Patch\n*** Add File: ../escaped.txt\n+x\n*** End Patch".into(),
            },
        ]),
        finish(),
    ])
    .unwrap();
    let sb = Sandbox::new();
    std::fs::write(sb.work.path().join("keep.txt"), "keep\nline two\n").unwrap();
    // /tmp would be a writable root too; leave it out so `..` really is outside.
    let out = run(sb.exec(&server, "responses").args([
        "-c",
        "features.apply_patch_freeform=true",
        "-c",
        "sandbox_workspace_write.exclude_slash_tmp=true",
        "-c",
        "sandbox_workspace_write.exclude_tmpdir_env_var=true",
        "-s",
        "workspace-write",
        "--json",
        "edit",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!sb.work.path().join("new.txt").exists());
    assert_eq!(
        std::fs::read_to_string(sb.work.path().join("keep.txt")).unwrap(),
        "keep\nline two\n"
    );
    assert!(
        !sb.work
            .path()
            .parent()
            .unwrap()
            .join("escaped.txt")
            .exists()
    );
    let outputs = server.model_requests()[1].tool_outputs();
    assert!(
        outputs[0].1.starts_with(
            "apply_patch verification failed: Failed to find expected lines in keep.txt"
        ),
        "{}",
        outputs[0].1
    );
    assert!(
        outputs[0].1.contains("Nearest lines found"),
        "{}",
        outputs[0].1
    );
    assert!(
        outputs[1].1.contains("writing outside of the project"),
        "{}",
        outputs[1].1
    );
}

#[test]
fn read_only_sandbox_rejects_patches() {
    let server = MockServer::start(vec![
        Step::stream(vec![Ev::CustomToolCall {
            call_id: "p".into(),
            name: "apply_patch".into(),
            input: ADD_HELLO.into(),
        }]),
        finish(),
    ])
    .unwrap();
    let sb = Sandbox::new();
    let out = run(sb.exec(&server, "responses").args([
        "-c",
        "features.apply_patch_freeform=true",
        "edit",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!sb.work.path().join("hello.txt").exists());
    let outputs = server.model_requests()[1].tool_outputs();
    assert!(
        outputs[0].1.contains("the sandbox is read-only"),
        "{}",
        outputs[0].1
    );
}

#[test]
fn human_mode_shows_the_diff() {
    let server = MockServer::start(vec![
        Step::stream(vec![Ev::CustomToolCall {
            call_id: "p".into(),
            name: "apply_patch".into(),
            input: "*** Begin Patch\n*** Update File: a.txt\n-one\n+two\n*** End Patch".into(),
        }]),
        finish(),
    ])
    .unwrap();
    let sb = Sandbox::new();
    std::fs::write(sb.work.path().join("a.txt"), "one\n").unwrap();
    let out = run(sb.exec(&server, "responses").args([
        "-c",
        "features.apply_patch_freeform=true",
        "-s",
        "workspace-write",
        "--color",
        "never",
        "edit",
    ]));
    let err = stderr(&out);
    assert!(
        err.contains("apply_patch") && err.contains("-one") && err.contains("+two"),
        "{err}"
    );
    assert!(err.contains("patch applied"), "{err}");
}

// The patch tool under its own names is reached through symlinks.
#[cfg(unix)]
#[test]
fn standalone_subcommand_and_argv0() {
    let sb = Sandbox::new();
    let out = run(sb.codex().args(["apply-patch", ADD_HELLO]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "Success. Updated the following files:\nA hello.txt\n"
    );

    let link_dir = tempfile::tempdir().unwrap();
    for name in ["apply_patch", "applypatch"] {
        let link = link_dir.path().join(name);
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_codex"), &link).unwrap();
        let patch = format!("*** Begin Patch\n*** Add File: {name}.txt\n+x\n*** End Patch\n");
        let mut cmd = std::process::Command::new(&link);
        cmd.current_dir(sb.work.path());
        let out = run_with_stdin(&mut cmd, &patch);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
        assert!(sb.work.path().join(format!("{name}.txt")).exists());
        let mut cmd = std::process::Command::new(&link);
        cmd.current_dir(sb.work.path())
            .arg("*** Begin Patch\n*** Delete File: nope\n*** End Patch");
        let out = run(&mut cmd);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            stderr(&out).contains("Failed to delete file nope"),
            "{}",
            stderr(&out)
        );
    }
}
