//! `walk_files` against `rg --files`, and the fuzzy index built from it.

use std::path::PathBuf;

use codex_search::{FileIndex, WalkRules, walk_files};

use crate::crafted::crafted_tree;
use crate::support::{assert_same, our_files, rg_files, rules_in};

#[test]
fn listing_matches_rg_files() {
    let tree = crafted_tree();
    let root = tree.path();
    let roots = [root.to_path_buf()];
    let theirs = rg_files(root, &[&root.to_string_lossy()]);
    assert_same(
        "rg --files",
        &our_files(&roots, &rules_in(root, &[])),
        &theirs,
    );
    for depth in [0usize, 1, 2] {
        let depth_arg = depth.to_string();
        let theirs = rg_files(root, &["--max-depth", &depth_arg, &root.to_string_lossy()]);
        let rules = WalkRules {
            max_depth: Some(depth),
            ..rules_in(root, &[])
        };
        assert_same(
            &format!("depth {depth}"),
            &our_files(&roots, &rules),
            &theirs,
        );
    }
    let theirs = rg_files(
        root,
        &["-g", "*.rs", "-g", "!nested", &root.to_string_lossy()],
    );
    assert_same(
        "globs",
        &our_files(&roots, &rules_in(root, &["*.rs", "!nested"])),
        &theirs,
    );
    let explicit = [root.join(".hidden.txt"), root.join("code")];
    let theirs = rg_files(
        root,
        &[
            &explicit[0].to_string_lossy(),
            &explicit[1].to_string_lossy(),
        ],
    );
    assert_same(
        "explicit",
        &our_files(&explicit, &rules_in(root, &[])),
        &theirs,
    );
}

#[test]
fn sorted_listing_is_in_path_order() {
    let tree = crafted_tree();
    let report = walk_files(&[tree.path()], &WalkRules::default(), true).unwrap();
    let mut sorted = report.files.clone();
    sorted.sort();
    assert_eq!(report.files, sorted);
    assert!(report.files.len() > 10);
    let missing: [PathBuf; 1] = [tree.path().join("missing")];
    let report = walk_files(&missing, &WalkRules::default(), true).unwrap();
    assert!(report.files.is_empty());
    assert_eq!(report.warnings.count(), 1);
}

#[test]
fn the_fuzzy_index_holds_the_walked_files_relative_to_the_root() {
    let tree = crafted_tree();
    let (index, warnings) = FileIndex::build(tree.path(), &WalkRules::default()).unwrap();
    assert!(warnings.is_empty());
    let paths: Vec<&str> = index.paths().collect();
    assert!(paths.contains(&"code/nested/deep.rs"));
    assert!(
        !paths
            .iter()
            .any(|p| p.starts_with('.') || p.contains("build/"))
    );
    let best = index.find("cnd", 3);
    assert_eq!(best[0].path, "code/nested/deep.rs");
    let chars: Vec<char> = best[0].path.chars().collect();
    let matched: String = best[0].indices.iter().map(|&i| chars[i as usize]).collect();
    assert_eq!(matched, "cnd");
}
