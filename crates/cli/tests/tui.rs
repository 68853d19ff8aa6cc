//! The interactive UI end to end: the real binary in a real terminal (tmux, on a server of its
//! own per test), against the mock model, read back with `capture-pane`. Text is typed, then
//! Enter is sent on its own (text and Enter together would arrive as a paste).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use codex_test_support::{Ev, MockServer, Reply, Step};
use common::Sandbox;

/// How long a screen may take to show what a test waits for.
const WAIT: Duration = Duration::from_secs(20);

struct Screen {
    socket: String,
}

fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

impl Screen {
    /// A shell in a 100×30 terminal, in `cwd`, with `env` only.
    fn start(cwd: &Path, env: &[(String, String)]) -> Screen {
        let socket = format!(
            "codex-tui-test-{}-{}",
            std::process::id(),
            fastrand_suffix()
        );
        let mut cmd = Command::new("tmux");
        cmd.args([
            "-L",
            &socket,
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-x",
            "100",
            "-y",
            "30",
        ])
        .arg("-c")
        .arg(cwd)
        .args(["env", "-i"]);
        for (k, v) in env {
            cmd.arg(format!("{k}={v}"));
        }
        cmd.args(["sh", "-c", "PS1='$ ' exec sh -i"]);
        let status = cmd.status().unwrap();
        assert!(status.success(), "tmux new-session");
        let screen = Screen { socket };
        screen.wait_for("$ ");
        screen
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn text(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-J", "-S", "-200"])
    }

    /// The visible screen only, without the scrollback.
    fn visible(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-J"])
    }

    /// Types `text` literally (no key names).
    fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-l", text]);
    }

    fn key(&self, key: &str) {
        self.tmux(&["send-keys", key]);
    }

    /// Types a line and sends Enter on its own.
    fn line(&self, text: &str) {
        self.type_text(text);
        // Let the program read the text as typing before Enter arrives.
        self.wait_for_last(text);
        self.key("Enter");
    }

    fn wait_until(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let text = self.text();
            if check(&text) {
                return text;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; the screen:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn wait_for(&self, needle: &str) -> String {
        self.wait_until(&format!("{needle:?}"), |t| t.contains(needle))
    }

    /// Waits until `needle` is on screen after its last appearance so far was counted.
    fn wait_for_last(&self, needle: &str) {
        let first_line = needle.lines().last().unwrap_or(needle);
        self.wait_for(
            first_line
                .get(..first_line.len().min(30))
                .unwrap_or(first_line),
        );
    }

    /// Waits for the program to have exited: the shell's prompt is the last line.
    fn wait_for_shell(&self) {
        self.wait_until("the shell prompt", |t| {
            t.lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .map(str::trim)
                == Some("$")
        });
    }

    fn count(&self, needle: &str) -> usize {
        self.text().matches(needle).count()
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

fn fastrand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// A sandbox whose config points at `server` and trusts the work folder (so no trust prompt),
/// and the environment for the shell in tmux.
fn setup(server: &MockServer, extra_config: &str) -> (Sandbox, Vec<(String, String)>) {
    let sb = Sandbox::new();
    let work = std::fs::canonicalize(sb.work.path()).unwrap();
    sb.write_config(&format!(
        "model = \"mock-model\"\nmodel_provider = \"mock\"\n{extra_config}\n\
         [model_providers.mock]\nname = \"mock\"\nbase_url = \"{}\"\nwire_api = \"responses\"\n\
         env_key = \"MOCK_API_KEY\"\nstream_max_retries = 0\nrequest_max_retries = 0\n\n\
         [projects.\"{}\"]\ntrust_level = \"trusted\"\n",
        server.url(),
        work.display()
    ));
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_codex")).parent().unwrap();
    let env = vec![
        (
            "PATH".to_string(),
            format!(
                "{}:{}",
                bin_dir.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        ),
        ("HOME".into(), sb.home.path().display().to_string()),
        ("CODEX_HOME".into(), sb.home.path().display().to_string()),
        ("MOCK_API_KEY".into(), "dummy".into()),
        ("TERM".into(), "xterm-256color".into()),
    ];
    (sb, env)
}

/// A shell in the sandbox's work folder with `codex` started and its composer on screen.
fn open_ui(sb: &Sandbox, env: &[(String, String)]) -> Screen {
    let screen = Screen::start(sb.work.path(), env);
    screen.line("codex");
    screen.wait_for("Ask anything");
    screen
}

/// After the program quit: the shell prompt is back and the terminal is in its normal mode.
fn assert_restored(screen: &Screen) {
    screen.wait_for("To continue this session, run codex resume");
    screen.wait_for_shell();
    screen.line("stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | tr '\\n' ' '; echo END");
    let text = screen.wait_for("icanon echo END");
    assert!(text.contains("icanon echo END"), "{text}");
}

#[test]
fn a_prompt_streams_its_answer_and_quit_restores_the_terminal() {
    if !tmux_available() {
        eprintln!("skipped: tmux is not installed");
        return;
    }
    let server = MockServer::start(vec![Step::stream(vec![Ev::Text(
        "Hello from **the mock**.\n\n- one\n- two".into(),
    )])])
    .unwrap();
    let (sb, env) = setup(&server, "");
    let screen = open_ui(&sb, &env);
    screen.wait_for("mock-model");
    screen.line("say hello");
    let text = screen.wait_for("Hello from the mock.");
    assert!(text.contains("• one") || text.contains("- one"), "{text}");
    assert!(text.contains("› say hello"), "{text}");
    screen.line("/status");
    let text = screen.wait_for("context left:");
    assert!(
        text.contains("model:") && text.contains("mock-model"),
        "{text}"
    );
    screen.line("/quit");
    assert_restored(&screen);
}

#[test]
fn a_command_is_approved_and_its_output_shown() {
    if !tmux_available() {
        return;
    }
    let server = MockServer::start(vec![
        Step::stream(vec![Ev::ShellCall {
            call_id: "c1".into(),
            command: "touch made.txt && echo approved-output".into(),
        }]),
        Step::stream(vec![Ev::Text("The command ran.".into())]),
    ])
    .unwrap();
    let (sb, env) = setup(&server, "approval_policy = \"untrusted\"");
    let screen = open_ui(&sb, &env);
    screen.line("run it");
    let text = screen.wait_for("Allow the agent to run this command?");
    assert!(
        text.contains("touch made.txt && echo approved-output"),
        "{text}"
    );
    screen.type_text("y");
    let text = screen.wait_for("The command ran.");
    assert!(
        text.contains("Ran touch made.txt && echo approved-output"),
        "{text}"
    );
    assert!(text.contains("└ approved-output"), "{text}");
    assert!(sb.work.path().join("made.txt").exists());
    screen.line("/quit");
    assert_restored(&screen);
}

#[test]
fn a_patch_is_denied_and_nothing_changes() {
    if !tmux_available() {
        return;
    }
    let patch = "*** Begin Patch\n*** Add File: denied.txt\n+should not exist\n*** End Patch\n";
    let server = MockServer::start(vec![
        Step::stream(vec![Ev::FunctionCall {
            call_id: "p1".into(),
            name: "apply_patch".into(),
            arguments: serde_json::json!({ "input": patch }).to_string(),
            namespace: None,
        }]),
        Step::stream(vec![Ev::Text("Understood, no changes.".into())]),
    ])
    .unwrap();
    let (sb, env) = setup(
        &server,
        "approval_policy = \"untrusted\"\nsandbox_mode = \"read-only\"",
    );
    let screen = open_ui(&sb, &env);
    screen.line("add a file");
    let text = screen.wait_for("Allow the agent to make these changes?");
    assert!(
        text.contains("denied.txt") && text.contains("+should not exist"),
        "{text}"
    );
    screen.type_text("n");
    screen.wait_for("Understood, no changes.");
    assert!(!sb.work.path().join("denied.txt").exists());
    screen.line("/quit");
    assert_restored(&screen);
}

#[test]
fn esc_interrupts_a_turn_and_up_recalls_the_last_prompt() {
    if !tmux_available() {
        return;
    }
    let server = MockServer::start(vec![
        Step::reply(Reply::Stall {
            events: vec![Ev::Text("thinking about it".into())],
            after: 1,
        }),
        Step::stream(vec![Ev::Text("second answer".into())]),
    ])
    .unwrap();
    let (sb, env) = setup(&server, "");
    let screen = open_ui(&sb, &env);
    screen.line("a long task");
    screen.wait_for("Esc to interrupt");
    screen.wait_for("thinking about it");
    screen.key("Escape");
    screen.wait_for("Interrupted");
    screen.key("Up");
    screen.wait_until("the last prompt recalled in the composer", |t| {
        t.matches("a long task").count() >= 2
    });
    screen.key("Enter");
    screen.wait_for("second answer");
    assert!(screen.count("› a long task") >= 2);
    screen.line("/quit");
    assert_restored(&screen);
}

#[test]
fn the_first_run_in_a_folder_asks_to_trust_it_and_records_the_answer() {
    if !tmux_available() {
        return;
    }
    let server = MockServer::start(vec![]).unwrap();
    let (sb, env) = setup(&server, "");
    // Forget the trust the setup recorded.
    let config = sb.home.path().join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let cut = text.find("[projects.").unwrap();
    std::fs::write(&config, &text[..cut]).unwrap();
    let screen = Screen::start(sb.work.path(), &env);
    screen.line("codex");
    screen.wait_for("Do you trust the files in this folder?");
    screen.type_text("1");
    screen.wait_for("Ask anything");
    let written = std::fs::read_to_string(&config).unwrap();
    assert!(written.contains("trust_level = \"trusted\""), "{written}");
    assert!(
        written.starts_with("model = \"mock-model\""),
        "the rest is kept: {written}"
    );
    screen.line("/quit");
    // Asked once: the next start goes straight to the composer.
    screen.wait_for("To continue this session");
    screen.wait_for_shell();
    screen.line("clear");
    screen.wait_for_shell();
    screen.line("codex");
    screen.wait_for("Ask anything");
    let text = screen.visible();
    assert!(!text.contains("Do you trust"), "{text}");
    screen.line("/quit");
    assert_restored(&screen);
}

#[test]
fn slash_resume_picks_a_recorded_session() {
    if !tmux_available() {
        return;
    }
    let server = MockServer::start(vec![
        Step::stream(vec![Ev::Text("first answer".into())]),
        Step::stream(vec![Ev::Text("after resuming".into())]),
    ])
    .unwrap();
    let (sb, env) = setup(&server, "");
    let screen = open_ui(&sb, &env);
    screen.line("remember the word kumquat");
    screen.wait_for("first answer");
    screen.line("/new");
    screen.wait_until("a second header for the new session", |t| {
        t.matches(">_ Codex").count() >= 2
    });
    screen.line("/resume");
    screen.wait_for("Resume a session");
    screen.wait_for("remember the word kumquat");
    screen.key("Enter");
    screen.wait_until("a third header for the resumed session", |t| {
        t.matches(">_ Codex").count() >= 3
    });
    screen.line("what was the word?");
    screen.wait_for("after resuming");
    screen.line("/quit");
    assert_restored(&screen);
    // From the shell: the newest session of this folder, straight away.
    screen.line("clear");
    screen.wait_for_shell();
    screen.line("codex resume --last");
    screen.wait_for("Ask anything");
    screen.line("/quit");
    assert_restored(&screen);
    let requests = server.requests();
    let last = serde_json::to_string(&requests.last().unwrap().body).unwrap();
    assert!(
        last.contains("kumquat"),
        "the resumed history is sent: {last}"
    );
}

#[test]
fn a_bang_command_runs_in_the_sandbox_and_the_model_sees_its_output() {
    if !tmux_available() {
        return;
    }
    let server =
        MockServer::start(vec![Step::stream(vec![Ev::Text("I see the file.".into())])]).unwrap();
    let (sb, env) = setup(&server, "");
    std::fs::write(sb.work.path().join("listed-file.txt"), "x").unwrap();
    let screen = open_ui(&sb, &env);
    screen.line("!ls");
    let text = screen.wait_for("Ran ls");
    screen.wait_for("└ listed-file.txt");
    assert!(
        !text.contains("I see the file."),
        "no model request for a ! command"
    );
    screen.line("what did ls print?");
    screen.wait_for("I see the file.");
    screen.line("/quit");
    assert_restored(&screen);
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "only the message made a request");
    let body = serde_json::to_string(&requests[0].body).unwrap();
    assert!(
        body.contains("listed-file.txt") && body.contains("user_shell_command"),
        "{body}"
    );
}

#[test]
fn model_switches_mid_conversation_and_the_history_goes_on() {
    if !tmux_available() {
        return;
    }
    let server = MockServer::start(vec![
        Step::stream(vec![Ev::Text("first answer".into())]),
        Step::stream(vec![Ev::Text("second answer".into())]),
    ])
    .unwrap();
    let (sb, env) = setup(&server, "");
    let screen = open_ui(&sb, &env);
    screen.line("remember the word quince");
    screen.wait_for("first answer");
    screen.line("/model other-model");
    screen.wait_for("Model: other-model");
    screen.line("and now?");
    screen.wait_for("second answer");
    screen.line("/quit");
    assert_restored(&screen);
    let requests = server.requests();
    assert_eq!(requests[0].body["model"], "mock-model");
    assert_eq!(requests[1].body["model"], "other-model");
    let second = serde_json::to_string(&requests[1].body["input"]).unwrap();
    assert!(second.contains("quince"), "{second}");
}

#[test]
fn at_completes_a_file_and_slash_lists_commands() {
    if !tmux_available() {
        return;
    }
    let server = MockServer::start(vec![Step::stream(vec![Ev::Text("Read it.".into())])]).unwrap();
    let (sb, env) = setup(&server, "");
    std::fs::create_dir_all(sb.work.path().join("src/deep")).unwrap();
    std::fs::write(sb.work.path().join("src/deep/needle_file.rs"), "").unwrap();
    std::fs::write(sb.work.path().join("README.md"), "").unwrap();
    let screen = open_ui(&sb, &env);
    screen.type_text("/sta");
    screen.wait_for("model, sandbox, approvals");
    screen.key("Escape");
    // A key sent right behind Esc would arrive as Alt+key: wait for the popup to close first.
    screen.wait_until("the popup to close", |t| {
        !t.contains("model, sandbox, approvals")
    });
    screen.key("C-u");
    screen.type_text("look at @needfi");
    screen.wait_for("src/deep/needle_file.rs");
    screen.key("Tab");
    screen.wait_for("look at @src/deep/needle_file.rs");
    screen.key("Enter");
    screen.wait_for("Read it.");
    screen.line("/quit");
    assert_restored(&screen);
    let body = serde_json::to_string(&server.requests()[0].body).unwrap();
    assert!(body.contains("look at @src/deep/needle_file.rs"), "{body}");
}

#[test]
fn the_alternate_screen_shows_the_transcript_and_leaves_the_shell_screen_as_it_was() {
    if !tmux_available() {
        return;
    }
    let server = MockServer::start(vec![Step::stream(vec![Ev::Text(
        "alt screen answer".into(),
    )])])
    .unwrap();
    let (sb, env) = setup(&server, "");
    let screen = Screen::start(sb.work.path(), &env);
    screen.line("echo before-codex");
    screen.line("codex --alt-screen");
    screen.wait_for("Ask anything");
    screen.line("hello there");
    let text = screen.wait_for("alt screen answer");
    assert!(text.contains("› hello there"), "{text}");
    screen.line("/quit");
    assert_restored(&screen);
    let text = screen.visible();
    assert!(
        text.contains("before-codex") && !text.contains("alt screen answer"),
        "{text}"
    );
}

#[test]
fn ctrl_z_gives_the_terminal_back_and_fg_resumes_the_ui() {
    if !tmux_available() {
        return;
    }
    let server =
        MockServer::start(vec![Step::stream(vec![Ev::Text("still here".into())])]).unwrap();
    let (sb, env) = setup(&server, "");
    let screen = open_ui(&sb, &env);
    screen.key("C-z");
    screen.wait_for_shell();
    // The shell has the terminal, in its normal mode.
    screen
        .line("stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | tr '\\n' ' '; echo SUSPENDED");
    screen.wait_for("icanon echo SUSPENDED");
    screen.line("fg");
    screen.wait_until("the composer again", |t| {
        t.rfind("Ask anything")
            .is_some_and(|at| at > t.rfind("SUSPENDED").unwrap_or(0))
    });
    screen.line("are you there?");
    screen.wait_for("still here");
    screen.line("/quit");
    assert_restored(&screen);
}

#[test]
fn an_mcp_tool_call_is_approved_shown_and_listed_by_slash_mcp() {
    if !tmux_available() {
        return;
    }
    let servers = std::env::var_os("CODEX_MCP_SERVERS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/mcp/node_modules/.bin")
        });
    let everything = servers.join("mcp-server-everything");
    assert!(everything.exists(), "run `npm ci` in tests/mcp");
    let server = MockServer::start(vec![
        Step::stream(vec![Ev::FunctionCall {
            call_id: "c1".into(),
            name: "toggle_simulated_logging".into(),
            arguments: "{}".into(),
            namespace: Some("mcp__everything".into()),
        }]),
        Step::stream(vec![Ev::Text("Logging is on.".into())]),
    ])
    .unwrap();
    let config = format!(
        "approval_policy = \"untrusted\"\n[mcp_servers.everything]\ncommand = \"{}\"\n",
        everything.display()
    );
    let (sb, env) = setup(&server, &config);
    let screen = open_ui(&sb, &env);
    screen.line("turn on logging");
    let text = screen.wait_for("Allow the agent to call the MCP tool");
    assert!(
        text.contains("everything.toggle-simulated-logging"),
        "{text}"
    );
    screen.type_text("y");
    let text = screen.wait_for("Logging is on.");
    assert!(
        text.contains("Called everything.toggle-simulated-logging"),
        "{text}"
    );
    screen.line("/mcp");
    let text = screen.wait_for("everything  ready");
    assert!(text.contains("echo"), "{text}");
    screen.line("/quit");
    assert_restored(&screen);
}

#[test]
fn a_live_broker_account_is_announced_at_start_without_its_secrets() {
    if !tmux_available() {
        eprintln!("skipped: tmux is not installed");
        return;
    }
    let server = MockServer::start(vec![]).unwrap();
    let (sb, env) = setup(&server, "");
    let jgt = sb.home.path().join(".jgt");
    std::fs::create_dir_all(&jgt).unwrap();
    std::fs::write(
        jgt.join("config.json"),
        r#"{"user_id": "U-7781", "password": "Tui-Marker-Pw-31", "url": "https://broker.example/x", "connection": "Real"}"#,
    )
    .unwrap();
    let screen = open_ui(&sb, &env);
    let text = screen.wait_for("trading-secure");
    assert!(text.contains("live broker account"), "{text}");
    assert!(!text.contains("Tui-Marker-Pw-31"), "{text}");
    assert!(!text.contains("U-7781"), "{text}");
    screen.line("/status");
    let text = screen.wait_for("context left:");
    assert!(text.contains("untrusted"), "{text}");
    screen.line("/quit");
    assert_restored(&screen);
}

#[test]
fn slash_second_opinion_turns_the_reviewer_on_and_off() {
    if !tmux_available() {
        return;
    }
    let server = MockServer::start(vec![
        Step::stream(vec![Ev::Text("first answer".into())]),
        Step::stream(vec![Ev::Text("second answer".into())]),
    ])
    .unwrap();
    let reviewer = MockServer::start(vec![Step::stream(vec![Ev::Text(
        r#"{"verdict":"concerns","concerns":[{"text":"no tests were run","file":null,"line":null}]}"#
            .into(),
    )])])
    .unwrap();
    let (sb, env) = setup(
        &server,
        &format!(
            "[profiles.reviewer]\nmodel = \"review-model\"\nmodel_provider = \"rev\"\n\
             [model_providers.rev]\nname = \"Reviewer\"\nbase_url = \"{}\"\n\
             wire_api = \"anthropic\"\nenv_key = \"MOCK_API_KEY\"\nrequest_max_retries = 0\n\
             stream_max_retries = 0\n",
            reviewer.url()
        ),
    );
    let screen = open_ui(&sb, &env);
    screen.line("/second-opinion");
    screen.wait_for("second opinion: off");
    screen.line("/second-opinion reviewer");
    screen.wait_for("Second opinion: the model of profile reviewer reviews each turn");
    screen.line("do the thing");
    screen.wait_for("first answer");
    screen.wait_for("Second opinion (review-model): concerns");
    screen.wait_for("- no tests were run");
    screen.line("/second-opinion off");
    screen.wait_for("Second opinion: off");
    screen.line("and again");
    screen.wait_for("second answer");
    screen.line("/quit");
    assert_restored(&screen);
    assert_eq!(reviewer.model_requests().len(), 1);
    let shown = reviewer.model_requests()[0].body.to_string();
    assert!(
        shown.contains("do the thing") && shown.contains("first answer"),
        "{shown}"
    );
}
