//! `codex sandbox linux|macos -- CMD…`, and the helper the binary becomes as
//! `codex-linux-sandbox`.

use std::process::Command;

use codex_sandbox::{SandboxType, wrap_command};

use crate::args::{SandboxArgs, SandboxPlatform, SharedOptions};
use crate::setup::{Extra, load_config, merge};

/// Runs as the Linux sandbox helper; returns the exit code when confinement or exec failed.
#[cfg(target_os = "linux")]
pub fn helper_main(args: &[String]) -> i32 {
    match codex_sandbox::linux::run_helper(args) {
        Ok(never) => match never {},
        Err(e) => {
            eprintln!("codex-linux-sandbox: {e}");
            e.exit_code()
        }
    }
}

pub fn run(root: &SharedOptions, platform: SandboxPlatform) -> i32 {
    let (args, sandbox) = match platform {
        SandboxPlatform::Linux(args) => (args, SandboxType::LinuxSeccomp),
        SandboxPlatform::Macos(args) => (args, SandboxType::MacosSeatbelt),
    };
    match run_sandboxed(root, &args, sandbox) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            1
        }
    }
}

fn run_sandboxed(
    root: &SharedOptions,
    args: &SandboxArgs,
    sandbox: SandboxType,
) -> Result<i32, String> {
    let native = if cfg!(target_os = "linux") {
        SandboxType::LinuxSeccomp
    } else if cfg!(target_os = "macos") {
        SandboxType::MacosSeatbelt
    } else {
        SandboxType::None
    };
    if sandbox != native {
        return Err(format!(
            "this sandbox is not available on {}: `codex sandbox linux` needs Linux and \
             `codex sandbox macos` needs macOS",
            std::env::consts::OS
        ));
    }
    let options = merge(root, &args.shared);
    let loaded = load_config(
        &options,
        Extra {
            approval: None,
            exec: false,
        },
    )?;
    for warning in &loaded.warnings {
        eprintln!("warning: {warning}");
    }
    let config = loaded.config;
    let support = codex_sandbox::probe();
    if !support.usable() {
        return Err(support.describe());
    }
    let helper =
        std::env::current_exe().map_err(|e| format!("cannot find the codex executable: {e}"))?;
    let mut env = codex_process::create_env(&config.shell_environment_policy, &config.env);
    let mut command = args.command.clone();
    if let Some(dir) = &config.bundled_path {
        codex_process::put_bundled_path_first(dir, &mut env, &mut command);
    }
    let tmpdir = env
        .iter()
        .find(|(k, _)| k == "TMPDIR")
        .map(|(_, v)| std::path::PathBuf::from(v));
    let wrapped = wrap_command(
        sandbox,
        &config.sandbox_policy,
        &config.cwd,
        &command,
        Some(&helper),
        tmpdir.as_deref(),
        &config.deny_read,
    )?;
    // Said only when something is hidden, so plain runs keep their stderr to the command.
    if codex_sandbox::summarize_deny_read(&config.deny_read).hidden > 0 {
        let namespaces = !(args.no_namespaces && sandbox == SandboxType::LinuxSeccomp);
        eprintln!(
            "codex sandbox: deny_read: {}",
            codex_sandbox::describe_deny_read(
                &config.sandbox_policy,
                &config.deny_read,
                &support,
                namespaces
            )
        );
    }
    env.extend(wrapped.env.iter().cloned());
    if !config.sandbox_policy.has_full_network_access() {
        env.push(("CODEX_SANDBOX_NETWORK_DISABLED".into(), "1".into()));
    }
    let mut helper_args = wrapped.args.clone();
    if args.no_namespaces && sandbox == SandboxType::LinuxSeccomp {
        helper_args.insert(0, "--no-namespaces".into());
    }
    let mut command = Command::new(&wrapped.program);
    #[cfg(unix)]
    if let Some(arg0) = &wrapped.arg0 {
        use std::os::unix::process::CommandExt;
        command.arg0(arg0);
    }
    let status = command
        .args(&helper_args)
        .current_dir(&config.cwd)
        .env_clear()
        .envs(env)
        .status()
        .map_err(|e| format!("cannot start the sandbox: {e}"))?;
    Ok(exit_code(status))
}

#[cfg(unix)]
fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(1)
}

#[cfg(not(unix))]
fn exit_code(status: std::process::ExitStatus) -> i32 {
    status.code().unwrap_or(1)
}
