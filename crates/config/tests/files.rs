#![allow(clippy::unwrap_used, clippy::expect_used)]
// FIFOs and device symlinks are made with Unix APIs.
#![cfg(unix)]
//! The files the loader reads that are not regular files, or are far too big: each is refused
//! at once with what is wrong, where, and what to do.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use codex_config::{ConfigError, LoadOptions, Loaded, load};

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

/// Loads with `home` as CODEX_HOME and cwd; a load that does not return within 10 s fails the
/// test instead of hanging it.
fn load_in(home: &Path) -> Result<Loaded, ConfigError> {
    let options = LoadOptions {
        codex_home: Some(home.to_path_buf()),
        cwd: Some(home.to_path_buf()),
        env: vec![("HOME".into(), "/nonexistent".into())],
        ..Default::default()
    };
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(load(options));
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("loading the config hung")
}

fn error_in(home: &Path) -> String {
    load_in(home).unwrap_err().to_string()
}

#[test]
fn a_fifo_config_is_refused_without_blocking() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    mkfifo(&config);
    let e = error_in(home.path());
    assert!(
        e.starts_with(&format!(
            "{} is not a regular file (a FIFO); ",
            config.display()
        )),
        "{e}"
    );
    assert!(e.contains("replace it, or remove it"), "{e}");
}

#[test]
fn a_config_linked_to_dev_zero_is_refused_without_reading_it() {
    let home = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/dev/zero", home.path().join("config.toml")).unwrap();
    let e = error_in(home.path());
    assert!(
        e.contains(
            "config.toml is not a regular file (a symlink to /dev/zero, a character device)"
        ),
        "{e}"
    );
}

#[test]
fn a_huge_config_is_refused_with_its_size() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    let file = std::fs::File::create(&config).unwrap();
    file.set_len(5 * 1024 * 1024).unwrap();
    let e = error_in(home.path());
    assert!(
        e.contains(
            "config.toml is too large: 5242880 bytes, 1048576 bytes over the limit of 4194304 bytes"
        ),
        "{e}"
    );
}

#[test]
fn a_symlink_to_a_regular_config_is_fine() {
    let home = tempfile::tempdir().unwrap();
    let real = home.path().join("real.toml");
    std::fs::write(&real, "model = \"linked\"\n").unwrap();
    std::os::unix::fs::symlink(&real, home.path().join("config.toml")).unwrap();
    assert_eq!(load_in(home.path()).unwrap().config.model, "linked");
}

#[test]
fn instruction_files_must_be_regular_files() {
    let home = tempfile::tempdir().unwrap();
    mkfifo(&home.path().join("instructions.fifo"));
    std::os::unix::fs::symlink("/dev/zero", home.path().join("compact.md")).unwrap();
    std::fs::write(
        home.path().join("config.toml"),
        "experimental_instructions_file = \"instructions.fifo\"\n",
    )
    .unwrap();
    let e = error_in(home.path());
    assert!(
        e.contains("config.toml:1:1: experimental_instructions_file: ")
            && e.contains("instructions.fifo is not a regular file (a FIFO); point `experimental_instructions_file` at a regular text file"),
        "{e}"
    );
    std::fs::write(
        home.path().join("config.toml"),
        "experimental_compact_prompt_file = \"compact.md\"\n",
    )
    .unwrap();
    let e = error_in(home.path());
    assert!(
        e.contains("compact.md is not a regular file (a symlink to /dev/zero, a character device); point `experimental_compact_prompt_file`"),
        "{e}"
    );
}

#[test]
fn auth_json_must_be_a_regular_file() {
    let home = tempfile::tempdir().unwrap();
    mkfifo(&home.path().join("auth.json"));
    let e = error_in(home.path());
    assert!(
        e.contains("auth.json is not a regular file (a FIFO); auth.json holds the stored login"),
        "{e}"
    );
    // Not JSON is no key, as before.
    std::fs::remove_file(home.path().join("auth.json")).unwrap();
    std::fs::write(home.path().join("auth.json"), "not json").unwrap();
    load_in(home.path()).unwrap();
}
