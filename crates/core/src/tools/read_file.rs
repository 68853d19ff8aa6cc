//! `read_file`: numbered lines of a file, either a plain range (`slice`) or the block of code
//! around a line, chosen by indentation (`indentation`), with the Codex CLI's arguments,
//! output (`L<n>: <line>`) and error texts.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use codex_providers::ToolSpec;
use futures_util::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

use super::{ToolCall, ToolHandler, ToolOutput, parse_arguments};

/// Longer lines are cut to this many bytes (at a character boundary).
const MAX_LINE_LENGTH: usize = 500;
/// A tab counts as this many columns of indentation.
const TAB_WIDTH: usize = 4;
/// Lines starting with these count as comments (headers kept above a block).
const COMMENT_PREFIXES: &[&str] = &["#", "//", "--"];

fn spec() -> ToolSpec {
    ToolSpec::Function {
        name: "read_file".into(),
        description: "Reads a local file with 1-indexed line numbers, supporting slice and \
                      indentation-aware block modes."
            .into(),
        parameters: json!({
            "type": "object",
            "properties": {
                "file_path": {"type": "string", "description": "Absolute path to the file"},
                "offset": {
                    "type": "number",
                    "description": "The line number to start reading from. Must be 1 or greater."
                },
                "limit": {
                    "type": "number",
                    "description": "The maximum number of lines to return."
                },
                "mode": {
                    "type": "string",
                    "description": "Optional mode selector: \"slice\" for simple ranges (default) \
                                    or \"indentation\" to expand around an anchor line."
                },
                "indentation": {
                    "type": "object",
                    "properties": {
                        "anchor_line": {
                            "type": "number",
                            "description": "Anchor line to center the indentation lookup on \
                                            (defaults to offset)."
                        },
                        "max_levels": {
                            "type": "number",
                            "description": "How many parent indentation levels (smaller \
                                            indents) to include."
                        },
                        "include_siblings": {
                            "type": "boolean",
                            "description": "When true, include additional blocks that share \
                                            the anchor indentation."
                        },
                        "include_header": {
                            "type": "boolean",
                            "description": "Include doc comments or attributes directly above \
                                            the selected block."
                        },
                        "max_lines": {
                            "type": "number",
                            "description": "Hard cap on the number of lines returned when using \
                                            indentation mode."
                        }
                    },
                    "additionalProperties": false
                }
            },
            "required": ["file_path"],
            "additionalProperties": false
        }),
    }
}

#[derive(Deserialize)]
struct Args {
    file_path: String,
    #[serde(default = "one")]
    offset: usize,
    #[serde(default = "default_limit")]
    limit: usize,
    #[serde(default)]
    mode: Mode,
    #[serde(default)]
    indentation: Option<Indentation>,
}

#[derive(Deserialize, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Mode {
    #[default]
    Slice,
    Indentation,
}

/// How an indentation-mode read picks its block.
#[derive(Deserialize, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Indentation {
    /// The line the block is around; `offset` when absent.
    #[serde(default)]
    anchor_line: Option<usize>,
    /// How many indentation levels above the anchor's to take in; `0`: all of them.
    #[serde(default)]
    max_levels: usize,
    /// Take in the blocks beside the anchor's at the lowest level too.
    #[serde(default)]
    include_siblings: bool,
    /// Keep comment lines just above the block.
    #[serde(default = "yes")]
    include_header: bool,
    /// A cap on the lines returned, below `limit`.
    #[serde(default)]
    max_lines: Option<usize>,
}

impl Default for Indentation {
    fn default() -> Self {
        Indentation {
            anchor_line: None,
            max_levels: 0,
            include_siblings: false,
            include_header: true,
            max_lines: None,
        }
    }
}

fn one() -> usize {
    1
}

fn default_limit() -> usize {
    2000
}

fn yes() -> bool {
    true
}

/// `read_file`: reads only what the session's read access allows; never asks, never writes.
pub(crate) struct ReadFileTool;

impl ToolHandler for ReadFileTool {
    fn spec(&self) -> ToolSpec {
        spec()
    }

    fn is_mutating(&self) -> bool {
        false
    }

    fn handle<'a>(&'a self, call: ToolCall<'a>) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            let args: Args = match parse_arguments(&call) {
                Ok(args) => args,
                Err(e) => return e,
            };
            if args.offset == 0 {
                return ToolOutput::error("offset must be a 1-indexed line number");
            }
            if args.limit == 0 {
                return ToolOutput::error("limit must be greater than zero");
            }
            let path = PathBuf::from(&args.file_path);
            if !path.is_absolute() {
                return ToolOutput::error("file_path must be an absolute path");
            }
            if let Err(denied) = call.read_access().check(&path) {
                return ToolOutput::error(denied.to_string());
            }
            let read = tokio::task::spawn_blocking(move || match args.mode {
                Mode::Slice => read_slice(&path, args.offset, args.limit),
                Mode::Indentation => read_block(
                    &path,
                    args.offset,
                    args.limit,
                    &args.indentation.unwrap_or_default(),
                ),
            })
            .await;
            match read {
                Ok(Ok(lines)) => ToolOutput::text(lines.join("\n")),
                Ok(Err(message)) => ToolOutput::error(message),
                Err(e) => ToolOutput::error(format!("failed to read file: {e}")),
            }
        })
    }
}

/// Lines `offset..offset + limit` (1-based), numbered.
pub(crate) fn read_slice(path: &Path, offset: usize, limit: usize) -> Result<Vec<String>, String> {
    let mut lines = Lines::open(path)?;
    let mut out = Vec::new();
    let mut seen = 0;
    while out.len() < limit {
        let Some(line) = lines.next_line()? else {
            break;
        };
        seen += 1;
        if seen >= offset {
            out.push(format!("L{seen}: {}", display(line)));
        }
    }
    if seen < offset {
        return Err("offset exceeds file length".into());
    }
    Ok(out)
}

/// The block of lines around the anchor line, grown up and down one line at a time while the
/// lines are indented at least as deep as the level `max_levels` above the anchor's; at that
/// lowest level, one line each way (the block's opening and closing lines) unless siblings
/// are wanted, plus comment lines above when headers are.
pub(crate) fn read_block(
    path: &Path,
    offset: usize,
    limit: usize,
    options: &Indentation,
) -> Result<Vec<String>, String> {
    let anchor_line = options.anchor_line.unwrap_or(offset);
    if anchor_line == 0 {
        return Err("anchor_line must be a 1-indexed line number".into());
    }
    let guard = options.max_lines.unwrap_or(limit);
    if guard == 0 {
        return Err("max_lines must be greater than zero".into());
    }
    let records = read_records(path)?;
    if records.is_empty() || anchor_line > records.len() {
        return Err("anchor_line exceeds file length".into());
    }
    let anchor = anchor_line - 1;
    let indents = effective_indents(&records);
    let min_indent = if options.max_levels == 0 {
        0
    } else {
        indents[anchor].saturating_sub(options.max_levels * TAB_WIDTH)
    };
    let wanted = limit.min(guard).min(records.len());
    if wanted == 1 {
        return Ok(vec![records[anchor].numbered()]);
    }

    let mut block: VecDeque<usize> = VecDeque::from([anchor]);
    // Next candidates: `up` counts down and is done at `None`; `down` is done at the end.
    let mut up = anchor.checked_sub(1);
    let mut down = anchor + 1;
    let mut lowest_up = 0;
    let mut lowest_down = 0;
    while block.len() < wanted {
        let mut progressed = 0i32;
        if let Some(i) = up {
            if indents[i] >= min_indent {
                block.push_front(i);
                progressed += 1;
                up = i.checked_sub(1);
                if indents[i] == min_indent && !options.include_siblings {
                    let header = options.include_header && records[i].is_comment();
                    if header || lowest_up == 0 {
                        lowest_up += 1;
                    } else {
                        // Past the block's opening line: not ours.
                        block.pop_front();
                        progressed -= 1;
                        up = None;
                    }
                }
                if block.len() >= wanted {
                    break;
                }
            } else {
                up = None;
            }
        }
        if down < records.len() {
            let j = down;
            if indents[j] >= min_indent {
                block.push_back(j);
                progressed += 1;
                down += 1;
                if indents[j] == min_indent && !options.include_siblings {
                    if lowest_down > 0 {
                        // Past the block's closing line: not ours.
                        block.pop_back();
                        progressed -= 1;
                        down = records.len();
                    }
                    lowest_down += 1;
                }
            } else {
                down = records.len();
            }
        }
        if progressed == 0 {
            break;
        }
    }
    while block.front().is_some_and(|&i| records[i].is_blank()) {
        block.pop_front();
    }
    while block.back().is_some_and(|&i| records[i].is_blank()) {
        block.pop_back();
    }
    Ok(block.into_iter().map(|i| records[i].numbered()).collect())
}

/// One line of a file read whole.
struct Record {
    number: usize,
    raw: String,
    indent: usize,
}

impl Record {
    fn is_blank(&self) -> bool {
        self.raw.trim().is_empty()
    }

    fn is_comment(&self) -> bool {
        let trimmed = self.raw.trim();
        COMMENT_PREFIXES.iter().any(|p| trimmed.starts_with(p))
    }

    fn numbered(&self) -> String {
        format!("L{}: {}", self.number, display(self.raw.as_bytes()))
    }
}

fn read_records(path: &Path) -> Result<Vec<Record>, String> {
    let mut lines = Lines::open(path)?;
    let mut records = Vec::new();
    while let Some(line) = lines.next_line()? {
        let raw = String::from_utf8_lossy(line).into_owned();
        let indent = raw
            .chars()
            .take_while(|c| matches!(c, ' ' | '\t'))
            .map(|c| if c == '\t' { TAB_WIDTH } else { 1 })
            .sum();
        records.push(Record {
            number: records.len() + 1,
            raw,
            indent,
        });
    }
    Ok(records)
}

/// Each line's indentation, blank lines taking that of the last line with text.
fn effective_indents(records: &[Record]) -> Vec<usize> {
    let mut last = 0;
    records
        .iter()
        .map(|r| {
            if !r.raw.trim_start().is_empty() {
                last = r.indent;
            }
            last
        })
        .collect()
}

/// A line as shown: invalid UTF-8 replaced, cut to [`MAX_LINE_LENGTH`] bytes.
fn display(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line);
    if text.len() <= MAX_LINE_LENGTH {
        return text.into_owned();
    }
    let mut end = MAX_LINE_LENGTH;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// A file's lines without their `\n` or `\r\n`, one buffer reused.
struct Lines {
    reader: BufReader<File>,
    buffer: Vec<u8>,
}

impl Lines {
    fn open(path: &Path) -> Result<Self, String> {
        let file = File::open(path).map_err(|e| format!("failed to read file: {e}"))?;
        Ok(Lines {
            reader: BufReader::new(file),
            buffer: Vec::new(),
        })
    }

    fn next_line(&mut self) -> Result<Option<&[u8]>, String> {
        self.buffer.clear();
        let read = self
            .reader
            .read_until(b'\n', &mut self.buffer)
            .map_err(|e| format!("failed to read file: {e}"))?;
        if read == 0 {
            return Ok(None);
        }
        if self.buffer.last() == Some(&b'\n') {
            self.buffer.pop();
            if self.buffer.last() == Some(&b'\r') {
                self.buffer.pop();
            }
        }
        Ok(Some(&self.buffer))
    }
}

#[cfg(test)]
#[path = "read_file_tests.rs"]
mod tests;
