//! Engine events in, thread events out.

use codex_protocol::{
    EventMsg, ExecCommandEndEvent, FileChange, McpInvocation, McpStartupStatus, StepStatus,
    UpdatePlanArgs,
};
use serde_json::Value;

use crate::types::*;

#[derive(Debug, Clone, Copy, Default)]
pub struct MapperOptions {
    /// Add `estimated_cost_usd` to `turn.completed` when the cost is known.
    pub include_cost: bool,
}

/// Turns engine events into thread events, keeping item ids, open commands and the todo list.
#[derive(Default)]
pub struct ThreadEventMapper {
    options: MapperOptions,
    next_item: u64,
    /// Commands begun and not yet ended: call id, item id, command line.
    open_commands: Vec<(String, String, String)>,
    /// MCP tool calls begun and not yet ended: call id, item id.
    open_mcp_calls: Vec<(String, String)>,
    /// Changes of patches begun and not yet ended, by call id.
    open_patches: Vec<(String, Vec<FileUpdateChange>)>,
    todo_item: Option<String>,
    todo_items: Vec<TodoItem>,
    error: Option<String>,
    /// Inside a turn: items may only be reported between turn.started and its end.
    in_turn: bool,
    /// Warnings from before the first turn, reported once it starts.
    early: Vec<String>,
}

/// An `mcp_tool_call` item: in progress until `result` is given. A result the server marks
/// `isError` is `failed` with its content; a call that produced no result is `failed` with an
/// error.
fn mcp_details(invocation: &McpInvocation, result: Option<&Result<Value, String>>) -> ItemDetails {
    let (result, error, status) = match result {
        None => (None, None, ItemStatus::InProgress),
        Some(Ok(value)) => {
            let failed = value
                .get("isError")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let content = value
                .get("content")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let structured_content = value
                .get("structuredContent")
                .cloned()
                .unwrap_or(Value::Null);
            let status = if failed {
                ItemStatus::Failed
            } else {
                ItemStatus::Completed
            };
            (
                Some(McpToolResult {
                    content,
                    structured_content,
                }),
                None,
                status,
            )
        }
        Some(Err(message)) => (
            None,
            Some(ThreadError {
                message: message.clone(),
            }),
            ItemStatus::Failed,
        ),
    };
    ItemDetails::McpToolCall {
        server: invocation.server.clone(),
        tool: invocation.tool.clone(),
        arguments: invocation.arguments.clone().unwrap_or(Value::Null),
        result,
        error,
        status,
    }
}

impl ThreadEventMapper {
    pub fn new(options: MapperOptions) -> Self {
        ThreadEventMapper {
            options,
            ..Default::default()
        }
    }

    fn item_id(&mut self) -> String {
        let id = format!("item_{}", self.next_item);
        self.next_item += 1;
        id
    }

    fn completed(&mut self, details: ItemDetails) -> ThreadEvent {
        let id = self.item_id();
        ThreadEvent::ItemCompleted {
            item: ThreadItem { id, details },
        }
    }

    pub fn map(&mut self, msg: &EventMsg) -> Vec<ThreadEvent> {
        match msg {
            EventMsg::SessionConfigured(e) => vec![ThreadEvent::ThreadStarted {
                thread_id: e.session_id.clone(),
            }],
            EventMsg::TaskStarted { .. } => {
                self.error = None;
                self.in_turn = true;
                let mut out = vec![ThreadEvent::TurnStarted {}];
                for message in std::mem::take(&mut self.early) {
                    out.push(self.completed(ItemDetails::Error { message }));
                }
                out
            }
            EventMsg::AgentMessage { message } => vec![self.completed(ItemDetails::AgentMessage {
                text: message.clone(),
            })],
            EventMsg::AgentReasoning { text } => {
                vec![self.completed(ItemDetails::Reasoning { text: text.clone() })]
            }
            EventMsg::ExecCommandBegin(e) => {
                let id = self.item_id();
                let command = shell_join(&e.command);
                self.open_commands
                    .push((e.call_id.clone(), id.clone(), command.clone()));
                vec![ThreadEvent::ItemStarted {
                    item: ThreadItem {
                        id,
                        details: ItemDetails::CommandExecution {
                            command,
                            aggregated_output: String::new(),
                            exit_code: None,
                            status: ItemStatus::InProgress,
                        },
                    },
                }]
            }
            EventMsg::ExecCommandEnd(e) => vec![self.command_done(e)],
            // A server that failed to start is reported like a warning: it costs its tools,
            // not the run.
            EventMsg::McpStartupUpdate(update) => match &update.status {
                McpStartupStatus::Failed { error } => self.map(&EventMsg::Warning {
                    message: format!("MCP server `{}` failed to start: {error}", update.server),
                }),
                _ => Vec::new(),
            },
            EventMsg::McpToolCallBegin(e) => {
                let id = self.item_id();
                self.open_mcp_calls.push((e.call_id.clone(), id.clone()));
                vec![ThreadEvent::ItemStarted {
                    item: ThreadItem {
                        id,
                        details: mcp_details(&e.invocation, None),
                    },
                }]
            }
            EventMsg::McpToolCallEnd(e) => {
                let id = match self
                    .open_mcp_calls
                    .iter()
                    .position(|(c, _)| *c == e.call_id)
                {
                    Some(i) => self.open_mcp_calls.remove(i).1,
                    None => self.item_id(),
                };
                vec![ThreadEvent::ItemCompleted {
                    item: ThreadItem {
                        id,
                        details: mcp_details(&e.invocation, Some(&e.result)),
                    },
                }]
            }
            EventMsg::PlanUpdate(plan) => vec![self.plan(plan)],
            EventMsg::PatchApplyBegin(e) => {
                let changes = e
                    .changes
                    .iter()
                    .map(|(path, change)| FileUpdateChange {
                        path: path.to_string_lossy().into_owned(),
                        kind: match change {
                            FileChange::Add { .. } => PatchChangeKind::Add,
                            FileChange::Delete { .. } => PatchChangeKind::Delete,
                            FileChange::Update { .. } => PatchChangeKind::Update,
                        },
                    })
                    .collect();
                self.open_patches.push((e.call_id.clone(), changes));
                Vec::new()
            }
            EventMsg::PatchApplyEnd(e) => {
                let changes = match self.open_patches.iter().position(|(c, _)| *c == e.call_id) {
                    Some(i) => self.open_patches.remove(i).1,
                    None => Vec::new(),
                };
                let status = if e.success {
                    ItemStatus::Completed
                } else {
                    ItemStatus::Failed
                };
                vec![self.completed(ItemDetails::FileChange { changes, status })]
            }
            // Sent only when a reviewer is configured: without one nothing changes.
            EventMsg::SecondOpinion(e) => vec![self.completed(ItemDetails::SecondOpinion {
                model: e.model.clone(),
                verdict: e.verdict,
                concerns: e.concerns.clone(),
                error: e.error.clone(),
                review: e.review.clone(),
            })],
            EventMsg::Warning { message } if !self.in_turn => {
                self.early.push(message.clone());
                Vec::new()
            }
            EventMsg::Warning { message } => vec![self.completed(ItemDetails::Error {
                message: message.clone(),
            })],
            // A reconnect notice is a top-level `error` that does not fail the turn, as the
            // Codex CLI reports it.
            EventMsg::StreamError { message } => vec![ThreadEvent::Error {
                message: message.clone(),
            }],
            EventMsg::Error { message, .. } => {
                self.error = Some(message.clone());
                vec![ThreadEvent::Error {
                    message: message.clone(),
                }]
            }
            EventMsg::TaskComplete {
                usage, cost_usd, ..
            } => {
                self.in_turn = false;
                let mut out = self.close_todo();
                out.push(match self.error.take() {
                    Some(message) => ThreadEvent::TurnFailed {
                        error: ThreadError { message },
                    },
                    None => ThreadEvent::TurnCompleted {
                        usage: Usage {
                            input_tokens: usage.input_tokens,
                            cached_input_tokens: usage.cached_input_tokens,
                            cache_write_input_tokens: usage.cache_write_input_tokens,
                            output_tokens: usage.output_tokens,
                            reasoning_output_tokens: usage.reasoning_output_tokens,
                        },
                        estimated_cost_usd: cost_usd.filter(|_| self.options.include_cost),
                    },
                });
                out
            }
            EventMsg::TurnAborted { .. } => {
                self.in_turn = false;
                let mut out = self.close_todo();
                out.push(ThreadEvent::TurnFailed {
                    error: ThreadError {
                        message: "the turn was interrupted".into(),
                    },
                });
                out
            }
            _ => Vec::new(),
        }
    }

    fn command_done(&mut self, e: &ExecCommandEndEvent) -> ThreadEvent {
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
            ItemStatus::Completed
        } else {
            ItemStatus::Failed
        };
        ThreadEvent::ItemCompleted {
            item: ThreadItem {
                id,
                details: ItemDetails::CommandExecution {
                    command,
                    aggregated_output: e.aggregated_output.clone(),
                    exit_code: Some(e.exit_code),
                    status,
                },
            },
        }
    }

    fn plan(&mut self, plan: &UpdatePlanArgs) -> ThreadEvent {
        self.todo_items = plan
            .plan
            .iter()
            .map(|p| TodoItem {
                text: p.step.clone(),
                completed: p.status == StepStatus::Completed,
            })
            .collect();
        let items = self.todo_items.clone();
        match &self.todo_item {
            Some(id) => ThreadEvent::ItemUpdated {
                item: ThreadItem {
                    id: id.clone(),
                    details: ItemDetails::TodoList { items },
                },
            },
            None => {
                let id = self.item_id();
                self.todo_item = Some(id.clone());
                ThreadEvent::ItemStarted {
                    item: ThreadItem {
                        id,
                        details: ItemDetails::TodoList { items },
                    },
                }
            }
        }
    }

    fn close_todo(&mut self) -> Vec<ThreadEvent> {
        match self.todo_item.take() {
            Some(id) => vec![ThreadEvent::ItemCompleted {
                item: ThreadItem {
                    id,
                    details: ItemDetails::TodoList {
                        items: self.todo_items.clone(),
                    },
                },
            }],
            None => Vec::new(),
        }
    }
}

/// Joins argv the way a shell would need it typed.
pub fn shell_join(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            let plain = !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
            if plain {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use codex_protocol::{ExecCommandBeginEvent, TokenUsage};

    fn json(events: &[ThreadEvent]) -> Vec<String> {
        events
            .iter()
            .map(|e| serde_json::to_string(e).unwrap())
            .collect()
    }

    #[test]
    fn warnings_before_the_turn_are_reported_inside_it() {
        let mut m = ThreadEventMapper::default();
        let warning = EventMsg::Warning {
            message: "no sandbox".into(),
        };
        assert!(m.map(&warning).is_empty());
        let out = m.map(&EventMsg::TaskStarted {
            model_context_window: None,
        });
        assert_eq!(
            json(&out),
            [
                r#"{"type":"turn.started"}"#,
                r#"{"type":"item.completed","item":{"id":"item_0","type":"error","message":"no sandbox"}}"#
            ]
        );
    }

    #[test]
    fn fields_in_the_codex_cli_order() {
        let mut m = ThreadEventMapper::default();
        let begin = EventMsg::ExecCommandBegin(ExecCommandBeginEvent {
            call_id: "c".into(),
            command: vec!["bash".into(), "-lc".into(), "echo hi".into()],
            cwd: "/".into(),
        });
        assert_eq!(
            json(&m.map(&begin)),
            [
                r#"{"type":"item.started","item":{"id":"item_0","type":"command_execution","command":"bash -lc 'echo hi'","aggregated_output":"","exit_code":null,"status":"in_progress"}}"#
            ]
        );
        let done = EventMsg::TaskComplete {
            last_agent_message: None,
            usage: TokenUsage {
                input_tokens: 5,
                output_tokens: 2,
                total_tokens: 7,
                ..Default::default()
            },
            cost_usd: Some(0.5),
        };
        assert_eq!(
            json(&m.map(&done)),
            [
                r#"{"type":"turn.completed","usage":{"input_tokens":5,"cached_input_tokens":0,"cache_write_input_tokens":0,"output_tokens":2,"reasoning_output_tokens":0}}"#
            ]
        );
        let mut with_cost = ThreadEventMapper::new(MapperOptions { include_cost: true });
        assert_eq!(
            json(&with_cost.map(&done)),
            [
                r#"{"type":"turn.completed","usage":{"input_tokens":5,"cached_input_tokens":0,"cache_write_input_tokens":0,"output_tokens":2,"reasoning_output_tokens":0},"estimated_cost_usd":0.5}"#
            ]
        );
    }

    #[test]
    fn shell_join_quotes_what_needs_it() {
        let argv: Vec<String> = ["bash", "-lc", "echo 'hi' && ls"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(shell_join(&argv), r"bash -lc 'echo '\''hi'\'' && ls'");
    }
}
