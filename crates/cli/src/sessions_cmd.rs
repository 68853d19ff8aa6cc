//! `codex sessions list` and `codex resume` (a listing until the interactive picker exists).

use std::io::Write;

use crate::args::SharedOptions;

pub fn list(shared: &SharedOptions, all: bool, json: bool) -> i32 {
    let loaded = match crate::setup::load_or_report(shared, None) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let config = loaded.config;
    let cwd = (!all).then_some(config.cwd.as_path());
    let sessions = codex_core::list_sessions(&config.codex_home, cwd);
    let mut out = std::io::stdout().lock();
    if json {
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&sessions).unwrap_or_default()
        );
        return 0;
    }
    if sessions.is_empty() {
        let scope = if all {
            ""
        } else {
            " for this directory (try --all)"
        };
        let _ = writeln!(out, "no recorded sessions{scope}");
        return 0;
    }
    for s in sessions {
        let mut prompt: String = s.first_prompt.chars().take(60).collect();
        if s.first_prompt.chars().count() > 60 {
            prompt.push('…');
        }
        let time = s
            .timestamp
            .get(..19)
            .unwrap_or(&s.timestamp)
            .replace('T', " ");
        let line = if all {
            format!("{}  {time}  {}  {prompt}", s.id, s.cwd.display())
        } else {
            format!("{}  {time}  {prompt}", s.id)
        };
        if writeln!(out, "{line}").is_err() {
            break;
        }
    }
    0
}
