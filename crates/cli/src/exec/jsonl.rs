//! `codex exec --json`: engine events as the JSON lines `@openai/codex-sdk` reads.

use codex_protocol::{EventMsg, ExecCommandEndEvent, FileChange, StepStatus, UpdatePlanArgs};
use serde_json::{Value, json};

use super::shell_join;

/// Turns engine events into thread events, keeping the item ids and the open todo list.
#[derive(Default)]
pub struct JsonlMapper {
    next_item: u64,
    open_commands: Vec<(String, String, String)>,
    todo_item: Option<String>,
    /// Changes of patches begun and not yet ended, by call id.
    open_patches: Vec<(String, Value)>,
    todo_items: Value,
    error: Option<String>,
    /// Inside a turn: items may only be reported between turn.started and its end.
    in_turn: bool,
    /// Warnings from before the first turn, reported once it starts.
    early: Vec<String>,
}

impl JsonlMapper {
    fn item_id(&mut self) -> String {
        let id = format!("item_{}", self.next_item);
        self.next_item += 1;
        id
    }

    pub fn map(&mut self, msg: &EventMsg) -> Vec<Value> {
        match msg {
            EventMsg::SessionConfigured(e) => {
                vec![json!({"type": "thread.started", "thread_id": e.session_id})]
            }
            EventMsg::TaskStarted { .. } => {
                self.error = None;
                self.in_turn = true;
                let mut out = vec![json!({"type": "turn.started"})];
                for message in std::mem::take(&mut self.early) {
                    let id = self.item_id();
                    out.push(item(
                        "item.completed",
                        json!({"id": id, "type": "error", "message": message}),
                    ));
                }
                out
            }
            EventMsg::AgentMessage { message } => {
                let id = self.item_id();
                vec![item(
                    "item.completed",
                    json!({"id": id, "type": "agent_message", "text": message}),
                )]
            }
            EventMsg::AgentReasoning { text } => {
                let id = self.item_id();
                vec![item(
                    "item.completed",
                    json!({"id": id, "type": "reasoning", "text": text}),
                )]
            }
            EventMsg::ExecCommandBegin(e) => {
                let id = self.item_id();
                let command = shell_join(&e.command);
                self.open_commands
                    .push((e.call_id.clone(), id.clone(), command.clone()));
                vec![item(
                    "item.started",
                    json!({"id": id, "type": "command_execution", "command": command,
                        "aggregated_output": "", "status": "in_progress"}),
                )]
            }
            EventMsg::ExecCommandEnd(e) => vec![self.command_done(e)],
            EventMsg::PlanUpdate(plan) => vec![self.plan(plan)],
            EventMsg::PatchApplyBegin(e) => {
                let changes: Vec<Value> = e
                    .changes
                    .iter()
                    .map(|(path, change)| {
                        let kind = match change {
                            FileChange::Add { .. } => "add",
                            FileChange::Delete { .. } => "delete",
                            FileChange::Update { .. } => "update",
                        };
                        json!({"path": path, "kind": kind})
                    })
                    .collect();
                self.open_patches
                    .push((e.call_id.clone(), Value::Array(changes)));
                Vec::new()
            }
            EventMsg::PatchApplyEnd(e) => {
                let changes = match self.open_patches.iter().position(|(c, _)| *c == e.call_id) {
                    Some(i) => self.open_patches.remove(i).1,
                    None => Value::Array(Vec::new()),
                };
                let id = self.item_id();
                let status = if e.success { "completed" } else { "failed" };
                vec![item(
                    "item.completed",
                    json!({"id": id, "type": "file_change", "changes": changes, "status": status}),
                )]
            }
            EventMsg::Warning { message } if !self.in_turn => {
                self.early.push(message.clone());
                Vec::new()
            }
            EventMsg::Warning { message } | EventMsg::StreamError { message } => {
                let id = self.item_id();
                vec![item(
                    "item.completed",
                    json!({"id": id, "type": "error", "message": message}),
                )]
            }
            EventMsg::Error { message } => {
                self.error = Some(message.clone());
                vec![json!({"type": "error", "message": message})]
            }
            EventMsg::TaskComplete {
                usage, cost_usd, ..
            } => {
                self.in_turn = false;
                let mut out = self.close_todo();
                out.push(match self.error.take() {
                    Some(message) => json!({"type": "turn.failed", "error": {"message": message}}),
                    None => {
                        let mut done = json!({"type": "turn.completed", "usage": {
                            "input_tokens": usage.input_tokens,
                            "cached_input_tokens": usage.cached_input_tokens,
                            "output_tokens": usage.output_tokens,
                        }});
                        // An addition to the contract: clients that do not know it ignore it.
                        if let Some(cost) = cost_usd {
                            done["estimated_cost_usd"] = json!(cost);
                        }
                        done
                    }
                });
                out
            }
            EventMsg::TurnAborted { .. } => {
                self.in_turn = false;
                let mut out = self.close_todo();
                out.push(json!({"type": "turn.failed",
                    "error": {"message": "the turn was interrupted"}}));
                out
            }
            EventMsg::AgentMessageDelta { .. }
            | EventMsg::AgentReasoningDelta { .. }
            | EventMsg::ExecCommandOutputDelta(_)
            | EventMsg::TokenCount { .. }
            | EventMsg::TurnDiff { .. }
            | EventMsg::ContextCompacted
            | EventMsg::ExecApprovalRequest(_)
            | EventMsg::ApplyPatchApprovalRequest(_)
            | EventMsg::ShutdownComplete => Vec::new(),
        }
    }

    fn command_done(&mut self, e: &ExecCommandEndEvent) -> Value {
        let (id, command) = match self
            .open_commands
            .iter()
            .position(|(c, _, _)| *c == e.call_id)
        {
            Some(i) => {
                let (_, id, command) = self.open_commands.remove(i);
                (id, command)
            }
            None => (self.item_id(), shell_join(&e.command)),
        };
        let status = if e.exit_code == 0 {
            "completed"
        } else {
            "failed"
        };
        item(
            "item.completed",
            json!({"id": id, "type": "command_execution", "command": command,
                "aggregated_output": e.aggregated_output, "exit_code": e.exit_code,
                "status": status}),
        )
    }

    fn plan(&mut self, plan: &UpdatePlanArgs) -> Value {
        self.todo_items = plan
            .plan
            .iter()
            .map(|p| json!({"text": p.step, "completed": p.status == StepStatus::Completed}))
            .collect();
        match &self.todo_item {
            Some(id) => item(
                "item.updated",
                json!({"id": id, "type": "todo_list", "items": self.todo_items}),
            ),
            None => {
                let id = self.item_id();
                self.todo_item = Some(id.clone());
                item(
                    "item.started",
                    json!({"id": id, "type": "todo_list", "items": self.todo_items}),
                )
            }
        }
    }

    fn close_todo(&mut self) -> Vec<Value> {
        match self.todo_item.take() {
            Some(id) => vec![item(
                "item.completed",
                json!({"id": id, "type": "todo_list", "items": self.todo_items}),
            )],
            None => Vec::new(),
        }
    }
}

fn item(kind: &str, item: Value) -> Value {
    json!({"type": kind, "item": item})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_before_the_turn_are_reported_inside_it() {
        let mut m = JsonlMapper::default();
        assert!(
            m.map(&EventMsg::Warning {
                message: "no sandbox".into()
            })
            .is_empty()
        );
        let out = m.map(&EventMsg::TaskStarted {
            model_context_window: None,
        });
        assert_eq!(out[0]["type"], "turn.started");
        assert_eq!(out[1]["item"]["type"], "error");
        assert_eq!(out[1]["item"]["message"], "no sandbox");
    }
}
