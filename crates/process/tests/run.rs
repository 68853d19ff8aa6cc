#![allow(clippy::unwrap_used, clippy::expect_used)]
// Process groups, signals and /proc: the Linux behaviour of spawning.
#![cfg(target_os = "linux")]
use std::time::Duration;

use codex_process::{ExecRequest, OutputChunk, SpawnError, TIMEOUT_EXIT_CODE, run};
use codex_protocol::ExecOutputStream;
use tokio_util::sync::CancellationToken;

fn request(script: &str, timeout_ms: u64) -> ExecRequest {
    ExecRequest {
        argv: vec!["bash".into(), "-c".into(), script.into()],
        arg0: None,
        cwd: std::env::temp_dir(),
        env: vec![("PATH".into(), std::env::var("PATH").unwrap_or_default())],
        timeout: Duration::from_millis(timeout_ms),
    }
}

async fn run_collect(
    req: ExecRequest,
) -> (
    Result<codex_process::ExecOutput, SpawnError>,
    Vec<OutputChunk>,
) {
    let mut chunks = Vec::new();
    let out = run(req, CancellationToken::new(), &mut |c| chunks.push(c)).await;
    (out, chunks)
}

fn pid_alive(pid: i32) -> bool {
    // Signal 0 checks for existence; a zombie still counts, so look at its state too.
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| s.split_whitespace().nth(2) == Some("Z"))
        .unwrap_or(true);
    alive && !zombie
}

#[tokio::test]
async fn captures_both_streams_in_order_and_exit_code() {
    let (out, chunks) = run_collect(request("echo out; echo err >&2; exit 3", 5_000)).await;
    let out = out.unwrap();
    assert_eq!(out.exit_code, 3);
    assert_eq!(out.stdout, "out\n");
    assert_eq!(out.stderr, "err\n");
    assert!(out.aggregated.contains("out\n") && out.aggregated.contains("err\n"));
    assert!(!out.timed_out);
    let streams: Vec<_> = chunks.iter().map(|c| c.stream).collect();
    assert!(streams.contains(&ExecOutputStream::Stdout));
    assert!(streams.contains(&ExecOutputStream::Stderr));
}

#[tokio::test]
async fn env_is_exactly_what_was_given() {
    let mut req = request("env", 5_000);
    req.env.push(("ONLY_THIS".into(), "1".into()));
    let out = run_collect(req).await.0.unwrap();
    let mut names: Vec<&str> = out
        .stdout
        .lines()
        .filter_map(|l| l.split('=').next())
        .filter(|n| !["PWD", "SHLVL", "_", "OLDPWD"].contains(n))
        .collect();
    names.sort();
    assert_eq!(names, ["ONLY_THIS", "PATH"]);
}

#[tokio::test]
async fn stdin_is_dev_null() {
    let out = run_collect(request("cat; echo done", 5_000))
        .await
        .0
        .unwrap();
    assert_eq!(out.stdout, "done\n");
}

#[tokio::test]
async fn runs_in_its_own_process_group() {
    let out = run_collect(request("ps -o pgid= -p $$; ps -o pid= -p $$", 5_000))
        .await
        .0
        .unwrap();
    let nums: Vec<&str> = out.stdout.split_whitespace().collect();
    assert_eq!(nums.len(), 2, "{}", out.stdout);
    assert_eq!(nums[0], nums[1], "the command leads its own group");
}

#[tokio::test]
async fn timeout_kills_the_whole_group_and_reports_124() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("grandchild.pid");
    let script = format!(
        "sleep 30 & echo $! > {}; echo started; wait",
        pidfile.display()
    );
    let (out, _) = run_collect(request(&script, 500)).await;
    let out = out.unwrap();
    assert!(out.timed_out);
    assert_eq!(out.exit_code, TIMEOUT_EXIT_CODE);
    assert_eq!(out.stdout, "started\n");
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // The grandchild got SIGKILL with the group; give the kernel a moment to reap it.
    for _ in 0..100 {
        if !pid_alive(pid) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("grandchild {pid} outlived the timeout");
}

#[tokio::test]
async fn interrupt_kills_and_reports_interrupted() {
    let cancel = CancellationToken::new();
    let c2 = cancel.clone();
    let mut first = true;
    let started = std::time::Instant::now();
    let result = run(request("echo ready; sleep 30", 60_000), cancel, &mut |_| {
        if first {
            first = false;
            c2.cancel();
        }
    })
    .await;
    assert!(matches!(result, Err(SpawnError::Interrupted)));
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[tokio::test]
async fn signal_death_is_128_plus_signal() {
    let out = run_collect(request("kill -TERM $$", 5_000))
        .await
        .0
        .unwrap();
    assert_eq!(out.exit_code, 128 + 15);
}

#[tokio::test]
async fn missing_program_and_bad_workdir_are_errors() {
    let mut req = request("true", 1_000);
    req.argv = vec!["definitely-not-a-program-xyz".into()];
    let err = run_collect(req).await.0.unwrap_err();
    assert!(
        err.to_string().contains("definitely-not-a-program-xyz"),
        "{err}"
    );

    let mut req = request("true", 1_000);
    req.cwd = "/nonexistent/dir".into();
    assert!(matches!(
        run_collect(req).await.0,
        Err(SpawnError::BadWorkdir { .. })
    ));

    let mut req = request("true", 1_000);
    req.argv.clear();
    assert!(matches!(
        run_collect(req).await.0,
        Err(SpawnError::EmptyCommand)
    ));
}

#[tokio::test]
async fn large_output_is_kept_whole_for_events() {
    let (out, chunks) = run_collect(request("seq 1 200000", 10_000)).await;
    let out = out.unwrap();
    assert_eq!(out.stdout.lines().count(), 200_000);
    let streamed: usize = chunks.iter().map(|c| c.bytes.len()).sum();
    assert_eq!(streamed, out.stdout.len());
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
async fn a_dropped_run_kills_the_whole_group() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pid");
    let script = format!("sleep 30 & echo $! > {}; wait", file.display());
    let run = run_collect(request(&script, 60_000));
    // The run is dropped half-way, as when its task is cancelled or its runtime shut down.
    let dropped = tokio::time::timeout(Duration::from_millis(1_500), run);
    let pid = tokio::join!(dropped, pid_in(&file)).1;
    for _ in 0..100 {
        if !pid_alive(pid) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the command's background child {pid} outlived its dropped run");
}
