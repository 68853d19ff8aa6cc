#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;

use super::*;

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn with(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, modifiers)
}

fn ctrl(c: char) -> KeyEvent {
    with(KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn alt(c: char) -> KeyEvent {
    with(KeyCode::Char(c), KeyModifiers::ALT)
}

fn press(composer: &mut Composer, event: KeyEvent) -> ComposerAction {
    composer.handle_key(event)
}

fn type_str(composer: &mut Composer, s: &str) {
    for c in s.chars() {
        if c == '\n' {
            composer.handle_key(ctrl('j'));
        } else {
            composer.handle_key(key(KeyCode::Char(c)));
        }
    }
}

fn composer_with(text: &str) -> Composer {
    let mut composer = Composer::new();
    type_str(&mut composer, text);
    composer
}

/// The text with `|` where the cursor is.
fn shown(composer: &Composer) -> String {
    let mut text = composer.buf.text.clone();
    text.insert(composer.buf.cursor, '|');
    text
}

fn render(composer: &Composer, width: u16, height: u16) -> (Buffer, Option<(u16, u16)>) {
    let area = Rect::new(0, 0, width, height);
    let mut buf = Buffer::empty(area);
    let cursor = composer.render(area, &mut buf);
    (buf, cursor)
}

/// Renders at the composer's own desired height.
fn render_fit(composer: &Composer, width: u16) -> (Buffer, Option<(u16, u16)>) {
    let height = composer.desired_height(width);
    render(composer, width, height)
}

fn rows(buf: &Buffer) -> Vec<String> {
    let area = buf.area;
    (area.top()..area.bottom())
        .map(|y| {
            let mut row = String::new();
            let mut skip = 0;
            for x in area.left()..area.right() {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                let symbol = buf[(x, y)].symbol();
                skip =
                    usize::from(ratatui::buffer::CellWidth::cell_width(symbol)).saturating_sub(1);
                row.push_str(symbol);
            }
            row.trim_end().to_string()
        })
        .collect()
}

fn snapshot(composer: &Composer, width: u16) -> String {
    let (buf, cursor) = render_fit(composer, width);
    format!("{buf:?}\ncursor: {cursor:?}")
}

fn big_paste(n: usize, c: char) -> String {
    std::iter::repeat_n(c, n).collect()
}

/// The invariants every edit keeps.
fn check_invariants(composer: &Composer) {
    let b = &composer.buf;
    assert!(b.cursor <= b.text.len());
    assert!(b.text.is_char_boundary(b.cursor));
    let mut last_end = 0;
    for e in &b.elements {
        assert!(
            e.range.start >= last_end,
            "elements overlap or are unsorted"
        );
        assert!(e.range.start < e.range.end);
        assert!(e.range.end <= b.text.len());
        assert!(b.text.is_char_boundary(e.range.start) && b.text.is_char_boundary(e.range.end));
        assert!(b.text[e.range.clone()].starts_with("[Pasted Content "));
        assert!(
            !(e.range.start < b.cursor && b.cursor < e.range.end),
            "cursor inside a placeholder"
        );
        last_end = e.range.end;
    }
    // A kept layout must be what the text gives now.
    let cache = composer.layout.borrow();
    if cache.valid {
        let mut fresh = Vec::new();
        layout::wrap(&b.text, &b.elements, cache.width, &mut fresh);
        assert_eq!(cache.lines, fresh, "stale layout for {:?}", b.text);
    }
}

// ---- submitting and reporting ---------------------------------------------------------------

#[test]
fn enter_submits_trimmed_text_and_clears() {
    let mut c = composer_with("hello world  \n\n");
    assert_eq!(
        press(&mut c, key(KeyCode::Enter)),
        ComposerAction::Submit("hello world".into())
    );
    assert!(c.is_empty());
    assert_eq!(c.text(), "");
}

#[test]
fn enter_on_blank_input_does_not_submit() {
    let mut c = Composer::new();
    assert_eq!(press(&mut c, key(KeyCode::Enter)), ComposerAction::None);
    type_str(&mut c, "  \n ");
    assert_eq!(press(&mut c, key(KeyCode::Enter)), ComposerAction::None);
    assert_eq!(c.text(), "  \n ");
}

#[test]
fn enter_keeps_leading_whitespace() {
    let mut c = composer_with("  indented");
    assert_eq!(
        press(&mut c, key(KeyCode::Enter)),
        ComposerAction::Submit("  indented".into())
    );
}

#[test]
fn newline_keys() {
    let mut c = composer_with("a");
    press(&mut c, with(KeyCode::Enter, KeyModifiers::SHIFT));
    type_str(&mut c, "b");
    press(&mut c, with(KeyCode::Enter, KeyModifiers::ALT));
    type_str(&mut c, "c");
    press(&mut c, ctrl('j'));
    type_str(&mut c, "d");
    press(&mut c, with(KeyCode::Enter, KeyModifiers::CONTROL));
    type_str(&mut c, "e");
    assert_eq!(c.text(), "a\nb\nc\nd\ne");
    assert_eq!(
        press(&mut c, ctrl('m')),
        ComposerAction::Submit("a\nb\nc\nd\ne".into())
    );
}

#[test]
fn esc_reports_interrupt_when_empty_and_escape_otherwise() {
    let mut c = Composer::new();
    assert_eq!(press(&mut c, key(KeyCode::Esc)), ComposerAction::Interrupt);
    type_str(&mut c, "draft");
    assert_eq!(press(&mut c, key(KeyCode::Esc)), ComposerAction::Escape);
    assert_eq!(c.text(), "draft");
}

#[test]
fn ctrl_c_is_reported_and_leaves_the_text_to_the_app() {
    let mut c = Composer::new();
    assert_eq!(press(&mut c, ctrl('c')), ComposerAction::CtrlC);
    type_str(&mut c, "x");
    assert_eq!(press(&mut c, ctrl('c')), ComposerAction::CtrlC);
    assert_eq!(c.text(), "x");
}

#[test]
fn ctrl_d_quits_when_empty_and_deletes_forward_otherwise() {
    let mut c = Composer::new();
    assert_eq!(press(&mut c, ctrl('d')), ComposerAction::Quit);
    type_str(&mut c, "ab");
    press(&mut c, key(KeyCode::Home));
    assert_eq!(press(&mut c, ctrl('d')), ComposerAction::None);
    assert_eq!(shown(&c), "|b");
}

#[test]
fn key_releases_are_ignored() {
    let mut c = Composer::new();
    let mut release = key(KeyCode::Char('x'));
    release.kind = KeyEventKind::Release;
    press(&mut c, release);
    assert!(c.is_empty());
    let mut repeat = key(KeyCode::Char('x'));
    repeat.kind = KeyEventKind::Repeat;
    press(&mut c, repeat);
    assert_eq!(c.text(), "x");
}

// ---- editing --------------------------------------------------------------------------------

#[test]
fn typing_unicode_and_shifted_characters() {
    let mut c = Composer::new();
    press(&mut c, with(KeyCode::Char('H'), KeyModifiers::SHIFT));
    type_str(&mut c, "é 你好 👍🏽 🇫🇷");
    assert_eq!(c.text(), "Hé 你好 👍🏽 🇫🇷");
}

#[test]
fn control_characters_are_not_inserted() {
    let mut c = Composer::new();
    press(&mut c, key(KeyCode::Char('\u{1b}')));
    press(&mut c, key(KeyCode::Char('\u{7}')));
    press(&mut c, alt('x'));
    press(
        &mut c,
        with(
            KeyCode::Char('q'),
            KeyModifiers::CONTROL | KeyModifiers::ALT,
        ),
    );
    if !cfg!(windows) {
        assert!(c.is_empty());
    }
}

#[test]
fn backspace_and_delete_remove_whole_graphemes() {
    // e + combining acute, a family emoji (ZWJ sequence), a flag.
    let mut c = composer_with("ae\u{301}👨‍👩‍👧🇫🇷z");
    press(&mut c, key(KeyCode::Backspace));
    assert_eq!(c.text(), "ae\u{301}👨‍👩‍👧🇫🇷");
    press(&mut c, key(KeyCode::Backspace));
    assert_eq!(c.text(), "ae\u{301}👨‍👩‍👧");
    press(&mut c, key(KeyCode::Backspace));
    assert_eq!(c.text(), "ae\u{301}");
    press(&mut c, key(KeyCode::Home));
    press(&mut c, key(KeyCode::Right));
    press(&mut c, key(KeyCode::Delete));
    assert_eq!(shown(&c), "a|");
    press(&mut c, key(KeyCode::Delete));
    assert_eq!(shown(&c), "a|");
    press(&mut c, ctrl('h'));
    assert_eq!(shown(&c), "|");
    press(&mut c, key(KeyCode::Backspace));
    assert_eq!(shown(&c), "|");
}

#[test]
fn left_and_right_move_by_grapheme() {
    let mut c = composer_with("a你👍🏽b");
    press(&mut c, key(KeyCode::Left));
    assert_eq!(shown(&c), "a你👍🏽|b");
    press(&mut c, key(KeyCode::Left));
    assert_eq!(shown(&c), "a你|👍🏽b");
    press(&mut c, ctrl('b'));
    assert_eq!(shown(&c), "a|你👍🏽b");
    press(&mut c, key(KeyCode::Left));
    press(&mut c, key(KeyCode::Left));
    assert_eq!(shown(&c), "|a你👍🏽b");
    press(&mut c, key(KeyCode::Right));
    press(&mut c, ctrl('f'));
    assert_eq!(shown(&c), "a你|👍🏽b");
    press(&mut c, key(KeyCode::Right));
    press(&mut c, key(KeyCode::Right));
    press(&mut c, key(KeyCode::Right));
    assert_eq!(shown(&c), "a你👍🏽b|");
}

#[test]
fn home_end_and_ctrl_a_e_work_on_the_current_line() {
    let mut c = composer_with("one\ntwo three\nfour");
    press(&mut c, key(KeyCode::Up));
    assert_eq!(shown(&c), "one\ntwo |three\nfour");
    press(&mut c, key(KeyCode::Home));
    assert_eq!(shown(&c), "one\n|two three\nfour");
    press(&mut c, key(KeyCode::End));
    assert_eq!(shown(&c), "one\ntwo three|\nfour");
    press(&mut c, ctrl('a'));
    assert_eq!(shown(&c), "one\n|two three\nfour");
    press(&mut c, ctrl('e'));
    assert_eq!(shown(&c), "one\ntwo three|\nfour");
    press(&mut c, with(KeyCode::Home, KeyModifiers::CONTROL));
    assert_eq!(shown(&c), "|one\ntwo three\nfour");
    press(&mut c, with(KeyCode::End, KeyModifiers::CONTROL));
    assert_eq!(shown(&c), "one\ntwo three\nfour|");
}

#[test]
fn word_motions() {
    let mut c = composer_with("git commit -m 'fix: foo_bar'");
    press(&mut c, with(KeyCode::Left, KeyModifiers::ALT));
    assert_eq!(shown(&c), "git commit -m 'fix: foo_bar|'");
    press(&mut c, with(KeyCode::Left, KeyModifiers::ALT));
    assert_eq!(shown(&c), "git commit -m 'fix: |foo_bar'");
    press(&mut c, with(KeyCode::Left, KeyModifiers::CONTROL));
    assert_eq!(shown(&c), "git commit -m 'fix|: foo_bar'");
    press(&mut c, alt('b'));
    assert_eq!(shown(&c), "git commit -m '|fix: foo_bar'");
    press(&mut c, key(KeyCode::Home));
    press(&mut c, with(KeyCode::Right, KeyModifiers::ALT));
    assert_eq!(shown(&c), "git| commit -m 'fix: foo_bar'");
    press(&mut c, with(KeyCode::Right, KeyModifiers::CONTROL));
    assert_eq!(shown(&c), "git commit| -m 'fix: foo_bar'");
    press(&mut c, alt('f'));
    assert_eq!(shown(&c), "git commit -|m 'fix: foo_bar'");
}

#[test]
fn word_motions_treat_cjk_as_word_characters() {
    let mut c = composer_with("说 你好");
    press(&mut c, with(KeyCode::Left, KeyModifiers::ALT));
    assert_eq!(shown(&c), "说 |你好");
}

#[test]
fn delete_word_back() {
    let mut c = composer_with("open src/main.rs  ");
    press(&mut c, ctrl('w'));
    assert_eq!(shown(&c), "open src/main.|");
    press(&mut c, with(KeyCode::Backspace, KeyModifiers::ALT));
    assert_eq!(shown(&c), "open src/main|");
    press(&mut c, with(KeyCode::Backspace, KeyModifiers::CONTROL));
    assert_eq!(shown(&c), "open src/|");
    press(&mut c, ctrl('w'));
    press(&mut c, ctrl('w'));
    assert_eq!(shown(&c), "open |");
}

#[test]
fn delete_word_forward() {
    let mut c = composer_with("alpha beta gamma");
    press(&mut c, key(KeyCode::Home));
    press(&mut c, alt('d'));
    assert_eq!(shown(&c), "| beta gamma");
    press(&mut c, with(KeyCode::Delete, KeyModifiers::CONTROL));
    assert_eq!(shown(&c), "| gamma");
}

#[test]
fn ctrl_u_and_ctrl_k_kill_to_the_line_edges_and_ctrl_y_yanks() {
    let mut c = composer_with("first\nsecond line");
    for _ in 0..4 {
        press(&mut c, key(KeyCode::Left));
    }
    press(&mut c, ctrl('k'));
    assert_eq!(shown(&c), "first\nsecond |");
    press(&mut c, ctrl('y'));
    assert_eq!(shown(&c), "first\nsecond line|");
    press(&mut c, ctrl('u'));
    assert_eq!(shown(&c), "first\n|");
    // At the start of a line Ctrl-U joins it to the line before.
    press(&mut c, ctrl('u'));
    assert_eq!(shown(&c), "first|");
    press(&mut c, key(KeyCode::Home));
    press(&mut c, ctrl('k'));
    assert_eq!(shown(&c), "|");
    let mut c = composer_with("ab\ncd");
    press(&mut c, key(KeyCode::Up));
    press(&mut c, key(KeyCode::End));
    // At the end of a line Ctrl-K joins the next one.
    press(&mut c, ctrl('k'));
    assert_eq!(shown(&c), "ab|cd");
}

// ---- up and down, history -------------------------------------------------------------------

#[test]
fn up_and_down_move_between_lines_keeping_the_column() {
    let mut c = composer_with("a long line\nab\nanother line");
    press(&mut c, key(KeyCode::Home));
    for _ in 0..6 {
        press(&mut c, key(KeyCode::Right));
    }
    assert_eq!(shown(&c), "a long line\nab\nanothe|r line");
    press(&mut c, key(KeyCode::Up));
    assert_eq!(shown(&c), "a long line\nab|\nanother line");
    press(&mut c, ctrl('p'));
    assert_eq!(shown(&c), "a long| line\nab\nanother line");
    press(&mut c, key(KeyCode::Down));
    press(&mut c, ctrl('n'));
    assert_eq!(shown(&c), "a long line\nab\nanothe|r line");
}

#[test]
fn up_and_down_move_between_wrapped_lines() {
    let mut c = composer_with("aaaa bbbb cccc");
    // Width 8 leaves 6 columns: "aaaa " / "bbbb " / "cccc".
    assert_eq!(c.desired_height(8), 3);
    press(&mut c, key(KeyCode::Left));
    press(&mut c, key(KeyCode::Up));
    assert_eq!(shown(&c), "aaaa bbb|b cccc");
    press(&mut c, key(KeyCode::Up));
    assert_eq!(shown(&c), "aaa|a bbbb cccc");
    let mut c = composer_with("aaaa bb cccc");
    assert_eq!(c.desired_height(8), 3);
    // The end of the wrapped middle line would be the start of the next one, so the
    // cursor stops before the space it wrapped at.
    press(&mut c, key(KeyCode::Up));
    assert_eq!(shown(&c), "aaaa bb| cccc");
}

#[test]
fn history_walk_keeps_the_draft() {
    let mut c = Composer::new();
    c.set_history(vec![
        "first".into(),
        "second\ntwo lines".into(),
        "third".into(),
    ]);
    type_str(&mut c, "my draft");
    press(&mut c, key(KeyCode::Up));
    assert_eq!(c.text(), "third");
    press(&mut c, key(KeyCode::Up));
    assert_eq!(c.text(), "second\ntwo lines");
    // The cursor is on the entry's first line, so Up goes on to older entries.
    assert_eq!(shown(&c), "second|\ntwo lines");
    press(&mut c, key(KeyCode::Up));
    assert_eq!(c.text(), "first");
    // Nothing older: the cursor goes to the start.
    press(&mut c, key(KeyCode::Up));
    assert_eq!(shown(&c), "|first");
    press(&mut c, key(KeyCode::Down));
    assert_eq!(shown(&c), "second\ntwo lines|");
    press(&mut c, key(KeyCode::Down));
    assert_eq!(c.text(), "third");
    press(&mut c, key(KeyCode::Down));
    assert_eq!(shown(&c), "my draft|");
    press(&mut c, key(KeyCode::Down));
    assert_eq!(shown(&c), "my draft|");
}

#[test]
fn editing_a_recalled_entry_leaves_the_history_alone() {
    let mut c = Composer::new();
    c.set_history(vec!["old".into(), "new".into()]);
    press(&mut c, key(KeyCode::Up));
    type_str(&mut c, " edited");
    assert_eq!(c.text(), "new edited");
    press(&mut c, key(KeyCode::Up));
    assert_eq!(c.text(), "old");
    press(&mut c, key(KeyCode::Down));
    assert_eq!(c.text(), "new");
    press(&mut c, key(KeyCode::Down));
    assert_eq!(c.text(), "");
    assert_eq!(c.history, vec!["old".to_string(), "new".to_string()]);
}

#[test]
fn submitting_a_recalled_entry_ends_the_walk() {
    let mut c = Composer::new();
    c.set_history(vec!["one".into()]);
    type_str(&mut c, "draft");
    press(&mut c, key(KeyCode::Up));
    assert_eq!(
        press(&mut c, key(KeyCode::Enter)),
        ComposerAction::Submit("one".into())
    );
    c.push_history("one");
    c.push_history("two");
    assert_eq!(c.history, vec!["one".to_string(), "two".to_string()]);
    press(&mut c, key(KeyCode::Up));
    assert_eq!(c.text(), "two");
    press(&mut c, key(KeyCode::Down));
    assert_eq!(c.text(), "");
}

#[test]
fn up_without_history_goes_to_the_start_and_down_to_the_end() {
    let mut c = composer_with("abc");
    press(&mut c, key(KeyCode::Up));
    assert_eq!(shown(&c), "|abc");
    press(&mut c, key(KeyCode::Down));
    assert_eq!(shown(&c), "abc|");
}

#[test]
fn set_text_puts_the_cursor_at_the_end() {
    let mut c = composer_with("something");
    c.set_text("previous\r\nmessage");
    assert_eq!(shown(&c), "previous\nmessage|");
    c.set_text("");
    assert!(c.is_empty());
}

// ---- pastes ---------------------------------------------------------------------------------

#[test]
fn small_paste_is_inserted_as_is() {
    let mut c = composer_with("ab");
    press(&mut c, key(KeyCode::Left));
    c.handle_paste("x\r\ny\rz\tw\u{1b}[0m".into());
    assert_eq!(shown(&c), "ax\ny\nz\tw[0m|b");
}

#[test]
fn large_paste_becomes_a_placeholder_expanded_on_submit() {
    let mut c = composer_with("see ");
    let content = big_paste(1001, 'x');
    c.handle_paste(content.clone());
    type_str(&mut c, " thanks");
    assert_eq!(c.text(), "see [Pasted Content 1001 chars] thanks");
    assert_eq!(
        press(&mut c, key(KeyCode::Enter)),
        ComposerAction::Submit(format!("see {content} thanks"))
    );
}

#[test]
fn paste_of_many_lines_becomes_a_placeholder() {
    let mut c = Composer::new();
    let ten = "line\n".repeat(10);
    c.handle_paste(ten.clone());
    assert_eq!(c.text(), ten);
    c.set_text("");
    let eleven = "line\r\n".repeat(11);
    c.handle_paste(eleven);
    assert_eq!(c.text(), "[Pasted Content 55 chars]");
    assert_eq!(
        press(&mut c, key(KeyCode::Enter)),
        ComposerAction::Submit("line\n".repeat(11).trim_end().to_string())
    );
}

#[test]
fn exactly_1000_characters_is_not_large() {
    let mut c = Composer::new();
    c.handle_paste("é".repeat(1000));
    assert_eq!(c.text().chars().count(), 1000);
    assert!(c.buf.elements.is_empty());
}

#[test]
fn placeholders_are_atomic() {
    let mut c = composer_with("a");
    c.handle_paste(big_paste(2000, 'p'));
    type_str(&mut c, "b");
    let label_len = "[Pasted Content 2000 chars]".len();
    press(&mut c, key(KeyCode::Left));
    press(&mut c, key(KeyCode::Left));
    assert_eq!(c.buf.cursor, 1, "Left jumps over the whole placeholder");
    press(&mut c, key(KeyCode::Right));
    assert_eq!(c.buf.cursor, 1 + label_len);
    press(&mut c, key(KeyCode::Backspace));
    assert_eq!(shown(&c), "a|b");
    assert!(c.buf.elements.is_empty());
    c.handle_paste(big_paste(2000, 'p'));
    press(&mut c, key(KeyCode::Home));
    press(&mut c, key(KeyCode::Right));
    press(&mut c, key(KeyCode::Delete));
    assert_eq!(shown(&c), "a|b");
    // Typing next to a placeholder leaves it whole.
    c.handle_paste(big_paste(2000, 'p'));
    press(&mut c, key(KeyCode::Home));
    press(&mut c, key(KeyCode::End));
    press(&mut c, key(KeyCode::Left));
    type_str(&mut c, "c");
    assert_eq!(
        press(&mut c, key(KeyCode::Enter)),
        ComposerAction::Submit(format!("a{}cb", big_paste(2000, 'p')))
    );
}

#[test]
fn word_delete_removes_a_placeholder_whole() {
    let mut c = composer_with("x ");
    c.handle_paste(big_paste(1500, 'q'));
    press(&mut c, ctrl('w'));
    assert_eq!(shown(&c), "x |");
    // Killed placeholders come back whole with Ctrl-Y.
    press(&mut c, ctrl('y'));
    assert_eq!(c.text(), "x [Pasted Content 1500 chars]");
    assert_eq!(
        press(&mut c, key(KeyCode::Enter)),
        ComposerAction::Submit(format!("x {}", big_paste(1500, 'q')))
    );
}

#[test]
fn same_size_pastes_get_distinct_placeholders() {
    let mut c = Composer::new();
    let first = big_paste(1200, 'a');
    let second = big_paste(1200, 'b');
    let third = big_paste(1200, 'c');
    c.handle_paste(first.clone());
    type_str(&mut c, " ");
    c.handle_paste(second.clone());
    type_str(&mut c, " ");
    c.handle_paste(third.clone());
    assert_eq!(
        c.text(),
        "[Pasted Content 1200 chars] [Pasted Content 1200 chars #2] [Pasted Content 1200 chars #3]"
    );
    assert_eq!(
        press(&mut c, key(KeyCode::Enter)),
        ComposerAction::Submit(format!("{first} {second} {third}"))
    );
}

#[test]
fn a_typed_copy_of_a_label_is_plain_text() {
    let mut c = Composer::new();
    c.set_text("[Pasted Content 5 chars]");
    assert_eq!(
        press(&mut c, key(KeyCode::Enter)),
        ComposerAction::Submit("[Pasted Content 5 chars]".into())
    );
}

#[test]
fn up_and_down_skip_over_a_placeholder_wider_than_the_line() {
    let mut c = composer_with("ab\n");
    c.handle_paste(big_paste(3000, 'z'));
    type_str(&mut c, "\ncd");
    // 10 text columns: the 27-column label takes three rows.
    assert_eq!(c.desired_height(12), 5);
    let start = "ab\n".len();
    let end = start + "[Pasted Content 3000 chars]".len();
    // Up onto the placeholder's last row: its end is there.
    press(&mut c, key(KeyCode::Up));
    assert_eq!(c.buf.cursor, end);
    // Up onto a row inside it: over it to its start.
    press(&mut c, key(KeyCode::Up));
    assert_eq!(c.buf.cursor, start);
    press(&mut c, key(KeyCode::Up));
    assert!(c.buf.cursor <= 2);
    press(&mut c, key(KeyCode::Down));
    assert_eq!(c.buf.cursor, start);
    press(&mut c, key(KeyCode::Down));
    assert_eq!(c.buf.cursor, end);
    press(&mut c, key(KeyCode::Down));
    assert!(c.buf.cursor > end);
    check_invariants(&c);
}

// ---- tokens ---------------------------------------------------------------------------------

#[test]
fn current_token_finds_a_mention_around_the_cursor() {
    let mut c = composer_with("look at @file please");
    for _ in 0.." please".len() + 2 {
        press(&mut c, key(KeyCode::Left));
    }
    assert_eq!(shown(&c), "look at @fi|le please");
    let token = c.current_token().unwrap();
    assert_eq!(token.kind, TokenKind::Mention);
    assert_eq!(token.query, "file");
    assert_eq!(&c.text()[token.range.clone()], "@file");
    c.replace_current_token("@src/file.rs ");
    assert_eq!(shown(&c), "look at @src/file.rs | please");
    assert_eq!(c.current_token(), None);
}

#[test]
fn current_token_finds_a_leading_command() {
    let mut c = composer_with("/model");
    for _ in 0..3 {
        press(&mut c, key(KeyCode::Left));
    }
    assert_eq!(shown(&c), "/mo|del");
    let token = c.current_token().unwrap();
    assert_eq!(token.kind, TokenKind::Command);
    assert_eq!(token.query, "model");
    assert_eq!(token.range, 0..6);
    c.replace_current_token("/mode ");
    assert_eq!(shown(&c), "/mode |");
}

#[test]
fn current_token_ignores_other_words() {
    assert_eq!(composer_with("use /model").current_token(), None);
    assert_eq!(composer_with(" /model").current_token(), None);
    assert_eq!(composer_with("//model").current_token(), None);
    assert_eq!(composer_with("mail me@example.com").current_token(), None);
    assert_eq!(composer_with("word ").current_token(), None);
    assert_eq!(Composer::new().current_token(), None);
    let bare = composer_with("see @").current_token().unwrap();
    assert_eq!((bare.kind, bare.query.as_str()), (TokenKind::Mention, ""));
    let mut c = composer_with("@你好");
    press(&mut c, key(KeyCode::Left));
    assert_eq!(c.current_token().unwrap().query, "你好");
}

#[test]
fn replace_without_a_token_does_nothing() {
    let mut c = composer_with("plain");
    c.replace_current_token("@x");
    assert_eq!(shown(&c), "plain|");
}

// ---- wrapping and the cursor ----------------------------------------------------------------

#[test]
fn height_grows_with_wrapped_text_up_to_the_maximum() {
    let mut c = Composer::new();
    assert_eq!(c.desired_height(20), 1);
    type_str(&mut c, "one two three four five");
    // 8 text columns.
    assert_eq!(c.desired_height(10), 4);
    c.set_max_rows(3);
    assert_eq!(c.desired_height(10), 3);
    assert_eq!(c.desired_height(0), 3);
    assert_eq!(c.desired_height(1), 3);
}

#[test]
fn words_wrap_at_spaces_and_long_words_break() {
    let c = composer_with("hello world abcdefghijklmnop");
    let (buf, cursor) = render_fit(&c, 10);
    // The last row is full, so the cursor goes to a row of its own.
    assert_eq!(
        rows(&buf),
        ["› hello", "  world", "  abcdefgh", "  ijklmnop", ""]
    );
    assert_eq!(cursor, Some((2, 4)));
}

#[test]
fn cursor_after_a_wrap_is_at_the_start_of_the_next_row() {
    let mut c = composer_with("hello world");
    press(&mut c, with(KeyCode::Left, KeyModifiers::ALT));
    // "hello " hangs its space; the cursor before "world" is on the second row.
    let (buf, cursor) = render_fit(&c, 7);
    assert_eq!(rows(&buf), ["› hello", "  world"]);
    assert_eq!(cursor, Some((2, 1)));
    press(&mut c, key(KeyCode::End));
    let (_, cursor) = render_fit(&c, 7);
    // "world" fills the row: the next character goes on a new row.
    assert_eq!(c.desired_height(7), 3);
    assert_eq!(cursor, Some((2, 2)));
    let c = composer_with("hell");
    assert_eq!(render_fit(&c, 7).1, Some((6, 0)));
}

#[test]
fn cursor_before_a_hanging_space_is_on_an_extra_row() {
    let mut c = composer_with("hello world");
    for _ in 0..6 {
        press(&mut c, key(KeyCode::Left));
    }
    assert_eq!(shown(&c), "hello| world");
    let (buf, cursor) = render_fit(&c, 7);
    assert_eq!(rows(&buf), ["› hello", "", "  world"]);
    assert_eq!(cursor, Some((2, 1)));
}

#[test]
fn cursor_at_the_end_of_a_full_line_before_a_newline() {
    let mut c = composer_with("abcde\nxy");
    press(&mut c, key(KeyCode::Up));
    press(&mut c, key(KeyCode::End));
    let (buf, cursor) = render_fit(&c, 7);
    assert_eq!(rows(&buf), ["› abcde", "", "  xy"]);
    assert_eq!(cursor, Some((2, 1)));
    press(&mut c, key(KeyCode::Left));
    let (buf, cursor) = render_fit(&c, 7);
    assert_eq!(rows(&buf), ["› abcde", "  xy"]);
    assert_eq!(cursor, Some((6, 0)));
}

#[test]
fn cjk_takes_two_columns_and_wraps_whole() {
    let c = composer_with("你好世界和平");
    // 5 text columns hold two wide characters.
    let (buf, cursor) = render_fit(&c, 7);
    assert_eq!(rows(&buf), ["› 你好", "  世界", "  和平"]);
    assert_eq!(cursor, Some((6, 2)));
    let mut c = composer_with("a你");
    let (_, cursor) = render_fit(&c, 10);
    assert_eq!(cursor, Some((5, 0)));
    press(&mut c, key(KeyCode::Left));
    assert_eq!(render_fit(&c, 10).1, Some((3, 0)));
}

#[test]
fn emoji_take_two_columns() {
    let c = composer_with("👍🏽👨‍👩‍👧x");
    assert_eq!(render_fit(&c, 20).1, Some((7, 0)));
    let c = composer_with("🇫🇷🇩🇪");
    assert_eq!(render_fit(&c, 20).1, Some((6, 0)));
    // 3 text columns: one emoji per row.
    let c = composer_with("👍👍");
    let (buf, cursor) = render_fit(&c, 5);
    assert_eq!(rows(&buf), ["› 👍", "  👍"]);
    assert_eq!(cursor, Some((4, 1)));
}

#[test]
fn combining_marks_take_no_column() {
    let c = composer_with("e\u{301}e\u{301}");
    assert_eq!(render_fit(&c, 20).1, Some((4, 0)));
}

#[test]
fn tabs_take_four_columns() {
    let mut c = Composer::new();
    c.handle_paste("\tx".into());
    assert_eq!(render_fit(&c, 20).1, Some((7, 0)));
}

#[test]
fn multi_line_rows_are_indented() {
    let c = composer_with("first\n\nthird");
    let (buf, cursor) = render_fit(&c, 20);
    assert_eq!(rows(&buf), ["› first", "", "  third"]);
    assert_eq!(cursor, Some((7, 2)));
}

#[test]
fn tall_text_scrolls_to_keep_the_cursor_visible() {
    let mut c = Composer::new();
    c.set_max_rows(3);
    type_str(&mut c, "1\n2\n3\n4\n5");
    let (buf, cursor) = render_fit(&c, 10);
    assert_eq!(rows(&buf), ["  3", "  4", "  5"]);
    assert_eq!(cursor, Some((3, 2)));
    for _ in 0..3 {
        press(&mut c, key(KeyCode::Up));
    }
    let (buf, cursor) = render_fit(&c, 10);
    assert_eq!(rows(&buf), ["  2", "  3", "  4"]);
    assert_eq!(cursor, Some((3, 0)));
    press(&mut c, key(KeyCode::Up));
    let (buf, cursor) = render_fit(&c, 10);
    assert_eq!(rows(&buf), ["› 1", "  2", "  3"]);
    assert_eq!(cursor, Some((3, 0)));
    // Moving down inside the shown rows does not scroll.
    press(&mut c, key(KeyCode::Down));
    let (buf, _) = render_fit(&c, 10);
    assert_eq!(rows(&buf), ["› 1", "  2", "  3"]);
}

#[test]
fn render_in_an_offset_area_and_clears_it() {
    let c = composer_with("hi");
    let mut buf = Buffer::empty(Rect::new(0, 0, 10, 4));
    for y in 0..4 {
        buf.set_string(0, y, "##########", ratatui::style::Style::new());
    }
    let cursor = c.render(Rect::new(3, 2, 6, 1), &mut buf);
    assert_eq!(
        rows(&buf),
        ["##########", "##########", "###› hi  #", "##########"]
    );
    assert_eq!(cursor, Some((7, 2)));
    // An area outside the buffer draws nothing and does not panic.
    assert_eq!(c.render(Rect::new(20, 20, 5, 5), &mut buf), None);
    assert_eq!(c.render(Rect::new(0, 0, 0, 1), &mut buf), None);
}

#[test]
fn placeholder_hint_is_dim() {
    let mut c = Composer::new();
    c.set_placeholder("Ask anything");
    let (buf, cursor) = render(&c, 10, 1);
    assert_eq!(rows(&buf), ["› Ask anyt"]);
    assert!(buf[(2, 0)].modifier.contains(Modifier::DIM));
    assert_eq!(cursor, Some((2, 0)));
}

// ---- snapshots ------------------------------------------------------------------------------

#[test]
fn snapshot_empty_with_hint() {
    let mut c = Composer::new();
    c.set_placeholder("Ask anything, / for commands, @ for files");
    insta::assert_snapshot!(snapshot(&c, 50));
}

#[test]
fn snapshot_one_line() {
    let c = composer_with("Explain this codebase");
    insta::assert_snapshot!(snapshot(&c, 40));
}

#[test]
fn snapshot_wrapped_multi_line_with_cursor() {
    let mut c = composer_with(
        "Refactor the parser so that errors carry spans\nthen add tests for 你好 and 👍🏽 input",
    );
    for _ in 0.." input".len() {
        press(&mut c, key(KeyCode::Left));
    }
    insta::assert_snapshot!(snapshot(&c, 24));
}

#[test]
fn snapshot_placeholder() {
    let mut c = composer_with("Fix the failure in ");
    c.handle_paste("error: test failed\n".repeat(60));
    type_str(&mut c, " please");
    insta::assert_snapshot!(snapshot(&c, 40));
}

// ---- robustness -----------------------------------------------------------------------------

/// A small deterministic generator, so failures repeat.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const ODD: &[&str] = &[
    "a",
    " ",
    "\t",
    "\n",
    "\r",
    "\r\n",
    "\u{0}",
    "\u{1b}",
    "\u{7f}",
    "\u{85}",
    "e\u{301}",
    "\u{301}",
    "\u{200d}",
    "\u{200b}",
    "\u{fe0f}",
    "👨‍👩‍👧",
    "👍🏽",
    "🇫🇷",
    "🇺",
    "你",
    "ｶﾞ",
    "\u{ff9e}",
    "\u{202e}",
    "\u{2028}",
    "\u{3000}",
    "\u{a0}",
    "\u{feff}",
    "@",
    "/",
    "[",
    "]",
    "x",
    "Ω",
    "ﷺ",
    "\u{e0041}",
    "\u{10ffff}",
];

fn random_key(rng: &mut Rng) -> KeyEvent {
    let codes = [
        KeyCode::Enter,
        KeyCode::Backspace,
        KeyCode::Delete,
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::Esc,
        KeyCode::Tab,
        KeyCode::PageUp,
        KeyCode::F(5),
    ];
    let modifiers = [
        KeyModifiers::NONE,
        KeyModifiers::NONE,
        KeyModifiers::SHIFT,
        KeyModifiers::ALT,
        KeyModifiers::CONTROL,
        KeyModifiers::CONTROL | KeyModifiers::ALT,
    ];
    let code = if rng.below(2) == 0 {
        let s = rng.pick(ODD);
        let letters = "abcdefhjkmnpuwyABZ";
        if rng.below(3) == 0 {
            KeyCode::Char(letters.chars().nth(rng.below(letters.len())).unwrap())
        } else {
            KeyCode::Char(s.chars().next().unwrap())
        }
    } else {
        *rng.pick(&codes)
    };
    let mut event = KeyEvent::new(code, *rng.pick(&modifiers));
    // Ctrl-C, Ctrl-D and Enter only report; keep the text growing most of the time.
    if matches!(code, KeyCode::Char('c') | KeyCode::Char('d')) {
        event.modifiers = KeyModifiers::NONE;
    }
    event
}

fn random_paste(rng: &mut Rng) -> String {
    let pieces = match rng.below(4) {
        0 => 1200 + rng.below(400),
        1 => 12,
        _ => rng.below(20),
    };
    let mut s = String::new();
    for _ in 0..pieces {
        let piece: &str = rng.pick::<&str>(ODD);
        s.push_str(piece);
    }
    if rng.below(4) == 0 {
        s.push_str(&"line\n".repeat(11));
    }
    s
}

#[test]
fn random_input_never_panics() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..80 {
        let mut c = Composer::new();
        c.set_history(vec!["old 你好".into(), "a\nb\nc".into(), String::new()]);
        c.set_placeholder("hint 👍 \u{1b}[31m");
        c.set_max_rows(1 + (round % 6) as u16);
        for _ in 0..300 {
            match rng.below(12) {
                0 => c.handle_paste(random_paste(&mut rng)),
                1 => {
                    let with = rng.pick(ODD).to_string();
                    c.replace_current_token(&with);
                }
                2 => {
                    let width = rng.below(14) as u16;
                    let height = c.desired_height(width);
                    let area = Rect::new(1, 1, width, height.min(rng.below(6) as u16));
                    let mut buf = Buffer::empty(Rect::new(0, 0, 16, 8));
                    if let Some((x, y)) = c.render(area, &mut buf) {
                        assert!(
                            area.contains((x, y).into()),
                            "cursor {x},{y} outside {area:?}"
                        );
                    }
                }
                _ => {
                    let event = random_key(&mut rng);
                    if let ComposerAction::Submit(text) = c.handle_key(event) {
                        assert!(!text.is_empty());
                        assert_eq!(text.trim_end(), text);
                    }
                }
            }
            check_invariants(&c);
            let _ = c.current_token();
            let _ = c.text();
        }
        // Every position renders with the cursor inside the area.
        for width in [1u16, 3, 4, 7] {
            let height = c.desired_height(width);
            let (_, cursor) = render(&c, width, height);
            assert!(cursor.is_some());
        }
    }
}

#[test]
fn cursor_is_always_where_the_next_character_appears() {
    // Without spaces nothing rewraps, so the cursor before each key must be where the
    // character is then drawn (for narrow characters: a wide one may not fit on the row).
    let mut rng = Rng(42);
    for width in [4u16, 5, 8] {
        let mut c = Composer::new();
        c.set_max_rows(200);
        for _ in 0..60 {
            let s = *rng.pick(&["a", "你", "👍", "b", "\n"]);
            let (_, cursor) = render_fit(&c, width);
            type_str(&mut c, s);
            if s == "a" || s == "b" {
                let (buf, _) = render_fit(&c, width);
                let (x, y) = cursor.unwrap();
                assert_eq!(
                    buf[(x, y)].symbol(),
                    s,
                    "width {width}, text {:?}",
                    c.text()
                );
            }
        }
    }
}

#[test]
fn typing_into_a_large_input_stays_linear() {
    let mut c = Composer::new();
    let chunk = "lorem ipsum dolor sit amet 你好 ";
    while c.text().chars().count() < 5000 {
        c.handle_paste(chunk.into());
    }
    press(&mut c, key(KeyCode::Home));
    for _ in 0..50 {
        press(&mut c, key(KeyCode::Right));
    }
    let started = Instant::now();
    for i in 0..200 {
        press(
            &mut c,
            key(KeyCode::Char(if i % 7 == 0 { ' ' } else { 'x' })),
        );
        let height = c.desired_height(80);
        let (_, cursor) = render(&c, 80, height);
        assert!(cursor.is_some());
        press(&mut c, key(KeyCode::Up));
        press(&mut c, key(KeyCode::Down));
    }
    // Each key costs a few passes over the text; 200 of them on a 5,000-character text
    // take milliseconds, where quadratic work per key would take far longer.
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}
