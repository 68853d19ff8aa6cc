//! Syntax highlighting of fenced code blocks with syntect's bundled syntaxes and the
//! "base16-ocean.dark" theme (foregrounds only: the terminal's own background stays).
//!
//! Loading the syntaxes and themes takes tens of milliseconds, so it happens on first use (or
//! in [`warm_up`], which the app may call on a background thread), never at startup. Without
//! colour nothing is loaded at all: code is plain text.
//!
//! A streamed message is rendered again each time text arrives, so the last code block grows
//! line by line. Highlighting is a left-to-right parse, so the state after the last complete
//! line is kept in a small cache: a block that only grew is highlighted from where it stopped,
//! and one that did not change costs a copy of its lines.

use std::sync::{Mutex, OnceLock};

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use syntect::easy::HighlightLines;
use syntect::highlighting::{FontStyle, HighlightState, Theme, ThemeSet};
use syntect::parsing::{ParseState, SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;
use unicode_width::UnicodeWidthStr;

const THEME: &str = "base16-ocean.dark";

/// Columns between tab stops when code tabs are expanded (a raw tab would move the terminal's
/// cursor to its own tab stop and break the layout).
const TAB_WIDTH: usize = 4;

/// Longer lines make the whole block plain: minified data gains nothing from colour, and the
/// regex engine's cost grows with line length.
const MAX_LINE_BYTES: usize = 1_000;
/// Larger blocks are plain too. The pure-Rust regex engine highlights some thousands of lines
/// a second (Rust code: about 2,500), so a block this size can take a few hundred
/// milliseconds the first time it is seen (a resumed session); a streamed block is
/// highlighted a line at a time as it grows.
const MAX_CODE_BYTES: usize = 64 * 1024;

/// The cache keeps the highlighting of the most recently drawn blocks, up to this much code
/// in all: every block of a long message stays highlighted while the message is drawn again
/// and again as it streams, or at a new width.
const CACHE_BYTES: usize = 2 * 1024 * 1024;
const CACHE_ENTRIES: usize = 512;

struct Assets {
    syntaxes: SyntaxSet,
    theme: Theme,
}

fn assets() -> Option<&'static Assets> {
    static ASSETS: OnceLock<Option<Assets>> = OnceLock::new();
    ASSETS
        .get_or_init(|| {
            let syntaxes = SyntaxSet::load_defaults_newlines();
            let mut themes = ThemeSet::load_defaults();
            let theme = themes.themes.remove(THEME)?;
            Some(Assets { syntaxes, theme })
        })
        .as_ref()
}

/// Loads syntect's syntaxes and theme now, so the first highlighted block does not wait for
/// them. Meant for a background thread.
///
/// A language's patterns are compiled only when its first block is drawn (some tens of
/// milliseconds): compiled, they take 5 to 7 MB a language, which compiling a few common ones
/// ahead would make every session pay, code or not.
pub fn warm_up() {
    let _ = assets();
}

/// The style of code that is not highlighted (inline code, unknown languages).
pub fn code_style(color: bool) -> Style {
    if color {
        Style::new().fg(Color::Cyan)
    } else {
        Style::new()
    }
}

/// `code` as lines (one per source line, without line endings), highlighted for `lang` (a
/// fence's language name or a common alias such as `rs`, `py`, `sh`). Unknown languages and
/// `color: false` give plain lines in [`code_style`]; `diff` colours added, removed and hunk
/// lines. Lines are not wrapped; tabs are expanded and control characters dropped.
pub fn highlight_code(code: &str, lang: &str, color: bool) -> Vec<Line<'static>> {
    if !color {
        return plain_lines(code, code_style(false));
    }
    match language(lang) {
        Language::Plain => plain_lines(code, code_style(true)),
        Language::Diff => diff_lines(code),
        Language::Token(token) => {
            let highlighted = assets().and_then(|assets| {
                let syntax = assets.syntaxes.find_syntax_by_token(token)?;
                // syntect's own plain-text syntax would paint everything in the theme's
                // foreground; unknown-language code looks the same everywhere instead.
                if syntax.name == "Plain Text" {
                    return None;
                }
                highlight_syntax(assets, syntax, code)
            });
            highlighted.unwrap_or_else(|| plain_lines(code, code_style(true)))
        }
    }
}

enum Language<'a> {
    Plain,
    Diff,
    /// A name or file extension for syntect to look up.
    Token(&'a str),
}

fn language(lang: &str) -> Language<'_> {
    let lang = lang.trim();
    let lower = lang.to_ascii_lowercase();
    let token = match lower.as_str() {
        "" | "text" | "txt" | "plain" | "plaintext" | "output" | "log" => return Language::Plain,
        // syntect's bundled syntaxes have no TOML.
        "toml" => return Language::Plain,
        "diff" | "patch" | "udiff" => return Language::Diff,
        "rs" | "rust" => "rs",
        "py" | "py3" | "python" | "python3" => "py",
        // No TypeScript among the bundled syntaxes; JavaScript's is close enough.
        "js" | "javascript" | "jsx" | "mjs" | "cjs" | "node" | "ts" | "typescript" | "tsx"
        | "mts" | "cts" => "js",
        "sh" | "bash" | "zsh" | "shell" | "console" | "shellsession" | "ksh" | "fish" => "bash",
        "json" | "jsonc" | "json5" | "jsonl" => "json",
        "yaml" | "yml" => "yaml",
        "c" | "h" => "c",
        "cpp" | "c++" | "cxx" | "cc" | "hpp" | "hh" | "hxx" => "cpp",
        "cs" | "csharp" | "c#" => "cs",
        "go" | "golang" => "go",
        "java" => "java",
        "rb" | "ruby" => "rb",
        "md" | "markdown" => "md",
        "html" | "htm" => "html",
        "xml" | "svg" => "xml",
        "sql" => "sql",
        "make" | "makefile" | "mk" => "makefile",
        "hs" | "haskell" => "hs",
        "pl" | "perl" => "pl",
        "kt" | "kotlin" => "java",
        _ => return Language::Token(lang),
    };
    Language::Token(token)
}

fn highlight_syntax(
    assets: &Assets,
    syntax: &SyntaxReference,
    code: &str,
) -> Option<Vec<Line<'static>>> {
    if code.len() > MAX_CODE_BYTES || code.split('\n').any(|line| line.len() > MAX_LINE_BYTES) {
        return None;
    }
    let key = syntax.name.as_str();
    let (mut lines, done, mut highlighter) = match take_cached(key, code) {
        Some(progress) => (
            progress.lines,
            progress.done,
            HighlightLines::from_state(&assets.theme, progress.highlight, progress.parse),
        ),
        None => (
            Vec::new(),
            String::new(),
            HighlightLines::new(syntax, &assets.theme),
        ),
    };
    let rest = &code[done.len()..];
    // Only complete lines go into the cache: the last line may still grow.
    let complete = rest.rfind('\n').map_or(0, |i| i + 1);
    for line in LinesWithEndings::from(&rest[..complete]) {
        let ranges = highlighter.highlight_line(line, &assets.syntaxes).ok()?;
        lines.push(to_line(&ranges));
    }
    let tail = &rest[complete..];
    let mut out = lines.clone();
    let (highlight, parse) = highlighter.state();
    if !tail.is_empty() {
        let mut last = HighlightLines::from_state(&assets.theme, highlight.clone(), parse.clone());
        let ranges = last.highlight_line(tail, &assets.syntaxes).ok()?;
        out.push(to_line(&ranges));
    }
    let mut done = done;
    done.push_str(&rest[..complete]);
    store_cached(Progress {
        syntax: key.to_string(),
        done,
        lines,
        highlight,
        parse,
    });
    Some(out)
}

/// Highlighting of a block's first lines, to go on from.
struct Progress {
    syntax: String,
    /// The complete lines highlighted so far (each ending with `\n`).
    done: String,
    lines: Vec<Line<'static>>,
    highlight: HighlightState,
    parse: ParseState,
}

static CACHE: Mutex<Vec<Progress>> = Mutex::new(Vec::new());

/// Takes out the entry that covers the longest start of `code`.
fn take_cached(syntax: &str, code: &str) -> Option<Progress> {
    let mut cache = CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let index = cache
        .iter()
        .enumerate()
        .filter(|(_, p)| p.syntax == syntax && code.starts_with(p.done.as_str()))
        .max_by_key(|(_, p)| p.done.len())
        .map(|(i, _)| i)?;
    Some(cache.remove(index))
}

/// Puts an entry back as the most recently used, dropping the least recently used ones beyond
/// the cache's size. (A block that grew took its old entry out, so it is not kept twice.)
fn store_cached(progress: Progress) {
    if progress.done.is_empty() || progress.done.len() > CACHE_BYTES {
        return;
    }
    let mut cache = CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    cache.push(progress);
    let mut bytes: usize = cache.iter().map(|p| p.done.len()).sum();
    let mut drop = 0;
    while (bytes > CACHE_BYTES || cache.len() - drop > CACHE_ENTRIES)
        && let Some(oldest) = cache.get(drop)
    {
        bytes -= oldest.done.len();
        drop += 1;
    }
    cache.drain(..drop);
}

fn to_line(ranges: &[(syntect::highlighting::Style, &str)]) -> Line<'static> {
    let mut spans = Vec::with_capacity(ranges.len());
    let mut column = 0;
    for (style, text) in ranges {
        let fg = style.foreground;
        let mut converted = Style::new().fg(Color::Rgb(fg.r, fg.g, fg.b));
        if style.font_style.contains(FontStyle::BOLD) {
            converted = converted.add_modifier(Modifier::BOLD);
        }
        if style.font_style.contains(FontStyle::ITALIC) {
            converted = converted.add_modifier(Modifier::ITALIC);
        }
        if style.font_style.contains(FontStyle::UNDERLINE) {
            converted = converted.add_modifier(Modifier::UNDERLINED);
        }
        push_clean(&mut spans, &mut column, text, converted);
    }
    Line::from(spans)
}

fn plain_lines(code: &str, style: Style) -> Vec<Line<'static>> {
    code.lines()
        .map(|line| {
            let mut spans = Vec::with_capacity(1);
            push_clean(&mut spans, &mut 0, line, style);
            Line::from(spans)
        })
        .collect()
}

fn diff_lines(code: &str) -> Vec<Line<'static>> {
    let added = Style::new().fg(Color::Green);
    let removed = Style::new().fg(Color::Red);
    let hunk = Style::new().fg(Color::Cyan);
    let header = Style::new().add_modifier(Modifier::BOLD);
    // Before the first hunk, `---`/`+++` name the files; after it they are a removed or added
    // line that starts with `--`/`++`.
    let mut in_hunk = false;
    code.lines()
        .map(|line| {
            let style = if line.starts_with("@@") {
                in_hunk = true;
                hunk
            } else if !in_hunk
                && (line.starts_with("--- ")
                    || line.starts_with("+++ ")
                    || line.starts_with("diff ")
                    || line.starts_with("index "))
            {
                header
            } else if line.starts_with('+') {
                added
            } else if line.starts_with('-') {
                removed
            } else {
                Style::new()
            };
            let mut spans = Vec::with_capacity(1);
            push_clean(&mut spans, &mut 0, line, style);
            Line::from(spans)
        })
        .collect()
}

/// Appends `text` as a span, with tabs expanded to the next tab stop (`column` is the display
/// column reached so far) and line endings and other control characters dropped: they would
/// move the terminal's cursor and break the layout.
fn push_clean(spans: &mut Vec<Span<'static>>, column: &mut usize, text: &str, style: Style) {
    let clean = if text.chars().any(char::is_control) {
        let mut clean = String::with_capacity(text.len() + 8);
        let mut col = *column;
        for c in text.chars() {
            if c == '\t' {
                let n = TAB_WIDTH - col % TAB_WIDTH;
                clean.extend(std::iter::repeat_n(' ', n));
                col += n;
            } else if !c.is_control() {
                clean.push(c);
                col += unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
            }
        }
        clean
    } else {
        text.to_string()
    };
    if clean.is_empty() {
        return;
    }
    *column += if clean.is_ascii() {
        clean.len()
    } else {
        clean.width()
    };
    // Neighbouring tokens often share a colour: one span for them.
    if let Some(last) = spans.last_mut()
        && last.style == style
    {
        last.content.to_mut().push_str(&clean);
        return;
    }
    spans.push(Span::styled(clean, style));
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn text(lines: &[Line<'_>]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn rust_is_highlighted_in_rgb() {
        let lines = highlight_code("fn main() {\n    let x = 1;\n}\n", "rust", true);
        assert_eq!(text(&lines), ["fn main() {", "    let x = 1;", "}"]);
        let colours: Vec<_> = lines
            .iter()
            .flat_map(|l| l.spans.iter())
            .filter_map(|s| s.style.fg)
            .collect();
        assert!(colours.iter().all(|c| matches!(c, Color::Rgb(..))));
        // Keywords and names differ in colour.
        colours.iter().skip(1).find(|c| *c != &colours[0]).unwrap();
        assert!(
            lines
                .iter()
                .flat_map(|l| l.spans.iter())
                .all(|s| s.style.bg.is_none())
        );
    }

    #[test]
    fn aliases_find_syntaxes() {
        for lang in [
            "rs", "py", "js", "ts", "sh", "bash", "zsh", "shell", "json", "yaml", "c", "cpp", "go",
            "java", "rb", "html", "sql", "Rust", "Python",
        ] {
            let lines = highlight_code("x = 1\n", lang, true);
            let fg = lines[0].spans[0].style.fg;
            assert!(matches!(fg, Some(Color::Rgb(..))), "{lang}: {fg:?}");
        }
    }

    #[test]
    fn unknown_languages_are_plain_in_the_code_style() {
        for lang in ["", "toml", "nosuchlanguage", "txt", "text"] {
            let lines = highlight_code("a = 1\nb = 2", lang, true);
            assert_eq!(text(&lines), ["a = 1", "b = 2"]);
            for span in lines.iter().flat_map(|l| l.spans.iter()) {
                assert_eq!(span.style, code_style(true), "{lang}");
            }
        }
    }

    #[test]
    fn no_colour_is_plain() {
        for lang in ["rust", "diff", "", "python"] {
            let lines = highlight_code("+fn main() {}\n-x\n@@ y\n", lang, false);
            for span in lines.iter().flat_map(|l| l.spans.iter()) {
                assert_eq!(span.style, Style::new(), "{lang}");
            }
        }
    }

    #[test]
    fn diff_colours_lines() {
        let lines = highlight_code(
            "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n context\n-old\n+new\n--- gone\n",
            "diff",
            true,
        );
        let fg: Vec<_> = lines
            .iter()
            .map(|l| l.spans.first().and_then(|s| s.style.fg))
            .collect();
        assert_eq!(
            fg,
            [
                None,
                None,
                Some(Color::Cyan),
                None,
                Some(Color::Red),
                Some(Color::Green),
                Some(Color::Red)
            ]
        );
        assert!(
            lines[0].spans[0]
                .style
                .add_modifier
                .contains(Modifier::BOLD)
        );
    }

    #[test]
    fn tabs_are_expanded_and_controls_dropped() {
        let lines = highlight_code("\tx\ty\r\n\u{1b}[31mred", "", true);
        assert_eq!(text(&lines), ["    x   y", "[31mred"]);
    }

    #[test]
    fn growing_block_matches_a_fresh_highlight() {
        let code = "fn main() {\n    /* a\n    comment */ let s = \"str\";\n}\n";
        let whole = highlight_code(code, "rust", true);
        // Each prefix in turn, as a stream delivers it, then the whole again.
        for end in 0..=code.len() {
            if !code.is_char_boundary(end) {
                continue;
            }
            let prefix = &code[..end];
            let streamed = highlight_code(prefix, "rust", true);
            let fresh = {
                // A different language key would not share the cache; compare against a
                // highlight that starts from nothing by clearing the cache first.
                CACHE.lock().unwrap().clear();
                highlight_code(prefix, "rust", true)
            };
            assert_eq!(streamed, fresh, "prefix {end}");
        }
        assert_eq!(highlight_code(code, "rust", true), whole);
    }

    #[test]
    fn long_lines_are_plain() {
        let code = format!("let x = \"{}\";\n", "a".repeat(MAX_LINE_BYTES));
        let lines = highlight_code(&code, "rust", true);
        assert_eq!(lines[0].spans[0].style, code_style(true));
    }
}
