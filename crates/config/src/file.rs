//! Reading the small files a config points at (config.toml, instruction files, auth.json, a
//! JSON Schema, AGENTS.md): regular files only, within a size limit, so a FIFO cannot hang a
//! command and a link to `/dev/zero` cannot exhaust memory.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// No config or instruction file is anywhere near this big.
pub const MAX_CONFIG_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Why a file was not read. The message says what and where; callers add how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{} does not exist", .path.display())]
    NotFound { path: PathBuf },
    #[error("{} is not a regular file ({kind})", .path.display())]
    NotRegular { path: PathBuf, kind: String },
    #[error("{} is too large: {}", .path.display(), size_text(*.size, *.limit))]
    TooLarge {
        path: PathBuf,
        /// The size when known (it may grow while being read).
        size: Option<u64>,
        limit: u64,
    },
    #[error("{} is not UTF-8 text (invalid byte at offset {offset})", .path.display())]
    NotUtf8 { path: PathBuf, offset: usize },
    #[error("cannot read {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn size_text(size: Option<u64>, limit: u64) -> String {
    match size {
        Some(size) => format!(
            "{size} bytes, {} bytes over the limit of {limit} bytes",
            size.saturating_sub(limit)
        ),
        None => format!("more than the limit of {limit} bytes"),
    }
}

impl FileError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, FileError::NotFound { .. })
    }
}

/// The whole of `path` as text; an error when it is not a regular file (after following
/// symlinks) or is larger than `limit` bytes.
pub fn read_text_file(path: &Path, limit: u64) -> Result<String, FileError> {
    let bytes = read_bytes(path, limit, Overflow::Fail)?;
    String::from_utf8(bytes).map_err(|e| FileError::NotUtf8 {
        path: path.to_path_buf(),
        offset: e.utf8_error().valid_up_to(),
    })
}

/// At most the first `limit` bytes of `path` as text, cut at a character boundary; an error when
/// it is not a regular file.
pub fn read_text_prefix(path: &Path, limit: u64) -> Result<String, FileError> {
    let mut bytes = read_bytes(path, limit, Overflow::Truncate)?;
    if let Err(e) = std::str::from_utf8(&bytes) {
        // Only a character cut by the limit itself is forgiven.
        if e.error_len().is_some() {
            return Err(FileError::NotUtf8 {
                path: path.to_path_buf(),
                offset: e.valid_up_to(),
            });
        }
        bytes.truncate(e.valid_up_to());
    }
    String::from_utf8(bytes).map_err(|e| FileError::NotUtf8 {
        path: path.to_path_buf(),
        offset: e.utf8_error().valid_up_to(),
    })
}

#[derive(PartialEq)]
enum Overflow {
    Fail,
    Truncate,
}

fn read_bytes(path: &Path, limit: u64, overflow: Overflow) -> Result<Vec<u8>, FileError> {
    let io = |source: std::io::Error| {
        if source.kind() == std::io::ErrorKind::NotFound {
            FileError::NotFound {
                path: path.to_path_buf(),
            }
        } else {
            FileError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    };
    // Checked before opening: opening a FIFO blocks until a writer comes, and opening a device
    // may have effects of its own.
    let meta = std::fs::metadata(path).map_err(io)?;
    check_regular(path, &meta)?;
    let file = open_nonblocking(path).map_err(io)?;
    // And again on what was opened, in case the path was replaced in between.
    let meta = file.metadata().map_err(io)?;
    check_regular(path, &meta)?;
    if overflow == Overflow::Fail && meta.len() > limit {
        return Err(FileError::TooLarge {
            path: path.to_path_buf(),
            size: Some(meta.len()),
            limit,
        });
    }
    let mut bytes = Vec::with_capacity(meta.len().min(limit) as usize);
    // One byte past the limit tells a file that grew while being read.
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        if overflow == Overflow::Fail {
            return Err(FileError::TooLarge {
                path: path.to_path_buf(),
                size: None,
                limit,
            });
        }
        bytes.truncate(limit as usize);
    }
    Ok(bytes)
}

fn check_regular(path: &Path, meta: &std::fs::Metadata) -> Result<(), FileError> {
    if meta.is_file() {
        return Ok(());
    }
    let mut kind = file_kind(meta).to_string();
    if let Ok(target) = std::fs::read_link(path) {
        kind = format!("a symlink to {}, {kind}", target.display());
    }
    Err(FileError::NotRegular {
        path: path.to_path_buf(),
        kind,
    })
}

fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    if meta.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a file"
}

/// Opens without blocking on a FIFO swapped in after the check (regular files ignore the flag).
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_files_within_the_limit_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.toml");
        std::fs::write(&path, "model = \"x\"\n").unwrap();
        assert_eq!(read_text_file(&path, 100).unwrap(), "model = \"x\"\n");
        #[cfg(unix)]
        {
            let link = dir.path().join("link.toml");
            std::os::unix::fs::symlink(&path, &link).unwrap();
            assert_eq!(read_text_file(&link, 100).unwrap(), "model = \"x\"\n");
        }
        assert!(
            read_text_file(&dir.path().join("none"), 100)
                .unwrap_err()
                .is_not_found()
        );
    }

    #[test]
    fn too_large_says_by_how_much() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        std::fs::write(&path, "x".repeat(150)).unwrap();
        let e = read_text_file(&path, 100).unwrap_err().to_string();
        assert!(
            e.ends_with("big is too large: 150 bytes, 50 bytes over the limit of 100 bytes"),
            "{e}"
        );
        assert_eq!(read_text_prefix(&path, 100).unwrap().len(), 100);
    }

    #[test]
    fn a_prefix_is_cut_at_a_character_boundary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("AGENTS.md");
        std::fs::write(&path, "aé").unwrap();
        assert_eq!(read_text_prefix(&path, 2).unwrap(), "a");
        std::fs::write(&path, b"a\xffb").unwrap();
        let e = read_text_prefix(&path, 10).unwrap_err().to_string();
        assert!(
            e.contains("not UTF-8 text (invalid byte at offset 1)"),
            "{e}"
        );
    }

    #[test]
    fn directories_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let e = read_text_file(dir.path(), 100).unwrap_err().to_string();
        assert!(e.ends_with("is not a regular file (a directory)"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn fifos_and_devices_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = read_text_file(&fifo, 100).unwrap_err().to_string();
        assert!(e.ends_with("fifo is not a regular file (a FIFO)"), "{e}");

        let zero = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        for e in [
            read_text_file(&zero, 100).unwrap_err(),
            read_text_prefix(&zero, 100).unwrap_err(),
        ] {
            let e = e.to_string();
            assert!(
                e.ends_with(
                    "zero is not a regular file (a symlink to /dev/zero, a character device)"
                ),
                "{e}"
            );
        }
    }
}
