//! The approval prompt: what the agent wants to run or change, where, and why, with four
//! answers chosen by one key or by arrows and Enter.

use std::collections::BTreeMap;
use std::path::PathBuf;

use codex_protocol::{FileChange, ReviewDecision};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::text::{Line, Span};

use crate::cells::{PatchOutcome, display_command, patch_lines, tilde};
use crate::theme::Theme;

#[derive(Debug, Clone)]
pub enum ApprovalRequest {
    Exec {
        id: String,
        command: Vec<String>,
        cwd: PathBuf,
        reason: Option<String>,
    },
    Patch {
        id: String,
        changes: BTreeMap<PathBuf, FileChange>,
        reason: Option<String>,
        grant_root: Option<PathBuf>,
        cwd: PathBuf,
    },
    /// A call of an MCP server's tool.
    Mcp {
        id: String,
        server: String,
        tool: String,
        arguments: String,
        description: String,
    },
    /// An MCP server asks the user something (an elicitation).
    Elicitation {
        id: String,
        server: String,
        message: String,
    },
}

impl ApprovalRequest {
    pub fn id(&self) -> &str {
        match self {
            ApprovalRequest::Exec { id, .. }
            | ApprovalRequest::Patch { id, .. }
            | ApprovalRequest::Mcp { id, .. }
            | ApprovalRequest::Elicitation { id, .. } => id,
        }
    }
}

struct Choice {
    key: char,
    label: &'static str,
    decision: ReviewDecision,
}

pub struct ApprovalView {
    pub request: ApprovalRequest,
    selected: usize,
}

/// Most lines of a patch shown in the prompt; the rest is counted.
const PROMPT_DIFF_LINES: usize = 30;

impl ApprovalView {
    pub fn new(request: ApprovalRequest) -> Self {
        ApprovalView {
            request,
            selected: 0,
        }
    }

    fn choices(&self) -> Vec<Choice> {
        if let ApprovalRequest::Elicitation { .. } = self.request {
            return vec![
                Choice {
                    key: 'y',
                    label: "Yes",
                    decision: ReviewDecision::Approved,
                },
                Choice {
                    key: 'n',
                    label: "No",
                    decision: ReviewDecision::Denied,
                },
                Choice {
                    key: 'x',
                    label: "Cancel (Esc)",
                    decision: ReviewDecision::Abort,
                },
            ];
        }
        let (yes, always) = match self.request {
            ApprovalRequest::Exec { .. } => (
                "Yes, run it",
                "Yes, and do not ask again for this command in this session",
            ),
            ApprovalRequest::Patch { .. } => (
                "Yes, apply it",
                "Yes, and do not ask again for these files in this session",
            ),
            ApprovalRequest::Mcp { .. } | ApprovalRequest::Elicitation { .. } => (
                "Yes, call it",
                "Yes, and do not ask again for this tool in this session",
            ),
        };
        vec![
            Choice {
                key: 'y',
                label: yes,
                decision: ReviewDecision::Approved,
            },
            Choice {
                key: 'a',
                label: always,
                decision: ReviewDecision::ApprovedForSession,
            },
            Choice {
                key: 'n',
                label: "No, and let the agent go on without it",
                decision: ReviewDecision::Denied,
            },
            Choice {
                key: 'x',
                label: "No, and stop the turn (Esc)",
                decision: ReviewDecision::Abort,
            },
        ]
    }

    /// The decision the key makes, if it makes one.
    pub fn handle_key(&mut self, key: KeyEvent) -> Option<ReviewDecision> {
        let choices = self.choices();
        match key.code {
            KeyCode::Up | KeyCode::BackTab => {
                self.selected = self.selected.checked_sub(1).unwrap_or(choices.len() - 1);
                None
            }
            KeyCode::Down | KeyCode::Tab => {
                self.selected = (self.selected + 1) % choices.len();
                None
            }
            KeyCode::Enter => Some(choices[self.selected].decision),
            KeyCode::Esc => Some(ReviewDecision::Abort),
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                Some(ReviewDecision::Abort)
            }
            KeyCode::Char(c) => choices
                .iter()
                .find(|choice| choice.key == c.to_ascii_lowercase())
                .map(|choice| choice.decision),
            _ => None,
        }
    }

    pub fn lines(&self, theme: &Theme) -> Vec<Line<'static>> {
        let mut out = Vec::new();
        match &self.request {
            ApprovalRequest::Exec {
                command,
                cwd,
                reason,
                ..
            } => {
                out.push(Line::from(Span::styled(
                    "Allow the agent to run this command?",
                    theme.bold(),
                )));
                for line in display_command(command).lines() {
                    out.push(Line::from(vec![
                        Span::styled("  $ ", theme.dim()),
                        Span::styled(line.to_string(), theme.command()),
                    ]));
                }
                out.push(Line::from(vec![
                    Span::styled("  in ", theme.dim()),
                    Span::raw(tilde(cwd)),
                ]));
                push_reason(&mut out, reason.as_deref(), theme);
            }
            ApprovalRequest::Patch {
                changes,
                reason,
                grant_root,
                cwd,
                ..
            } => {
                out.push(Line::from(Span::styled(
                    "Allow the agent to make these changes?",
                    theme.bold(),
                )));
                let mut diff = patch_lines(changes, &PatchOutcome::Applying, cwd, theme);
                // The summary line says "Editing"; the prompt's title says it already.
                if !diff.is_empty() {
                    diff.remove(0);
                }
                if diff.len() > PROMPT_DIFF_LINES {
                    let more = diff.len() - PROMPT_DIFF_LINES;
                    diff.truncate(PROMPT_DIFF_LINES);
                    diff.push(Line::from(Span::styled(
                        format!("    … +{more} lines (the whole patch is in the transcript once applied)"),
                        theme.dim(),
                    )));
                }
                for (path, change) in changes.iter().take(1) {
                    if changes.len() == 1 {
                        let (a, d) = crate::cells::change_counts(change);
                        out.push(Line::from(vec![
                            Span::raw("  "),
                            Span::raw(
                                path.strip_prefix(cwd)
                                    .map(|p| p.display().to_string())
                                    .unwrap_or_else(|_| path.display().to_string()),
                            ),
                            Span::styled(format!(" (+{a} -{d})"), theme.dim()),
                        ]));
                    }
                }
                out.extend(diff);
                if let Some(root) = grant_root {
                    out.push(Line::from(vec![
                        Span::styled("  and allow writing under ", theme.dim()),
                        Span::raw(tilde(root)),
                        Span::styled(" for the rest of the session", theme.dim()),
                    ]));
                }
                push_reason(&mut out, reason.as_deref(), theme);
            }
            ApprovalRequest::Mcp {
                server,
                tool,
                arguments,
                description,
                ..
            } => {
                out.push(Line::from(Span::styled(
                    format!("Allow the agent to call the MCP tool {server}.{tool}?"),
                    theme.bold(),
                )));
                if !arguments.is_empty() {
                    out.push(Line::from(vec![
                        Span::styled("  with ", theme.dim()),
                        Span::styled(arguments.clone(), theme.command()),
                    ]));
                }
                for line in description.lines().take(3) {
                    out.push(Line::from(Span::styled(format!("  {line}"), theme.dim())));
                }
            }
            ApprovalRequest::Elicitation {
                server, message, ..
            } => {
                out.push(Line::from(Span::styled(
                    format!("The MCP server {server} asks:"),
                    theme.bold(),
                )));
                for line in message.lines() {
                    out.push(Line::from(format!("  {line}")));
                }
            }
        }
        out.push(Line::default());
        for (i, choice) in self.choices().iter().enumerate() {
            let selected = i == self.selected;
            let marker = if selected { "› " } else { "  " };
            let style = if selected {
                theme.selected()
            } else {
                theme.plain()
            };
            out.push(Line::from(vec![
                Span::styled(marker, style),
                Span::styled(format!("{} ", choice.key), theme.dim()),
                Span::styled(choice.label, style),
            ]));
        }
        out.push(Line::from(Span::styled(
            "  y/a/n/x or ↑↓ and Enter · Esc stops the turn",
            theme.dim(),
        )));
        out
    }
}

fn push_reason(out: &mut Vec<Line<'static>>, reason: Option<&str>, theme: &Theme) {
    if let Some(reason) = reason.filter(|r| !r.trim().is_empty()) {
        for (i, line) in reason.lines().enumerate() {
            let label = if i == 0 { "  why: " } else { "       " };
            out.push(Line::from(vec![
                Span::styled(label, theme.dim()),
                Span::styled(line.to_string(), theme.italic_dim()),
            ]));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn exec_view() -> ApprovalView {
        ApprovalView::new(ApprovalRequest::Exec {
            id: "c1".into(),
            command: vec!["bash".into(), "-lc".into(), "rm -rf build".into()],
            cwd: PathBuf::from("/work/project"),
            reason: Some("clean the build output".into()),
        })
    }

    #[test]
    fn one_key_decides() {
        let mut view = exec_view();
        assert_eq!(
            view.handle_key(key(KeyCode::Char('y'))),
            Some(ReviewDecision::Approved)
        );
        assert_eq!(
            view.handle_key(key(KeyCode::Char('a'))),
            Some(ReviewDecision::ApprovedForSession)
        );
        assert_eq!(
            view.handle_key(key(KeyCode::Char('n'))),
            Some(ReviewDecision::Denied)
        );
        assert_eq!(
            view.handle_key(key(KeyCode::Esc)),
            Some(ReviewDecision::Abort)
        );
        assert_eq!(view.handle_key(key(KeyCode::Char('q'))), None);
    }

    #[test]
    fn arrows_and_enter_decide() {
        let mut view = exec_view();
        assert_eq!(view.handle_key(key(KeyCode::Down)), None);
        assert_eq!(view.handle_key(key(KeyCode::Down)), None);
        assert_eq!(
            view.handle_key(key(KeyCode::Enter)),
            Some(ReviewDecision::Denied)
        );
        assert_eq!(view.handle_key(key(KeyCode::Up)), None);
        assert_eq!(view.handle_key(key(KeyCode::Up)), None);
        assert_eq!(view.handle_key(key(KeyCode::Up)), None);
        assert_eq!(
            view.handle_key(key(KeyCode::Enter)),
            Some(ReviewDecision::Abort)
        );
    }
}

#[cfg(test)]
mod snapshots {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use codex_protocol::FileChange;

    use super::{ApprovalRequest, ApprovalView};
    use crate::theme::Theme;

    fn draw(view: &ApprovalView) -> String {
        crate::cells::snapshots::draw(view.lines(&Theme { color: true }), 70)
    }

    #[test]
    fn command_prompt() {
        let view = ApprovalView::new(ApprovalRequest::Exec {
            id: "c1".into(),
            command: vec!["bash".into(), "-lc".into(), "cargo publish".into()],
            cwd: PathBuf::from("/work/project"),
            reason: Some("publishing needs the network".into()),
        });
        insta::assert_snapshot!(draw(&view));
    }

    #[test]
    fn patch_prompt() {
        let mut changes = BTreeMap::new();
        changes.insert(
            PathBuf::from("/work/project/src/main.rs"),
            FileChange::Update {
                unified_diff: "@@ -1 +1 @@\n-old line\n+new line\n".into(),
                move_path: None,
            },
        );
        let view = ApprovalView::new(ApprovalRequest::Patch {
            id: "p1".into(),
            changes,
            reason: None,
            grant_root: Some(PathBuf::from("/work/other")),
            cwd: PathBuf::from("/work/project"),
        });
        insta::assert_snapshot!(draw(&view));
    }
}
