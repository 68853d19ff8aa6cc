//! Completions under the composer: files for an `@mention` (fuzzy, from the search crate's
//! index of the working folder, ignore files honoured) and commands for a leading `/`.

use std::path::Path;
use std::sync::Arc;

use codex_search::{FileIndex, WalkRules};
use ratatui::text::{Line, Span};

use crate::composer::{Token, TokenKind};
use crate::slash::{COMMANDS, custom_prompts};
use crate::theme::Theme;

/// Rows of completions shown.
pub const ROWS: usize = 8;

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// What replaces the word (`@src/main.rs `, `/status `).
    pub insert: String,
    pub label: String,
    pub detail: String,
}

pub struct Popup {
    pub items: Vec<Item>,
    pub selected: usize,
    /// Shown when there is nothing to pick (still indexing, nothing matches).
    pub empty_note: Option<String>,
}

impl Popup {
    pub fn up(&mut self) {
        if !self.items.is_empty() {
            self.selected = self.selected.checked_sub(1).unwrap_or(self.items.len() - 1);
        }
    }

    pub fn down(&mut self) {
        if !self.items.is_empty() {
            self.selected = (self.selected + 1) % self.items.len();
        }
    }

    pub fn chosen(&self) -> Option<&Item> {
        self.items.get(self.selected)
    }

    pub fn lines(&self, theme: &Theme) -> Vec<Line<'static>> {
        if self.items.is_empty() {
            return self
                .empty_note
                .iter()
                .map(|note| Line::from(Span::styled(format!("  {note}"), theme.dim())))
                .collect();
        }
        self.items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let style = if i == self.selected {
                    theme.selected()
                } else {
                    theme.plain()
                };
                Line::from(vec![
                    Span::styled(if i == self.selected { "› " } else { "  " }, style),
                    Span::styled(item.label.clone(), style),
                    Span::styled(
                        if item.detail.is_empty() {
                            String::new()
                        } else {
                            format!("  {}", item.detail)
                        },
                        theme.dim(),
                    ),
                ])
            })
            .collect()
    }
}

/// The commands whose name starts with `query`, custom prompts included.
pub fn commands(query: &str, codex_home: &Path) -> Popup {
    let mut items: Vec<Item> = COMMANDS
        .iter()
        .filter(|(name, _)| name.starts_with(query))
        .map(|(name, about)| Item {
            insert: format!("/{name} "),
            label: format!("/{name}"),
            detail: (*about).to_string(),
        })
        .collect();
    for name in custom_prompts(codex_home) {
        let full = format!("prompts:{name}");
        if full.starts_with(query) || name.starts_with(query) {
            items.push(Item {
                insert: format!("/{full} "),
                label: format!("/{full}"),
                detail: "custom prompt".into(),
            });
        }
    }
    items.truncate(ROWS);
    let empty_note = items
        .is_empty()
        .then(|| format!("no command starts with /{query}"));
    Popup {
        items,
        selected: 0,
        empty_note,
    }
}

/// The files matching `query` in `index`, best first.
pub fn files(query: &str, index: Option<&Arc<FileIndex>>) -> Popup {
    let Some(index) = index else {
        return Popup {
            items: Vec::new(),
            selected: 0,
            empty_note: Some("indexing files…".into()),
        };
    };
    let items: Vec<Item> = index
        .find(query, ROWS)
        .into_iter()
        .map(|m| {
            let path = m.path.to_string();
            // A path with spaces is quoted so it stays one word.
            let insert = if path.contains(char::is_whitespace) {
                format!("@\"{path}\" ")
            } else {
                format!("@{path} ")
            };
            Item {
                insert,
                label: path,
                detail: String::new(),
            }
        })
        .collect();
    let empty_note = items.is_empty().then(|| format!("no file matches {query}"));
    Popup {
        items,
        selected: 0,
        empty_note,
    }
}

/// Indexes the files under `root` (blocking: run it off the UI's thread).
pub fn build_index(root: &Path) -> Option<Arc<FileIndex>> {
    FileIndex::build(root, &WalkRules::default())
        .ok()
        .map(|(index, _)| Arc::new(index))
}

/// The popup for the word at the cursor, if it calls for one.
pub fn for_token(token: &Token, codex_home: &Path, index: Option<&Arc<FileIndex>>) -> Popup {
    match token.kind {
        TokenKind::Command => commands(&token.query, codex_home),
        TokenKind::Mention => files(&token.query, index),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn commands_filter_by_prefix() {
        let popup = commands("st", Path::new("/nonexistent"));
        assert_eq!(popup.items.len(), 1);
        assert_eq!(popup.items[0].insert, "/status ");
        let none = commands("zz", Path::new("/nonexistent"));
        assert!(none.items.is_empty());
        assert!(none.empty_note.unwrap().contains("/zz"));
    }

    #[test]
    fn files_are_found_fuzzily_and_ignored_ones_are_not() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/main.rs"), "").unwrap();
        std::fs::write(dir.path().join("my notes.md"), "").unwrap();
        std::fs::write(dir.path().join(".ignore"), "secret.txt\n").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "").unwrap();
        let index = build_index(dir.path()).unwrap();
        let popup = files("mainrs", Some(&index));
        assert_eq!(popup.items[0].insert, "@src/main.rs ");
        let popup = files("notes", Some(&index));
        assert_eq!(popup.items[0].insert, "@\"my notes.md\" ");
        assert!(files("secret", Some(&index)).items.is_empty());
        assert_eq!(
            files("x", None).empty_note.as_deref(),
            Some("indexing files…")
        );
    }
}
