#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Random edits of random files, written as patches, must apply to exactly the edited file.

use codex_apply_patch::{WritableRoots, apply_patch};
use proptest::prelude::*;

/// A region `[start, end)` of the original replaced by `new` lines.
#[derive(Debug, Clone)]
struct Edit {
    start: usize,
    end: usize,
    new: Vec<String>,
}

fn file_and_edits() -> impl Strategy<Value = (Vec<String>, Vec<Edit>)> {
    (1usize..80)
        .prop_flat_map(|n| {
            let lines: Vec<String> = (0..n).map(|i| format!("line {i} of the file")).collect();
            let edits = prop::collection::vec((0..n, 0usize..4, 0usize..4), 0..6);
            (Just(lines), edits)
        })
        .prop_map(|(lines, raw)| {
            // Keep edits apart so their context lines never overlap.
            let mut edits: Vec<Edit> = Vec::new();
            let mut sorted = raw;
            sorted.sort();
            let mut next_free = 0;
            for (k, (start, len, added)) in sorted.into_iter().enumerate() {
                if start < next_free {
                    continue;
                }
                let end = (start + len).min(lines.len());
                let new = (0..added).map(|j| format!("new {k}.{j}")).collect();
                next_free = end + 7;
                edits.push(Edit { start, end, new });
            }
            (lines, edits)
        })
}

fn patch_for(lines: &[String], edits: &[Edit]) -> String {
    let mut patch = String::from("*** Begin Patch\n*** Update File: f.txt\n");
    for edit in edits {
        let before = edit.start.saturating_sub(3);
        let after = (edit.end + 3).min(lines.len());
        patch.push_str("@@\n");
        for l in &lines[before..edit.start] {
            patch.push_str(&format!(" {l}\n"));
        }
        for l in &lines[edit.start..edit.end] {
            patch.push_str(&format!("-{l}\n"));
        }
        for l in &edit.new {
            patch.push_str(&format!("+{l}\n"));
        }
        for l in &lines[edit.end..after] {
            patch.push_str(&format!(" {l}\n"));
        }
    }
    patch.push_str("*** End Patch\n");
    patch
}

fn edited(lines: &[String], edits: &[Edit]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    for edit in edits {
        out.extend_from_slice(&lines[i..edit.start]);
        out.extend(edit.new.iter().cloned());
        i = edit.end;
    }
    out.extend_from_slice(&lines[i..]);
    out.iter().map(|l| format!("{l}\n")).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn random_edits_round_trip((lines, edits) in file_and_edits()) {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let original: String = lines.iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(root.join("f.txt"), &original).unwrap();
        let roots = WritableRoots::new(std::slice::from_ref(&root));
        let patch = patch_for(&lines, &edits);
        let result = apply_patch(&patch, &root, Some(&roots));
        if edits.is_empty() {
            // An update with no chunks is not a valid patch, and nothing changes.
            prop_assert!(result.is_err());
            prop_assert_eq!(std::fs::read_to_string(root.join("f.txt")).unwrap(), original);
        } else {
            prop_assert!(result.is_ok(), "{:?}\n{}", result.err(), patch);
            prop_assert_eq!(std::fs::read_to_string(root.join("f.txt")).unwrap(), edited(&lines, &edits));
        }
    }
}
