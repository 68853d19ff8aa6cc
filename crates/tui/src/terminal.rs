//! The terminal: raw mode, bracketed paste and the keyboard protocol on the way in, all of it
//! undone on the way out (normal exit, error, panic, Ctrl-Z). The UI draws in an inline
//! viewport at the bottom of what the shell printed; finished transcript cells are inserted
//! above it, into the terminal's own scrollback, so they scroll, select and search like any
//! other output and cost the program nothing once written.

use std::io::{Stdout, Write, stdout};
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{
    DisableBracketedPaste, EnableBracketedPaste, KeyboardEnhancementFlags,
    PopKeyboardEnhancementFlags, PushKeyboardEnhancementFlags,
};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::{Position, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget, Wrap};
use ratatui::{Frame, Terminal, TerminalOptions, Viewport};

type Backend = TrackingBackend;

/// crossterm's backend, but it knows where the cursor is instead of asking the terminal.
///
/// ratatui asks the terminal for the cursor position (a request answered on stdin) whenever an
/// inline viewport is made or cleared. While crossterm's event stream is reading stdin, that
/// answer never reaches the request, which then times out. So the position is asked once, at
/// start, before any input is read, and from then on followed: every move ratatui makes goes
/// through `set_cursor_position`, and new lines move it down as the terminal does.
pub struct TrackingBackend {
    inner: CrosstermBackend<Stdout>,
    cursor: Position,
}

impl TrackingBackend {
    fn new(cursor: Position) -> Self {
        TrackingBackend {
            inner: CrosstermBackend::new(stdout()),
            cursor,
        }
    }
}

impl ratatui::backend::Backend for TrackingBackend {
    type Error = std::io::Error;

    fn draw<'a, I>(&mut self, content: I) -> std::io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a ratatui::buffer::Cell)>,
    {
        self.inner.draw(content)
    }

    fn append_lines(&mut self, n: u16) -> std::io::Result<()> {
        self.inner.append_lines(n)?;
        let height = self.inner.size()?.height.max(1);
        self.cursor.y = self.cursor.y.saturating_add(n).min(height - 1);
        Ok(())
    }

    fn hide_cursor(&mut self) -> std::io::Result<()> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> std::io::Result<()> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> std::io::Result<Position> {
        Ok(self.cursor)
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> std::io::Result<()> {
        let position = position.into();
        self.inner.set_cursor_position(position)?;
        self.cursor = position;
        Ok(())
    }

    fn clear(&mut self) -> std::io::Result<()> {
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ratatui::backend::ClearType) -> std::io::Result<()> {
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> std::io::Result<ratatui::layout::Size> {
        self.inner.size()
    }

    fn window_size(&mut self) -> std::io::Result<ratatui::backend::WindowSize> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> std::io::Result<()> {
        ratatui::backend::Backend::flush(&mut self.inner)
    }

    fn scroll_region_up(
        &mut self,
        region: std::ops::Range<u16>,
        line_count: u16,
    ) -> std::io::Result<()> {
        self.inner.scroll_region_up(region, line_count)
    }

    fn scroll_region_down(
        &mut self,
        region: std::ops::Range<u16>,
        line_count: u16,
    ) -> std::io::Result<()> {
        self.inner.scroll_region_down(region, line_count)
    }
}

/// Lines written into the scrollback per insert.
const INSERT_CHUNK: usize = 200;

/// Whether the terminal is in the UI's modes now (what `restore` has to undo).
static ACTIVE: AtomicBool = AtomicBool::new(false);
static KEYBOARD_PUSHED: AtomicBool = AtomicBool::new(false);
static ALT_SCREEN: AtomicBool = AtomicBool::new(false);

/// Puts the terminal back as it was. Safe to call more than once and from a panic hook.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = stdout();
    if KEYBOARD_PUSHED.swap(false, Ordering::SeqCst) {
        let _ = execute!(out, PopKeyboardEnhancementFlags);
    }
    let _ = execute!(out, DisableBracketedPaste, cursor::Show);
    if ALT_SCREEN.swap(false, Ordering::SeqCst) {
        let _ = execute!(out, LeaveAlternateScreen);
    }
    let _ = disable_raw_mode();
    let _ = out.flush();
}

/// Restores the terminal before a panic's message is printed, so the message is readable and
/// the shell is usable afterwards.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

fn enter_modes(alt_screen: bool) -> std::io::Result<()> {
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut out = stdout();
    if alt_screen {
        execute!(out, EnterAlternateScreen)?;
        ALT_SCREEN.store(true, Ordering::SeqCst);
    }
    execute!(out, EnableBracketedPaste)?;
    // Shift+Enter and other modified keys arrive distinctly only with this protocol; terminals
    // without it ignore the request.
    if crossterm::terminal::supports_keyboard_enhancement().unwrap_or(false) {
        execute!(
            out,
            PushKeyboardEnhancementFlags(
                KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES
                    | KeyboardEnhancementFlags::REPORT_ALTERNATE_KEYS
            )
        )?;
        KEYBOARD_PUSHED.store(true, Ordering::SeqCst);
    }
    Ok(())
}

/// The UI's terminal: an inline viewport of a chosen height (or the whole alternate screen).
pub struct Tui {
    terminal: Terminal<Backend>,
    height: u16,
    alt_screen: bool,
}

impl Tui {
    /// Takes the terminal. Must come before anything reads input: the cursor's row is asked
    /// here, once.
    pub fn enter(height: u16, alt_screen: bool) -> std::io::Result<Self> {
        enter_modes(alt_screen)?;
        let (x, y) = cursor::position()?;
        let terminal = Self::make(height, alt_screen, Position::new(x, y))?;
        Ok(Tui {
            terminal,
            height,
            alt_screen,
        })
    }

    /// A terminal whose inline viewport starts at `cursor`'s row.
    fn make(height: u16, alt_screen: bool, cursor: Position) -> std::io::Result<Terminal<Backend>> {
        let viewport = if alt_screen {
            Viewport::Fullscreen
        } else {
            Viewport::Inline(height.max(1))
        };
        Terminal::with_options(TrackingBackend::new(cursor), TerminalOptions { viewport })
    }

    /// Where the viewport starts.
    fn top(&mut self) -> u16 {
        self.terminal.get_frame().area().y
    }

    /// Whether the UI owns the whole (alternate) screen, with no scrollback to write into.
    pub fn alt_screen(&self) -> bool {
        self.alt_screen
    }

    pub fn size(&self) -> std::io::Result<Rect> {
        let size = self.terminal.size()?;
        Ok(Rect::new(0, 0, size.width, size.height))
    }

    /// Makes the inline viewport `height` rows tall, where it starts now (growing scrolls the
    /// screen up when there is no room below).
    pub fn set_height(&mut self, height: u16) -> std::io::Result<()> {
        let screen = self.size()?;
        let height = height.clamp(1, screen.height.max(1));
        if self.alt_screen || height == self.height {
            return Ok(());
        }
        let top = self.top();
        self.terminal.clear()?;
        self.terminal.set_cursor_position((0, top))?;
        self.terminal = Self::make(height, false, Position::new(0, top))?;
        self.height = height;
        Ok(())
    }

    /// Writes `lines` above the viewport, into the scrollback. Lines wider than the screen
    /// wrap.
    pub fn insert_lines(&mut self, lines: Vec<Line<'static>>) -> std::io::Result<()> {
        if lines.is_empty() || self.alt_screen {
            return Ok(());
        }
        let width = self.size()?.width.max(1);
        // In pieces: each insert draws into a buffer as tall as what it inserts, so one piece
        // for a whole long turn would briefly cost memory in proportion to the transcript.
        let mut rest = lines;
        while !rest.is_empty() {
            let tail = rest.split_off(rest.len().min(INSERT_CHUNK));
            let paragraph = Paragraph::new(rest).wrap(Wrap { trim: false });
            let height = u16::try_from(paragraph.line_count(width)).unwrap_or(u16::MAX);
            self.terminal
                .insert_before(height, |buf| paragraph.render(buf.area, buf))?;
            rest = tail;
        }
        Ok(())
    }

    pub fn draw(&mut self, render: impl FnOnce(&mut Frame)) -> std::io::Result<()> {
        self.terminal.draw(render)?;
        Ok(())
    }

    /// Leaves the UI's modes with the viewport cleared, so what follows (a shell after exit,
    /// or after Ctrl-Z) starts on a clean line below the transcript.
    pub fn leave(&mut self) -> std::io::Result<()> {
        let top = self.top();
        self.terminal.clear()?;
        self.terminal.set_cursor_position((0, top))?;
        restore();
        Ok(())
    }

    /// Ctrl-Z: gives the terminal back and stops the process; when the shell continues it,
    /// takes the terminal again and redraws from the cursor's row.
    #[cfg(unix)]
    pub fn suspend(&mut self) -> std::io::Result<()> {
        self.leave()?;
        // SAFETY: raising a signal on this process; the default action of SIGTSTP stops it
        // until SIGCONT.
        unsafe {
            libc::raise(libc::SIGTSTP);
        }
        enter_modes(self.alt_screen)?;
        // Nothing reads input while the process is stopped, so the cursor can be asked again.
        let (x, y) = cursor::position()?;
        self.terminal = Self::make(self.height, self.alt_screen, Position::new(x, y))?;
        Ok(())
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        restore();
    }
}
