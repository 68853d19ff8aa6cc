//! An exclusive `flock` on the log, held while the last line is read and the next one written.
//! `flock` locks belong to the open file description, so two writers in one process (each with
//! its own descriptor) exclude each other as two processes do.

use std::fs::File;

pub(crate) struct FileLock<'a> {
    #[cfg_attr(not(unix), allow(dead_code))]
    file: &'a File,
}

impl<'a> FileLock<'a> {
    #[cfg(unix)]
    pub fn exclusive(file: &'a File) -> std::io::Result<FileLock<'a>> {
        use std::os::fd::AsRawFd;
        loop {
            // SAFETY: flock on a descriptor we own for the lifetime of the guard.
            let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
            if rc == 0 {
                return Ok(FileLock { file });
            }
            let err = std::io::Error::last_os_error();
            if err.kind() != std::io::ErrorKind::Interrupted {
                return Err(err);
            }
        }
    }

    /// No advisory locks here: appends are still single writes, but concurrent writers may
    /// fork the chain.
    #[cfg(not(unix))]
    pub fn exclusive(file: &'a File) -> std::io::Result<FileLock<'a>> {
        Ok(FileLock { file })
    }
}

impl Drop for FileLock<'_> {
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            // SAFETY: as above; unlocking cannot fail in a way we could act on.
            unsafe {
                libc::flock(self.file.as_raw_fd(), libc::LOCK_UN);
            }
        }
    }
}
