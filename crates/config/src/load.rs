//! Loading: file + `-c` overrides + profile + flags, with defaults underneath.
//!
//! Precedence, highest first: dedicated flags, the active profile, the root table (where `-c`
//! overrides are merged, as in the Codex CLI), built-in defaults.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::config::Config;
use crate::error::ConfigError;
use crate::file::{MAX_CONFIG_FILE_BYTES, read_text_file};
use crate::layers::{KeyPath, Layered, Source, dotted, table_at};
use crate::locate::SourceText;
use crate::overrides::parse_override;
use crate::resolve::resolve;
use crate::schema::ConfigToml;
use crate::trading_secure::TRADING_SECURE;

/// Values set by dedicated command-line flags.
#[derive(Debug, Clone, Default)]
pub struct FlagOverrides {
    pub profile: Option<String>,
    /// `--oss`: use the local provider (`oss_provider`, else Ollama).
    pub oss: bool,
    /// `--add-dir`: directories added to the writable roots.
    pub add_dirs: Vec<PathBuf>,
    pub entries: Vec<FlagValue>,
}

impl FlagOverrides {
    pub fn set(&mut self, flag: &str, key: &str, value: impl Into<toml::Value>) {
        self.entries.push(FlagValue {
            flag: flag.to_string(),
            key: key.split('.').map(String::from).collect(),
            value: value.into(),
        });
    }
}

#[derive(Debug, Clone)]
pub struct FlagValue {
    pub flag: String,
    pub key: KeyPath,
    pub value: toml::Value,
}

#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Overrides `CODEX_HOME` from the environment.
    pub codex_home: Option<PathBuf>,
    /// The working directory; the process's own when unset.
    pub cwd: Option<PathBuf>,
    /// Raw `-c key=value` texts, in command-line order.
    pub cli_overrides: Vec<String>,
    pub flags: FlagOverrides,
    /// A snapshot of the process environment.
    pub env: Vec<(String, String)>,
    /// Honour `CODEX_API_KEY` (as `codex exec` does).
    pub honour_codex_api_key: bool,
    /// Where the system-wide JGT config is looked for; `/etc/jgt` when unset.
    pub jgt_etc_dir: Option<PathBuf>,
}

/// A loaded config with what the user should be told about it.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    /// Unknown or deprecated keys, and keys set that have no effect yet, each once.
    pub warnings: Vec<String>,
    /// The effective table and the origin of each value, for `codex config show`.
    pub effective: Layered,
}

pub const DEFAULT_MODEL: &str = "gpt-5.1-codex-max";
pub const DEFAULT_OSS_MODEL: &str = "gpt-oss:20b";

const DEFAULTS: &str = r#"
model = "gpt-5.1-codex-max"
model_provider = "openai"
approval_policy = "on-request"
sandbox_mode = "read-only"
model_reasoning_summary = "auto"
model_supports_reasoning_summaries = false
project_doc_max_bytes = 32768
project_doc_fallback_filenames = []
hide_agent_reasoning = false
json_estimated_cost = false
show_raw_agent_reasoning = false
check_for_update_on_startup = true
file_opener = "vscode"

[history]
persistence = "save-all"

[shell_environment_policy]
inherit = "all"
ignore_default_excludes = false
exclude = []
include_only = []
experimental_use_profile = false

[sandbox_workspace_write]
writable_roots = []
network_access = false
exclude_tmpdir_env_var = false
exclude_slash_tmp = false

[sandbox]
deny_read = []
ignore_default_deny_read = false

[audit]
enabled = true
fsync = false

[jgt]
live_guard = true

[tui]
notifications = true
animations = true
"#;

pub fn load(options: LoadOptions) -> Result<Loaded, ConfigError> {
    let env = crate::config::Environment::new(options.env);
    let lookup = |key: &str| -> Option<String> {
        env.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    };
    let codex_home = match &options.codex_home {
        Some(home) => home.clone(),
        None => codex_home_from(&lookup)?,
    };
    let cwd = match options.cwd {
        Some(cwd) => cwd,
        None => std::env::current_dir().map_err(|e| ConfigError::Value {
            key: "cwd".into(),
            message: format!("cannot read the current directory: {e}"),
        })?,
    };
    let config_path = codex_home.join("config.toml");
    let mut warnings = Warnings::default();

    // 0. The JGT broker config, if this machine has one (its content stays here).
    let home = lookup("HOME").filter(|h| !h.is_empty()).map(PathBuf::from);
    let etc_dir = options
        .jgt_etc_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(crate::jgt::JGT_ETC_DIR));
    let mut jgt = crate::jgt::discover(
        &crate::jgt::Places {
            cwd: &cwd,
            home: home.as_deref(),
            etc_dir: &etc_dir,
            lookup: &lookup,
        },
        &mut warnings,
    );

    // 1. The file, checked against the schema with positions for every error.
    let file = read_optional(&config_path)?.map(SourceText::new);
    let mut root = Layered::default();
    if let Some(file) = &file {
        let table = typed_check_file(file, &config_path, &mut warnings)?;
        root.merge(&table, &mut |path| Source::File {
            path: config_path.clone(),
            position: file.key_position(path),
        });
    }

    // 2. `-c` overrides edit the root table.
    for text in &options.cli_overrides {
        let o = parse_override(text)?;
        let table = table_at(&o.path, o.value.clone());
        typed_check_table(&table, &mut warnings).map_err(|message| ConfigError::Override {
            text: text.clone(),
            message,
        })?;
        root.merge(&table, &mut |_| Source::Override(text.clone()));
    }

    // 3. The active profile.
    let profile_key = vec!["profile".to_string()];
    let profile_name = match &options.flags.profile {
        Some(name) => Some(name.clone()),
        None => match root.get(&profile_key) {
            Some(toml::Value::String(s)) => Some(s.clone()),
            _ => None,
        },
    };
    let mut effective = Layered::default();
    let defaults: toml::Table = DEFAULTS.parse().map_err(|e| ConfigError::Value {
        key: "defaults".into(),
        message: format!("built-in defaults do not parse: {e}"),
    })?;
    effective.merge(&defaults, &mut |_| Source::Default);
    let mut root_table = root.table.clone();
    let profiles = root_table.remove("profiles");
    effective.merge(&root_table, &mut |path| {
        root.source(path).cloned().unwrap_or(Source::Default)
    });
    let user_trading_secure = profiles
        .as_ref()
        .and_then(|p| p.get(TRADING_SECURE))
        .and_then(|p| p.as_table())
        .cloned();
    let built_in_trading_secure = crate::trading_secure::built_in();
    if let Some(name) = &profile_name {
        let mut built_in = false;
        let profile = profiles
            .as_ref()
            .and_then(|p| p.get(name))
            .and_then(|p| p.as_table())
            .or_else(|| {
                built_in = name == TRADING_SECURE;
                built_in.then_some(&built_in_trading_secure)
            });
        let Some(profile) = profile else {
            let defined = profiles
                .as_ref()
                .and_then(|p| p.as_table())
                .map(|t| t.keys().cloned().collect::<Vec<_>>().join(", "))
                .unwrap_or_default();
            let hint = if defined.is_empty() {
                format!(
                    "add a [profiles.{name}] table to {} (built in: {TRADING_SECURE})",
                    config_path.display()
                )
            } else {
                format!("defined profiles: {defined} (built in: {TRADING_SECURE})")
            };
            let message = format!("profile `{name}` is not defined; {hint}");
            return Err(match (&options.flags.profile, root.source(&profile_key)) {
                (None, Some(source)) => error_at(source, "profile", message),
                _ => ConfigError::Value {
                    key: "--profile".into(),
                    message,
                },
            });
        };
        effective.merge(profile, &mut |path| {
            let mut full = vec!["profiles".to_string(), name.clone()];
            full.extend_from_slice(path);
            let from = if built_in {
                Source::BuiltIn
            } else {
                root.source(&full).cloned().unwrap_or(Source::Default)
            };
            Source::Profile {
                name: name.clone(),
                from: Box::new(from),
            }
        });
    }
    if let Some(profiles) = profiles {
        let mut t = toml::Table::new();
        t.insert("profiles".into(), profiles);
        effective.merge(&t, &mut |path| {
            root.source(path).cloned().unwrap_or(Source::Default)
        });
    }

    // 4. Dedicated flags.
    for flag in &options.flags.entries {
        let table = table_at(&flag.key, flag.value.clone());
        effective.merge(&table, &mut |_| Source::Flag(flag.flag.clone()));
    }
    if options.flags.oss {
        apply_oss_flag(&mut effective);
    }

    // 5. The JGT live guard, above everything: a live broker account was found.
    let guard_key = ["jgt".to_string(), "live_guard".to_string()];
    let guard_off = effective.get(&guard_key) == Some(&toml::Value::Boolean(false));
    if jgt.live() && guard_off {
        jgt.live_guard_off_by = effective.source(&guard_key).map(|s| s.to_string());
    }
    if jgt.live() && !guard_off {
        let user_defined = user_trading_secure.is_some();
        let table = user_trading_secure.unwrap_or(built_in_trading_secure);
        crate::trading_secure::apply_live_guard(&mut effective, table, &|path| {
            let mut full = vec!["profiles".to_string(), TRADING_SECURE.to_string()];
            full.extend_from_slice(path);
            Source::Profile {
                name: TRADING_SECURE.into(),
                from: Box::new(if user_defined {
                    root.source(&full).cloned().unwrap_or(Source::Default)
                } else {
                    Source::BuiltIn
                }),
            }
        });
        jgt.live_guard_applied = true;
    }

    let toml =
        ConfigToml::deserialize(toml::Value::Table(effective.table.clone())).map_err(|e| {
            ConfigError::Value {
                key: "config".into(),
                message: e.message().to_string(),
            }
        })?;
    let config = resolve(
        toml,
        &effective,
        crate::resolve::Context {
            codex_home,
            config_path,
            cwd,
            active_profile: profile_name,
            env,
            honour_codex_api_key: options.honour_codex_api_key,
            add_dirs: options.flags.add_dirs.clone(),
            cli_overrides: options.cli_overrides.clone(),
            jgt,
        },
        &mut warnings,
    )?;
    crate::no_effect::warn(&effective, &mut warnings);
    Ok(Loaded {
        config,
        warnings: warnings.into_vec(),
        effective,
    })
}

fn apply_oss_flag(effective: &mut Layered) {
    let provider = match effective.get(&["oss_provider".to_string()]) {
        Some(toml::Value::String(s)) => s.clone(),
        _ => "ollama".to_string(),
    };
    let mut table = toml::Table::new();
    table.insert("model_provider".into(), toml::Value::String(provider));
    let model_key = vec!["model".to_string()];
    if effective.source(&model_key) == Some(&Source::Default) {
        table.insert(
            "model".into(),
            toml::Value::String(DEFAULT_OSS_MODEL.into()),
        );
    }
    effective.merge(&table, &mut |_| Source::Flag("--oss".into()));
}

/// `$CODEX_HOME`, or `~/.codex`, from this process's environment — without reading any file
/// (for commands that edit `config.toml` and must work when it does not load).
pub fn find_codex_home() -> Result<PathBuf, ConfigError> {
    codex_home_from(&|name: &str| std::env::var(name).ok())
}

fn codex_home_from(lookup: &dyn Fn(&str) -> Option<String>) -> Result<PathBuf, ConfigError> {
    if let Some(home) = lookup("CODEX_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(home));
    }
    let home = lookup("HOME").filter(|v| !v.is_empty());
    // Windows sets USERPROFILE; HOME is there only when a Unix-like shell set it.
    #[cfg(windows)]
    let home = home.or_else(|| lookup("USERPROFILE").filter(|v| !v.is_empty()));
    match home {
        Some(home) => Ok(PathBuf::from(home).join(".codex")),
        None => Err(ConfigError::Value {
            key: "CODEX_HOME".into(),
            message: "neither CODEX_HOME nor HOME is set; set CODEX_HOME to a directory for \
                      codex's config and sessions"
                .into(),
        }),
    }
}

fn read_optional(path: &Path) -> Result<Option<String>, ConfigError> {
    match read_text_file(path, MAX_CONFIG_FILE_BYTES) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(source) => Err(ConfigError::File {
            source,
            hint: format!(
                "the config must be a regular TOML file of at most {} MiB: replace it, or remove \
                 it to use the defaults",
                MAX_CONFIG_FILE_BYTES >> 20
            ),
        }),
    }
}

/// Checks the file against the schema and returns it as a plain table.
fn typed_check_file(
    file: &SourceText,
    path: &Path,
    warnings: &mut Warnings,
) -> Result<toml::Table, ConfigError> {
    let in_file = |e: toml::de::Error| {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        let (line, column) = file.line_col(offset);
        let key = e
            .span()
            .and_then(|s| file.key_at(s.start))
            .map(|k| format!("{k}: "))
            .unwrap_or_default();
        ConfigError::InFile {
            path: path.to_path_buf(),
            line,
            column,
            key,
            message: e.message().trim().to_string(),
        }
    };
    let de = toml::Deserializer::parse(file.text()).map_err(in_file)?;
    let mut unknown = Vec::new();
    let _: ConfigToml =
        serde_ignored::deserialize(de, |p| unknown.push(path_segments(&p))).map_err(in_file)?;
    for segments in unknown {
        let key = dotted(&segments);
        let at = file
            .key_position(&segments)
            .map(|(l, c)| format!(" ({}:{l}:{c})", path.display()))
            .unwrap_or_default();
        let message = format!("unknown config key `{key}`{at} is ignored");
        warnings.push_unknown(segments, message);
    }
    file.text().parse::<toml::Table>().map_err(in_file)
}

fn typed_check_table(table: &toml::Table, warnings: &mut Warnings) -> Result<(), String> {
    let mut unknown = Vec::new();
    let result: Result<ConfigToml, _> =
        serde_ignored::deserialize(toml::Value::Table(table.clone()), |p| {
            unknown.push(path_segments(&p))
        });
    result.map_err(|e| e.message().to_string())?;
    for segments in unknown {
        let key = dotted(&segments);
        let message = format!("unknown config key `{key}` is ignored");
        warnings.push_unknown(segments, message);
    }
    Ok(())
}

/// The map keys along an ignored path (options and newtypes add no segment).
fn path_segments(path: &serde_ignored::Path<'_>) -> Vec<String> {
    use serde_ignored::Path;
    let mut out = match path {
        Path::Root => return Vec::new(),
        Path::Seq { parent, .. }
        | Path::Map { parent, .. }
        | Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => path_segments(parent),
    };
    match path {
        Path::Map { key, .. } => out.push(key.clone()),
        Path::Seq { index, .. } => out.push(index.to_string()),
        _ => {}
    }
    out
}

/// An error about `key`, placed where its value came from.
pub(crate) fn error_at(source: &Source, key: &str, message: String) -> ConfigError {
    match source {
        Source::File {
            path,
            position: Some((line, column)),
        } => ConfigError::InFile {
            path: path.clone(),
            line: *line,
            column: *column,
            key: format!("{key}: "),
            message,
        },
        Source::Profile { from, .. } | Source::LiveGuard(from) => error_at(from, key, message),
        Source::Override(text) => ConfigError::Override {
            text: text.clone(),
            message: format!("{key}: {message}"),
        },
        other => ConfigError::Value {
            key: format!("{key} (from {other})"),
            message,
        },
    }
}

/// Warnings, each said once.
#[derive(Default)]
pub(crate) struct Warnings {
    seen: BTreeSet<String>,
    list: Vec<String>,
    /// Unknown keys, as they will sit in the effective table (a profile's without the
    /// `profiles.<name>` prefix too), so that nothing else is said about them.
    unknown: BTreeSet<KeyPath>,
}

impl Warnings {
    pub fn push(&mut self, message: String) {
        if self.seen.insert(message.clone()) {
            self.list.push(message);
        }
    }

    /// Says `message` unless something was already said about `key`.
    pub fn push_keyed(&mut self, key: &str, message: String) {
        if self.seen.insert(format!("key:{key}")) {
            self.list.push(message);
        }
    }

    /// Says `message` about the unknown key at `path`, once.
    fn push_unknown(&mut self, path: KeyPath, message: String) {
        self.push_keyed(&dotted(&path), message);
        if path.len() > 2 && path[0] == "profiles" {
            self.unknown.insert(path[2..].to_vec());
        }
        self.unknown.insert(path);
    }

    pub fn is_unknown(&self, path: &[String]) -> bool {
        self.unknown.contains(path)
    }

    fn into_vec(self) -> Vec<String> {
        self.list
    }
}

/// For `config show`: every effective value with its source, `profiles` left out.
pub fn show_entries(effective: &Layered) -> Vec<(String, String, Source)> {
    crate::layers::leaves(&effective.table)
        .into_iter()
        .filter(|(path, _)| path.first().map(String::as_str) != Some("profiles"))
        .map(|(path, value)| {
            let source = effective.source(&path).cloned().unwrap_or(Source::Default);
            let shown = if is_secret(&path) {
                "\"<redacted>\"".to_string()
            } else {
                render_value(value)
            };
            (dotted(&path), shown, source)
        })
        .collect()
}

fn is_secret(path: &[String]) -> bool {
    let Some(last) = path.last() else {
        return false;
    };
    let last = last.to_ascii_lowercase();
    let header_parent = path.len() >= 2
        && path[path.len() - 2].ends_with("http_headers")
        && !path[path.len() - 2].starts_with("env_");
    (last.contains("token") && !last.ends_with("env_var"))
        || (header_parent
            && (last == "authorization" || last.contains("key") || last.contains("token")))
}

fn render_value(value: &toml::Value) -> String {
    match value {
        toml::Value::Table(t) if t.is_empty() => "{}".to_string(),
        other => other.to_string(),
    }
}
