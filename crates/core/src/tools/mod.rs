//! Tools: each one is a [`ToolHandler`] — its spec and its behaviour together — registered in
//! the session's [`ToolRegistry`]. The turn loop asks the registry; nothing else matches on
//! tool names. Tools that act on the world go through one orchestration step
//! ([`orchestrator`]): decide, ask, run (sandboxed or not), and retry outside the sandbox when
//! it stood in the way and the policy allows.

mod grep_files;
mod list_dir;
mod mcp;
mod mcp_resources;
mod orchestrator;
mod patch;
mod plan;
mod read_file;
pub(crate) mod shell;
mod view_image;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use codex_config::{Config, PatchToolForm, ShellToolForm, WireApi};
use codex_protocol::{FunctionOutput, ResponseItem};
use codex_providers::ToolSpec;
use codex_sandbox::ReadAccess;
use futures_util::future::BoxFuture;
use tokio_util::sync::CancellationToken;

use crate::state::Session;
pub(crate) use patch::TurnDiffTracker;

/// A tool the model can call: what it is offered as, and what a call does.
pub trait ToolHandler: Send + Sync {
    /// The tool as offered to the model. Its name is the name calls arrive under.
    fn spec(&self) -> ToolSpec;

    /// Whether a call can change files or anything outside the conversation. Read-only tools
    /// never need an approval.
    fn is_mutating(&self) -> bool {
        true
    }

    /// Answers one call. Every call gets exactly one output; a failure is an output with
    /// `success: false` that tells the model what went wrong.
    fn handle<'a>(&'a self, call: ToolCall<'a>) -> BoxFuture<'a, ToolOutput>;
}

/// How a call arrived: JSON arguments for a function tool, raw text for a freeform one.
#[derive(Debug, Clone, Copy)]
pub enum ToolInput<'a> {
    Function { arguments: &'a str },
    Freeform { input: &'a str },
}

impl ToolInput<'_> {
    fn text(&self) -> &str {
        match self {
            ToolInput::Function { arguments } => arguments,
            ToolInput::Freeform { input } => input,
        }
    }
}

/// One call of a tool, with what it may use while it runs.
pub struct ToolCall<'a> {
    pub call_id: &'a str,
    pub input: ToolInput<'a>,
    pub(crate) turn: &'a TurnContext,
}

impl ToolCall<'_> {
    /// Fires when the turn is interrupted: a long-running tool should stop.
    pub fn cancellation(&self) -> &CancellationToken {
        &self.turn.cancel
    }

    /// The session's working directory.
    pub fn cwd(&self) -> &Path {
        &self.turn.session.config.cwd
    }

    /// What a tool reading files in-process may open: every path it opens goes through this.
    pub fn read_access(&self) -> &ReadAccess {
        &self.turn.session.read_access
    }

    /// The call's input as text: the JSON arguments, or the freeform input.
    pub fn raw_input(&self) -> &str {
        self.input.text()
    }
}

/// What a call answers the model.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutput {
    pub success: bool,
    pub content: FunctionOutput,
}

impl ToolOutput {
    pub fn text(text: impl Into<String>) -> Self {
        ToolOutput {
            success: true,
            content: FunctionOutput::Text(text.into()),
        }
    }

    pub fn error(text: impl Into<String>) -> Self {
        ToolOutput {
            success: false,
            content: FunctionOutput::Text(text.into()),
        }
    }
}

/// What the tools of one turn share.
pub(crate) struct TurnContext {
    pub session: Arc<Session>,
    pub sub_id: String,
    pub cancel: CancellationToken,
    /// The turn's file changes, for `TurnDiff` events.
    pub turn_diff: Arc<TurnDiffTracker>,
}

#[derive(Debug, thiserror::Error)]
#[error("a tool named `{0}` is already registered")]
pub struct DuplicateTool(pub String);

struct Entry {
    handler: Arc<dyn ToolHandler>,
    /// Offered to the model; other entries only answer calls under older names.
    offered: bool,
}

/// The tools of a session, by name.
#[derive(Default)]
pub struct ToolRegistry {
    entries: HashMap<String, Entry>,
    /// Names in registration order, so the model sees a stable list.
    order: Vec<String>,
    /// The session's MCP servers' tools, which come and go as servers start.
    mcp: Option<mcp::McpTools>,
}

impl ToolRegistry {
    /// Adds a tool offered to the model.
    pub fn register(&mut self, handler: Arc<dyn ToolHandler>) -> Result<(), DuplicateTool> {
        let name = handler.spec().name().to_string();
        self.insert(name, handler, true)
    }

    /// Adds a handler for calls under `name` that is not offered (older tool names).
    fn alias(&mut self, name: &str, handler: Arc<dyn ToolHandler>) -> Result<(), DuplicateTool> {
        self.insert(name.to_string(), handler, false)
    }

    fn insert(
        &mut self,
        name: String,
        handler: Arc<dyn ToolHandler>,
        offered: bool,
    ) -> Result<(), DuplicateTool> {
        if self.entries.contains_key(&name) {
            return Err(DuplicateTool(name));
        }
        self.order.push(name.clone());
        self.entries.insert(name, Entry { handler, offered });
        Ok(())
    }

    /// Adds the session's MCP servers: their tools (as each server becomes ready) and the
    /// resource tools. `namespaced`: offer each server as one `namespace` tool.
    pub(crate) fn attach_mcp(
        &mut self,
        manager: Arc<codex_mcp::McpManager>,
        namespaced: bool,
    ) -> Result<(), DuplicateTool> {
        for tool in mcp_resources::resource_tools(&manager) {
            self.register(tool)?;
        }
        self.mcp = Some(mcp::McpTools {
            manager,
            namespaced,
        });
        Ok(())
    }

    /// The session's MCP servers as they are now.
    pub(crate) fn mcp_statuses(&self) -> Vec<codex_protocol::McpServerStatus> {
        self.mcp
            .as_ref()
            .map(|mcp| mcp.manager.statuses())
            .unwrap_or_default()
    }

    /// Why a server marked `required` is not available (waiting for those still starting), or
    /// `None` when all of them are.
    pub(crate) async fn required_mcp_failure(&self) -> Option<String> {
        let mcp = self.mcp.as_ref()?;
        mcp.manager.required_failure().await
    }

    /// The specs offered to the model: the registered tools in registration order, then the
    /// tools of the MCP servers ready now.
    pub fn specs(&self) -> Vec<ToolSpec> {
        let mut specs: Vec<ToolSpec> = self
            .order
            .iter()
            .filter_map(|n| self.entries.get(n))
            .filter(|e| e.offered)
            .map(|e| e.handler.spec())
            .collect();
        if let Some(mcp) = &self.mcp {
            specs.extend(mcp.specs());
        }
        specs
    }

    /// Answers one call of the model with exactly one output item: the handler's, or an error
    /// for a tool that does not exist.
    pub(crate) async fn dispatch(
        &self,
        turn: &TurnContext,
        name: &str,
        namespace: Option<&str>,
        call_id: &str,
        input: ToolInput<'_>,
    ) -> ResponseItem {
        let mcp_server = self
            .mcp
            .as_ref()
            .and_then(|mcp| Some((mcp, mcp.server_for(name, namespace)?)));
        let output = match (self.entries.get(name), mcp_server) {
            (Some(entry), _) if namespace.is_none() => {
                let call = ToolCall {
                    call_id,
                    input,
                    turn,
                };
                entry.handler.handle(call).await
            }
            (_, Some((mcp, server))) => {
                mcp.call(turn, call_id, &server, name, namespace, input.text())
                    .await
            }
            _ => ToolOutput::error(format!(
                "unsupported call: {}{name}",
                namespace.map(|n| format!("{n}.")).unwrap_or_default()
            )),
        };
        // The one way a tool's output reaches the history, the rollout and the model.
        let output = ToolOutput {
            content: crate::redaction::redact_output(&turn.session.redactor, output.content),
            ..output
        };
        let call_id = call_id.to_string();
        match input {
            ToolInput::Function { .. } => ResponseItem::FunctionCallOutput {
                call_id,
                output: output.content,
            },
            ToolInput::Freeform { .. } => ResponseItem::CustomToolCallOutput {
                call_id,
                output: output.content.text(),
            },
        }
    }
}

/// Every name a built-in tool may be registered under, offered or not, whatever the model:
/// a front-end's own tools must use other names.
pub const BUILT_IN_TOOL_NAMES: &[&str] = &[
    "shell",
    "shell_command",
    "container.exec",
    "update_plan",
    "apply_patch",
    "grep_files",
    "read_file",
    "list_dir",
    "view_image",
    "list_mcp_resources",
    "list_mcp_resource_templates",
    "read_mcp_resource",
];

/// The built-in tools for this session's model and wire, then `extra` (tools given by the
/// front-end: JavaScript tools, tests).
pub(crate) fn build_registry(
    config: &Config,
    extra: &[Arc<dyn ToolHandler>],
) -> Result<ToolRegistry, DuplicateTool> {
    let family = &config.model_family;
    let mut registry = ToolRegistry::default();
    // Both shell forms answer calls whatever the model is offered, so older prompts work.
    let argv: Arc<dyn ToolHandler> = Arc::new(shell::ShellTool);
    let script: Arc<dyn ToolHandler> = Arc::new(shell::ShellCommandTool);
    match family.shell_tool {
        ShellToolForm::Argv => {
            registry.register(argv.clone())?;
            registry.alias("shell_command", script)?;
        }
        ShellToolForm::Script => {
            registry.register(script)?;
            registry.alias("shell", argv.clone())?;
        }
    }
    registry.alias("container.exec", argv)?;
    registry.register(Arc::new(plan::PlanTool))?;
    // Freeform tools exist only on the Responses wire.
    let freeform = family.patch_tool == PatchToolForm::Freeform
        && config.model_provider.wire_api == WireApi::Responses;
    registry.register(Arc::new(patch::PatchTool { freeform }))?;
    // The Codex CLI's beta file tools, in its order: as the family offers them, or as
    // `[features]` says.
    let file_tools: [(&str, Arc<dyn ToolHandler>); 3] = [
        ("grep_files", Arc::new(grep_files::GrepFilesTool)),
        ("read_file", Arc::new(read_file::ReadFileTool)),
        ("list_dir", Arc::new(list_dir::ListDirTool)),
    ];
    for (feature, tool) in file_tools {
        if config.experimental_tool_enabled(feature) {
            registry.register(tool)?;
        }
    }
    if config.feature_enabled("view_image_tool") {
        registry.register(Arc::new(view_image::ViewImageTool))?;
    }
    for tool in extra {
        registry.register(tool.clone())?;
    }
    Ok(registry)
}

/// Parses a function call's JSON arguments, or says what is wrong with them.
pub(crate) fn parse_arguments<T: serde::de::DeserializeOwned>(
    call: &ToolCall<'_>,
) -> Result<T, ToolOutput> {
    serde_json::from_str(call.raw_input())
        .map_err(|e| ToolOutput::error(format!("failed to parse function arguments: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use codex_config::{LoadOptions, load};

    fn config(overrides: &[&str]) -> Config {
        let dir = tempfile::tempdir().unwrap();
        load(LoadOptions {
            codex_home: Some(dir.path().to_path_buf()),
            cwd: Some(dir.path().to_path_buf()),
            cli_overrides: overrides.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        })
        .unwrap()
        .config
    }

    fn offered(registry: &ToolRegistry) -> Vec<(String, bool)> {
        registry
            .specs()
            .iter()
            .map(|s| match s {
                ToolSpec::Function { name, .. } => (name.clone(), false),
                ToolSpec::Freeform { name, .. } => (name.clone(), true),
                ToolSpec::Namespace { name, .. } => (name.clone(), false),
            })
            .collect()
    }

    #[test]
    fn every_built_in_name_is_listed() {
        let configs = [
            config(&["model=gpt-5.1-codex-max"]),
            config(&["model=gpt-4.1"]),
            config(&["model=test-gpt-5-codex"]),
        ];
        for config in &configs {
            let registry = build_registry(config, &[]).unwrap();
            for name in registry.entries.keys() {
                assert!(BUILT_IN_TOOL_NAMES.contains(&name.as_str()), "{name}");
            }
        }
    }

    #[test]
    fn the_family_and_wire_choose_the_offered_forms() {
        let gpt5 = build_registry(&config(&["model=gpt-5.1-codex-max"]), &[]).unwrap();
        let names = offered(&gpt5);
        assert_eq!(
            names,
            [
                ("shell_command".to_string(), false),
                ("update_plan".to_string(), false),
                ("apply_patch".to_string(), true),
                ("view_image".to_string(), false),
            ]
        );
        // Older names still answer, but are not offered.
        assert!(gpt5.entries.contains_key("shell"));
        assert!(gpt5.entries.contains_key("container.exec"));
        // No freeform tools on the Chat wire.
        let chat = build_registry(
            &config(&["model=gpt-5.1-codex-max", "model_provider=ollama"]),
            &[],
        )
        .unwrap();
        assert!(offered(&chat).contains(&("apply_patch".to_string(), false)));
        let gpt4 = build_registry(&config(&["model=gpt-4.1"]), &[]).unwrap();
        assert_eq!(offered(&gpt4)[0], ("shell".to_string(), false));
        assert!(offered(&gpt4).contains(&("apply_patch".to_string(), false)));
        let no_images = build_registry(&config(&["features.view_image_tool=false"]), &[]).unwrap();
        assert!(!offered(&no_images).iter().any(|(n, _)| n == "view_image"));
    }

    #[test]
    fn the_file_tools_go_to_the_families_that_get_them_or_as_features_say() {
        let names = |overrides: &[&str]| -> Vec<String> {
            offered(&build_registry(&config(overrides), &[]).unwrap())
                .into_iter()
                .map(|(n, _)| n)
                .collect()
        };
        assert_eq!(
            names(&["model=test-gpt-5-codex"]),
            [
                "shell_command",
                "update_plan",
                "apply_patch",
                "grep_files",
                "read_file",
                "list_dir",
                "view_image"
            ]
        );
        assert!(names(&["model=codex-exp-1"]).contains(&"grep_files".to_string()));
        let plain = names(&["model=gpt-5.1-codex-max"]);
        assert!(
            !plain
                .iter()
                .any(|n| ["grep_files", "read_file", "list_dir"].contains(&n.as_str()))
        );
        assert_eq!(
            names(&["model=gpt-4.1", "features.read_file=true"])
                .iter()
                .filter(|n| ["grep_files", "read_file", "list_dir"].contains(&n.as_str()))
                .collect::<Vec<_>>(),
            ["read_file"]
        );
        let without_grep = names(&["model=test-gpt-5", "features.grep_files=false"]);
        assert!(!without_grep.contains(&"grep_files".to_string()));
        assert!(without_grep.contains(&"list_dir".to_string()));
        // The specs are the Codex CLI's: names, required arguments, no extra properties.
        let registry = build_registry(&config(&["model=test-gpt-5"]), &[]).unwrap();
        for spec in registry.specs() {
            let ToolSpec::Function {
                name, parameters, ..
            } = spec
            else {
                continue;
            };
            let required = match name.as_str() {
                "grep_files" => "pattern",
                "read_file" => "file_path",
                "list_dir" => "dir_path",
                _ => continue,
            };
            assert_eq!(
                parameters["required"],
                serde_json::json!([required]),
                "{name}"
            );
            assert_eq!(parameters["additionalProperties"], false, "{name}");
        }
    }
}
