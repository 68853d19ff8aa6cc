#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The binary's own surface: version, help, completions, config errors and `config show`.

mod common;

use common::*;

#[test]
fn version_and_help() {
    let sb = Sandbox::new();
    let out = run(sb.codex().arg("--version"));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        format!("codex-cli {}\n", env!("CARGO_PKG_VERSION"))
    );
    let out = run(sb.codex().arg("--help"));
    assert!(stdout(&out).contains("Examples:"));
    let out = run(sb.codex().args(["exec", "--help"]));
    for flag in [
        "--json",
        "--output-last-message",
        "--output-schema",
        "--skip-git-repo-check",
        "--full-auto",
        "--dangerously-bypass-approvals-and-sandbox",
        "--oss",
        "--color",
        "--cd",
        "--sandbox",
        "--profile",
        "--model",
        "--config",
    ] {
        assert!(stdout(&out).contains(flag), "exec --help lacks {flag}");
    }
}

#[test]
fn completions_for_each_shell() {
    let sb = Sandbox::new();
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef codex"),
        ("fish", "complete -c codex"),
    ] {
        let out = run(sb.codex().args(["completion", shell]));
        assert_eq!(out.status.code(), Some(0));
        assert!(stdout(&out).contains(marker), "{shell}");
    }
}

#[test]
fn bad_config_value_fails_with_position_and_exit_1() {
    let sb = Sandbox::new();
    let path = sb.write_config("model = \"o3\"\nsandbox_mode = \"wide-open\"\n");
    let out = run(sb.codex().args(["exec", "--skip-git-repo-check", "hi"]));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let expected = format!(
        "error: {}:2:16: sandbox_mode: unknown variant `wide-open`",
        path.display()
    );
    assert!(err.starts_with(&expected), "{err}");
    assert!(err.contains("read-only"), "{err}");
}

#[test]
fn bad_override_fails_naming_it() {
    let sb = Sandbox::new();
    let out = run(sb
        .codex()
        .args(["config", "show", "-c", "history.max_bytes=-x"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with("error: -c history.max_bytes=-x:"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unknown_keys_warn_once_and_do_not_fail() {
    let sb = Sandbox::new();
    sb.write_config("modle = \"o3\"\n[tui]\nanimatoins = false\n");
    let out = run(sb.codex().args(["config", "show", "-c", "modle=x"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(
        err.matches("unknown config key `modle`").count(),
        1,
        "{err}"
    );
    assert_eq!(
        err.matches("unknown config key `tui.animatoins`").count(),
        1,
        "{err}"
    );
}

#[test]
fn config_show_names_each_source() {
    let sb = Sandbox::new();
    let path = sb.write_config(
        "model = \"root-model\"\napproval_policy = \"never\"\n\n[profiles.deep]\nmodel_reasoning_effort = \"high\"\n",
    );
    let out = run(sb.codex().args([
        "config",
        "show",
        "-p",
        "deep",
        "-c",
        "model_verbosity=low",
        "-m",
        "flag-model",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let line = |key: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("no {key} in\n{text}"))
            .to_string()
    };
    assert!(
        line("model").ends_with("# flag --model"),
        "{}",
        line("model")
    );
    assert!(line("approval_policy").ends_with(&format!("# file {}:2:1", path.display())));
    assert!(line("model_reasoning_effort").contains("# profile deep (file "));
    assert!(line("model_verbosity").ends_with("# -c model_verbosity=low"));
    assert!(line("sandbox_mode").ends_with("# default"));
    assert!(text.contains("# active profile: deep"));

    let out = run(sb.codex().args(["config", "show", "--json", "--yolo"]));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let values = doc["values"].as_array().unwrap();
    let sandbox = values.iter().find(|v| v["key"] == "sandbox_mode").unwrap();
    assert_eq!(sandbox["value"], "\"danger-full-access\"");
    assert_eq!(
        sandbox["source"],
        "flag --dangerously-bypass-approvals-and-sandbox"
    );
    assert_eq!(doc["provider"]["id"], "openai");
}

#[test]
fn ask_for_approval_flag_beats_the_file() {
    let sb = Sandbox::new();
    sb.write_config("approval_policy = \"untrusted\"\n");
    let out = run(sb.codex().args(["-a", "on-failure", "config", "show"]));
    assert!(stdout(&out).contains("approval_policy = \"on-failure\""));
    let out = run(sb.codex().args(["config", "show"]));
    assert!(stdout(&out).contains("approval_policy = \"untrusted\""));
}

#[test]
fn the_interactive_ui_without_a_terminal_points_to_exec() {
    let sb = Sandbox::new();
    for args in [&[][..], &["resume", "--last"][..], &["some task"][..]] {
        let out = run(sb.codex().args(args));
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("needs a terminal") && err.contains("codex exec"),
            "{err}"
        );
        assert!(stdout(&out).is_empty(), "nothing drawn: {}", stdout(&out));
    }
}

#[test]
fn missing_profile_and_bad_cd_are_clear() {
    let sb = Sandbox::new();
    let out = run(sb.codex().args(["config", "show", "-p", "ghost"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("profile `ghost` is not defined"),
        "{}",
        stderr(&out)
    );
    let out = run(sb.codex().args(["exec", "-C", "/no/such/dir", "hi"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cannot use -C /no/such/dir"),
        "{}",
        stderr(&out)
    );
}

#[cfg(target_os = "linux")]
#[test]
fn sandbox_subcommand_explains_platform_mismatch_and_runs_commands() {
    let sb = Sandbox::new();
    let out = run(sb.codex().args(["sandbox", "macos", "--", "true"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("needs macOS"), "{}", stderr(&out));
    let out = run(sb
        .codex()
        .args(["sandbox", "linux", "--", "sh", "-c", "exit 7"]));
    assert_eq!(
        out.status.code(),
        Some(7),
        "the command's exit code comes back"
    );
    let out = run(sb
        .codex()
        .args(["sandbox", "linux", "--", "no-such-program-xyz"]));
    assert_eq!(out.status.code(), Some(127), "{}", stderr(&out));
    assert!(stderr(&out).contains("no-such-program-xyz"));
}
