//! Logs go to `$CODEX_HOME/log/codex.log`, never to the terminal.

use std::path::Path;

/// Starts file logging at the level in `CODEX_LOG` (or `RUST_LOG`), `warn` by default. Logging
/// that cannot be set up is skipped: it must never stop a run.
pub fn init(codex_home: &Path) {
    let filter = std::env::var("CODEX_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "warn".to_string());
    let dir = codex_home.join("log");
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("codex.log"));
    let Ok(file) = file else {
        return;
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .try_init();
}
