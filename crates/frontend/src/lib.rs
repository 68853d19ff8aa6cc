//! What the front-ends that start a session from options share: the options (the `codex`
//! flags, or the Node API's thread options turned into the same flags), `-c` overrides and an
//! environment snapshot → a loaded [`Config`], with the same precedence and files for all; and
//! the checks `codex exec` makes before it starts (trusted directory, output schema, images,
//! prompt, the session to resume).
//!
//! Everything returns its message for the caller to show; nothing here prints, exits, or reads
//! the process environment (the caller hands a snapshot in).

#![deny(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::exit,
    reason = "library code runs inside other processes (the CLI, a Node host); they own output and exit"
)]

mod schema;

use std::path::{Path, PathBuf};

use codex_config::{Config, FlagOverrides, LoadOptions, Loaded, load};
use codex_protocol::{AskForApproval, SandboxMode};

pub use schema::{check_schema, output_schema, read_schema};

/// The options a session is started with, as the `codex` flags spell them.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    /// `-c key=value` texts, in order (later ones win).
    pub config_overrides: Vec<String>,
    pub model: Option<String>,
    pub profile: Option<String>,
    pub sandbox: Option<SandboxMode>,
    pub full_auto: bool,
    /// `--dangerously-bypass-approvals-and-sandbox`.
    pub yolo: bool,
    pub oss: bool,
    /// `--local-provider`: `ollama` or `lmstudio`.
    pub local_provider: Option<LocalProvider>,
    /// `--cd`: the working directory instead of the process's.
    pub cwd: Option<PathBuf>,
    pub add_dirs: Vec<PathBuf>,
    /// `--ask-for-approval`.
    pub approval: Option<AskForApproval>,
    /// Nobody can answer an approval (`codex exec`): the policy is forced to `never`.
    pub never_ask: bool,
    /// Honour `CODEX_API_KEY` (`codex exec`, the Node API).
    pub honour_codex_api_key: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalProvider {
    Ollama,
    Lmstudio,
}

impl LocalProvider {
    pub fn id(self) -> &'static str {
        match self {
            LocalProvider::Ollama => "ollama",
            LocalProvider::Lmstudio => "lmstudio",
        }
    }
}

/// Loads the config for `options` with `env` as the environment snapshot (`CODEX_HOME`,
/// `HOME`, provider keys). Warnings are returned in `Loaded::warnings`; `--add-dir` directories
/// that do not exist are skipped with one, as the Codex CLI does.
pub fn load_config(options: &StartOptions, env: Vec<(String, String)>) -> Result<Loaded, String> {
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
        flags.set("--local-provider", "oss_provider", provider.id());
    }
    if let Some(approval) = options.approval {
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
        flags.set("--sandbox", "sandbox_mode", sandbox.as_str());
    }
    if options.never_ask {
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
    let mut loaded = load(LoadOptions {
        codex_home: None,
        cwd,
        cli_overrides: options.config_overrides.clone(),
        flags,
        env,
        honour_codex_api_key: options.honour_codex_api_key,
        jgt_etc_dir: None,
    })
    .map_err(|e| e.to_string())?;
    loaded.warnings.splice(0..0, add_dir_warnings);
    Ok(loaded)
}

fn resolve_dir(dir: &Path) -> Result<PathBuf, String> {
    let full =
        std::fs::canonicalize(dir).map_err(|e| format!("cannot use -C {}: {e}", dir.display()))?;
    if !full.is_dir() {
        return Err(format!("cannot use -C {}: not a directory", dir.display()));
    }
    Ok(full)
}

/// Which recorded session to continue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResumeTarget {
    Id(String),
    /// The most recent one started here (`all`: anywhere).
    Last {
        all: bool,
    },
}

/// The message `codex exec` stops with outside a Git work tree or a trusted project.
pub const UNTRUSTED_DIR: &str =
    "Not inside a trusted directory and --skip-git-repo-check was not specified.";

/// Inside a Git work tree, or in a project marked trusted.
pub fn trusted_dir(config: &Config) -> bool {
    config.cwd_trusted || config.cwd.ancestors().any(|dir| dir.join(".git").exists())
}

/// The first of `codex exec`'s checks once the config is loaded; then come the output schema
/// ([`read_schema`], [`output_schema`]), the images ([`check_images`]) and the session to
/// resume ([`find_resume`]), in that order, so every front-end reports the same first problem.
pub fn check_directory(config: &Config, skip_git_repo_check: bool) -> Result<(), String> {
    if !skip_git_repo_check && !trusted_dir(config) {
        return Err(UNTRUSTED_DIR.into());
    }
    Ok(())
}

/// Each image is readable and of a kind that can be sent; the paths made absolute (against the
/// process's working directory, as the flag was typed).
pub fn check_images(images: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    for image in images {
        codex_core::local_image_url(image)?;
    }
    Ok(images.iter().map(|p| absolute(p)).collect())
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The rollout file of the session to continue.
pub fn find_resume(config: &Config, target: &ResumeTarget) -> Result<PathBuf, String> {
    match target {
        ResumeTarget::Id(id) => codex_core::find_session(&config.codex_home, id).ok_or_else(|| {
            format!(
                "no recorded session `{id}` under {}; `codex sessions list --all` shows them",
                config.codex_home.join("sessions").display()
            )
        }),
        ResumeTarget::Last { all } => {
            let cwd = (!all).then_some(config.cwd.as_path());
            codex_core::list_sessions(&config.codex_home, cwd)
                .into_iter()
                .next()
                .map(|s| s.path)
                .ok_or_else(|| {
                    "no recorded session to resume here (use --all for every directory)".into()
                })
        }
    }
}

/// The prompt `codex exec` accepts: anything but blank.
pub fn check_prompt(prompt: &str) -> Result<(), String> {
    if prompt.trim().is_empty() {
        return Err("the prompt is empty".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn env(home: &Path) -> Vec<(String, String)> {
        vec![("CODEX_HOME".into(), home.display().to_string())]
    }

    #[test]
    fn flags_win_over_overrides_and_exec_never_asks() {
        let dir = tempfile::tempdir().unwrap();
        let options = StartOptions {
            config_overrides: vec![
                "model=\"from-c\"".into(),
                "approval_policy=untrusted".into(),
            ],
            model: Some("from-flag".into()),
            sandbox: Some(SandboxMode::DangerFullAccess),
            cwd: Some(dir.path().to_path_buf()),
            never_ask: true,
            ..Default::default()
        };
        let config = load_config(&options, env(dir.path())).unwrap().config;
        assert_eq!(config.model, "from-flag");
        assert_eq!(config.approval_policy, AskForApproval::Never);
        assert_eq!(config.sandbox_policy.mode(), SandboxMode::DangerFullAccess);
        let asking = StartOptions {
            never_ask: false,
            ..options
        };
        let config = load_config(&asking, env(dir.path())).unwrap().config;
        assert_eq!(config.approval_policy, AskForApproval::Untrusted);
    }

    #[test]
    fn a_missing_add_dir_is_a_warning_and_a_missing_cd_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let options = StartOptions {
            cwd: Some(dir.path().to_path_buf()),
            add_dirs: vec![dir.path().join("nope")],
            ..Default::default()
        };
        let loaded = load_config(&options, env(dir.path())).unwrap();
        assert!(
            loaded.warnings[0].starts_with("--add-dir ")
                && loaded.warnings[0].ends_with("; the directory is not added"),
            "{:?}",
            loaded.warnings
        );
        let missing = StartOptions {
            cwd: Some(dir.path().join("nope")),
            ..Default::default()
        };
        let e = load_config(&missing, env(dir.path())).unwrap_err();
        assert!(e.starts_with("cannot use -C "), "{e}");
    }

    #[test]
    fn the_directory_images_and_resume_are_checked_with_exec_messages() {
        let dir = tempfile::tempdir().unwrap();
        let options = StartOptions {
            cwd: Some(dir.path().to_path_buf()),
            ..Default::default()
        };
        let config = load_config(&options, env(dir.path())).unwrap().config;
        assert_eq!(check_directory(&config, false).unwrap_err(), UNTRUSTED_DIR);
        assert!(check_directory(&config, true).is_ok());
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        assert!(check_directory(&config, false).is_ok());
        let text = dir.path().join("a.png");
        std::fs::write(&text, "not an image").unwrap();
        let e = check_images(std::slice::from_ref(&text)).unwrap_err();
        assert!(e.ends_with("is not an image this agent can send (PNG, JPEG, GIF or WebP)"));
        let e = find_resume(&config, &ResumeTarget::Id("nope".into())).unwrap_err();
        assert!(e.starts_with("no recorded session `nope` under "), "{e}");
        assert_eq!(check_prompt(" \n").unwrap_err(), "the prompt is empty");
    }
}
