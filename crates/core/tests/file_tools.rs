#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `grep_files`, `read_file` and `list_dir` through the engine, against the mock model server
//! over real HTTP: offered to the model, called by it, their outputs sent back — and the read
//! rules holding for all three.

use std::path::{Path, PathBuf};
use std::time::Duration;

use codex_config::{LoadOptions, load};
use codex_core::{Codex, ReadAccess, SessionOptions};
use codex_protocol::{Event, EventMsg, Op, UserInput};
use codex_test_support::{Ev, MockServer, Step};
use serde_json::json;

fn config(server: &MockServer, wire: &str, cwd: &Path, extra: &[&str]) -> codex_config::Config {
    let mut overrides = vec![
        "model_provider=mock".to_string(),
        format!("model_providers.mock.base_url=\"{}\"", server.url()),
        format!("model_providers.mock.wire_api=\"{wire}\""),
        "model_providers.mock.stream_max_retries=0".to_string(),
        "sandbox_mode=\"read-only\"".to_string(),
        // Anything that asked for approval would stop the turn here.
        "approval_policy=untrusted".to_string(),
    ];
    overrides.extend(extra.iter().map(|s| s.to_string()));
    load(LoadOptions {
        codex_home: Some(cwd.parent().unwrap().join("home")),
        cwd: Some(cwd.to_path_buf()),
        cli_overrides: overrides,
        env: vec![("PATH".into(), std::env::var("PATH").unwrap_or_default())],
        ..Default::default()
    })
    .unwrap()
    .config
}

async fn run_turn(codex: &mut Codex) -> Vec<Event> {
    codex
        .submit(Op::UserTurn {
            items: vec![UserInput::Text {
                text: "look around".into(),
            }],
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

fn call(id: &str, name: &str, arguments: serde_json::Value) -> Ev {
    Ev::FunctionCall {
        call_id: id.into(),
        name: name.into(),
        arguments: arguments.to_string(),
        namespace: None,
    }
}

/// The calls' outputs as the engine sent them back in the last request, by call id.
fn outputs(server: &MockServer) -> Vec<(String, String)> {
    let requests = server.model_requests();
    requests.last().unwrap().tool_outputs()
}

fn output<'a>(outputs: &'a [(String, String)], id: &str) -> &'a str {
    outputs
        .iter()
        .find(|(call, _)| call == id)
        .map(|(_, out)| out.as_str())
        .unwrap_or_else(|| panic!("no output for {id}: {outputs:?}"))
}

/// A small project (two source files and a notes file) in `work/`, beside the session's home.
fn project() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap().join("work");
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(
        root.join("src/lib.rs"),
        "pub fn answer() -> u32 {\n    42\n}\n",
    )
    .unwrap();
    std::fs::write(root.join("src/main.rs"), "fn main() {}\n").unwrap();
    std::fs::write(root.join("notes.txt"), "the answer is 42\n").unwrap();
    (dir, root)
}

#[tokio::test]
async fn the_model_calls_each_file_tool_and_gets_the_codex_cli_outputs_on_every_wire() {
    for wire in ["responses", "chat", "anthropic"] {
        let (_dir, root) = project();
        let lib = root.join("src/lib.rs");
        let server = MockServer::start(vec![
            Step::stream(vec![
                call(
                    "c1",
                    "read_file",
                    json!({"file_path": lib, "offset": 2, "limit": 1}),
                ),
                call("c2", "list_dir", json!({"dir_path": root, "depth": 2})),
                call(
                    "c3",
                    "grep_files",
                    json!({"pattern": "answer", "include": "*.rs"}),
                ),
                call("c4", "read_file", json!({"file_path": "src/lib.rs"})),
                call("c5", "grep_files", json!({"pattern": "nowhere"})),
            ]),
            Step::stream(vec![Ev::Text("done".into())]),
        ])
        .unwrap();
        let config = config(&server, wire, &root, &["model=test-gpt-5-codex"]);
        let mut codex = Codex::spawn(config).unwrap();
        let events = run_turn(&mut codex).await;
        assert!(
            !events.iter().any(|e| matches!(
                e.msg,
                EventMsg::ExecApprovalRequest(_) | EventMsg::ApplyPatchApprovalRequest(_)
            )),
            "{wire}: a read-only tool asked for approval"
        );
        server.assert_clean();
        assert_eq!(server.remaining_steps(), 0, "{wire}");
        let first = &server.model_requests()[0];
        for tool in ["grep_files", "read_file", "list_dir"] {
            assert!(
                first.tool_names().contains(&tool.to_string()),
                "{wire}: {tool}"
            );
        }
        let outputs = outputs(&server);
        assert_eq!(output(&outputs, "c1"), "L2:     42", "{wire}");
        assert_eq!(
            output(&outputs, "c2"),
            format!(
                "Absolute path: {}\nnotes.txt\nsrc/\n  lib.rs\n  main.rs",
                root.display()
            ),
            "{wire}"
        );
        assert_eq!(output(&outputs, "c3"), lib.display().to_string(), "{wire}");
        assert_eq!(
            output(&outputs, "c4"),
            "file_path must be an absolute path",
            "{wire}"
        );
        assert_eq!(output(&outputs, "c5"), "No matches found.", "{wire}");
    }
}

#[tokio::test]
async fn features_offer_the_tools_to_any_model_or_take_them_away() {
    let (_dir, root) = project();
    let server = MockServer::start(vec![
        Step::stream(vec![Ev::Text("one".into())]),
        Step::stream(vec![Ev::Text("two".into())]),
    ])
    .unwrap();
    let on = config(
        &server,
        "responses",
        &root,
        &["model=gpt-4.1", "features.list_dir=true"],
    );
    run_turn(&mut Codex::spawn(on).unwrap()).await;
    let off = config(
        &server,
        "responses",
        &root,
        &["model=test-gpt-5-codex", "features.read_file=false"],
    );
    run_turn(&mut Codex::spawn(off).unwrap()).await;
    let requests = server.model_requests();
    let names = |i: usize| requests[i].tool_names();
    assert!(names(0).contains(&"list_dir".to_string()));
    assert!(!names(0).contains(&"read_file".to_string()));
    assert!(!names(0).contains(&"grep_files".to_string()));
    assert!(names(1).contains(&"grep_files".to_string()));
    assert!(!names(1).contains(&"read_file".to_string()));
}

/// A project with a secret directory and ways around a rule that forbids it: a symlink to a
/// secret file, a symlink to the secret directory, and `..`.
#[cfg(unix)]
#[tokio::test]
async fn a_denied_path_is_refused_by_every_file_tool_however_it_is_reached() {
    let (_dir, root) = project();
    let secret = root.join("secret");
    std::fs::create_dir_all(&secret).unwrap();
    std::fs::write(secret.join("key.txt"), "the answer is hidden here\n").unwrap();
    std::os::unix::fs::symlink(secret.join("key.txt"), root.join("src/key-link.txt")).unwrap();
    std::os::unix::fs::symlink(&secret, root.join("src/secret-link")).unwrap();
    let through_dots = root.join("src/../secret");

    let calls = [
        (
            "r1",
            "read_file",
            json!({"file_path": secret.join("key.txt")}),
        ),
        (
            "r2",
            "read_file",
            json!({"file_path": root.join("src/key-link.txt")}),
        ),
        (
            "r3",
            "read_file",
            json!({"file_path": through_dots.join("key.txt")}),
        ),
        (
            "r4",
            "read_file",
            json!({"file_path": root.join("src/secret-link/key.txt")}),
        ),
        ("l1", "list_dir", json!({"dir_path": secret})),
        ("l2", "list_dir", json!({"dir_path": through_dots})),
        (
            "l3",
            "list_dir",
            json!({"dir_path": root.join("src/secret-link")}),
        ),
        ("l4", "list_dir", json!({"dir_path": root, "depth": 3})),
        ("g1", "grep_files", json!({"pattern": "answer"})),
        (
            "g2",
            "grep_files",
            json!({"pattern": "answer", "path": "secret"}),
        ),
        (
            "g3",
            "grep_files",
            json!({"pattern": "answer", "path": "src/../secret"}),
        ),
        (
            "g4",
            "grep_files",
            json!({"pattern": "answer", "path": "src/secret-link"}),
        ),
        (
            "g5",
            "grep_files",
            json!({"pattern": "hidden", "path": "src/key-link.txt"}),
        ),
        (
            "ok",
            "read_file",
            json!({"file_path": root.join("notes.txt")}),
        ),
    ];
    let server = MockServer::start(vec![
        Step::stream(
            calls
                .iter()
                .map(|(id, name, args)| call(id, name, args.clone()))
                .collect(),
        ),
        Step::stream(vec![Ev::Text("done".into())]),
    ])
    .unwrap();
    let config = config(&server, "responses", &root, &["model=test-gpt-5-codex"]);
    let denied_root = secret.clone();
    let asked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = asked.clone();
    let options = SessionOptions {
        read_access: Some(ReadAccess::denying(move |path| {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            path.starts_with(&denied_root)
        })),
        ..Default::default()
    };
    let mut codex = Codex::start(config, options).unwrap();
    run_turn(&mut codex).await;
    server.assert_clean();
    let outputs = outputs(&server);
    let refusal = |path: &Path| {
        format!(
            "access denied: reading this path is blocked by filesystem deny_read policy: `{}`",
            path.display()
        )
    };
    assert_eq!(output(&outputs, "r1"), refusal(&secret.join("key.txt")));
    assert_eq!(
        output(&outputs, "r2"),
        refusal(&root.join("src/key-link.txt"))
    );
    assert_eq!(
        output(&outputs, "r3"),
        refusal(&through_dots.join("key.txt"))
    );
    assert_eq!(
        output(&outputs, "r4"),
        refusal(&root.join("src/secret-link/key.txt"))
    );
    assert_eq!(output(&outputs, "l1"), refusal(&secret));
    assert_eq!(output(&outputs, "l2"), refusal(&through_dots));
    assert_eq!(
        output(&outputs, "l3"),
        refusal(&root.join("src/secret-link"))
    );
    // Listing the project leaves the secret directory, and the links into it, out.
    let listing = output(&outputs, "l4");
    assert!(listing.contains("notes.txt"), "{listing}");
    assert!(!listing.contains("secret"), "{listing}");
    assert!(!listing.contains("key"), "{listing}");
    // Searching the project finds the open files only.
    let found = output(&outputs, "g1");
    assert!(found.contains("notes.txt"), "{found}");
    assert!(!found.contains("secret"), "{found}");
    assert_eq!(output(&outputs, "g2"), refusal(&secret));
    assert_eq!(output(&outputs, "g3"), refusal(&root.join("src/../secret")));
    assert_eq!(
        output(&outputs, "g4"),
        refusal(&root.join("src/secret-link"))
    );
    assert_eq!(
        output(&outputs, "g5"),
        refusal(&root.join("src/key-link.txt"))
    );
    assert_eq!(output(&outputs, "ok"), "L1: the answer is 42");
    assert!(asked.load(std::sync::atomic::Ordering::SeqCst) > 10);
}

/// `[sandbox] deny_read` from the config: every built-in tool refuses a denied file and a
/// denied directory reached directly, through a symlink, a hard link made earlier, `..`, or
/// after the directory was renamed; patches neither read, replace nor create one; siblings
/// stay readable.
#[tokio::test]
async fn config_deny_read_is_refused_by_every_built_in_tool() {
    let (dir, root) = project();
    let base = root.parent().unwrap().to_path_buf();
    let vault = base.join("vault");
    std::fs::create_dir_all(&vault).unwrap();
    std::fs::write(vault.join("k.txt"), "needle-secret-dir\n").unwrap();
    std::fs::write(base.join("token.txt"), "needle-secret-file\n").unwrap();
    std::fs::write(base.join("open.txt"), "needle-open\n").unwrap();
    std::os::unix::fs::symlink(base.join("token.txt"), root.join("sym.txt")).unwrap();
    std::fs::hard_link(base.join("token.txt"), root.join("hl.txt")).unwrap();
    std::fs::hard_link(vault.join("k.txt"), root.join("hl-vault.txt")).unwrap();
    let deny = format!(
        "sandbox.deny_read=[\"{}\", \"{}\"]",
        vault.display(),
        base.join("token.txt").display()
    );
    let renamed = base.join("renamed");
    let patch = |body: &str| json!({ "input": format!("*** Begin Patch\n{body}\n*** End Patch") });
    let calls = vec![
        (
            "r1",
            "read_file",
            json!({"file_path": base.join("token.txt")}),
        ),
        ("r2", "read_file", json!({"file_path": root.join("hl.txt")})),
        (
            "r3",
            "read_file",
            json!({"file_path": root.join("sym.txt")}),
        ),
        (
            "r4",
            "read_file",
            json!({"file_path": root.join("../token.txt")}),
        ),
        (
            "r5",
            "read_file",
            json!({"file_path": renamed.join("k.txt")}),
        ),
        (
            "r6",
            "read_file",
            json!({"file_path": root.join("hl-vault.txt")}),
        ),
        (
            "r7",
            "read_file",
            json!({"file_path": format!("/proc/self/root{}", base.join("token.txt").display())}),
        ),
        ("l1", "list_dir", json!({"dir_path": renamed})),
        ("l2", "list_dir", json!({"dir_path": root})),
        (
            "g1",
            "grep_files",
            json!({"pattern": "needle", "path": base}),
        ),
        ("v1", "view_image", json!({"path": root.join("hl.txt")})),
        (
            "p1",
            "apply_patch",
            patch("*** Update File: hl.txt\n-needle-secret-file\n+gone"),
        ),
        ("p2", "apply_patch", patch("*** Delete File: sym.txt")),
        (
            "p3",
            "apply_patch",
            patch(&format!(
                "*** Add File: {}\n+new",
                renamed.join("new.txt").display()
            )),
        ),
        (
            "p4",
            "apply_patch",
            patch("*** Add File: ../token.txt\n+clobbered"),
        ),
        (
            "p5",
            "apply_patch",
            patch(&format!(
                "*** Update File: notes.txt\n*** Move to: {}\n-the answer is 42\n+moved",
                base.join("token.txt").display()
            )),
        ),
        (
            "ok",
            "read_file",
            json!({"file_path": base.join("open.txt")}),
        ),
    ];
    let server = MockServer::start(vec![
        Step::stream(
            calls
                .iter()
                .map(|(id, name, args)| call(id, name, args.clone()))
                .collect(),
        ),
        Step::stream(vec![Ev::Text("done".into())]),
    ])
    .unwrap();
    let config = config(
        &server,
        "responses",
        &root,
        &[
            "model=test-gpt-5-codex",
            &deny,
            "sandbox_mode=\"workspace-write\"",
        ],
    );
    let mut codex = Codex::spawn(config).unwrap();
    // Renamed after the session started: the directory keeps its identity.
    std::fs::rename(&vault, &renamed).unwrap();
    run_turn(&mut codex).await;
    let outputs = outputs(&server);
    let refused = "access denied: reading this path is blocked by filesystem deny_read policy";
    for id in [
        "r1", "r2", "r3", "r4", "r5", "r6", "r7", "l1", "v1", "p1", "p2", "p3", "p4", "p5",
    ] {
        let out = output(&outputs, id);
        assert!(out.contains(refused), "{id}: {out}");
        assert!(!out.contains("needle-secret"), "{id}: {out}");
    }
    let listing = output(&outputs, "l2");
    assert!(listing.contains("notes.txt"), "{listing}");
    for hidden in ["hl.txt", "sym.txt", "hl-vault.txt"] {
        assert!(!listing.contains(hidden), "{listing}");
    }
    // The session's own rollout holds the word too; the secrets and their links do not show.
    let found: Vec<&str> = output(&outputs, "g1")
        .lines()
        .filter(|l| !l.contains("/home/sessions/"))
        .collect();
    assert_eq!(found, [base.join("open.txt").display().to_string()]);
    assert_eq!(output(&outputs, "ok"), "L1: needle-open");
    assert_eq!(
        std::fs::read_to_string(base.join("token.txt")).unwrap(),
        "needle-secret-file\n"
    );
    assert!(root.join("sym.txt").exists() && !renamed.join("new.txt").exists());
    assert_eq!(
        std::fs::read_to_string(root.join("notes.txt")).unwrap(),
        "the answer is 42\n"
    );
    drop(dir);
}
