//! From the merged `ConfigToml` to the immutable [`Config`], checking values that the schema
//! alone cannot (references between keys, paths, transports).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use codex_protocol::{SandboxMode, SandboxPolicy};

use crate::config::{
    Audit, Config, History, McpServerConfig, McpTransport, ShellEnvironmentPolicy, Tui,
};
use crate::error::ConfigError;
use crate::file::{MAX_CONFIG_FILE_BYTES, read_text_file};
use crate::layers::{Layered, Source};
use crate::load::{Warnings, error_at};
use crate::model_family::{DEFAULT_CONTEXT_WINDOW, PatchToolForm, Price, find_family};
use crate::provider::{ProviderEnv, built_in_providers, resolve_provider};
use crate::schema::{ConfigToml, KNOWN_FEATURES, LEGACY_FEATURE_KEYS};
use crate::tables::{FileOpener, HistoryPersistence, McpServerToml, TrustLevel, TuiNotifications};

pub(crate) struct Context {
    pub codex_home: PathBuf,
    pub config_path: PathBuf,
    pub cwd: PathBuf,
    pub active_profile: Option<String>,
    pub env: crate::config::Environment,
    pub honour_codex_api_key: bool,
    /// `--add-dir` directories: extra writable roots.
    pub add_dirs: Vec<PathBuf>,
    /// `-c key=value` overrides, as written.
    pub cli_overrides: Vec<String>,
    /// The JGT broker config found (see [`crate::Jgt`]).
    pub jgt: crate::Jgt,
}

pub(crate) fn resolve(
    toml: ConfigToml,
    effective: &Layered,
    ctx: Context,
    warnings: &mut Warnings,
) -> Result<Config, ConfigError> {
    let source_of = |key: &str| -> Source {
        let path: Vec<String> = key.split('.').map(String::from).collect();
        effective.source(&path).cloned().unwrap_or(Source::Default)
    };
    let fail = |key: &str, message: String| error_at(&source_of(key), key, message);
    let lookup = |key: &str| -> Option<String> {
        ctx.env
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };

    // Providers: built-ins win over user entries of the same id.
    let built_ins = built_in_providers(&lookup, toml.openai_base_url.as_deref());
    let mut providers = toml.model_providers.clone().unwrap_or_default();
    for (id, built_in) in &built_ins {
        if providers.contains_key(id) {
            warnings.push(format!(
                "model_providers.{id} is built in and cannot be redefined; define the provider \
                 under another id and select it with model_provider"
            ));
        }
        providers.insert(id.clone(), built_in.clone());
    }
    let provider_id = toml
        .model_provider
        .clone()
        .unwrap_or_else(|| "openai".into());
    let Some(provider_toml) = providers.get(&provider_id) else {
        let known: Vec<&str> = providers.keys().map(String::as_str).collect();
        return Err(fail(
            "model_provider",
            format!(
                "no provider `{provider_id}`; known providers: {}. Define it under \
                 [model_providers.{provider_id}]",
                known.join(", ")
            ),
        ));
    };
    if let Some(url) = &provider_toml.base_url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        return Err(fail(
            &format!("model_providers.{provider_id}.base_url"),
            format!("`{url}` is not an http(s) URL"),
        ));
    }
    let provider_env = ProviderEnv {
        lookup: &lookup,
        exec_api_key: ctx
            .honour_codex_api_key
            .then(|| lookup("CODEX_API_KEY"))
            .flatten()
            .filter(|v| !v.trim().is_empty()),
        stored_api_key: stored_api_key(&ctx.codex_home)?,
    };
    let model_provider = resolve_provider(&provider_id, provider_toml, &provider_env);

    // The reviewer: the model and provider of the profile `[second_opinion]` names, each
    // falling back to the main ones as a profile would.
    // An empty profile turns it off (`-c second_opinion.profile=""`).
    let second_opinion = match toml
        .second_opinion
        .as_ref()
        .and_then(|s| s.profile.clone())
        .filter(|p| !p.trim().is_empty())
    {
        None => None,
        Some(name) => {
            let Some(profile) = toml.profiles.as_ref().and_then(|p| p.get(&name)) else {
                let defined: Vec<&str> = toml
                    .profiles
                    .iter()
                    .flat_map(|p| p.keys().map(String::as_str))
                    .collect();
                return Err(fail(
                    "second_opinion.profile",
                    format!(
                        "profile `{name}` is not defined; add a [profiles.{name}] table with the \
                         reviewer's model and model_provider (defined profiles: {})",
                        if defined.is_empty() {
                            "none".to_string()
                        } else {
                            defined.join(", ")
                        }
                    ),
                ));
            };
            let id = profile
                .model_provider
                .clone()
                .unwrap_or_else(|| provider_id.clone());
            let Some(reviewer_toml) = providers.get(&id) else {
                let known: Vec<&str> = providers.keys().map(String::as_str).collect();
                return Err(fail(
                    &format!("profiles.{name}.model_provider"),
                    format!(
                        "no provider `{id}` for the second opinion; known providers: {}",
                        known.join(", ")
                    ),
                ));
            };
            Some(crate::config::SecondOpinion {
                profile: name.clone(),
                model: profile
                    .model
                    .clone()
                    .or_else(|| toml.model.clone())
                    .unwrap_or_else(|| crate::load::DEFAULT_MODEL.to_string()),
                provider: resolve_provider(&id, reviewer_toml, &provider_env),
            })
        }
    };

    // Sandbox: an unset mode in a trusted project means workspace-write.
    let cwd_key = ctx.cwd.to_string_lossy().to_string();
    let trusted = toml
        .projects
        .as_ref()
        .and_then(|p| p.get(&cwd_key))
        .and_then(|p| p.trust_level)
        == Some(TrustLevel::Trusted);
    let mut mode = toml.sandbox_mode.unwrap_or_default();
    if trusted && source_of("sandbox_mode") == Source::Default {
        mode = SandboxMode::WorkspaceWrite;
    }
    let sww = toml.sandbox_workspace_write.clone().unwrap_or_default();
    let mut writable_roots = sww.writable_roots.clone().unwrap_or_default();
    for dir in &ctx.add_dirs {
        if !writable_roots.contains(dir) {
            writable_roots.push(dir.clone());
        }
    }
    for root in &writable_roots {
        if !root.is_absolute() {
            return Err(fail(
                "sandbox_workspace_write.writable_roots",
                format!("`{}` is not an absolute path", root.display()),
            ));
        }
    }
    let sandbox_policy = match mode {
        SandboxMode::ReadOnly => SandboxPolicy::ReadOnly,
        SandboxMode::DangerFullAccess => SandboxPolicy::DangerFullAccess,
        SandboxMode::WorkspaceWrite => SandboxPolicy::WorkspaceWrite {
            writable_roots,
            network_access: sww.network_access.unwrap_or(false),
            exclude_tmpdir_env_var: sww.exclude_tmpdir_env_var.unwrap_or(false),
            exclude_slash_tmp: sww.exclude_slash_tmp.unwrap_or(false),
        },
    };

    let sep = toml.shell_environment_policy.clone().unwrap_or_default();
    let shell_environment_policy = ShellEnvironmentPolicy {
        inherit: sep.inherit.unwrap_or_default(),
        ignore_default_excludes: sep.ignore_default_excludes.unwrap_or(false),
        exclude: sep.exclude.unwrap_or_default(),
        set: sep.set.unwrap_or_default(),
        include_only: sep.include_only.unwrap_or_default(),
        use_profile: sep.experimental_use_profile.unwrap_or(false),
    };

    let sandbox = toml.sandbox.clone().unwrap_or_default();
    let mut deny_entries: Vec<String> = Vec::new();
    if !sandbox.ignore_default_deny_read.unwrap_or(false) {
        deny_entries.extend(crate::DEFAULT_DENY_READ.iter().map(|s| s.to_string()));
    }
    deny_entries.extend(sandbox.deny_read.clone().unwrap_or_default());
    let home = lookup("HOME").filter(|h| !h.is_empty()).map(PathBuf::from);
    let mut deny_read =
        crate::expand_entries(&deny_entries, home.as_deref(), &ctx.codex_home, &ctx.cwd)
            .map_err(|e| fail("sandbox.deny_read", format!("`{}`: {}", e.entry, e.message)))?;
    if !sandbox.ignore_default_deny_read.unwrap_or(false) {
        crate::deny_read::add_found_jgt_files(&mut deny_read, &ctx.jgt);
    }

    let audit_toml = toml.audit.clone().unwrap_or_default();
    let audit = Audit {
        enabled: audit_toml.enabled.unwrap_or(true),
        path: match audit_toml.path {
            Some(p) if p.is_absolute() => p,
            Some(p) => match p.strip_prefix("~") {
                Ok(rest) if home.is_some() => home.clone().unwrap_or_default().join(rest),
                _ => {
                    return Err(fail(
                        "audit.path",
                        format!("`{}` is not an absolute path", p.display()),
                    ));
                }
            },
            None => ctx.codex_home.join("audit.jsonl"),
        },
        fsync: audit_toml.fsync.unwrap_or(false),
    };

    // Features, with the legacy switches folded in.
    let mut features = toml.features.clone().unwrap_or_default();
    for name in features.keys() {
        if !KNOWN_FEATURES.contains(&name.as_str()) {
            warnings.push(format!(
                "unknown feature `features.{name}` is ignored (known: {})",
                KNOWN_FEATURES.join(", ")
            ));
        }
    }
    let legacy = legacy_values(&toml);
    for (key, feature) in LEGACY_FEATURE_KEYS {
        if let Some(Some(value)) = legacy.get(key) {
            warnings.push(format!(
                "`{key}` is deprecated; use `[features] {feature} = {value}` instead"
            ));
            features.entry((*feature).to_string()).or_insert(*value);
        }
    }
    if toml.include_plan_tool.is_some() {
        warnings.push("`include_plan_tool` is deprecated: the plan tool is always offered".into());
    }
    if let Some(tools) = &toml.tools {
        if let Some(v) = tools.web_search {
            warnings.push(format!(
                "`tools.web_search` is deprecated; use `[features] web_search_request = {v}`"
            ));
            features.entry("web_search_request".into()).or_insert(v);
        }
        if let Some(v) = tools.view_image {
            features.entry("view_image_tool".into()).or_insert(v);
        }
    }
    features.entry("view_image_tool".into()).or_insert(true);
    if toml.instructions.is_some() {
        warnings.push(
            "`instructions` is ignored; put project instructions in AGENTS.md or use \
             `experimental_instructions_file`"
                .into(),
        );
    }

    let base_instructions = read_key_file(
        toml.experimental_instructions_file.as_ref(),
        &ctx.cwd,
        "experimental_instructions_file",
        &fail,
    )?;
    let compact_prompt = match &toml.compact_prompt {
        Some(prompt) => Some(prompt.clone()),
        None => read_key_file(
            toml.experimental_compact_prompt_file.as_ref(),
            &ctx.cwd,
            "experimental_compact_prompt_file",
            &fail,
        )?,
    };

    let model = toml
        .model
        .clone()
        .unwrap_or_else(|| crate::load::DEFAULT_MODEL.to_string());
    let model_prices: BTreeMap<String, Price> = toml
        .model_prices
        .iter()
        .flatten()
        .map(|(name, p)| {
            let price = Price {
                input: p.input,
                cached_input: p.cached_input.unwrap_or(p.input),
                output: p.output,
            };
            (name.clone(), price)
        })
        .collect();
    let mut model_family = find_family(&model);
    if let Some(window) = toml.model_context_window.filter(|w| *w > 0) {
        model_family.context_window = Some(window);
    }
    if let Some(price) = model_prices.get(&model) {
        model_family.price = Some(*price);
    }
    if features.get("apply_patch_freeform").copied() == Some(true) {
        model_family.patch_tool = PatchToolForm::Freeform;
    }
    if toml.model_reasoning_effort.is_some()
        || toml.model_supports_reasoning_summaries == Some(true)
    {
        model_family.supports_reasoning = true;
    }
    let context_window = model_family
        .context_window
        .unwrap_or(DEFAULT_CONTEXT_WINDOW);
    let auto_compact_limit = match toml.model_auto_compact_token_limit {
        Some(limit) if limit > 0 => limit as u64,
        _ => context_window * 9 / 10,
    };

    let mut mcp_servers = BTreeMap::new();
    for (id, server) in toml.mcp_servers.clone().unwrap_or_default() {
        let key = format!("mcp_servers.{id}");
        let server = resolve_mcp_server(&id, server).map_err(|m| fail(&key, m))?;
        mcp_servers.insert(id, server);
    }

    if let Some(notify) = &toml.notify
        && notify.is_empty()
    {
        return Err(fail(
            "notify",
            "expected a program and its arguments, for example [\"notify-send\", \"codex\"]".into(),
        ));
    }

    let history = toml.history.clone().unwrap_or_default();
    let tui = toml.tui.clone().unwrap_or_default();
    Ok(Config {
        codex_home: ctx.codex_home,
        config_path: ctx.config_path,
        cwd: ctx.cwd,
        active_profile: ctx.active_profile,
        model,
        review_model: toml.review_model.clone(),
        model_provider,
        model_family,
        context_window,
        auto_compact_limit,
        model_max_output_tokens: toml.model_max_output_tokens,
        model_reasoning_effort: toml.model_reasoning_effort,
        model_reasoning_summary: toml.model_reasoning_summary.unwrap_or_default(),
        model_verbosity: toml.model_verbosity,
        approval_policy: toml.approval_policy.unwrap_or_default(),
        sandbox_policy,
        shell_environment_policy,
        deny_read,
        audit,
        second_opinion,
        cli_overrides: ctx.cli_overrides,
        history: History {
            persistence: history.persistence.unwrap_or(HistoryPersistence::SaveAll),
            max_bytes: history.max_bytes,
        },
        notify: toml.notify.clone(),
        hide_agent_reasoning: toml.hide_agent_reasoning.unwrap_or(false),
        json_estimated_cost: toml.json_estimated_cost.unwrap_or(false),
        show_raw_agent_reasoning: toml.show_raw_agent_reasoning.unwrap_or(false),
        project_doc_max_bytes: toml.project_doc_max_bytes.unwrap_or(32 * 1024),
        project_doc_fallback_filenames: toml
            .project_doc_fallback_filenames
            .clone()
            .unwrap_or_default(),
        tool_output_token_limit: toml.tool_output_token_limit,
        base_instructions,
        developer_instructions: toml.developer_instructions.clone(),
        compact_prompt,
        mcp_servers,
        features,
        tui: Tui {
            notifications: tui.notifications.unwrap_or(TuiNotifications::Enabled(true)),
            animations: tui.animations.unwrap_or(true),
        },
        file_opener: toml.file_opener.unwrap_or(FileOpener::Vscode),
        session_source: "cli".into(),
        thread_source: None,
        sandbox_exe: None,
        bundled_path: None,
        model_prices,
        cwd_trusted: trusted,
        env: ctx.env,
        jgt: ctx.jgt,
    })
}

fn legacy_values(toml: &ConfigToml) -> BTreeMap<&'static str, Option<bool>> {
    BTreeMap::from([
        (
            "experimental_use_exec_command_tool",
            toml.experimental_use_exec_command_tool,
        ),
        (
            "experimental_use_unified_exec_tool",
            toml.experimental_use_unified_exec_tool,
        ),
        (
            "experimental_use_rmcp_client",
            toml.experimental_use_rmcp_client,
        ),
        (
            "experimental_use_freeform_apply_patch",
            toml.experimental_use_freeform_apply_patch,
        ),
        ("include_apply_patch_tool", toml.include_apply_patch_tool),
        ("include_view_image_tool", toml.include_view_image_tool),
    ])
}

fn read_key_file(
    path: Option<&PathBuf>,
    cwd: &std::path::Path,
    key: &str,
    fail: &dyn Fn(&str, String) -> ConfigError,
) -> Result<Option<String>, ConfigError> {
    let Some(path) = path else {
        return Ok(None);
    };
    let full = if path.is_absolute() {
        path.clone()
    } else {
        cwd.join(path)
    };
    match read_text_file(&full, MAX_CONFIG_FILE_BYTES) {
        Ok(text) if text.trim().is_empty() => {
            Err(fail(key, format!("{} is empty", full.display())))
        }
        Ok(text) => Ok(Some(text)),
        Err(e) => Err(fail(
            key,
            format!(
                "{e}; point `{key}` at a regular text file of at most {} MiB",
                MAX_CONFIG_FILE_BYTES >> 20
            ),
        )),
    }
}

fn resolve_mcp_server(id: &str, s: McpServerToml) -> Result<McpServerConfig, String> {
    let valid_id = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid_id {
        return Err(format!(
            "server id `{id}` may only contain letters, digits, `_` and `-`"
        ));
    }
    if s.bearer_token.is_some() {
        return Err(
            "inline `bearer_token` is not supported; put the token in an environment \
                    variable and name it with `bearer_token_env_var`"
                .into(),
        );
    }
    let stdio_keys = [
        ("args", s.args.is_some()),
        ("env", s.env.is_some()),
        ("env_vars", s.env_vars.is_some()),
        ("cwd", s.cwd.is_some()),
    ];
    let http_keys = [
        ("bearer_token_env_var", s.bearer_token_env_var.is_some()),
        ("http_headers", s.http_headers.is_some()),
        ("env_http_headers", s.env_http_headers.is_some()),
    ];
    let transport = match (s.command, s.url) {
        (Some(_), Some(_)) => {
            return Err("set either `command` (stdio) or `url` (streamable HTTP), not both".into());
        }
        (None, None) => {
            return Err(
                "needs `command` (a stdio server) or `url` (a streamable HTTP server)".into(),
            );
        }
        (Some(command), None) => {
            if let Some((key, _)) = http_keys.iter().find(|(_, set)| *set) {
                return Err(format!("`{key}` only applies to `url` servers"));
            }
            McpTransport::Stdio {
                command,
                args: s.args.unwrap_or_default(),
                env: s.env.unwrap_or_default(),
                env_vars: s.env_vars.unwrap_or_default(),
                cwd: s.cwd,
            }
        }
        (None, Some(url)) => {
            if let Some((key, _)) = stdio_keys.iter().find(|(_, set)| *set) {
                return Err(format!("`{key}` only applies to `command` servers"));
            }
            McpTransport::StreamableHttp {
                url,
                bearer_token_env_var: s.bearer_token_env_var,
                http_headers: s.http_headers.unwrap_or_default(),
                env_http_headers: s.env_http_headers.unwrap_or_default(),
            }
        }
    };
    let seconds = |v: Option<f64>, key: &str, default: f64| -> Result<Duration, String> {
        let v = v.unwrap_or(default);
        if v.is_finite() && v > 0.0 {
            Ok(Duration::from_secs_f64(v))
        } else {
            Err(format!("`{key}` must be a positive number of seconds"))
        }
    };
    let startup_timeout = match (s.startup_timeout_sec, s.startup_timeout_ms) {
        (None, Some(ms)) => Duration::from_millis(ms),
        (sec, _) => seconds(sec, "startup_timeout_sec", 10.0)?,
    };
    Ok(McpServerConfig {
        transport,
        enabled: s.enabled.unwrap_or(true),
        required: s.required.unwrap_or(false),
        startup_timeout,
        tool_timeout: seconds(s.tool_timeout_sec, "tool_timeout_sec", 60.0)?,
        enabled_tools: s.enabled_tools,
        disabled_tools: s.disabled_tools.unwrap_or_default(),
    })
}

/// The API key a previous login stored in `auth.json`, if any. A file that is not JSON holds
/// no key; one that cannot be read safely (not a regular file, too large) is an error.
fn stored_api_key(codex_home: &std::path::Path) -> Result<Option<String>, ConfigError> {
    let text = match read_text_file(&codex_home.join("auth.json"), MAX_CONFIG_FILE_BYTES) {
        Ok(text) => text,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(source) => {
            return Err(ConfigError::File {
                source,
                hint: "auth.json holds the stored login: replace it with a regular JSON file, \
                       or remove it and set the provider's API key variable"
                    .into(),
            });
        }
    };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Ok(None);
    };
    Ok(value
        .get("OPENAI_API_KEY")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(String::from))
}
