//! Asking the user: an approval request event, then waiting for the matching op.

use std::path::{Path, PathBuf};

use codex_protocol::{
    ApplyPatchApprovalRequestEvent, EventMsg, ExecApprovalRequestEvent, FileChange, ReviewDecision,
};
use std::collections::BTreeMap;

use super::ToolContext;

/// What to do after asking.
pub(crate) enum Answer {
    Run { for_session: bool },
    Denied,
    Aborted,
}

fn answer(ctx: &ToolContext, decision: Option<ReviewDecision>) -> Answer {
    match decision {
        Some(ReviewDecision::Approved) => Answer::Run { for_session: false },
        Some(ReviewDecision::ApprovedForSession) => Answer::Run { for_session: true },
        Some(ReviewDecision::Denied) => Answer::Denied,
        Some(ReviewDecision::Abort) | None => {
            // The user stopped the turn (or the session went away while asking).
            ctx.cancel.cancel();
            Answer::Aborted
        }
    }
}

async fn wait(
    ctx: &ToolContext,
    rx: tokio::sync::oneshot::Receiver<ReviewDecision>,
) -> Option<ReviewDecision> {
    tokio::select! {
        decision = rx => decision.ok(),
        _ = ctx.cancel.cancelled() => None,
    }
}

/// Sends the request and waits for the user's answer. The wait is registered before the event
/// goes out, so an immediate answer is not lost.
async fn ask(ctx: &ToolContext, call_id: &str, request: EventMsg) -> Answer {
    let rx = ctx.shared.await_approval(call_id);
    ctx.shared.events.send(&ctx.sub_id, request);
    let decision = wait(ctx, rx).await;
    answer(ctx, decision)
}

pub(crate) async fn ask_exec(
    ctx: &ToolContext,
    call_id: &str,
    command: &[String],
    cwd: &Path,
    reason: String,
) -> Answer {
    let request = EventMsg::ExecApprovalRequest(ExecApprovalRequestEvent {
        call_id: call_id.to_string(),
        command: command.to_vec(),
        cwd: cwd.to_path_buf(),
        reason: Some(reason),
    });
    ask(ctx, call_id, request).await
}

pub(crate) async fn ask_patch(
    ctx: &ToolContext,
    call_id: &str,
    changes: BTreeMap<PathBuf, FileChange>,
    reason: String,
    grant_root: Option<PathBuf>,
) -> Answer {
    let request = EventMsg::ApplyPatchApprovalRequest(ApplyPatchApprovalRequestEvent {
        call_id: call_id.to_string(),
        changes,
        reason: Some(reason),
        grant_root,
    });
    ask(ctx, call_id, request).await
}
