//! `notify`: the configured program is run after each turn with a JSON description of it.

use std::process::Stdio;

use serde_json::Value;

/// Starts `argv` with the payload as its last argument and does not wait for it.
pub fn notify(argv: &[String], payload: &Value) {
    let Some((program, args)) = argv.split_first() else {
        return;
    };
    let child = tokio::process::Command::new(program)
        .args(args)
        .arg(payload.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    match child {
        Ok(mut child) => {
            tokio::spawn(async move {
                let _ = child.wait().await;
            });
        }
        Err(e) => tracing::warn!(program = %program, error = %e, "notify program did not start"),
    }
}
