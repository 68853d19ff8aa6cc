//! `codex exec` for people: progress on stderr, the final message alone on stdout.

use std::io::Write;

use codex_protocol::{
    EventMsg, FileChange, McpStartupStatus, SecondOpinionEvent, SecondOpinionVerdict, StepStatus,
};

use super::shell_join;

/// Command output lines shown per command; the model and `--json` get all of it.
const SHOWN_OUTPUT_LINES: usize = 20;
/// Diff lines shown per changed file.
const SHOWN_DIFF_LINES: usize = 40;

fn added_lines(content: &str) -> String {
    content.lines().map(|l| format!("+{l}\n")).collect()
}

pub struct HumanOutput {
    color: bool,
    show_reasoning: bool,
    /// A line for the header about a live JGT broker account (see `Jgt::live_notice`).
    jgt_notice: Option<String>,
    /// What `deny_read` hides, and how (see `codex_sandbox::describe_deny_read`).
    deny_read: Option<String>,
}

struct Style(&'static str);

const BOLD: Style = Style("1");
const DIM: Style = Style("2");
const ITALIC: Style = Style("3");
const RED: Style = Style("31");
const GREEN: Style = Style("32");
const YELLOW: Style = Style("33");
const MAGENTA: Style = Style("35");
const CYAN: Style = Style("36");

impl HumanOutput {
    pub fn new(color: bool, show_reasoning: bool, jgt_notice: Option<String>) -> Self {
        HumanOutput {
            color,
            show_reasoning,
            jgt_notice,
            deny_read: None,
        }
    }

    /// Adds a `deny_read:` line to the header.
    pub fn with_deny_read(mut self, line: String) -> Self {
        self.deny_read = Some(line);
        self
    }

    fn paint(&self, style: &Style, text: &str) -> String {
        if self.color {
            format!("\x1b[{}m{text}\x1b[0m", style.0)
        } else {
            text.to_string()
        }
    }

    fn write_diff(&self, err: &mut impl Write, diff: &str) -> std::io::Result<()> {
        let lines: Vec<&str> = diff.lines().collect();
        for line in lines.iter().take(SHOWN_DIFF_LINES) {
            let styled = if line.starts_with("+++") || line.starts_with("---") {
                self.paint(&DIM, line)
            } else if line.starts_with('+') {
                self.paint(&GREEN, line)
            } else if line.starts_with('-') {
                self.paint(&RED, line)
            } else if line.starts_with("@@") {
                self.paint(&CYAN, line)
            } else {
                line.to_string()
            };
            writeln!(err, "    {styled}")?;
        }
        if lines.len() > SHOWN_DIFF_LINES {
            let more = format!("... +{} lines", lines.len() - SHOWN_DIFF_LINES);
            writeln!(err, "    {}", self.paint(&DIM, &more))?;
        }
        Ok(())
    }

    pub fn prompt(&self, prompt: &str) {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{}\n{}", self.paint(&CYAN, "user"), prompt.trim_end());
    }

    pub fn on_event(&mut self, msg: &EventMsg) {
        let mut err = std::io::stderr().lock();
        let _ = self.write_event(&mut err, msg);
    }

    fn write_event(&self, err: &mut impl Write, msg: &EventMsg) -> std::io::Result<()> {
        match msg {
            EventMsg::SessionConfigured(e) => {
                let rule = self.paint(&DIM, "--------");
                writeln!(
                    err,
                    "{} {}",
                    self.paint(&BOLD, "codex"),
                    env!("CARGO_PKG_VERSION")
                )?;
                writeln!(err, "{rule}")?;
                writeln!(err, "{} {}", self.paint(&BOLD, "workdir:"), e.cwd.display())?;
                writeln!(err, "{} {}", self.paint(&BOLD, "model:"), e.model)?;
                writeln!(
                    err,
                    "{} {}",
                    self.paint(&BOLD, "provider:"),
                    e.model_provider_id
                )?;
                writeln!(
                    err,
                    "{} {}",
                    self.paint(&BOLD, "approval:"),
                    e.approval_policy
                )?;
                let confinement = match e.sandbox_policy.mode() {
                    codex_protocol::SandboxMode::DangerFullAccess => String::new(),
                    _ => format!(" ({})", codex_sandbox::probe().describe()),
                };
                writeln!(
                    err,
                    "{} {}{confinement}",
                    self.paint(&BOLD, "sandbox:"),
                    e.sandbox_policy.mode()
                )?;
                if let Some(notice) = &self.jgt_notice {
                    writeln!(err, "{} {notice}", self.paint(&BOLD, "jgt:"))?;
                }
                if let Some(line) = &self.deny_read {
                    writeln!(err, "{} {line}", self.paint(&BOLD, "deny_read:"))?;
                }
                writeln!(err, "{} {}", self.paint(&BOLD, "session id:"), e.session_id)?;
                writeln!(err, "{rule}")?;
            }
            EventMsg::AgentReasoning { text } if self.show_reasoning => {
                writeln!(
                    err,
                    "{}",
                    self.paint(&ITALIC, &self.paint(&MAGENTA, "thinking"))
                )?;
                writeln!(err, "{}", self.paint(&ITALIC, text.trim_end()))?;
            }
            EventMsg::AgentMessage { message } => {
                writeln!(
                    err,
                    "{}\n{}",
                    self.paint(&MAGENTA, "codex"),
                    message.trim_end()
                )?;
            }
            EventMsg::ExecCommandBegin(e) => {
                writeln!(
                    err,
                    "{} {} in {}",
                    self.paint(&MAGENTA, "exec"),
                    self.paint(&BOLD, &shell_join(&e.command)),
                    e.cwd.display()
                )?;
            }
            EventMsg::ExecCommandEnd(e) => {
                let status = if e.exit_code == 0 {
                    self.paint(&GREEN, &format!("succeeded in {}ms:", e.duration_ms))
                } else if e.timed_out {
                    self.paint(&RED, &format!("timed out after {}ms:", e.duration_ms))
                } else {
                    self.paint(
                        &RED,
                        &format!("exited {} in {}ms:", e.exit_code, e.duration_ms),
                    )
                };
                writeln!(err, "{status}")?;
                let lines: Vec<&str> = e.aggregated_output.lines().collect();
                for line in lines.iter().take(SHOWN_OUTPUT_LINES) {
                    writeln!(err, "{}", self.paint(&DIM, line))?;
                }
                if lines.len() > SHOWN_OUTPUT_LINES {
                    let more = format!("... +{} lines", lines.len() - SHOWN_OUTPUT_LINES);
                    writeln!(err, "{}", self.paint(&DIM, &more))?;
                }
            }
            EventMsg::PlanUpdate(plan) => {
                writeln!(err, "{}", self.paint(&MAGENTA, "plan"))?;
                if let Some(explanation) = &plan.explanation {
                    writeln!(err, "{}", self.paint(&DIM, explanation))?;
                }
                for item in &plan.plan {
                    let mark = match item.status {
                        StepStatus::Completed => self.paint(&GREEN, "✓"),
                        StepStatus::InProgress => self.paint(&CYAN, "→"),
                        StepStatus::Pending => self.paint(&DIM, "·"),
                    };
                    writeln!(err, "  {mark} {}", item.step)?;
                }
            }
            EventMsg::PatchApplyBegin(e) => {
                writeln!(err, "{}", self.paint(&MAGENTA, "apply_patch"))?;
                for (path, change) in &e.changes {
                    let (mark, diff) = match change {
                        FileChange::Add { content } => ("A", added_lines(content)),
                        FileChange::Delete { .. } => ("D", String::new()),
                        FileChange::Update {
                            unified_diff,
                            move_path,
                        } => {
                            if let Some(dest) = move_path {
                                writeln!(err, "  R {} -> {}", path.display(), dest.display())?;
                            }
                            ("M", unified_diff.clone())
                        }
                    };
                    writeln!(err, "  {mark} {}", path.display())?;
                    self.write_diff(err, &diff)?;
                }
            }
            EventMsg::PatchApplyEnd(e) => {
                if e.success {
                    writeln!(err, "{}", self.paint(&GREEN, "patch applied"))?;
                } else {
                    writeln!(
                        err,
                        "{} {}",
                        self.paint(&RED, "patch failed:"),
                        e.stderr.trim_end()
                    )?;
                }
            }
            EventMsg::Warning { message } => {
                writeln!(err, "{} {message}", self.paint(&YELLOW, "warning:"))?;
            }
            EventMsg::SecondOpinion(e) => {
                let head = self.paint(&MAGENTA, &format!("second opinion ({})", e.model));
                let word = match (&e.error, e.verdict) {
                    (Some(_), _) => self.paint(&YELLOW, "warning:"),
                    (None, Some(SecondOpinionVerdict::Agree)) if e.concerns.is_empty() => {
                        self.paint(&GREEN, "agree")
                    }
                    (None, Some(SecondOpinionVerdict::Agree)) => self.paint(&YELLOW, "agree"),
                    (None, _) => self.paint(&YELLOW, "concerns"),
                };
                writeln!(err, "{head}\n{word}{}", second_opinion_details(e))?;
            }
            EventMsg::McpStartupUpdate(update) => {
                if let McpStartupStatus::Failed { error } = &update.status {
                    let message =
                        format!("MCP server `{}` failed to start: {error}", update.server);
                    writeln!(err, "{} {message}", self.paint(&YELLOW, "warning:"))?;
                }
            }
            EventMsg::McpToolCallBegin(e) => {
                let arguments = e
                    .invocation
                    .arguments
                    .as_ref()
                    .map(|a| a.to_string())
                    .unwrap_or_default();
                writeln!(
                    err,
                    "{} {}({arguments})",
                    self.paint(&MAGENTA, "tool"),
                    self.paint(
                        &BOLD,
                        &format!("{}.{}", e.invocation.server, e.invocation.tool)
                    ),
                )?;
            }
            EventMsg::McpToolCallEnd(e) => {
                let failed = match &e.result {
                    Ok(result) => result.get("isError").and_then(|v| v.as_bool()) == Some(true),
                    Err(_) => true,
                };
                let status = if failed {
                    self.paint(&RED, &format!("failed in {}ms:", e.duration_ms))
                } else {
                    self.paint(&GREEN, &format!("succeeded in {}ms:", e.duration_ms))
                };
                writeln!(err, "{status}")?;
                let text = match &e.result {
                    Ok(result) => result
                        .get("content")
                        .and_then(|c| c.as_array())
                        .map(|blocks| {
                            blocks
                                .iter()
                                .map(|b| match b.get("text").and_then(|t| t.as_str()) {
                                    Some(text) => text.to_string(),
                                    None => format!(
                                        "[{}]",
                                        b.get("type").and_then(|t| t.as_str()).unwrap_or("content")
                                    ),
                                })
                                .collect::<Vec<_>>()
                                .join("\n")
                        })
                        .unwrap_or_default(),
                    Err(message) => message.clone(),
                };
                let lines: Vec<&str> = text.lines().collect();
                for line in lines.iter().take(SHOWN_OUTPUT_LINES) {
                    writeln!(err, "{}", self.paint(&DIM, line))?;
                }
                if lines.len() > SHOWN_OUTPUT_LINES {
                    let more = format!("... +{} lines", lines.len() - SHOWN_OUTPUT_LINES);
                    writeln!(err, "{}", self.paint(&DIM, &more))?;
                }
            }
            EventMsg::StreamError { message } => {
                writeln!(err, "{} {message}", self.paint(&YELLOW, "stream error:"))?;
            }
            EventMsg::Error { message, .. } => {
                writeln!(err, "{} {message}", self.paint(&RED, "error:"))?;
            }
            EventMsg::ContextCompacted => {
                writeln!(
                    err,
                    "{}",
                    self.paint(
                        &DIM,
                        "context compacted: the conversation so far was summarised"
                    )
                )?;
            }
            EventMsg::TurnAborted { .. } => {
                writeln!(err, "{}", self.paint(&RED, "interrupted"))?;
            }
            _ => {}
        }
        Ok(())
    }
}

/// A second opinion after its verdict word: why the reviewer failed, or the concerns; in review
/// mode, also the findings both reviews made and the second review itself.
pub(crate) fn second_opinion_details(e: &SecondOpinionEvent) -> String {
    let mut text = String::new();
    if let Some(error) = &e.error {
        text.push_str(&format!(" the reviewer failed: {error}"));
        return text;
    }
    for c in &e.concerns {
        let place = match (&c.file, c.line) {
            (Some(file), Some(line)) => format!("{file}:{line}: "),
            (Some(file), None) => format!("{file}: "),
            _ => String::new(),
        };
        text.push_str(&format!("\n  - {place}{}", c.text));
    }
    if let Some(second) = &e.review {
        let both: Vec<&str> = second
            .agreed
            .iter()
            .filter_map(|[_, j]| second.review.findings.get(*j))
            .map(|f| f.title.trim())
            .collect();
        if !both.is_empty() {
            text.push_str("\nboth reviews found:");
            for title in both {
                text.push_str(&format!("\n  - {title}"));
            }
        }
        text.push_str("\nthe second review:");
        for line in second.review.render().lines() {
            text.push('\n');
            if !line.is_empty() {
                text.push_str("  ");
                text.push_str(line);
            }
        }
    }
    text
}
