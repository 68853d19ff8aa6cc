//! Soft wrapping: splits the text into display lines of at most a given width, breaking after
//! whitespace where it can and inside a word only when the word alone is too wide.

use ratatui::buffer::CellWidth;
use unicode_segmentation::UnicodeSegmentation;

use super::buffer::Element;

/// Columns a tab takes. Tabs are kept in the text (they matter in pasted code) but drawn as a
/// fixed run of blanks, which keeps wrapping independent of where a tab falls.
pub(super) const TAB_WIDTH: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UnitKind {
    Newline,
    /// Whitespace other than a newline: a line may break after it.
    Space,
    Char,
    /// A grapheme of a placeholder label: never a break point, never a cursor stop.
    ElementPart,
}

/// One grapheme of the text, with where it is and how wide it draws.
#[derive(Debug, Clone, Copy)]
pub(super) struct Unit<'a> {
    pub start: usize,
    pub end: usize,
    pub width: usize,
    pub kind: UnitKind,
    pub symbol: &'a str,
}

/// The columns `grapheme` takes, as ratatui draws it.
pub(super) fn grapheme_width(grapheme: &str) -> usize {
    if grapheme == "\t" {
        TAB_WIDTH
    } else if grapheme.chars().any(char::is_control) {
        // Only `\n` gets here (input is sanitized); ratatui would not draw a control anyway.
        0
    } else {
        usize::from(grapheme.cell_width())
    }
}

/// Calls `f` for each grapheme in `start..end`, segmenting plain text and each label apart
/// (so a combining mark after a label stays outside it) until `f` returns false.
pub(super) fn for_each_unit<'a>(
    text: &'a str,
    elements: &[Element],
    start: usize,
    end: usize,
    mut f: impl FnMut(Unit<'a>) -> bool,
) {
    let end = end.min(text.len());
    let mut pos = start;
    let mut idx = elements.partition_point(|e| e.range.end <= pos);
    while pos < end {
        let (seg_end, in_element) = match elements.get(idx) {
            Some(e) if e.range.start <= pos => (e.range.end.min(end), true),
            Some(e) => (e.range.start.min(end), false),
            None => (end, false),
        };
        if seg_end <= pos {
            break;
        }
        let Some(chunk) = text.get(pos..seg_end) else {
            break;
        };
        for (i, symbol) in chunk.grapheme_indices(true) {
            let kind = if in_element {
                UnitKind::ElementPart
            } else if symbol == "\n" {
                UnitKind::Newline
            } else if symbol.chars().all(char::is_whitespace) {
                UnitKind::Space
            } else {
                UnitKind::Char
            };
            let unit = Unit {
                start: pos + i,
                end: pos + i + symbol.len(),
                width: grapheme_width(symbol),
                kind,
                symbol,
            };
            if !f(unit) {
                return;
            }
        }
        if in_element {
            idx += 1;
        }
        pos = seg_end;
    }
}

/// Splits the text into display lines no wider than `width` columns, as byte ranges
/// (newlines belong to no line). Reuses `lines`' allocation.
///
/// One whitespace unit may hang past the edge, so a line that ends exactly at a space does
/// not push that space to the start of the next line; it is never drawn past the edge.
pub(super) fn wrap(
    text: &str,
    elements: &[Element],
    width: usize,
    lines: &mut Vec<(usize, usize)>,
) {
    lines.clear();
    let width = width.max(1);
    let mut line_start = 0;
    let mut col = 0;
    // Just after the last whitespace on this line, and the column there.
    let mut last_break: Option<(usize, usize)> = None;
    for_each_unit(text, elements, 0, text.len(), |u| {
        if u.kind == UnitKind::Newline {
            lines.push((line_start, u.start));
            line_start = u.end;
            col = 0;
            last_break = None;
            return true;
        }
        let hangs = u.kind == UnitKind::Space && col <= width;
        if col + u.width > width && col > 0 && !hangs {
            if let Some((at, at_col)) = last_break.filter(|(at, _)| *at > line_start) {
                lines.push((line_start, at));
                line_start = at;
                col -= at_col;
            }
            if col + u.width > width && col > 0 && line_start < u.start {
                lines.push((line_start, u.start));
                line_start = u.start;
                col = 0;
            }
            last_break = None;
        }
        col += u.width;
        if u.kind == UnitKind::Space {
            last_break = Some((u.end, col));
        }
        true
    });
    lines.push((line_start, text.len()));
}

/// The display line holding byte `pos`: a position where a line was wrapped belongs to the
/// line it starts.
pub(super) fn line_of(lines: &[(usize, usize)], pos: usize) -> usize {
    lines.partition_point(|l| l.0 <= pos).saturating_sub(1)
}

/// Columns from `start` to `pos`.
pub(super) fn width_between(text: &str, elements: &[Element], start: usize, pos: usize) -> usize {
    let mut col = 0;
    for_each_unit(text, elements, start, pos, |u| {
        // A unit cut by `pos` (a cursor left inside a grapheme by an odd insert) is not
        // counted: the cursor shows before it.
        if u.end <= pos {
            col += u.width;
        }
        true
    });
    col
}

/// The cursor stop on display line `line` closest to column `col` without passing it.
/// On a line that was wrapped, the end is the next line's start, so the last stop is
/// before its last grapheme (usually the space it broke at).
pub(super) fn position_at_col(
    text: &str,
    elements: &[Element],
    lines: &[(usize, usize)],
    line: usize,
    col: usize,
) -> usize {
    let Some(&(start, end)) = lines.get(line) else {
        return text.len();
    };
    let wrapped = lines.get(line + 1).is_some_and(|next| next.0 == end);
    let mut at = start;
    let mut x = 0;
    let mut last_start = start;
    let mut found = false;
    for_each_unit(text, elements, start, end, |u| {
        last_start = u.start;
        if x + u.width > col && u.width > 0 {
            at = u.start;
            found = true;
            return false;
        }
        x += u.width;
        at = u.end;
        true
    });
    if !found && wrapped {
        at = last_start;
    }
    at
}
