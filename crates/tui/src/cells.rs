//! The transcript, one cell per thing that happened: the user's message, the agent's answer
//! (markdown), its reasoning, each command with its output and status, each patch as a diff, a
//! plan as a checklist, errors and notices. A cell turns into lines for a given width; a
//! finished cell is written once into the terminal's scrollback and not kept.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use codex_protocol::{FileChange, PlanItem, StepStatus};
use ratatui::text::{Line, Span};

use crate::markdown::{MarkdownStyle, render_markdown};
use crate::theme::Theme;

/// Output lines of a finished command shown in the transcript (head and tail).
const SHOWN_OUTPUT_LINES: usize = 5;
/// Output lines of a running command shown while it runs (its tail).
const LIVE_OUTPUT_LINES: usize = 5;
/// Diff lines of one file shown in the transcript; the rest is counted.
const SHOWN_DIFF_LINES: usize = 400;

#[derive(Debug, Clone)]
pub enum Cell {
    /// The session's settings, first in the transcript.
    Header {
        version: String,
        model: String,
        cwd: PathBuf,
        approval: String,
        sandbox: String,
    },
    User {
        text: String,
    },
    Agent {
        text: String,
    },
    Reasoning {
        text: String,
    },
    Exec(ExecCell),
    Patch {
        changes: BTreeMap<PathBuf, FileChange>,
        outcome: PatchOutcome,
        cwd: PathBuf,
    },
    Plan {
        explanation: Option<String>,
        steps: Vec<PlanItem>,
    },
    Error {
        message: String,
    },
    Warning {
        message: String,
    },
    /// A notice of the UI itself (the answer to a slash command, "interrupted", …).
    Info {
        lines: Vec<Line<'static>>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum PatchOutcome {
    Applying,
    Applied,
    Failed(String),
    /// The user declined it.
    Declined,
}

/// A command the agent runs (or the user's `!command`).
#[derive(Debug, Clone)]
pub struct ExecCell {
    pub call_id: String,
    /// The command line as shown: the script alone for `bash -lc SCRIPT`.
    pub display: String,
    pub output: String,
    pub exit_code: Option<i32>,
    pub duration: Option<Duration>,
    pub timed_out: bool,
}

impl ExecCell {
    pub fn new(call_id: String, command: &[String]) -> Self {
        ExecCell {
            call_id,
            display: display_command(command),
            output: String::new(),
            exit_code: None,
            duration: None,
            timed_out: false,
        }
    }
}

/// `bash -lc SCRIPT` (any shell, `-c` or `-lc`) as its script; anything else shell-quoted.
pub fn display_command(command: &[String]) -> String {
    if let [shell, flag, script] = command {
        let name = Path::new(shell)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let is_shell = matches!(
            name.as_str(),
            "bash" | "sh" | "zsh" | "dash" | "ksh" | "fish"
        );
        if is_shell && (flag == "-lc" || flag == "-c") {
            return script.clone();
        }
    }
    codex_thread_events::shell_join(command)
}

impl Cell {
    /// The cell's lines at `width` columns. Long lines are left to the caller to wrap (a
    /// `Paragraph` with `Wrap`), except markdown, which wraps itself.
    pub fn lines(&self, width: u16, theme: &Theme) -> Vec<Line<'static>> {
        match self {
            Cell::Header {
                version,
                model,
                cwd,
                approval,
                sandbox,
            } => header_lines(version, model, cwd, approval, sandbox, theme),
            Cell::User { text } => {
                let mut out = Vec::new();
                for (i, line) in text.lines().enumerate() {
                    let prefix = if i == 0 { "› " } else { "  " };
                    out.push(Line::from(vec![
                        Span::styled(prefix, theme.dim()),
                        Span::styled(line.to_string(), theme.user()),
                    ]));
                }
                if out.is_empty() {
                    out.push(Line::from(Span::styled("› ", theme.dim())));
                }
                out
            }
            Cell::Agent { text } => agent_lines(text, width, theme),
            Cell::Reasoning { text } => text
                .lines()
                .map(|l| Line::from(Span::styled(format!("  {l}"), theme.italic_dim())))
                .collect(),
            Cell::Exec(exec) => exec_lines(exec, theme, false),
            Cell::Patch {
                changes,
                outcome,
                cwd,
            } => patch_lines(changes, outcome, cwd, theme),
            Cell::Plan { explanation, steps } => plan_lines(explanation.as_deref(), steps, theme),
            Cell::Error { message } => prefixed("■ ", message, theme.failure()),
            Cell::Warning { message } => prefixed("⚠ ", message, theme.warning()),
            Cell::Info { lines } => lines.clone(),
        }
    }

    /// Lines of a cell still changing (a running command, a streaming answer), shown in the
    /// live area below the transcript.
    pub fn live_lines(&self, width: u16, theme: &Theme) -> Vec<Line<'static>> {
        match self {
            Cell::Exec(exec) => exec_lines(exec, theme, true),
            other => other.lines(width, theme),
        }
    }
}

fn prefixed(prefix: &str, message: &str, style: ratatui::style::Style) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for (i, line) in message.lines().enumerate() {
        let p = if i == 0 { prefix } else { "  " };
        out.push(Line::from(Span::styled(format!("{p}{line}"), style)));
    }
    if out.is_empty() {
        out.push(Line::from(Span::styled(prefix.to_string(), style)));
    }
    out
}

fn header_lines(
    version: &str,
    model: &str,
    cwd: &Path,
    approval: &str,
    sandbox: &str,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let rows = [
        ("model:", model.to_string()),
        ("directory:", tilde(cwd)),
        ("approval:", approval.to_string()),
        ("sandbox:", sandbox.to_string()),
    ];
    let mut out = vec![Line::from(vec![
        Span::styled(">_ ", theme.dim()),
        Span::styled("Codex", theme.bold()),
        Span::styled(format!(" (v{version})"), theme.dim()),
    ])];
    for (label, value) in rows {
        out.push(Line::from(vec![
            Span::styled(format!("   {label:<11}"), theme.dim()),
            Span::raw(value),
        ]));
    }
    out.push(Line::from(Span::styled(
        "   Type a message, / for commands, @ to mention a file, ! to run a command.",
        theme.dim(),
    )));
    out
}

/// A path under the home directory as `~/…`.
pub fn tilde(path: &Path) -> String {
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from)
        && let Ok(rest) = path.strip_prefix(&home)
    {
        if rest.as_os_str().is_empty() {
            return "~".into();
        }
        return format!("~/{}", rest.display());
    }
    path.display().to_string()
}

fn agent_lines(text: &str, width: u16, theme: &Theme) -> Vec<Line<'static>> {
    let inner = width.saturating_sub(2).max(1);
    let rendered = render_markdown(
        text.trim_end(),
        inner,
        &MarkdownStyle { color: theme.color },
    );
    rendered
        .into_iter()
        .enumerate()
        .map(|(i, line)| {
            let prefix = if i == 0 {
                Span::styled("• ", theme.accent())
            } else {
                Span::raw("  ")
            };
            let mut spans = vec![prefix];
            spans.extend(line.spans);
            Line::from(spans).style(line.style)
        })
        .collect()
}

fn exec_lines(exec: &ExecCell, theme: &Theme, live: bool) -> Vec<Line<'static>> {
    let verb = match exec.exit_code {
        None => "Running",
        Some(_) => "Ran",
    };
    let bullet_style = match exec.exit_code {
        None => theme.dim(),
        Some(0) => theme.success(),
        Some(_) => theme.failure(),
    };
    let mut out = Vec::new();
    for (i, line) in exec.display.lines().enumerate() {
        let spans = if i == 0 {
            vec![
                Span::styled("• ", bullet_style),
                Span::styled(format!("{verb} "), theme.bold()),
                Span::styled(line.to_string(), theme.command()),
            ]
        } else {
            vec![
                Span::raw("  │ "),
                Span::styled(line.to_string(), theme.command()),
            ]
        };
        out.push(Line::from(spans));
    }
    let output: Vec<&str> = exec.output.lines().collect();
    let shown: Vec<String> = if live {
        let start = output.len().saturating_sub(LIVE_OUTPUT_LINES);
        output[start..].iter().map(|l| l.to_string()).collect()
    } else if output.len() > SHOWN_OUTPUT_LINES * 2 {
        let mut v: Vec<String> = output[..SHOWN_OUTPUT_LINES]
            .iter()
            .map(|l| l.to_string())
            .collect();
        v.push(format!(
            "… +{} lines",
            output.len() - SHOWN_OUTPUT_LINES * 2
        ));
        v.extend(
            output[output.len() - SHOWN_OUTPUT_LINES..]
                .iter()
                .map(|l| l.to_string()),
        );
        v
    } else {
        output.iter().map(|l| l.to_string()).collect()
    };
    for (i, line) in shown.iter().enumerate() {
        let gutter = if i == 0 { "  └ " } else { "    " };
        out.push(Line::from(vec![
            Span::styled(gutter, theme.dim()),
            Span::styled(strip_controls(line), theme.dim()),
        ]));
    }
    if let Some(code) = exec.exit_code {
        let took = exec
            .duration
            .map(|d| format!(" · {}", human_duration(d)))
            .unwrap_or_default();
        if exec.timed_out {
            out.push(Line::from(Span::styled(
                format!("  └ timed out{took}"),
                theme.failure(),
            )));
        } else if code != 0 {
            out.push(Line::from(Span::styled(
                format!("  └ exit {code}{took}"),
                theme.failure(),
            )));
        } else if shown.is_empty() {
            out.push(Line::from(Span::styled(
                format!("  └ (no output){took}"),
                theme.dim(),
            )));
        }
    }
    out
}

/// Terminal control characters in command output would move the cursor or change modes of
/// the real terminal: tabs become spaces, other controls are dropped.
pub fn strip_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\t' => out.push_str("    "),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

pub fn human_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        format!("{:.1}s", d.as_secs_f64())
    } else {
        format!("{}m {:02}s", ms / 60_000, (ms / 1000) % 60)
    }
}

fn relative(path: &Path, cwd: &Path) -> String {
    path.strip_prefix(cwd)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path.display().to_string())
}

/// Counts of added and removed lines in a change.
pub fn change_counts(change: &FileChange) -> (usize, usize) {
    match change {
        FileChange::Add { content } => (content.lines().count(), 0),
        FileChange::Delete { content } => (0, content.lines().count()),
        FileChange::Update { unified_diff, .. } => {
            let mut added = 0;
            let mut removed = 0;
            for line in unified_diff.lines() {
                if line.starts_with("+++") || line.starts_with("---") {
                    continue;
                }
                if line.starts_with('+') {
                    added += 1;
                } else if line.starts_with('-') {
                    removed += 1;
                }
            }
            (added, removed)
        }
    }
}

/// A patch as a coloured diff per file, under a summary line.
pub fn patch_lines(
    changes: &BTreeMap<PathBuf, FileChange>,
    outcome: &PatchOutcome,
    cwd: &Path,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let (verb, style) = match outcome {
        PatchOutcome::Applying => ("Editing", theme.dim()),
        PatchOutcome::Applied => ("Edited", theme.success()),
        PatchOutcome::Failed(_) => ("Failed to edit", theme.failure()),
        PatchOutcome::Declined => ("Declined edit of", theme.warning()),
    };
    let mut out = Vec::new();
    let (total_add, total_del) = changes
        .values()
        .map(change_counts)
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let title = if changes.len() == 1 {
        changes
            .keys()
            .next()
            .map(|p| relative(p, cwd))
            .unwrap_or_default()
    } else {
        format!("{} files", changes.len())
    };
    out.push(Line::from(vec![
        Span::styled("• ", style),
        Span::styled(format!("{verb} "), theme.bold()),
        Span::raw(title),
        Span::raw(" ("),
        Span::styled(format!("+{total_add}"), theme.added()),
        Span::raw(" "),
        Span::styled(format!("-{total_del}"), theme.removed()),
        Span::raw(")"),
    ]));
    for (path, change) in changes {
        if changes.len() > 1 {
            let (a, d) = change_counts(change);
            out.push(Line::from(vec![
                Span::raw("  └ "),
                Span::raw(relative(path, cwd)),
                Span::styled(format!(" (+{a} -{d})"), theme.dim()),
            ]));
        }
        out.extend(diff_lines(change, cwd, theme));
    }
    if let PatchOutcome::Failed(message) = outcome {
        for line in message.lines() {
            out.push(Line::from(Span::styled(
                format!("    {line}"),
                theme.failure(),
            )));
        }
    }
    out
}

fn diff_lines(change: &FileChange, cwd: &Path, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let mut push = |text: String, style| out.push(Line::from(Span::styled(text, style)));
    match change {
        FileChange::Add { content } => {
            for line in content.lines() {
                push(format!("    +{}", strip_controls(line)), theme.added());
            }
        }
        FileChange::Delete { content } => {
            for line in content.lines() {
                push(format!("    -{}", strip_controls(line)), theme.removed());
            }
        }
        FileChange::Update {
            unified_diff,
            move_path,
        } => {
            if let Some(to) = move_path {
                push(format!("    → {}", relative(to, cwd)), theme.dim());
            }
            for line in unified_diff.lines() {
                if line.starts_with("+++") || line.starts_with("---") {
                    continue;
                }
                let style = if line.starts_with('+') {
                    theme.added()
                } else if line.starts_with('-') {
                    theme.removed()
                } else if line.starts_with("@@") {
                    theme.hunk()
                } else {
                    theme.dim()
                };
                push(format!("    {}", strip_controls(line)), style);
            }
        }
    }
    if out.len() > SHOWN_DIFF_LINES {
        let more = out.len() - SHOWN_DIFF_LINES;
        out.truncate(SHOWN_DIFF_LINES);
        out.push(Line::from(Span::styled(
            format!("    … +{more} lines"),
            theme.dim(),
        )));
    }
    out
}

fn plan_lines(explanation: Option<&str>, steps: &[PlanItem], theme: &Theme) -> Vec<Line<'static>> {
    let mut out = vec![Line::from(vec![
        Span::styled("• ", theme.accent()),
        Span::styled("Updated Plan", theme.bold()),
    ])];
    if let Some(text) = explanation.filter(|t| !t.trim().is_empty()) {
        for line in text.lines() {
            out.push(Line::from(Span::styled(
                format!("  {line}"),
                theme.italic_dim(),
            )));
        }
    }
    for (i, item) in steps.iter().enumerate() {
        let gutter = if i == 0 { "  └ " } else { "    " };
        let (mark, style) = match item.status {
            StepStatus::Completed => (
                "✔ ",
                theme
                    .success()
                    .add_modifier(ratatui::style::Modifier::CROSSED_OUT),
            ),
            StepStatus::InProgress => ("□ ", theme.command()),
            StepStatus::Pending => ("□ ", theme.dim()),
        };
        out.push(Line::from(vec![
            Span::styled(gutter, theme.dim()),
            Span::styled(mark, style),
            Span::styled(item.step.clone(), style),
        ]));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn shell_scripts_show_as_the_script() {
        let argv = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            display_command(&argv(&["/bin/bash", "-lc", "ls -la"])),
            "ls -la"
        );
        assert_eq!(display_command(&argv(&["zsh", "-c", "echo hi"])), "echo hi");
        assert_eq!(
            display_command(&argv(&["rg", "-n", "two words"])),
            "rg -n 'two words'"
        );
    }

    #[test]
    fn controls_in_output_cannot_reach_the_terminal() {
        assert_eq!(strip_controls("a\x1b[2Jb\tc\r"), "a[2Jb    c");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(Duration::from_millis(12)), "12ms");
        assert_eq!(human_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(human_duration(Duration::from_secs(125)), "2m 05s");
    }
}

#[cfg(test)]
pub(crate) mod snapshots {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::BTreeMap;
    use std::path::PathBuf;
    use std::time::Duration;

    use codex_protocol::{FileChange, PlanItem, StepStatus};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::widgets::{Paragraph, Wrap};

    use super::{Cell, ExecCell, PatchOutcome};
    use crate::theme::Theme;

    /// The cell drawn at `width` on a test terminal: its text and its styles.
    pub fn draw(lines: Vec<ratatui::text::Line<'static>>, width: u16) -> String {
        let paragraph = Paragraph::new(lines).wrap(Wrap { trim: false });
        let height = u16::try_from(paragraph.line_count(width)).unwrap().max(1);
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal
            .draw(|f| f.render_widget(paragraph, f.area()))
            .unwrap();
        format!("{:?}", terminal.backend().buffer())
    }

    fn theme() -> Theme {
        Theme { color: true }
    }

    fn cwd() -> PathBuf {
        PathBuf::from("/work/project")
    }

    fn argv(script: &str) -> Vec<String> {
        vec!["/bin/bash".into(), "-lc".into(), script.into()]
    }

    #[test]
    fn user_message() {
        let cell = Cell::User {
            text: "fix the failing test\nand explain why it failed".into(),
        };
        insta::assert_snapshot!(draw(cell.lines(60, &theme()), 60));
    }

    #[test]
    fn reasoning() {
        let cell = Cell::Reasoning {
            text: "Looking at the test output first.".into(),
        };
        insta::assert_snapshot!(draw(cell.lines(60, &theme()), 60));
    }

    #[test]
    fn command_finished_with_long_output() {
        let mut exec = ExecCell::new("c1".into(), &argv("cargo test"));
        exec.output = (1..=14).map(|n| format!("line {n}\n")).collect();
        exec.exit_code = Some(0);
        exec.duration = Some(Duration::from_millis(1530));
        insta::assert_snapshot!(draw(Cell::Exec(exec).lines(60, &theme()), 60));
    }

    #[test]
    fn command_failed() {
        let mut exec = ExecCell::new("c1".into(), &argv("false && echo never"));
        exec.exit_code = Some(1);
        exec.duration = Some(Duration::from_millis(12));
        insta::assert_snapshot!(draw(Cell::Exec(exec).lines(60, &theme()), 60));
    }

    #[test]
    fn command_running_shows_its_tail() {
        let mut exec = ExecCell::new("c1".into(), &argv("npm install"));
        exec.output = (1..=9).map(|n| format!("step {n}\n")).collect();
        insta::assert_snapshot!(draw(Cell::Exec(exec).live_lines(60, &theme()), 60));
    }

    #[test]
    fn patch_applied() {
        let mut changes = BTreeMap::new();
        changes.insert(
            cwd().join("src/lib.rs"),
            FileChange::Update {
                unified_diff: "--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -1,3 +1,3 @@\n fn main() {\n-    println!(\"hi\");\n+    println!(\"hello\");\n }\n".into(),
                move_path: None,
            },
        );
        changes.insert(
            cwd().join("NOTES.md"),
            FileChange::Add {
                content: "# Notes\n".into(),
            },
        );
        let cell = Cell::Patch {
            changes,
            outcome: PatchOutcome::Applied,
            cwd: cwd(),
        };
        insta::assert_snapshot!(draw(cell.lines(60, &theme()), 60));
    }

    #[test]
    fn patch_failed() {
        let mut changes = BTreeMap::new();
        changes.insert(
            cwd().join("gone.txt"),
            FileChange::Delete {
                content: "old\n".into(),
            },
        );
        let cell = Cell::Patch {
            changes,
            outcome: PatchOutcome::Failed("gone.txt: no such file".into()),
            cwd: cwd(),
        };
        insta::assert_snapshot!(draw(cell.lines(60, &theme()), 60));
    }

    #[test]
    fn plan() {
        let cell = Cell::Plan {
            explanation: Some("Three steps.".into()),
            steps: vec![
                PlanItem {
                    step: "Read the failing test".into(),
                    status: StepStatus::Completed,
                },
                PlanItem {
                    step: "Fix the parser".into(),
                    status: StepStatus::InProgress,
                },
                PlanItem {
                    step: "Run the suite".into(),
                    status: StepStatus::Pending,
                },
            ],
        };
        insta::assert_snapshot!(draw(cell.lines(60, &theme()), 60));
    }

    #[test]
    fn error_and_warning() {
        let error = Cell::Error {
            message: "stream disconnected before completion".into(),
        };
        let warning = Cell::Warning {
            message: "the sandbox is not available here".into(),
        };
        let mut lines = error.lines(60, &theme());
        lines.extend(warning.lines(60, &theme()));
        insta::assert_snapshot!(draw(lines, 60));
    }

    #[test]
    fn header() {
        let cell = Cell::Header {
            version: "0.1.0".into(),
            model: "gpt-5-codex".into(),
            cwd: cwd(),
            approval: "on-request".into(),
            sandbox: "workspace-write".into(),
        };
        insta::assert_snapshot!(draw(cell.lines(80, &theme()), 80));
    }

    #[test]
    fn no_color_draws_no_colour() {
        let mut exec = ExecCell::new("c1".into(), &argv("ls"));
        exec.exit_code = Some(2);
        let text = draw(Cell::Exec(exec).lines(40, &Theme { color: false }), 40);
        let coloured = text
            .lines()
            .filter(|l| l.contains("fg:"))
            .any(|l| !l.contains("fg: Reset, bg: Reset"));
        assert!(!coloured, "{text}");
    }
}
