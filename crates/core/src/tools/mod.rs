//! The tools offered to the model and the router that answers each call exactly once.

mod plan;
mod shell;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use codex_config::Config;
use codex_providers::ToolSpec;
use tokio_util::sync::CancellationToken;

use crate::events::EventSender;

/// What a tool call may use while it runs.
pub(crate) struct ToolContext {
    pub config: Arc<Config>,
    pub sub_id: String,
    pub events: EventSender,
    pub cancel: CancellationToken,
    /// Set once the user has been told that sandboxed commands cannot run yet.
    pub sandbox_warned: Arc<AtomicBool>,
}

/// The tools advertised to the model.
pub(crate) fn tool_specs() -> Vec<ToolSpec> {
    vec![shell::spec(), plan::spec()]
}

/// Answers one tool call; the returned text is the call's output for the model.
pub(crate) async fn dispatch(
    ctx: &ToolContext,
    name: &str,
    call_id: &str,
    arguments: &str,
) -> String {
    match name {
        "shell" | "container.exec" => shell::handle_shell(ctx, call_id, arguments).await,
        "shell_command" => shell::handle_shell_command(ctx, call_id, arguments).await,
        "update_plan" => plan::handle(ctx, arguments),
        other => format!("unsupported call: {other}"),
    }
}
