//! `apply_patch`: the edit tool, as a JSON function, as a freeform grammar tool, and behind shell
//! calls that are really patches.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use codex_apply_patch::{ChangeKind, PlanOptions, WritableRoots, plan_patch, unified_diff};
use codex_protocol::{
    EventMsg, FileChange, PatchApplyBeginEvent, PatchApplyEndEvent, SandboxPolicy,
};
use codex_providers::ToolSpec;
use serde::Deserialize;
use serde_json::json;

use super::ToolContext;

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
        Ok(args) => apply(ctx, call_id, &args.input, None),
        Err(e) => format!("failed to parse function arguments: {e}"),
    }
}

/// Where patches may write: nowhere under a read-only sandbox, else the working directory and
/// the configured writable roots.
fn roots(ctx: &ToolContext) -> Result<WritableRoots, String> {
    let config = &ctx.config;
    let extra: Vec<PathBuf> = match &config.sandbox_policy {
        SandboxPolicy::ReadOnly => {
            return Err(
                "patch rejected: the sandbox is read-only, so files cannot be changed. \
                        Tell the user; they can rerun with --sandbox workspace-write."
                    .into(),
            );
        }
        SandboxPolicy::WorkspaceWrite { writable_roots, .. } => writable_roots.clone(),
        SandboxPolicy::DangerFullAccess => config
            .toml
            .sandbox_workspace_write
            .as_ref()
            .and_then(|s| s.writable_roots.clone())
            .unwrap_or_default(),
    };
    let mut all = vec![config.cwd.clone()];
    all.extend(extra);
    Ok(WritableRoots::new(&all))
}

/// Checks the patch against the files, reports it, applies it; returns the model's output.
pub(crate) fn apply(
    ctx: &ToolContext,
    call_id: &str,
    patch: &str,
    workdir: Option<&Path>,
) -> String {
    let roots = match roots(ctx) {
        Ok(roots) => roots,
        Err(message) => return message,
    };
    let cwd = workdir.unwrap_or(&ctx.config.cwd);
    let plan = match plan_patch(
        patch,
        &PlanOptions {
            cwd,
            roots: Some(&roots),
        },
    ) {
        Ok(plan) => plan,
        Err(e) => return format!("apply_patch verification failed: {e}"),
    };
    let changes: BTreeMap<PathBuf, FileChange> = plan
        .changes
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
        .collect();
    ctx.turn_diff.remember(plan.touched_paths());
    ctx.events.send(
        &ctx.sub_id,
        EventMsg::PatchApplyBegin(PatchApplyBeginEvent {
            call_id: call_id.to_string(),
            auto_approved: true,
            changes,
        }),
    );
    let (success, stdout, stderr) = match plan.commit() {
        Ok(()) => (true, plan.summary(), String::new()),
        Err(e) => (false, String::new(), e.to_string()),
    };
    ctx.events.send(
        &ctx.sub_id,
        EventMsg::PatchApplyEnd(PatchApplyEndEvent {
            call_id: call_id.to_string(),
            stdout: stdout.clone(),
            stderr: stderr.clone(),
            success,
        }),
    );
    if success {
        let diff = ctx.turn_diff.unified_diff(&ctx.config.cwd);
        ctx.events
            .send(&ctx.sub_id, EventMsg::TurnDiff { unified_diff: diff });
        stdout
    } else {
        stderr
    }
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
