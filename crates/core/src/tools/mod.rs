//! The tools offered to the model and the router that answers each call exactly once.

mod approval;
mod patch;
mod plan;
mod shell;
mod view_image;

use std::sync::Arc;

use codex_config::{Config, WireApi};
use codex_protocol::FunctionOutput;
use codex_providers::ToolSpec;
use tokio_util::sync::CancellationToken;

use crate::session::Shared;
pub(crate) use patch::TurnDiffTracker;

/// What a tool call may use while it runs.
pub(crate) struct ToolContext {
    pub shared: Arc<Shared>,
    pub sub_id: String,
    pub cancel: CancellationToken,
    /// The turn's file changes, for `TurnDiff` events.
    pub turn_diff: Arc<TurnDiffTracker>,
}

/// The tools advertised to the model: the freeform `apply_patch` where the wire and model take
/// it (Responses; GPT-5 and Codex models, or `features.apply_patch_freeform`), else the JSON one.
pub(crate) fn tool_specs(config: &Config) -> Vec<ToolSpec> {
    let model = config.model.to_ascii_lowercase();
    let freeform = config.model_provider.wire_api == WireApi::Responses
        && (config.feature_enabled("apply_patch_freeform")
            || model.starts_with("gpt-5")
            || model.contains("codex"));
    let apply_patch = if freeform {
        patch::freeform_spec()
    } else {
        patch::function_spec()
    };
    let mut specs = vec![shell::spec(), plan::spec(), apply_patch];
    if config.feature_enabled("view_image_tool") {
        specs.push(view_image::spec());
    }
    specs
}

/// Answers one function call; the returned text is the call's output for the model.
pub(crate) async fn dispatch(
    ctx: &ToolContext,
    name: &str,
    call_id: &str,
    arguments: &str,
) -> FunctionOutput {
    match name {
        "shell" | "container.exec" => shell::handle_shell(ctx, call_id, arguments).await.into(),
        "shell_command" => shell::handle_shell_command(ctx, call_id, arguments)
            .await
            .into(),
        "update_plan" => plan::handle(ctx, arguments).into(),
        "apply_patch" => patch::handle_function(ctx, call_id, arguments).await.into(),
        "view_image" if ctx.shared.config.feature_enabled("view_image_tool") => {
            view_image::handle(ctx, arguments)
        }
        other => format!("unsupported call: {other}").into(),
    }
}

/// Answers one freeform tool call.
pub(crate) async fn dispatch_custom(
    ctx: &ToolContext,
    name: &str,
    call_id: &str,
    input: &str,
) -> String {
    match name {
        "apply_patch" => patch::apply(ctx, call_id, input, None).await,
        other => format!("unsupported custom tool call: {other}"),
    }
}
