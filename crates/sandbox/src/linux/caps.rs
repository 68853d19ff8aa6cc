//! Capabilities a command gives up: those that reach into other processes or the kernel.
//!
//! Landlock keeps a confined process from other processes' memory and environment, but the
//! kernel lets `CAP_PERFMON` or `CAP_SYS_ADMIN` read `/proc/PID/environ` and `maps` of any
//! process past every LSM, and `CAP_SYS_PTRACE` past a non-dumpable one. A command run as root
//! would otherwise read the agent's environment. The rest need no `/proc` to reach memory or
//! the kernel (`/dev/mem`, `/proc/kcore`, perf events, BPF, modules, process checkpointing).

use std::io::{Error, Result};

const CAP_SYS_MODULE: u32 = 16;
const CAP_SYS_RAWIO: u32 = 17;
const CAP_SYS_PTRACE: u32 = 19;
const CAP_SYS_ADMIN: u32 = 21;
const CAP_PERFMON: u32 = 38;
const CAP_BPF: u32 = 39;
const CAP_CHECKPOINT_RESTORE: u32 = 40;

const DROPPED: [u32; 7] = [
    CAP_SYS_MODULE,
    CAP_SYS_RAWIO,
    CAP_SYS_PTRACE,
    CAP_SYS_ADMIN,
    CAP_PERFMON,
    CAP_BPF,
    CAP_CHECKPOINT_RESTORE,
];

/// prctl's unused arguments, at the width the kernel reads them.
const NONE: libc::c_ulong = 0;

const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: libc::c_int,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// Removes the capabilities from this process and from what it execs. Done after the mounts
/// (which need `CAP_SYS_ADMIN`). An error only when a process running as root would get one of
/// them back at exec.
pub fn drop_dangerous() -> Result<()> {
    for cap in DROPPED {
        // Root's capabilities are recomputed from the bounding set at exec. Without
        // CAP_SETPCAP (EPERM) it cannot be changed, which matters only for root, checked below;
        // EINVAL is a capability this kernel does not know.
        // SAFETY: prctl with plain integer arguments.
        unsafe {
            libc::prctl(
                libc::PR_CAPBSET_DROP,
                libc::c_ulong::from(cap),
                NONE,
                NONE,
                NONE,
            );
        }
    }
    let mut header = CapHeader {
        version: LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: a version 3 header and the two data structs that version reads and writes.
    if unsafe { libc::syscall(libc::SYS_capget, &mut header, data.as_mut_ptr()) } != 0 {
        return Err(Error::last_os_error());
    }
    for cap in DROPPED {
        let (word, bit) = ((cap / 32) as usize, 1u32 << (cap % 32));
        if let Some(d) = data.get_mut(word) {
            d.effective &= !bit;
            d.permitted &= !bit;
            d.inheritable &= !bit;
        }
    }
    // SAFETY: as above; lowering one's own capabilities needs no privilege.
    if unsafe { libc::syscall(libc::SYS_capset, &header, data.as_ptr()) } != 0 {
        return Err(Error::last_os_error());
    }
    // Ambient capabilities survive exec for non-root; none are needed. EINVAL: kernel < 4.3.
    // SAFETY: prctl with plain integer arguments.
    unsafe {
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL as libc::c_ulong,
            NONE,
            NONE,
            NONE,
        );
    }
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        for cap in DROPPED {
            // SAFETY: prctl with plain integer arguments.
            if unsafe {
                libc::prctl(
                    libc::PR_CAPBSET_READ,
                    libc::c_ulong::from(cap),
                    NONE,
                    NONE,
                    NONE,
                )
            } == 1
            {
                return Err(Error::other(format!(
                    "capability {cap} cannot be removed from the bounding set (no CAP_SETPCAP)"
                )));
            }
        }
    }
    Ok(())
}
