//! The shape of `config.toml`: every key the Codex CLI documents, typed.
//!
//! All fields are optional here; defaults are applied when the file, profile, overrides and
//! flags are resolved into [`crate::Config`]. Unknown keys are not rejected: the loader reports
//! them as warnings.

use std::collections::BTreeMap;
use std::path::PathBuf;

use codex_protocol::{AskForApproval, ReasoningEffort, ReasoningSummary, SandboxMode, Verbosity};
use serde::{Deserialize, Serialize};

use crate::provider::ModelProviderToml;
use crate::tables::{
    AuditToml, FileOpener, GhostSnapshotToml, HistoryToml, JgtToml, McpServerToml, OtelToml,
    ProjectToml, SandboxToml, SandboxWorkspaceWriteToml, SecondOpinionToml,
    ShellEnvironmentPolicyToml, ToolsToml, TuiToml,
};

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct ConfigToml {
    pub model: Option<String>,
    pub review_model: Option<String>,
    pub model_provider: Option<String>,
    /// Base URL of the built-in `openai` provider (beats `OPENAI_BASE_URL`).
    pub openai_base_url: Option<String>,
    pub model_context_window: Option<u64>,
    pub model_auto_compact_token_limit: Option<i64>,
    pub model_max_output_tokens: Option<u64>,
    pub model_reasoning_effort: Option<ReasoningEffort>,
    pub model_reasoning_summary: Option<ReasoningSummary>,
    pub model_verbosity: Option<Verbosity>,
    pub model_supports_reasoning_summaries: Option<bool>,
    pub model_reasoning_summary_format: Option<ReasoningSummaryFormat>,
    pub oss_provider: Option<OssProvider>,

    pub approval_policy: Option<AskForApproval>,
    pub sandbox_mode: Option<SandboxMode>,
    pub sandbox_workspace_write: Option<SandboxWorkspaceWriteToml>,
    pub shell_environment_policy: Option<ShellEnvironmentPolicyToml>,
    pub sandbox: Option<SandboxToml>,
    pub audit: Option<AuditToml>,
    pub jgt: Option<JgtToml>,
    /// `[second_opinion]`: have another model review each finished turn.
    pub second_opinion: Option<SecondOpinionToml>,

    pub profile: Option<String>,
    pub profiles: Option<BTreeMap<String, ConfigToml>>,
    pub model_providers: Option<BTreeMap<String, ModelProviderToml>>,
    pub mcp_servers: Option<BTreeMap<String, McpServerToml>>,
    pub features: Option<BTreeMap<String, bool>>,

    pub history: Option<HistoryToml>,
    pub file_opener: Option<FileOpener>,
    pub notify: Option<Vec<String>>,
    pub hide_agent_reasoning: Option<bool>,
    pub show_raw_agent_reasoning: Option<bool>,
    pub project_doc_max_bytes: Option<u64>,
    pub project_doc_fallback_filenames: Option<Vec<String>>,
    pub tool_output_token_limit: Option<u64>,
    pub instructions: Option<String>,
    pub experimental_instructions_file: Option<PathBuf>,
    pub developer_instructions: Option<String>,
    pub compact_prompt: Option<String>,
    pub experimental_compact_prompt_file: Option<PathBuf>,
    pub tui: Option<TuiToml>,
    pub projects: Option<BTreeMap<String, ProjectToml>>,
    pub tools: Option<ToolsToml>,
    pub check_for_update_on_startup: Option<bool>,
    pub chatgpt_base_url: Option<String>,
    pub forced_login_method: Option<ForcedLoginMethod>,
    pub forced_chatgpt_workspace_id: Option<String>,
    pub cli_auth_credentials_store: Option<CredentialsStore>,
    pub mcp_oauth_credentials_store: Option<CredentialsStore>,
    pub otel: Option<OtelToml>,
    pub ghost_snapshot: Option<GhostSnapshotToml>,
    pub windows_wsl_setup_acknowledged: Option<bool>,
    pub notice: Option<toml::Table>,
    pub disable_response_storage: Option<bool>,
    /// Prices (USD per million tokens) by model name, for cost estimates; adds to or replaces
    /// the built-in table.
    pub model_prices: Option<BTreeMap<String, ModelPriceToml>>,
    /// `codex exec --json`: add `estimated_cost_usd` to `turn.completed` (off by default, so
    /// the events stay exactly the Codex CLI's).
    pub json_estimated_cost: Option<bool>,
    /// The hosted web search tool: `live`, `cached` or `disabled`.
    pub web_search: Option<WebSearchMode>,

    // Legacy switches: still read, mapped onto `[features]` with a warning.
    pub experimental_use_exec_command_tool: Option<bool>,
    pub experimental_use_unified_exec_tool: Option<bool>,
    pub experimental_use_rmcp_client: Option<bool>,
    pub experimental_use_freeform_apply_patch: Option<bool>,
    pub include_apply_patch_tool: Option<bool>,
    pub include_plan_tool: Option<bool>,
    pub include_view_image_tool: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReasoningSummaryFormat {
    None,
    Experimental,
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
pub struct ModelPriceToml {
    pub input: f64,
    pub cached_input: Option<f64>,
    pub output: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WebSearchMode {
    Live,
    Cached,
    Disabled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OssProvider {
    Lmstudio,
    Ollama,
}

impl OssProvider {
    pub fn id(self) -> &'static str {
        match self {
            Self::Lmstudio => "lmstudio",
            Self::Ollama => "ollama",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ForcedLoginMethod {
    Chatgpt,
    Api,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CredentialsStore {
    File,
    Keyring,
    Auto,
}

/// Feature flags the engine knows. Others warn but are kept.
pub const KNOWN_FEATURES: &[&str] = &[
    "unified_exec",
    "rmcp_client",
    "apply_patch_freeform",
    "view_image_tool",
    "web_search_request",
    "ghost_commit",
    "enable_experimental_windows_sandbox",
    "tui2",
    // The beta file tools; unset, the model family decides.
    "grep_files",
    "list_dir",
    "read_file",
];

/// Legacy top-level switches and the feature each one maps to.
pub const LEGACY_FEATURE_KEYS: &[(&str, &str)] = &[
    ("experimental_use_exec_command_tool", "unified_exec"),
    ("experimental_use_unified_exec_tool", "unified_exec"),
    ("experimental_use_rmcp_client", "rmcp_client"),
    (
        "experimental_use_freeform_apply_patch",
        "apply_patch_freeform",
    ),
    ("include_apply_patch_tool", "apply_patch_freeform"),
    ("include_view_image_tool", "view_image_tool"),
];
