//! The decision table: approval policy × sandbox mode × what is being run.

use std::path::{Path, PathBuf};

use codex_protocol::{AskForApproval, SandboxPolicy};

use crate::dangerous::command_might_be_dangerous;
use crate::known_safe::is_known_safe_command;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SafetyCheck {
    /// Run it without asking; `sandboxed` says whether inside the sandbox.
    AutoApprove {
        sandboxed: bool,
    },
    AskUser {
        reason: String,
    },
    Reject {
        reason: String,
    },
}

pub struct CommandRequest<'a> {
    pub argv: &'a [String],
    pub approval: AskForApproval,
    pub policy: &'a SandboxPolicy,
    /// The OS sandbox works on this machine.
    pub sandbox_available: bool,
    /// The model asked to run outside the sandbox (`with_escalated_permissions`).
    pub escalation_requested: bool,
    /// Approved for the session earlier: `Some(true)` when that approval was to run it outside
    /// the sandbox.
    pub session_approved: Option<bool>,
}

pub fn assess_command(req: &CommandRequest<'_>) -> SafetyCheck {
    let needs_sandbox = *req.policy != SandboxPolicy::DangerFullAccess;
    let sandboxed = needs_sandbox && req.sandbox_available;
    if let Some(unsandboxed) = req.session_approved {
        return SafetyCheck::AutoApprove {
            sandboxed: sandboxed && !unsandboxed,
        };
    }
    if command_might_be_dangerous(req.argv) && req.approval != AskForApproval::Never {
        return ask("this command can destroy data");
    }
    if !req.escalation_requested && is_known_safe_command(req.argv) {
        return SafetyCheck::AutoApprove { sandboxed };
    }
    if !needs_sandbox {
        return match req.approval {
            AskForApproval::Untrusted => ask("the approval policy is untrusted"),
            _ => SafetyCheck::AutoApprove { sandboxed: false },
        };
    }
    match req.approval {
        AskForApproval::Untrusted => ask("the approval policy is untrusted"),
        AskForApproval::OnRequest if req.escalation_requested => {
            ask("the agent asks to run this outside the sandbox")
        }
        AskForApproval::OnRequest | AskForApproval::OnFailure if !req.sandbox_available => {
            ask("no sandbox is available on this machine to run it in")
        }
        AskForApproval::OnRequest | AskForApproval::OnFailure => {
            SafetyCheck::AutoApprove { sandboxed: true }
        }
        AskForApproval::Never if req.sandbox_available => {
            SafetyCheck::AutoApprove { sandboxed: true }
        }
        AskForApproval::Never => SafetyCheck::Reject {
            reason: "no sandbox is available on this machine and the approval policy is never, \
                     so only commands known to be read-only can run"
                .into(),
        },
    }
}

fn ask(reason: &str) -> SafetyCheck {
    SafetyCheck::AskUser {
        reason: reason.to_string(),
    }
}

pub struct PatchRequest<'a> {
    /// Every path the patch writes or removes (move destinations included), resolved.
    pub paths: &'a [PathBuf],
    pub approval: AskForApproval,
    pub policy: &'a SandboxPolicy,
    /// Where writes are allowed (empty under read-only).
    pub writable_roots: &'a [PathBuf],
    /// Parts of the roots that stay read-only (`.git`, `.codex`).
    pub protected: &'a [PathBuf],
}

pub fn assess_patch(req: &PatchRequest<'_>) -> SafetyCheck {
    if req.paths.is_empty() {
        return SafetyCheck::Reject {
            reason: "empty patch".into(),
        };
    }
    if req.approval == AskForApproval::Untrusted {
        return ask("the approval policy is untrusted");
    }
    if *req.policy == SandboxPolicy::DangerFullAccess {
        return SafetyCheck::AutoApprove { sandboxed: false };
    }
    let writable = |p: &Path| {
        req.writable_roots.iter().any(|r| p.starts_with(r))
            && !req.protected.iter().any(|x| p.starts_with(x))
    };
    if req.paths.iter().all(|p| writable(p)) {
        return SafetyCheck::AutoApprove { sandboxed: true };
    }
    match req.approval {
        AskForApproval::Never if *req.policy == SandboxPolicy::ReadOnly => SafetyCheck::Reject {
            reason: "the sandbox is read-only, so files cannot be changed".into(),
        },
        AskForApproval::Never => SafetyCheck::Reject {
            reason: "writing outside of the project; rejected by user approval settings".into(),
        },
        _ => ask("the patch writes outside the writable roots"),
    }
}
