//! From command-line options to a loaded config.

use codex_config::Loaded;
use codex_frontend::{LocalProvider, StartOptions};
use codex_protocol::{AskForApproval, SandboxMode};

use crate::args::{LocalProviderArg, SharedOptions};

/// Root options first, then the subcommand's: later values win, `-c` lists are concatenated.
pub fn merge(root: &SharedOptions, sub: &SharedOptions) -> SharedOptions {
    let mut out = root.clone();
    out.config_overrides
        .extend(sub.config_overrides.iter().cloned());
    out.model = sub.model.clone().or(out.model);
    out.profile = sub.profile.clone().or(out.profile);
    out.sandbox = sub.sandbox.or(out.sandbox);
    out.full_auto |= sub.full_auto;
    out.yolo |= sub.yolo;
    out.oss |= sub.oss;
    out.local_provider = sub.local_provider.or(out.local_provider);
    out.cwd = sub.cwd.clone().or(out.cwd);
    out.add_dirs.extend(sub.add_dirs.iter().cloned());
    out
}

pub struct Extra {
    pub approval: Option<AskForApproval>,
    /// `codex exec` never asks: approvals are forced to `never`.
    pub exec: bool,
}

pub fn load_config(options: &SharedOptions, extra: Extra) -> Result<Loaded, String> {
    let mut loaded = codex_frontend::load_config(&start_options(options, extra), process_env())?;
    adjust_config(&mut loaded.config);
    Ok(loaded)
}

/// The config for a subcommand that runs no turn: a load error is printed and becomes exit
/// status 1. Warnings are left to the caller.
pub fn load_or_report(
    options: &SharedOptions,
    approval: Option<AskForApproval>,
) -> Result<Loaded, i32> {
    load_config(
        options,
        Extra {
            approval,
            exec: false,
        },
    )
    .map_err(|message| {
        eprintln!("error: {message}");
        1
    })
}

/// A one-thread async runtime (a server waits on its client and its sessions, not on the CPU);
/// when one cannot be made, the error is printed and becomes exit status 1.
pub fn current_thread_runtime() -> Result<tokio::runtime::Runtime, i32> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("error: cannot start the async runtime: {e}");
            1
        })
}

/// What only this executable knows about a loaded config.
pub fn adjust_config(config: &mut codex_config::Config) {
    // Installed from npm, the platform package ships `rg` beside this binary (`../path/rg`).
    config.bundled_path = std::env::current_exe()
        .ok()
        .and_then(|exe| codex_process::bundled_path_beside(&exe));
}

/// This process's environment, as a snapshot.
pub fn process_env() -> Vec<(String, String)> {
    std::env::vars_os()
        .map(|(k, v)| {
            (
                k.to_string_lossy().into_owned(),
                v.to_string_lossy().into_owned(),
            )
        })
        .collect()
}

/// The command-line options as the start options every front-end shares.
pub fn start_options(options: &SharedOptions, extra: Extra) -> StartOptions {
    StartOptions {
        config_overrides: options.config_overrides.clone(),
        model: options.model.clone(),
        profile: options.profile.clone(),
        sandbox: options.sandbox.map(SandboxMode::from),
        full_auto: options.full_auto,
        yolo: options.yolo,
        oss: options.oss,
        local_provider: options.local_provider.map(|p| match p {
            LocalProviderArg::Ollama => LocalProvider::Ollama,
            LocalProviderArg::Lmstudio => LocalProvider::Lmstudio,
        }),
        cwd: options.cwd.clone(),
        add_dirs: options.add_dirs.clone(),
        approval: extra.approval,
        never_ask: extra.exec,
        honour_codex_api_key: extra.exec,
    }
}
