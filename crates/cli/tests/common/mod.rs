#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use codex_test_support::MockServer;

pub mod thread_events;

/// A CODEX_HOME and a work directory for one run of the real binary.
pub struct Sandbox {
    pub home: tempfile::TempDir,
    pub work: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Self {
        Sandbox {
            home: tempfile::tempdir().unwrap(),
            work: tempfile::tempdir().unwrap(),
        }
    }

    pub fn write_config(&self, text: &str) -> PathBuf {
        let path = self.home.path().join("config.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    /// `codex` with a clean environment pointing at this sandbox.
    pub fn codex(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_codex"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("CODEX_HOME", self.home.path())
            .current_dir(self.work.path());
        cmd
    }

    /// `codex exec` against the mock, with the given wire.
    pub fn exec(&self, server: &MockServer, wire: &str) -> Command {
        let mut cmd = self.codex();
        cmd.arg("exec")
            .arg("--skip-git-repo-check")
            .args(mock_provider_args(server, wire));
        cmd
    }
}

pub fn mock_provider_args(server: &MockServer, wire: &str) -> Vec<String> {
    vec![
        "-c".into(),
        "model_provider=mock".into(),
        "-c".into(),
        format!("model_providers.mock.base_url=\"{}\"", server.url()),
        "-c".into(),
        format!("model_providers.mock.wire_api=\"{wire}\""),
        "-c".into(),
        "model_providers.mock.request_max_retries=1".into(),
        "-c".into(),
        "model_providers.mock.stream_max_retries=1".into(),
        "-m".into(),
        "mock-model".into(),
    ]
}

pub fn run_with_stdin(cmd: &mut Command, stdin: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(mut input) = child.stdin.take() {
        input.write_all(stdin.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}

pub fn run(cmd: &mut Command) -> Output {
    run_with_stdin(cmd, "")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn json_lines(o: &Output) -> Vec<serde_json::Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

pub fn exists(p: &Path) -> bool {
    p.exists()
}

/// Runs `cmd` with empty stdin, failing the test (and killing the process) when it has not
/// finished within `limit`: for faults whose symptom would be a hang.
pub fn run_within(cmd: &mut Command, limit: std::time::Duration) -> Output {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    #[cfg(unix)]
    let pid = child.id() as i32;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            #[cfg(unix)]
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
            panic!("{cmd:?} did not finish within {limit:?}");
        }
    }
}

/// Makes a FIFO at `path`.
#[cfg(unix)]
pub fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

/// The repository's root.
pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Python with the MCP SDK (`CODEX_MCP_PYTHON`, else the venv `scripts/test` makes).
pub fn python() -> PathBuf {
    let path = std::env::var_os("CODEX_MCP_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join(".cache/mcp-venv/bin/python"));
    assert!(
        path.exists(),
        "no Python with the MCP SDK at {}: run scripts/test (it makes the venv), or \
         `python3 -m venv .cache/mcp-venv && .cache/mcp-venv/bin/pip install mcp==2.3.0`",
        path.display()
    );
    path
}

/// The session files under `dir`, found recursively.
pub fn rollout_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rollout_files(&path, found);
        } else if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("rollout-"))
        {
            found.push(path);
        }
    }
}

/// The audit log's records of one kind.
pub fn audit_records(home: &Path, kind: &str) -> Vec<serde_json::Value> {
    std::fs::read_to_string(home.join("audit.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|r| r["kind"] == kind)
        .collect()
}
