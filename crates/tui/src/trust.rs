//! The first run in a folder: asks whether to trust it, and records the answer in
//! `config.toml` under `[projects."<folder>"]`, so the question is asked once per folder. A
//! trusted folder lets the agent edit files in it (the `workspace-write` sandbox) without
//! asking; an untrusted one keeps it read-only and asks first.

use codex_config::{Config, TrustLevel, project_trust, set_project_trust};
use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::cells::tilde;
use crate::input::Input;
use crate::terminal::Tui;
use crate::theme::Theme;

pub enum Answer {
    Trust,
    DoNotTrust,
    Quit,
}

/// Whether to ask: nothing is recorded for the folder yet.
pub fn needs_asking(config: &Config) -> Result<bool, String> {
    Ok(project_trust(&config.config_path, &config.cwd)?.is_none())
}

pub fn record(config: &Config, answer: &Answer) -> Result<(), String> {
    let level = match answer {
        Answer::Trust => TrustLevel::Trusted,
        Answer::DoNotTrust => TrustLevel::Untrusted,
        Answer::Quit => return Ok(()),
    };
    set_project_trust(&config.config_path, &config.cwd, level)
}

pub fn lines(config: &Config, selected: usize, theme: &Theme) -> Vec<Line<'static>> {
    let choices = [
        "Yes, trust this folder: the agent may edit files here without asking",
        "No, keep it read-only and ask me before edits and commands",
    ];
    let mut out = vec![
        Line::from(vec![
            Span::styled("> ", theme.accent()),
            Span::styled(
                format!("You are starting Codex in {}", tilde(&config.cwd)),
                theme.bold(),
            ),
        ]),
        Line::from(Span::styled(
            "  Do you trust the files in this folder? Instructions in them (AGENTS.md, scripts) \
             steer what the agent does.",
            theme.dim(),
        )),
        Line::default(),
    ];
    for (i, choice) in choices.iter().enumerate() {
        let style = if i == selected {
            theme.selected()
        } else {
            theme.plain()
        };
        let marker = if i == selected { "› " } else { "  " };
        out.push(Line::from(vec![
            Span::styled(marker, style),
            Span::styled(format!("{}. {choice}", i + 1), style),
        ]));
    }
    out.push(Line::default());
    out.push(Line::from(Span::styled(
        "  1/2 or ↑↓ and Enter · Esc quits",
        theme.dim(),
    )));
    out
}

/// Asks in the viewport; the answer is recorded by the caller.
pub async fn ask(
    tui: &mut Tui,
    events: &mut Input,
    config: &Config,
    theme: &Theme,
) -> std::io::Result<Answer> {
    let mut selected = 0usize;
    loop {
        let text = lines(config, selected, theme);
        let width = tui.size()?.width.max(1);
        let paragraph = Paragraph::new(text).wrap(Wrap { trim: false });
        let height = u16::try_from(paragraph.line_count(width)).unwrap_or(u16::MAX);
        tui.set_height(height)?;
        tui.draw(|frame| frame.render_widget(paragraph, frame.area()))?;
        let Some(event) = events.next().await else {
            return Ok(Answer::Quit);
        };
        let Event::Key(key) = event? else {
            continue;
        };
        if key.kind == KeyEventKind::Release {
            continue;
        }
        match key.code {
            KeyCode::Up | KeyCode::Down | KeyCode::Tab | KeyCode::BackTab => {
                selected = 1 - selected
            }
            KeyCode::Char('1') | KeyCode::Char('y') => return Ok(Answer::Trust),
            KeyCode::Char('2') | KeyCode::Char('n') => return Ok(Answer::DoNotTrust),
            KeyCode::Enter if selected == 0 => return Ok(Answer::Trust),
            KeyCode::Enter => return Ok(Answer::DoNotTrust),
            KeyCode::Esc => return Ok(Answer::Quit),
            KeyCode::Char('c') | KeyCode::Char('d')
                if key.modifiers.contains(KeyModifiers::CONTROL) =>
            {
                return Ok(Answer::Quit);
            }
            _ => {}
        }
    }
}
