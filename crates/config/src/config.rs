//! The resolved, immutable configuration handed to a session.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use codex_protocol::{AskForApproval, ReasoningEffort, ReasoningSummary, SandboxPolicy, Verbosity};

use crate::model_family::{ModelFamily, Price, find_family};
use crate::provider::ModelProviderInfo;
use crate::tables::{EnvInherit, FileOpener, HistoryPersistence, TuiNotifications};

#[derive(Debug, Clone)]
pub struct Config {
    pub codex_home: PathBuf,
    /// `$CODEX_HOME/config.toml` (it may not exist).
    pub config_path: PathBuf,
    /// The directory the agent works in.
    pub cwd: PathBuf,
    pub active_profile: Option<String>,

    pub model: String,
    pub review_model: Option<String>,
    pub model_provider: ModelProviderInfo,
    /// The model's family record, with the user's overrides applied (`model_context_window`,
    /// `[model_prices]`, `features.apply_patch_freeform`, a configured reasoning effort).
    pub model_family: ModelFamily,
    /// The context window: configured, known for the family, or a cautious default.
    pub context_window: u64,
    /// Tokens at which the history is compacted before the next request.
    pub auto_compact_limit: u64,
    pub model_max_output_tokens: Option<u64>,
    pub model_reasoning_effort: Option<ReasoningEffort>,
    pub model_reasoning_summary: ReasoningSummary,
    pub model_verbosity: Option<Verbosity>,

    pub approval_policy: AskForApproval,
    pub sandbox_policy: SandboxPolicy,
    pub shell_environment_policy: ShellEnvironmentPolicy,
    /// Absolute paths no sandboxed command and no built-in tool may read (`[sandbox]
    /// deny_read` with the built-in list, expanded; see [`crate::DEFAULT_DENY_READ`]).
    pub deny_read: Vec<PathBuf>,
    pub audit: Audit,
    /// `[second_opinion]`: the model that reviews each finished turn, when one is set.
    pub second_opinion: Option<SecondOpinion>,
    /// The `-c key=value` overrides given on the command line, as written.
    pub cli_overrides: Vec<String>,

    pub history: History,
    pub notify: Option<Vec<String>>,
    pub hide_agent_reasoning: bool,
    /// `exec --json` adds the turn's estimated cost to `turn.completed`.
    pub json_estimated_cost: bool,
    pub show_raw_agent_reasoning: bool,
    pub project_doc_max_bytes: u64,
    pub project_doc_fallback_filenames: Vec<String>,
    pub tool_output_token_limit: Option<u64>,
    /// Replaces the built-in base instructions (`experimental_instructions_file`).
    pub base_instructions: Option<String>,
    pub developer_instructions: Option<String>,
    pub compact_prompt: Option<String>,
    pub mcp_servers: BTreeMap<String, McpServerConfig>,
    pub features: BTreeMap<String, bool>,
    pub tui: Tui,
    pub file_opener: FileOpener,

    /// What started the session (`cli`, `exec`, `mcp`, …), recorded in its rollout.
    pub session_source: String,
    /// How the caller classified the thread (`codex exec --thread-source`), recorded.
    pub thread_source: Option<String>,
    /// The `codex` executable, re-executed as the Linux sandbox helper. Set by the front-end
    /// that knows it (the CLI: its own executable); without it commands cannot be sandboxed.
    pub sandbox_exe: Option<PathBuf>,
    /// A directory of tools shipped with the binary (the npm package's `rg`), put first on the
    /// `PATH` of every command. Set by the front-end that knows where it was installed; `None`
    /// for a binary built with cargo.
    pub bundled_path: Option<PathBuf>,
    /// Prices the user set in `[model_prices]`, by model name.
    pub model_prices: BTreeMap<String, Price>,
    /// The working directory is a project marked trusted (`[projects."<path>"]`).
    pub cwd_trusted: bool,
    /// The environment of the process at load time: the only place it is read.
    pub env: Environment,
    /// The JGT broker config found on this machine, its secrets, and whether the live guard
    /// applied. Its `Debug` shows no secret.
    pub jgt: crate::jgt::Jgt,
}

impl Config {
    /// The price of `model`: the user's `[model_prices]` entry, else the family's.
    pub fn price_for(&self, model: &str) -> Option<Price> {
        self.model_prices
            .get(model)
            .copied()
            .or_else(|| find_family(model).price)
    }

    pub fn feature_enabled(&self, name: &str) -> bool {
        self.features.get(name).copied().unwrap_or(false)
    }

    /// Whether one of the Codex CLI's beta tools (`grep_files`, `list_dir`, `read_file`) is
    /// offered: as `[features]` says, else as the model family does.
    pub fn experimental_tool_enabled(&self, name: &str) -> bool {
        self.features
            .get(name)
            .copied()
            .unwrap_or_else(|| self.model_family.experimental_tools.contains(&name))
    }

    pub fn env_var(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A snapshot of the process environment. Its `Debug` shows names only: values may be
/// credentials, and a `Config` printed for a log must not carry them.
#[derive(Clone, Default, PartialEq)]
pub struct Environment(Arc<Vec<(String, String)>>);

impl Environment {
    pub fn new(vars: Vec<(String, String)>) -> Self {
        Self(Arc::new(vars))
    }
}

impl std::ops::Deref for Environment {
    type Target = Vec<(String, String)>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl AsRef<Vec<(String, String)>> for Environment {
    fn as_ref(&self) -> &Vec<(String, String)> {
        &self.0
    }
}

impl std::fmt::Debug for Environment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(k, _)| format!("{k}=…")))
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ShellEnvironmentPolicy {
    pub inherit: EnvInherit,
    pub ignore_default_excludes: bool,
    pub exclude: Vec<String>,
    pub set: BTreeMap<String, String>,
    pub include_only: Vec<String>,
    pub use_profile: bool,
}

impl Default for ShellEnvironmentPolicy {
    fn default() -> Self {
        Self {
            inherit: EnvInherit::All,
            ignore_default_excludes: false,
            exclude: Vec::new(),
            set: BTreeMap::new(),
            include_only: Vec::new(),
            use_profile: false,
        }
    }
}

/// `[second_opinion]`, resolved: the reviewing model and its provider.
#[derive(Debug, Clone)]
pub struct SecondOpinion {
    /// The profile it was taken from.
    pub profile: String,
    pub model: String,
    pub provider: ModelProviderInfo,
}

/// `[audit]`, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Audit {
    pub enabled: bool,
    pub path: PathBuf,
    /// `sync_data` after each record.
    pub fsync: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub persistence: HistoryPersistence,
    pub max_bytes: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tui {
    pub notifications: TuiNotifications,
    pub animations: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum McpTransport {
    Stdio {
        command: String,
        args: Vec<String>,
        env: BTreeMap<String, String>,
        env_vars: Vec<String>,
        cwd: Option<PathBuf>,
    },
    StreamableHttp {
        url: String,
        bearer_token_env_var: Option<String>,
        http_headers: BTreeMap<String, String>,
        env_http_headers: BTreeMap<String, String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct McpServerConfig {
    pub transport: McpTransport,
    pub enabled: bool,
    pub required: bool,
    pub startup_timeout: Duration,
    pub tool_timeout: Duration,
    pub enabled_tools: Option<Vec<String>>,
    pub disabled_tools: Vec<String>,
}

#[cfg(test)]
mod env_tests {
    use super::Environment;

    #[test]
    fn debug_shows_names_not_values() {
        let env = Environment::new(vec![("BROKER_PASSWORD".into(), "hunter2-live".into())]);
        let text = format!("{env:?}");
        assert!(text.contains("BROKER_PASSWORD"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        assert_eq!(env.len(), 1);
    }
}
