//! The seccomp filter: no network sockets but Unix ones (unless the policy allows the network),
//! and never ptrace, io_uring, mounts, namespaces, BPF or kernel modules.

use std::collections::BTreeMap;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};

/// Denied whatever the policy: ways out of the sandbox or into other processes and the kernel.
const ALWAYS_DENIED: &[i64] = &[
    libc::SYS_ptrace,
    libc::SYS_process_vm_readv,
    libc::SYS_process_vm_writev,
    libc::SYS_io_uring_setup,
    libc::SYS_io_uring_enter,
    libc::SYS_io_uring_register,
    libc::SYS_mount,
    libc::SYS_umount2,
    libc::SYS_pivot_root,
    libc::SYS_unshare,
    libc::SYS_setns,
    libc::SYS_open_tree,
    libc::SYS_move_mount,
    libc::SYS_fsopen,
    libc::SYS_fsmount,
    libc::SYS_mount_setattr,
    libc::SYS_bpf,
    libc::SYS_init_module,
    libc::SYS_finit_module,
    libc::SYS_delete_module,
    libc::SYS_kexec_load,
    libc::SYS_kexec_file_load,
    libc::SYS_reboot,
    libc::SYS_swapon,
    libc::SYS_swapoff,
    libc::SYS_acct,
];

#[cfg(target_arch = "x86_64")]
const ARCH: TargetArch = TargetArch::x86_64;
#[cfg(target_arch = "aarch64")]
const ARCH: TargetArch = TargetArch::aarch64;

pub fn install(network_allowed: bool) -> Result<(), String> {
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    for syscall in ALWAYS_DENIED {
        rules.insert(*syscall, Vec::new());
    }
    // Character and block device nodes, whatever the policy (FIFOs and sockets stay allowed).
    let device_node = |mode_arg: u8| -> Result<Vec<SeccompRule>, String> {
        let mut rules = Vec::new();
        for kind in [libc::S_IFCHR, libc::S_IFBLK] {
            let cond = SeccompCondition::new(
                mode_arg,
                SeccompCmpArgLen::Dword,
                SeccompCmpOp::MaskedEq(libc::S_IFMT as u64),
                kind as u64,
            )
            .map_err(|e| e.to_string())?;
            rules.push(SeccompRule::new(vec![cond]).map_err(|e| e.to_string())?);
        }
        Ok(rules)
    };
    #[cfg(target_arch = "x86_64")]
    rules.insert(libc::SYS_mknod, device_node(1)?);
    rules.insert(libc::SYS_mknodat, device_node(2)?);
    if !network_allowed {
        // Sockets only of the Unix family: no TCP, UDP, raw, packet or netlink sockets.
        let not_unix = || -> Result<Vec<SeccompRule>, String> {
            let cond = SeccompCondition::new(
                0,
                SeccompCmpArgLen::Dword,
                SeccompCmpOp::Ne,
                libc::AF_UNIX as u64,
            )
            .map_err(|e| e.to_string())?;
            Ok(vec![
                SeccompRule::new(vec![cond]).map_err(|e| e.to_string())?,
            ])
        };
        rules.insert(libc::SYS_socket, not_unix()?);
        rules.insert(libc::SYS_socketpair, not_unix()?);
    }
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EPERM as u32),
        ARCH,
    )
    .map_err(|e| e.to_string())?;
    let program: BpfProgram = filter
        .try_into()
        .map_err(|e: seccompiler::BackendError| e.to_string())?;
    seccompiler::apply_filter(&program).map_err(|e| e.to_string())
}
