//! Spawning one command: own process group, stdin from /dev/null, live output, a timeout that
//! kills the whole group, and interruption.
//!
//! Windows has no process groups to kill: there the timeout and interruption kill the command
//! itself, and processes it started in the background may outlive it.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use codex_protocol::ExecOutputStream;
use tokio::io::AsyncReadExt;
use tokio::process::Command;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;
/// The exit code reported for a command killed by its timeout (as `timeout(1)` does).
pub const TIMEOUT_EXIT_CODE: i32 = 124;
/// How long to keep reading after the command exits, for output still in flight.
const DRAIN_AFTER_EXIT: Duration = Duration::from_secs(2);
/// Output kept from the start of each stream; past it only a tail is kept.
const HEAD_CAP: usize = 8 * 1024 * 1024;
const TAIL_CAP: usize = 1024 * 1024;
const READ_CHUNK: usize = 8 * 1024;

#[derive(Debug, Clone)]
pub struct ExecRequest {
    /// Program and arguments, run directly (no shell).
    pub argv: Vec<String>,
    /// argv[0] to give the program when it differs from the program path (sandbox helper).
    pub arg0: Option<String>,
    pub cwd: PathBuf,
    /// The complete environment of the command.
    pub env: Vec<(String, String)>,
    pub timeout: Duration,
}

#[derive(Debug, Clone)]
pub struct OutputChunk {
    pub stream: ExecOutputStream,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct ExecOutput {
    pub exit_code: i32,
    pub stdout: String,
    pub stderr: String,
    /// Both streams interleaved in the order they were read.
    pub aggregated: String,
    pub duration: Duration,
    pub timed_out: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error("the command is empty")]
    EmptyCommand,
    #[error("cannot start `{program}`: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("working directory {path} is not usable: {reason}")]
    BadWorkdir { path: PathBuf, reason: String },
    #[error("interrupted")]
    Interrupted,
}

/// Runs the command to completion, its timeout, or cancellation; `on_output` sees every chunk
/// as it is read.
pub async fn run(
    request: ExecRequest,
    cancel: CancellationToken,
    on_output: &mut (dyn FnMut(OutputChunk) + Send),
) -> Result<ExecOutput, SpawnError> {
    let Some((program, args)) = request.argv.split_first() else {
        return Err(SpawnError::EmptyCommand);
    };
    match std::fs::metadata(&request.cwd) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => {
            return Err(SpawnError::BadWorkdir {
                path: request.cwd.clone(),
                reason: "not a directory".into(),
            });
        }
        Err(e) => {
            return Err(SpawnError::BadWorkdir {
                path: request.cwd.clone(),
                reason: e.to_string(),
            });
        }
    }
    let mut command = Command::new(program);
    // Only the Linux sandbox helper is started under another name.
    #[cfg(unix)]
    if let Some(arg0) = &request.arg0 {
        command.arg0(arg0);
    }
    command
        .args(args)
        .current_dir(&request.cwd)
        .env_clear()
        .envs(request.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    command.process_group(0);
    #[cfg(target_os = "linux")]
    // SAFETY: prctl is async-signal-safe and touches only the calling (child) process.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let started = Instant::now();
    let mut child = command.spawn().map_err(|source| SpawnError::Spawn {
        program: program.clone(),
        source,
    })?;
    let group = ProcessGroup::of(&child);
    // Until the command is over, its group is known to `kill_running_commands`, and killed if
    // this future is dropped (its task cancelled, its runtime shut down).
    let mut running = RunningGroup::register(&group);

    let (tx, mut rx) = mpsc::channel::<OutputChunk>(64);
    if let Some(out) = child.stdout.take() {
        tokio::spawn(pump(out, ExecOutputStream::Stdout, tx.clone()));
    }
    if let Some(err) = child.stderr.take() {
        tokio::spawn(pump(err, ExecOutputStream::Stderr, tx.clone()));
    }
    drop(tx);

    let mut stdout = Capture::default();
    let mut stderr = Capture::default();
    let mut aggregated = Capture::default();
    let mut record = |chunk: OutputChunk| {
        match chunk.stream {
            ExecOutputStream::Stdout => stdout.push(&chunk.bytes),
            ExecOutputStream::Stderr => stderr.push(&chunk.bytes),
        }
        aggregated.push(&chunk.bytes);
        on_output(chunk);
    };

    let deadline = tokio::time::sleep(request.timeout);
    tokio::pin!(deadline);
    let mut pipes_open = true;
    let mut timed_out = false;
    let status = loop {
        tokio::select! {
            chunk = rx.recv(), if pipes_open => match chunk {
                Some(chunk) => record(chunk),
                None => pipes_open = false,
            },
            status = child.wait() => break status,
            _ = &mut deadline => {
                timed_out = true;
                group.kill(&mut child);
                break child.wait().await;
            }
            _ = cancel.cancelled() => {
                group.kill(&mut child);
                let _ = child.wait().await;
                running.finished();
                return Err(SpawnError::Interrupted);
            }
        }
    };
    running.finished();
    // Read what is still in the pipes; leftovers of the command that keep them open past the
    // drain window are killed with the group.
    let drain_until = tokio::time::Instant::now() + DRAIN_AFTER_EXIT;
    while pipes_open {
        tokio::select! {
            chunk = rx.recv() => match chunk {
                Some(chunk) => record(chunk),
                None => pipes_open = false,
            },
            _ = tokio::time::sleep_until(drain_until) => {
                group.kill(&mut child);
                break;
            }
            _ = cancel.cancelled() => {
                group.kill(&mut child);
                return Err(SpawnError::Interrupted);
            }
        }
    }
    let exit_code = if timed_out {
        TIMEOUT_EXIT_CODE
    } else {
        match status {
            Ok(status) => exit_code_of(status),
            Err(_) => -1,
        }
    };
    Ok(ExecOutput {
        exit_code,
        stdout: stdout.into_string(),
        stderr: stderr.into_string(),
        aggregated: aggregated.into_string(),
        duration: started.elapsed(),
        timed_out,
    })
}

async fn pump(
    mut reader: impl tokio::io::AsyncRead + Unpin,
    stream: ExecOutputStream,
    tx: mpsc::Sender<OutputChunk>,
) {
    let mut buf = vec![0u8; READ_CHUNK];
    loop {
        match reader.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let chunk = OutputChunk {
                    stream,
                    bytes: buf[..n].to_vec(),
                };
                if tx.send(chunk).await.is_err() {
                    break;
                }
            }
        }
    }
}

/// The process groups of the commands running in this process, so that a host can end them
/// when it goes away (the Node addon, at exit: the commands' parent-death signal reaches only
/// the command itself, not what it started). Process-wide by nature: it is the process's
/// children.
#[cfg(unix)]
static RUNNING_GROUPS: std::sync::Mutex<Vec<libc::pid_t>> = std::sync::Mutex::new(Vec::new());

/// Kills (SIGKILL) the process group of every command running in this process. For a host's
/// exit path; the commands' runs then end as killed. Nothing on Windows, where there are no
/// groups.
pub fn kill_running_commands() {
    #[cfg(unix)]
    {
        let groups = match RUNNING_GROUPS.lock() {
            Ok(groups) => groups.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        for pgid in groups {
            // SAFETY: plain syscall on a process group this process created.
            unsafe {
                libc::killpg(pgid, libc::SIGKILL);
            }
        }
    }
}

/// A running command's entry in [`RUNNING_GROUPS`]; dropped before [`RunningGroup::finished`],
/// it kills the group.
struct RunningGroup {
    #[cfg(unix)]
    pgid: Option<libc::pid_t>,
    armed: bool,
}

impl RunningGroup {
    fn register(group: &ProcessGroup) -> Self {
        #[cfg(unix)]
        {
            let pgid = group.pgid.filter(|p| *p > 0);
            if let Some(pgid) = pgid
                && let Ok(mut groups) = RUNNING_GROUPS.lock()
            {
                groups.push(pgid);
            }
            RunningGroup { pgid, armed: true }
        }
        #[cfg(not(unix))]
        {
            let _ = group;
            RunningGroup { armed: true }
        }
    }

    /// The command has been waited for: its group id may be reused from now on, so it is
    /// neither listed nor killed any more.
    fn finished(&mut self) {
        if !self.armed {
            return;
        }
        self.armed = false;
        #[cfg(unix)]
        if let Some(pgid) = self.pgid
            && let Ok(mut groups) = RUNNING_GROUPS.lock()
            && let Some(i) = groups.iter().position(|g| *g == pgid)
        {
            groups.swap_remove(i);
        }
    }
}

impl Drop for RunningGroup {
    fn drop(&mut self) {
        #[cfg(unix)]
        if self.armed
            && let Some(pgid) = self.pgid
        {
            // SAFETY: plain syscall on a process group we created and have not waited for.
            unsafe {
                libc::killpg(pgid, libc::SIGKILL);
            }
        }
        self.finished();
    }
}

/// The command and what it started: on Unix its own process group (`process_group(0)`).
struct ProcessGroup {
    #[cfg(unix)]
    pgid: Option<libc::pid_t>,
}

impl ProcessGroup {
    #[cfg(unix)]
    fn of(child: &tokio::process::Child) -> Self {
        ProcessGroup {
            pgid: child.id().map(|id| id as libc::pid_t),
        }
    }

    #[cfg(not(unix))]
    fn of(_child: &tokio::process::Child) -> Self {
        ProcessGroup {}
    }

    #[cfg(unix)]
    fn kill(&self, _child: &mut tokio::process::Child) {
        if let Some(pgid) = self.pgid.filter(|p| *p > 0) {
            // SAFETY: plain syscall on a process group we created; failure (already gone) is fine.
            unsafe {
                libc::killpg(pgid, libc::SIGKILL);
            }
        }
    }

    /// The command alone; failure (already gone) is fine.
    #[cfg(not(unix))]
    fn kill(&self, child: &mut tokio::process::Child) {
        let _ = child.start_kill();
    }
}

#[cfg(unix)]
fn exit_code_of(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(signal)) => 128 + signal,
        (None, None) => -1,
    }
}

#[cfg(not(unix))]
fn exit_code_of(status: std::process::ExitStatus) -> i32 {
    status.code().unwrap_or(-1)
}

/// Keeps the first `HEAD_CAP` bytes and the last `TAIL_CAP`, counting what falls between.
#[derive(Default)]
struct Capture {
    head: Vec<u8>,
    tail: VecDeque<u8>,
    dropped: u64,
}

impl Capture {
    fn push(&mut self, bytes: &[u8]) {
        let room = HEAD_CAP.saturating_sub(self.head.len());
        let (to_head, rest) = bytes.split_at(room.min(bytes.len()));
        self.head.extend_from_slice(to_head);
        self.tail.extend(rest);
        if self.tail.len() > TAIL_CAP {
            let excess = self.tail.len() - TAIL_CAP;
            self.tail.drain(..excess);
            self.dropped += excess as u64;
        }
    }

    fn into_string(self) -> String {
        let mut out = String::from_utf8_lossy(&self.head).into_owned();
        if self.dropped > 0 {
            out.push_str(&format!("\n[... {} bytes not kept ...]\n", self.dropped));
        }
        let tail: Vec<u8> = self.tail.into();
        out.push_str(&String::from_utf8_lossy(&tail));
        out
    }
}
