//! The one orchestration step for every tool that acts: decide (safety), ask (approval), run
//! (sandboxed or not), and when the sandbox stood in the way and the policy allows, ask to run
//! again without it. Commands and patches implement [`Action`]; so will any tool that changes
//! things.

use std::time::{Duration, Instant};

use codex_protocol::{AskForApproval, EventMsg, ReviewDecision};
use codex_safety::SafetyCheck;
use futures_util::future::BoxFuture;

use super::TurnContext;
use crate::audit::{ApprovedBy, DeniedBy, Subject};
use crate::state::Session;

/// Something a tool wants to do, seen by the orchestration step.
pub(crate) trait Action: Send + Sync {
    /// What running it produced.
    type Output: Send;

    /// What to call it in messages to the model ("command", "patch").
    fn noun(&self) -> &'static str;

    /// Whether it may run, must be asked about, or is refused — before anyone is asked.
    fn assess(&self, session: &Session) -> SafetyCheck;

    /// The approval request shown to the user, with `reason`.
    fn request(&self, call_id: &str, reason: String) -> EventMsg;

    /// The user approved it for the rest of the session (`unsandboxed`: to run outside the
    /// sandbox).
    fn remember(&self, session: &Session, unsandboxed: bool);

    /// Whether it runs inside the sandbox once the user has approved it.
    fn sandboxed_after_approval(&self, session: &Session) -> bool;

    fn run<'a>(&'a self, turn: &'a TurnContext, sandboxed: bool) -> BoxFuture<'a, Self::Output>;

    /// Whether a sandboxed run failed because of the sandbox.
    fn denied_by_sandbox(&self, output: &Self::Output) -> bool;

    /// Whether it runs because the user approved it for the session earlier (when the safety
    /// check let it run without asking).
    fn session_granted(&self, _session: &Session) -> bool {
        false
    }

    /// What it is, for the audit log's denial and escalation records.
    fn audit_subject(&self) -> Subject<'_>;

    /// Writes the audit log's record of one run.
    fn audit_ran(
        &self,
        turn: &TurnContext,
        approved_by: ApprovedBy,
        sandboxed: bool,
        output: &Self::Output,
        elapsed: Duration,
    );
}

/// What came of it: the run's output, or why it did not run (for the model).
pub(crate) enum Outcome<T> {
    Ran(T),
    Refused(String),
}

enum Answer {
    Run { for_session: bool },
    Denied,
    Aborted,
}

pub(crate) async fn orchestrate<A: Action>(
    turn: &TurnContext,
    call_id: &str,
    action: &A,
) -> Outcome<A::Output> {
    let session = &turn.session;
    let audit = &session.audit;
    let noun = action.noun();
    let (sandboxed, approved_by) = match action.assess(session) {
        SafetyCheck::AutoApprove { sandboxed } => {
            let by = if action.session_granted(session) {
                ApprovedBy::SessionGrant
            } else {
                ApprovedBy::Policy
            };
            (sandboxed, by)
        }
        SafetyCheck::Reject { reason } => {
            audit.denial(action.audit_subject(), DeniedBy::Policy, &reason);
            return Outcome::Refused(format!("{noun} rejected: {reason}"));
        }
        SafetyCheck::AskUser { reason } => {
            match ask(turn, call_id, action.request(call_id, reason)).await {
                Answer::Run { for_session } => {
                    if for_session {
                        action.remember(session, false);
                    }
                    (action.sandboxed_after_approval(session), ApprovedBy::Asked)
                }
                Answer::Denied => {
                    audit.denial(action.audit_subject(), DeniedBy::Approver, "denied");
                    return Outcome::Refused(format!("{noun} rejected by the user"));
                }
                Answer::Aborted => {
                    audit.denial(action.audit_subject(), DeniedBy::Approver, "aborted");
                    return Outcome::Refused(format!("{noun} aborted by the user"));
                }
            }
        }
    };
    let first = run_audited(turn, action, approved_by, sandboxed).await;
    let may_retry = matches!(
        session.config.approval_policy,
        AskForApproval::OnFailure | AskForApproval::Untrusted
    );
    if !(sandboxed && may_retry && action.denied_by_sandbox(&first)) {
        return Outcome::Ran(first);
    }
    let reason = format!("the {noun} failed inside the sandbox; run it again without the sandbox?");
    let answer = ask(turn, call_id, action.request(call_id, reason)).await;
    let approved = matches!(answer, Answer::Run { .. });
    audit.escalation(
        action.audit_subject(),
        "sandbox_retry",
        None,
        Some(approved),
    );
    match answer {
        Answer::Run { for_session } => {
            if for_session {
                action.remember(session, true);
            }
            Outcome::Ran(run_audited(turn, action, ApprovedBy::Asked, false).await)
        }
        Answer::Denied | Answer::Aborted => Outcome::Ran(first),
    }
}

/// Runs it and writes the audit record of the run.
async fn run_audited<A: Action>(
    turn: &TurnContext,
    action: &A,
    approved_by: ApprovedBy,
    sandboxed: bool,
) -> A::Output {
    let started = Instant::now();
    let output = action.run(turn, sandboxed).await;
    action.audit_ran(turn, approved_by, sandboxed, &output, started.elapsed());
    output
}

/// Sends the request and waits for the user's answer. The wait is registered before the event
/// goes out, so an immediate answer is not lost; an interrupted turn is an abort.
async fn ask(turn: &TurnContext, call_id: &str, request: EventMsg) -> Answer {
    let rx = turn.session.await_approval(call_id);
    turn.session.events.send(&turn.sub_id, request);
    let decision = tokio::select! {
        decision = rx => decision.ok(),
        _ = turn.cancel.cancelled() => None,
    };
    match decision {
        Some(ReviewDecision::Approved) => Answer::Run { for_session: false },
        Some(ReviewDecision::ApprovedForSession) => Answer::Run { for_session: true },
        Some(ReviewDecision::Denied) => Answer::Denied,
        Some(ReviewDecision::Abort) | None => {
            // The user stopped the turn (or the session went away while asking).
            turn.cancel.cancel();
            Answer::Aborted
        }
    }
}
