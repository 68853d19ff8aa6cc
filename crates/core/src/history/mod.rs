//! `$CODEX_HOME/history.jsonl`: one line per prompt, for recalling earlier prompts.
//!
//! Many writers share the file: other `codex` processes, and several sessions inside one
//! process (a long-lived Node host runs many). What keeps every line whole and none lost:
//!
//! - **One exclusive lock for every change, appends included.** A trim reads the file, writes
//!   the newest lines to a new file and renames it over the old one. An append that landed
//!   between that read and the rename would go into the replaced file and be lost, so appends
//!   must wait for a trim. A shared lock for appends would let appends run side by side, but
//!   the two checks an append makes (does the file end inside a line? has it grown past
//!   `max_bytes`?) are only true of a file nobody else is writing, and an append holds the lock
//!   for one small write, so there is nothing to gain. The Codex CLI takes the same exclusive
//!   `flock` before it appends, so the two programs wait for each other too (it does not look
//!   for a replaced file, though, so its line can still be lost to one of our trims).
//! - **The lock belongs to the file it was taken on.** A trim replaces the file, so a writer
//!   that opened the old one and then waited for its lock checks, once it holds it, that the
//!   name still points at the file it locked; if not it opens the new one and locks again.
//! - **Each line goes out in one `write`** to a file opened with `O_APPEND`, its newline
//!   included, so even a writer that takes no lock cannot land inside it.
//! - **A torn last line** (a writer killed mid-write, a full disk) is ended with a newline
//!   before the next line, never glued to it; the next trim drops the fragment.
//! - **A trim is a new file renamed into place**, under a name of its own (process id and a
//!   random part) in the same directory, synced before the rename and the directory after, so
//!   a crash leaves either the old file or the new one, never a half-written one.

mod lock;

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::Path;

use codex_config::{History, HistoryPersistence};
use serde_json::json;

use crate::rollout::ends_inside_a_line;

const FILE_NAME: &str = "history.jsonl";

/// Appends a prompt (file mode 0600); trims the oldest lines to about 80 % of `max_bytes` when
/// the file grows past it. Blocking: it may wait for another writer's lock.
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
    let path = codex_home.join(FILE_NAME);
    let mut line = serde_json::to_vec(
        &json!({"session_id": session_id, "ts": crate::rollout::time::unix_seconds(), "text": text}),
    )?;
    line.push(b'\n');

    // The lock is released when `file` is closed, after the trim.
    let mut file = lock::open_locked(&path, open_for_append)?;
    append_line(&mut file, &line)?;
    if let Some(max) = settings.max_bytes
        && file.metadata()?.len() > max
    {
        trim(&mut file, &path, keep_bytes(max))?;
    }
    Ok(())
}

/// The newest prompts in `$CODEX_HOME/history.jsonl`, oldest first, at most `max` of them, for
/// up-arrow recall. Only the file's tail is read, so a large history costs little; torn or
/// foreign lines are skipped. A missing or unreadable file is no history.
pub fn recent_history(codex_home: &Path, max: usize) -> Vec<String> {
    const TAIL_BYTES: u64 = 512 * 1024;
    let Ok(mut file) = File::open(codex_home.join(FILE_NAME)) else {
        return Vec::new();
    };
    let Ok(len) = file.metadata().map(|m| m.len()) else {
        return Vec::new();
    };
    let start = len.saturating_sub(TAIL_BYTES);
    if file.seek(SeekFrom::Start(start)).is_err() {
        return Vec::new();
    }
    let mut tail = Vec::new();
    if Read::take(&file, len - start)
        .read_to_end(&mut tail)
        .is_err()
    {
        return Vec::new();
    }
    let mut lines = tail.split(|&b| b == b'\n');
    if start > 0 {
        // The first line was cut by where the tail starts.
        lines.next();
    }
    let mut texts: Vec<String> = lines
        .filter_map(|line| serde_json::from_slice::<serde_json::Value>(line).ok())
        .filter_map(|v| v.get("text").and_then(|t| t.as_str()).map(String::from))
        .collect();
    if texts.len() > max {
        texts.drain(..texts.len() - max);
    }
    texts
}

fn open_for_append(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // The mode above applies only when the file is created; an older file made readable
        // by others is narrowed. Failing to (someone else's file) is no reason to lose the line.
        let mode = file.metadata()?.permissions().mode();
        if mode & 0o077 != 0 {
            let _ = file.set_permissions(std::fs::Permissions::from_mode(0o600));
        }
    }
    Ok(file)
}

/// Writes `line` (which ends with its newline) with a single `write`, after a newline of its
/// own if the file ends inside a line.
fn append_line(file: &mut File, line: &[u8]) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(line.len() + 1);
    if ends_inside_a_line(file)? {
        buf.push(b'\n');
    }
    buf.extend_from_slice(line);
    loop {
        match file.write(&buf) {
            Ok(n) if n == buf.len() => return Ok(()),
            // The file now ends inside a line; the next append starts with a newline.
            Ok(n) => {
                return Err(std::io::Error::new(
                    ErrorKind::WriteZero,
                    format!("wrote {n} of {} bytes to {FILE_NAME}", buf.len()),
                ));
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

/// What a trim keeps: about 80 % of the cap, so that not every append trims.
fn keep_bytes(max: u64) -> u64 {
    max - max / 5
}

/// Replaces the file at `path` (locked as `file`) with its newest lines that fit in `keep`
/// bytes. Only the tail that can be kept is read, so a file far past the cap (a cap just
/// lowered) costs no more memory than the cap.
fn trim(file: &mut File, path: &Path, keep: u64) -> std::io::Result<()> {
    let len = file.metadata()?.len();
    // One byte more than can be kept: whatever line it belongs to cannot be kept whole.
    let start = len.saturating_sub(keep.saturating_add(1));
    file.seek(SeekFrom::Start(start))?;
    let mut tail = Vec::new();
    Read::take(&*file, len - start).read_to_end(&mut tail)?;
    let kept = newest_lines(&tail, start == 0, keep);
    replace(path, &kept)
}

/// The newest whole lines of `tail` whose total size fits in `keep`, oldest first. Unless
/// `whole_file`, the first line of `tail` is cut (or cannot fit) and is not kept. Blank lines
/// and fragments that are not a JSON object (a torn line) are dropped.
fn newest_lines(tail: &[u8], whole_file: bool, keep: u64) -> Vec<u8> {
    let mut lines = tail.split(|&b| b == b'\n');
    if !whole_file {
        lines.next();
    }
    let mut kept: Vec<&[u8]> = Vec::new();
    let mut size = 0u64;
    for line in lines.rev() {
        if !is_json_object(line) {
            continue;
        }
        let with_newline = line.len() as u64 + 1;
        if size + with_newline > keep {
            break;
        }
        size += with_newline;
        kept.push(line);
    }
    let mut out = Vec::with_capacity(size as usize);
    for line in kept.iter().rev() {
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    out
}

fn is_json_object(line: &[u8]) -> bool {
    line.first() == Some(&b'{') && serde_json::from_slice::<serde::de::IgnoredAny>(line).is_ok()
}

/// Puts `contents` at `path` through a new file of its own in the same directory and a rename.
fn replace(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let tmp = dir.join(format!(
        "{FILE_NAME}.{}.{}.tmp",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    let written = write_new(&tmp, contents).and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir(dir)
}

fn write_new(tmp: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut out = options.open(tmp)?;
    out.write_all(contents)?;
    // On disk before the name points at it: a crash must not leave an empty history.
    out.sync_all()
}

/// Makes the rename durable, so lines appended to the new file after it survive a crash.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    // Directories cannot be opened as files elsewhere; the rename is left to the OS.
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
