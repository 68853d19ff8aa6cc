//! macOS: a Seatbelt profile for `/usr/bin/sandbox-exec`, built from the policy.
//!
//! Writable roots are passed as parameters (`-DWRITABLE_ROOT_i=…`) rather than pasted into the
//! profile, so paths need no escaping; so are `deny_read` paths (`-DDENY_READ_i=…`), denied
//! for reading and writing after everything else, so no allow rule reopens them. It cannot run
//! here; tests check the text and arguments.

use std::path::PathBuf;

use codex_protocol::SandboxPolicy;

use crate::roots::WritableRoot;

/// Always this path, never whatever `sandbox-exec` is first on the PATH.
pub const SEATBELT_EXECUTABLE: &str = "/usr/bin/sandbox-exec";

/// What every sandboxed process may do: run and fork within the sandbox, read system facts a
/// toolchain needs, use terminals, and write to the null device.
const BASE_PROFILE: &str = r#"(version 1)
(deny default)
(allow process-exec)
(allow process-fork)
(allow signal (target same-sandbox))
(allow process-info* (target same-sandbox))
(allow user-preference-read)
(allow ipc-posix-sem)
(allow mach-lookup
  (global-name "com.apple.system.opendirectoryd.libinfo")
  (global-name "com.apple.PowerManagement.control"))
(allow sysctl-read
  (sysctl-name-prefix "hw.")
  (sysctl-name-prefix "kern.")
  (sysctl-name "machdep.cpu.brand_string")
  (sysctl-name "sysctl.proc_cputype")
  (sysctl-name "vm.loadavg"))
(allow file-write-data
  (require-all (path "/dev/null") (vnode-type CHARACTER-DEVICE)))
(allow pseudo-tty)
(allow file-read* file-write* file-ioctl (literal "/dev/ptmx"))
(allow file-read* file-write* (regex #"^/dev/ttys[0-9]+"))
(allow file-ioctl (regex #"^/dev/ttys[0-9]+"))
"#;

/// `-p PROFILE` and `-DNAME=VALUE` arguments for `sandbox-exec` (the command follows `--`).
pub fn seatbelt_args(
    policy: &SandboxPolicy,
    roots: &[WritableRoot],
    deny_read: &[PathBuf],
) -> Vec<String> {
    let mut profile = String::from(BASE_PROFILE);
    profile.push_str("(allow file-read*)\n");
    let mut params = Vec::new();
    match policy {
        SandboxPolicy::DangerFullAccess => {
            profile.push_str("(allow file-write* (regex #\"^/\"))\n")
        }
        SandboxPolicy::ReadOnly => {}
        SandboxPolicy::WorkspaceWrite { .. } => {
            let mut clauses = Vec::new();
            for (i, root) in roots.iter().enumerate() {
                let name = format!("WRITABLE_ROOT_{i}");
                params.push(format!("-D{name}={}", root.root.display()));
                if root.read_only_subpaths.is_empty() {
                    clauses.push(format!("(subpath (param \"{name}\"))"));
                } else {
                    let mut parts = vec![format!("(subpath (param \"{name}\"))")];
                    for (j, sub) in root.read_only_subpaths.iter().enumerate() {
                        let sub_name = format!("{name}_RO_{j}");
                        params.push(format!("-D{sub_name}={}", sub.display()));
                        parts.push(format!("(require-not (subpath (param \"{sub_name}\")))"));
                    }
                    clauses.push(format!("(require-all {})", parts.join(" ")));
                }
            }
            if !clauses.is_empty() {
                profile.push_str(&format!(
                    "(allow file-write*\n  {}\n)\n",
                    clauses.join("\n  ")
                ));
            }
        }
    }
    if policy.has_full_network_access() {
        profile
            .push_str("(allow network-outbound)\n(allow network-inbound)\n(allow system-socket)\n");
    }
    // Seatbelt matches the path the kernel resolved (/private/tmp, not /tmp): deny both the
    // path as configured and where it leads. An existing file is a literal; a directory, or
    // what does not exist yet, everything under it.
    let mut denied: Vec<(PathBuf, bool)> = Vec::new();
    for path in deny_read {
        let is_file = std::fs::metadata(path).is_ok_and(|m| !m.is_dir());
        let mut forms = vec![path.clone()];
        if let Ok(real) = std::fs::canonicalize(path) {
            forms.push(real);
        }
        for form in forms {
            if !denied.iter().any(|(p, _)| *p == form) {
                denied.push((form, is_file));
            }
        }
    }
    if policy != &SandboxPolicy::DangerFullAccess && !denied.is_empty() {
        let mut clauses = Vec::new();
        for (i, (path, is_file)) in denied.iter().enumerate() {
            let name = format!("DENY_READ_{i}");
            params.push(format!("-D{name}={}", path.display()));
            let kind = if *is_file { "literal" } else { "subpath" };
            clauses.push(format!("({kind} (param \"{name}\"))"));
        }
        profile.push_str(&format!(
            "(deny file-read* file-write*\n  {}\n)\n",
            clauses.join("\n  ")
        ));
    }
    let mut args = vec!["-p".to_string(), profile];
    args.extend(params);
    args
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn workspace(network: bool) -> SandboxPolicy {
        SandboxPolicy::WorkspaceWrite {
            writable_roots: vec![],
            network_access: network,
            exclude_tmpdir_env_var: false,
            exclude_slash_tmp: false,
        }
    }

    #[test]
    fn workspace_write_profile_and_parameters() {
        let roots = vec![
            WritableRoot {
                root: PathBuf::from("/Users/me/repo"),
                read_only_subpaths: vec![
                    PathBuf::from("/Users/me/repo/.git"),
                    PathBuf::from("/Users/me/repo/.codex"),
                ],
            },
            WritableRoot {
                root: PathBuf::from("/private/tmp"),
                read_only_subpaths: vec![],
            },
        ];
        let args = seatbelt_args(&workspace(false), &roots, &[]);
        assert_eq!(args[0], "-p");
        assert_eq!(
            args[2..],
            [
                "-DWRITABLE_ROOT_0=/Users/me/repo",
                "-DWRITABLE_ROOT_0_RO_0=/Users/me/repo/.git",
                "-DWRITABLE_ROOT_0_RO_1=/Users/me/repo/.codex",
                "-DWRITABLE_ROOT_1=/private/tmp",
            ]
        );
        let expected_tail = "(allow file-read*)\n(allow file-write*\n  (require-all (subpath (param \"WRITABLE_ROOT_0\")) (require-not (subpath (param \"WRITABLE_ROOT_0_RO_0\"))) (require-not (subpath (param \"WRITABLE_ROOT_0_RO_1\"))))\n  (subpath (param \"WRITABLE_ROOT_1\"))\n)\n";
        assert_eq!(args[1], format!("{BASE_PROFILE}{expected_tail}"));
        assert!(!args[1].contains("network"));
    }

    #[test]
    fn read_only_and_full_access() {
        let ro = seatbelt_args(&SandboxPolicy::ReadOnly, &[], &[]);
        assert_eq!(
            ro,
            vec![
                "-p".to_string(),
                format!("{BASE_PROFILE}(allow file-read*)\n")
            ]
        );
        let full = seatbelt_args(&SandboxPolicy::DangerFullAccess, &[], &[]);
        assert!(full[1].ends_with(
            "(allow file-write* (regex #\"^/\"))\n(allow network-outbound)\n(allow network-inbound)\n(allow system-socket)\n"
        ));
        let net = seatbelt_args(&workspace(true), &[], &[]);
        assert!(net[1].contains("(allow network-outbound)"));
    }

    #[test]
    fn deny_read_paths_are_denied_last_for_reading_and_writing() {
        let dir = tempfile::tempdir().unwrap();
        let real = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir(real.join(".ssh")).unwrap();
        std::fs::write(real.join(".netrc"), "n").unwrap();
        let deny = vec![
            real.join(".ssh"),
            real.join(".netrc"),
            PathBuf::from("/nowhere/auth.json"),
        ];
        let args = seatbelt_args(&workspace(false), &[], &deny);
        assert_eq!(
            args[2..],
            [
                format!("-DDENY_READ_0={}", real.join(".ssh").display()),
                format!("-DDENY_READ_1={}", real.join(".netrc").display()),
                "-DDENY_READ_2=/nowhere/auth.json".to_string(),
            ]
        );
        assert!(args[1].ends_with(
            "(deny file-read* file-write*\n  (subpath (param \"DENY_READ_0\"))\n  (literal (param \"DENY_READ_1\"))\n  (subpath (param \"DENY_READ_2\"))\n)\n"
        ), "{}", args[1]);
        let ro = seatbelt_args(&SandboxPolicy::ReadOnly, &[], &deny);
        assert!(ro[1].ends_with(")\n") && ro[1].contains("(deny file-read* file-write*"));
        // Full access confines nothing, deny_read included.
        let full = seatbelt_args(&SandboxPolicy::DangerFullAccess, &[], &deny);
        assert!(!full[1].contains("(deny file-read*"));
        assert_eq!(full.len(), 2);
    }
}
