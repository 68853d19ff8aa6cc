//! `apply_patch`: the edit tool, as a JSON function, as a freeform grammar tool, and behind shell
//! calls that are really patches.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use codex_apply_patch::{ChangeKind, Plan, PlanOptions, plan_patch, unified_diff};
use codex_protocol::{
    ApplyPatchApprovalRequestEvent, EventMsg, FileChange, PatchApplyBeginEvent, PatchApplyEndEvent,
};
use codex_providers::ToolSpec;
use codex_safety::{PatchRequest, SafetyCheck, assess_patch};
use codex_sandbox::writable_roots;
use futures_util::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

use super::orchestrator::{Action, Outcome, orchestrate};
use super::{ToolCall, ToolHandler, ToolInput, ToolOutput, TurnContext, parse_arguments};
use crate::audit::{ApprovedBy, FileHashes, Subject};
use crate::state::Session;

const DESCRIPTION: &str = include_str!("apply_patch_description.md");
const GRAMMAR: &str = include_str!("apply_patch_grammar.lark");

fn function_spec() -> ToolSpec {
    ToolSpec::Function {
        name: "apply_patch".into(),
        description: DESCRIPTION.into(),
        parameters: json!({
            "type": "object",
            "properties": {
                "input": {"type": "string", "description": "The entire patch, from *** Begin Patch to *** End Patch."}
            },
            "required": ["input"],
            "additionalProperties": false
        }),
    }
}

fn freeform_spec() -> ToolSpec {
    ToolSpec::Freeform {
        name: "apply_patch".into(),
        description: "Edit files with a patch. Write the patch itself as the tool input; see the \
                      grammar for its exact form."
            .into(),
        format: json!({"type": "grammar", "syntax": "lark", "definition": GRAMMAR}),
    }
}

#[derive(Deserialize)]
struct FunctionArgs {
    input: String,
}

/// `apply_patch`, offered as a freeform grammar tool or as a JSON function; both forms are
/// answered whichever is offered.
pub(crate) struct PatchTool {
    pub freeform: bool,
}

impl ToolHandler for PatchTool {
    fn spec(&self) -> ToolSpec {
        if self.freeform {
            freeform_spec()
        } else {
            function_spec()
        }
    }

    fn handle<'a>(&'a self, call: ToolCall<'a>) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            let patch = match call.input {
                ToolInput::Freeform { input } => input.to_string(),
                ToolInput::Function { .. } => match parse_arguments::<FunctionArgs>(&call) {
                    Ok(args) => args.input,
                    Err(e) => return e,
                },
            };
            apply(call.turn, call.call_id, &patch, None).await
        })
    }
}

/// The writable roots of the sandbox policy and the parts of them that stay read-only.
fn policy_roots(session: &Session) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let config = &session.config;
    let tmpdir = config.env_var("TMPDIR").map(PathBuf::from);
    let roots = writable_roots(&config.sandbox_policy, &config.cwd, tmpdir.as_deref());
    let protected = roots
        .iter()
        .flat_map(|r| r.read_only_subpaths.iter().cloned())
        .collect();
    (roots.into_iter().map(|r| r.root).collect(), protected)
}

/// Checks the patch against the files, lets the orchestration step decide whether it may be
/// applied (asking the user when the policy says so), reports it and applies it.
pub(crate) async fn apply(
    turn: &TurnContext,
    call_id: &str,
    patch: &str,
    workdir: Option<&Path>,
) -> ToolOutput {
    let cwd = workdir.unwrap_or(&turn.session.config.cwd);
    // Resolve and check everything first; where it may write is decided below.
    // A denied path is neither read (update, delete, move) nor written (add, move target).
    let access = &turn.session.read_access;
    let refuse = |path: &Path| access.check(path).err().map(|denied| denied.to_string());
    let options = PlanOptions {
        cwd,
        roots: None,
        refuse: Some(&refuse),
    };
    let plan = match plan_patch(patch, &options) {
        Ok(plan) => plan,
        Err(e) => return ToolOutput::error(format!("apply_patch verification failed: {e}")),
    };
    let paths = plan.touched_paths();
    let (mut roots, protected) = policy_roots(&turn.session);
    roots.extend(turn.session.data().patch_roots.iter().cloned());
    let outside: Vec<&PathBuf> = paths
        .iter()
        .filter(|p| !roots.iter().any(|r| p.starts_with(r)))
        .collect();
    let grant_root = common_parent(&outside);
    let action = PatchAction {
        call_id: call_id.to_string(),
        changes: file_changes(&plan),
        plan,
        paths,
        roots,
        protected,
        grant_root,
        asked: AtomicBool::new(false),
        before: std::sync::Mutex::new(Vec::new()),
    };
    match orchestrate(turn, call_id, &action).await {
        Outcome::Refused(why) => ToolOutput::error(why),
        Outcome::Ran(output) => output,
    }
}

/// A patch, as the orchestration step sees it.
struct PatchAction {
    call_id: String,
    plan: Plan,
    changes: BTreeMap<PathBuf, FileChange>,
    paths: Vec<PathBuf>,
    roots: Vec<PathBuf>,
    protected: Vec<PathBuf>,
    /// A directory outside the writable roots the patch needs to write under.
    grant_root: Option<PathBuf>,
    /// The user was asked about it.
    asked: AtomicBool,
    /// The touched files' hashes just before it was applied, for the audit log.
    before: std::sync::Mutex<Vec<FileHashes>>,
}

impl Action for PatchAction {
    type Output = ToolOutput;

    fn noun(&self) -> &'static str {
        "patch"
    }

    fn assess(&self, session: &Session) -> SafetyCheck {
        assess_patch(&PatchRequest {
            paths: &self.paths,
            approval: session.config.approval_policy,
            policy: &session.config.sandbox_policy,
            writable_roots: &self.roots,
            protected: &self.protected,
        })
    }

    fn request(&self, call_id: &str, reason: String) -> EventMsg {
        self.asked.store(true, Ordering::Relaxed);
        EventMsg::ApplyPatchApprovalRequest(ApplyPatchApprovalRequestEvent {
            call_id: call_id.to_string(),
            changes: self.changes.clone(),
            reason: Some(reason),
            grant_root: self.grant_root.clone(),
        })
    }

    fn remember(&self, session: &Session, _unsandboxed: bool) {
        if let Some(root) = &self.grant_root {
            session.data().patch_roots.push(root.clone());
        }
    }

    fn sandboxed_after_approval(&self, _session: &Session) -> bool {
        // The engine writes the files itself, after checking every path.
        false
    }

    fn run<'a>(&'a self, turn: &'a TurnContext, _sandboxed: bool) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move { commit(turn, self) })
    }

    fn denied_by_sandbox(&self, _output: &ToolOutput) -> bool {
        false
    }

    fn audit_subject(&self) -> Subject<'_> {
        Subject::Patch { paths: &self.paths }
    }

    fn audit_ran(
        &self,
        turn: &TurnContext,
        approved_by: ApprovedBy,
        _sandboxed: bool,
        output: &ToolOutput,
        _elapsed: std::time::Duration,
    ) {
        let before = std::mem::take(&mut *self.before.lock().unwrap_or_else(|e| e.into_inner()));
        turn.session
            .audit
            .patch(before, approved_by, output.success);
    }
}

/// Reports the patch and writes it.
fn commit(turn: &TurnContext, action: &PatchAction) -> ToolOutput {
    let session = &turn.session;
    let auto_approved = !action.asked.load(Ordering::Relaxed);
    turn.turn_diff.remember(action.paths.clone());
    *action.before.lock().unwrap_or_else(|e| e.into_inner()) =
        session.audit.hash_files(&action.paths);
    session.events.send(
        &turn.sub_id,
        EventMsg::PatchApplyBegin(PatchApplyBeginEvent {
            call_id: action.call_id.clone(),
            auto_approved,
            changes: action.changes.clone(),
        }),
    );
    let (success, stdout, stderr) = match action.plan.commit() {
        Ok(()) => (true, action.plan.summary(), String::new()),
        Err(e) => (false, String::new(), e.to_string()),
    };
    session.events.send(
        &turn.sub_id,
        EventMsg::PatchApplyEnd(PatchApplyEndEvent {
            call_id: action.call_id.clone(),
            stdout: stdout.clone(),
            stderr: stderr.clone(),
            success,
        }),
    );
    if success {
        let diff = turn.turn_diff.unified_diff(&session.config.cwd);
        session
            .events
            .send(&turn.sub_id, EventMsg::TurnDiff { unified_diff: diff });
        ToolOutput::text(stdout)
    } else {
        ToolOutput::error(stderr)
    }
}

fn file_changes(plan: &Plan) -> BTreeMap<PathBuf, FileChange> {
    plan.changes
        .iter()
        .map(|c| {
            let change = match &c.kind {
                ChangeKind::Add { content } => FileChange::Add {
                    content: content.clone(),
                },
                ChangeKind::Delete { content } => FileChange::Delete {
                    content: content.clone(),
                },
                ChangeKind::Update { move_to, .. } => FileChange::Update {
                    unified_diff: c.unified_diff(),
                    move_path: move_to.as_ref().map(|(p, _)| p.clone()),
                },
            };
            (c.path.clone(), change)
        })
        .collect()
}

/// The deepest directory containing every path.
fn common_parent(paths: &[&PathBuf]) -> Option<PathBuf> {
    let mut common = paths.first()?.parent()?.to_path_buf();
    for p in &paths[1..] {
        while !p.starts_with(&common) {
            common = common.parent()?.to_path_buf();
        }
    }
    Some(common)
}

/// What the turn has changed: each touched file's content before its first change.
#[derive(Default)]
pub(crate) struct TurnDiffTracker {
    baseline: std::sync::Mutex<BTreeMap<PathBuf, Option<String>>>,
    /// The commands the turn ran, as typed, with their exit codes (for a second opinion).
    commands: std::sync::Mutex<Vec<(String, i32)>>,
}

impl TurnDiffTracker {
    pub(crate) fn record_command(&self, command: String, exit_code: i32) {
        let mut commands = self.commands.lock().unwrap_or_else(|e| e.into_inner());
        commands.push((command, exit_code));
    }

    pub(crate) fn commands(&self) -> Vec<(String, i32)> {
        self.commands
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn remember(&self, paths: Vec<PathBuf>) {
        let mut baseline = self.baseline.lock().unwrap_or_else(|e| e.into_inner());
        for path in paths {
            baseline
                .entry(path.clone())
                .or_insert_with(|| std::fs::read_to_string(&path).ok());
        }
    }

    pub(crate) fn unified_diff(&self, cwd: &Path) -> String {
        let baseline = self.baseline.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        for (path, before) in baseline.iter() {
            let now = std::fs::read_to_string(path).ok();
            let shown = path.strip_prefix(cwd).unwrap_or(path).display().to_string();
            out.push_str(&unified_diff(
                before.as_deref(),
                now.as_deref(),
                &shown,
                &shown,
            ));
        }
        out
    }
}
