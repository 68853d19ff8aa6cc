//! The text being edited: a string, a cursor, and the paste placeholders inside it.
//!
//! A placeholder is an "element": a byte range of the text showing a short label while
//! the element keeps the pasted content. Every edit keeps the cursor out of element
//! interiors and deletes elements whole, so a label can never be half edited.

use std::ops::Range;

use unicode_segmentation::GraphemeCursor;

/// A paste shown as its label (`text[range]`), sent as `content`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Element {
    pub range: Range<usize>,
    pub content: String,
}

/// Text removed by a kill command, with the elements it held (ranges relative to `text`), so
/// a yank brings the placeholders back and not just their labels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Fragment {
    pub text: String,
    pub elements: Vec<Element>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct TextBuffer {
    pub text: String,
    /// Sorted by position, never overlapping, always on char boundaries of `text`.
    pub elements: Vec<Element>,
    /// A byte offset on a char boundary, never strictly inside an element.
    pub cursor: usize,
}

/// What a word motion treats as one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Space,
    Word,
    Punct,
    Element,
}

/// Turns terminal input into what the buffer may hold: line ends become `\n` (CRLF and lone
/// CR from Windows or old Mac pastes), tabs stay, and every other control character goes,
/// since it would draw as nothing or move the real terminal cursor.
pub(super) fn sanitize(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

impl TextBuffer {
    pub fn from_text(text: String) -> Self {
        let cursor = text.len();
        TextBuffer {
            text,
            elements: Vec::new(),
            cursor,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The text with every placeholder replaced by its content.
    pub fn expanded(&self) -> String {
        let extra: usize = self.elements.iter().map(|e| e.content.len()).sum();
        let mut out = String::with_capacity(self.text.len() + extra);
        let mut pos = 0;
        for element in &self.elements {
            out.push_str(self.text.get(pos..element.range.start).unwrap_or_default());
            out.push_str(&element.content);
            pos = element.range.end;
        }
        out.push_str(self.text.get(pos..).unwrap_or_default());
        out
    }

    /// The element that `pos` lies strictly inside of.
    pub fn element_around(&self, pos: usize) -> Option<&Element> {
        let idx = self.elements.partition_point(|e| e.range.end <= pos);
        self.elements
            .get(idx)
            .filter(|e| e.range.start < pos && pos < e.range.end)
    }

    /// The stretch of plain text around `pos`: from the end of the element before it (or
    /// the start) to the start of the element after it (or the end).
    pub fn segment_bounds(&self, pos: usize) -> (usize, usize) {
        let idx = self.elements.partition_point(|e| e.range.end <= pos);
        let start = match idx {
            0 => 0,
            i => self.elements.get(i - 1).map_or(0, |e| e.range.end),
        };
        let end = self
            .elements
            .get(idx)
            .map_or(self.text.len(), |e| e.range.start.max(pos));
        (start.min(pos), end)
    }

    /// The previous cursor stop: one grapheme back, or over a whole element.
    pub fn prev_boundary(&self, pos: usize) -> usize {
        if pos == 0 {
            return 0;
        }
        if let Some(e) = self.elements.iter().find(|e| e.range.end == pos) {
            return e.range.start;
        }
        if let Some(e) = self.element_around(pos) {
            return e.range.start;
        }
        // Graphemes are found within the plain stretch only, the same way the layout splits
        // the text, so a combining mark typed after a label never joins the label.
        let (start, end) = self.segment_bounds(pos);
        let Some(chunk) = self.text.get(start..end) else {
            return self.prev_char(pos);
        };
        let mut cursor = GraphemeCursor::new(pos - start, chunk.len(), true);
        match cursor.prev_boundary(chunk, 0) {
            Ok(Some(b)) => start + b,
            Ok(None) => start,
            Err(_) => self.prev_char(pos),
        }
    }

    /// The next cursor stop: one grapheme on, or over a whole element.
    pub fn next_boundary(&self, pos: usize) -> usize {
        let len = self.text.len();
        if pos >= len {
            return len;
        }
        if let Some(e) = self.elements.iter().find(|e| e.range.start == pos) {
            return e.range.end;
        }
        if let Some(e) = self.element_around(pos) {
            return e.range.end;
        }
        let (start, end) = self.segment_bounds(pos);
        let Some(chunk) = self.text.get(start..end) else {
            return self.next_char(pos);
        };
        let mut cursor = GraphemeCursor::new(pos - start, chunk.len(), true);
        match cursor.next_boundary(chunk, 0) {
            Ok(Some(b)) => start + b,
            Ok(None) => end,
            Err(_) => self.next_char(pos),
        }
    }

    fn prev_char(&self, pos: usize) -> usize {
        let mut p = pos.min(self.text.len()).saturating_sub(1);
        while p > 0 && !self.text.is_char_boundary(p) {
            p -= 1;
        }
        p
    }

    fn next_char(&self, pos: usize) -> usize {
        let len = self.text.len();
        let mut p = (pos + 1).min(len);
        while p < len && !self.text.is_char_boundary(p) {
            p += 1;
        }
        p
    }

    /// The class of the unit just before `pos` (None at the start).
    fn class_before(&self, pos: usize) -> Option<Class> {
        if pos == 0 {
            return None;
        }
        if self.elements.iter().any(|e| e.range.end == pos) {
            return Some(Class::Element);
        }
        let prev = self.prev_boundary(pos);
        self.text.get(prev..pos).map(class_of)
    }

    /// The class of the unit just after `pos` (None at the end).
    fn class_after(&self, pos: usize) -> Option<Class> {
        if pos >= self.text.len() {
            return None;
        }
        if self.elements.iter().any(|e| e.range.start == pos) {
            return Some(Class::Element);
        }
        let next = self.next_boundary(pos);
        self.text.get(pos..next).map(class_of)
    }

    /// Where a backward word motion from `pos` stops: over any spaces, then over one run of
    /// word characters, of punctuation, or one element.
    pub fn word_start_before(&self, pos: usize) -> usize {
        let mut p = pos;
        while self.class_before(p) == Some(Class::Space) {
            p = self.prev_boundary(p);
        }
        let Some(class) = self.class_before(p) else {
            return p;
        };
        if class == Class::Element {
            return self.prev_boundary(p);
        }
        while self.class_before(p) == Some(class) {
            p = self.prev_boundary(p);
        }
        p
    }

    /// Where a forward word motion from `pos` stops (the mirror of `word_start_before`).
    pub fn word_end_after(&self, pos: usize) -> usize {
        let mut p = pos;
        while self.class_after(p) == Some(Class::Space) {
            p = self.next_boundary(p);
        }
        let Some(class) = self.class_after(p) else {
            return p;
        };
        if class == Class::Element {
            return self.next_boundary(p);
        }
        while self.class_after(p) == Some(class) {
            p = self.next_boundary(p);
        }
        p
    }

    /// The start of the logical line holding the cursor.
    pub fn line_start(&self) -> usize {
        let cursor = self.cursor.min(self.text.len());
        self.text
            .get(..cursor)
            .and_then(|before| before.rfind('\n'))
            .map_or(0, |i| i + 1)
    }

    /// The end of the logical line holding the cursor (before its `\n`).
    pub fn line_end(&self) -> usize {
        let cursor = self.cursor.min(self.text.len());
        self.text
            .get(cursor..)
            .and_then(|after| after.find('\n'))
            .map_or(self.text.len(), |i| cursor + i)
    }

    /// Inserts already sanitized text at the cursor and moves the cursor after it.
    pub fn insert(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        let at = self.cursor.min(self.text.len());
        self.text.insert_str(at, s);
        for e in &mut self.elements {
            if e.range.start >= at {
                e.range.start += s.len();
                e.range.end += s.len();
            }
        }
        self.cursor = at + s.len();
    }

    /// Inserts text with elements (ranges relative to `fragment.text`) at the cursor.
    pub fn insert_fragment(&mut self, fragment: &Fragment) {
        let at = self.cursor.min(self.text.len());
        self.insert(&fragment.text);
        let idx = self.elements.partition_point(|e| e.range.start < at);
        let added = fragment
            .elements
            .iter()
            .filter(|e| e.range.end <= fragment.text.len() && e.range.start < e.range.end)
            .map(|e| Element {
                range: at + e.range.start..at + e.range.end,
                content: e.content.clone(),
            });
        self.elements.splice(idx..idx, added);
    }

    /// Inserts a placeholder `label` for `content` at the cursor.
    pub fn insert_element(&mut self, label: &str, content: String) {
        let at = self.cursor.min(self.text.len());
        self.insert(label);
        let idx = self.elements.partition_point(|e| e.range.start < at);
        self.elements.insert(
            idx,
            Element {
                range: at..at + label.len(),
                content,
            },
        );
    }

    /// Deletes `start..end`, widened to take in any element it touches, and returns what
    /// was removed. The cursor keeps its place in the remaining text.
    pub fn delete(&mut self, start: usize, end: usize) -> Fragment {
        let len = self.text.len();
        let (mut start, mut end) = (start.min(len), end.min(len));
        if start > end {
            std::mem::swap(&mut start, &mut end);
        }
        for e in &self.elements {
            if e.range.start < end && e.range.end > start {
                start = start.min(e.range.start);
                end = end.max(e.range.end);
            }
        }
        if start == end || !self.text.is_char_boundary(start) || !self.text.is_char_boundary(end) {
            return Fragment::default();
        }
        let removed_len = end - start;
        let mut fragment = Fragment {
            text: self.text.get(start..end).unwrap_or_default().to_string(),
            elements: Vec::new(),
        };
        self.text.replace_range(start..end, "");
        let mut kept = Vec::with_capacity(self.elements.len());
        for e in self.elements.drain(..) {
            if e.range.end <= start {
                kept.push(e);
            } else if e.range.start >= end {
                kept.push(Element {
                    range: e.range.start - removed_len..e.range.end - removed_len,
                    content: e.content,
                });
            } else {
                fragment.elements.push(Element {
                    range: e.range.start - start..e.range.end - start,
                    content: e.content,
                });
            }
        }
        self.elements = kept;
        if self.cursor >= end {
            self.cursor -= removed_len;
        } else if self.cursor > start {
            self.cursor = start;
        }
        fragment
    }

    /// Moves the cursor to `pos`, pushed out of any element it would land inside
    /// (to the element's start when `forward` is false, else to its end).
    pub fn set_cursor(&mut self, pos: usize, forward: bool) {
        let mut pos = pos.min(self.text.len());
        while !self.text.is_char_boundary(pos) {
            pos -= 1;
        }
        if let Some(e) = self.element_around(pos) {
            pos = if forward { e.range.end } else { e.range.start };
        }
        self.cursor = pos;
    }

    /// Whether some element shows exactly `label`.
    pub fn has_label(&self, label: &str) -> bool {
        self.elements
            .iter()
            .any(|e| self.text.get(e.range.clone()) == Some(label))
    }
}

fn class_of(grapheme: &str) -> Class {
    match grapheme.chars().next() {
        None => Class::Space,
        Some(c) if c.is_whitespace() => Class::Space,
        Some(c) if c.is_alphanumeric() || c == '_' => Class::Word,
        Some(_) => Class::Punct,
    }
}
