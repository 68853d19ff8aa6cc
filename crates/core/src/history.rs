//! `$CODEX_HOME/history.jsonl`: one line per prompt, for recalling earlier prompts.

use std::io::Write;
use std::path::Path;

use codex_config::{History, HistoryPersistence};
use serde_json::json;

/// Appends a prompt (file mode 0600); trims the oldest lines to about 80 % of `max_bytes` when
/// the file grows past it.
pub fn append_history(
    codex_home: &Path,
    settings: &History,
    session_id: &str,
    text: &str,
) -> std::io::Result<()> {
    if settings.persistence == HistoryPersistence::None {
        return Ok(());
    }
    std::fs::create_dir_all(codex_home)?;
    let path = codex_home.join("history.jsonl");
    let line =
        json!({"session_id": session_id, "ts": crate::rollout::time::unix_seconds(), "text": text});
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path)?;
    file.write_all(format!("{line}\n").as_bytes())?;
    if let Some(max) = settings.max_bytes
        && file.metadata()?.len() > max
    {
        trim(&path, (max as f64 * 0.8) as usize)?;
    }
    Ok(())
}

fn trim(path: &Path, keep_bytes: usize) -> std::io::Result<()> {
    let text = std::fs::read_to_string(path)?;
    let mut kept: Vec<&str> = Vec::new();
    let mut size = 0;
    for line in text.lines().rev() {
        if size + line.len() + 1 > keep_bytes {
            break;
        }
        size += line.len() + 1;
        kept.push(line);
    }
    kept.reverse();
    let tmp = path.with_extension("jsonl.tmp");
    let mut options = std::fs::OpenOptions::new();
    options.create(true).write(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut out = options.open(&tmp)?;
    for line in kept {
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
    }
    std::fs::rename(tmp, path)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn appends_with_private_mode_and_trims() {
        let dir = tempfile::tempdir().unwrap();
        let settings = History {
            persistence: HistoryPersistence::SaveAll,
            max_bytes: Some(400),
        };
        for i in 0..20 {
            append_history(dir.path(), &settings, "s", &format!("prompt number {i}")).unwrap();
        }
        let path = dir.path().join("history.jsonl");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.len() <= 400, "{}", text.len());
        assert!(text.contains("prompt number 19"));
        assert!(!text.contains("prompt number 0\""));
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let none = History {
            persistence: HistoryPersistence::None,
            max_bytes: None,
        };
        let other = tempfile::tempdir().unwrap();
        append_history(other.path(), &none, "s", "x").unwrap();
        assert!(!other.path().join("history.jsonl").exists());
    }
}
