#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Secrets through the whole binary: credential-looking variables never reach a command, in any
//! sandbox mode; secret values and token shapes are replaced in what the model is sent, in the
//! `exec --json` events and in the rollout file.

mod common;

use std::path::Path;

use codex_test_support::{Ev, MockServer, Step};
use common::*;
use serde_json::{Value, json};

/// Variables the default rules keep out of commands: by name, or by a URL with a password.
const SECRETS: &[(&str, &str)] = &[
    ("OPENAI_API_KEY", "value-openai-api-key-01"),
    ("ANTHROPIC_API_KEY", "value-anthropic-key-02"),
    ("KEYBOARD_LAYOUT", "value-keyboard-layout-03"),
    ("BROKER_SECRET", "value-broker-secret-04"),
    ("GITHUB_TOKEN", "value-github-token-05"),
    ("slack_token", "value-slack-token-06"),
    ("BROKER_PASSWORD", "value-broker-password-07"),
    ("BROKER_PASSWORD_DEMO", "value-broker-password-demo-08"),
    ("db_password", "value-db-password-09"),
    ("FTP_PASSWD", "value-ftp-passwd-10"),
    ("GPG_PASSPHRASE", "value-gpg-passphrase-11"),
    ("AWS_CREDENTIALS", "value-aws-credentials-12"),
    (
        "GOOGLE_APPLICATION_CREDENTIAL",
        "value-google-credential-13",
    ),
    ("SSH_PRIVATE_KEY", "value-ssh-private-key-14"),
    ("DB_PASS", "value-db-pass-15"),
    ("smtp_pass", "value-smtp-pass-16"),
    ("GITHUB_PAT", "value-github-pat-17"),
    ("GITLAB_PAT", "value-gitlab-pat-18"),
    ("BROKER_PIN", "value-broker-pin-19"),
    ("CARD_PIN", "value-card-pin-20"),
    ("JGT_CONFIG", "value-jgt-config-21"),
    ("JGT_CONFIG_JSON_SECRET", "value-jgt-config-json-22"),
    (
        "DATABASE_URL",
        "postgres://trader:value-db-url-23@db.internal/x",
    ),
    ("REDIS_URL", "redis://:value-redis-url-24@cache:6379/0"),
    ("AMQP_ADDR", "amqp://bob:value-amqp-25@mq.internal"),
    (
        "MONGO",
        "mongodb+srv://u:value-mongo-26@cluster0.example.net/db",
    ),
    ("PROXY_SETTING", "http://user:value-proxy-27@proxy:3128"),
    ("ALPACA_SECRET_KEY", "value-alpaca-secret-28"),
    ("IBKR_PASSWORD", "value-ibkr-password-29"),
    ("OANDA_ACCESS_TOKEN", "value-oanda-token-30"),
];

/// Look-alikes that stay.
const KEPT: &[(&str, &str)] = &[
    ("PASSENGER_COUNT", "3"),
    ("HTTP_URL", "https://example.com"),
    ("UPSTREAM_URL", "https://user@example.com/path"),
    ("JGT_CONFIG_DIR", "/opt/jgt"),
    ("COMPASS_HEADING", "north"),
    ("PATTERN_FILE", "patterns.txt"),
];

fn with_env(mut cmd: std::process::Command) -> std::process::Command {
    for (k, v) in SECRETS.iter().chain(KEPT) {
        cmd.env(k, v);
    }
    cmd
}

fn shell(id: &str, cmd: &str) -> Ev {
    Ev::ShellCall {
        call_id: id.into(),
        command: cmd.into(),
    }
}

fn done() -> Step {
    Step::stream(vec![Ev::Text("done".into())])
}

/// Everything the model was sent, as one text.
fn sent_to_model(server: &MockServer) -> String {
    server
        .model_requests()
        .iter()
        .map(|r| r.body.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

fn rollout_text(home: &Path) -> String {
    let mut files = Vec::new();
    rollout_files(&home.join("sessions"), &mut files);
    assert_eq!(files.len(), 1, "{files:?}");
    std::fs::read_to_string(&files[0]).unwrap()
}

#[test]
fn secret_variables_reach_no_command_in_any_sandbox_mode() {
    for mode in ["read-only", "workspace-write", "danger-full-access"] {
        let s = Sandbox::new();
        let mock = MockServer::start(vec![Step::stream(vec![shell("c1", "env")]), done()]).unwrap();
        let mut cmd = with_env(s.exec(&mock, "responses"));
        let out = run(cmd.args(["-s", mode, "--json", "show env"]));
        assert!(out.status.success(), "{mode}: {}", stderr(&out));
        let events = json_lines(&out);
        let command = events
            .iter()
            .find(|e| e["type"] == "item.completed" && e["item"]["type"] == "command_execution")
            .unwrap_or_else(|| panic!("{mode}: no command in {events:?}"));
        let env = command["item"]["aggregated_output"].as_str().unwrap();
        assert!(env.contains("PATH="), "{mode}: {env}");
        // By name: redaction would hide the values anyway, the names show what was passed.
        for (name, _) in SECRETS {
            assert!(
                !env.contains(&format!("{name}=")),
                "{mode}: {name} in {env}"
            );
        }
        for (name, value) in KEPT {
            assert!(
                env.contains(&format!("{name}={value}")),
                "{mode}: {name} missing"
            );
        }
    }
}

#[test]
fn the_codex_cli_behaviour_comes_back_with_ignore_default_excludes() {
    let s = Sandbox::new();
    let mock = MockServer::start(vec![Step::stream(vec![shell("c1", "env")]), done()]).unwrap();
    let mut cmd = with_env(s.exec(&mock, "responses"));
    let out = run(cmd.args([
        "-c",
        "shell_environment_policy.ignore_default_excludes=true",
        "-s",
        "danger-full-access",
        "go",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    let sent = sent_to_model(&mock);
    for (name, value) in SECRETS {
        assert!(sent.contains(&format!("{name}={value}")), "{name}");
    }
}

const RSA: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7Vabcdefghijklmnopqrstuv\n-----END RSA PRIVATE KEY-----";

/// The shapes, each with the name it is replaced under.
fn shapes() -> Vec<(String, &'static str)> {
    vec![
        (
            "sk-proj-Zx81abcdefghijklmnopqrstuvwxyz".into(),
            "openai_key",
        ),
        (
            "sk-ant-api03-Qabcdefghijklmnopqrstuvwxyz".into(),
            "anthropic_key",
        ),
        (
            "ghp_Zabcdefghijklmnopqrstuvwxyz0123456789".into(),
            "github_token",
        ),
        (
            "github_pat_11AAAAAAA0abcdefghijklmnopqrstuv".into(),
            "github_token",
        ),
        ("xoxb-112233445566-abcdefghijkl".into(), "slack_token"),
        ("AKIAZZZZOSFODNN7QQQQ".into(), "aws_access_key"),
        (RSA.into(), "private_key"),
    ]
}

#[test]
fn secrets_are_redacted_from_output_events_and_the_rollout() {
    let s = Sandbox::new();
    // The agent's secrets reach output only through files; shapes are printed directly.
    let mut file = String::new();
    for (name, value) in SECRETS {
        file.push_str(&format!("{name} is {value}\n"));
    }
    for (shape, _) in shapes() {
        file.push_str(&format!("shape: {shape}\n"));
    }
    std::fs::write(s.work.path().join("secrets.txt"), &file).unwrap();
    let read_file = Ev::FunctionCall {
        call_id: "r1".into(),
        name: "read_file".into(),
        arguments: json!({"file_path": s.work.path().join("secrets.txt")}).to_string(),
        namespace: None,
    };
    // One secret split across two writes, with a pause between them.
    let split = "printf 'half: value-broker-pass'; sleep 0.3; printf 'word-07 ghp_Zabcdefghij'; \
                 sleep 0.3; printf 'klmnopqrstuvwxyz0123456789 end\\n'";
    let mock = MockServer::start(vec![
        Step::stream(vec![
            shell("c1", "cat secrets.txt"),
            shell("c2", split),
            read_file,
        ]),
        done(),
    ])
    .unwrap();
    let mut cmd = with_env(s.exec(&mock, "responses"));
    let out = run(cmd.args([
        "-c",
        "features.read_file=true",
        "-s",
        "workspace-write",
        "--json",
        "leak them",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    let events = stdout(&out);
    let sent = sent_to_model(&mock);
    let rollout = rollout_text(s.home.path());
    // The audit log records the commands (whose text holds no whole secret) and must hold no
    // secret either.
    let audit = std::fs::read_to_string(s.home.path().join("audit.jsonl")).unwrap();
    for (name, value) in SECRETS {
        let secret = value.rsplit_once("value-").map(|(_, v)| v).unwrap();
        assert!(!audit.contains(secret), "audit: {name}'s value");
    }
    for (place, text) in [("events", &events), ("model", &sent), ("rollout", &rollout)] {
        for (name, value) in SECRETS {
            let secret = value.rsplit_once("value-").map(|(_, v)| v).unwrap();
            assert!(!text.contains(secret), "{place}: {name}'s value");
        }
        for (shape, _) in shapes() {
            // JSON escapes the key block's newlines; its body line is enough.
            let probe = shape.lines().nth(1).unwrap_or(&shape);
            assert!(!text.contains(probe), "{place}: {shape}");
        }
        for name in ["BROKER_PASSWORD", "DATABASE_URL", "JGT_CONFIG"] {
            assert!(
                text.contains(&format!("[REDACTED:{name}]")),
                "{place}: {name}"
            );
        }
        for (_, kind) in shapes() {
            assert!(
                text.contains(&format!("[REDACTED:{kind}]")),
                "{place}: {kind}"
            );
        }
        assert!(
            text.contains("half: [REDACTED:BROKER_PASSWORD] [REDACTED:github_token] end"),
            "{place}: the split output"
        );
    }
    // Both the command's and read_file's outputs went to the model redacted.
    assert!(sent.matches("[REDACTED:BROKER_PIN]").count() >= 2, "{sent}");
}

#[test]
fn config_show_lists_the_effective_excludes() {
    let s = Sandbox::new();
    s.write_config("[shell_environment_policy]\nexclude = [\"AWS_*\"]\n");
    let out = run(s.codex().args(["config", "show"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("*PASSWORD*"), "{text}");
    assert!(text.contains("URL with a password"), "{text}");
    assert!(text.contains("AWS_*"), "{text}");
    let out = run(s.codex().args(["config", "show", "--json"]));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let excludes = &doc["shell_environment_excludes"];
    assert_eq!(excludes["defaults_enabled"], true);
    assert!(
        excludes["default_names"]
            .as_array()
            .unwrap()
            .contains(&json!("*_PIN"))
    );
    assert_eq!(excludes["exclude"], json!(["AWS_*"]));
    let out = run(s.codex().args([
        "config",
        "show",
        "-c",
        "shell_environment_policy.ignore_default_excludes=true",
    ]));
    assert!(
        stdout(&out).contains("default excludes are off"),
        "{}",
        stdout(&out)
    );
}

/// A JGT broker config in `~/.jgt`: its password (short, but known to be one) and pin are
/// redacted from command output, the events, the model's requests, the rollout and the audit
/// log — including a command line that names them.
#[test]
fn jgt_broker_secrets_are_redacted_everywhere_including_the_audit_log() {
    let s = Sandbox::new();
    let jgt = s.home.path().join(".jgt");
    std::fs::create_dir_all(&jgt).unwrap();
    std::fs::write(
        jgt.join("config.json"),
        r#"{"user_id": "D-1", "password": "Pw-5512x", "pin": "4821", "url": "https://broker.example", "connection": "Demo"}"#,
    )
    .unwrap();
    std::fs::write(
        s.work.path().join("session.log"),
        "login ok with Pw-5512x, pin 4821\n",
    )
    .unwrap();
    let mock = MockServer::start(vec![
        Step::stream(vec![shell("c1", "cat session.log")]),
        done(),
    ])
    .unwrap();
    let out =
        run(s
            .exec(&mock, "responses")
            .args(["-s", "workspace-write", "--json", "read the log"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let audit = std::fs::read_to_string(s.home.path().join("audit.jsonl")).unwrap();
    for (place, text) in [
        ("events", stdout(&out)),
        ("model", sent_to_model(&mock)),
        ("rollout", rollout_text(s.home.path())),
        ("audit", audit),
    ] {
        assert!(!text.contains("Pw-5512x"), "{place}: {text}");
        assert!(!text.contains("4821"), "{place}: {text}");
        if place != "audit" {
            assert!(
                text.contains("login ok with [REDACTED:jgt.password], pin [REDACTED:jgt.pin]"),
                "{place}: {text}"
            );
        }
    }

    // A command line naming the password is recorded redacted.
    let s2 = Sandbox::new();
    std::fs::create_dir_all(s2.home.path().join(".jgt")).unwrap();
    std::fs::copy(
        jgt.join("config.json"),
        s2.home.path().join(".jgt/config.json"),
    )
    .unwrap();
    let mock = MockServer::start(vec![
        Step::stream(vec![shell("c1", "echo Pw-5512x | wc -c")]),
        done(),
    ])
    .unwrap();
    let out = run(s2
        .exec(&mock, "responses")
        .args(["-s", "workspace-write", "--json", "count"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let audit = std::fs::read_to_string(s2.home.path().join("audit.jsonl")).unwrap();
    assert!(audit.contains("\"kind\":\"command\""), "{audit}");
    assert!(!audit.contains("Pw-5512x"), "{audit}");
    assert!(audit.contains("[REDACTED:jgt.password]"), "{audit}");
    let verify = run(s2.codex().args(["audit", "verify"]));
    assert!(verify.status.success(), "{}", stderr(&verify));
}
