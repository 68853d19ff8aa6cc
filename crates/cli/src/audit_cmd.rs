//! `codex audit verify` and `codex audit show`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use codex_audit::{KEY_ENV, VerifyError, summary, verify_file};

use crate::args::{AuditCommand, SharedOptions};

pub fn run(shared: &SharedOptions, command: AuditCommand) -> i32 {
    let loaded = match crate::setup::load_or_report(shared, None) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let config = loaded.config;
    let default = || config.audit.path.clone();
    match command {
        AuditCommand::Verify { file } => {
            verify(&file.unwrap_or_else(default), config.env_var(KEY_ENV))
        }
        AuditCommand::Show {
            file,
            session,
            json,
        } => show(&file.unwrap_or_else(default), session.as_deref(), json),
    }
}

fn verify(path: &Path, key: Option<&str>) -> i32 {
    match verify_file(path, key) {
        Ok(report) => {
            let keyed = if report.keyed > 0 {
                ", keyed with CODEX_AUDIT_KEY"
            } else {
                ""
            };
            println!(
                "{}: OK, {} records from {} sessions{keyed}",
                path.display(),
                report.records,
                report.sessions
            );
            0
        }
        Err(e @ VerifyError::Line { .. }) => {
            eprintln!("{}: FAILED: {e}", path.display());
            1
        }
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

fn show(path: &PathBuf, session: Option<&str>, json: bool) -> i32 {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", path.display());
            return 1;
        }
    };
    let mut out = std::io::stdout().lock();
    for (n, line) in BufReader::new(file).split(b'\n').enumerate() {
        let line = match line {
            Ok(line) => line,
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", path.display());
                return 1;
            }
        };
        let text = match serde_json::from_slice::<serde_json::Value>(&line) {
            Ok(record) => {
                let of_session = record
                    .get("session")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("");
                if session.is_some_and(|s| !of_session.starts_with(s)) {
                    continue;
                }
                if json {
                    String::from_utf8_lossy(&line).into_owned()
                } else {
                    summary(&record)
                }
            }
            Err(_) if session.is_some() || json => continue,
            Err(_) => format!("line {}: not a JSON record", n + 1),
        };
        if writeln!(out, "{text}").is_err() {
            break;
        }
    }
    0
}
