#![allow(clippy::unwrap_used, clippy::expect_used)]
// Executable bits are compared, and only Unix has them.
#![cfg(unix)]
//! Scenario folders: `input/` tree, `patch`, `expected/` tree and `expected_output`, compared
//! byte for byte (and executable bits) after running the standalone command in a copy of the
//! input. `.keep` files only hold empty folders in git and are ignored.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use codex_apply_patch::run_cli;

fn tree(root: &Path) -> BTreeMap<PathBuf, (Vec<u8>, bool)> {
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, (Vec<u8>, bool)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(root, &path, out);
        } else if path.file_name().is_some_and(|n| n != ".keep") {
            let meta = std::fs::metadata(&path).unwrap();
            let exec = meta.permissions().mode() & 0o100 != 0;
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            out.insert(rel, (std::fs::read(&path).unwrap(), exec));
        }
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for (rel, (bytes, exec)) in tree(from) {
        let dest = to.join(&rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::write(&dest, bytes).unwrap();
        let mode = if exec { 0o755 } else { 0o644 };
        std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    // Keep empty folders that the input has (e.g. a directory a patch must not overwrite).
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            std::fs::create_dir_all(to.join(path.file_name().unwrap())).unwrap();
        }
    }
}

fn show(t: &BTreeMap<PathBuf, (Vec<u8>, bool)>) -> String {
    t.iter()
        .map(|(p, (b, x))| {
            format!(
                "{} (exec={x}): {:?}\n",
                p.display(),
                String::from_utf8_lossy(b)
            )
        })
        .collect()
}

#[test]
fn every_scenario() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    names.sort();
    assert!(names.len() >= 30, "scenarios missing");
    let mut failures = Vec::new();
    for scenario in &names {
        let name = scenario.file_name().unwrap().to_string_lossy().to_string();
        let tmp = tempfile::tempdir().unwrap();
        let work = std::fs::canonicalize(tmp.path()).unwrap().join("work");
        std::fs::create_dir_all(&work).unwrap();
        copy_tree(&scenario.join("input"), &work);
        let patch = std::fs::read_to_string(scenario.join("patch")).unwrap();
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        let code = run_cli(
            &[patch],
            &work,
            &mut std::io::empty(),
            &mut stdout,
            &mut stderr,
        );
        let root = work.display().to_string();
        let output = format!(
            "exit: {code}\n--- stdout\n{}--- stderr\n{}",
            String::from_utf8_lossy(&stdout).replace(&root, "ROOT"),
            String::from_utf8_lossy(&stderr).replace(&root, "ROOT"),
        );
        let expected_output = std::fs::read_to_string(scenario.join("expected_output")).unwrap();
        if output != expected_output {
            failures.push(format!(
                "{name}: output\n{output}\nexpected\n{expected_output}"
            ));
        }
        let got = tree(&work);
        let want = tree(&scenario.join("expected"));
        if got != want {
            failures.push(format!(
                "{name}: tree\n{}expected\n{}",
                show(&got),
                show(&want)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} scenario(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
