//! The agent's markdown as terminal lines: CommonMark with GFM tables, strikethrough and task
//! lists (pulldown-cmark), wrapped at spaces to a width in display columns (unicode-width:
//! CJK and most emoji take two), with styles kept per span across wraps.
//!
//! Layout:
//! - Blocks (paragraphs, headings, lists, quotes, code, tables, rules) are separated by one
//!   blank line; the items of a tight list are not.
//! - Headings keep their `#` marks, in bold like the text.
//! - Block quotes draw `▌ ` on every line, blank ones inside the quote too.
//! - List items hang their wrapped lines under the item's text (`- `, `1. `); a nested list is
//!   indented by its parent's marker, so it lines up with the parent's text.
//! - Code blocks are indented by four columns and never reflowed. A line wider than the width
//!   continues on the next line at the same indentation (soft wrap) rather than being cut, so
//!   nothing of a long command is hidden.
//! - Soft line breaks reflow as spaces; hard breaks (`\` or two spaces at the end of a line)
//!   end the line.
//! - Tables pad each column to its widest cell; a table too wide for the width narrows its
//!   widest columns and ends cut cells with `…`.
//!
//! Streaming: the app renders the whole message again as text arrives, and CommonMark gives
//! every prefix of a document a meaning: an unclosed fence is a code block up to the end, an
//! unbalanced `**` is literal text. So each prefix renders correctly without special cases.
//!
//! Without colour (`NO_COLOR`) the same layout is drawn with modifiers only.

use std::borrow::Cow;

use pulldown_cmark::{Alignment, CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

use crate::highlight;

/// How markdown is drawn.
pub struct MarkdownStyle {
    /// `false` for `NO_COLOR`: no foreground or background colours, only modifiers.
    pub color: bool,
}

/// Columns a code block is indented by.
const CODE_INDENT: usize = 4;
/// Between table columns.
const COLUMN_SEPARATOR: &str = " │ ";
const HEADER_SEPARATOR: &str = "─┼─";
/// A column of a table too wide for the screen keeps at least this many columns (or its own
/// width, if less); beyond that the table's right side is cut.
const MIN_COLUMN: usize = 3;
const QUOTE_GUTTER: &str = "▌ ";

/// Renders `text` (CommonMark + GFM tables/strikethrough/task lists where pulldown-cmark
/// supports them) as lines no wider than `width` display columns.
pub fn render_markdown(text: &str, width: u16, style: &MarkdownStyle) -> Vec<Line<'static>> {
    if width == 0 {
        return Vec::new();
    }
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut renderer = Renderer::new(usize::from(width), style.color);
    for event in Parser::new_ext(text, options) {
        renderer.event(event);
    }
    renderer.finish()
}

/// The styles of the constructs, with or without colour.
#[derive(Clone, Copy)]
struct Styles {
    heading: Style,
    code: Style,
    url: Style,
    gutter: Style,
    rule: Style,
    border: Style,
    table_header: Style,
}

impl Styles {
    fn new(color: bool) -> Self {
        let dim = Style::new().add_modifier(Modifier::DIM);
        Styles {
            heading: Style::new().add_modifier(Modifier::BOLD),
            code: highlight::code_style(color),
            url: if color {
                Style::new()
                    .fg(Color::Cyan)
                    .add_modifier(Modifier::UNDERLINED)
            } else {
                Style::new().add_modifier(Modifier::UNDERLINED)
            },
            gutter: dim,
            rule: dim,
            border: dim,
            table_header: Style::new().add_modifier(Modifier::BOLD),
        }
    }
}

/// Inline content waiting to be wrapped.
enum Piece {
    Text(String, Style),
    /// A hard line break.
    Break,
}

/// What draws a gutter or indentation on each line inside it.
enum Container {
    Quote,
    Item {
        marker: String,
        /// Display width of `marker` (the hanging indent).
        width: usize,
        /// The marker is drawn on the item's first line, spaces on the others.
        pending: bool,
    },
}

impl Container {
    fn width(&self) -> usize {
        match self {
            Container::Quote => QUOTE_GUTTER.width(),
            Container::Item { width, .. } => *width,
        }
    }
}

struct List {
    /// The next item's number (`None`: a bullet list).
    next: Option<u64>,
    items: usize,
    /// Items hold paragraphs, so they are separated by blank lines (CommonMark decides this
    /// for the whole list).
    loose: bool,
}

struct CodeBlock {
    lang: String,
    text: String,
}

struct Table {
    aligns: Vec<Alignment>,
    /// Rows of cells; the first `header_rows` come from the table's head.
    rows: Vec<Vec<Vec<Piece>>>,
    header_rows: usize,
    row: Vec<Vec<Piece>>,
}

struct Renderer {
    width: usize,
    color: bool,
    styles: Styles,
    out: Vec<Line<'static>>,
    containers: Vec<Container>,
    lists: Vec<List>,
    inline: Vec<Piece>,
    style_stack: Vec<Style>,
    /// Open links: where their text starts in `inline`, and their destination.
    links: Vec<(usize, String)>,
    code: Option<CodeBlock>,
    table: Option<Table>,
    /// A block ended; the next one starts after a blank line.
    needs_blank: bool,
}

impl Renderer {
    fn new(width: usize, color: bool) -> Self {
        Renderer {
            width,
            color,
            styles: Styles::new(color),
            out: Vec::new(),
            containers: Vec::new(),
            lists: Vec::new(),
            inline: Vec::new(),
            style_stack: Vec::new(),
            links: Vec::new(),
            code: None,
            table: None,
            needs_blank: false,
        }
    }

    fn finish(mut self) -> Vec<Line<'static>> {
        // The parser closes every open block at the end, but stay safe with whatever is left.
        if let Some(code) = self.code.take() {
            self.flush_code(code);
        }
        if let Some(table) = self.table.take() {
            self.flush_table(table);
        }
        self.flush_inline();
        self.out
    }

    fn style(&self) -> Style {
        self.style_stack.last().copied().unwrap_or_default()
    }

    fn push_style(&mut self, patch: Style) {
        let style = self.style().patch(patch);
        self.style_stack.push(style);
    }

    fn text(&mut self, text: &str, style: Style) {
        let text = clean_inline(text);
        if !text.is_empty() {
            self.inline.push(Piece::Text(text.into_owned(), style));
        }
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => {
                if let Some(code) = &mut self.code {
                    code.text.push_str(&text);
                } else {
                    self.text(&text, self.style());
                }
            }
            Event::Code(text) | Event::InlineMath(text) | Event::DisplayMath(text) => {
                let style = self.style().patch(self.styles.code);
                self.text(&text, style);
            }
            Event::Html(html) => {
                // A block of HTML: shown as written, line by line.
                let style = self.style();
                for line in html.split_inclusive('\n') {
                    self.text(line.trim_end_matches(['\n', '\r']), style);
                    if line.ends_with('\n') {
                        self.inline.push(Piece::Break);
                    }
                }
            }
            Event::InlineHtml(html) => self.text(&html, self.style()),
            Event::FootnoteReference(label) => {
                self.text(&format!("[^{label}]"), self.style());
            }
            Event::SoftBreak => self.text(" ", self.style()),
            Event::HardBreak => self.inline.push(Piece::Break),
            Event::Rule => {
                self.begin_block();
                let (_, avail) = self.layout(0);
                let rule = vec![Span::styled("─".repeat(avail), self.styles.rule)];
                self.emit(0, vec![rule]);
                self.needs_blank = true;
            }
            Event::TaskListMarker(checked) => {
                let mark = if checked { "[x] " } else { "[ ] " };
                self.text(mark, self.style());
            }
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph => {
                if matches!(self.containers.last(), Some(Container::Item { .. }))
                    && let Some(list) = self.lists.last_mut()
                {
                    list.loose = true;
                }
                self.begin_block();
            }
            Tag::Heading { level, .. } => {
                self.begin_block();
                self.push_style(self.styles.heading);
                let marks = "#".repeat(level as usize);
                self.text(&format!("{marks} "), self.style());
            }
            Tag::BlockQuote(_) => {
                self.begin_block();
                self.containers.push(Container::Quote);
            }
            Tag::CodeBlock(kind) => {
                self.begin_block();
                let lang = match kind {
                    // The info string's first word names the language (`rust,ignore`,
                    // `{.python}`, `sh title="x"`).
                    CodeBlockKind::Fenced(info) => info
                        .split(|c: char| c.is_whitespace() || c == ',')
                        .next()
                        .unwrap_or("")
                        .trim_matches(|c| c == '{' || c == '}' || c == '.')
                        .to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some(CodeBlock {
                    lang,
                    text: String::new(),
                });
            }
            Tag::HtmlBlock => self.begin_block(),
            Tag::List(start) => {
                self.begin_block();
                self.lists.push(List {
                    next: start,
                    items: 0,
                    loose: false,
                });
            }
            Tag::Item => {
                let mut marker = "- ".to_string();
                if let Some(list) = self.lists.last_mut() {
                    if list.items > 0 {
                        // Whatever the previous item ended with (a nested list, code), items
                        // of a loose list are apart and those of a tight one together.
                        self.needs_blank = list.loose;
                    }
                    list.items += 1;
                    if let Some(number) = &mut list.next {
                        marker = format!("{number}. ");
                        *number = number.saturating_add(1);
                    }
                }
                self.begin_block();
                self.containers.push(Container::Item {
                    width: marker.width(),
                    marker,
                    pending: true,
                });
            }
            Tag::Table(aligns) => {
                self.begin_block();
                self.table = Some(Table {
                    aligns,
                    rows: Vec::new(),
                    header_rows: 0,
                    row: Vec::new(),
                });
            }
            Tag::TableHead | Tag::TableRow => {
                if let Some(table) = &mut self.table {
                    table.row.clear();
                }
            }
            Tag::TableCell => self.inline.clear(),
            Tag::Emphasis => self.push_style(Style::new().add_modifier(Modifier::ITALIC)),
            Tag::Strong => self.push_style(Style::new().add_modifier(Modifier::BOLD)),
            Tag::Strikethrough => {
                self.push_style(Style::new().add_modifier(Modifier::CROSSED_OUT));
            }
            Tag::Superscript | Tag::Subscript => self.push_style(Style::new()),
            Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => {
                self.links.push((self.inline.len(), dest_url.into_string()));
            }
            // Not enabled in the parser's options; their content is shown as ordinary blocks.
            Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::MetadataBlock(_) => self.begin_block(),
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph | TagEnd::HtmlBlock => {
                self.flush_inline();
                self.needs_blank = true;
            }
            TagEnd::Heading(_) => {
                self.style_stack.pop();
                self.flush_inline();
                self.needs_blank = true;
            }
            TagEnd::BlockQuote(_) => {
                self.flush_inline();
                self.containers.pop();
                self.needs_blank = true;
            }
            TagEnd::CodeBlock => {
                if let Some(code) = self.code.take() {
                    self.flush_code(code);
                }
                self.needs_blank = true;
            }
            TagEnd::List(_) => {
                self.flush_inline();
                self.lists.pop();
                // A list nested in an item continues the item; any other list is a block.
                if !matches!(self.containers.last(), Some(Container::Item { .. })) {
                    self.needs_blank = true;
                }
            }
            TagEnd::Item => {
                self.flush_inline();
                if let Some(Container::Item { pending: true, .. }) = self.containers.last() {
                    // An empty item still shows its marker.
                    self.emit(0, vec![Vec::new()]);
                }
                self.containers.pop();
            }
            TagEnd::Table => {
                if let Some(table) = self.table.take() {
                    self.flush_table(table);
                }
                self.needs_blank = true;
            }
            TagEnd::TableHead | TagEnd::TableRow => {
                if let Some(table) = &mut self.table {
                    let row = std::mem::take(&mut table.row);
                    table.rows.push(row);
                    if tag == TagEnd::TableHead {
                        table.header_rows = table.rows.len();
                    }
                }
            }
            TagEnd::TableCell => {
                let cell = std::mem::take(&mut self.inline);
                if let Some(table) = &mut self.table {
                    table.row.push(cell);
                }
            }
            TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript => {
                self.style_stack.pop();
            }
            TagEnd::Link | TagEnd::Image => self.end_link(),
            TagEnd::FootnoteDefinition
            | TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition
            | TagEnd::MetadataBlock(_) => {
                self.flush_inline();
                self.needs_blank = true;
            }
        }
    }

    /// A link shows its text, then its destination in parentheses unless the text already is
    /// the destination (autolinks), in which case the text takes the link style.
    fn end_link(&mut self) {
        let Some((start, url)) = self.links.pop() else {
            return;
        };
        let start = start.min(self.inline.len());
        let label: String = self.inline[start..]
            .iter()
            .filter_map(|piece| match piece {
                Piece::Text(text, _) => Some(text.as_str()),
                Piece::Break => None,
            })
            .collect();
        let url_style = self.style().patch(self.styles.url);
        if label == url || url.strip_prefix("mailto:") == Some(label.as_str()) {
            for piece in &mut self.inline[start..] {
                if let Piece::Text(_, style) = piece {
                    *style = style.patch(self.styles.url);
                }
            }
        } else if label.trim().is_empty() {
            self.text(&url, url_style);
        } else if !url.is_empty() {
            let style = self.style();
            self.text(" (", style);
            self.text(&url, url_style);
            self.text(")", style);
        }
    }

    /// Before a block: what an enclosing tight list item said so far, then the blank line
    /// that separates blocks.
    fn begin_block(&mut self) {
        self.flush_inline();
        if self.needs_blank && !self.out.is_empty() {
            self.blank_line();
        }
        self.needs_blank = false;
    }

    /// Columns taken by the containers' gutters and indentation plus `extra`, and the columns
    /// left for content. Deep nesting in a narrow width gives up indentation first, so content
    /// always keeps some room (and at least one column).
    fn layout(&self, extra: usize) -> (usize, usize) {
        let wanted = self.containers.iter().map(Container::width).sum::<usize>() + extra;
        let min_content = (self.width / 2).clamp(1, 10);
        let prefix = wanted.min(self.width - min_content);
        (prefix, self.width - prefix)
    }

    /// The gutters and indentation for the next line, at most `budget` columns. A content line
    /// uses up pending list markers; a blank separator line (`content: false`) does not.
    fn prefix(&mut self, content: bool, extra: usize, budget: usize) -> Vec<Span<'static>> {
        let gutter = self.styles.gutter;
        let mut spans: Vec<Span<'static>> = Vec::new();
        for container in &mut self.containers {
            match container {
                Container::Quote => push_span(&mut spans, QUOTE_GUTTER, gutter),
                Container::Item {
                    marker,
                    width,
                    pending,
                } => {
                    if *pending && content {
                        push_span(&mut spans, marker, Style::new());
                        *pending = false;
                    } else {
                        push_span(&mut spans, &" ".repeat(*width), Style::new());
                    }
                }
            }
        }
        if extra > 0 {
            push_span(&mut spans, &" ".repeat(extra), Style::new());
        }
        clip(spans, budget)
    }

    /// Emits lines of content (each already fitting the content width for `extra`) behind the
    /// containers' prefix, the first using up a pending list marker. An empty line (an empty
    /// code line, an empty list item) keeps its gutter and marker but no trailing spaces.
    fn emit(&mut self, extra: usize, lines: Vec<Vec<Span<'static>>>) {
        let (budget, _) = self.layout(extra);
        for content in lines {
            let mut spans = self.prefix(true, extra, budget);
            if content.is_empty() {
                trim_end(&mut spans);
            }
            spans.extend(content);
            self.push_line(spans);
        }
    }

    /// The blank line between blocks: quote gutters continue, list markers wait for content.
    fn blank_line(&mut self) {
        let (budget, _) = self.layout(0);
        let mut spans = self.prefix(false, 0, budget);
        trim_end(&mut spans);
        self.push_line(spans);
    }

    fn push_line(&mut self, spans: Vec<Span<'static>>) {
        let mut spans = spans;
        if spans_width(&spans) > self.width {
            spans = clip(spans, self.width);
            // Grapheme widths and string widths can disagree on odd sequences; drop whole
            // spans until the line fits by the measure ratatui uses.
            while spans_width(&spans) > self.width {
                spans.pop();
            }
        }
        self.out.push(Line::from(spans));
    }

    fn flush_inline(&mut self) {
        if self.inline.is_empty() {
            return;
        }
        let pieces = std::mem::take(&mut self.inline);
        let (_, avail) = self.layout(0);
        let lines = wrap(&pieces, avail);
        self.emit(0, lines);
    }

    fn flush_code(&mut self, code: CodeBlock) {
        let highlighted = highlight::highlight_code(&code.text, &code.lang, self.color);
        let (_, avail) = self.layout(CODE_INDENT);
        let mut lines = Vec::with_capacity(highlighted.len());
        for line in highlighted {
            if line.spans.is_empty() {
                lines.push(Vec::new());
            } else {
                split_at_width(line.spans, avail, &mut lines);
            }
        }
        self.emit(CODE_INDENT, lines);
    }

    fn flush_table(&mut self, table: Table) {
        let (_, avail) = self.layout(0);
        let border = self.styles.border;
        let header_style = self.styles.table_header;
        let rows: Vec<Vec<Vec<Span<'static>>>> = table
            .rows
            .into_iter()
            .map(|row| row.into_iter().map(cell_spans).collect())
            .collect();
        let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
        if columns == 0 {
            return;
        }
        let mut natural = vec![0; columns];
        for row in &rows {
            for (width, cell) in natural.iter_mut().zip(row) {
                *width = (*width).max(spans_width(cell));
            }
        }
        let widths = fit_columns(&natural, avail);
        let mut lines = Vec::with_capacity(rows.len() + 1);
        for (index, row) in rows.into_iter().enumerate() {
            let header = index < table.header_rows;
            let mut line: Vec<Span<'static>> = Vec::new();
            let mut cells = row.into_iter();
            for (column, &width) in widths.iter().enumerate() {
                if column > 0 {
                    push_span(&mut line, COLUMN_SEPARATOR, border);
                }
                let mut cell = truncate(cells.next().unwrap_or_default(), width);
                if header {
                    for span in &mut cell {
                        span.style = span.style.patch(header_style);
                    }
                }
                let pad = width.saturating_sub(spans_width(&cell));
                let last = column + 1 == columns;
                let (left, right) = match table.aligns.get(column) {
                    Some(Alignment::Right) => (pad, 0),
                    Some(Alignment::Center) => (pad / 2, pad - pad / 2),
                    _ => (0, pad),
                };
                if left > 0 {
                    push_span(&mut line, &" ".repeat(left), Style::new());
                }
                for span in cell {
                    push_span(&mut line, &span.content, span.style);
                }
                // No trailing spaces after the last column.
                if right > 0 && !last {
                    push_span(&mut line, &" ".repeat(right), Style::new());
                }
            }
            let mut line = clip(line, avail);
            trim_end(&mut line);
            lines.push(line);
            if index + 1 == table.header_rows {
                let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
                let rule = vec![Span::styled(rule.join(HEADER_SEPARATOR), border)];
                lines.push(clip(rule, avail));
            }
        }
        self.emit(0, lines);
    }
}

/// Column widths for a table whose columns naturally take `natural` columns, in `avail`
/// columns: unchanged if they fit, else the widest columns are narrowed to a common cap (the
/// largest that fits) so narrow columns stay whole.
fn fit_columns(natural: &[usize], avail: usize) -> Vec<usize> {
    let separators = COLUMN_SEPARATOR.width() * natural.len().saturating_sub(1);
    if natural.iter().sum::<usize>() + separators <= avail {
        return natural.to_vec();
    }
    let budget = avail.saturating_sub(separators);
    let used = |cap: usize| natural.iter().map(|w| (*w).min(cap)).sum::<usize>();
    let (mut low, mut high) = (0, natural.iter().copied().max().unwrap_or(0));
    while low < high {
        let mid = low + (high - low).div_ceil(2);
        if used(mid) <= budget {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    let cap = low.max(MIN_COLUMN);
    let mut widths: Vec<usize> = natural.iter().map(|w| (*w).min(cap)).collect();
    // What the cap leaves over goes to the narrowed columns, left to right.
    let mut left = budget.saturating_sub(widths.iter().sum());
    for (width, natural) in widths.iter_mut().zip(natural) {
        if left == 0 {
            break;
        }
        if *width < *natural {
            *width += 1;
            left -= 1;
        }
    }
    widths
}

/// A table cell's content on one line.
fn cell_spans(pieces: Vec<Piece>) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Text(text, style) => push_span(&mut spans, &text, style),
            Piece::Break => push_span(&mut spans, " ", Style::new()),
        }
    }
    spans
}

/// `spans` cut to `max` columns, ending with `…` where something was cut.
fn truncate(spans: Vec<Span<'static>>, max: usize) -> Vec<Span<'static>> {
    if spans_width(&spans) <= max {
        return spans;
    }
    let style = spans.last().map(|s| s.style).unwrap_or_default();
    let mut cut = clip(spans, max.saturating_sub(1));
    if max > 0 {
        push_span(&mut cut, "…", style);
    }
    cut
}

/// Wraps inline content into lines of at most `avail` columns, breaking at spaces; a word
/// wider than a line is split between graphemes. Spaces at a break are dropped.
fn wrap(pieces: &[Piece], avail: usize) -> Vec<Vec<Span<'static>>> {
    let mut wrapper = Wrapper {
        builder: LineBuilder::new(avail),
        space: Vec::new(),
        space_width: 0,
        word: Vec::new(),
        word_width: 0,
    };
    for piece in pieces {
        match piece {
            Piece::Text(text, style) => wrapper.text(text, *style),
            Piece::Break => {
                wrapper.place_word();
                wrapper.space.clear();
                wrapper.space_width = 0;
                wrapper.builder.end_line();
            }
        }
    }
    wrapper.place_word();
    wrapper.builder.finish()
}

struct Wrapper<'a> {
    builder: LineBuilder,
    /// The spaces before `word`.
    space: Vec<(&'a str, Style)>,
    space_width: usize,
    /// A word so far: its parts may differ in style (`**bold**text`).
    word: Vec<(&'a str, Style)>,
    word_width: usize,
}

impl<'a> Wrapper<'a> {
    fn text(&mut self, text: &'a str, style: Style) {
        let mut rest = text;
        while !rest.is_empty() {
            if rest.starts_with(' ') {
                let end = rest.len() - rest.trim_start_matches(' ').len();
                self.place_word();
                self.space.push((&rest[..end], style));
                self.space_width += end;
                rest = &rest[end..];
            } else {
                let end = rest.find(' ').unwrap_or(rest.len());
                let part = &rest[..end];
                self.word.push((part, style));
                self.word_width += text_width(part);
                rest = &rest[end..];
            }
        }
    }

    fn place_word(&mut self) {
        if self.word.is_empty() {
            return;
        }
        let builder = &mut self.builder;
        if builder.width > 0 {
            if builder.width + self.space_width + self.word_width <= builder.avail {
                for (space, style) in &self.space {
                    builder.push(space, *style, space.len());
                }
            } else {
                builder.end_line();
            }
        }
        if builder.width + self.word_width <= builder.avail {
            for (part, style) in &self.word {
                builder.push(part, *style, text_width(part));
            }
        } else {
            for (part, style) in &self.word {
                builder.push_split(part, *style);
            }
        }
        self.space.clear();
        self.space_width = 0;
        self.word.clear();
        self.word_width = 0;
    }
}

/// Lines of spans being filled up to `avail` columns.
struct LineBuilder {
    avail: usize,
    lines: Vec<Vec<Span<'static>>>,
    line: Vec<Span<'static>>,
    width: usize,
    /// Whether `line` was started (a hard break after nothing still makes a line).
    started: bool,
}

impl LineBuilder {
    fn new(avail: usize) -> Self {
        LineBuilder {
            avail,
            lines: Vec::new(),
            line: Vec::new(),
            width: 0,
            started: false,
        }
    }

    fn push(&mut self, text: &str, style: Style, width: usize) {
        push_span(&mut self.line, text, style);
        self.width += width;
        self.started = true;
    }

    /// Appends `text` grapheme by grapheme, starting new lines as they fill. A grapheme wider
    /// than a whole line (a wide character in a one-column line) is shown as `…`.
    fn push_split(&mut self, text: &str, style: Style) {
        if self.width + text_width(text) <= self.avail {
            self.push(text, style, text_width(text));
            return;
        }
        for grapheme in text.graphemes(true) {
            let mut width = text_width(grapheme);
            let mut grapheme = grapheme;
            if self.width + width > self.avail && self.width > 0 {
                self.end_line();
            }
            if width > self.avail {
                grapheme = "…";
                width = 1;
            }
            self.push(grapheme, style, width);
        }
    }

    fn end_line(&mut self) {
        self.lines.push(std::mem::take(&mut self.line));
        self.width = 0;
        self.started = false;
    }

    fn finish(mut self) -> Vec<Vec<Span<'static>>> {
        if self.started || !self.line.is_empty() {
            self.end_line();
        }
        self.lines
    }
}

/// Splits a line of code into lines of at most `avail` columns (a soft wrap: no words, no
/// dropped spaces).
fn split_at_width(spans: Vec<Span<'static>>, avail: usize, out: &mut Vec<Vec<Span<'static>>>) {
    if spans_width(&spans) <= avail {
        out.push(spans);
        return;
    }
    let mut builder = LineBuilder::new(avail);
    for span in &spans {
        builder.push_split(&span.content, span.style);
    }
    out.extend(builder.finish());
}

/// Appends text to `spans`, into the last span when the style is the same.
fn push_span(spans: &mut Vec<Span<'static>>, text: &str, style: Style) {
    if text.is_empty() {
        return;
    }
    if let Some(last) = spans.last_mut()
        && last.style == style
    {
        last.content.to_mut().push_str(text);
        return;
    }
    spans.push(Span::styled(text.to_string(), style));
}

/// The first `max` columns of `spans`.
fn clip(spans: Vec<Span<'static>>, max: usize) -> Vec<Span<'static>> {
    let mut out = Vec::with_capacity(spans.len());
    let mut used = 0;
    for span in spans {
        let width = text_width(&span.content);
        if used + width <= max {
            used += width;
            out.push(span);
            continue;
        }
        let mut cut = String::new();
        for grapheme in span.content.graphemes(true) {
            let width = text_width(grapheme);
            if used + width > max {
                break;
            }
            cut.push_str(grapheme);
            used += width;
        }
        if !cut.is_empty() {
            out.push(Span::styled(cut, span.style));
        }
        break;
    }
    out
}

/// Drops trailing spaces (a blank line's indentation).
fn trim_end(spans: &mut Vec<Span<'static>>) {
    while let Some(last) = spans.last_mut() {
        let trimmed = last.content.trim_end_matches(' ').len();
        if trimmed == 0 {
            spans.pop();
        } else {
            if trimmed < last.content.len() {
                last.content.to_mut().truncate(trimmed);
            }
            break;
        }
    }
}

fn spans_width(spans: &[Span<'_>]) -> usize {
    spans.iter().map(|s| text_width(&s.content)).sum()
}

/// Display width, with a shortcut for ASCII (control characters were removed, so every byte
/// is one column).
fn text_width(text: &str) -> usize {
    if text.is_ascii() {
        text.len()
    } else {
        text.width()
    }
}

/// Inline text without control characters, which would move the terminal's cursor: a tab
/// becomes a space, the others are dropped.
fn clean_inline(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .filter_map(|c| match c {
                '\t' | '\n' => Some(' '),
                c if c.is_control() => None,
                c => Some(c),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    const COLOR: MarkdownStyle = MarkdownStyle { color: true };
    const NO_COLOR: MarkdownStyle = MarkdownStyle { color: false };

    fn plain(lines: &[Line<'_>]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    /// A style as short tags: `b` bold, `d` dim, `i` italic, `u` underlined, `s` crossed out,
    /// `r` reversed, then colours (`cyan`, `#rrggbb`; `bg:` for backgrounds).
    fn style_tags(style: Style) -> String {
        let mut tags = Vec::new();
        for (modifier, tag) in [
            (Modifier::BOLD, "b"),
            (Modifier::DIM, "d"),
            (Modifier::ITALIC, "i"),
            (Modifier::UNDERLINED, "u"),
            (Modifier::CROSSED_OUT, "s"),
            (Modifier::REVERSED, "r"),
        ] {
            if style.add_modifier.contains(modifier) {
                tags.push(tag.to_string());
            }
        }
        let colour = |c: Color| match c {
            Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
            other => format!("{other:?}").to_lowercase(),
        };
        if let Some(fg) = style.fg {
            tags.push(colour(fg));
        }
        if let Some(bg) = style.bg {
            tags.push(format!("bg:{}", colour(bg)));
        }
        tags.join(",")
    }

    /// The lines as plain text (with `|` at the right edge of the width), then each line's
    /// spans with their styles: `⟦tags:text⟧` for a styled span, bare text otherwise.
    fn dump(lines: &[Line<'_>], width: u16) -> String {
        let mut out = String::new();
        for line in lines {
            let text = line.to_string();
            let pad = usize::from(width).saturating_sub(line.width());
            out.push_str(&format!("{text}{}|\n", " ".repeat(pad)));
        }
        out.push_str("--- styles\n");
        for line in lines {
            for span in &line.spans {
                let tags = style_tags(span.style);
                if tags.is_empty() {
                    out.push_str(&span.content);
                } else {
                    out.push_str(&format!("⟦{tags}:{}⟧", span.content));
                }
            }
            out.push('\n');
        }
        out
    }

    fn render(text: &str, width: u16) -> String {
        let lines = render_markdown(text, width, &COLOR);
        assert_fits(&lines, width, text);
        dump(&lines, width)
    }

    fn render_no_color(text: &str, width: u16) -> String {
        let lines = render_markdown(text, width, &NO_COLOR);
        assert_fits(&lines, width, text);
        assert_no_colours(&lines);
        dump(&lines, width)
    }

    fn assert_fits(lines: &[Line<'_>], width: u16, text: &str) {
        for line in lines {
            assert!(
                line.width() <= usize::from(width),
                "line {:?} is wider than {width} for {text:?}",
                line.to_string()
            );
            // Also as the terminal draws it, grapheme by grapheme.
            let graphemes: usize = line
                .spans
                .iter()
                .flat_map(|s| s.content.graphemes(true))
                .map(UnicodeWidthStr::width)
                .sum();
            assert!(graphemes <= usize::from(width), "{:?}", line.to_string());
        }
    }

    fn assert_no_colours(lines: &[Line<'_>]) {
        for line in lines {
            assert_eq!(line.style.fg, None);
            assert_eq!(line.style.bg, None);
            for span in &line.spans {
                assert_eq!(span.style.fg, None, "{span:?}");
                assert_eq!(span.style.bg, None, "{span:?}");
                assert_eq!(span.style.underline_color, None, "{span:?}");
            }
        }
    }

    #[test]
    fn headings() {
        insta::assert_snapshot!(render(
            "# Title\n\n## Second level\n\n### Third with `code` and *em*\n\nSetext\n======\n\n###### Six",
            40
        ));
    }

    #[test]
    fn paragraphs_and_breaks() {
        insta::assert_snapshot!(render(
            "First paragraph with a soft\nbreak that reflows.\n\nSecond with a hard  \nbreak and another\\\nhere.\n\n\n\nThird after many blank lines.",
            30
        ));
    }

    #[test]
    fn emphasis() {
        insta::assert_snapshot!(render(
            "Some **bold**, *italic*, ***both***, ~~struck~~ and **bold with *italic* inside** \
             text, plus `inline code` and **`bold code`**.",
            36
        ));
    }

    #[test]
    fn links() {
        insta::assert_snapshot!(render(
            "See [the docs](https://example.com/docs) or <https://example.com> or \
             [https://a.b](https://a.b) and mail <me@example.com>. A **[bold link](x.md)**. \
             ![an image](img.png)",
            40
        ));
    }

    #[test]
    fn block_quotes() {
        insta::assert_snapshot!(render(
            "Before.\n\n> A quote that is long enough to wrap over several lines of the output.\n>\n> Second paragraph.\n>\n> > Nested quote\n> > continues.\n>\n> - a list\n> - in a quote\n\nAfter.",
            30
        ));
    }

    #[test]
    fn bullet_lists() {
        insta::assert_snapshot!(render(
            "- one\n- two, which is long enough that it has to wrap onto the next line\n  - nested item that also wraps around the width\n    - deeper\n  - back\n- three\n\nAfter the list.",
            32
        ));
    }

    #[test]
    fn loose_lists() {
        insta::assert_snapshot!(render(
            "- first paragraph\n\n  second paragraph of the first item\n\n- second item\n\n1. ordered\n\n2. loose",
            40
        ));
    }

    #[test]
    fn ordered_lists() {
        insta::assert_snapshot!(render(
            "1. first\n2. second item wraps around because it is long\n   1. nested\n   2. nested two\n      - bullet in ordered\n3. third\n\nA paragraph.\n\n8. eight\n9. nine\n10. ten wraps with its own hanging indent here\n\n1) a new list\n\n   1. nested in loose\n2) next loose item",
            30
        ));
    }

    #[test]
    fn task_lists() {
        insta::assert_snapshot!(render(
            "- [x] done item\n- [ ] open item that is long enough to wrap\n- plain item\n-\n- [ ]",
            30
        ));
    }

    #[test]
    fn rules() {
        insta::assert_snapshot!(render(
            "Above\n\n---\n\nBelow\n\n> ***\n\n- item\n\n  ___",
            20
        ));
    }

    #[test]
    fn tables() {
        insta::assert_snapshot!(render(
            "| Name | Value | Note |\n|:-----|------:|:----:|\n| `a` | 1 | **x** |\n| longer name | 12345 | c |\n| missing |\n\nAfter.",
            60
        ));
    }

    #[test]
    fn wide_tables_are_narrowed() {
        insta::assert_snapshot!(render(
            "| Key | Description | Default |\n|---|---|---|\n| `model` | The model used for every turn unless overridden on the command line | gpt-5 |\n| `approval` | When commands need approval | on-request |",
            40
        ));
    }

    #[test]
    fn tables_too_wide_even_narrowed_are_cut() {
        let header: Vec<String> = (0..20).map(|i| format!("column{i}")).collect();
        let rule = vec!["---"; 20];
        let row: Vec<String> = (0..20).map(|i| format!("v{i}")).collect();
        let text = format!(
            "| {} |\n| {} |\n| {} |",
            header.join(" | "),
            rule.join(" | "),
            row.join(" | ")
        );
        insta::assert_snapshot!(render(&text, 30));
    }

    #[test]
    fn code_blocks() {
        insta::assert_snapshot!(render(
            "Text.\n\n```rust\nfn main() {\n    println!(\"hi\");\n}\n```\n\n```\nplain block\n\n  with an empty line and a line that is too long for the width\n```\n\n    indented code\n\nAfter.",
            40
        ));
    }

    #[test]
    fn code_without_colour() {
        insta::assert_snapshot!(render_no_color(
            "```rust\nfn main() {\n\tlet tab = 1;\n}\n```",
            30
        ));
    }

    #[test]
    fn diff_blocks() {
        insta::assert_snapshot!(render(
            "```diff\n--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -1,3 +1,3 @@\n fn a() {}\n-fn b() {}\n+fn c() {}\n```",
            40
        ));
    }

    #[test]
    fn code_in_lists_and_quotes() {
        insta::assert_snapshot!(render(
            "1. Run:\n\n   ```sh\n   cargo test\n   ```\n\n2. Then\n\n> ```\n> quoted code\n> ```",
            30
        ));
    }

    #[test]
    fn unclosed_fence_is_code_so_far() {
        insta::assert_snapshot!(render("Here:\n\n```python\ndef f(x):\n    return x", 30));
    }

    #[test]
    fn unbalanced_markers_are_literal() {
        insta::assert_snapshot!(render(
            "Some **bold that has not ended and a `tick and a [link](http",
            30
        ));
    }

    #[test]
    fn cjk_and_emoji_wrap_by_columns() {
        insta::assert_snapshot!(render(
            "日本語のテキストは二列の幅です。 Emoji 🎉🎉 count as two columns too, 한국어 also.",
            12
        ));
    }

    #[test]
    fn long_words_are_split() {
        insta::assert_snapshot!(render(
            "A https://example.com/a/very/long/url/that/does/not/fit/anywhere and **supercalifragilistic** end.",
            16
        ));
    }

    #[test]
    fn no_colour_document() {
        insta::assert_snapshot!(render_no_color(
            "# Title\n\nSome **bold**, *italic*, `code` and [a link](https://x.y).\n\n> quote\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```diff\n+added\n-removed\n```\n\n---",
            30
        ));
    }

    #[test]
    fn html_is_shown_as_written() {
        insta::assert_snapshot!(render(
            "<details>\n<summary>More</summary>\n</details>\n\nInline <b>html</b> too.",
            30
        ));
    }

    #[test]
    fn wrapping_keeps_styles_per_span() {
        let lines = render_markdown("aaa **bbb ccc** ddd *eee*", 7, &COLOR);
        assert_eq!(plain(&lines), ["aaa bbb", "ccc ddd", "eee"]);
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let italic = Style::new().add_modifier(Modifier::ITALIC);
        assert_eq!(
            lines[0].spans,
            [Span::raw("aaa "), Span::styled("bbb", bold)]
        );
        assert_eq!(
            lines[1].spans,
            [Span::styled("ccc", bold), Span::raw(" ddd")]
        );
        assert_eq!(lines[2].spans, [Span::styled("eee", italic)]);
    }

    #[test]
    fn wrapping_breaks_at_spaces() {
        let lines = render_markdown("the quick brown fox jumps over the lazy dog", 10, &COLOR);
        assert_eq!(
            plain(&lines),
            ["the quick", "brown fox", "jumps over", "the lazy", "dog"]
        );
        // Exactly the width fits.
        let lines = render_markdown("abcde fghij", 5, &COLOR);
        assert_eq!(plain(&lines), ["abcde", "fghij"]);
        // A word longer than the width is split, and what follows goes on.
        let lines = render_markdown("ab abcdefghijkl cd", 5, &COLOR);
        assert_eq!(plain(&lines), ["ab", "abcde", "fghij", "kl cd"]);
        // Two-column characters never straddle the edge.
        let lines = render_markdown("一二三四五", 5, &COLOR);
        assert_eq!(plain(&lines), ["一二", "三四", "五"]);
        // A word that spans styles stays one word.
        let lines = render_markdown("xx **bold**text", 8, &COLOR);
        assert_eq!(plain(&lines), ["xx", "boldtext"]);
    }

    #[test]
    fn hanging_indents() {
        let lines = render_markdown("- alpha beta gamma delta", 12, &COLOR);
        assert_eq!(plain(&lines), ["- alpha beta", "  gamma", "  delta"]);
        let lines = render_markdown("10. alpha beta gamma", 12, &COLOR);
        assert_eq!(plain(&lines), ["10. alpha", "    beta", "    gamma"]);
        let lines = render_markdown("> alpha beta gamma", 10, &COLOR);
        assert_eq!(plain(&lines), ["▌ alpha", "▌ beta", "▌ gamma"]);
    }

    #[test]
    fn code_lines_continue_at_the_indent() {
        let lines = render_markdown("```\n0123456789abcdef\n```", 10, &COLOR);
        assert_eq!(plain(&lines), ["    012345", "    6789ab", "    cdef"]);
    }

    #[test]
    fn no_colour_has_no_colours() {
        let text = varied_document();
        for width in [1, 5, 20, 80] {
            let lines = render_markdown(&text, width, &NO_COLOR);
            assert_no_colours(&lines);
            // The same text as with colour: only styles differ.
            assert_eq!(plain(&lines), plain(&render_markdown(&text, width, &COLOR)));
        }
    }

    fn varied_document() -> String {
        [
            "# Heading with **bold** and a long title that wraps",
            "",
            "A paragraph with *italic*, ~~strike~~, `code`, [a link](https://example.com/path), \
             日本語のテキスト, emoji 🎉👍🏽, a verylongwordthatcannotfitanywhereatallinanarrowterminal \
             and text.\\",
            "after a hard break.",
            "",
            "> quoted **text** that goes on for a while",
            "> > nested with `code`",
            "",
            "- item one with enough words to wrap",
            "  - nested item with more words to wrap",
            "    1. deeply nested ordered item",
            "- [x] task done",
            "- [ ] task open",
            "",
            "1. first",
            "2. second",
            "",
            "| Column | Another column | Third |",
            "|:---|:---:|---:|",
            "| `x` | value with spaces | 123 |",
            "| 日本 | **bold** | long cell content here |",
            "",
            "```rust",
            "fn main() { println!(\"a long line of code that is wider than most widths\"); }",
            "\tindented();",
            "```",
            "",
            "```diff",
            "-old",
            "+new",
            "```",
            "",
            "    indented code block",
            "",
            "---",
            "",
            "Final paragraph.",
        ]
        .join("\n")
    }

    #[test]
    fn never_wider_than_the_width() {
        let text = varied_document();
        for color in [true, false] {
            let style = MarkdownStyle { color };
            for width in 1..=80 {
                let lines = render_markdown(&text, width, &style);
                assert_fits(&lines, width, &text);
                assert!(!lines.is_empty());
            }
        }
    }

    #[test]
    fn every_prefix_renders() {
        // As a stream delivers the document: every prefix renders within the width.
        let text = varied_document();
        for (end, _) in text.char_indices() {
            let lines = render_markdown(&text[..end], 24, &COLOR);
            assert_fits(&lines, 24, &text[..end]);
        }
    }

    #[test]
    fn zero_width_is_empty_and_one_column_works() {
        let text = varied_document();
        assert!(render_markdown(&text, 0, &COLOR).is_empty());
        let lines = render_markdown(&text, 1, &COLOR);
        assert_fits(&lines, 1, &text);
        assert!(render_markdown("", 80, &COLOR).is_empty());
    }

    #[test]
    fn tricky_input_does_not_panic() {
        let mut cases: Vec<String> = vec![
            "`".into(),
            "``".into(),
            "```".into(),
            "````\n```".into(),
            "**".into(),
            "***".into(),
            "~~~".into(),
            "[".into(),
            "[]()".into(),
            "[x](".into(),
            "![](".into(),
            "|".into(),
            "|\n|".into(),
            "| a |\n|---|".into(),
            "|a|b|\n|-|-|\n|1|2|3|4|".into(),
            "-".into(),
            "- ".into(),
            "1.".into(),
            "99999999999999999999. x".into(),
            "999999999. x\n1000000000. y".into(),
            "#".into(),
            "> ".into(),
            "\t\t\tx".into(),
            "\u{0}\u{1b}[2J\u{7}\r\u{85}".into(),
            "a\u{200b}b\u{301}\u{301}\u{301}".into(),
            "👨‍👩‍👧‍👦 ❤️ 🇯🇵 e\u{301}".into(),
            "<".into(),
            "<!--".into(),
            "\\".into(),
            "- [ ]".into(),
            "- [x]\n  - [ ]\n    - [x]".into(),
        ];
        cases.push(">".repeat(500) + " deep");
        cases.push("- ".repeat(200) + "deep");
        cases.push(
            (0..100)
                .map(|i| format!("{}- level {i}", "  ".repeat(i)))
                .collect::<Vec<_>>()
                .join("\n"),
        );
        cases.push("*".repeat(1000) + "x" + &"*".repeat(1000));
        cases.push("[".repeat(500) + &"]".repeat(500));
        cases.push("`".repeat(300));
        cases.push(format!(
            "|{}|\n|{}|\n|{}|",
            "h|".repeat(300),
            "-|".repeat(300),
            "c|".repeat(300)
        ));
        cases.push(format!("| {} |\n|---|\n| x |", "w".repeat(5000)));
        // Pseudo-random bytes, the same every run.
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let alphabet = b"*_`~[]()!<>#-+|:\\ \n\tab1.x";
        for len in 0..300 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    if seed.is_multiple_of(3) {
                        (seed >> 8) as u8
                    } else {
                        alphabet[(seed >> 16) as usize % alphabet.len()]
                    }
                })
                .collect();
            cases.push(String::from_utf8_lossy(&bytes).into_owned());
        }
        for case in &cases {
            for width in [0, 1, 2, 3, 7, 40] {
                for color in [true, false] {
                    let lines = render_markdown(case, width, &MarkdownStyle { color });
                    assert_fits(&lines, width, case);
                }
            }
        }
    }

    #[test]
    fn large_document() {
        // About 2,000 lines of mixed content, as a long answer could be.
        let mut text = String::new();
        for i in 0..100 {
            text.push_str(&format!(
                "## Section {i}\n\nParagraph {i} with **bold**, *italic*, `code` and a \
                 [link](https://example.com/{i}) that is long enough to wrap a couple of times \
                 at eighty columns, so wrapping is exercised on every section of the text.\n\n\
                 - item one of {i}\n- item two with `code`\n  - nested {i}\n\n\
                 > a quote in section {i}\n\n\
                 | a | b |\n|---|---|\n| {i} | value |\n\n\
                 ```rust\nfn f{i}(x: u32) -> u32 {{\n    x + {i}\n}}\n```\n\n"
            ));
        }
        assert!(text.lines().count() >= 2_000, "{}", text.lines().count());
        let lines = render_markdown(&text, 80, &COLOR);
        assert_fits(&lines, 80, "large document");
        let plain = plain(&lines);
        assert_eq!(
            plain.iter().filter(|l| l.starts_with("## Section")).count(),
            100
        );
        assert!(plain.contains(&"## Section 99".to_string()));
        assert!(plain.contains(&"    fn f99(x: u32) -> u32 {".to_string()));
    }
}
