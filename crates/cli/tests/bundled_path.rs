#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(unix)]
//! The tools directory of the npm platform package (`path/` beside `bin/codex`) comes first on
//! the PATH of the commands the model runs, in every sandbox mode, also through a login shell
//! whose profile sets PATH afresh; a binary without one changes nothing.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use codex_test_support::{Ev, MockServer, Step};
use common::*;

/// The built binary laid out as in the platform package, with a stand-in `rg`.
fn package() -> (tempfile::TempDir, PathBuf) {
    // Under the target directory, so the binary can be hard-linked rather than copied.
    let tmp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let pkg = tmp.path().join("pkg");
    std::fs::create_dir_all(pkg.join("bin")).unwrap();
    std::fs::create_dir_all(pkg.join("path")).unwrap();
    let codex = pkg.join("bin/codex");
    if std::fs::hard_link(env!("CARGO_BIN_EXE_codex"), &codex).is_err() {
        std::fs::copy(env!("CARGO_BIN_EXE_codex"), &codex).unwrap();
    }
    let rg = pkg.join("path/rg");
    std::fs::write(&rg, "#!/bin/sh\necho \"bundled rg $*\"\n").unwrap();
    std::fs::set_permissions(&rg, std::fs::Permissions::from_mode(0o755)).unwrap();
    (tmp, codex)
}

fn printenv_path(id: &str) -> Ev {
    Ev::FunctionCall {
        call_id: id.into(),
        name: "shell".into(),
        arguments: serde_json::json!({"command": ["printenv", "PATH"]}).to_string(),
        namespace: None,
    }
}

fn run_turn(codex: &Path, sb: &Sandbox, mode: &str, calls: Vec<Ev>) -> Vec<String> {
    let server = MockServer::start(vec![
        Step::stream(calls),
        Step::stream(vec![Ev::Text("done".into())]),
    ])
    .unwrap();
    let out = run(Command::new(codex)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", sb.home.path())
        .env("CODEX_HOME", sb.home.path())
        .current_dir(sb.work.path())
        .args(["exec", "--skip-git-repo-check", "-s", mode])
        .args(mock_provider_args(&server, "responses"))
        .arg("search"));
    assert_eq!(out.status.code(), Some(0), "{mode}: {}", stderr(&out));
    server.model_requests()[1]
        .tool_outputs()
        .into_iter()
        .map(|(_, output)| output)
        .collect()
}

#[test]
fn the_bundled_rg_comes_first_in_every_sandbox_mode() {
    let (_tmp, codex) = package();
    let tools = codex.parent().unwrap().parent().unwrap().join("path");
    let tools = tools.canonicalize().unwrap();
    for mode in ["read-only", "workspace-write", "danger-full-access"] {
        let sb = Sandbox::new();
        let outputs = run_turn(
            &codex,
            &sb,
            mode,
            vec![
                Ev::ShellCall {
                    call_id: "login".into(),
                    command: "command -v rg; rg --version".into(),
                },
                printenv_path("direct"),
            ],
        );
        let login = &outputs[0];
        assert!(
            login.contains(&format!("{}/rg\n", tools.display())),
            "{mode}: {login}"
        );
        assert!(login.contains("bundled rg --version"), "{mode}: {login}");
        assert!(
            outputs[1].contains(&format!("{}:/usr/bin:/bin", tools.display())),
            "{mode}: {}",
            outputs[1]
        );
    }
}

#[test]
fn without_a_tools_directory_the_path_is_left_alone() {
    let sb = Sandbox::new();
    let codex = PathBuf::from(env!("CARGO_BIN_EXE_codex"));
    let outputs = run_turn(&codex, &sb, "read-only", vec![printenv_path("direct")]);
    assert!(outputs[0].contains("\n/usr/bin:/bin\n"), "{}", outputs[0]);
}
