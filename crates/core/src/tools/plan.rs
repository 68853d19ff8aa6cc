//! `update_plan`: the model's checklist, shown to the user.

use codex_protocol::{EventMsg, StepStatus, UpdatePlanArgs};
use codex_providers::ToolSpec;
use serde_json::json;

use futures_util::future::BoxFuture;

use super::{ToolCall, ToolHandler, ToolOutput, parse_arguments};

fn spec() -> ToolSpec {
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

/// `update_plan`: the model's checklist, reported as a `PlanUpdate` event.
pub(crate) struct PlanTool;

impl ToolHandler for PlanTool {
    fn spec(&self) -> ToolSpec {
        spec()
    }

    fn is_mutating(&self) -> bool {
        false
    }

    fn handle<'a>(&'a self, call: ToolCall<'a>) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            let args: UpdatePlanArgs = match parse_arguments(&call) {
                Ok(args) => args,
                Err(e) => return e,
            };
            let in_progress = args
                .plan
                .iter()
                .filter(|p| p.status == StepStatus::InProgress)
                .count();
            if in_progress > 1 {
                return ToolOutput::error(
                    "plan not updated: at most one step can be in_progress at a time",
                );
            }
            let turn = call.turn;
            turn.session
                .events
                .send(&turn.sub_id, EventMsg::PlanUpdate(args));
            ToolOutput::text("Plan updated")
        })
    }
}
