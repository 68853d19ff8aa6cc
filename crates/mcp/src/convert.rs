//! A tool's result as the model reads it, the way the Codex CLI hands it over: how long the
//! call took, then the structured content as JSON when the tool gives one, otherwise each
//! content block — text as text, images as images, resources and links as short
//! descriptions.

use std::time::Duration;

use codex_process::prefix_within;

use codex_protocol::{ContentItem, FunctionOutput};
use serde_json::Value;

/// The most text of one result the model is given; a server can answer megabytes.
pub const MAX_TEXT_BYTES: usize = 64 * 1024;

/// `text` within what is left of the budget, saying how much was cut.
fn within_budget(text: &str, budget: &mut usize) -> String {
    if text.len() <= *budget {
        *budget -= text.len();
        return text.to_string();
    }
    let kept = prefix_within(text, *budget);
    *budget = 0;
    format!(
        "{kept}\n[… {} more bytes of this result were left out]",
        text.len() - kept.len()
    )
}

/// `result` is a `CallToolResult` as JSON. Answers whether it succeeded and what the model
/// sees.
pub fn output_for_model(result: &Value, wall: Duration) -> (bool, FunctionOutput) {
    let failed = result
        .get("isError")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let header = format!("Wall time: {:.4} seconds\nOutput:", wall.as_secs_f64());
    if let Some(structured) = result.get("structuredContent").filter(|v| !v.is_null()) {
        let mut budget = MAX_TEXT_BYTES;
        let structured = within_budget(&structured.to_string(), &mut budget);
        return (
            !failed,
            FunctionOutput::Text(format!("{header}\n{structured}")),
        );
    }
    let mut budget = MAX_TEXT_BYTES;
    let mut parts = vec![ContentItem::InputText { text: header }];
    let blocks = result.get("content").and_then(Value::as_array);
    for block in blocks.into_iter().flatten() {
        match content_block(block) {
            Some(ContentItem::InputText { text }) => parts.push(ContentItem::InputText {
                text: within_budget(&text, &mut budget),
            }),
            Some(part) => parts.push(part),
            None => {}
        }
    }
    (!failed, FunctionOutput::Content(parts))
}

fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

fn content_block(block: &Value) -> Option<ContentItem> {
    let text = |text: String| Some(ContentItem::InputText { text });
    match str_of(block, "type") {
        "text" => text(str_of(block, "text").to_string()),
        "image" => Some(ContentItem::InputImage {
            image_url: format!(
                "data:{};base64,{}",
                str_of(block, "mimeType"),
                str_of(block, "data")
            ),
            detail: None,
        }),
        "audio" => text(format!("[audio: {}]", str_of(block, "mimeType"))),
        "resource_link" => {
            let mut line = format!("[resource link] {}", str_of(block, "uri"));
            for key in ["name", "description", "mimeType"] {
                let value = str_of(block, key);
                if !value.is_empty() {
                    line.push_str(&format!("\n{key}: {value}"));
                }
            }
            text(line)
        }
        "resource" => {
            let resource = block.get("resource")?;
            let uri = str_of(resource, "uri");
            match resource.get("text").and_then(Value::as_str) {
                Some(body) => text(format!("[resource] {uri}\n{body}")),
                None => text(format!(
                    "[resource] {uri} ({}, binary, {} base64 characters)",
                    str_of(resource, "mimeType"),
                    str_of(resource, "blob").len()
                )),
            }
        }
        other => text(format!("[{other} content]")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_kind_of_block_reaches_the_model() {
        let result = json!({"content": [
            {"type": "text", "text": "Echo: hi"},
            {"type": "image", "data": "AAAA", "mimeType": "image/png"},
            {"type": "resource_link", "uri": "demo://1", "name": "one"},
            {"type": "resource", "resource": {"uri": "demo://2", "text": "body"}}
        ]});
        let (ok, output) = output_for_model(&result, Duration::from_millis(12));
        assert!(ok);
        let FunctionOutput::Content(parts) = output else {
            panic!("content expected");
        };
        assert_eq!(
            parts,
            vec![
                ContentItem::InputText {
                    text: "Wall time: 0.0120 seconds\nOutput:".into()
                },
                ContentItem::InputText {
                    text: "Echo: hi".into()
                },
                ContentItem::InputImage {
                    image_url: "data:image/png;base64,AAAA".into(),
                    detail: None
                },
                ContentItem::InputText {
                    text: "[resource link] demo://1\nname: one".into()
                },
                ContentItem::InputText {
                    text: "[resource] demo://2\nbody".into()
                },
            ]
        );
    }

    #[test]
    fn a_huge_result_is_cut_to_the_budget() {
        let big = "é".repeat(MAX_TEXT_BYTES);
        let result = json!({"content": [{"type": "text", "text": big},
            {"type": "text", "text": "after"}]});
        let (_, output) = output_for_model(&result, Duration::ZERO);
        let text = output.text();
        assert!(text.len() < MAX_TEXT_BYTES + 200, "{}", text.len());
        assert!(text.contains("more bytes of this result were left out"));
    }

    #[test]
    fn errors_fail_and_structured_content_is_given_as_json() {
        let (ok, _) = output_for_model(
            &json!({"isError": true, "content": [{"type": "text", "text": "boom"}]}),
            Duration::ZERO,
        );
        assert!(!ok);
        let result = json!({"structuredContent": {"t": 1},
            "content": [{"type": "text", "text": "{\"t\": 1}"}]});
        let (ok, output) = output_for_model(&result, Duration::ZERO);
        assert!(ok);
        assert_eq!(
            output,
            FunctionOutput::Text("Wall time: 0.0000 seconds\nOutput:\n{\"t\":1}".into())
        );
    }
}
