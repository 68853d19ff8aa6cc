//! Applying an Update's chunks to a file's text.

use crate::error::PatchError;
use crate::parser::Chunk;
use crate::seek::{nearest, seek_sequence};

/// Line ending kept from the original file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Eol {
    Lf,
    CrLf,
}

/// The file's new text, or which chunk did not match and what was found nearest to it.
pub fn apply_chunks(
    original: &str,
    display_path: &str,
    chunks: &[Chunk],
) -> Result<String, PatchError> {
    let eol = if original.contains("\r\n")
        && original.matches("\r\n").count() == original.matches('\n').count()
    {
        Eol::CrLf
    } else {
        Eol::Lf
    };
    let text = match eol {
        Eol::CrLf => original.replace("\r\n", "\n"),
        Eol::Lf => original.to_string(),
    };
    let mut lines: Vec<String> = text.split('\n').map(String::from).collect();
    if lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    let replacements = plan_replacements(&lines, display_path, chunks)?;
    let mut new_lines = lines;
    for (start, old_len, new) in replacements.into_iter().rev() {
        new_lines.splice(start..start + old_len, new);
    }
    if !new_lines.last().is_some_and(String::is_empty) {
        new_lines.push(String::new());
    }
    Ok(match eol {
        Eol::Lf => new_lines.join("\n"),
        Eol::CrLf => new_lines.join("\r\n"),
    })
}

type Replacement = (usize, usize, Vec<String>);

fn plan_replacements(
    lines: &[String],
    display_path: &str,
    chunks: &[Chunk],
) -> Result<Vec<Replacement>, PatchError> {
    let mut replacements = Vec::new();
    let mut cursor = 0usize;
    for (n, chunk) in chunks.iter().enumerate() {
        if let Some(ctx) = &chunk.change_context {
            match seek_sequence(lines, std::slice::from_ref(ctx), cursor, false) {
                Some(i) => cursor = i + 1,
                None => {
                    return Err(PatchError::ContextNotFound {
                        path: display_path.to_string(),
                        chunk: n + 1,
                        context: ctx.clone(),
                    });
                }
            }
        }
        if chunk.old_lines.is_empty() {
            // A pure addition goes at the end of the file.
            replacements.push((lines.len(), 0, chunk.new_lines.clone()));
            continue;
        }
        let mut pattern: &[String] = &chunk.old_lines;
        let mut new_slice: &[String] = &chunk.new_lines;
        let mut found = seek_sequence(lines, pattern, cursor, chunk.is_end_of_file);
        if found.is_none() && pattern.last().is_some_and(String::is_empty) {
            // A trailing blank line in the chunk often stands for the end of the file.
            pattern = &pattern[..pattern.len() - 1];
            if new_slice.last().is_some_and(String::is_empty) {
                new_slice = &new_slice[..new_slice.len() - 1];
            }
            found = seek_sequence(lines, pattern, cursor, chunk.is_end_of_file);
        }
        match found {
            Some(i) => {
                replacements.push((i, pattern.len(), new_slice.to_vec()));
                cursor = i + pattern.len();
            }
            None => {
                let near = nearest(lines, &chunk.old_lines)
                    .map(|(start, len)| (start + 1, lines[start..start + len].to_vec()));
                return Err(PatchError::LinesNotFound {
                    path: display_path.to_string(),
                    chunk: n + 1,
                    expected: chunk.old_lines.clone(),
                    nearest: near,
                });
            }
        }
    }
    replacements.sort_by_key(|(start, _, _)| *start);
    Ok(replacements)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(ctx: Option<&str>, old: &[&str], new: &[&str], eof: bool) -> Chunk {
        Chunk {
            change_context: ctx.map(String::from),
            old_lines: old.iter().map(|s| s.to_string()).collect(),
            new_lines: new.iter().map(|s| s.to_string()).collect(),
            is_end_of_file: eof,
        }
    }

    #[test]
    fn replaces_and_adds_a_final_newline() {
        let out = apply_chunks("a\nb\nc", "f", &[chunk(None, &["b"], &["B"], false)]).unwrap();
        assert_eq!(out, "a\nB\nc\n");
    }

    #[test]
    fn crlf_stays_crlf() {
        let out = apply_chunks(
            "a\r\nb\r\n",
            "f",
            &[chunk(None, &["a"], &["x", "y"], false)],
        )
        .unwrap();
        assert_eq!(out, "x\r\ny\r\nb\r\n");
    }

    #[test]
    fn pure_addition_appends() {
        let out = apply_chunks("a\nb\n", "f", &[chunk(Some("a"), &[], &["z"], false)]).unwrap();
        assert_eq!(out, "a\nb\nz\n");
    }

    #[test]
    fn eof_anchor_picks_the_last_occurrence() {
        let out = apply_chunks("x\ny\nx\n", "f", &[chunk(None, &["x"], &["X"], true)]).unwrap();
        assert_eq!(out, "x\ny\nX\n");
    }

    #[test]
    fn context_moves_the_cursor() {
        let src = "fn a\n  ret\nfn b\n  ret\n";
        let out = apply_chunks(
            src,
            "f",
            &[chunk(Some("fn b"), &["  ret"], &["  ret 2"], false)],
        )
        .unwrap();
        assert_eq!(out, "fn a\n  ret\nfn b\n  ret 2\n");
    }

    #[test]
    fn missing_lines_report_the_nearest() {
        let err = apply_chunks(
            "alpha\nbeta\ngamma\n",
            "f.txt",
            &[chunk(None, &["beta", "delta"], &["x"], false)],
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("Failed to find expected lines in f.txt (chunk 1)"),
            "{err}"
        );
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("beta"), "{err}");
    }
}
