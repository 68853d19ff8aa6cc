//! The patch language models are trained to write.
//!
//! ```text
//! *** Begin Patch
//! *** Add File: path            followed by `+` lines
//! *** Delete File: path
//! *** Update File: path
//! *** Move to: new/path         optional, right after the Update header
//! @@ optional context line      one or more chunks of ` `, `-`, `+` lines
//! *** End of File               optional, anchors the chunk at the end of the file
//! *** End Patch
//! ```

use std::path::PathBuf;

const BEGIN: &str = "*** Begin Patch";
const END: &str = "*** End Patch";
const ADD: &str = "*** Add File: ";
const DELETE: &str = "*** Delete File: ";
const UPDATE: &str = "*** Update File: ";
const MOVE_TO: &str = "*** Move to: ";
const END_OF_FILE: &str = "*** End of File";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hunk {
    Add {
        path: PathBuf,
        contents: String,
    },
    Delete {
        path: PathBuf,
    },
    Update {
        path: PathBuf,
        move_path: Option<PathBuf>,
        chunks: Vec<Chunk>,
    },
}

impl Hunk {
    pub fn path(&self) -> &PathBuf {
        match self {
            Hunk::Add { path, .. } | Hunk::Delete { path } | Hunk::Update { path, .. } => path,
        }
    }
}

/// One `@@` section of an Update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// The line after `@@ `, searched for before the old lines.
    pub change_context: Option<String>,
    pub old_lines: Vec<String>,
    pub new_lines: Vec<String>,
    /// For each of `new_lines`, the index in `old_lines` of the same context line, if it is one.
    /// A context line keeps the file's own text (whitespace, punctuation) when the chunk only
    /// matched after normalising; only `-` lines are removed and `+` lines inserted.
    pub context_of_new: Vec<Option<usize>>,
    /// `*** End of File` closed the chunk: the old lines must end the file.
    pub is_end_of_file: bool,
}

impl Chunk {
    fn push_context(&mut self, line: String) {
        self.context_of_new.push(Some(self.old_lines.len()));
        self.old_lines.push(line.clone());
        self.new_lines.push(line);
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("Invalid patch: {0}")]
    InvalidPatch(String),
    #[error("Invalid patch hunk on line {line_number}: {message}")]
    InvalidHunk { message: String, line_number: usize },
}

/// Parses a patch, tolerating surrounding whitespace and a heredoc wrapper
/// (`<<'EOF'` … `EOF`) around it.
pub fn parse_patch(text: &str) -> Result<Vec<Hunk>, ParseError> {
    let lines: Vec<&str> = text.trim().lines().collect();
    let body = match check_boundaries(&lines) {
        Ok(()) => &lines[..],
        Err(e) => match strip_heredoc(&lines) {
            Some(inner) if check_boundaries(inner).is_ok() => inner,
            _ => return Err(e),
        },
    };
    let mut hunks = Vec::new();
    let mut remaining = &body[1..body.len() - 1];
    let mut line_number = 2;
    while !remaining.is_empty() {
        let (hunk, used) = parse_one_hunk(remaining, line_number)?;
        hunks.push(hunk);
        line_number += used;
        remaining = &remaining[used..];
    }
    Ok(hunks)
}

fn check_boundaries(lines: &[&str]) -> Result<(), ParseError> {
    let first = lines.first().map(|l| l.trim());
    let last = lines.last().map(|l| l.trim());
    if first != Some(BEGIN) {
        return Err(ParseError::InvalidPatch(
            "The first line of the patch must be '*** Begin Patch'".into(),
        ));
    }
    if lines.len() < 2 || last != Some(END) {
        return Err(ParseError::InvalidPatch(
            "The last line of the patch must be '*** End Patch'".into(),
        ));
    }
    Ok(())
}

fn strip_heredoc<'a>(lines: &'a [&'a str]) -> Option<&'a [&'a str]> {
    if lines.len() < 4 {
        return None;
    }
    let first = lines[0].trim();
    let opens = ["<<EOF", "<<'EOF'", "<<\"EOF\""].contains(&first);
    let closes = lines[lines.len() - 1].trim().ends_with("EOF");
    (opens && closes).then(|| &lines[1..lines.len() - 1])
}

fn hunk_error(message: String, line_number: usize) -> ParseError {
    ParseError::InvalidHunk {
        message,
        line_number,
    }
}

fn parse_one_hunk(lines: &[&str], line_number: usize) -> Result<(Hunk, usize), ParseError> {
    let first = lines[0].trim();
    if let Some(path) = first.strip_prefix(ADD) {
        let mut contents = String::new();
        let mut used = 1;
        for line in &lines[1..] {
            match line.strip_prefix('+') {
                Some(added) => {
                    contents.push_str(added);
                    contents.push('\n');
                    used += 1;
                }
                None => break,
            }
        }
        return Ok((
            Hunk::Add {
                path: PathBuf::from(path),
                contents,
            },
            used,
        ));
    }
    if let Some(path) = first.strip_prefix(DELETE) {
        return Ok((
            Hunk::Delete {
                path: PathBuf::from(path),
            },
            1,
        ));
    }
    if let Some(path) = first.strip_prefix(UPDATE) {
        let mut remaining = &lines[1..];
        let mut used = 1;
        let move_path = remaining
            .first()
            .and_then(|l| l.strip_prefix(MOVE_TO))
            .map(PathBuf::from);
        if move_path.is_some() {
            remaining = &remaining[1..];
            used += 1;
        }
        let mut chunks = Vec::new();
        // A blank line here is an empty context line (as the Codex CLI reads it), so an Update
        // followed only by blank lines is a no-op for that file rather than an error.
        while let Some(line) = remaining.first() {
            if line.starts_with("***") {
                break;
            }
            let (chunk, chunk_lines) =
                parse_chunk(remaining, line_number + used, chunks.is_empty())?;
            chunks.push(chunk);
            used += chunk_lines;
            remaining = &remaining[chunk_lines..];
        }
        if chunks.is_empty() {
            return Err(hunk_error(
                format!("Update file hunk for path '{path}' is empty"),
                line_number,
            ));
        }
        return Ok((
            Hunk::Update {
                path: PathBuf::from(path),
                move_path,
                chunks,
            },
            used,
        ));
    }
    Err(hunk_error(
        format!(
            "'{first}' is not a valid hunk header. Valid hunk headers: '*** Add File: {{path}}', \
             '*** Delete File: {{path}}', '*** Update File: {{path}}'"
        ),
        line_number,
    ))
}

fn parse_chunk(
    lines: &[&str],
    line_number: usize,
    allow_missing_context: bool,
) -> Result<(Chunk, usize), ParseError> {
    // `@@` followed only by spaces carries no context, as the Codex CLI reads it.
    let (change_context, start) = if lines[0].trim_end() == "@@" {
        (None, 1)
    } else if let Some(ctx) = lines[0].strip_prefix("@@ ") {
        (Some(ctx.to_string()), 1)
    } else if allow_missing_context {
        (None, 0)
    } else {
        return Err(hunk_error(
            format!(
                "Expected update hunk to start with a @@ context marker, got: '{}'",
                lines[0]
            ),
            line_number,
        ));
    };
    if start >= lines.len() {
        return Err(hunk_error(
            "Update hunk does not contain any lines".into(),
            line_number + 1,
        ));
    }
    let mut chunk = Chunk {
        change_context,
        old_lines: Vec::new(),
        new_lines: Vec::new(),
        context_of_new: Vec::new(),
        is_end_of_file: false,
    };
    let mut parsed = 0;
    for line in &lines[start..] {
        if *line == END_OF_FILE {
            if parsed == 0 {
                return Err(hunk_error(
                    "Update hunk does not contain any lines".into(),
                    line_number + 1,
                ));
            }
            chunk.is_end_of_file = true;
            parsed += 1;
            break;
        }
        let mut chars = line.chars();
        match chars.next() {
            None => chunk.push_context(String::new()),
            Some(' ') => chunk.push_context(chars.as_str().to_string()),
            Some('+') => {
                chunk.new_lines.push(chars.as_str().to_string());
                chunk.context_of_new.push(None);
            }
            Some('-') => chunk.old_lines.push(chars.as_str().to_string()),
            Some(_) => {
                if parsed == 0 {
                    return Err(hunk_error(
                        format!(
                            "Unexpected line found in update hunk: '{line}'. Every line should \
                             start with ' ' (context line), '+' (added line), or '-' (removed line)"
                        ),
                        line_number + 1,
                    ));
                }
                break;
            }
        }
        parsed += 1;
    }
    Ok((chunk, parsed + start))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Vec<Hunk>, ParseError> {
        parse_patch(s)
    }

    #[test]
    fn all_three_operations() {
        let hunks = p(
            "*** Begin Patch\n*** Add File: a.txt\n+one\n+two\n*** Delete File: b.txt\n\
                       *** Update File: c.txt\n*** Move to: d.txt\n@@ fn main\n ctx\n-old\n+new\n\
                       *** End of File\n*** End Patch",
        )
        .unwrap();
        assert_eq!(hunks.len(), 3);
        assert_eq!(
            hunks[0],
            Hunk::Add {
                path: "a.txt".into(),
                contents: "one\ntwo\n".into()
            }
        );
        assert_eq!(
            hunks[1],
            Hunk::Delete {
                path: "b.txt".into()
            }
        );
        let Hunk::Update {
            move_path, chunks, ..
        } = &hunks[2]
        else {
            panic!()
        };
        assert_eq!(move_path.as_deref(), Some(std::path::Path::new("d.txt")));
        assert_eq!(chunks[0].change_context.as_deref(), Some("fn main"));
        assert_eq!(chunks[0].old_lines, ["ctx", "old"]);
        assert_eq!(chunks[0].new_lines, ["ctx", "new"]);
        assert!(chunks[0].is_end_of_file);
    }

    #[test]
    fn whitespace_padded_markers_and_heredoc() {
        assert!(p("  *** Begin Patch \n*** Delete File: x\n *** End Patch  \n").is_ok());
        let wrapped = "<<'EOF'\n*** Begin Patch\n*** Delete File: x\n*** End Patch\nEOF\n";
        assert_eq!(p(wrapped).unwrap().len(), 1);
    }

    #[test]
    fn first_chunk_may_omit_the_marker_but_later_ones_may_not() {
        let ok = p("*** Begin Patch\n*** Update File: f\n-a\n+b\n@@\n-c\n+d\n*** End Patch");
        assert_eq!(ok.unwrap().len(), 1);
        let err = parse_chunk(&["-c"], 5, false).unwrap_err();
        assert!(
            err.to_string()
                .contains("Expected update hunk to start with a @@")
        );
    }

    #[test]
    fn empty_line_is_empty_context() {
        let hunks = p("*** Begin Patch\n*** Update File: f\n@@\n a\n\n-b\n*** End Patch").unwrap();
        let Hunk::Update { chunks, .. } = &hunks[0] else {
            panic!()
        };
        assert_eq!(chunks[0].old_lines, ["a", "", "b"]);
        assert_eq!(chunks[0].new_lines, ["a", ""]);
    }

    #[test]
    fn errors_carry_upstream_wording() {
        let e = p("*** Update File: f\n*** End Patch").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Invalid patch: The first line of the patch must be '*** Begin Patch'"
        );
        let e = p("*** Begin Patch\n*** Delete File: f").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Invalid patch: The last line of the patch must be '*** End Patch'"
        );
        let e = p("*** Begin Patch\n*** Frobnicate File: f\n*** End Patch").unwrap_err();
        assert!(e.to_string().starts_with(
            "Invalid patch hunk on line 2: '*** Frobnicate File: f' is not a valid hunk header."
        ));
        let e = p("*** Begin Patch\n*** Update File: f\n*** End Patch").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Invalid patch hunk on line 2: Update file hunk for path 'f' is empty"
        );
        let e = p("*** Begin Patch\n*** Update File: f\n@@\nbad line\n*** End Patch").unwrap_err();
        assert!(
            e.to_string()
                .contains("Unexpected line found in update hunk: 'bad line'")
        );
    }

    #[test]
    fn empty_patch_parses_to_no_hunks() {
        assert_eq!(p("*** Begin Patch\n*** End Patch").unwrap(), vec![]);
    }
}
