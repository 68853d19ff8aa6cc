//! `/proc`: a sandboxed command must not reach the agent's environment or memory, nor any other
//! process outside the sandbox — as root and as an unprivileged user, with and without
//! namespaces — while the usual uses of `/proc` keep working.

use std::process::{Command, Output, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use super::{Cage, cage, text};

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum User {
    Current,
    /// `nobody`, through setpriv (only when the tests run as root).
    Nobody,
}

const NOBODY: &str = "65534";

pub(super) fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// `codex` started as `user`, in `c`'s workspace, with a clean environment.
pub(super) fn codex_as(c: &Cage, user: User) -> Command {
    let codex = env!("CARGO_BIN_EXE_codex");
    let mut cmd = match user {
        User::Current => Command::new(codex),
        User::Nobody => {
            let mut cmd = Command::new("setpriv");
            cmd.args([
                &format!("--reuid={NOBODY}"),
                &format!("--regid={NOBODY}"),
                "--clear-groups",
                codex,
            ]);
            cmd
        }
    };
    let path = std::env::var("PATH").unwrap_or_default();
    let path = match user {
        User::Current => path,
        // root's own tool directories (pyenv shims, …) are not readable by nobody.
        User::Nobody => format!("/usr/local/bin:/usr/bin:/bin:{path}"),
    };
    cmd.env_clear()
        .env("PATH", path)
        .env("HOME", &c.home)
        .env("CODEX_HOME", &c.home)
        .current_dir(&c.work)
        .stdin(Stdio::null());
    cmd
}

/// The users to try here. `nobody` needs root to switch to, a workspace it owns and a codex
/// binary it can reach; when any of that is missing it is left out, saying so.
pub(super) fn users(c: &Cage) -> Vec<User> {
    let mut users = vec![User::Current];
    if !is_root() {
        eprintln!("not root: the `nobody` cases are left out");
        return users;
    }
    let base = c.work.parent().unwrap();
    let chown = Command::new("chown")
        .args(["-R", &format!("{NOBODY}:{NOBODY}"), base.to_str().unwrap()])
        .status();
    let reachable = chown.is_ok_and(|s| s.success())
        && codex_as(c, User::Nobody)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    if reachable {
        users.push(User::Nobody);
    } else {
        eprintln!("nobody cannot run the codex binary here: the `nobody` cases are left out");
    }
    users
}

struct Secrets {
    api_key: String,
    /// A credential the shell environment policy keeps out of the command's environment.
    filtered: String,
}

fn secrets() -> Secrets {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let nonce = format!("{}{nanos}", std::process::id());
    Secrets {
        api_key: format!("sk-test-{nonce}"),
        filtered: format!("broker-{nonce}"),
    }
}

/// Runs `script` under `codex sandbox linux -s MODE [--no-namespaces]` as `user`, with the
/// secrets in the environment of the `codex` process. Returns the output and codex's PID.
fn sandboxed(
    c: &Cage,
    user: User,
    mode: &str,
    namespaces: bool,
    script: &str,
    s: &Secrets,
) -> (Output, u32) {
    let mut cmd = codex_as(c, user);
    cmd.env("OPENAI_API_KEY", &s.api_key)
        .env("BROKER_SECRET", &s.filtered)
        .args(["sandbox", "linux", "-s", mode]);
    if !namespaces {
        cmd.arg("--no-namespaces");
    }
    let child = cmd
        .args(["--", "bash", "-c", script])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    (child.wait_with_output().unwrap(), pid)
}

/// Everything a command could try through `/proc` to find the agent's secrets: the parent's
/// and every visible process's environment and command line, and every process's memory.
const STEAL: &str = r#"
echo "pid $$"
echo "== ls"; ls /proc
echo "== environ"
for f in /proc/$PPID/environ /proc/1/environ /proc/[0-9]*/environ /proc/[0-9]*/task/*/environ; do
  tr '\0' '\n' < "$f"
done 2>/dev/null
echo "== cmdline"
for f in /proc/$PPID/cmdline /proc/[0-9]*/cmdline; do tr '\0' ' ' < "$f"; echo; done 2>/dev/null
echo "== mem"
python3 - <<'EOF'
import os, re
found = re.compile(rb'(sk-test|broker)-[0-9]+')
for pid in sorted(p for p in os.listdir('/proc') if p.isdigit() and int(p) != os.getpid()):
    try:
        maps = open(f'/proc/{pid}/maps').read().splitlines()
        mem = open(f'/proc/{pid}/mem', 'rb', 0)
    except OSError as e:
        print(pid, e)
        continue
    for line in maps:
        span, perms = line.split()[:2]
        lo, hi = (int(x, 16) for x in span.split('-'))
        if 'r' not in perms or hi - lo > 1 << 28:
            continue
        try:
            mem.seek(lo)
            data = mem.read(hi - lo)
        except (OSError, ValueError, OverflowError):
            continue
        for m in found.finditer(data or b''):
            print('memory of', pid, m.group().decode())
EOF
echo "== done"
"#;

/// The numeric entries of `ls /proc` in the output of `STEAL`.
fn listed_pids(stdout: &str) -> Vec<u32> {
    stdout
        .split("== ls\n")
        .nth(1)
        .and_then(|rest| rest.split("== environ").next())
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

#[test]
fn proc_does_not_reveal_the_agents_environment() {
    let c = cage();
    let s = secrets();
    let mut failures = Vec::new();
    for user in users(&c) {
        for namespaces in [true, false] {
            for mode in ["read-only", "workspace-write"] {
                let case = format!("{user:?}, {mode}, namespaces: {namespaces}");
                let (out, codex_pid) = sandboxed(&c, user, mode, namespaces, STEAL, &s);
                let all = text(&out);
                let stdout = String::from_utf8_lossy(&out.stdout);
                if !stdout.contains("== done") {
                    failures.push(format!("{case}: the attempt did not run:\n{all}"));
                    continue;
                }
                let leaks: Vec<&str> = all
                    .lines()
                    .filter(|l| l.contains(&s.api_key) || l.contains(&s.filtered))
                    .collect();
                if !leaks.is_empty() {
                    failures.push(format!("{case}: secrets found:\n{}", leaks.join("\n")));
                }
                // The command is PID 1 of its own namespace: then only its processes are listed.
                if stdout.starts_with("pid 1\n") && listed_pids(&stdout).contains(&codex_pid) {
                    failures.push(format!(
                        "{case}: codex (PID {codex_pid}) is listed in /proc"
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn proc_keeps_working_inside() {
    let c = cage();
    let s = secrets();
    let script = r#"set -e
ps -e -o pid=,comm= | grep -qw ps
ls /proc/self/fd > /dev/null
grep -q '^Pid:' /proc/self/status
grep -q . /proc/cpuinfo
python3 -c "import os; p = os.readlink('/proc/self'); assert int(p) == os.getpid(), (p, os.getpid())"
git -c safe.directory='*' status --short > /dev/null
echo ok"#;
    let mut failures = Vec::new();
    for user in users(&c) {
        for namespaces in [true, false] {
            let (out, _) = sandboxed(&c, user, "workspace-write", namespaces, script, &s);
            if !out.status.success() || !String::from_utf8_lossy(&out.stdout).contains("ok") {
                failures.push(format!(
                    "{user:?}, namespaces: {namespaces}: {}",
                    text(&out)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The agent is not dumpable: its `/proc` entries belong to root and a process of the same user
/// cannot read its environment (nor attach to it); core files are off.
#[test]
fn the_agent_is_not_dumpable() {
    let c = cage();
    let s = secrets();
    // As root the ownership of /proc entries says nothing: use nobody then.
    let user = if is_root() {
        if !users(&c).contains(&User::Nobody) {
            return;
        }
        User::Nobody
    } else {
        User::Current
    };
    let script =
        "stat -c %u /proc/$PPID/environ; ulimit -Sc; cat /proc/$PPID/environ; echo; echo done";
    let (out, _) = sandboxed(&c, user, "danger-full-access", false, script, &s);
    let all = text(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.first(),
        Some(&"0"),
        "owner of /proc/<codex>/environ:\n{all}"
    );
    assert_eq!(lines.get(1), Some(&"0"), "core file size limit:\n{all}");
    assert!(stdout.contains("done"), "{all}");
    assert!(
        !all.contains(&s.api_key),
        "the environment was read:\n{all}"
    );
    assert!(all.contains("Permission denied"), "{all}");
}
