//! Appending sealed lines: one `write` per line on an `O_APPEND` descriptor, under an
//! exclusive `flock`, chaining from the file's last line.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::chain::{Chain, GENESIS, fallback_prev, seal_line, split_seal};
use crate::lock::FileLock;

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("cannot open the audit log {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the audit log {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the audit log {path}: only {written} of {len} bytes were written")]
    ShortWrite {
        path: PathBuf,
        written: usize,
        len: usize,
    },
}

/// Appends records to one audit log file. Each writer has its own descriptor; any number of
/// them, in any number of processes, may append to the same file.
pub struct AuditWriter {
    file: File,
    path: PathBuf,
    chain: Chain,
    /// `sync_data` after each line.
    fsync: bool,
    /// The file's length after our last line, and that line's seal: while the file has that
    /// length, nobody else has written and the tail need not be read.
    last: Option<(u64, String)>,
    notes: Vec<String>,
}

impl AuditWriter {
    /// Opens (creating, mode 0600) the log at `path`. A file that others may read or write is
    /// tightened to 0600; [`AuditWriter::take_notes`] says so, or that it could not be.
    pub fn open(path: &Path, chain: Chain) -> Result<AuditWriter, AuditError> {
        let open_err = |source| AuditError::Open {
            path: path.to_path_buf(),
            source,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(open_err)?;
        }
        let mut options = OpenOptions::new();
        options.read(true).append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(path).map_err(open_err)?;
        let mut notes = Vec::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = file.metadata().map_err(open_err)?.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                match file.set_permissions(std::fs::Permissions::from_mode(0o600)) {
                    Ok(()) => notes.push(format!(
                        "the audit log {} was open to other users (mode {mode:o}); it is now 600",
                        path.display()
                    )),
                    Err(e) => notes.push(format!(
                        "the audit log {} is open to other users (mode {mode:o}) and could not \
                         be made private: {e}",
                        path.display()
                    )),
                }
            }
        }
        Ok(AuditWriter {
            file,
            path: path.to_path_buf(),
            chain,
            fsync: false,
            last: None,
            notes,
        })
    }

    /// Whether each line is flushed to the disk before `append` returns (off by default: see
    /// `scripts/bench/audit` for what it costs).
    pub fn set_fsync(&mut self, fsync: bool) {
        self.fsync = fsync;
    }

    /// What opening found worth telling the user (permissions tightened or too wide).
    pub fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record. `fields` become the line's fields in their order; `chain`, `prev`
    /// and `hash` are set here (any given are replaced).
    pub fn append(&mut self, mut fields: Map<String, Value>) -> Result<(), AuditError> {
        let write_err = |source| AuditError::Write {
            path: self.path.clone(),
            source,
        };
        let _lock = FileLock::exclusive(&self.file).map_err(write_err)?;
        let len = self.file.metadata().map_err(write_err)?.len();
        let (prev, needs_newline) = match &self.last {
            Some((known, seal)) if *known == len => (seal.clone(), false),
            _ => read_tail(&self.file, len).map_err(write_err)?,
        };
        fields.remove("hash");
        fields.remove("chain");
        fields.remove("prev");
        fields.insert("chain".into(), Value::from(self.chain.name()));
        fields.insert("prev".into(), Value::from(prev));
        let object = Value::Object(fields).to_string();
        let (mut line, seal) = seal_line(&object, &self.chain);
        if needs_newline {
            // A torn last line stays one damaged line rather than swallowing this one.
            line.insert(0, b'\n');
        }
        let written = (&self.file).write(&line).map_err(write_err)?;
        if written != line.len() {
            self.last = None;
            return Err(AuditError::ShortWrite {
                path: self.path.clone(),
                written,
                len: line.len(),
            });
        }
        if self.fsync {
            self.file.sync_data().map_err(write_err)?;
        }
        self.last = Some((len + written as u64, seal));
        Ok(())
    }
}

/// The seal the next line chains from, and whether the file lacks its final newline: read
/// backwards from the end, in growing chunks, until the last line is whole.
fn read_tail(file: &File, len: u64) -> std::io::Result<(String, bool)> {
    if len == 0 {
        return Ok((GENESIS.to_string(), false));
    }
    let mut buf: Vec<u8> = Vec::new();
    let mut start = len;
    let mut chunk: u64 = 4096;
    let (line, needs_newline) = loop {
        let step = chunk.min(start);
        start -= step;
        let mut piece = vec![0u8; step as usize];
        read_exact_at(file, &mut piece, start)?;
        piece.extend_from_slice(&buf);
        buf = piece;
        let ends_with_newline = buf.last() == Some(&b'\n');
        let end = if ends_with_newline {
            buf.len() - 1
        } else {
            buf.len()
        };
        if let Some(i) = buf[..end].iter().rposition(|&b| b == b'\n') {
            break (buf[i + 1..end].to_vec(), !ends_with_newline);
        }
        if start == 0 {
            break (buf[..end].to_vec(), !ends_with_newline);
        }
        chunk = chunk.saturating_mul(2);
    };
    let prev = match split_seal(&line) {
        Some((_, seal)) if !needs_newline => seal.to_string(),
        _ => fallback_prev(&line),
    };
    Ok((prev, needs_newline))
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "writer_tests.rs"]
mod tests;
