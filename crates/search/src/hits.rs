//! What a content search found in one file: matching lines and context lines, kept in one
//! buffer so that a match costs no allocation of its own.

use std::borrow::Cow;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Whether a line matched or is shown around a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LineKind {
    Match,
    Context,
}

/// What a search did on meeting binary data (a NUL byte) in a file that had matches, as `rg`
/// reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryNote {
    /// A file given explicitly: it matched after binary data, so its lines are not shown (`rg`:
    /// "binary file matches (found "\0" byte around offset N)").
    Matches { offset: u64 },
    /// A file found while walking: the search stopped at binary data after earlier matches
    /// (`rg`: "WARNING: stopped searching binary file after match (found "\0" byte around
    /// offset N)").
    Stopped { offset: u64 },
}

/// One line of a file's results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    /// 1-based; `0` when line numbers were not counted (a files-only search).
    pub number: u64,
    pub kind: LineKind,
    /// The line without its `\n` (a `\r` before it stays, as `rg` prints it).
    pub bytes: &'a [u8],
}

impl<'a> Line<'a> {
    /// The line as text, invalid UTF-8 replaced.
    pub fn text(&self) -> Cow<'a, str> {
        String::from_utf8_lossy(self.bytes)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct LineRecord {
    number: u64,
    kind: LineKind,
    range: Range<usize>,
}

/// The results for one file, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileHits {
    path: PathBuf,
    text: Vec<u8>,
    lines: Vec<LineRecord>,
    matched_lines: u64,
    binary: Option<BinaryNote>,
}

impl FileHits {
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn lines(&self) -> impl ExactSizeIterator<Item = Line<'_>> + '_ {
        self.lines.iter().map(|r| Line {
            number: r.number,
            kind: r.kind,
            bytes: self.text.get(r.range.clone()).unwrap_or_default(),
        })
    }

    /// Matching lines seen (in a files-only search, the first one only). A binary file whose
    /// lines are not shown still counts the match that revealed it.
    pub fn matched_lines(&self) -> u64 {
        self.matched_lines
    }

    pub fn binary(&self) -> Option<BinaryNote> {
        self.binary
    }

    /// Empties the results for the next file, keeping the buffers.
    pub(crate) fn reset(&mut self, path: &Path) {
        self.path.clear();
        self.path.push(path);
        self.text.clear();
        self.lines.clear();
        self.matched_lines = 0;
        self.binary = None;
    }

    /// Records a line, without its line terminator.
    pub(crate) fn push(&mut self, number: u64, kind: LineKind, line: &[u8]) {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let start = self.text.len();
        self.text.extend_from_slice(line);
        self.lines.push(LineRecord {
            number,
            kind,
            range: start..self.text.len(),
        });
        if kind == LineKind::Match {
            self.matched_lines += 1;
        }
    }

    /// Counts a match whose line is not recorded (binary files, files-only searches without
    /// line text).
    pub(crate) fn count_unrecorded_match(&mut self) {
        self.matched_lines += 1;
    }

    pub(crate) fn set_binary(&mut self, note: BinaryNote) {
        self.binary = Some(note);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keep_their_order_kind_and_bytes_without_the_newline() {
        let mut hits = FileHits::default();
        hits.reset(Path::new("a.txt"));
        hits.push(1, LineKind::Context, b"before\n");
        hits.push(2, LineKind::Match, b"hit\r\n");
        hits.push(3, LineKind::Match, b"last line");
        let lines: Vec<_> = hits.lines().map(|l| (l.number, l.kind, l.text())).collect();
        assert_eq!(
            lines,
            [
                (1, LineKind::Context, "before".into()),
                (2, LineKind::Match, "hit\r".into()),
                (3, LineKind::Match, "last line".into()),
            ]
        );
        assert_eq!(hits.matched_lines(), 2);
        hits.reset(Path::new("b.txt"));
        assert_eq!((hits.lines().len(), hits.matched_lines()), (0, 0));
        assert_eq!(hits.path(), Path::new("b.txt"));
    }
}
