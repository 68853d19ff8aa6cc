//! From command-line options to a loaded config.

use std::path::PathBuf;

use codex_config::{FlagOverrides, LoadOptions, Loaded, load};
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
    if options.full_auto && options.yolo {
        return Err(
            "--full-auto and --dangerously-bypass-approvals-and-sandbox cannot be used together"
                .into(),
        );
    }
    let mut flags = FlagOverrides {
        profile: options.profile.clone(),
        oss: options.oss || options.local_provider.is_some(),
        add_dirs: Vec::new(),
        entries: Vec::new(),
    };
    // A directory that is not there is skipped with a warning, as the Codex CLI does.
    let mut add_dir_warnings = Vec::new();
    for dir in &options.add_dirs {
        match resolve_dir(dir) {
            Ok(full) => flags.add_dirs.push(full),
            Err(e) => add_dir_warnings.push(format!(
                "{}; the directory is not added",
                e.replace("cannot use -C", "--add-dir")
            )),
        }
    }
    if let Some(model) = &options.model {
        flags.set("--model", "model", model.as_str());
    }
    if let Some(provider) = options.local_provider {
        let id = match provider {
            LocalProviderArg::Ollama => "ollama",
            LocalProviderArg::Lmstudio => "lmstudio",
        };
        flags.set("--local-provider", "oss_provider", id);
    }
    if let Some(approval) = extra.approval {
        flags.set("--ask-for-approval", "approval_policy", approval.as_str());
    }
    if options.full_auto {
        flags.set(
            "--full-auto",
            "approval_policy",
            AskForApproval::OnRequest.as_str(),
        );
        flags.set(
            "--full-auto",
            "sandbox_mode",
            SandboxMode::WorkspaceWrite.as_str(),
        );
    }
    if options.yolo {
        let flag = "--dangerously-bypass-approvals-and-sandbox";
        flags.set(flag, "approval_policy", AskForApproval::Never.as_str());
        flags.set(flag, "sandbox_mode", SandboxMode::DangerFullAccess.as_str());
    }
    if let Some(sandbox) = options.sandbox {
        flags.set(
            "--sandbox",
            "sandbox_mode",
            SandboxMode::from(sandbox).as_str(),
        );
    }
    if extra.exec {
        flags.set(
            "codex exec",
            "approval_policy",
            AskForApproval::Never.as_str(),
        );
    }
    let cwd = match &options.cwd {
        Some(dir) => Some(resolve_dir(dir)?),
        None => None,
    };
    let env: Vec<(String, String)> = std::env::vars_os()
        .map(|(k, v)| {
            (
                k.to_string_lossy().into_owned(),
                v.to_string_lossy().into_owned(),
            )
        })
        .collect();
    let mut loaded = load(LoadOptions {
        codex_home: None,
        cwd,
        cli_overrides: options.config_overrides.clone(),
        flags,
        env,
        honour_codex_api_key: extra.exec,
    })
    .map_err(|e| e.to_string())?;
    // Installed from npm, the platform package ships `rg` beside this binary (`../path/rg`).
    loaded.config.bundled_path = std::env::current_exe()
        .ok()
        .and_then(|exe| codex_process::bundled_path_beside(&exe));
    loaded.warnings.splice(0..0, add_dir_warnings);
    Ok(loaded)
}

fn resolve_dir(dir: &PathBuf) -> Result<PathBuf, String> {
    let full =
        std::fs::canonicalize(dir).map_err(|e| format!("cannot use -C {}: {e}", dir.display()))?;
    if !full.is_dir() {
        return Err(format!("cannot use -C {}: not a directory", dir.display()));
    }
    Ok(full)
}
