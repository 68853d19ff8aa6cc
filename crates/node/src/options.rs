//! A thread's options as `lib/native.js` hands them over (the `@openai/codex-sdk` options,
//! already turned into what `codex exec` would be given: `-c` texts in its order, flag values,
//! the complete environment) → the shared [`StartOptions`] and `codex exec`'s checks.

use std::collections::HashMap;
use std::path::PathBuf;

use codex_config::Config;
use codex_frontend::{ResumeTarget, StartOptions};
use codex_protocol::SandboxMode;
use napi_derive::napi;

/// What `startThread` is given. Field names are the JavaScript ones.
#[napi(object)]
#[derive(Clone, Default)]
pub struct ThreadConfig {
    /// `--config key=value` texts, in the order the SDK passes them (later ones win).
    pub config_overrides: Option<Vec<String>>,
    /// `--model`.
    pub model: Option<String>,
    /// `--sandbox`: `read-only`, `workspace-write` or `danger-full-access`.
    pub sandbox_mode: Option<String>,
    /// `--cd`.
    pub working_directory: Option<String>,
    /// `--add-dir`, each.
    pub additional_directories: Option<Vec<String>>,
    /// `--skip-git-repo-check`.
    pub skip_git_repo_check: Option<bool>,
    /// `--thread-source` (new threads only).
    pub thread_source: Option<String>,
    /// The session's whole environment, as the SDK gives its child: it replaces the process
    /// environment for this session (`CODEX_HOME`, `HOME`, provider keys, the commands' `PATH`).
    pub env: HashMap<String, String>,
    /// Someone answers approvals (an `onApproval` callback): the approval policy is the
    /// configured one. Without it the policy is forced to `never`, as in `codex exec`.
    pub ask_for_approval: Option<bool>,
    /// The `codex` executable that sandboxed commands are started through.
    pub sandbox_exe: Option<String>,
    /// The platform package's `path/` directory (with `rg`), first on the commands' `PATH`.
    pub bundled_path: Option<String>,
    /// Continue this recorded session (`codex exec resume ID`).
    pub resume_id: Option<String>,
    /// Add `estimated_cost_usd` to `turn.completed` (`--include-cost`).
    pub include_cost: Option<bool>,
}

impl ThreadConfig {
    /// The options `codex exec` would have been started with.
    pub fn start_options(&self) -> Result<StartOptions, String> {
        let sandbox = match self.sandbox_mode.as_deref() {
            None => None,
            Some(mode) => Some(parse_sandbox(mode)?),
        };
        let never_ask = !self.ask_for_approval.unwrap_or(false);
        Ok(StartOptions {
            config_overrides: self.config_overrides.clone().unwrap_or_default(),
            model: self.model.clone(),
            sandbox,
            cwd: self.working_directory.as_ref().map(PathBuf::from),
            add_dirs: self
                .additional_directories
                .iter()
                .flatten()
                .map(PathBuf::from)
                .collect(),
            never_ask,
            honour_codex_api_key: true,
            ..Default::default()
        })
    }

    pub fn env(&self) -> Vec<(String, String)> {
        self.env
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    pub fn resume(&self) -> Option<ResumeTarget> {
        self.resume_id.clone().map(ResumeTarget::Id)
    }

    /// What `codex exec` sets on the loaded config: its source, where the sandbox helper and
    /// the bundled tools are.
    pub fn finish(&self, config: &mut Config) {
        config.sandbox_exe = self.sandbox_exe.as_ref().map(PathBuf::from);
        config.bundled_path = self.bundled_path.as_ref().map(PathBuf::from);
        config.session_source = "exec".into();
        config.thread_source = match self.resume_id {
            Some(_) => None,
            None => self.thread_source.clone(),
        };
    }
}

/// As clap reports a bad `--sandbox` value.
fn parse_sandbox(mode: &str) -> Result<SandboxMode, String> {
    match mode {
        "read-only" => Ok(SandboxMode::ReadOnly),
        "workspace-write" => Ok(SandboxMode::WorkspaceWrite),
        "danger-full-access" => Ok(SandboxMode::DangerFullAccess),
        other => Err(format!(
            "invalid value '{other}' for '--sandbox <SANDBOX>'\n  [possible values: read-only, \
             workspace-write, danger-full-access]"
        )),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn without_an_approval_callback_nothing_asks() {
        let config = ThreadConfig {
            sandbox_mode: Some("workspace-write".into()),
            additional_directories: Some(vec!["/a".into(), "/b".into()]),
            ..Default::default()
        };
        let options = config.start_options().unwrap();
        assert!(options.never_ask && options.honour_codex_api_key);
        assert_eq!(options.sandbox, Some(SandboxMode::WorkspaceWrite));
        assert_eq!(options.add_dirs.len(), 2);
        let asking = ThreadConfig {
            ask_for_approval: Some(true),
            ..config
        };
        assert!(!asking.start_options().unwrap().never_ask);
        let bad = ThreadConfig {
            sandbox_mode: Some("none".into()),
            ..Default::default()
        };
        assert!(
            bad.start_options()
                .err()
                .unwrap()
                .starts_with("invalid value 'none' for '--sandbox <SANDBOX>'")
        );
    }
}
