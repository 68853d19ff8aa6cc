#![allow(clippy::unwrap_used, clippy::expect_used)]
// Symlinks and file modes are made with Unix APIs.
#![cfg(unix)]
//! Patches that try to write where they may not, and failures that must leave no trace.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use codex_apply_patch::{PatchError, WritableRoots, apply_patch, run_cli};

struct Tree {
    _dir: tempfile::TempDir,
    root: PathBuf,
    work: PathBuf,
    outside: PathBuf,
}

fn tree() -> Tree {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let work = root.join("work");
    let outside = root.join("outside");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.txt"), "secret\n").unwrap();
    std::fs::write(work.join("a.txt"), "a\n").unwrap();
    Tree {
        _dir: dir,
        root,
        work,
        outside,
    }
}

fn apply(t: &Tree, patch: &str) -> Result<(), PatchError> {
    let roots = WritableRoots::new(std::slice::from_ref(&t.work));
    apply_patch(patch, &t.work, Some(&roots)).map(|_| ())
}

fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                stack.push(p);
            } else if meta.file_type().is_symlink() {
                out.push((
                    p.clone(),
                    std::fs::read_link(&p)
                        .unwrap()
                        .into_os_string()
                        .into_encoded_bytes(),
                ));
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn escapes_are_rejected_and_nothing_changes() {
    let attempts = [
        "*** Add File: ../outside/new.txt\n+x",
        "*** Update File: ../outside/secret.txt\n-secret\n+pwned",
        "*** Delete File: ../outside/secret.txt",
        "*** Add File: OUTSIDE/abs.txt\n+x",
        "*** Update File: a.txt\n*** Move to: ../outside/moved.txt\n-a\n+b",
        "*** Add File: link/through-symlink.txt\n+x",
        "*** Update File: filelink\n-secret\n+pwned",
        "*** Add File: sub/../../outside/x.txt\n+x",
    ];
    let t = tree();
    std::os::unix::fs::symlink(&t.outside, t.work.join("link")).unwrap();
    std::os::unix::fs::symlink(t.outside.join("secret.txt"), t.work.join("filelink")).unwrap();
    let before = snapshot(&t.root);
    for body in attempts {
        let body = body.replace("OUTSIDE", &t.outside.display().to_string());
        // A good hunk first: it must not be applied either.
        let patch = format!("*** Begin Patch\n*** Add File: fine.txt\n+ok\n{body}\n*** End Patch");
        let err = apply(&t, &patch).unwrap_err();
        assert!(
            matches!(err, PatchError::OutsideRoots { .. }),
            "{body}: {err}"
        );
        assert_eq!(snapshot(&t.root), before, "{body}");
    }
}

#[test]
fn symlink_inside_the_root_is_written_through() {
    let t = tree();
    std::os::unix::fs::symlink(t.work.join("a.txt"), t.work.join("alias")).unwrap();
    apply(
        &t,
        "*** Begin Patch\n*** Update File: alias\n-a\n+b\n*** End Patch",
    )
    .unwrap();
    assert_eq!(
        std::fs::read_to_string(t.work.join("a.txt")).unwrap(),
        "b\n"
    );
    assert!(
        std::fs::symlink_metadata(t.work.join("alias"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn failed_write_rolls_back_every_file_and_leaves_no_temp_files() {
    let t = tree();
    std::fs::write(t.work.join("b.txt"), "b\n").unwrap();
    std::fs::set_permissions(t.work.join("b.txt"), std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::create_dir_all(t.work.join("blocker/inner")).unwrap();
    let before = snapshot(&t.root);
    let patch = "*** Begin Patch\n*** Update File: a.txt\n-a\n+A\n*** Delete File: b.txt\n\
                 *** Add File: new/dir/c.txt\n+c\n*** Add File: blocker\n+x\n*** End Patch";
    let err = apply(&t, patch).unwrap_err();
    assert!(matches!(err, PatchError::Write { .. }), "{err}");
    assert_eq!(snapshot(&t.root), before);
    assert!(
        !t.work.join("new").exists(),
        "created folders are removed again"
    );
    let mode = std::fs::metadata(t.work.join("b.txt"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600, "a restored file keeps its mode");
}

#[test]
fn modes_are_kept() {
    let t = tree();
    let f = t.work.join("a.txt");
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
    apply(
        &t,
        "*** Begin Patch\n*** Update File: a.txt\n-a\n+b\n*** End Patch",
    )
    .unwrap();
    assert_eq!(
        std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
        0o640
    );
}

#[test]
fn cli_reads_stdin_and_reports_exit_codes() {
    let t = tree();
    let mut out = Vec::new();
    let mut err = Vec::new();
    let patch = "*** Begin Patch\n*** Add File: from-stdin.txt\n+hi\n*** End Patch\n";
    let code = run_cli(
        &["-".into()],
        &t.work,
        &mut patch.as_bytes(),
        &mut out,
        &mut err,
    );
    assert_eq!(code, 0);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "Success. Updated the following files:\nA from-stdin.txt\n"
    );
    let mut out = Vec::new();
    let code = run_cli(&[], &t.work, &mut "garbage".as_bytes(), &mut out, &mut err);
    assert_eq!(code, 1);
}
