#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The JGT bridge from the outside: `codex jgt status`, the built-in `trading-secure` profile in
//! `codex config show`, and exec's header with a live broker config. No secret may be printed.

mod common;

use std::path::PathBuf;

use codex_test_support::{Ev, MockServer, Step};
use common::*;
use serde_json::Value;

const MARKER: &str = "pw-7f3a9c-UNIQUE-MARKER";
const PIN: &str = "pin-55e1-UNIQUE";
const USER: &str = "acct-user-UNIQUE-ID";

fn broker(connection: &str) -> String {
    format!(
        r#"{{"user_id":"{USER}","password":"{MARKER}","pin":"{PIN}","account":"{USER}-acc",
            "url":"https://{USER}:x@fxcm.example:443/Hosts.jsp","connection":"{connection}"}}"#
    )
}

fn write_jgt_home(sb: &Sandbox, text: &str) -> PathBuf {
    let dir = sb.home.path().join(".jgt");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.json");
    std::fs::write(&path, text).unwrap();
    path
}

fn assert_no_secret(out: &std::process::Output) {
    let all = format!("{}{}", stdout(out), stderr(out));
    for secret in [MARKER, PIN, USER] {
        assert!(!all.contains(secret), "`{secret}` printed:\n{all}");
    }
}

fn status(sb: &Sandbox, json: bool) -> std::process::Output {
    let mut cmd = sb.codex();
    cmd.args(["jgt", "status"]);
    if json {
        cmd.arg("--json");
    }
    let out = run(&mut cmd);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_no_secret(&out);
    out
}

#[test]
fn status_with_a_live_config_in_jgt_home() {
    let sb = Sandbox::new();
    let path = write_jgt_home(&sb, &broker("Real"));
    let out = status(&sb, false);
    let text = stdout(&out);
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains("live"), "{text}");
    assert!(text.contains("connection \"Real\""), "{text}");
    assert!(text.contains("fxcm.example"), "{text}");
    assert!(text.contains("deny-read"), "{text}");
    assert!(
        text.contains("jgt.password") && text.contains("jgt.pin"),
        "{text}"
    );
    assert!(text.contains("live guard: applied"), "{text}");
    assert!(text.contains("JGT_CONFIG"), "{text}");

    let out = status(&sb, true);
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["found"]["source"], "jgt_home");
    assert_eq!(doc["found"]["live"], true);
    assert_eq!(doc["found"]["url_host"], "fxcm.example");
    assert_eq!(doc["protections"]["live_guard"]["state"], "applied");
    assert_eq!(doc["protections"]["redaction"]["secret_values"], 2);
    let denied = doc["protections"]["deny_read"].as_array().unwrap();
    assert!(denied.contains(&Value::String(path.display().to_string())));

    // Turned off by an override.
    let out = run(sb
        .codex()
        .args(["jgt", "status", "-c", "jgt.live_guard=false"]));
    assert_no_secret(&out);
    let text = stdout(&out);
    assert!(text.contains("live guard: off"), "{text}");
    assert!(text.contains("-c jgt.live_guard=false"), "{text}");
}

#[test]
fn status_with_a_demo_config_in_the_work_directory_and_an_env_config() {
    let sb = Sandbox::new();
    let path = sb.work.path().join("config.json");
    std::fs::write(&path, broker("Demo")).unwrap();
    let mut cmd = sb.codex();
    cmd.args(["jgt", "status", "--json"]).env(
        "JGT_CONFIG",
        broker("Real").replace(MARKER, &format!("{MARKER}2")),
    );
    let out = run(&mut cmd);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_no_secret(&out);
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["found"]["source"], "cwd");
    assert_eq!(doc["found"]["live"], false);
    assert_eq!(doc["found"]["connection"], "Demo");
    assert_eq!(doc["protections"]["live_guard"]["state"], "not_applicable");
    // Both configs' passwords are known to the redactor: two passwords, one pin.
    assert_eq!(doc["protections"]["redaction"]["secret_values"], 3);
    let candidates = doc["candidates"].as_array().unwrap();
    assert!(candidates.iter().any(|c| c["variable"] == "JGT_CONFIG"));

    let out = status(&sb, false);
    let text = stdout(&out);
    assert!(text.contains("demo"), "{text}");
    assert!(text.contains("live guard: not applicable"), "{text}");
}

#[test]
fn status_with_nothing_and_with_malformed_configs() {
    let sb = Sandbox::new();
    let out = status(&sb, false);
    assert!(stdout(&out).contains("broker config: none found"));
    // An unrelated config.json is listed as such; a broken JGT file warns without content.
    std::fs::write(sb.work.path().join("config.json"), r#"{"port": 1}"#).unwrap();
    write_jgt_home(&sb, &format!("{{\"password\": \"{MARKER}\", "));
    let out = status(&sb, false);
    let text = stdout(&out);
    assert!(text.contains("not a JGT config"), "{text}");
    assert!(text.contains("malformed"), "{text}");
    assert!(
        stderr(&out).contains("warning: JGT broker config"),
        "{}",
        stderr(&out)
    );
    let out = status(&sb, true);
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["found"], Value::Null);
}

#[test]
fn config_show_names_the_built_in_profile() {
    let sb = Sandbox::new();
    let out = run(sb
        .codex()
        .args(["config", "show", "--profile", "trading-secure"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let line = |key: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("{key} missing:\n{text}"))
            .to_string()
    };
    assert!(line("approval_policy").contains("\"untrusted\""));
    assert!(line("approval_policy").contains("# profile trading-secure (built-in)"));
    assert!(line("sandbox_mode").contains("\"workspace-write\""));
    assert!(line("shell_environment_policy.inherit").contains("\"core\""));
    assert!(
        line("shell_environment_policy.set.JGT_TRADING_MODE").contains("\"sandbox\""),
        "{text}"
    );
    assert!(text.contains("# active profile: trading-secure"), "{text}");
}

#[test]
fn exec_with_a_live_config_says_so_and_the_guard_wins_over_yolo() {
    let server = MockServer::start(vec![Step::stream(vec![Ev::Text("ok".into())])]).unwrap();
    let sb = Sandbox::new();
    let path = write_jgt_home(&sb, &broker("Real"));
    let out = run(sb
        .exec(&server, "responses")
        .args(["--yolo", "--color", "never", "hi"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_no_secret(&out);
    let err = stderr(&out);
    let line = err
        .lines()
        .find(|l| l.starts_with("jgt: "))
        .unwrap_or_else(|| panic!("no jgt line:\n{err}"));
    assert!(line.contains(&path.display().to_string()), "{line}");
    assert!(line.contains("trading-secure restrictions apply"), "{line}");
    assert!(err.contains("sandbox: workspace-write"), "{err}");
    let body = server.model_requests()[0].body.to_string();
    assert!(
        body.contains("<approval_policy>untrusted</approval_policy>"),
        "{body}"
    );
    assert!(!body.contains(MARKER));
}

#[test]
fn exec_json_output_has_no_jgt_line() {
    let server = MockServer::start(vec![Step::stream(vec![Ev::Text("ok".into())])]).unwrap();
    let sb = Sandbox::new();
    write_jgt_home(&sb, &broker("Real"));
    let out = run(sb.exec(&server, "responses").args(["--json", "hi"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_no_secret(&out);
    let types: Vec<String> = json_lines(&out)
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(types.first().map(String::as_str), Some("thread.started"));
    assert!(!stdout(&out).contains("jgt"), "{}", stdout(&out));
}

#[test]
fn exec_with_the_guard_turned_off_says_so() {
    let server = MockServer::start(vec![Step::stream(vec![Ev::Text("ok".into())])]).unwrap();
    let sb = Sandbox::new();
    write_jgt_home(&sb, &broker("Real"));
    sb.write_config("[jgt]\nlive_guard = false\n");
    let out = run(sb
        .exec(&server, "responses")
        .args(["--yolo", "--color", "never", "hi"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("the live guard is off"), "{err}");
    assert!(err.contains("sandbox: danger-full-access"), "{err}");
}
