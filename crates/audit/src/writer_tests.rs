use std::path::Path;

use serde_json::{Value, json};

use super::*;
use crate::verify_file;

fn record(writer: &str, seq: u64) -> Map<String, Value> {
    match json!({"session": writer, "seq": seq, "kind": "command", "argv": ["true"]}) {
        Value::Object(map) => map,
        _ => unreachable!(),
    }
}

#[cfg(unix)]
#[test]
fn the_log_is_created_private_and_a_wide_one_is_tightened() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").join("audit.jsonl");
    let mut writer = AuditWriter::open(&path, Chain::Sha256).unwrap();
    writer.append(record("a", 1)).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert!(writer.take_notes().is_empty());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut again = AuditWriter::open(&path, Chain::Sha256).unwrap();
    assert_eq!(mode(&path), 0o600);
    let notes = again.take_notes();
    assert_eq!(notes.len(), 1);
    assert!(notes[0].contains("mode 644"), "{notes:?}");
}

#[test]
fn writers_take_turns_on_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let mut a = AuditWriter::open(&path, Chain::Sha256).unwrap();
    let mut b = AuditWriter::open(&path, Chain::Sha256).unwrap();
    for i in 0..5 {
        a.append(record("a", i)).unwrap();
        b.append(record("b", i)).unwrap();
    }
    let report = verify_file(&path, None).unwrap();
    assert_eq!((report.records, report.sessions), (10, 2));
}

#[test]
fn a_torn_last_line_stays_one_bad_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let mut a = AuditWriter::open(&path, Chain::Sha256).unwrap();
    a.append(record("a", 1)).unwrap();
    let mut file = OpenOptions::new().append(true).open(&path).unwrap();
    file.write_all(b"{\"session\":\"a\",\"se").unwrap();
    a.append(record("a", 2)).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 3);
    let err = verify_file(&path, None).unwrap_err().to_string();
    assert!(err.starts_with("line 2: not a JSON line"), "{err}");
}

#[test]
fn the_given_seal_fields_are_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let mut a = AuditWriter::open(&path, Chain::Sha256).unwrap();
    let mut r = record("a", 1);
    r.insert("hash".into(), json!("nope"));
    r.insert("prev".into(), json!("nope"));
    a.append(r).unwrap();
    assert_eq!(verify_file(&path, None).unwrap().records, 1);
}

#[test]
fn a_long_last_line_is_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let mut a = AuditWriter::open(&path, Chain::Sha256).unwrap();
    let mut big = record("a", 1);
    big.insert("arguments".into(), json!("x".repeat(100_000)));
    a.append(big).unwrap();
    // A second writer has no cache: it reads the 100 kB line back to chain from it.
    let mut b = AuditWriter::open(&path, Chain::Sha256).unwrap();
    b.append(record("b", 1)).unwrap();
    a.append(record("a", 2)).unwrap();
    assert_eq!(verify_file(&path, None).unwrap().records, 3);
}

#[test]
fn threads_with_their_own_writers_keep_one_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut w = AuditWriter::open(&path, Chain::from_key(Some("k"))).unwrap();
                for i in 0..200 {
                    w.append(record(&format!("thread-{t}"), i)).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let report = verify_file(&path, Some("k")).unwrap();
    assert_eq!((report.records, report.sessions), (800, 4));
}

/// Run by `processes_keep_one_chain` in child processes: appends to the file it is given.
#[test]
fn child_appender() {
    let Ok(path) = std::env::var("CODEX_AUDIT_TEST_CHILD_LOG") else {
        return;
    };
    let mut w = AuditWriter::open(Path::new(&path), Chain::Sha256).unwrap();
    let me = std::process::id().to_string();
    for i in 0..300 {
        w.append(record(&me, i)).unwrap();
    }
}

#[test]
fn processes_keep_one_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..4)
        .map(|_| {
            std::process::Command::new(&exe)
                .args(["--exact", "writer::tests::child_appender", "--quiet"])
                .env("CODEX_AUDIT_TEST_CHILD_LOG", &path)
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let report = verify_file(&path, None).unwrap();
    assert_eq!((report.records, report.sessions), (1200, 4));
}
