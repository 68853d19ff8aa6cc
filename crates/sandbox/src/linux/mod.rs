//! The Linux helper: `codex-linux-sandbox --sandbox-policy-cwd DIR --sandbox-policy JSON
//! [--deny-read PATH]… [--no-namespaces] -- COMMAND…` confines itself, then execs the command.
//!
//! `deny_read`: in the private mount namespace each existing denied directory is covered by an
//! empty read-only tmpfs and each denied file by the null device on a read-only, `nodev` bind
//! mount (opening it fails), mounted after the read-only/writable remounts so none of them can
//! reopen it; the command cannot unmount (no `CAP_SYS_ADMIN`, no mount calls past seccomp).
//! Without namespaces, Landlock grants reads (and writes in the roots) beside the denied paths
//! instead of over them: see [`landlock_rules`].

mod caps;
mod landlock_rules;
mod namespaces;
mod seccomp;

use std::convert::Infallible;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;

use codex_protocol::SandboxPolicy;

use crate::deny_read::{existing_denied, hard_links_in};
use crate::roots::writable_roots;

#[derive(Debug, thiserror::Error)]
pub enum HelperError {
    #[error(
        "usage: codex-linux-sandbox --sandbox-policy-cwd DIR --sandbox-policy JSON [--deny-read PATH]… [--no-namespaces] -- COMMAND [ARGS…]: {0}"
    )]
    Usage(String),
    #[error("cannot confine the command: {0}")]
    Confine(String),
    #[error("cannot run `{program}`: {source}")]
    Exec {
        program: String,
        source: std::io::Error,
    },
}

impl HelperError {
    /// Exit code: 125 for bad usage, 126 when confinement failed, 127 when the command is missing.
    pub fn exit_code(&self) -> i32 {
        match self {
            HelperError::Usage(_) => 125,
            HelperError::Confine(_) => 126,
            HelperError::Exec { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                127
            }
            HelperError::Exec { .. } => 126,
        }
    }
}

struct Request {
    cwd: PathBuf,
    policy: SandboxPolicy,
    namespaces: bool,
    deny_read: Vec<PathBuf>,
    command: Vec<String>,
}

fn parse(args: &[String]) -> Result<Request, HelperError> {
    let mut cwd = None;
    let mut policy = None;
    let mut namespaces = true;
    let mut deny_read = Vec::new();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--sandbox-policy-cwd" => {
                cwd = args.get(i + 1).map(PathBuf::from);
                i += 2;
            }
            "--sandbox-policy" => {
                let json = args
                    .get(i + 1)
                    .ok_or(HelperError::Usage("policy missing".into()))?;
                policy = Some(
                    serde_json::from_str::<SandboxPolicy>(json)
                        .map_err(|e| HelperError::Usage(format!("bad policy: {e}")))?,
                );
                i += 2;
            }
            "--deny-read" => {
                let path = args
                    .get(i + 1)
                    .map(PathBuf::from)
                    .filter(|p| p.is_absolute())
                    .ok_or(HelperError::Usage(
                        "--deny-read needs an absolute path".into(),
                    ))?;
                deny_read.push(path);
                i += 2;
            }
            "--no-namespaces" => {
                namespaces = false;
                i += 1;
            }
            "--" => {
                i += 1;
                break;
            }
            other => return Err(HelperError::Usage(format!("unexpected `{other}`"))),
        }
    }
    let command = args[i.min(args.len())..].to_vec();
    if command.is_empty() {
        return Err(HelperError::Usage("no command".into()));
    }
    Ok(Request {
        cwd: cwd.ok_or(HelperError::Usage("--sandbox-policy-cwd missing".into()))?,
        policy: policy.ok_or(HelperError::Usage("--sandbox-policy missing".into()))?,
        namespaces,
        deny_read,
        command,
    })
}

/// Confines this process and execs the command; returns only on failure.
pub fn run_helper(args: &[String]) -> Result<Infallible, HelperError> {
    let request = parse(args)?;
    // The helper stays dumpable, unlike the agent: it holds only the filtered environment, and
    // unprivileged it must write its own /proc/self/uid_map, which non-dumpable would forbid.
    // Die with the parent: nothing the agent started may outlive it.
    // SAFETY: prctl with plain integer arguments.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
    }
    if request.policy != SandboxPolicy::DangerFullAccess {
        confine(&request)?;
    }
    let (program, rest) = request
        .command
        .split_first()
        .ok_or(HelperError::Usage("no command".into()))?;
    let source = std::process::Command::new(program).args(rest).exec();
    Err(HelperError::Exec {
        program: program.clone(),
        source,
    })
}

fn confine(request: &Request) -> Result<(), HelperError> {
    let tmpdir = std::env::var_os("TMPDIR").map(PathBuf::from);
    let roots = writable_roots(&request.policy, &request.cwd, tmpdir.as_deref());
    // Resolved before any mount: the paths as the kernel finds them now.
    let mut denied = existing_denied(&request.deny_read);
    let mut workspace: Vec<PathBuf> = vec![request.cwd.clone()];
    workspace.extend(roots.iter().map(|r| r.root.clone()));
    let links = hard_links_in(&workspace, &denied);
    denied.extend(links);
    let confine_err = |what: &str, e: std::io::Error| HelperError::Confine(format!("{what}: {e}"));
    let isolated = if request.namespaces {
        // In a new mount and PID namespace, this returns in the child (PID 1 of the namespace);
        // the parent waits for it and exits with its status.
        namespaces::enter().map_err(|e| confine_err("namespaces", e))?
    } else {
        false
    };
    if isolated {
        namespaces::read_only_except(&roots, &denied).map_err(|e| confine_err("mounts", e))?;
    }
    caps::drop_dangerous().map_err(|e| confine_err("capabilities", e))?;
    // SAFETY: prctl with plain integer arguments.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        return Err(confine_err("no_new_privs", std::io::Error::last_os_error()));
    }
    // With the mounts hiding them, Landlock need not know the denied paths.
    let landlock_denied = if isolated { &[][..] } else { &denied[..] };
    let enforced =
        landlock_rules::restrict(&roots, landlock_denied).map_err(HelperError::Confine)?;
    if !enforced && !isolated {
        return Err(HelperError::Confine(
            "neither Landlock nor mount namespaces are available, so writes cannot be confined"
                .into(),
        ));
    }
    seccomp::install(request.policy.has_full_network_access()).map_err(HelperError::Confine)?;
    Ok(())
}
