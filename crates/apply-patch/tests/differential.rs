#![allow(clippy::unwrap_used, clippy::expect_used)]
// The peer is the Codex CLI's Linux binary, as `scripts/test` installs it.
#![cfg(target_os = "linux")]
//! Random patches applied side by side with the Codex CLI's own `apply_patch` (the `@openai/codex`
//! npm binary started under that name): the trees, exit codes and success summaries must agree,
//! and where the peer fails, ours must fail and leave the tree byte for byte as it was (ours is
//! atomic, the peer is not, so the peer's half-applied tree is not compared).
//!
//! The peer binary comes from `CODEX_PEER_BIN`, or from `.cache/bench` where `scripts/test` and
//! the benchmarks install it. `DIFF_CASES` sets the number of cases (default 400) and
//! `DIFF_SEED` runs one case alone.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use codex_apply_patch::run_cli;
use fastrand::Rng;

type Tree = BTreeMap<String, Vec<u8>>;

#[test]
fn random_patches_agree_with_the_codex_cli() {
    let peer = peer_apply_patch();
    let cases: u64 = env_num("DIFF_CASES").unwrap_or(400);
    let single = env_num("DIFF_SEED");
    let seeds: Vec<u64> = match single {
        Some(one) => vec![one],
        None => (0..cases).collect(),
    };
    let mut failures = Vec::new();
    let mut outcomes = [0usize; 2];
    for seed in seeds {
        let case = generate(seed);
        match compare(&peer, &case) {
            Ok(peer_ok) => outcomes[usize::from(peer_ok)] += 1,
            Err(why) => failures.push(format!(
                "seed {seed} (rerun with DIFF_SEED={seed}): {why}\n--- patch ---\n{}\n--- files ---\n{}",
                case.patch,
                show_tree(&case.files)
            )),
        }
    }
    eprintln!(
        "differential apply_patch: {} applied, {} refused by both",
        outcomes[1], outcomes[0]
    );
    let summary: Vec<&str> = failures
        .iter()
        .take(20)
        .filter_map(|f| f.lines().next())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of the cases differ from the Codex CLI:\n{}\n\nThe first in full:\n{}",
        failures.len(),
        summary.join("\n"),
        failures.first().map_or("", String::as_str)
    );
    if single.is_none() {
        // Both outcomes must be exercised, or the generator is not testing what it claims to.
        assert!(outcomes[0] > 0 && outcomes[1] > 0, "{outcomes:?}");
    }
}

fn env_num(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// A directory holding `apply_patch` as a symlink to the peer's multitool binary.
fn peer_apply_patch() -> PathBuf {
    let binary = match std::env::var_os("CODEX_PEER_BIN") {
        Some(path) => PathBuf::from(path),
        None => {
            let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
            root.join(".cache/bench/openai-codex-0.169.0/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex")
        }
    };
    assert!(
        binary.is_file(),
        "the Codex CLI binary is not at {}: run scripts/test (it installs @openai/codex into \
         .cache/bench) or set CODEX_PEER_BIN to its native `codex` binary",
        binary.display()
    );
    let dir = std::env::temp_dir().join(format!("apply-patch-peer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("apply_patch");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&binary, &link).unwrap();
    link
}

struct Case {
    files: Tree,
    patch: String,
}

/// Applies the case with both; `Ok(true)` when both applied it with the same result, `Ok(false)`
/// when both refused it (ours leaving the tree untouched).
fn compare(peer: &Path, case: &Case) -> Result<bool, String> {
    let theirs = tempfile::tempdir().unwrap();
    let ours = tempfile::tempdir().unwrap();
    write_tree(theirs.path(), &case.files);
    write_tree(ours.path(), &case.files);

    let out = Command::new(peer)
        .arg(&case.patch)
        .current_dir(theirs.path())
        .output()
        .unwrap();
    let peer_code = out.status.code().unwrap_or(-1);

    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let our_code = run_cli(
        std::slice::from_ref(&case.patch),
        ours.path(),
        &mut std::io::empty(),
        &mut stdout,
        &mut stderr,
    );
    let our_tree = read_tree(ours.path());
    if peer_code != our_code {
        return Err(format!(
            "exit codes differ: peer {peer_code} ({}), ours {our_code} ({})",
            String::from_utf8_lossy(&out.stderr).trim(),
            String::from_utf8_lossy(&stderr).trim()
        ));
    }
    if peer_code != 0 {
        if our_tree != case.files {
            return Err(format!(
                "ours failed but changed the tree:\n{}",
                show_tree(&our_tree)
            ));
        }
        return Ok(false);
    }
    if out.stdout != stdout {
        return Err(format!(
            "summaries differ\n--- peer ---\n{}--- ours ---\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&stdout)
        ));
    }
    let peer_tree = read_tree(theirs.path());
    if peer_tree != our_tree {
        return Err(format!(
            "trees differ\n--- peer ---\n{}\n--- ours ---\n{}",
            show_tree(&peer_tree),
            show_tree(&our_tree)
        ));
    }
    Ok(true)
}

fn write_tree(root: &Path, tree: &Tree) {
    for (path, bytes) in tree {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, bytes).unwrap();
    }
}

fn read_tree(root: &Path) -> Tree {
    let mut tree = Tree::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                tree.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    tree
}

fn show_tree(tree: &Tree) -> String {
    tree.iter()
        .map(|(path, bytes)| format!("{path}: {:?}", String::from_utf8_lossy(bytes)))
        .collect::<Vec<_>>()
        .join("\n")
}

// ---- the generator ----

/// Lines with what models get wrong: typographic quotes and dashes, odd spaces, indentation,
/// trailing spaces, blank lines, and repeats (so a pattern can match in more than one place).
const VOCABULARY: &[&str] = &[
    "fn main() {",
    "    let x = 1;",
    "    println!(\"hi\");",
    "}",
    "",
    "say \u{201C}hi\u{201D} \u{2014} now",
    "it\u{2019}s a \u{2018}test\u{2019}",
    "range 1\u{2013}5",
    "a\u{00A0}=\u{00A0}b",
    "\tindented with a tab",
    "  two spaces",
    "trailing spaces   ",
    "// comment \u{2212} minus",
    "return value;",
    "x",
    "    ",
];

fn random_line(rng: &mut Rng) -> String {
    if rng.u8(0..3) == 0 {
        format!("line {}", rng.u32(0..40))
    } else {
        VOCABULARY[rng.usize(0..VOCABULARY.len())].to_string()
    }
}

/// What a model may write instead of the file's own line: whitespace moved, punctuation typed
/// as ASCII.
fn fuzz(line: &str, rng: &mut Rng) -> String {
    let mut out = line.to_string();
    if rng.u8(0..3) == 0 {
        out = out
            .chars()
            .map(|c| match c {
                '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
                '\u{2018}'..='\u{201B}' => '\'',
                '\u{201C}'..='\u{201F}' => '"',
                '\u{00A0}' => ' ',
                other => other,
            })
            .collect();
    }
    match rng.u8(0..6) {
        0 => out = out.trim_end().to_string(),
        1 => out.push_str("  "),
        2 => out = out.trim_start().to_string(),
        3 => out = format!(" {}", out.trim_start()),
        _ => {}
    }
    out
}

fn random_file(rng: &mut Rng) -> Vec<u8> {
    let n = rng.usize(1..30);
    let lines: Vec<String> = (0..n).map(|_| random_line(rng)).collect();
    // Mostly LF; some CRLF files, and some with both (each line keeps its own ending).
    let style = rng.u8(0..12);
    let mut text = String::new();
    for (i, line) in lines.iter().enumerate() {
        text.push_str(line);
        let eol = match style {
            0 => "\r\n",
            1 if rng.bool() => "\r\n",
            _ => "\n",
        };
        if i + 1 < lines.len() || rng.u8(0..6) != 0 {
            text.push_str(eol);
        }
    }
    text.into_bytes()
}

fn generate(seed: u64) -> Case {
    let mut rng = Rng::with_seed(seed);
    let mut files = Tree::new();
    for i in 0..rng.usize(1..5) {
        let dir = if rng.bool() { "" } else { "sub/" };
        files.insert(format!("{dir}f{i}.txt"), random_file(&mut rng));
    }
    let names: Vec<String> = files.keys().cloned().collect();
    let mut patch = vec!["*** Begin Patch".to_string()];
    let mut touched = Vec::new();
    for _ in 0..rng.usize(1..4) {
        let target = names[rng.usize(0..names.len())].clone();
        // Now and then a second operation on the same file, which must see the first.
        if touched.contains(&target) && rng.u8(0..4) != 0 {
            continue;
        }
        touched.push(target.clone());
        let lines = split_lines(&files[&target]);
        match rng.u8(0..20) {
            0 => patch.push(format!("*** Delete File: {target}")),
            1 => patch.push(format!("*** Delete File: missing{}.txt", rng.u8(0..9))),
            2 | 3 => {
                let new = format!("new{}.txt", rng.u8(0..9));
                let over = if rng.bool() { new } else { target };
                patch.push(format!("*** Add File: {over}"));
                for _ in 0..rng.usize(1..4) {
                    patch.push(format!("+{}", random_line(&mut rng)));
                }
            }
            4 => {
                // Only a blank line under the header.
                patch.push(format!("*** Update File: {target}"));
                patch.push(String::new());
            }
            _ => {
                patch.push(format!("*** Update File: {target}"));
                if rng.u8(0..6) == 0 {
                    // Never onto itself: the peer then deletes the file (it writes the
                    // destination and removes the source), where ours updates it in place.
                    let dest = match rng.u8(0..3) {
                        0 => names[rng.usize(0..names.len())].clone(),
                        1 => format!("moved/m{}.txt", rng.u8(0..9)),
                        _ => format!("m{}.txt", rng.u8(0..9)),
                    };
                    if dest != target {
                        patch.push(format!("*** Move to: {dest}"));
                    }
                }
                update_chunks(&lines, &mut rng, &mut patch);
            }
        }
    }
    if rng.u8(0..15) == 0 {
        patch.push(format!("*** Update File: nowhere{}.txt", rng.u8(0..9)));
        patch.push("@@".into());
        patch.push("-x".into());
        patch.push("+y".into());
    }
    patch.push("*** End Patch".to_string());
    Case {
        files,
        patch: patch.join("\n"),
    }
}

fn split_lines(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes).replace("\r\n", "\n");
    let mut lines: Vec<String> = text.split('\n').map(String::from).collect();
    if lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines
}

/// One to three chunks over increasing, non-overlapping regions of the file, their context and
/// removed lines fuzzed, sometimes anchored with `@@ line` or `*** End of File`, sometimes a pure
/// addition, and sometimes (about one in twelve) a line that is nowhere in the file.
fn update_chunks(lines: &[String], rng: &mut Rng, patch: &mut Vec<String>) {
    let mut at = 0usize;
    let chunks = rng.usize(1..4);
    for n in 0..chunks {
        if at >= lines.len() {
            break;
        }
        if rng.u8(0..10) == 0 {
            patch.push("@@".into());
            for _ in 0..rng.usize(1..3) {
                patch.push(format!("+{}", random_line(rng)));
            }
            continue;
        }
        let start = at + rng.usize(0..(lines.len() - at).min(6));
        let before = rng.usize(0..3).min(lines.len() - start);
        let removed = rng.usize(0..3).min(lines.len() - start - before);
        let after = rng.usize(0..3).min(lines.len() - start - before - removed);
        let end = start + before + removed + after;
        if n > 0 || rng.bool() {
            if start > at && rng.u8(0..3) == 0 {
                patch.push(format!("@@ {}", fuzz(&lines[start - 1], rng)));
            } else {
                patch.push("@@".into());
            }
        }
        let mut body = Vec::new();
        for line in &lines[start..start + before] {
            body.push(context_line(line, rng));
        }
        for line in &lines[start + before..start + before + removed] {
            body.push(format!("-{}", fuzz(line, rng)));
        }
        for _ in 0..rng.usize(0..3) {
            body.push(format!("+{}", random_line(rng)));
        }
        for line in &lines[start + before + removed..end] {
            body.push(context_line(line, rng));
        }
        if body.is_empty() {
            body.push(format!("+{}", random_line(rng)));
        }
        if rng.u8(0..12) == 0 {
            let i = rng.usize(0..body.len());
            body[i] = " not in the file at all".into();
        }
        patch.extend(body);
        if end == lines.len() && rng.u8(0..3) == 0 {
            patch.push("*** End of File".into());
        }
        at = end;
    }
}

fn context_line(line: &str, rng: &mut Rng) -> String {
    // A model often writes an empty context line as an empty patch line.
    if line.trim().is_empty() && rng.bool() {
        String::new()
    } else {
        format!(" {}", fuzz(line, rng))
    }
}
