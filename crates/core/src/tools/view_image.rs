//! `view_image`: the model looks at an image file on this machine.

use codex_protocol::{ContentItem, FunctionOutput};
use codex_providers::ToolSpec;
use serde::Deserialize;
use serde_json::json;

use futures_util::future::BoxFuture;

use super::{ToolCall, ToolHandler, ToolOutput, parse_arguments};
use crate::images::local_image_url;

fn spec() -> ToolSpec {
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

/// `view_image`: the image file as the call's output (relative paths from the session's
/// directory), or why it cannot be shown.
pub(crate) struct ViewImageTool;

impl ToolHandler for ViewImageTool {
    fn spec(&self) -> ToolSpec {
        spec()
    }

    fn is_mutating(&self) -> bool {
        false
    }

    fn handle<'a>(&'a self, call: ToolCall<'a>) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            let args: Args = match parse_arguments(&call) {
                Ok(args) => args,
                Err(e) => return e,
            };
            let path = call.cwd().join(&args.path);
            if let Err(denied) = call.read_access().check(&path) {
                return ToolOutput::error(denied.to_string());
            }
            // Reading a file is blocking work: keep it off the async workers.
            let read = tokio::task::spawn_blocking(move || local_image_url(&path)).await;
            match read {
                Ok(Ok(image_url)) => ToolOutput {
                    success: true,
                    content: FunctionOutput::Content(vec![ContentItem::InputImage {
                        image_url,
                        detail: Some("high".into()),
                    }]),
                },
                Ok(Err(message)) => ToolOutput::error(message),
                Err(e) => ToolOutput::error(format!("cannot read the image: {e}")),
            }
        })
    }
}
