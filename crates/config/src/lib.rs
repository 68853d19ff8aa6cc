//! Configuration: `$CODEX_HOME/config.toml`, profiles, `-c` overrides and flags, resolved once
//! into an immutable [`Config`].
//!
//! This crate reads the config file and takes a snapshot of the environment it is given; nothing
//! else in the engine reads either. It prints nothing: warnings are returned to the caller.

#![deny(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::exit,
    reason = "library code runs inside other processes (the CLI, a Node host); they own output and exit"
)]

mod config;
mod deny_read;
mod edit;
mod error;
mod file;
mod jgt;
mod layers;
mod load;
mod locate;
mod model_family;
mod no_effect;
mod overrides;
mod provider;
mod resolve;
mod schema;
mod tables;
mod trading_secure;

pub use config::*;
pub use deny_read::{DEFAULT_DENY_READ, DenyReadError, expand_entries};
pub use edit::{NewMcpServer, add_mcp_server, project_trust, remove_mcp_server, set_project_trust};
pub use error::ConfigError;
pub use file::{FileError, MAX_CONFIG_FILE_BYTES, read_text_file, read_text_prefix};
pub use jgt::{CandidateStatus, JGT_ETC_DIR, Jgt, JgtCandidate, JgtFound, JgtSource};
pub use layers::{Layered, Source, dotted};
pub use load::{
    DEFAULT_MODEL, DEFAULT_OSS_MODEL, FlagOverrides, FlagValue, LoadOptions, Loaded,
    find_codex_home, load, show_entries,
};
pub use model_family::{
    DEFAULT_CONTEXT_WINDOW, FILE_TOOLS, ModelFamily, PatchToolForm, Price, ShellToolForm,
    find_family,
};
pub use no_effect::NO_EFFECT_KEYS;
pub use overrides::{CliOverride, parse_override};
pub use provider::{ModelProviderInfo, ModelProviderToml, ProviderAuth, WireApi};
pub use schema::*;
pub use tables::*;
pub use trading_secure::TRADING_SECURE;
