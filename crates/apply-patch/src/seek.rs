//! Finding a chunk's old lines in a file: four passes, each more forgiving than the last.

type LineEq = &'static dyn Fn(&str, &str) -> bool;

/// Index of the first place at or after `start` where `pattern` matches `lines`. With `eof`,
/// the pattern must end the file. Passes: exact; equal ignoring trailing whitespace; equal
/// ignoring surrounding whitespace; equal after also normalising Unicode dashes, quotes and
/// spaces to ASCII.
pub fn seek_sequence<L: AsRef<str>, P: AsRef<str>>(
    lines: &[L],
    pattern: &[P],
    start: usize,
    eof: bool,
) -> Option<usize> {
    if pattern.is_empty() {
        return Some(start);
    }
    if pattern.len() > lines.len() {
        return None;
    }
    let last = lines.len() - pattern.len();
    let first = if eof { last } else { start };
    if first > last {
        return None;
    }
    let passes: [LineEq; 4] = [
        &|a, b| a == b,
        &|a, b| a.trim_end() == b.trim_end(),
        &|a, b| a.trim() == b.trim(),
        &|a, b| normalise(a.trim()) == normalise(b.trim()),
    ];
    for same in passes {
        for i in first..=last {
            if pattern
                .iter()
                .enumerate()
                .all(|(j, p)| same(lines[i + j].as_ref(), p.as_ref()))
            {
                return Some(i);
            }
        }
    }
    None
}

/// Maps typographic punctuation to the ASCII a model is likely to have typed.
fn normalise(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            '\u{2018}'..='\u{201B}' => '\'',
            '\u{201C}'..='\u{201F}' => '"',
            '\u{00A0}' | '\u{2002}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => ' ',
            other => other,
        })
        .collect()
}

/// The place in `lines` that best resembles `pattern` (most lines equal after trimming), for
/// error messages; `None` when nothing resembles it at all.
pub fn nearest<L: AsRef<str>>(lines: &[L], pattern: &[String]) -> Option<(usize, usize)> {
    if pattern.is_empty() || lines.is_empty() {
        return None;
    }
    let width = pattern.len().min(lines.len());
    let mut best = (0usize, 0usize);
    for i in 0..=lines.len() - width {
        let score = (0..width)
            .filter(|&j| normalise(lines[i + j].as_ref().trim()) == normalise(pattern[j].trim()))
            .count();
        if score > best.1 {
            best = (i, score);
        }
    }
    (best.1 > 0).then_some((best.0, width))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn exact_then_looser_passes() {
        let lines = v(&["a", "b  ", "  c  ", "d — e", "b"]);
        assert_eq!(seek_sequence(&lines, &v(&["b"]), 0, false), Some(4));
        assert_eq!(
            seek_sequence(&lines, &v(&["b"]), 0, false).map(|_| ()),
            Some(())
        );
        assert_eq!(seek_sequence(&lines, &v(&["a", "b"]), 0, false), Some(0));
        assert_eq!(seek_sequence(&lines, &v(&["c"]), 0, false), Some(2));
        assert_eq!(seek_sequence(&lines, &v(&["d - e"]), 0, false), Some(3));
        assert_eq!(seek_sequence(&lines, &v(&["zzz"]), 0, false), None);
    }

    #[test]
    fn respects_the_cursor_and_eof() {
        let lines = v(&["x", "y", "x"]);
        assert_eq!(seek_sequence(&lines, &v(&["x"]), 1, false), Some(2));
        assert_eq!(seek_sequence(&lines, &v(&["x"]), 0, true), Some(2));
        assert_eq!(seek_sequence(&lines, &v(&["y"]), 0, true), None);
        assert_eq!(
            seek_sequence(&lines, &v(&["x", "y", "x", "y"]), 0, false),
            None
        );
        assert_eq!(seek_sequence::<_, &str>(&lines, &[], 2, false), Some(2));
    }

    #[test]
    fn unicode_quotes_and_spaces() {
        let lines = v(&["say \u{201C}hi\u{201D}\u{00A0}now"]);
        assert_eq!(
            seek_sequence(&lines, &v(&["say \"hi\" now"]), 0, false),
            Some(0)
        );
    }

    #[test]
    fn nearest_finds_the_most_similar_window() {
        let lines = v(&["a", "b", "c", "d"]);
        assert_eq!(nearest(&lines, &v(&["b", "X"])), Some((1, 2)));
        assert_eq!(nearest(&lines, &v(&["q"])), None);
    }
}
