//! The prompt composer: the input box at the bottom of the screen.
//!
//! A plain state machine with rendering and no terminal I/O: the app feeds it keys and
//! pastes and acts on the [`ComposerAction`] it returns. Large pastes show as one-line
//! placeholders (`[Pasted Content 1234 chars]`) that behave as single characters and are
//! expanded when the message is submitted.

mod buffer;
mod layout;
#[cfg(test)]
mod tests;

use std::cell::{Cell, RefCell};
use std::ops::Range;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

use self::buffer::{Fragment, TextBuffer, sanitize};
use self::layout::{UnitKind, for_each_unit, line_of, position_at_col, width_between, wrap};

/// The prompt drawn before the first line.
const PROMPT: &str = "›";
/// Columns taken by the prompt (and the indent of the lines after it).
const PREFIX_WIDTH: u16 = 2;
/// A paste with more characters than this is shown as a placeholder.
const LARGE_PASTE_CHARS: usize = 1000;
/// A paste with more lines than this is shown as a placeholder.
const LARGE_PASTE_LINES: usize = 10;
/// Rows the composer grows to before it scrolls.
const DEFAULT_MAX_ROWS: u16 = 8;

/// What the app should do after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComposerAction {
    /// Nothing beyond redrawing (the text or cursor may have changed).
    None,
    /// Enter: send this message (placeholders expanded, trailing whitespace trimmed, never
    /// empty). The composer is already cleared.
    Submit(String),
    /// Esc with nothing typed: interrupt a running turn, or (pressed twice) edit the
    /// previous message.
    Interrupt,
    /// Esc with text typed. The app may still interrupt a running turn, but should not
    /// replace the text with an earlier message.
    Escape,
    /// Ctrl-C, with or without text: the app clears the text if there is any, else counts
    /// it toward quitting.
    CtrlC,
    /// Ctrl-D with nothing typed.
    Quit,
}

/// What the word at the cursor is, for completion popups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// `@word` anywhere: a file mention.
    Mention,
    /// `/word` as the first word of the text: a slash command.
    Command,
}

/// The `@word` or leading `/word` around the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    /// The word without its `@` or `/`.
    pub query: String,
    /// Byte range of the whole word, sigil included, in [`Composer::text`].
    pub range: Range<usize>,
}

/// Display lines of the text at one width, kept between `desired_height` and `render`
/// (both run every frame) and dropped by any change.
#[derive(Debug, Default)]
struct LayoutCache {
    valid: bool,
    width: usize,
    lines: Vec<(usize, usize)>,
}

/// Where the cursor shows: its display line and column, and whether it sits on an extra
/// blank row after that line. That row appears when the cursor is at the right edge (after
/// a full line, or before a space hanging past it), where the next character would wrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CursorSpot {
    line: usize,
    /// The column shown (0 on the extra row).
    col: usize,
    /// The column within the line, which Up and Down aim for.
    line_col: usize,
    extra_row: bool,
}

impl CursorSpot {
    /// The display row of the cursor (counting the extra row).
    fn row(&self) -> usize {
        self.line + usize::from(self.extra_row)
    }
}

#[derive(Debug)]
pub struct Composer {
    buf: TextBuffer,
    placeholder: String,
    /// Earlier messages, oldest first.
    history: Vec<String>,
    /// The history entry shown, while walking the history.
    history_pos: Option<usize>,
    /// What was being typed when the history walk began; it comes back after the newest.
    draft: Option<TextBuffer>,
    /// The last text removed by a kill command (Ctrl-K, Ctrl-U, Ctrl-W, Alt-Backspace).
    kill: Option<Fragment>,
    /// The column Up and Down aim for, kept across a run of them so the cursor does not
    /// drift left when it passes through short lines.
    preferred_col: Option<usize>,
    max_rows: u16,
    /// Text columns at the last `desired_height` or `render` (0 before either), which Up
    /// and Down use to find the wrapped lines.
    wrap_width: Cell<usize>,
    /// The first display row shown when the text is taller than the area.
    scroll: Cell<usize>,
    layout: RefCell<LayoutCache>,
}

impl Default for Composer {
    fn default() -> Self {
        Self::new()
    }
}

impl Composer {
    pub fn new() -> Self {
        Composer {
            buf: TextBuffer::default(),
            placeholder: String::new(),
            history: Vec::new(),
            history_pos: None,
            draft: None,
            kill: None,
            preferred_col: None,
            max_rows: DEFAULT_MAX_ROWS,
            wrap_width: Cell::new(0),
            scroll: Cell::new(0),
            layout: RefCell::new(LayoutCache::default()),
        }
    }

    /// What is shown, placeholders as their labels.
    pub fn text(&self) -> String {
        self.buf.text.clone()
    }

    /// Replaces the text (no placeholders) and puts the cursor at its end; stops any
    /// history walk.
    pub fn set_text(&mut self, text: &str) {
        self.buf = TextBuffer::from_text(sanitize(text));
        self.history_pos = None;
        self.draft = None;
        self.preferred_col = None;
        self.scroll.set(0);
        self.invalidate();
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Earlier messages for Up and Down, oldest first.
    pub fn set_history(&mut self, entries: Vec<String>) {
        if self.history_pos.take().is_some()
            && let Some(draft) = self.draft.take()
        {
            self.buf = draft;
        }
        self.draft = None;
        self.history = entries;
        self.invalidate();
    }

    /// Adds a sent message as the newest history entry (unless it repeats the newest).
    pub fn push_history(&mut self, entry: &str) {
        if entry.trim().is_empty() || self.history.last().is_some_and(|last| last == entry) {
            return;
        }
        self.history.push(entry.to_string());
    }

    /// The dim hint shown while the text is empty.
    pub fn set_placeholder(&mut self, hint: &str) {
        self.placeholder = hint.to_string();
    }

    /// Rows the composer may grow to before it scrolls (at least 1).
    pub fn set_max_rows(&mut self, rows: u16) {
        self.max_rows = rows.max(1);
    }

    /// Rows needed at `width` columns: the wrapped text, at least 1, at most the maximum.
    pub fn desired_height(&self, width: u16) -> u16 {
        let text_width = text_width(width);
        self.wrap_width.set(text_width);
        if self.buf.is_empty() {
            return 1;
        }
        let rows = self.with_lines(text_width, |lines| {
            let spot = self.cursor_spot(lines, text_width);
            lines.len() + usize::from(spot.extra_row)
        });
        u16::try_from(rows)
            .unwrap_or(u16::MAX)
            .clamp(1, self.max_rows)
    }

    /// The word at the cursor if it is an `@mention` or the leading `/command`.
    pub fn current_token(&self) -> Option<Token> {
        let text = &self.buf.text;
        let cursor = self.buf.cursor.min(text.len());
        // Labels are not words: the search stops at the elements around the cursor.
        let (seg_start, seg_end) = self.buf.segment_bounds(cursor);
        let before = text.get(seg_start..cursor)?;
        let after = text.get(cursor..seg_end)?;
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_whitespace())
            .map_or(seg_start, |(i, c)| seg_start + i + c.len_utf8());
        let end = after
            .find(char::is_whitespace)
            .map_or(seg_end, |i| cursor + i);
        let word = text.get(start..end)?;
        if let Some(query) = word.strip_prefix('@') {
            return Some(Token {
                kind: TokenKind::Mention,
                query: query.to_string(),
                range: start..end,
            });
        }
        if start == 0
            && let Some(query) = word.strip_prefix('/')
            && !query.starts_with('/')
        {
            return Some(Token {
                kind: TokenKind::Command,
                query: query.to_string(),
                range: start..end,
            });
        }
        None
    }

    /// Replaces the word [`Self::current_token`] returns with `with` (as typed, so add a
    /// trailing space if one should follow) and puts the cursor after it. Does nothing
    /// when there is no such word.
    pub fn replace_current_token(&mut self, with: &str) {
        let Some(token) = self.current_token() else {
            return;
        };
        self.buf.delete(token.range.start, token.range.end);
        self.buf.set_cursor(token.range.start, false);
        self.buf.insert(&sanitize(with));
        self.preferred_col = None;
        self.invalidate();
    }

    /// Bracketed paste: inserted as is, or as a placeholder when large.
    pub fn handle_paste(&mut self, text: String) {
        let text = sanitize(&text);
        self.preferred_col = None;
        let chars = text.chars().count();
        if chars > LARGE_PASTE_CHARS || text.lines().count() > LARGE_PASTE_LINES {
            let base = format!("[Pasted Content {chars} chars]");
            let mut label = base.clone();
            let mut n = 2;
            while self.buf.has_label(&label) {
                label = format!("[Pasted Content {chars} chars #{n}]");
                n += 1;
            }
            self.buf.insert_element(&label, text);
        } else {
            self.buf.insert(&text);
        }
        self.invalidate();
    }

    /// Feeds one key.
    pub fn handle_key(&mut self, key: KeyEvent) -> ComposerAction {
        if key.kind == KeyEventKind::Release {
            return ComposerAction::None;
        }
        // Every edit changes the length or the number of placeholders; what swaps the
        // whole text (history, draft) drops the layout itself. Cursor motions keep it.
        let (len, elements) = (self.buf.text.len(), self.buf.elements.len());
        let action = self.key(key);
        if self.buf.text.len() != len || self.buf.elements.len() != elements {
            self.invalidate();
        }
        action
    }

    fn key(&mut self, key: KeyEvent) -> ComposerAction {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        let shift = key.modifiers.contains(KeyModifiers::SHIFT);
        let vertical = match key.code {
            KeyCode::Up | KeyCode::Down => true,
            KeyCode::Char(c) => ctrl && !alt && matches!(c.to_ascii_lowercase(), 'p' | 'n'),
            _ => false,
        };
        if !vertical {
            self.preferred_col = None;
        }
        let cursor = self.buf.cursor;
        match key.code {
            KeyCode::Enter if shift || alt || ctrl => self.insert_typed("\n"),
            KeyCode::Enter => return self.submit(),
            KeyCode::Esc => {
                return if self.buf.is_empty() {
                    ComposerAction::Interrupt
                } else {
                    ComposerAction::Escape
                };
            }
            // Windows reports AltGr as Ctrl+Alt: those are characters to type. Elsewhere
            // AltGr characters arrive without modifiers.
            KeyCode::Char(c) if ctrl && alt && cfg!(windows) => self.insert_char(c),
            KeyCode::Char(_) if ctrl && alt => {}
            KeyCode::Char(c) if ctrl => match c.to_ascii_lowercase() {
                'c' => return ComposerAction::CtrlC,
                'd' if self.buf.is_empty() => return ComposerAction::Quit,
                'd' => self.delete_forward(),
                // Ctrl-J is the line-feed byte, so it gives a newline in every terminal,
                // unlike Shift+Enter. Ctrl-M is the carriage return that Enter sends.
                'j' => self.insert_typed("\n"),
                'm' => return self.submit(),
                'a' => self.buf.cursor = self.buf.line_start(),
                'e' => self.buf.cursor = self.buf.line_end(),
                'b' => self.buf.cursor = self.buf.prev_boundary(cursor),
                'f' => self.buf.cursor = self.buf.next_boundary(cursor),
                // Ctrl-H is what some terminals send for Backspace.
                'h' => self.backspace(),
                'w' => self.kill_range(self.buf.word_start_before(cursor), cursor),
                'u' => self.kill_to_line_start(),
                'k' => self.kill_to_line_end(),
                'y' => self.yank(),
                'p' => self.up(),
                'n' => self.down(),
                _ => {}
            },
            KeyCode::Char(c) if alt => match c.to_ascii_lowercase() {
                // Option-Left/Right arrive as Alt-b/Alt-f in macOS terminals.
                'b' => self.buf.cursor = self.buf.word_start_before(cursor),
                'f' => self.buf.cursor = self.buf.word_end_after(cursor),
                'd' => self.kill_range(cursor, self.buf.word_end_after(cursor)),
                _ => {}
            },
            KeyCode::Char(c) => self.insert_char(c),
            KeyCode::Backspace if alt || ctrl => {
                self.kill_range(self.buf.word_start_before(cursor), cursor);
            }
            KeyCode::Backspace => self.backspace(),
            KeyCode::Delete if alt || ctrl => {
                self.kill_range(cursor, self.buf.word_end_after(cursor));
            }
            KeyCode::Delete => self.delete_forward(),
            KeyCode::Left if alt || ctrl => self.buf.cursor = self.buf.word_start_before(cursor),
            KeyCode::Left => self.buf.cursor = self.buf.prev_boundary(cursor),
            KeyCode::Right if alt || ctrl => self.buf.cursor = self.buf.word_end_after(cursor),
            KeyCode::Right => self.buf.cursor = self.buf.next_boundary(cursor),
            KeyCode::Home if ctrl => self.buf.cursor = 0,
            KeyCode::Home => self.buf.cursor = self.buf.line_start(),
            KeyCode::End if ctrl => self.buf.cursor = self.buf.text.len(),
            KeyCode::End => self.buf.cursor = self.buf.line_end(),
            KeyCode::Up => self.up(),
            KeyCode::Down => self.down(),
            _ => {}
        }
        ComposerAction::None
    }

    fn submit(&mut self) -> ComposerAction {
        let mut message = self.buf.expanded();
        message.truncate(message.trim_end().len());
        if message.is_empty() {
            return ComposerAction::None;
        }
        self.buf = TextBuffer::default();
        self.invalidate();
        self.history_pos = None;
        self.draft = None;
        self.scroll.set(0);
        ComposerAction::Submit(message)
    }

    fn insert_char(&mut self, c: char) {
        if c.is_control() && c != '\t' {
            return;
        }
        let mut bytes = [0; 4];
        self.insert_typed(c.encode_utf8(&mut bytes));
    }

    fn insert_typed(&mut self, s: &str) {
        self.buf.insert(s);
    }

    fn backspace(&mut self) {
        let cursor = self.buf.cursor;
        let prev = self.buf.prev_boundary(cursor);
        self.buf.delete(prev, cursor);
    }

    fn delete_forward(&mut self) {
        let cursor = self.buf.cursor;
        let next = self.buf.next_boundary(cursor);
        self.buf.delete(cursor, next);
    }

    /// Deletes `start..end` into the kill buffer (Ctrl-Y brings it back).
    fn kill_range(&mut self, start: usize, end: usize) {
        let removed = self.buf.delete(start, end);
        if !removed.text.is_empty() {
            self.kill = Some(removed);
        }
    }

    /// Ctrl-U: to the start of the line, or the line break before it when already there.
    fn kill_to_line_start(&mut self) {
        let cursor = self.buf.cursor;
        let start = self.buf.line_start();
        if start == cursor {
            self.kill_range(cursor.saturating_sub(1), cursor);
        } else {
            self.kill_range(start, cursor);
        }
    }

    /// Ctrl-K: to the end of the line, or the line break after it when already there.
    fn kill_to_line_end(&mut self) {
        let cursor = self.buf.cursor;
        let end = self.buf.line_end();
        if end == cursor {
            self.kill_range(cursor, self.buf.next_boundary(cursor));
        } else {
            self.kill_range(cursor, end);
        }
    }

    fn yank(&mut self) {
        if let Some(fragment) = &self.kill {
            self.buf.insert_fragment(fragment);
        }
    }

    /// Up: the display line above, or from the first line the previous history entry.
    fn up(&mut self) {
        if self.move_vertically(false) {
            return;
        }
        let Some(next) = (match self.history_pos {
            None => self.history.len().checked_sub(1),
            Some(pos) => pos.checked_sub(1),
        }) else {
            self.buf.cursor = 0;
            return;
        };
        if self.history_pos.is_none() {
            self.draft = Some(std::mem::take(&mut self.buf));
        }
        self.history_pos = Some(next);
        self.show_history_entry(next);
        // At the end of the entry's first line, so another Up goes on to an older one.
        self.buf.cursor = 0;
        self.buf.cursor = self.buf.line_end();
    }

    /// Down: the display line below, or from the last line the next history entry, and
    /// after the newest the draft again.
    fn down(&mut self) {
        if self.move_vertically(true) {
            return;
        }
        match self.history_pos {
            None => self.buf.cursor = self.buf.text.len(),
            Some(pos) if pos + 1 < self.history.len() => {
                self.history_pos = Some(pos + 1);
                self.show_history_entry(pos + 1);
            }
            Some(_) => {
                self.history_pos = None;
                self.buf = self.draft.take().unwrap_or_default();
                self.invalidate();
            }
        }
    }

    /// Shows a copy of history entry `pos` (editing it leaves the history alone), cursor
    /// at the end.
    fn show_history_entry(&mut self, pos: usize) {
        let entry = self
            .history
            .get(pos)
            .map(|e| sanitize(e))
            .unwrap_or_default();
        self.buf = TextBuffer::from_text(entry);
        self.preferred_col = None;
        self.scroll.set(0);
        self.invalidate();
    }

    /// Moves to the display line below (`down`) or above, keeping the column; false when
    /// there is none.
    fn move_vertically(&mut self, down: bool) -> bool {
        let width = self.wrap_width.get();
        let width = if width == 0 { usize::MAX } else { width };
        let cache = self.layout.get_mut();
        let reuse = cache.valid && cache.width == width;
        let mut lines = std::mem::take(&mut cache.lines);
        if !reuse {
            wrap(&self.buf.text, &self.buf.elements, width, &mut lines);
        }
        let spot = self.cursor_spot(&lines, width);
        let col = self.preferred_col.unwrap_or(spot.line_col);
        let target = if down {
            Some(spot.line + 1).filter(|l| *l < lines.len())
        } else {
            spot.line.checked_sub(1)
        };
        let moved = match target {
            Some(line) => {
                let mut pos =
                    position_at_col(&self.buf.text, &self.buf.elements, &lines, line, col);
                // A placeholder wider than the line spans rows with no cursor stop: take the
                // end of the placeholder if it is on the target row, else its start if that
                // is, else pass over it in the direction of travel.
                if let Some(e) = self.buf.element_around(pos) {
                    let (start, end) = (e.range.start, e.range.end);
                    pos = if line_of(&lines, end) == line {
                        end
                    } else if line_of(&lines, start) == line || !down {
                        start
                    } else {
                        end
                    };
                }
                self.buf.set_cursor(pos, down);
                self.preferred_col = Some(col);
                true
            }
            None => false,
        };
        // Moving the cursor leaves the lines as they are.
        let cache = self.layout.get_mut();
        cache.lines = lines;
        cache.width = width;
        cache.valid = true;
        moved
    }

    fn invalidate(&mut self) {
        self.layout.get_mut().valid = false;
    }

    /// Runs `f` on the display lines at `width`, computing them only when the text or the
    /// width changed.
    fn with_lines<R>(&self, width: usize, f: impl FnOnce(&[(usize, usize)]) -> R) -> R {
        match self.layout.try_borrow_mut() {
            Ok(mut cache) => {
                if !cache.valid || cache.width != width {
                    let cache = &mut *cache;
                    wrap(&self.buf.text, &self.buf.elements, width, &mut cache.lines);
                    cache.width = width;
                    cache.valid = true;
                }
                f(&cache.lines)
            }
            Err(_) => {
                let mut lines = Vec::new();
                wrap(&self.buf.text, &self.buf.elements, width, &mut lines);
                f(&lines)
            }
        }
    }

    fn cursor_spot(&self, lines: &[(usize, usize)], width: usize) -> CursorSpot {
        let cursor = self.buf.cursor.min(self.buf.text.len());
        let line = line_of(lines, cursor);
        let start = lines.get(line).map_or(0, |l| l.0);
        let col = width_between(&self.buf.text, &self.buf.elements, start, cursor);
        let extra_row = col >= width;
        CursorSpot {
            line,
            col: if extra_row { 0 } else { col },
            line_col: col,
            extra_row,
        }
    }

    /// Draws into `area`; returns where the terminal cursor should be.
    pub fn render(&self, area: Rect, buf: &mut Buffer) -> Option<(u16, u16)> {
        let area = area.intersection(buf.area);
        if area.is_empty() {
            return None;
        }
        for y in area.top()..area.bottom() {
            for x in area.left()..area.right() {
                if let Some(cell) = buf.cell_mut((x, y)) {
                    cell.reset();
                }
            }
        }
        let text_width = text_width(area.width);
        self.wrap_width.set(text_width);
        let text_x = area.x.saturating_add(PREFIX_WIDTH.min(area.width));
        let height = usize::from(area.height);

        if self.buf.is_empty() {
            self.scroll.set(0);
            draw_prompt(buf, area.x, area.y);
            let hint_style = Style::new().add_modifier(Modifier::DIM);
            let mut x = 0;
            for_each_unit(&self.placeholder, &[], 0, self.placeholder.len(), |u| {
                if u.kind == UnitKind::Newline || x + u.width > text_width {
                    return false;
                }
                draw_symbol(buf, area, text_x, area.y, x, u.symbol, u.width, hint_style);
                x += u.width;
                true
            });
            return Some((text_x.min(area.right().saturating_sub(1)), area.y));
        }

        self.with_lines(text_width, |lines| {
            let spot = self.cursor_spot(lines, text_width);
            let rows = lines.len() + usize::from(spot.extra_row);
            let cursor_row = spot.row();
            let mut top = self.scroll.get();
            if cursor_row < top {
                top = cursor_row;
            } else if cursor_row >= top + height {
                top = cursor_row + 1 - height;
            }
            top = top.min(rows.saturating_sub(height));
            self.scroll.set(top);

            for (screen_row, row) in (top..rows.min(top + height)).enumerate() {
                let y = area
                    .y
                    .saturating_add(u16::try_from(screen_row).unwrap_or(u16::MAX));
                // The extra cursor row is blank; the lines after it move down one.
                let line = if spot.extra_row && row > spot.line {
                    if row == spot.line + 1 {
                        continue;
                    }
                    row - 1
                } else {
                    row
                };
                if line == 0 {
                    draw_prompt(buf, area.x, y);
                }
                let Some(&(start, end)) = lines.get(line) else {
                    continue;
                };
                let mut x = 0;
                for_each_unit(&self.buf.text, &self.buf.elements, start, end, |u| {
                    if x + u.width > text_width {
                        // Only a hanging space or a grapheme wider than the whole line
                        // gets here; neither is drawn past the edge.
                        return false;
                    }
                    if u.kind != UnitKind::Space {
                        draw_symbol(buf, area, text_x, y, x, u.symbol, u.width, Style::new());
                    }
                    x += u.width;
                    true
                });
            }

            let screen_row = cursor_row.checked_sub(top)?;
            if screen_row >= height {
                return None;
            }
            let x = text_x
                .saturating_add(u16::try_from(spot.col).unwrap_or(u16::MAX))
                .min(area.right().saturating_sub(1));
            let y = area.y.saturating_add(u16::try_from(screen_row).ok()?);
            Some((x, y))
        })
    }
}

/// Columns left for text at a total width (at least 1, so wrapping always progresses).
fn text_width(width: u16) -> usize {
    usize::from(width.saturating_sub(PREFIX_WIDTH)).max(1)
}

fn draw_prompt(buf: &mut Buffer, x: u16, y: u16) {
    if let Some(cell) = buf.cell_mut((x, y)) {
        cell.set_symbol(PROMPT)
            .set_style(Style::new().add_modifier(Modifier::BOLD));
    }
}

/// Draws one grapheme at text column `col`, blanking the cells a wide one covers (as
/// ratatui's own string drawing does).
#[allow(clippy::too_many_arguments)]
fn draw_symbol(
    buf: &mut Buffer,
    area: Rect,
    text_x: u16,
    y: u16,
    col: usize,
    symbol: &str,
    width: usize,
    style: Style,
) {
    if width == 0 || symbol == "\t" {
        return;
    }
    let Ok(col) = u16::try_from(col) else {
        return;
    };
    let x = text_x.saturating_add(col);
    let Ok(width) = u16::try_from(width) else {
        return;
    };
    if x.saturating_add(width) > area.right() {
        return;
    }
    if let Some(cell) = buf.cell_mut((x, y)) {
        cell.set_symbol(symbol).set_style(style);
    }
    for dx in 1..width {
        if let Some(cell) = buf.cell_mut((x + dx, y)) {
            cell.reset();
        }
    }
}
