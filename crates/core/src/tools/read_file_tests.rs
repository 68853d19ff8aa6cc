use std::io::Write;

use super::*;

fn file(content: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(content).unwrap();
    f
}

const RUST: &str = "struct Config {
    name: String,
}

impl Config {
    // Builds it.
    fn new() -> Self {
        let name = String::new();
        Self { name }
    }

    fn name(&self) -> &str {
        &self.name
    }
}
";

fn block(content: &str, anchor: usize, limit: usize, options: Indentation) -> Vec<String> {
    let f = file(content.as_bytes());
    let options = Indentation {
        anchor_line: Some(anchor),
        ..options
    };
    read_block(f.path(), 1, limit, &options).unwrap()
}

fn numbered(content: &str, lines: std::ops::RangeInclusive<usize>) -> Vec<String> {
    let all: Vec<&str> = content.lines().collect();
    lines.map(|n| format!("L{n}: {}", all[n - 1])).collect()
}

#[test]
fn slices_are_numbered_from_the_offset_up_to_the_limit() {
    let f = file(b"alpha\nbeta\r\ngamma\ndelta");
    assert_eq!(
        read_slice(f.path(), 2, 2).unwrap(),
        ["L2: beta", "L3: gamma"]
    );
    assert_eq!(
        read_slice(f.path(), 3, 100).unwrap(),
        ["L3: gamma", "L4: delta"]
    );
    assert_eq!(
        read_slice(f.path(), 5, 1).unwrap_err(),
        "offset exceeds file length"
    );
    let empty = file(b"");
    assert_eq!(
        read_slice(empty.path(), 1, 1).unwrap_err(),
        "offset exceeds file length"
    );
}

#[test]
fn long_lines_are_cut_at_a_character_boundary_and_bad_utf8_is_replaced() {
    let long = format!("{}é tail\n", "x".repeat(MAX_LINE_LENGTH - 1));
    let f = file(long.as_bytes());
    // 499 bytes of x, then a 2-byte character that would end past 500: cut before it.
    assert_eq!(
        read_slice(f.path(), 1, 1).unwrap(),
        [format!("L1: {}", "x".repeat(MAX_LINE_LENGTH - 1))]
    );
    let f = file(b"\xff\xfeok\n");
    assert_eq!(
        read_slice(f.path(), 1, 1).unwrap(),
        ["L1: \u{fffd}\u{fffd}ok"]
    );
}

#[test]
fn a_missing_file_or_a_directory_is_a_read_error() {
    let err = read_slice(Path::new("/nonexistent/file.txt"), 1, 1).unwrap_err();
    assert_eq!(
        err,
        "failed to read file: No such file or directory (os error 2)"
    );
    let dir = tempfile::tempdir().unwrap();
    let err = read_slice(dir.path(), 1, 1).unwrap_err();
    assert_eq!(err, "failed to read file: Is a directory (os error 21)");
}

#[test]
fn one_level_up_takes_the_enclosing_block_and_its_header_comment() {
    let one_level = Indentation {
        max_levels: 1,
        ..Default::default()
    };
    assert_eq!(
        block(RUST, 8, 50, one_level.clone()),
        numbered(RUST, 6..=10)
    );
    let no_header = Indentation {
        include_header: false,
        ..one_level.clone()
    };
    assert_eq!(block(RUST, 8, 50, no_header), numbered(RUST, 7..=10));
    let siblings = Indentation {
        include_siblings: true,
        ..one_level
    };
    assert_eq!(block(RUST, 8, 50, siblings), numbered(RUST, 6..=14));
}

#[test]
fn all_levels_take_the_whole_top_level_item() {
    assert_eq!(
        block(RUST, 8, 50, Indentation::default()),
        numbered(RUST, 5..=15)
    );
    assert_eq!(
        block(RUST, 2, 50, Indentation::default()),
        numbered(RUST, 1..=3)
    );
}

#[test]
fn limits_cut_the_block_around_the_anchor() {
    let all = Indentation::default();
    assert_eq!(block(RUST, 8, 3, all.clone()), numbered(RUST, 7..=9));
    assert_eq!(block(RUST, 8, 1, all.clone()), numbered(RUST, 8..=8));
    let capped = Indentation {
        max_lines: Some(2),
        ..all
    };
    assert_eq!(block(RUST, 8, 50, capped), numbered(RUST, 7..=8));
}

#[test]
fn header_comments_above_a_block_are_kept_until_other_code() {
    let c = "int a;\n// doc for f\n// more doc\nint f() {\n    return 1;\n}\n";
    let one_level = Indentation {
        max_levels: 1,
        ..Default::default()
    };
    assert_eq!(block(c, 5, 50, one_level.clone()), numbered(c, 2..=6));
    let no_header = Indentation {
        include_header: false,
        ..one_level
    };
    assert_eq!(block(c, 5, 50, no_header), numbered(c, 4..=6));
}

#[test]
fn blank_lines_carry_the_indentation_above_them() {
    // Line 6 is blank after an indented line, so it counts as indented and the walk up goes on
    // through it into the end of the function before.
    let py = "import os\n\n# Helpers.\ndef first():\n    return 1\n\ndef second():\n    x = 2\n    return x\n";
    let one_level = Indentation {
        max_levels: 1,
        ..Default::default()
    };
    assert_eq!(block(py, 8, 50, one_level), numbered(py, 5..=9));
    // Blank lines at either end of a block are dropped (here the blank line above counts as
    // the block's opening line, and the walk up stops after it).
    let spaced = "def f():\n\n    a = 1\n\n";
    assert_eq!(
        block(spaced, 3, 50, Indentation::default()),
        numbered(spaced, 3..=3)
    );
}

#[test]
fn indentation_arguments_are_checked() {
    let f = file(RUST.as_bytes());
    let zero_anchor = Indentation {
        anchor_line: Some(0),
        ..Default::default()
    };
    assert_eq!(
        read_block(f.path(), 1, 10, &zero_anchor).unwrap_err(),
        "anchor_line must be a 1-indexed line number"
    );
    let past_end = Indentation {
        anchor_line: Some(99),
        ..Default::default()
    };
    assert_eq!(
        read_block(f.path(), 1, 10, &past_end).unwrap_err(),
        "anchor_line exceeds file length"
    );
    let no_lines = Indentation {
        max_lines: Some(0),
        ..Default::default()
    };
    assert_eq!(
        read_block(f.path(), 1, 10, &no_lines).unwrap_err(),
        "max_lines must be greater than zero"
    );
    // Without an anchor, the offset is the anchor; tabs count four columns.
    let tabs = "fn a() {\n\tif x {\n\t\ty();\n\t}\n}\n";
    let f = file(tabs.as_bytes());
    let one_level = Indentation {
        max_levels: 1,
        ..Default::default()
    };
    assert_eq!(
        read_block(f.path(), 3, 10, &one_level).unwrap(),
        numbered(tabs, 2..=4)
    );
    // A huge limit costs nothing up front.
    assert_eq!(
        read_block(f.path(), 3, usize::MAX, &Indentation::default()).unwrap(),
        numbered(tabs, 1..=5)
    );
}
