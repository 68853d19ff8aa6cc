//! Applying an Update's chunks to a file's text.

use crate::error::PatchError;
use crate::parser::Chunk;
use crate::seek::{nearest, seek_sequence};

/// One line of the file: its text and the line ending it had (`""` for an unterminated last
/// line).
struct Line<'a> {
    text: &'a str,
    ending: &'a str,
}

fn split_lines(text: &str) -> Vec<Line<'_>> {
    let mut lines = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find('\n') {
        let (line, after) = rest.split_at(at + 1);
        let (text, ending) = match line.strip_suffix("\r\n") {
            Some(text) => (text, "\r\n"),
            None => (&line[..line.len() - 1], "\n"),
        };
        lines.push(Line { text, ending });
        rest = after;
    }
    if !rest.is_empty() {
        lines.push(Line {
            text: rest,
            ending: "",
        });
    }
    lines
}

/// The file's new text, or which chunk did not match and what was found nearest to it.
///
/// Every line keeps its own ending; lines the patch adds take the file's first ending (LF for
/// a file with none), and an unterminated last line gets one, as the Codex CLI does.
pub fn apply_chunks(
    original: &str,
    display_path: &str,
    chunks: &[Chunk],
) -> Result<String, PatchError> {
    let lines = split_lines(original);
    let preferred = lines
        .iter()
        .map(|l| l.ending)
        .find(|e| !e.is_empty())
        .unwrap_or("\n");
    let texts: Vec<&str> = lines.iter().map(|l| l.text).collect();
    let replacements = plan_replacements(&texts, display_path, chunks)?;
    let push_line = |out: &mut String, line: &Line| {
        out.push_str(line.text);
        out.push_str(if line.ending.is_empty() {
            preferred
        } else {
            line.ending
        });
    };
    let mut out = String::with_capacity(original.len() + original.len() / 8 + 64);
    let mut next = 0usize;
    for (start, old_len, added) in replacements {
        for line in lines.get(next..start).unwrap_or_default() {
            push_line(&mut out, line);
        }
        for text in added {
            out.push_str(text);
            out.push_str(preferred);
        }
        next = next.max(start + old_len);
    }
    for line in lines.get(next..).unwrap_or_default() {
        push_line(&mut out, line);
    }
    Ok(out)
}

/// Lines `start..start + len` of the file give way to the added lines.
type Replacement<'a> = (usize, usize, &'a [String]);

fn plan_replacements<'a>(
    lines: &[&str],
    display_path: &str,
    chunks: &'a [Chunk],
) -> Result<Vec<Replacement<'a>>, PatchError> {
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
            replacements.push((lines.len(), 0, &chunk.new_lines[..]));
            continue;
        }
        let mut pattern: &[String] = &chunk.old_lines;
        let mut new_len = chunk.new_lines.len();
        let mut found = seek_sequence(lines, pattern, cursor, chunk.is_end_of_file);
        if found.is_none() && pattern.last().is_some_and(String::is_empty) {
            // A trailing blank line in the chunk often stands for the end of the file.
            pattern = &pattern[..pattern.len() - 1];
            if chunk.new_lines.last().is_some_and(String::is_empty) {
                new_len -= 1;
            }
            found = seek_sequence(lines, pattern, cursor, chunk.is_end_of_file);
        }
        match found {
            Some(i) => {
                edits_within(i, pattern.len(), chunk, new_len, &mut replacements);
                cursor = i + pattern.len();
            }
            None => {
                let near = nearest(lines, &chunk.old_lines).map(|(start, len)| {
                    let found = lines[start..start + len].iter().map(|l| l.to_string());
                    (start + 1, found.collect())
                });
                return Err(PatchError::LinesNotFound {
                    path: display_path.to_string(),
                    chunk: n + 1,
                    expected: chunk.old_lines.clone(),
                    nearest: near,
                });
            }
        }
    }
    // Stable: edits at the same place stay in the order the patch gave them.
    replacements.sort_by_key(|(start, _, _)| *start);
    Ok(replacements)
}

/// The edits a chunk matched at `start` (over `matched` lines) makes: each run of `-` and `+`
/// lines between two context lines replaces just the file lines it removes. Context lines are
/// left as the file has them (they may have matched only after trimming or normalising
/// punctuation, and the patch did not ask to change them), and an insertion lands exactly
/// where the patch put it, also next to another chunk's edits at the same place.
fn edits_within<'a>(
    start: usize,
    matched: usize,
    chunk: &'a Chunk,
    new_len: usize,
    out: &mut Vec<Replacement<'a>>,
) {
    let mut push = |old: std::ops::Range<usize>, new: std::ops::Range<usize>| {
        if !old.is_empty() || !new.is_empty() {
            out.push((start + old.start, old.len(), &chunk.new_lines[new]));
        }
    };
    let (mut old_at, mut new_at) = (0usize, 0usize);
    for (j, context) in chunk.context_of_new[..new_len].iter().enumerate() {
        if let Some(k) = *context
            && k < matched
        {
            push(old_at..k, new_at..j);
            old_at = k + 1;
            new_at = j + 1;
        }
    }
    push(old_at..matched, new_at..new_len);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(ctx: Option<&str>, old: &[&str], new: &[&str], eof: bool) -> Chunk {
        Chunk {
            change_context: ctx.map(String::from),
            old_lines: old.iter().map(|s| s.to_string()).collect(),
            new_lines: new.iter().map(|s| s.to_string()).collect(),
            context_of_new: vec![None; new.len()],
            is_end_of_file: eof,
        }
    }

    /// The chunks of a one-file patch whose body (after the Update header) is `body`.
    fn parsed(body: &str) -> Vec<Chunk> {
        let patch = format!("*** Begin Patch\n*** Update File: f\n{body}\n*** End Patch");
        match crate::parser::parse_patch(&patch).unwrap().remove(0) {
            crate::parser::Hunk::Update { chunks, .. } => chunks,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn context_lines_keep_the_file_text() {
        let file = "say \u{201C}hi\u{201D} \u{2014} now  \nold\n\tindented\n";
        let out = apply_chunks(
            file,
            "f",
            &parsed("@@\n say \"hi\" - now\n-old\n+new\n indented"),
        )
        .unwrap();
        assert_eq!(
            out,
            "say \u{201C}hi\u{201D} \u{2014} now  \nnew\n\tindented\n"
        );
    }

    #[test]
    fn a_removed_and_re_added_line_takes_the_patch_text() {
        let out = apply_chunks("x  \ny\n", "f", &parsed("@@\n-x\n+x\n y")).unwrap();
        assert_eq!(out, "x\ny\n");
    }

    #[test]
    fn context_only_chunk_changes_nothing_but_the_final_newline() {
        let out = apply_chunks("a \n b\n", "f", &parsed("@@\n a\n b")).unwrap();
        assert_eq!(out, "a \n b\n");
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
