//! Approval requests as JavaScript sees them, and its answers as review decisions.
//!
//! `{ type: "exec", id, command: string[], cwd, reason? }` or
//! `{ type: "patch", id, changes: { [path]: { kind: "add", content } | { kind: "delete",
//! content } | { kind: "update", unified_diff, move_path? } }, reason?, grant_root? }`.

use codex_protocol::{
    ApplyPatchApprovalRequestEvent, ExecApprovalRequestEvent, FileChange, ReviewDecision,
};
use serde_json::{Map, Value, json};

pub fn exec_request(request: &ExecApprovalRequestEvent) -> String {
    let mut out = json!({
        "type": "exec",
        "id": request.call_id,
        "command": request.command,
        "cwd": request.cwd.to_string_lossy(),
    });
    if let Some(reason) = &request.reason {
        out["reason"] = json!(reason);
    }
    out.to_string()
}

pub fn patch_request(request: &ApplyPatchApprovalRequestEvent) -> String {
    let mut changes = Map::new();
    for (path, change) in &request.changes {
        let change = match change {
            FileChange::Add { content } => json!({"kind": "add", "content": content}),
            FileChange::Delete { content } => json!({"kind": "delete", "content": content}),
            FileChange::Update {
                unified_diff,
                move_path,
            } => {
                let mut update = json!({"kind": "update", "unified_diff": unified_diff});
                if let Some(to) = move_path {
                    update["move_path"] = json!(to.to_string_lossy());
                }
                update
            }
        };
        changes.insert(path.to_string_lossy().into_owned(), change);
    }
    let mut out = json!({
        "type": "patch",
        "id": request.call_id,
        "changes": Value::Object(changes),
    });
    if let Some(reason) = &request.reason {
        out["reason"] = json!(reason);
    }
    if let Some(root) = &request.grant_root {
        out["grant_root"] = json!(root.to_string_lossy());
    }
    out.to_string()
}

/// The answer, or `None` for anything not in the list (which counts as denied).
pub fn decision(answer: &str) -> Option<ReviewDecision> {
    match answer {
        "approved" => Some(ReviewDecision::Approved),
        "approved_for_session" => Some(ReviewDecision::ApprovedForSession),
        "denied" => Some(ReviewDecision::Denied),
        "abort" => Some(ReviewDecision::Abort),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn requests_are_plain_json() {
        let exec = exec_request(&ExecApprovalRequestEvent {
            call_id: "c1".into(),
            command: vec!["rm".into(), "-rf".into(), "x".into()],
            cwd: PathBuf::from("/w"),
            reason: None,
        });
        assert_eq!(
            serde_json::from_str::<Value>(&exec).unwrap(),
            json!({"type": "exec", "id": "c1", "command": ["rm", "-rf", "x"], "cwd": "/w"})
        );
        let patch = patch_request(&ApplyPatchApprovalRequestEvent {
            call_id: "p1".into(),
            changes: BTreeMap::from([
                (
                    PathBuf::from("/w/a"),
                    FileChange::Add {
                        content: "hi\n".into(),
                    },
                ),
                (
                    PathBuf::from("/w/b"),
                    FileChange::Update {
                        unified_diff: "@@".into(),
                        move_path: Some(PathBuf::from("/w/c")),
                    },
                ),
            ]),
            reason: Some("why".into()),
            grant_root: None,
        });
        assert_eq!(
            serde_json::from_str::<Value>(&patch).unwrap(),
            json!({"type": "patch", "id": "p1", "reason": "why", "changes": {
                "/w/a": {"kind": "add", "content": "hi\n"},
                "/w/b": {"kind": "update", "unified_diff": "@@", "move_path": "/w/c"}}})
        );
        assert_eq!(decision("approved"), Some(ReviewDecision::Approved));
        assert_eq!(decision("yes"), None);
    }
}
