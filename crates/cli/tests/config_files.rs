#![allow(clippy::unwrap_used, clippy::expect_used)]
// FIFOs and device symlinks are made with Unix APIs.
#![cfg(unix)]
//! Files that are not regular files where the binary expects one (config.toml, an output
//! schema): refused at once with exit 1 and a message saying what, where and what to do.

mod common;

use std::path::Path;
use std::time::Duration;

use codex_test_support::MockServer;
use common::*;

const LIMIT: Duration = Duration::from_secs(20);

/// `codex exec` and `codex config show` both stop at once, naming the file and the problem.
fn both_commands_refuse(sb: &Sandbox, server: &MockServer, expected: &str) {
    let mut exec = sb.exec(server, "responses");
    exec.arg("hi");
    let mut show = sb.codex();
    show.args(["config", "show"]);
    for (name, cmd) in [("exec", &mut exec), ("config show", &mut show)] {
        let out = run_within(cmd, LIMIT);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains(expected), "{name}: {err}");
        assert!(
            err.contains("replace it, or remove it to use the defaults"),
            "{name}: {err}"
        );
    }
    assert!(server.requests().is_empty());
}

fn config_path(sb: &Sandbox) -> std::path::PathBuf {
    sb.home.path().join("config.toml")
}

#[test]
fn a_fifo_config_fails_at_once() {
    let server = MockServer::start(vec![]).unwrap();
    let sb = Sandbox::new();
    mkfifo(&config_path(&sb));
    let expected = format!(
        "error: {} is not a regular file (a FIFO); ",
        config_path(&sb).display()
    );
    both_commands_refuse(&sb, &server, &expected);
}

#[test]
fn a_config_linked_to_dev_zero_fails_at_once() {
    let server = MockServer::start(vec![]).unwrap();
    let sb = Sandbox::new();
    std::os::unix::fs::symlink("/dev/zero", config_path(&sb)).unwrap();
    let expected = format!(
        "error: {} is not a regular file (a symlink to /dev/zero, a character device); ",
        config_path(&sb).display()
    );
    both_commands_refuse(&sb, &server, &expected);
}

#[test]
fn an_output_schema_that_is_not_a_regular_file_fails_at_once() {
    let server = MockServer::start(vec![]).unwrap();
    let sb = Sandbox::new();
    let fifo = sb.work.path().join("schema.fifo");
    mkfifo(&fifo);
    let zero = sb.work.path().join("schema.json");
    std::os::unix::fs::symlink(Path::new("/dev/zero"), &zero).unwrap();
    for (path, kind) in [
        (&fifo, "a FIFO"),
        (&zero, "a symlink to /dev/zero, a character device"),
    ] {
        let out = run_within(
            sb.exec(&server, "responses")
                .arg("--output-schema")
                .arg(path)
                .arg("x"),
            LIMIT,
        );
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains(&format!(
                "error: --output-schema: {} is not a regular file ({kind}); pass a regular JSON \
                 Schema file",
                path.display()
            )),
            "{err}"
        );
    }
    assert!(server.requests().is_empty());
}
