//! The whole decision table, written out: 4 approval policies × 3 sandbox modes × safe /
//! unknown / dangerous / escalated commands, with and without a working sandbox, and in-root /
//! out-of-root patches.

use std::path::PathBuf;

use codex_protocol::{AskForApproval, SandboxPolicy};
use codex_safety::{CommandRequest, PatchRequest, SafetyCheck, assess_command, assess_patch};

const POLICIES: [AskForApproval; 4] = [
    AskForApproval::Untrusted,
    AskForApproval::OnFailure,
    AskForApproval::OnRequest,
    AskForApproval::Never,
];

fn modes() -> [SandboxPolicy; 3] {
    [
        SandboxPolicy::ReadOnly,
        SandboxPolicy::WorkspaceWrite {
            writable_roots: vec![],
            network_access: false,
            exclude_tmpdir_env_var: false,
            exclude_slash_tmp: false,
        },
        SandboxPolicy::DangerFullAccess,
    ]
}

/// Short names for outcomes: S = run sandboxed, U = run unsandboxed, A = ask, R = reject.
fn code(check: &SafetyCheck) -> char {
    match check {
        SafetyCheck::AutoApprove { sandboxed: true } => 'S',
        SafetyCheck::AutoApprove { sandboxed: false } => 'U',
        SafetyCheck::AskUser { .. } => 'A',
        SafetyCheck::Reject { .. } => 'R',
    }
}

fn argv(s: &[&str]) -> Vec<String> {
    s.iter().map(|x| x.to_string()).collect()
}

/// Rows: approval policy; columns per mode: safe, unknown, dangerous, escalated.
fn command_table(sandbox_available: bool) -> String {
    let safe = argv(&["git", "status"]);
    let unknown = argv(&["cargo", "test"]);
    let dangerous = argv(&["rm", "-rf", "build"]);
    let mut out = String::new();
    for approval in POLICIES {
        let mut row = format!("{:<10}", approval.as_str());
        for policy in modes() {
            row.push(' ');
            for (cmd, escalate) in [
                (&safe, false),
                (&unknown, false),
                (&dangerous, false),
                (&unknown, true),
            ] {
                row.push(code(&assess_command(&CommandRequest {
                    argv: cmd,
                    approval,
                    policy: &policy,
                    sandbox_available,
                    escalation_requested: escalate,
                    session_approved: None,
                })));
            }
        }
        out.push_str(row.trim_end());
        out.push('\n');
    }
    out
}

#[test]
fn commands_with_a_working_sandbox() {
    //            read-only  workspace  full-access
    let expected = "\
untrusted  SAAA SAAA UAAA
on-failure SSAS SSAS UUAU
on-request SSAA SSAA UUAU
never      SSSS SSSS UUUU
";
    assert_eq!(command_table(true), expected);
}

#[test]
fn commands_without_a_sandbox() {
    let expected = "\
untrusted  UAAA UAAA UAAA
on-failure UAAA UAAA UUAU
on-request UAAA UAAA UUAU
never      URRR URRR UUUU
";
    assert_eq!(command_table(false), expected);
}

#[test]
fn session_approvals_skip_the_question() {
    let cmd = argv(&["cargo", "test"]);
    for approval in POLICIES {
        let check = assess_command(&CommandRequest {
            argv: &cmd,
            approval,
            policy: &SandboxPolicy::ReadOnly,
            sandbox_available: true,
            escalation_requested: false,
            session_approved: Some(false),
        });
        assert_eq!(code(&check), 'S', "{approval}");
        let check = assess_command(&CommandRequest {
            argv: &cmd,
            approval,
            policy: &SandboxPolicy::ReadOnly,
            sandbox_available: true,
            escalation_requested: true,
            session_approved: Some(true),
        });
        assert_eq!(code(&check), 'U', "{approval}");
    }
}

#[test]
fn patches_in_and_out_of_the_roots() {
    let root = PathBuf::from("/work/repo");
    let inside = vec![root.join("src/main.rs")];
    let outside = vec![PathBuf::from("/etc/hosts")];
    let in_git = vec![root.join(".git/hooks/pre-commit")];
    let mut table = String::new();
    for approval in POLICIES {
        let mut row = format!("{:<10}", approval.as_str());
        for policy in modes() {
            row.push(' ');
            let roots: Vec<PathBuf> = match policy {
                SandboxPolicy::ReadOnly => vec![],
                _ => vec![root.clone()],
            };
            let protected = vec![root.join(".git")];
            for paths in [&inside, &outside, &in_git] {
                row.push(code(&assess_patch(&PatchRequest {
                    paths,
                    approval,
                    policy: &policy,
                    writable_roots: &roots,
                    protected: &protected,
                })));
            }
        }
        table.push_str(row.trim_end());
        table.push('\n');
    }
    //            read-only workspace full-access   (in-root, out-of-root, in .git)
    let expected = "\
untrusted  AAA AAA AAA
on-failure AAA SAA UUU
on-request AAA SAA UUU
never      RRR SRR UUU
";
    assert_eq!(table, expected);
    let empty = assess_patch(&PatchRequest {
        paths: &[],
        approval: AskForApproval::Never,
        policy: &SandboxPolicy::DangerFullAccess,
        writable_roots: &[],
        protected: &[],
    });
    assert_eq!(code(&empty), 'R');
}
