//! Model providers: the `[model_providers.<id>]` table and the built-in entries.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WireApi {
    /// The OpenAI Responses API (`POST /responses`).
    Responses,
    /// Chat Completions (`POST /chat/completions`), as most compatible servers speak it.
    Chat,
    /// The Anthropic Messages API (`POST /messages`).
    Anthropic,
}

impl WireApi {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Responses => "responses",
            Self::Chat => "chat",
            Self::Anthropic => "anthropic",
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct ModelProviderToml {
    pub name: Option<String>,
    pub base_url: Option<String>,
    pub env_key: Option<String>,
    pub env_key_instructions: Option<String>,
    pub experimental_bearer_token: Option<String>,
    pub wire_api: Option<WireApi>,
    pub query_params: Option<BTreeMap<String, String>>,
    pub http_headers: Option<BTreeMap<String, String>>,
    pub env_http_headers: Option<BTreeMap<String, String>>,
    pub request_max_retries: Option<u64>,
    /// The longest wait a server may ask for (`Retry-After`) that is still waited out.
    pub request_max_retry_wait_secs: Option<u64>,
    pub stream_max_retries: Option<u64>,
    pub stream_idle_timeout_ms: Option<u64>,
    pub requires_openai_auth: Option<bool>,
}

pub const DEFAULT_REQUEST_MAX_RETRIES: u64 = 4;
pub const DEFAULT_REQUEST_MAX_RETRY_WAIT_SECS: u64 = 120;
pub const DEFAULT_STREAM_MAX_RETRIES: u64 = 5;
pub const DEFAULT_STREAM_IDLE_TIMEOUT_MS: u64 = 300_000;
const MAX_RETRIES_CAP: u64 = 100;
const OPENAI_DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
const ANTHROPIC_DEFAULT_BASE_URL: &str = "https://api.anthropic.com/v1";
/// Where an Anthropic-wire provider that names no `env_key` finds its key.
const ANTHROPIC_DEFAULT_ENV_KEY: &str = "ANTHROPIC_API_KEY";

/// A provider with its defaults applied and its environment looked up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelProviderInfo {
    pub id: String,
    pub name: String,
    pub base_url: String,
    pub wire_api: WireApi,
    pub env_key: Option<String>,
    pub env_key_instructions: Option<String>,
    pub query_params: BTreeMap<String, String>,
    /// Static headers plus the `env_http_headers` whose variables are set.
    pub http_headers: BTreeMap<String, String>,
    pub request_max_retries: u64,
    /// A request whose server asks to wait longer than this before retrying fails instead.
    pub request_max_retry_wait_secs: u64,
    pub stream_max_retries: u64,
    pub stream_idle_timeout_ms: u64,
    pub requires_openai_auth: bool,
    /// Where the key comes from; the key itself is never serialised.
    #[serde(skip)]
    pub auth: ProviderAuth,
}

/// The credential a provider sends, resolved once when config is loaded.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum ProviderAuth {
    /// No credential is needed.
    #[default]
    None,
    /// A key or token, sent as the wire sends credentials (`Authorization: Bearer`, or
    /// `x-api-key` on the Anthropic wire).
    Bearer(String),
    /// The provider names an environment variable that is unset or empty.
    Missing {
        env_key: String,
        instructions: Option<String>,
    },
}

/// What the provider resolution needs from the process environment.
pub(crate) struct ProviderEnv<'a> {
    pub lookup: &'a dyn Fn(&str) -> Option<String>,
    /// `CODEX_API_KEY`, honoured by `codex exec` for providers that use OpenAI auth.
    pub exec_api_key: Option<String>,
    /// `OPENAI_API_KEY` stored by a login, if any.
    pub stored_api_key: Option<String>,
}

/// `openai_base_url` (config) wins over `OPENAI_BASE_URL` (environment) for the built-in
/// OpenAI provider.
pub(crate) fn built_in_providers(
    lookup: &dyn Fn(&str) -> Option<String>,
    openai_base_url: Option<&str>,
) -> BTreeMap<String, ModelProviderToml> {
    let non_empty = |k: &str| lookup(k).filter(|v| !v.trim().is_empty());
    let mut map = BTreeMap::new();
    let openai_headers = BTreeMap::from([
        (
            "OpenAI-Organization".to_string(),
            "OPENAI_ORGANIZATION".to_string(),
        ),
        ("OpenAI-Project".to_string(), "OPENAI_PROJECT".to_string()),
    ]);
    map.insert(
        "openai".to_string(),
        ModelProviderToml {
            name: Some("OpenAI".to_string()),
            base_url: Some(
                openai_base_url
                    .map(String::from)
                    .or_else(|| non_empty("OPENAI_BASE_URL"))
                    .unwrap_or_else(|| OPENAI_DEFAULT_BASE_URL.to_string()),
            ),
            env_key: Some("OPENAI_API_KEY".to_string()),
            env_key_instructions: Some(
                "Create an API key at https://platform.openai.com/api-keys and export it: \
                 `export OPENAI_API_KEY=sk-...`"
                    .to_string(),
            ),
            wire_api: Some(WireApi::Responses),
            http_headers: Some(BTreeMap::from([(
                "version".to_string(),
                env!("CARGO_PKG_VERSION").to_string(),
            )])),
            env_http_headers: Some(openai_headers),
            requires_openai_auth: Some(true),
            ..Default::default()
        },
    );
    let oss = |port: u16, wire: WireApi, name: &str| {
        let base = non_empty("CODEX_OSS_BASE_URL").unwrap_or_else(|| {
            let port = non_empty("CODEX_OSS_PORT")
                .and_then(|p| p.trim().parse::<u16>().ok())
                .unwrap_or(port);
            format!("http://localhost:{port}/v1")
        });
        ModelProviderToml {
            name: Some(name.to_string()),
            base_url: Some(base),
            wire_api: Some(wire),
            ..Default::default()
        }
    };
    map.insert(
        "anthropic".to_string(),
        ModelProviderToml {
            name: Some("Anthropic".to_string()),
            base_url: Some(ANTHROPIC_DEFAULT_BASE_URL.to_string()),
            env_key: Some(ANTHROPIC_DEFAULT_ENV_KEY.to_string()),
            env_key_instructions: Some(
                "Create an API key at https://console.anthropic.com/settings/keys and export \
                 it: `export ANTHROPIC_API_KEY=sk-ant-...`"
                    .to_string(),
            ),
            wire_api: Some(WireApi::Anthropic),
            ..Default::default()
        },
    );
    map.insert("ollama".to_string(), oss(11434, WireApi::Chat, "Ollama"));
    map.insert(
        "lmstudio".to_string(),
        oss(1234, WireApi::Responses, "LM Studio"),
    );
    map
}

pub(crate) fn resolve_provider(
    id: &str,
    toml: &ModelProviderToml,
    env: &ProviderEnv<'_>,
) -> ModelProviderInfo {
    let non_empty = |k: &str| (env.lookup)(k).filter(|v| !v.trim().is_empty());
    let requires_openai_auth = toml.requires_openai_auth.unwrap_or(false);
    let mut http_headers = toml.http_headers.clone().unwrap_or_default();
    for (header, var) in toml.env_http_headers.iter().flatten() {
        if let Some(value) = non_empty(var) {
            http_headers.insert(header.clone(), value);
        }
    }
    let auth = if let Some(token) = &toml.experimental_bearer_token {
        ProviderAuth::Bearer(token.clone())
    } else if let Some(key) = requires_openai_auth
        .then(|| env.exec_api_key.clone())
        .flatten()
    {
        ProviderAuth::Bearer(key)
    } else if let Some(var) = &toml.env_key {
        match non_empty(var) {
            Some(v) => ProviderAuth::Bearer(v.trim().to_string()),
            None => match requires_openai_auth
                .then(|| env.stored_api_key.clone())
                .flatten()
            {
                Some(key) => ProviderAuth::Bearer(key),
                None => ProviderAuth::Missing {
                    env_key: var.clone(),
                    instructions: toml.env_key_instructions.clone(),
                },
            },
        }
    } else if toml.wire_api == Some(WireApi::Anthropic) {
        // As Anthropic's own clients do; a proxy that needs no key works without it.
        match non_empty(ANTHROPIC_DEFAULT_ENV_KEY) {
            Some(v) => ProviderAuth::Bearer(v.trim().to_string()),
            None => ProviderAuth::None,
        }
    } else {
        ProviderAuth::None
    };
    ModelProviderInfo {
        id: id.to_string(),
        name: toml.name.clone().unwrap_or_else(|| id.to_string()),
        base_url: toml
            .base_url
            .clone()
            .unwrap_or_else(|| OPENAI_DEFAULT_BASE_URL.to_string()),
        // User-defined providers speak Chat Completions unless they say otherwise.
        wire_api: toml.wire_api.unwrap_or(WireApi::Chat),
        env_key: toml.env_key.clone(),
        env_key_instructions: toml.env_key_instructions.clone(),
        query_params: toml.query_params.clone().unwrap_or_default(),
        http_headers,
        request_max_retries: toml
            .request_max_retries
            .unwrap_or(DEFAULT_REQUEST_MAX_RETRIES)
            .min(MAX_RETRIES_CAP),
        request_max_retry_wait_secs: toml
            .request_max_retry_wait_secs
            .unwrap_or(DEFAULT_REQUEST_MAX_RETRY_WAIT_SECS),
        stream_max_retries: toml
            .stream_max_retries
            .unwrap_or(DEFAULT_STREAM_MAX_RETRIES)
            .min(MAX_RETRIES_CAP),
        stream_idle_timeout_ms: toml
            .stream_idle_timeout_ms
            .unwrap_or(DEFAULT_STREAM_IDLE_TIMEOUT_MS),
        requires_openai_auth,
        auth,
    }
}
