//! `apply_patch`: the edit tool, as a JSON function, as a freeform grammar tool, and behind shell
//! calls that are really patches.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use codex_apply_patch::{ChangeKind, Plan, PlanOptions, plan_patch, unified_diff};
use codex_protocol::{EventMsg, FileChange, PatchApplyBeginEvent, PatchApplyEndEvent};
use codex_providers::ToolSpec;
use codex_safety::{PatchRequest, SafetyCheck, assess_patch};
use codex_sandbox::writable_roots;
use serde::Deserialize;
use serde_json::json;

use super::ToolContext;
use super::approval::{Answer, ask_patch};

const DESCRIPTION: &str = include_str!("apply_patch_description.md");
const GRAMMAR: &str = include_str!("apply_patch_grammar.lark");

pub(crate) fn function_spec() -> ToolSpec {
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

pub(crate) fn freeform_spec() -> ToolSpec {
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

pub(crate) async fn handle_function(ctx: &ToolContext, call_id: &str, arguments: &str) -> String {
    match serde_json::from_str::<FunctionArgs>(arguments) {
        Ok(args) => apply(ctx, call_id, &args.input, None).await,
        Err(e) => format!("failed to parse function arguments: {e}"),
    }
}

/// The writable roots of the sandbox policy and the parts of them that stay read-only.
fn policy_roots(ctx: &ToolContext) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let config = &ctx.shared.config;
    let tmpdir = config.env_var("TMPDIR").map(PathBuf::from);
    let roots = writable_roots(&config.sandbox_policy, &config.cwd, tmpdir.as_deref());
    let protected = roots
        .iter()
        .flat_map(|r| r.read_only_subpaths.iter().cloned())
        .collect();
    (roots.into_iter().map(|r| r.root).collect(), protected)
}

/// Checks the patch against the files, decides whether it may be applied (asking the user when
/// the policy says so), reports it and applies it; returns the model's output.
pub(crate) async fn apply(
    ctx: &ToolContext,
    call_id: &str,
    patch: &str,
    workdir: Option<&Path>,
) -> String {
    let shared = &ctx.shared;
    let config = &shared.config;
    let cwd = workdir.unwrap_or(&config.cwd);
    // Resolve and check everything first; where it may write is decided below.
    let plan = match plan_patch(patch, &PlanOptions { cwd, roots: None }) {
        Ok(plan) => plan,
        Err(e) => return format!("apply_patch verification failed: {e}"),
    };
    let paths = plan.touched_paths();
    let (mut roots, protected) = policy_roots(ctx);
    roots.extend(shared.granted_patch_roots());
    let check = assess_patch(&PatchRequest {
        paths: &paths,
        approval: config.approval_policy,
        policy: &config.sandbox_policy,
        writable_roots: &roots,
        protected: &protected,
    });
    let changes = file_changes(&plan);
    let auto_approved = matches!(check, SafetyCheck::AutoApprove { .. });
    match check {
        SafetyCheck::AutoApprove { .. } => {}
        SafetyCheck::Reject { reason } => return format!("patch rejected: {reason}"),
        SafetyCheck::AskUser { reason } => {
            let outside: Vec<&PathBuf> = paths
                .iter()
                .filter(|p| !roots.iter().any(|r| p.starts_with(r)))
                .collect();
            let grant_root = common_parent(&outside);
            match ask_patch(ctx, call_id, changes.clone(), reason, grant_root.clone()).await {
                Answer::Run { for_session } => {
                    if for_session && let Some(root) = grant_root {
                        shared.grant_patch_root(root);
                    }
                }
                Answer::Denied => return "patch rejected by the user".to_string(),
                Answer::Aborted => return "patch aborted by the user".to_string(),
            }
        }
    }
    ctx.turn_diff.remember(paths);
    shared.events.send(
        &ctx.sub_id,
        EventMsg::PatchApplyBegin(PatchApplyBeginEvent {
            call_id: call_id.to_string(),
            auto_approved,
            changes,
        }),
    );
    let (success, stdout, stderr) = match plan.commit() {
        Ok(()) => (true, plan.summary(), String::new()),
        Err(e) => (false, String::new(), e.to_string()),
    };
    shared.events.send(
        &ctx.sub_id,
        EventMsg::PatchApplyEnd(PatchApplyEndEvent {
            call_id: call_id.to_string(),
            stdout: stdout.clone(),
            stderr: stderr.clone(),
            success,
        }),
    );
    if success {
        let diff = ctx.turn_diff.unified_diff(&config.cwd);
        shared
            .events
            .send(&ctx.sub_id, EventMsg::TurnDiff { unified_diff: diff });
        stdout
    } else {
        stderr
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
}

impl TurnDiffTracker {
    fn remember(&self, paths: Vec<PathBuf>) {
        let mut baseline = self.baseline.lock().unwrap_or_else(|e| e.into_inner());
        for path in paths {
            baseline
                .entry(path.clone())
                .or_insert_with(|| std::fs::read_to_string(&path).ok());
        }
    }

    fn unified_diff(&self, cwd: &Path) -> String {
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
