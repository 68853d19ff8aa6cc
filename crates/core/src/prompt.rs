//! What the model is told: base instructions and the environment context.

use std::path::Path;

use codex_protocol::{AskForApproval, ResponseItem, SandboxPolicy};

pub const BASE_INSTRUCTIONS: &str = include_str!("base_instructions.md");

/// The `<environment_context>` block sent as a user message at the start of a session.
pub fn environment_context(
    cwd: &Path,
    approval: AskForApproval,
    sandbox: &SandboxPolicy,
    shell: &str,
) -> ResponseItem {
    let network = if sandbox.has_full_network_access() {
        "enabled"
    } else {
        "restricted"
    };
    let mut text = String::from("<environment_context>\n");
    text.push_str(&format!("  <cwd>{}</cwd>\n", cwd.display()));
    text.push_str(&format!(
        "  <approval_policy>{approval}</approval_policy>\n"
    ));
    text.push_str(&format!(
        "  <sandbox_mode>{}</sandbox_mode>\n",
        sandbox.mode()
    ));
    text.push_str(&format!("  <network_access>{network}</network_access>\n"));
    if let SandboxPolicy::WorkspaceWrite { writable_roots, .. } = sandbox
        && !writable_roots.is_empty()
    {
        text.push_str("  <writable_roots>\n");
        for root in writable_roots {
            text.push_str(&format!("    <root>{}</root>\n", root.display()));
        }
        text.push_str("  </writable_roots>\n");
    }
    text.push_str(&format!("  <shell>{shell}</shell>\n"));
    text.push_str("</environment_context>");
    ResponseItem::user_text(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_names_every_setting() {
        let item = environment_context(
            Path::new("/w"),
            AskForApproval::Never,
            &SandboxPolicy::DangerFullAccess,
            "zsh",
        );
        let text = item.message_text().unwrap();
        assert!(text.contains("<cwd>/w</cwd>"));
        assert!(text.contains("<approval_policy>never</approval_policy>"));
        assert!(text.contains("<sandbox_mode>danger-full-access</sandbox_mode>"));
        assert!(text.contains("<network_access>enabled</network_access>"));
        assert!(text.contains("<shell>zsh</shell>"));
    }
}
