//! The agent process holds the API key and the environment the shell policy keeps from
//! commands. Other processes of the same user must not read it through `/proc/PID/environ`,
//! `mem` or ptrace, and a crash must not write it to a core file.

/// Makes this process non-dumpable and turns its core files off. Only the agent itself: the
/// sandbox helper and the patch tool hold nothing secret, and the helper must stay dumpable to
/// write its own `/proc/self/uid_map` in a user namespace. What the agent execs is dumpable
/// again (exec resets it).
pub fn harden() {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        const ZERO: libc::c_ulong = 0;
        // SAFETY: prctl with plain integer arguments.
        unsafe {
            libc::prctl(libc::PR_SET_DUMPABLE, ZERO, ZERO, ZERO, ZERO);
        }
    }
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // Only the soft limit: commands inherit it, and one that wants core files may raise it
        // again up to the unchanged hard limit.
        // SAFETY: a valid rlimit struct to read into and to write from.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_CORE, &mut limit) == 0 {
                limit.rlim_cur = 0;
                libc::setrlimit(libc::RLIMIT_CORE, &limit);
            }
        }
    }
}
