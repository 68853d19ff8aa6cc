#![allow(clippy::unwrap_used, clippy::expect_used)]
// `kill_running_commands` kills every command of the process: in a binary of its own, so that
// under `cargo test` (one process, tests in threads) it cannot kill another test's commands.
#![cfg(target_os = "linux")]
use std::time::Duration;

use codex_process::{ExecRequest, run};
use tokio_util::sync::CancellationToken;

fn pid_alive(pid: i32) -> bool {
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| s.split_whitespace().nth(2) == Some("Z"))
        .unwrap_or(true);
    alive && !zombie
}

/// The pid the script wrote to `file` (its background child's), once it is there.
async fn pid_in(file: &std::path::Path) -> i32 {
    for _ in 0..200 {
        if let Ok(text) = std::fs::read_to_string(file)
            && let Ok(pid) = text.trim().parse()
        {
            return pid;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the script did not write its child's pid");
}

#[tokio::test]
async fn kill_running_commands_ends_every_running_group() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pid");
    let script = format!("sleep 30 & echo $! > {}; wait", file.display());
    let request = ExecRequest {
        argv: vec!["bash".into(), "-c".into(), script],
        arg0: None,
        cwd: std::env::temp_dir(),
        env: vec![("PATH".into(), std::env::var("PATH").unwrap_or_default())],
        timeout: Duration::from_secs(60),
    };
    let mut ignore = |_| {};
    let run = run(request, CancellationToken::new(), &mut ignore);
    let kill = async {
        let pid = pid_in(&file).await;
        codex_process::kill_running_commands();
        pid
    };
    let (out, pid) = tokio::join!(run, kill);
    assert_eq!(out.unwrap().exit_code, 128 + libc::SIGKILL);
    for _ in 0..100 {
        if !pid_alive(pid) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{pid} survived kill_running_commands");
}
