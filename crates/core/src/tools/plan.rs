//! `update_plan`: the model's checklist, shown to the user.

use codex_protocol::{EventMsg, StepStatus, UpdatePlanArgs};
use codex_providers::ToolSpec;
use serde_json::json;

use super::ToolContext;

pub(crate) fn spec() -> ToolSpec {
    ToolSpec::Function {
        name: "update_plan".into(),
        description: "Updates the task plan.\nProvide an optional explanation and a list of plan \
                      items, each with a step and status.\nAt most one step can be in_progress \
                      at a time.\n"
            .into(),
        parameters: json!({
            "type": "object",
            "properties": {
                "explanation": {"type": "string"},
                "plan": {
                    "type": "array",
                    "description": "The list of steps",
                    "items": {
                        "type": "object",
                        "properties": {
                            "step": {"type": "string"},
                            "status": {
                                "type": "string",
                                "description": "One of: pending, in_progress, completed"
                            }
                        },
                        "required": ["step", "status"],
                        "additionalProperties": false
                    }
                }
            },
            "required": ["plan"],
            "additionalProperties": false
        }),
    }
}

pub(crate) fn handle(ctx: &ToolContext, arguments: &str) -> String {
    let args: UpdatePlanArgs = match serde_json::from_str(arguments) {
        Ok(args) => args,
        Err(e) => return format!("failed to parse function arguments: {e}"),
    };
    let in_progress = args
        .plan
        .iter()
        .filter(|p| p.status == StepStatus::InProgress)
        .count();
    if in_progress > 1 {
        return "plan not updated: at most one step can be in_progress at a time".to_string();
    }
    ctx.shared
        .events
        .send(&ctx.sub_id, EventMsg::PlanUpdate(args));
    "Plan updated".to_string()
}
