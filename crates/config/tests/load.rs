#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::path::Path;

use codex_config::{
    ConfigError, EnvInherit, FlagOverrides, LoadOptions, Loaded, McpTransport, ProviderAuth,
    Source, WireApi, load, show_entries,
};
use codex_protocol::{AskForApproval, SandboxPolicy};

struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new(config: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        Home { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn options(&self) -> LoadOptions {
        LoadOptions {
            codex_home: Some(self.path().to_path_buf()),
            cwd: Some(self.path().to_path_buf()),
            env: vec![("HOME".into(), "/nonexistent".into())],
            ..Default::default()
        }
    }

    fn load_with(&self, overrides: &[&str], flags: FlagOverrides) -> Result<Loaded, ConfigError> {
        let mut options = self.options();
        options.cli_overrides = overrides.iter().map(|s| s.to_string()).collect();
        options.flags = flags;
        load(options)
    }

    fn load(&self) -> Loaded {
        self.load_with(&[], FlagOverrides::default()).unwrap()
    }
}

fn source_of(loaded: &Loaded, key: &str) -> String {
    show_entries(&loaded.effective)
        .into_iter()
        .find(|(k, _, _)| k == key)
        .map(|(_, _, s)| s.to_string())
        .unwrap_or_else(|| panic!("{key} not shown"))
}

#[test]
fn defaults_without_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = load(LoadOptions {
        codex_home: Some(dir.path().to_path_buf()),
        cwd: Some(dir.path().to_path_buf()),
        ..Default::default()
    })
    .unwrap();
    let c = &loaded.config;
    assert_eq!(c.model, "gpt-5.1-codex-max");
    assert_eq!(c.model_provider.id, "openai");
    assert_eq!(c.model_provider.wire_api, WireApi::Responses);
    assert_eq!(c.model_provider.request_max_retries, 4);
    assert_eq!(c.model_provider.request_max_retry_wait_secs, 120);
    assert_eq!(c.model_provider.stream_max_retries, 5);
    assert_eq!(c.model_provider.stream_idle_timeout_ms, 300_000);
    assert_eq!(c.approval_policy, AskForApproval::OnRequest);
    assert_eq!(c.sandbox_policy, SandboxPolicy::ReadOnly);
    assert_eq!(c.project_doc_max_bytes, 32 * 1024);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(source_of(&loaded, "model"), "default");
}

#[test]
fn precedence_flag_over_profile_over_root_and_overrides() {
    let home = Home::new(
        r#"
model = "root-model"
approval_policy = "never"
profile = "fast"

[profiles.fast]
model = "profile-model"
"#,
    );
    let loaded = home.load();
    assert_eq!(loaded.config.model, "profile-model");
    assert_eq!(loaded.config.active_profile.as_deref(), Some("fast"));
    assert!(source_of(&loaded, "model").starts_with("profile fast (file "));
    assert!(
        source_of(&loaded, "model").ends_with(":7:1)"),
        "{}",
        source_of(&loaded, "model")
    );
    assert_eq!(loaded.config.approval_policy, AskForApproval::Never);
    assert!(source_of(&loaded, "approval_policy").ends_with("config.toml:3:1"));

    // -c edits the root, so the profile still wins for `model`...
    let loaded = home
        .load_with(&["model=from-c"], FlagOverrides::default())
        .unwrap();
    assert_eq!(loaded.config.model, "profile-model");
    // ...unless the override targets the profile itself.
    let loaded = home
        .load_with(&["profiles.fast.model=from-c"], FlagOverrides::default())
        .unwrap();
    assert_eq!(loaded.config.model, "from-c");
    assert_eq!(
        source_of(&loaded, "model"),
        "profile fast (-c profiles.fast.model=from-c)"
    );

    // A dedicated flag beats everything.
    let mut flags = FlagOverrides::default();
    flags.set("--model", "model", "from-flag");
    let loaded = home.load_with(&["profiles.fast.model=x"], flags).unwrap();
    assert_eq!(loaded.config.model, "from-flag");
    assert_eq!(source_of(&loaded, "model"), "flag --model");

    // -p picks another profile, and -c on the root shows through where the profile is silent.
    let home = Home::new("model = \"root\"\n[profiles.a]\nmodel_verbosity = \"low\"\n");
    let flags = FlagOverrides {
        profile: Some("a".into()),
        ..Default::default()
    };
    let loaded = home.load_with(&["model=from-c"], flags).unwrap();
    assert_eq!(loaded.config.model, "from-c");
    assert_eq!(source_of(&loaded, "model"), "-c model=from-c");
}

#[test]
fn wrong_type_reports_file_line_column_and_key() {
    let home = Home::new("model = \"x\"\n\n[sandbox_workspace_write]\nnetwork_access = \"yes\"\n");
    let err = home.load_with(&[], FlagOverrides::default()).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("config.toml:4:18"), "{text}");
    assert!(
        text.contains("sandbox_workspace_write.network_access"),
        "{text}"
    );
    assert!(text.contains("bool"), "{text}");
}

#[test]
fn bad_enum_value_lists_the_choices() {
    let home = Home::new("approval_policy = \"sometimes\"\n");
    let text = home
        .load_with(&[], FlagOverrides::default())
        .unwrap_err()
        .to_string();
    assert!(text.contains(":1:19"), "{text}");
    assert!(text.contains("approval_policy"), "{text}");
    assert!(text.contains("on-request"), "{text}");
}

#[test]
fn syntax_error_has_a_position() {
    let home = Home::new("model = \"x\"\nmodel_provider = \n");
    let text = home
        .load_with(&[], FlagOverrides::default())
        .unwrap_err()
        .to_string();
    assert!(text.contains("config.toml:2:"), "{text}");
}

#[test]
fn unknown_keys_warn_once_with_dotted_path() {
    let home = Home::new("modle = \"x\"\n[history]\nmax_bytse = 3\n");
    let loaded = home
        .load_with(&["modle=y"], FlagOverrides::default())
        .unwrap();
    let w = &loaded.warnings;
    assert!(
        w.iter()
            .any(|m| m.contains("`modle`") && m.contains(":1:1")),
        "{w:?}"
    );
    assert!(w.iter().any(|m| m.contains("`history.max_bytse`")), "{w:?}");
    // The -c override of the same unknown key is not warned about a second time.
    assert_eq!(w.iter().filter(|m| m.contains("`modle`")).count(), 1);
}

#[test]
fn override_with_wrong_type_fails_naming_the_override() {
    let home = Home::new("");
    let text = home
        .load_with(&["project_doc_max_bytes=lots"], FlagOverrides::default())
        .unwrap_err()
        .to_string();
    assert!(text.starts_with("-c project_doc_max_bytes=lots:"), "{text}");
    assert!(matches!(
        home.load_with(&["nonsense"], FlagOverrides::default()),
        Err(ConfigError::Override { .. })
    ));
}

#[test]
fn missing_profile_is_an_error() {
    let home = Home::new("profile = \"nope\"\n[profiles.real]\nmodel = \"m\"\n");
    let text = home
        .load_with(&[], FlagOverrides::default())
        .unwrap_err()
        .to_string();
    assert!(text.contains("config.toml:1:1"), "{text}");
    assert!(
        text.contains("`nope` is not defined") && text.contains("real"),
        "{text}"
    );
}

#[test]
fn unknown_provider_is_an_error_at_its_line() {
    let home = Home::new("\nmodel_provider = \"azure\"\n");
    let text = home
        .load_with(&[], FlagOverrides::default())
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("config.toml:2:1: model_provider: no provider `azure`"),
        "{text}"
    );
}

#[test]
fn custom_provider_fields_and_env_key() {
    let home = Home::new(
        r#"
model_provider = "azure"
[model_providers.azure]
name = "Azure"
base_url = "https://example.openai.azure.com/openai"
env_key = "AZURE_OPENAI_API_KEY"
query_params = { api-version = "2025-04-01-preview" }
wire_api = "responses"
http_headers = { "X-Static" = "1" }
env_http_headers = { "X-From-Env" = "MY_HEADER", "X-Unset" = "NOT_SET" }
request_max_retries = 1000
request_max_retry_wait_secs = 30
stream_idle_timeout_ms = 5
"#,
    );
    let mut options = home.options();
    options
        .env
        .push(("AZURE_OPENAI_API_KEY".into(), "secret".into()));
    options.env.push(("MY_HEADER".into(), "hv".into()));
    let loaded = load(options).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let p = loaded.config.model_provider;
    assert_eq!(p.name, "Azure");
    assert_eq!(p.wire_api, WireApi::Responses);
    assert_eq!(p.query_params["api-version"], "2025-04-01-preview");
    assert_eq!(p.http_headers["X-Static"], "1");
    assert_eq!(p.http_headers["X-From-Env"], "hv");
    assert!(!p.http_headers.contains_key("X-Unset"));
    assert_eq!(p.request_max_retries, 100, "capped");
    assert_eq!(p.request_max_retry_wait_secs, 30);
    assert_eq!(p.stream_idle_timeout_ms, 5);
    assert_eq!(p.auth, ProviderAuth::Bearer("secret".into()));

    let p = home.load().config.model_provider;
    assert_eq!(
        p.auth,
        ProviderAuth::Missing {
            env_key: "AZURE_OPENAI_API_KEY".into(),
            instructions: None
        }
    );
}

#[test]
fn built_in_providers_and_oss_flag() {
    let home = Home::new("");
    let mut options = home.options();
    options
        .env
        .push(("OPENAI_BASE_URL".into(), "http://127.0.0.1:9/v1".into()));
    options.env.push(("OPENAI_API_KEY".into(), "k".into()));
    let p = load(options).unwrap().config.model_provider;
    assert_eq!(p.base_url, "http://127.0.0.1:9/v1");
    assert_eq!(p.auth, ProviderAuth::Bearer("k".into()));

    let flags = FlagOverrides {
        oss: true,
        ..Default::default()
    };
    let loaded = home.load_with(&[], flags).unwrap();
    assert_eq!(loaded.config.model_provider.id, "ollama");
    assert_eq!(
        loaded.config.model_provider.base_url,
        "http://localhost:11434/v1"
    );
    assert_eq!(loaded.config.model_provider.wire_api, WireApi::Chat);
    assert_eq!(loaded.config.model, "gpt-oss:20b");

    let home = Home::new("oss_provider = \"lmstudio\"\nmodel = \"qwen\"\n");
    let flags = FlagOverrides {
        oss: true,
        ..Default::default()
    };
    let c = home.load_with(&[], flags).unwrap().config;
    assert_eq!(c.model_provider.base_url, "http://localhost:1234/v1");
    assert_eq!(c.model, "qwen");
}

#[test]
fn anthropic_provider_built_in_and_custom() {
    let home = Home::new("model_provider = \"anthropic\"\nmodel = \"claude-sonnet-4-5\"\n");
    let mut options = home.options();
    options
        .env
        .push(("ANTHROPIC_API_KEY".into(), "sk-ant-1".into()));
    let p = load(options).unwrap().config.model_provider;
    assert_eq!(p.id, "anthropic");
    assert_eq!(p.base_url, "https://api.anthropic.com/v1");
    assert_eq!(p.wire_api, WireApi::Anthropic);
    assert_eq!(p.env_key.as_deref(), Some("ANTHROPIC_API_KEY"));
    assert_eq!(p.auth, ProviderAuth::Bearer("sk-ant-1".into()));
    let p = home.load().config.model_provider;
    assert!(
        matches!(&p.auth, ProviderAuth::Missing { env_key, instructions: Some(_) }
            if env_key == "ANTHROPIC_API_KEY"),
        "{:?}",
        p.auth
    );

    // A provider of its own on the Anthropic wire: the key is ANTHROPIC_API_KEY unless it names
    // another variable, and none is needed when that is unset (a local proxy).
    let home = Home::new(
        r#"
model_provider = "proxy"
[model_providers.proxy]
base_url = "http://127.0.0.1:9/v1"
wire_api = "anthropic"
"#,
    );
    let loaded = home.load();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(loaded.config.model_provider.wire_api, WireApi::Anthropic);
    assert_eq!(loaded.config.model_provider.auth, ProviderAuth::None);
    let mut options = home.options();
    options
        .env
        .push(("ANTHROPIC_API_KEY".into(), "sk-ant-2".into()));
    let p = load(options).unwrap().config.model_provider;
    assert_eq!(p.auth, ProviderAuth::Bearer("sk-ant-2".into()));

    let text = Home::new("[model_providers.x]\nwire_api = \"claude\"\n")
        .load_with(&[], FlagOverrides::default())
        .unwrap_err()
        .to_string();
    assert!(text.contains("anthropic"), "{text}");
}

#[test]
fn codex_api_key_only_for_exec() {
    let home = Home::new("");
    let mut options = home.options();
    options
        .env
        .push(("CODEX_API_KEY".into(), "exec-key".into()));
    let p = load(options.clone()).unwrap().config.model_provider;
    assert!(matches!(p.auth, ProviderAuth::Missing { .. }));
    options.honour_codex_api_key = true;
    let p = load(options).unwrap().config.model_provider;
    assert_eq!(p.auth, ProviderAuth::Bearer("exec-key".into()));
}

#[test]
fn every_documented_table_parses() {
    let home = Home::new(
        r#"
model = "o3"
review_model = "o3"
model_context_window = 200000
model_auto_compact_token_limit = 180000
model_max_output_tokens = 4096
model_reasoning_effort = "high"
model_reasoning_summary = "detailed"
model_verbosity = "low"
model_supports_reasoning_summaries = true
model_reasoning_summary_format = "experimental"
oss_provider = "ollama"
approval_policy = "untrusted"
sandbox_mode = "workspace-write"
file_opener = "cursor"
notify = ["notify-send", "codex"]
hide_agent_reasoning = true
show_raw_agent_reasoning = true
project_doc_max_bytes = 1000
project_doc_fallback_filenames = ["CLAUDE.md"]
tool_output_token_limit = 2560
developer_instructions = "be brief"
compact_prompt = "summarise"
check_for_update_on_startup = false
chatgpt_base_url = "https://chatgpt.com/backend-api/"
forced_login_method = "api"
forced_chatgpt_workspace_id = "00000000-0000-0000-0000-000000000000"
cli_auth_credentials_store = "keyring"
mcp_oauth_credentials_store = "auto"
windows_wsl_setup_acknowledged = true

[sandbox_workspace_write]
writable_roots = ["/srv/data"]
network_access = true
exclude_tmpdir_env_var = true
exclude_slash_tmp = true

[shell_environment_policy]
inherit = "core"
ignore_default_excludes = true
exclude = ["AWS_*"]
set = { CI = "1" }
include_only = ["PATH", "HOME"]
experimental_use_profile = false

[history]
persistence = "none"
max_bytes = 1048576

[tui]
notifications = ["agent-turn-complete"]
animations = false

[projects."/work/repo"]
trust_level = "trusted"

[features]
unified_exec = true
web_search_request = false

[mcp_servers.docs]
command = "npx"
args = ["-y", "some-server"]
env = { A = "1" }
env_vars = ["LANG"]
startup_timeout_sec = 20.5
tool_timeout_sec = 30
enabled_tools = ["search"]
disabled_tools = ["delete"]

[mcp_servers.remote]
url = "https://mcp.example.com/mcp"
bearer_token_env_var = "MCP_TOKEN"
enabled = false

[otel]
environment = "prod"
log_user_prompt = false
exporter = { otlp-http = { endpoint = "https://otel.example.com/v1/logs", protocol = "binary", headers = { "x-api-key" = "k" } } }

[ghost_snapshot]
ignore_large_untracked_files = 1024
ignore_large_untracked_dirs = 10

[notice]
hide_full_access_warning = true
"#,
    );
    let loaded = home.load();
    // Keys parsed but not acted on are said to be so; nothing else is warned about.
    let no_effect: Vec<_> = loaded
        .warnings
        .iter()
        .filter(|w| w.contains(" is accepted but has no effect yet ("))
        .collect();
    assert_eq!(
        no_effect.len(),
        loaded.warnings.len(),
        "{:?}",
        loaded.warnings
    );
    assert!(!no_effect.iter().any(|w| w.starts_with("mcp_servers")));
    assert!(no_effect.iter().any(|w| w.starts_with("otel ")));
    let c = loaded.config;
    assert_eq!(c.approval_policy, AskForApproval::Untrusted);
    assert_eq!(
        c.sandbox_policy,
        SandboxPolicy::WorkspaceWrite {
            writable_roots: vec!["/srv/data".into()],
            network_access: true,
            exclude_tmpdir_env_var: true,
            exclude_slash_tmp: true,
        }
    );
    assert_eq!(c.shell_environment_policy.inherit, EnvInherit::Core);
    assert_eq!(c.shell_environment_policy.set["CI"], "1");
    assert!(c.feature_enabled("unified_exec"));
    assert!(c.feature_enabled("view_image_tool"));
    assert_eq!(c.mcp_servers.len(), 2);
    assert!(matches!(
        c.mcp_servers["docs"].transport,
        McpTransport::Stdio { .. }
    ));
    assert_eq!(c.mcp_servers["docs"].startup_timeout.as_millis(), 20_500);
    assert!(!c.mcp_servers["remote"].enabled);
    assert_eq!(c.notify.as_deref().map(|n| n.len()), Some(2));
    assert_eq!(c.context_window, 200_000);
    assert_eq!(c.auto_compact_limit, 180_000);
    assert!(c.model_family.supports_reasoning);
}

#[test]
fn model_facts_come_from_the_family_with_the_users_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let load_with = |overrides: &[&str]| {
        load(LoadOptions {
            codex_home: Some(dir.path().to_path_buf()),
            cwd: Some(dir.path().to_path_buf()),
            cli_overrides: overrides.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        })
        .unwrap()
        .config
    };
    let c = load_with(&["model=gpt-5.1-codex-max"]);
    assert_eq!(c.context_window, 272_000);
    assert_eq!(c.auto_compact_limit, 272_000 * 9 / 10);
    assert_eq!(
        c.model_family.patch_tool,
        codex_config::PatchToolForm::Freeform
    );
    assert!((c.model_family.price.unwrap().input - 1.25).abs() < 1e-9);
    let c = load_with(&[
        "model=my-model",
        "model_prices.my-model={ input = 1.0, output = 2.0 }",
        "features.apply_patch_freeform=true",
    ]);
    assert_eq!(c.context_window, codex_config::DEFAULT_CONTEXT_WINDOW);
    let price = c.model_family.price.unwrap();
    assert_eq!(
        (price.input, price.cached_input, price.output),
        (1.0, 1.0, 2.0)
    );
    assert_eq!(
        c.model_family.patch_tool,
        codex_config::PatchToolForm::Freeform
    );
    assert_eq!(c.price_for("gpt-4o").map(|p| p.output), Some(10.0));
}

#[test]
fn the_file_tools_follow_the_family_unless_features_say_otherwise() {
    let home = Home::new("");
    let config = |overrides: &[&str]| home.load_with(overrides, FlagOverrides::default()).unwrap();
    let enabled = |loaded: &Loaded| -> Vec<&str> {
        ["grep_files", "list_dir", "read_file"]
            .into_iter()
            .filter(|t| loaded.config.experimental_tool_enabled(t))
            .collect()
    };
    let test_model = config(&["model=test-gpt-5-codex"]);
    assert_eq!(
        enabled(&test_model),
        ["grep_files", "list_dir", "read_file"]
    );
    assert!(test_model.warnings.is_empty(), "{:?}", test_model.warnings);
    assert!(enabled(&config(&["model=gpt-5.1-codex-max"])).is_empty());
    let switched = config(&[
        "model=gpt-5.1-codex-max",
        "features.read_file=true",
        "features.list_dir=true",
    ]);
    assert_eq!(enabled(&switched), ["list_dir", "read_file"]);
    // Neither unknown nor without effect.
    assert!(switched.warnings.is_empty(), "{:?}", switched.warnings);
    let off = config(&["model=codex-exp-1", "features.grep_files=false"]);
    assert_eq!(enabled(&off), ["list_dir", "read_file"]);
    assert!(off.warnings.is_empty(), "{:?}", off.warnings);
}

#[test]
fn mcp_server_transport_mistakes_are_errors() {
    for (body, expect) in [
        ("command = \"a\"\nurl = \"http://x\"", "not both"),
        ("args = []", "needs `command`"),
        (
            "url = \"http://x\"\nenv = { A = \"1\" }",
            "`env` only applies",
        ),
        (
            "command = \"a\"\nbearer_token_env_var = \"T\"",
            "only applies to `url`",
        ),
        (
            "url = \"http://x\"\nbearer_token = \"t\"",
            "bearer_token_env_var",
        ),
        ("command = \"a\"\ntool_timeout_sec = -1", "positive"),
    ] {
        let home = Home::new(&format!("[mcp_servers.s]\n{body}\n"));
        let text = home
            .load_with(&[], FlagOverrides::default())
            .unwrap_err()
            .to_string();
        assert!(
            text.contains("mcp_servers.s") && text.contains(expect),
            "{body}: {text}"
        );
    }
    let home = Home::new("[mcp_servers.\"bad id\"]\ncommand = \"a\"\n");
    assert!(home.load_with(&[], FlagOverrides::default()).is_err());
}

#[test]
fn relative_writable_root_is_rejected() {
    let home = Home::new("[sandbox_workspace_write]\nwritable_roots = [\"rel\"]\n");
    let text = home
        .load_with(&[], FlagOverrides::default())
        .unwrap_err()
        .to_string();
    assert!(text.contains("not an absolute path"), "{text}");
}

#[test]
fn legacy_keys_warn_and_map_to_features() {
    let home = Home::new("include_apply_patch_tool = true\n[features]\nfrobnicate = true\n");
    let loaded = home.load();
    assert!(loaded.config.feature_enabled("apply_patch_freeform"));
    assert!(loaded.warnings.iter().any(|w| w.contains("deprecated")));
    assert!(
        loaded
            .warnings
            .iter()
            .any(|w| w.contains("features.frobnicate"))
    );
}

#[test]
fn trusted_project_defaults_to_workspace_write() {
    let home = Home::new("");
    let cwd = home.path().to_string_lossy().to_string();
    std::fs::write(
        home.path().join("config.toml"),
        format!("[projects.{cwd:?}]\ntrust_level = \"trusted\"\n"),
    )
    .unwrap();
    let c = home.load().config;
    assert!(matches!(
        c.sandbox_policy,
        SandboxPolicy::WorkspaceWrite { .. }
    ));
    let c = home.load_with(&["sandbox_mode=read-only"], FlagOverrides::default());
    assert_eq!(c.unwrap().config.sandbox_policy, SandboxPolicy::ReadOnly);
}

#[test]
fn secrets_are_redacted_in_show() {
    let home = Home::new(
        "[model_providers.p]\nexperimental_bearer_token = \"sk-1\"\nhttp_headers = { Authorization = \"Bearer x\" }\n",
    );
    let loaded = home.load();
    let shown: Vec<_> = show_entries(&loaded.effective);
    for (key, value, _) in &shown {
        if key.contains("bearer_token") || key.ends_with("Authorization") {
            assert_eq!(value, "\"<redacted>\"", "{key}");
        }
    }
    assert!(shown.iter().any(
        |(k, _, s)| k == "model_providers.p.experimental_bearer_token"
            && matches!(s, Source::File { .. })
    ));
}

#[test]
fn openai_base_url_key_beats_the_environment() {
    let home = Home::new("openai_base_url = \"http://127.0.0.1:1/v1\"\n");
    let mut options = home.options();
    options
        .env
        .push(("OPENAI_BASE_URL".into(), "http://127.0.0.1:2/v1".into()));
    let c = load(options).unwrap().config;
    assert_eq!(c.model_provider.base_url, "http://127.0.0.1:1/v1");
}

#[test]
fn add_dirs_extend_writable_roots() {
    let home = Home::new(
        "sandbox_mode = \"workspace-write\"\n[sandbox_workspace_write]\nwritable_roots = [\"/srv\"]\n",
    );
    let flags = FlagOverrides {
        add_dirs: vec!["/data".into(), "/srv".into()],
        ..Default::default()
    };
    let c = home.load_with(&[], flags).unwrap().config;
    let SandboxPolicy::WorkspaceWrite { writable_roots, .. } = c.sandbox_policy else {
        panic!("not workspace-write");
    };
    assert_eq!(
        writable_roots,
        vec![std::path::PathBuf::from("/srv"), "/data".into()]
    );
}

#[test]
fn second_opinion_takes_the_profiles_model_and_provider() {
    let home = Home::new(
        r#"
model = "gpt-5"
[second_opinion]
profile = "reviewer"
[profiles.reviewer]
model = "claude-x"
model_provider = "claude"
[model_providers.claude]
name = "Claude"
base_url = "http://127.0.0.1:9/v1"
wire_api = "anthropic"
"#,
    );
    let config = home.load().config;
    assert_eq!(config.model, "gpt-5");
    let second = config.second_opinion.expect("second opinion");
    assert_eq!(second.profile, "reviewer");
    assert_eq!(second.model, "claude-x");
    assert_eq!(second.provider.id, "claude");
    assert_eq!(second.provider.wire_api, WireApi::Anthropic);
    assert!(Home::new("").load().config.second_opinion.is_none());
}

#[test]
fn second_opinion_flag_and_missing_profile() {
    let home = Home::new("[profiles.other]\nmodel = \"m\"\n");
    let mut flags = FlagOverrides::default();
    flags.set("--second-opinion", "second_opinion.profile", "other");
    let config = home.load_with(&[], flags).unwrap().config;
    assert_eq!(config.second_opinion.expect("set by the flag").model, "m");

    let home = Home::new("[second_opinion]\nprofile = \"nope\"\n[profiles.other]\n");
    let err = home
        .load_with(&[], FlagOverrides::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("second_opinion.profile"), "{err}");
    assert!(err.contains("`nope` is not defined"), "{err}");
    assert!(err.contains("other"), "{err}");
}
