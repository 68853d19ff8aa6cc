//! The nested tables of `config.toml`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct SandboxWorkspaceWriteToml {
    pub writable_roots: Option<Vec<PathBuf>>,
    pub network_access: Option<bool>,
    pub exclude_tmpdir_env_var: Option<bool>,
    pub exclude_slash_tmp: Option<bool>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EnvInherit {
    #[default]
    All,
    Core,
    None,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct ShellEnvironmentPolicyToml {
    pub inherit: Option<EnvInherit>,
    pub ignore_default_excludes: Option<bool>,
    pub exclude: Option<Vec<String>>,
    pub set: Option<BTreeMap<String, String>>,
    pub include_only: Option<Vec<String>>,
    pub experimental_use_profile: Option<bool>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HistoryPersistence {
    #[default]
    SaveAll,
    None,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct HistoryToml {
    pub persistence: Option<HistoryPersistence>,
    pub max_bytes: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileOpener {
    Vscode,
    VscodeInsiders,
    Windsurf,
    Cursor,
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum TuiNotifications {
    Enabled(bool),
    Custom(Vec<String>),
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct TuiToml {
    pub notifications: Option<TuiNotifications>,
    pub animations: Option<bool>,
    pub notification_method: Option<String>,
    pub alternate_screen: Option<bool>,
    pub show_tooltips: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TrustLevel {
    Trusted,
    Untrusted,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct ProjectToml {
    pub trust_level: Option<TrustLevel>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct ToolsToml {
    pub web_search: Option<bool>,
    pub view_image: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct GhostSnapshotToml {
    pub ignore_large_untracked_files: Option<u64>,
    pub ignore_large_untracked_dirs: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct OtelToml {
    pub environment: Option<String>,
    pub exporter: Option<OtelExporter>,
    pub log_user_prompt: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OtelExporter {
    None,
    OtlpHttp(OtlpEndpoint),
    OtlpGrpc(OtlpEndpoint),
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct OtlpEndpoint {
    pub endpoint: String,
    pub protocol: Option<OtlpProtocol>,
    pub headers: Option<BTreeMap<String, String>>,
    pub tls: Option<OtlpTls>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OtlpProtocol {
    Binary,
    Json,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct OtlpTls {
    pub ca_certificate: Option<PathBuf>,
    pub client_certificate: Option<PathBuf>,
    pub client_private_key: Option<PathBuf>,
}

/// One `[mcp_servers.<id>]` entry, either transport. Which keys belong to which transport is
/// checked after parsing (see [`crate::validate`]).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct McpServerToml {
    // stdio
    pub command: Option<String>,
    pub args: Option<Vec<String>>,
    pub env: Option<BTreeMap<String, String>>,
    pub env_vars: Option<Vec<String>>,
    pub cwd: Option<PathBuf>,
    // streamable HTTP
    pub url: Option<String>,
    pub bearer_token_env_var: Option<String>,
    pub bearer_token: Option<String>,
    pub http_headers: Option<BTreeMap<String, String>>,
    pub env_http_headers: Option<BTreeMap<String, String>>,
    // both
    pub enabled: Option<bool>,
    pub required: Option<bool>,
    pub startup_timeout_sec: Option<f64>,
    pub startup_timeout_ms: Option<u64>,
    pub tool_timeout_sec: Option<f64>,
    pub enabled_tools: Option<Vec<String>>,
    pub disabled_tools: Option<Vec<String>>,
}

/// `[sandbox]`: what no sandboxed command and no built-in tool may read.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct SandboxToml {
    /// Paths (`~/` and `$CODEX_HOME/` expanded; `*` and `?` allowed in the last component)
    /// added to the built-in list.
    pub deny_read: Option<Vec<String>>,
    /// Drop the built-in list (the JGT broker configs, `~/.ssh`, cloud credentials, …).
    pub ignore_default_deny_read: Option<bool>,
}

/// `[audit]`: the tamper-evident record of what the agent decided and did.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct AuditToml {
    pub enabled: Option<bool>,
    /// Default: `$CODEX_HOME/audit.jsonl`.
    pub path: Option<PathBuf>,
    /// Flush each record to the disk before going on (default: no; a few ms per record).
    pub fsync: Option<bool>,
}

/// `[jgt]`: the bridge to the JGT trading tools' broker configuration.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct JgtToml {
    /// With a live (`connection = "Real"`) broker config found, apply the `trading-secure`
    /// restrictions. Only an explicit `false` turns this off.
    pub live_guard: Option<bool>,
}

/// `[second_opinion]`: when a turn ends, another model (the one a profile names) reviews its
/// task, answer, commands and diff.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct SecondOpinionToml {
    /// A profile defined under `[profiles]`: its `model` and `model_provider` are the reviewer.
    pub profile: Option<String>,
}
