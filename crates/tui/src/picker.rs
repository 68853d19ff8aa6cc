//! `codex resume`: a list of this folder's recorded sessions (or every folder's), newest
//! first, to pick one with the arrows and Enter.

use std::path::PathBuf;

use codex_config::Config;
use codex_core::SessionSummary;
use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::cells::tilde;
use crate::input::Input;
use crate::terminal::Tui;
use crate::theme::Theme;

/// Rows of sessions shown at once.
const ROWS: usize = 10;

fn when(summary: &SessionSummary) -> String {
    summary
        .timestamp
        .get(..16)
        .unwrap_or(&summary.timestamp)
        .replace('T', " ")
}

pub fn lines(
    sessions: &[SessionSummary],
    selected: usize,
    all: bool,
    width: u16,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut out = vec![Line::from(vec![
        Span::styled("> ", theme.accent()),
        Span::styled("Resume a session", theme.bold()),
        Span::styled(
            if all {
                " (every folder)"
            } else {
                " (this folder; --all for every folder)"
            },
            theme.dim(),
        ),
    ])];
    let first = selected.saturating_sub(ROWS - 1);
    for (i, s) in sessions.iter().enumerate().skip(first).take(ROWS) {
        let style = if i == selected {
            theme.selected()
        } else {
            theme.plain()
        };
        let marker = if i == selected { "› " } else { "  " };
        let mut text = format!("{}  ", when(s));
        if all {
            text.push_str(&format!("{}  ", tilde(&s.cwd)));
        }
        text.push_str(if s.first_prompt.is_empty() {
            "(no message)"
        } else {
            &s.first_prompt
        });
        let max = usize::from(width.saturating_sub(3));
        if text.chars().count() > max {
            text = text.chars().take(max.saturating_sub(1)).collect::<String>() + "…";
        }
        out.push(Line::from(vec![
            Span::styled(marker, style),
            Span::styled(text, style),
        ]));
    }
    out.push(Line::from(Span::styled(
        format!(
            "  {} of {} · ↑↓ Enter · Esc cancels",
            selected + 1,
            sessions.len()
        ),
        theme.dim(),
    )));
    out
}

/// The rollout of the session picked, or `None` when the user cancelled.
pub async fn pick(
    tui: &mut Tui,
    events: &mut Input,
    config: &Config,
    all: bool,
    theme: &Theme,
) -> Result<Option<PathBuf>, String> {
    let cwd = (!all).then_some(config.cwd.as_path());
    // A session where nothing was said has nothing to continue.
    let sessions: Vec<SessionSummary> = codex_core::list_sessions(&config.codex_home, cwd)
        .into_iter()
        .filter(|s| !s.first_prompt.trim().is_empty())
        .collect();
    if sessions.is_empty() {
        return Err(if all {
            "there is no recorded session to resume".into()
        } else {
            "there is no recorded session in this folder; `codex resume --all` lists every folder's"
                .into()
        });
    }
    let mut selected = 0usize;
    let io = |e: std::io::Error| format!("cannot use the terminal: {e}");
    loop {
        let width = tui.size().map_err(io)?.width.max(1);
        let text = lines(&sessions, selected, all, width, theme);
        let height = u16::try_from(text.len()).unwrap_or(u16::MAX);
        tui.set_height(height).map_err(io)?;
        tui.draw(|frame| frame.render_widget(Paragraph::new(text), frame.area()))
            .map_err(io)?;
        let Some(event) = events.next().await else {
            return Ok(None);
        };
        let Event::Key(key) = event.map_err(io)? else {
            continue;
        };
        if key.kind == KeyEventKind::Release {
            continue;
        }
        match key.code {
            KeyCode::Up => selected = selected.saturating_sub(1),
            KeyCode::Down => selected = (selected + 1).min(sessions.len() - 1),
            KeyCode::PageUp => selected = selected.saturating_sub(ROWS),
            KeyCode::PageDown => selected = (selected + ROWS).min(sessions.len() - 1),
            KeyCode::Enter => return Ok(sessions.get(selected).map(|s| s.path.clone())),
            KeyCode::Esc => return Ok(None),
            KeyCode::Char('c') | KeyCode::Char('d')
                if key.modifiers.contains(KeyModifiers::CONTROL) =>
            {
                return Ok(None);
            }
            _ => {}
        }
    }
}
