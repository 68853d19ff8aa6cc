//! `view_image`: the model looks at an image file on this machine.

use codex_protocol::{ContentItem, FunctionOutput};
use codex_providers::ToolSpec;
use serde::Deserialize;
use serde_json::json;

use super::ToolContext;
use crate::images::local_image_url;

pub(crate) fn spec() -> ToolSpec {
    ToolSpec::Function {
        name: "view_image".into(),
        description: "View a local image file from the filesystem when visual inspection is \
                      needed. Use this for images already available on disk."
            .into(),
        parameters: json!({
            "type": "object",
            "properties": {
                "path": {"type": "string", "description": "Local filesystem path to an image file."}
            },
            "required": ["path"],
            "additionalProperties": false
        }),
    }
}

#[derive(Deserialize)]
struct Args {
    path: std::path::PathBuf,
}

/// The image as the call's output (relative paths from the session's directory), or why not.
pub(crate) fn handle(ctx: &ToolContext, arguments: &str) -> FunctionOutput {
    let args: Args = match serde_json::from_str(arguments) {
        Ok(args) => args,
        Err(e) => return format!("failed to parse function arguments: {e}").into(),
    };
    let path = ctx.shared.config.cwd.join(&args.path);
    match local_image_url(&path) {
        Ok(image_url) => FunctionOutput::Content(vec![ContentItem::InputImage {
            image_url,
            detail: Some("high".into()),
        }]),
        Err(message) => message.into(),
    }
}
