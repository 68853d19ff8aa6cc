//! The shell that runs `shell_command` scripts and that the model is told about.
//!
//! Like the Codex CLI, the login shell comes from the password database, not from `$SHELL`
//! (which a parent process may have set for itself). `$SHELL` is only consulted when the account
//! has no usable entry, and `/bin/bash` (or `/bin/sh`) is the last resort. Windows has no
//! password database: there `$SHELL` or the last resort is used.

use std::path::Path;

/// Shells whose `-lc`/`-c` flags the tools rely on.
const KNOWN: [&str; 3] = ["bash", "zsh", "sh"];

/// The full path of the user's login shell.
pub fn user_shell(shell_env: Option<&str>) -> String {
    password_database_shell()
        .filter(|s| usable(s))
        .or_else(|| shell_env.map(str::to_string).filter(|s| usable(s)))
        .unwrap_or_else(|| {
            if Path::new("/bin/bash").exists() {
                "/bin/bash".to_string()
            } else {
                "/bin/sh".to_string()
            }
        })
}

/// The shell's name (`bash`, `zsh`, `sh`) as the environment context reports it.
pub fn shell_name(shell: &str) -> String {
    Path::new(shell)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "bash".to_string())
}

fn usable(shell: &str) -> bool {
    let path = Path::new(shell);
    path.is_absolute() && path.is_file() && KNOWN.contains(&shell_name(shell).as_str())
}

#[cfg(not(unix))]
fn password_database_shell() -> Option<String> {
    None
}

#[cfg(unix)]
fn password_database_shell() -> Option<String> {
    let mut buf = vec![0u8; 4096];
    loop {
        // SAFETY: `passwd` is plain data; getpwuid_r writes into it and into `buf`, whose
        // length we pass, and sets `result` to null or to `&passwd`.
        let mut passwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = unsafe {
            libc::getpwuid_r(
                libc::getuid(),
                &mut passwd,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut result,
            )
        };
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 2, 0);
            continue;
        }
        if rc != 0 || result.is_null() || passwd.pw_shell.is_null() {
            return None;
        }
        // SAFETY: on success pw_shell points at a NUL-terminated string inside `buf`.
        let shell = unsafe { std::ffi::CStr::from_ptr(passwd.pw_shell) };
        return Some(shell.to_string_lossy().into_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_path() {
        assert_eq!(shell_name("/usr/bin/zsh"), "zsh");
        assert_eq!(shell_name(""), "bash");
    }

    // The last resort, /bin/bash or /bin/sh, exists only on Unix.
    #[cfg(unix)]
    #[test]
    fn unusable_shells_are_passed_over() {
        assert!(!usable("/usr/sbin/nologin"));
        assert!(!usable("bash"));
        assert!(!usable("/nonexistent/bash"));
        let shell = user_shell(Some("/usr/sbin/nologin"));
        assert!(usable(&shell), "{shell}");
    }
}
