#![allow(clippy::unwrap_used, clippy::expect_used)]
// Escape attempts against the Linux sandbox helper.
#![cfg(target_os = "linux")]
//! The sandbox on the real kernel: attempts to get out, each of which must fail and leave no
//! trace, and the things that must keep working inside.

#[path = "../common/mod.rs"]
mod common;
mod deny_read;
mod proc;

use std::io::Read;
use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// A workspace, a directory outside every writable root, and a codex home.
struct Cage {
    _tmp: tempfile::TempDir,
    work: PathBuf,
    outside: PathBuf,
    home: PathBuf,
}

fn cage() -> Cage {
    let tmp = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(tmp.path()).unwrap();
    let work = base.join("work");
    let outside = base.join("outside");
    let home = base.join("home");
    for d in [&work, &outside, &home] {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(outside.join("existing.txt"), "original\n").unwrap();
    std::fs::write(work.join("inside.txt"), "inside\n").unwrap();
    let git = Command::new("git")
        .args(["init", "-q"])
        .current_dir(&work)
        .status()
        .unwrap();
    assert!(git.success());
    std::fs::create_dir_all(work.join(".codex")).unwrap();
    std::fs::write(work.join(".codex/config.toml"), "model = \"x\"\n").unwrap();
    Cage {
        _tmp: tmp,
        work,
        outside,
        home,
    }
}

impl Cage {
    /// Runs `script` with bash under `codex sandbox linux` (workspace-write, /tmp not writable,
    /// so that `outside` really is outside).
    fn run(&self, script: &str, extra: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_codex"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("CODEX_HOME", &self.home)
            .env("OUTSIDE", &self.outside)
            .env("BROKER_API_KEY", "key-123")
            .env("FXCM_SECRET", "secret-456")
            .env("GITHUB_TOKEN", "token-789")
            .current_dir(&self.work)
            .args(["sandbox", "linux", "-s", "workspace-write"])
            .args(["-c", "sandbox_workspace_write.exclude_slash_tmp=true"])
            .args(["-c", "sandbox_workspace_write.exclude_tmpdir_env_var=true"])
            .args(extra)
            .args(["--", "bash", "-c", script])
            .stdin(Stdio::null());
        cmd.output().unwrap()
    }

    fn outside_untouched(&self) -> bool {
        let entries: Vec<_> = std::fs::read_dir(&self.outside)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        entries.len() == 1
            && std::fs::read_to_string(self.outside.join("existing.txt")).unwrap() == "original\n"
            && mode(&self.outside.join("existing.txt")) == 0o644
    }
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Filesystem escapes: every one must fail and leave `outside`, `.git` and `.codex` as they were.
const FS_ATTEMPTS: &[(&str, &str)] = &[
    ("write outside directly", "echo x > \"$OUTSIDE/new.txt\""),
    ("append outside", "echo x >> \"$OUTSIDE/existing.txt\""),
    ("write under /etc", "echo x > /etc/codex-escape"),
    ("write in HOME", "echo x > \"$HOME/escape\""),
    (
        "symlink made inside a root",
        "ln -s \"$OUTSIDE\" link && echo x > link/via-link.txt",
    ),
    (
        "symlink to a file",
        "ln -s \"$OUTSIDE/existing.txt\" f && echo x > f",
    ),
    (
        "hardlink made inside a root",
        "ln \"$OUTSIDE/existing.txt\" hl && echo x >> hl",
    ),
    (
        "rename out of the root",
        "mv inside.txt \"$OUTSIDE/moved.txt\"",
    ),
    (
        "rename outside in",
        "mv \"$OUTSIDE/existing.txt\" ./stolen.txt",
    ),
    (
        "/proc/self/root",
        "echo x > \"/proc/self/root$OUTSIDE/proc-root.txt\"",
    ),
    (
        "/proc/self/cwd/..",
        "echo x > \"/proc/self/cwd/../outside/proc-cwd.txt\"",
    ),
    ("dot-dot", "echo x > ../outside/dotdot.txt"),
    ("cd out then write", "cd .. && echo x > outside/cd.txt"),
    ("chmod outside", "chmod 777 \"$OUTSIDE/existing.txt\""),
    (
        "truncate outside",
        "truncate -s 0 \"$OUTSIDE/existing.txt\"",
    ),
    ("remove outside", "rm -f \"$OUTSIDE/existing.txt\""),
    ("mkdir outside", "mkdir \"$OUTSIDE/dir\""),
    ("touch outside", "touch \"$OUTSIDE/touched\""),
    ("cp outside", "cp inside.txt \"$OUTSIDE/\""),
    (
        "dd outside",
        "dd if=/dev/zero of=\"$OUTSIDE/dd\" bs=1 count=1",
    ),
    (
        "python open outside",
        "python3 -c \"open('$OUTSIDE/py.txt','w').write('x')\"",
    ),
    ("mknod a character device", "mknod ./node c 1 3"),
    ("mknod a block device", "mknod ./node b 8 0"),
    ("/proc/sys write", "echo 1 > /proc/sys/kernel/sysrq"),
    (
        "write .git/hooks",
        "echo 'curl evil' > .git/hooks/pre-commit && chmod +x .git/hooks/pre-commit",
    ),
    (
        "modify .git/config",
        "echo '[core] fsmonitor = evil' >> .git/config",
    ),
    ("replace .git", "mv .git .git-old"),
    (
        "write .codex",
        "echo 'sandbox_mode = \"danger-full-access\"' > .codex/config.toml",
    ),
];

#[test]
fn filesystem_escapes_fail() {
    let c = cage();
    let git_config = std::fs::read(c.work.join(".git/config")).unwrap();
    let sysrq = std::fs::read_to_string("/proc/sys/kernel/sysrq").ok();
    let mut failures = Vec::new();
    for (name, script) in FS_ATTEMPTS {
        let out = c.run(script, &[]);
        let clean = c.outside_untouched()
            && std::fs::read(c.work.join(".git/config")).unwrap() == git_config
            && !c.work.join(".git/hooks/pre-commit").exists()
            && c.work.join(".git").is_dir()
            && std::fs::read_to_string(c.work.join(".codex/config.toml")).unwrap()
                == "model = \"x\"\n"
            && !Path::new("/etc/codex-escape").exists()
            && !c.home.join("escape").exists()
            && std::fs::read_to_string("/proc/sys/kernel/sysrq").ok() == sysrq
            && !c.work.join("node").exists();
        if out.status.success() || !clean {
            failures.push(format!("{name}: {}", text(&out)));
        }
    }
    assert!(
        failures.is_empty(),
        "escapes that worked:\n{}",
        failures.join("\n")
    );
}

/// Network attempts, against listeners this test starts on 127.0.0.1.
#[test]
fn network_escapes_fail() {
    let c = cage();
    let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
    tcp.set_nonblocking(true).unwrap();
    let tcp_port = tcp.local_addr().unwrap().port();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let udp_port = udp.local_addr().unwrap().port();
    let attempts: Vec<(&str, String)> = vec![
        ("bash /dev/tcp", format!("echo hi > /dev/tcp/127.0.0.1/{tcp_port}")),
        ("python tcp", format!("python3 -c \"import socket; socket.create_connection(('127.0.0.1', {tcp_port}), 2)\"")),
        ("python udp", format!("python3 -c \"import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b'x', ('127.0.0.1', {udp_port}))\"")),
        ("dns query to a local resolver", format!("python3 -c \"import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(bytes.fromhex('123401000001000000000000076578616d706c6503636f6d0000010001'), ('127.0.0.1', {udp_port}))\"")),
        ("getaddrinfo", "python3 -c \"import socket; socket.getaddrinfo('example.com', 80)\"".into()),
        ("ipv6 socket", "python3 -c \"import socket; socket.socket(socket.AF_INET6)\"".into()),
        ("raw socket", "python3 -c \"import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)\"".into()),
        ("netlink socket", "python3 -c \"import socket; socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)\"".into()),
        ("packet socket", "python3 -c \"import socket; socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\"".into()),
        ("inet socketpair", "python3 -c \"import socket; socket.socketpair(socket.AF_INET)\"".into()),
    ];
    let mut failures = Vec::new();
    for (name, script) in &attempts {
        let out = c.run(script, &[]);
        if out.status.success() {
            failures.push(format!("{name}: {}", text(&out)));
        }
    }
    assert!(
        tcp.accept().is_err(),
        "a TCP connection reached the listener"
    );
    let mut buf = [0u8; 64];
    assert!(
        udp.recv_from(&mut buf).is_err(),
        "a datagram reached the listener"
    );
    assert!(
        failures.is_empty(),
        "network escapes that worked:\n{}",
        failures.join("\n")
    );
}

/// Kernel and process escapes: io_uring, ptrace, mounts, namespaces, modules, privileges.
const PROCESS_ATTEMPTS: &[(&str, &str)] = &[
    (
        "io_uring_setup",
        "python3 -c \"import ctypes,sys; p=ctypes.create_string_buffer(120); r=ctypes.CDLL(None, use_errno=True).syscall(425, 8, p); sys.exit(0 if r >= 0 else 1)\"",
    ),
    (
        "ptrace the parent",
        "python3 -c \"import ctypes,os,sys; r=ctypes.CDLL(None, use_errno=True).ptrace(16, os.getppid(), 0, 0); sys.exit(0 if r == 0 else 1)\"",
    ),
    (
        "ptrace traceme",
        "python3 -c \"import ctypes,sys; r=ctypes.CDLL(None, use_errno=True).ptrace(0, 0, 0, 0); sys.exit(0 if r == 0 else 1)\"",
    ),
    ("mount tmpfs", "mkdir -p mnt && mount -t tmpfs none mnt"),
    ("remount / read-write", "mount -o remount,rw /"),
    ("unshare user namespace", "unshare -r true"),
    ("unshare mount namespace", "unshare -m true"),
    (
        "bpf",
        "python3 -c \"import ctypes,sys; r=ctypes.CDLL(None, use_errno=True).syscall(321, 0, 0, 0); sys.exit(0 if ctypes.get_errno() != 1 else 1)\"",
    ),
    (
        "load a kernel module",
        "python3 -c \"import ctypes,sys; r=ctypes.CDLL(None, use_errno=True).syscall(313, -1, b'', 0); sys.exit(0 if ctypes.get_errno() != 1 else 1)\"",
    ),
    (
        "gain privileges (no_new_privs unset)",
        "grep -q 'NoNewPrivs:[[:space:]]*0' /proc/self/status",
    ),
    (
        "signal a process outside",
        "kill -0 \"$CODEX_TEST_OUTSIDE_PID\"",
    ),
];

#[test]
fn process_escapes_fail() {
    let c = cage();
    let mut outsider = Command::new("sleep").arg("30").spawn().unwrap();
    let mut failures = Vec::new();
    for (name, script) in PROCESS_ATTEMPTS {
        let script = script.replace("$CODEX_TEST_OUTSIDE_PID", &outsider.id().to_string());
        let out = c.run(&script, &[]);
        if out.status.success() {
            failures.push(format!("{name}: {}", text(&out)));
        }
    }
    let _ = outsider.kill();
    let _ = outsider.wait();
    assert!(
        failures.is_empty(),
        "escapes that worked:\n{}",
        failures.join("\n")
    );
}

#[test]
fn secrets_are_not_visible() {
    let c = cage();
    let out = c.run("env", &[]);
    assert!(out.status.success(), "{}", text(&out));
    let env = String::from_utf8_lossy(&out.stdout);
    for secret in ["key-123", "secret-456", "token-789"] {
        assert!(!env.contains(secret), "{secret} visible:\n{env}");
    }
    assert!(env.contains("CODEX_SANDBOX_NETWORK_DISABLED=1"));
}

#[test]
fn no_process_outlives_the_sandbox() {
    let c = cage();
    let marker = format!("{}", 4000 + std::process::id() % 1000);
    let script = format!(
        "setsid nohup sleep {marker}.5 > /dev/null 2>&1 < /dev/null & disown; echo started"
    );
    let out = c.run(&script, &[]);
    assert!(out.status.success(), "{}", text(&out));
    std::thread::sleep(Duration::from_millis(200));
    let mut ps = String::new();
    Command::new("ps")
        .args(["-eo", "args"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut ps)
        .unwrap();
    assert!(
        !ps.lines().any(|l| l.contains(&format!("sleep {marker}.5"))),
        "a detached process survived its sandbox"
    );
}

#[test]
fn what_must_keep_working() {
    let c = cage();
    let cases: &[(&str, &str)] = &[
        (
            "write, rename, delete inside",
            "echo a > n.txt && mkdir -p d/e && mv n.txt d/e/m.txt && cat d/e/m.txt && rm d/e/m.txt",
        ),
        (
            "read anywhere",
            "cat /etc/hostname /etc/passwd > /dev/null && ls / > /dev/null && cat \"$OUTSIDE/existing.txt\"",
        ),
        ("write /dev/null", "echo x > /dev/null"),
        (
            "git status, log and diff",
            "git status --short && git log --oneline -1 2>/dev/null; git diff --stat",
        ),
        ("fifo inside", "mkfifo p && test -p p"),
        (
            "unix sockets",
            "python3 -c \"import socket,os; a,b=socket.socketpair(); a.send(b'hi'); assert b.recv(2)==b'hi'; s=socket.socket(socket.AF_UNIX); s.bind('u.sock'); s.listen(1); c=socket.socket(socket.AF_UNIX); c.connect('u.sock'); c.send(b'x'); conn,_=s.accept(); assert conn.recv(1)==b'x'\"",
        ),
        (
            "pipes and subshells",
            "echo hi | tr a-z A-Z | grep -q HI && (cd d && true)",
        ),
        (
            "chmod inside",
            "touch s.sh && chmod +x s.sh && test -x s.sh",
        ),
    ];
    for (name, script) in cases {
        let out = c.run(script, &[]);
        assert!(out.status.success(), "{name}: {}", text(&out));
    }
}

#[test]
fn read_only_policy_allows_no_writes_even_in_cwd() {
    let c = cage();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_codex"));
    let out = cmd
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CODEX_HOME", &c.home)
        .current_dir(&c.work)
        .args([
            "sandbox",
            "linux",
            "-s",
            "read-only",
            "--",
            "bash",
            "-c",
            "echo x > ro.txt",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(!c.work.join("ro.txt").exists());
}

#[test]
fn network_access_true_allows_connections() {
    let c = cage();
    let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = tcp.local_addr().unwrap().port();
    let out = c.run(
        &format!("echo hi > /dev/tcp/127.0.0.1/{port}"),
        &["-c", "sandbox_workspace_write.network_access=true"],
    );
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn without_namespaces_landlock_and_seccomp_still_hold() {
    let c = cage();
    for script in [
        "echo x > \"$OUTSIDE/new.txt\"",
        "echo x > /etc/codex-escape",
        "python3 -c \"import socket; socket.socket(socket.AF_INET)\"",
    ] {
        let out = c.run(script, &["--no-namespaces"]);
        assert!(!out.status.success(), "{script}: {}", text(&out));
    }
    assert!(c.outside_untouched());
    let out = c.run("echo ok > fine.txt", &["--no-namespaces"]);
    assert!(out.status.success(), "{}", text(&out));
}
