//! What this machine can enforce, asked of the kernel.

/// The confinement available for commands on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxSupport {
    /// Landlock ABI version, when the kernel has Landlock enabled.
    pub landlock_abi: Option<u32>,
    pub seccomp: bool,
    /// Whether private mount and PID namespaces can be made (root, or user namespaces).
    pub namespaces: bool,
    /// The platform has a sandbox at all.
    pub platform: bool,
}

impl SandboxSupport {
    /// Commands can be confined: filesystem (Landlock or namespaces) and network (seccomp).
    pub fn usable(&self) -> bool {
        self.platform && self.seccomp && (self.landlock_abi.is_some() || self.namespaces)
    }

    /// A sentence for the user about what holds, or why nothing does and what to do.
    pub fn describe(&self) -> String {
        if !self.platform {
            let why = if cfg!(target_os = "macos") {
                format!("{} is missing", crate::seatbelt::SEATBELT_EXECUTABLE)
            } else {
                format!(
                    "this version has no OS sandbox for {}",
                    std::env::consts::OS
                )
            };
            return format!("{why}; `--sandbox danger-full-access` runs commands without one");
        }
        if !self.usable() {
            let mut missing = Vec::new();
            if self.landlock_abi.is_none() && !self.namespaces {
                missing.push("Landlock (kernel 5.13+ with CONFIG_SECURITY_LANDLOCK and `landlock` in the lsm= boot list) or namespaces");
            }
            if !self.seccomp {
                missing.push("seccomp");
            }
            return format!(
                "the sandbox cannot be used here: missing {}. Commands will ask for approval \
                 instead of running sandboxed; in a container, run it with those enabled, or use \
                 --sandbox danger-full-access only if the container itself is the boundary",
                missing.join(" and ")
            );
        }
        let landlock = match self.landlock_abi {
            Some(abi) => format!("Landlock ABI {abi}"),
            None => "no Landlock".into(),
        };
        let ns = if self.namespaces {
            ".git/.codex read-only, no process outlives its command"
        } else {
            "no namespaces: .git/.codex are not protected and chmod outside the roots is not blocked"
        };
        format!("{landlock}, seccomp, {ns}")
    }
}

#[cfg(target_os = "linux")]
pub fn probe() -> SandboxSupport {
    const LANDLOCK_CREATE_RULESET_VERSION: libc::c_uint = 1;
    // SAFETY: querying the ABI version takes no pointers that the kernel writes through.
    let abi = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<libc::c_void>(),
            0usize,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    };
    // SAFETY: PR_GET_SECCOMP only reads this thread's mode.
    let seccomp = unsafe { libc::prctl(libc::PR_GET_SECCOMP, 0, 0, 0, 0) } >= 0;
    // SAFETY: geteuid cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    let userns = std::fs::read_to_string("/proc/sys/user/max_user_namespaces")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .is_some_and(|n| n > 0);
    SandboxSupport {
        landlock_abi: (abi > 0).then_some(abi as u32),
        seccomp,
        namespaces: root || userns,
        platform: true,
    }
}

#[cfg(target_os = "macos")]
pub fn probe() -> SandboxSupport {
    let seatbelt = std::path::Path::new(crate::seatbelt::SEATBELT_EXECUTABLE).exists();
    SandboxSupport {
        landlock_abi: None,
        seccomp: seatbelt,
        namespaces: seatbelt,
        platform: seatbelt,
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
pub fn probe() -> SandboxSupport {
    SandboxSupport {
        landlock_abi: None,
        seccomp: false,
        namespaces: false,
        platform: false,
    }
}
