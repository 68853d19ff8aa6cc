//! Earlier prompts for up-arrow recall, from `$CODEX_HOME/history.jsonl` (written by the
//! engine for every prompt, shared with other sessions and the Codex CLI).

use codex_config::{Config, HistoryPersistence};

/// How many earlier prompts up-arrow can reach.
const RECALLED: usize = 500;

pub fn load(config: &Config) -> Vec<String> {
    if config.history.persistence == HistoryPersistence::None {
        return Vec::new();
    }
    codex_core::recent_history(&config.codex_home, RECALLED)
}
