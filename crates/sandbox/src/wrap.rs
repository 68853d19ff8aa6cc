//! The command line that runs a command under a sandbox.

use std::path::{Path, PathBuf};

use codex_protocol::SandboxPolicy;

use crate::roots::writable_roots;
use crate::seatbelt::{SEATBELT_EXECUTABLE, seatbelt_args};

/// The name the `codex` binary is started under to act as the Linux sandbox helper.
pub const LINUX_SANDBOX_ARG0: &str = "codex-linux-sandbox";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SandboxType {
    None,
    LinuxSeccomp,
    MacosSeatbelt,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxedCommand {
    pub program: PathBuf,
    /// argv[0] to give the program, when it differs from `program`.
    pub arg0: Option<String>,
    pub args: Vec<String>,
    /// Variables to add to the command's environment.
    pub env: Vec<(String, String)>,
}

/// How to start `argv` under `sandbox`. `helper` is the `codex` executable (Linux).
/// `deny_read` are the paths the command must not read (absolute; they need not exist).
pub fn wrap_command(
    sandbox: SandboxType,
    policy: &SandboxPolicy,
    cwd: &Path,
    argv: &[String],
    helper: Option<&Path>,
    tmpdir: Option<&Path>,
    deny_read: &[PathBuf],
) -> Result<SandboxedCommand, String> {
    let Some((program, rest)) = argv.split_first() else {
        return Err("the command is empty".into());
    };
    match sandbox {
        SandboxType::None => Ok(SandboxedCommand {
            program: PathBuf::from(program),
            arg0: None,
            args: rest.to_vec(),
            env: Vec::new(),
        }),
        SandboxType::LinuxSeccomp => {
            let helper = helper.ok_or("the sandbox helper executable is not known")?;
            let policy_json = serde_json::to_string(policy).map_err(|e| e.to_string())?;
            let mut args = vec![
                "--sandbox-policy-cwd".to_string(),
                cwd.display().to_string(),
                "--sandbox-policy".to_string(),
                policy_json,
            ];
            for path in deny_read {
                // Lossy text would name another path and hide nothing: refuse instead.
                let text = path.to_str().ok_or_else(|| {
                    format!("deny_read path `{}` is not valid UTF-8", path.display())
                })?;
                args.push("--deny-read".to_string());
                args.push(text.to_string());
            }
            args.push("--".to_string());
            args.extend(argv.iter().cloned());
            Ok(SandboxedCommand {
                program: helper.to_path_buf(),
                arg0: Some(LINUX_SANDBOX_ARG0.to_string()),
                args,
                env: Vec::new(),
            })
        }
        SandboxType::MacosSeatbelt => {
            let roots = writable_roots(policy, cwd, tmpdir);
            let mut args = seatbelt_args(policy, &roots, deny_read);
            args.push("--".into());
            args.extend(argv.iter().cloned());
            Ok(SandboxedCommand {
                program: PathBuf::from(SEATBELT_EXECUTABLE),
                arg0: None,
                args,
                env: vec![("CODEX_SANDBOX".into(), "seatbelt".into())],
            })
        }
    }
}
