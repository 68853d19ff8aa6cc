//! Private mount and PID namespaces: the filesystem read-only except the writable roots (and
//! their `.git`/`.codex` read-only again), `deny_read` paths hidden, a `/proc` showing only the
//! command's processes, and every process of the command gone when it ends.

use std::ffi::CString;
use std::io::{Error, Result};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::deny_read::DeniedPath;
use crate::roots::WritableRoot;

/// Enters new mount and PID namespaces and forks. Returns `Ok(true)` in the child; the parent
/// never returns (it exits with the child's status). `Ok(false)` when namespaces cannot be
/// made here, so the caller relies on Landlock alone.
pub fn enter() -> Result<bool> {
    // SAFETY: geteuid/getegid cannot fail.
    let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    let mut flags = libc::CLONE_NEWNS | libc::CLONE_NEWPID;
    if uid != 0 {
        flags |= libc::CLONE_NEWUSER;
    }
    // SAFETY: unshare with flags only.
    if unsafe { libc::unshare(flags) } != 0 {
        return Ok(false);
    }
    if uid != 0 {
        std::fs::write("/proc/self/setgroups", "deny")?;
        std::fs::write("/proc/self/uid_map", format!("{uid} {uid} 1"))?;
        std::fs::write("/proc/self/gid_map", format!("{gid} {gid} 1"))?;
    }
    // SAFETY: the helper is single-threaded here (no runtime has started), so fork is sound.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(Error::last_os_error());
    }
    if pid == 0 {
        // PID 1 of the new namespace: when it exits, the kernel kills everything left in it.
        // SAFETY: prctl with plain integer arguments.
        unsafe {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        }
        return Ok(true);
    }
    exit_as_child(pid)
}

/// The parent's whole remaining life: wait for the namespace's PID 1 and leave with its status
/// (126 when it cannot be known), so the caller of the helper sees the command's own.
#[allow(
    clippy::exit,
    reason = "runs only in the sandbox helper process, whose waiting half ends with the command's status"
)]
fn exit_as_child(pid: libc::pid_t) -> ! {
    let mut status = 0;
    let code = loop {
        // SAFETY: waiting for our own child with a valid status pointer.
        let r = unsafe { libc::waitpid(pid, &mut status, 0) };
        if r == pid {
            break if libc::WIFEXITED(status) {
                libc::WEXITSTATUS(status)
            } else if libc::WIFSIGNALED(status) {
                128 + libc::WTERMSIG(status)
            } else {
                126
            };
        }
        if r < 0 && Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            break 126;
        }
    };
    std::process::exit(code)
}

fn c_path(path: &Path) -> Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|e| Error::new(std::io::ErrorKind::InvalidInput, e))
}

fn bind_to_itself(path: &Path) -> Result<()> {
    let p = c_path(path)?;
    // SAFETY: valid NUL-terminated paths; no data argument.
    let r = unsafe {
        libc::mount(
            p.as_ptr(),
            p.as_ptr(),
            std::ptr::null(),
            libc::MS_BIND | libc::MS_REC,
            std::ptr::null(),
        )
    };
    if r != 0 {
        Err(Error::last_os_error())
    } else {
        Ok(())
    }
}

#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

const MOUNT_ATTR_RDONLY: u64 = 0x1;
const MOUNT_ATTR_NOSUID: u64 = 0x2;
const MOUNT_ATTR_NODEV: u64 = 0x4;
const MOUNT_ATTR_NOEXEC: u64 = 0x8;

fn set_read_only(path: &Path, read_only: bool) -> Result<()> {
    let p = c_path(path)?;
    let attr = MountAttr {
        attr_set: if read_only { MOUNT_ATTR_RDONLY } else { 0 },
        attr_clr: if read_only { 0 } else { MOUNT_ATTR_RDONLY },
        propagation: 0,
        userns_fd: 0,
    };
    // SAFETY: mount_setattr with a valid path and a correctly sized attribute struct.
    let r = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            libc::AT_FDCWD,
            p.as_ptr(),
            libc::AT_RECURSIVE as libc::c_uint,
            &attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        )
    };
    if r != 0 {
        Err(Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Sets `attrs` on the one mount at `path` (not those below it).
fn lock_mount(path: &Path, attrs: u64) -> Result<()> {
    let p = c_path(path)?;
    let attr = MountAttr {
        attr_set: attrs,
        attr_clr: 0,
        propagation: 0,
        userns_fd: 0,
    };
    // SAFETY: mount_setattr with a valid path and a correctly sized attribute struct.
    let r = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            libc::AT_FDCWD,
            p.as_ptr(),
            0 as libc::c_uint,
            &attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        )
    };
    if r != 0 {
        Err(Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Covers each denied path: a directory with an empty read-only tmpfs, anything else with the
/// null device bound read-only and `nodev`, so opening it fails (EACCES) rather than reading
/// nothing. Links into a hidden directory find it empty; a new hard link to a hidden file
/// crosses mounts (EXDEV).
fn hide(denied: &[DeniedPath]) -> Result<()> {
    const LOCKED: u64 =
        MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
    let null = c_path(Path::new("/dev/null"))?;
    for d in denied {
        let target = c_path(&d.path)?;
        // SAFETY: valid NUL-terminated strings; the data argument is a NUL-terminated option
        // string for tmpfs, or null.
        let r = unsafe {
            if d.is_dir {
                libc::mount(
                    c"tmpfs".as_ptr(),
                    target.as_ptr(),
                    c"tmpfs".as_ptr(),
                    libc::MS_RDONLY | libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
                    c"size=4k,mode=555".as_ptr().cast(),
                )
            } else {
                libc::mount(
                    null.as_ptr(),
                    target.as_ptr(),
                    std::ptr::null(),
                    libc::MS_BIND,
                    std::ptr::null(),
                )
            }
        };
        if r != 0 {
            let e = Error::last_os_error();
            return Err(Error::new(
                e.kind(),
                format!("cannot hide {}: {e}", d.path.display()),
            ));
        }
        lock_mount(&d.path, LOCKED)?;
    }
    Ok(())
}

/// A procfs of the command's own PID namespace over `/proc`: the host's shows every process,
/// and with it the agent's PID, command line and — to root — its environment. Must run in the
/// child (procfs takes the PID namespace of the process that mounts it) after the mounts were
/// made private (or it would replace the host's `/proc`). Fails where a fully visible procfs is
/// required and missing (unprivileged, in containers that mask parts of `/proc`); the host's
/// `/proc` then stays, with Landlock, the dropped capabilities and the non-dumpable agent
/// keeping other processes' environment and memory out of reach.
fn mount_proc() -> Result<()> {
    // SAFETY: valid NUL-terminated strings; no data.
    let r = unsafe {
        libc::mount(
            c"proc".as_ptr(),
            c"/proc".as_ptr(),
            c"proc".as_ptr(),
            libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
            std::ptr::null(),
        )
    };
    if r != 0 {
        Err(Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Makes every mount read-only except the writable roots, whose `.git`/`.codex` stay read-only,
/// with the command's own `/proc` where it can be mounted, and the `denied` paths hidden.
pub fn read_only_except(roots: &[WritableRoot], denied: &[DeniedPath]) -> Result<()> {
    let root = c_path(Path::new("/"))?;
    // Changes below must not reach the rest of the system.
    // SAFETY: valid path, no data.
    let r = unsafe {
        libc::mount(
            std::ptr::null(),
            root.as_ptr(),
            std::ptr::null(),
            libc::MS_REC | libc::MS_PRIVATE,
            std::ptr::null(),
        )
    };
    if r != 0 {
        return Err(Error::last_os_error());
    }
    let own_proc = mount_proc().is_ok();
    for w in roots {
        bind_to_itself(&w.root)?;
        for sub in &w.read_only_subpaths {
            bind_to_itself(sub)?;
        }
    }
    set_read_only(Path::new("/"), true)?;
    // All roots writable first, then the protected parts read-only again: a root that
    // contains another (the cwd under /tmp) must not undo the inner root's protection.
    for w in roots {
        set_read_only(&w.root, false)?;
    }
    for sub in roots.iter().flat_map(|w| &w.read_only_subpaths) {
        set_read_only(sub, true)?;
    }
    if own_proc {
        // Even when a root contains it: /proc/sys and friends are the kernel's settings.
        set_read_only(Path::new("/proc"), true)?;
    }
    // Last, so no remount above reaches the hiding mounts (a writable root made writable again
    // recursively would make a hiding mount inside it writable).
    hide(denied)?;
    // The working directory still points into the old mounts; look it up again through the
    // new ones.
    let cwd = std::env::current_dir()?;
    std::env::set_current_dir(&cwd)
}
