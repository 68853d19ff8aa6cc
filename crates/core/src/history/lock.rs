//! The exclusive advisory lock on `history.jsonl`.
//!
//! `flock`, not `fcntl` record locks: an `fcntl` lock belongs to the process, so two sessions
//! in one process would both "hold" it; a `flock` lock belongs to the open file, so they
//! exclude each other like two processes do. It is taken without blocking and retried with
//! short pauses up to a deadline, so a writer stopped while holding it (a suspended process)
//! costs a lost history line rather than a thread blocked for good.
//!
//! On Windows the lock is `LockFileEx` over the whole file, which also belongs to the open
//! handle, and a file is known by its volume serial number and file index instead of its device
//! and inode numbers. Elsewhere there is no lock at all.

use std::fs::File;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long a writer waits for the lock before giving up on its line.
const WAIT: Duration = Duration::from_secs(10);
/// The longest pause between two attempts; writers hold the lock for a millisecond or so.
const MAX_PAUSE: Duration = Duration::from_millis(8);

/// Opens the file at `path` with `open` and returns it locked, and still the file at `path`.
pub(super) fn open_locked(
    path: &Path,
    open: impl Fn(&Path) -> std::io::Result<File>,
) -> std::io::Result<File> {
    let deadline = Instant::now() + WAIT;
    let mut pause = Duration::from_micros(250);
    let mut file = open(path)?;
    loop {
        if try_lock(&file)? {
            if still_at(&file, path)? {
                return Ok(file);
            }
            // A trim renamed a new file over the one locked here; its lines go to the new one.
            file = open(path)?;
        } else {
            // Random pauses keep waiting writers from retrying in step.
            std::thread::sleep(pause.mul_f64(0.5 + fastrand::f64()));
            pause = (pause * 2).min(MAX_PAUSE);
        }
        if Instant::now() >= deadline {
            return Err(std::io::Error::new(
                std::io::ErrorKind::WouldBlock,
                format!(
                    "{} has been locked by another writer for {} s",
                    path.display(),
                    WAIT.as_secs()
                ),
            ));
        }
    }
}

/// Takes the exclusive lock if it is free; released when the file is closed.
#[cfg(unix)]
fn try_lock(file: &File) -> std::io::Result<bool> {
    use std::os::fd::AsRawFd;
    // SAFETY: `flock` on a descriptor this `File` owns and keeps open for the call.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
        return Ok(true);
    }
    let error = std::io::Error::last_os_error();
    match error.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted => Ok(false),
        _ => Err(error),
    }
}

/// Takes the exclusive lock if it is free; released when the handle is closed.
#[cfg(windows)]
fn try_lock(file: &File) -> std::io::Result<bool> {
    use std::os::windows::io::AsRawHandle;
    use windows_sys::Win32::Foundation::ERROR_LOCK_VIOLATION;
    use windows_sys::Win32::Storage::FileSystem::{
        LOCKFILE_EXCLUSIVE_LOCK, LOCKFILE_FAIL_IMMEDIATELY, LockFileEx,
    };
    use windows_sys::Win32::System::IO::OVERLAPPED;
    // Offset 0 in the OVERLAPPED; the whole file, as far as it may ever grow.
    let mut overlapped = OVERLAPPED::default();
    // SAFETY: the handle belongs to `file`, open for the call; `overlapped` outlives the call,
    // which does not return before the lock is taken or refused (FAIL_IMMEDIATELY, no event).
    let locked = unsafe {
        LockFileEx(
            file.as_raw_handle(),
            LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY,
            0,
            u32::MAX,
            u32::MAX,
            &mut overlapped,
        )
    };
    if locked != 0 {
        return Ok(true);
    }
    let error = std::io::Error::last_os_error();
    if error.raw_os_error() == Some(ERROR_LOCK_VIOLATION as i32) {
        Ok(false)
    } else {
        Err(error)
    }
}

/// No lock at all elsewhere: writers rely on appends being single writes, and two trims at the
/// same moment can drop each other's newest lines.
#[cfg(not(any(unix, windows)))]
fn try_lock(_file: &File) -> std::io::Result<bool> {
    Ok(true)
}

/// Whether `path` still names `file` (a trim may have replaced it since it was opened).
#[cfg(unix)]
fn still_at(file: &File, path: &Path) -> std::io::Result<bool> {
    use std::os::unix::fs::MetadataExt;
    let locked = file.metadata()?;
    match std::fs::metadata(path) {
        Ok(named) => Ok(named.dev() == locked.dev() && named.ino() == locked.ino()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(windows)]
fn still_at(file: &File, path: &Path) -> std::io::Result<bool> {
    let named = match File::open(path) {
        Ok(named) => named,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    Ok(file_identity(&named)? == file_identity(file)?)
}

/// Volume serial number and file index: what tells two files apart on Windows.
#[cfg(windows)]
fn file_identity(file: &File) -> std::io::Result<(u32, u32, u32)> {
    use std::os::windows::io::AsRawHandle;
    use windows_sys::Win32::Storage::FileSystem::{
        BY_HANDLE_FILE_INFORMATION, GetFileInformationByHandle,
    };
    let mut info = BY_HANDLE_FILE_INFORMATION::default();
    // SAFETY: the handle belongs to `file`, open for the call; `info` is written and outlives it.
    if unsafe { GetFileInformationByHandle(file.as_raw_handle(), &mut info) } == 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok((
        info.dwVolumeSerialNumber,
        info.nFileIndexHigh,
        info.nFileIndexLow,
    ))
}

#[cfg(not(any(unix, windows)))]
fn still_at(_file: &File, _path: &Path) -> std::io::Result<bool> {
    Ok(true)
}
