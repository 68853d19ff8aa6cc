use std::path::Path;

use serde_json::json;

use super::*;
use crate::AuditWriter;

fn record(session: &str, seq: u64) -> serde_json::Map<String, Value> {
    match json!({"ts": "2026-01-01T00:00:00.000Z", "session": session, "seq": seq,
                 "kind": "command", "argv": ["echo", seq.to_string()]})
    {
        Value::Object(map) => map,
        _ => unreachable!(),
    }
}

/// A log of `n` records over two sessions, as lines (each with its newline).
fn write_log(path: &Path, n: u64, key: Option<&str>) -> Vec<String> {
    let mut writer = AuditWriter::open(path, Chain::from_key(key)).unwrap();
    for i in 1..=n {
        let session = if i % 2 == 0 { "s-even" } else { "s-odd" };
        writer.append(record(session, i)).unwrap();
    }
    std::fs::read_to_string(path)
        .unwrap()
        .split_inclusive('\n')
        .map(str::to_string)
        .collect()
}

fn check(text: &str, key: Option<&str>) -> Result<VerifyReport, VerifyError> {
    verify(text.as_bytes(), key)
}

fn failing_line(result: Result<VerifyReport, VerifyError>) -> (u64, LineProblem) {
    match result {
        Err(VerifyError::Line { line, problem }) => (line, problem),
        other => panic!("expected a bad line, got {other:?}"),
    }
}

#[test]
fn an_intact_log_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let lines = write_log(&path, 6, None);
    assert_eq!(lines.len(), 6);
    assert!(lines[0].contains(&format!("\"prev\":\"{GENESIS}\"")));
    let report = verify_file(&path, None).unwrap();
    assert_eq!(
        report,
        VerifyReport {
            records: 6,
            sessions: 2,
            keyed: 0
        }
    );
    assert_eq!(check("", None).unwrap().records, 0);
}

#[test]
fn an_edited_line_is_reported_at_that_line() {
    let dir = tempfile::tempdir().unwrap();
    let lines = write_log(&dir.path().join("a"), 6, None);
    let mut edited = lines.clone();
    edited[3] = edited[3].replace("\"echo\"", "\"rm\"");
    let err = check(&edited.concat(), None);
    assert_eq!(failing_line(err), (4, LineProblem::Edited { keyed: false }));
    let message = check(&edited.concat(), None).unwrap_err().to_string();
    assert_eq!(
        message,
        "line 4: line edited (its content does not match its hash)"
    );
}

#[test]
fn a_removed_line_breaks_the_chain_at_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = write_log(&dir.path().join("a"), 6, None);
    lines.remove(2);
    let err = check(&lines.concat(), None);
    assert_eq!(failing_line(err), (3, LineProblem::ChainBroken));
    // Removing the first line too: the new first line does not chain from the genesis.
    lines.remove(0);
    assert_eq!(
        failing_line(check(&lines.concat(), None)),
        (1, LineProblem::ChainBroken)
    );
}

#[test]
fn swapped_lines_are_reported_at_the_first_of_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = write_log(&dir.path().join("a"), 6, None);
    lines.swap(3, 4);
    assert_eq!(
        failing_line(check(&lines.concat(), None)),
        (4, LineProblem::ChainBroken)
    );
}

#[test]
fn a_truncated_last_line_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let lines = write_log(&dir.path().join("a"), 6, None);
    let text = lines.concat();
    let cut = &text[..text.len() - 20];
    assert_eq!(failing_line(check(cut, None)), (6, LineProblem::Truncated));
    // Cut exactly at a newline, the log is shorter but intact: a chain cannot see that.
    let whole_lines = lines[..5].concat();
    assert_eq!(check(&whole_lines, None).unwrap().records, 5);
}

#[test]
fn appended_garbage_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let lines = write_log(&dir.path().join("a"), 3, None);
    let text = lines.concat() + "hello\n";
    assert_eq!(failing_line(check(&text, None)), (4, LineProblem::NotJson));
    let text = lines.concat() + "{\"kind\":\"command\"}\n";
    assert_eq!(
        failing_line(check(&text, None)),
        (4, LineProblem::NotARecord)
    );
}

#[test]
fn a_keyed_log_needs_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a");
    let lines = write_log(&path, 4, Some("s3cret"));
    assert!(lines[0].contains("\"chain\":\"hmac-sha256\""));
    assert_eq!(verify_file(&path, Some("s3cret")).unwrap().keyed, 4);
    assert_eq!(
        failing_line(verify_file(&path, Some("wrong"))),
        (1, LineProblem::Edited { keyed: true })
    );
    assert_eq!(
        failing_line(verify_file(&path, None)),
        (1, LineProblem::NeedsKey)
    );
    let message = verify_file(&path, None).unwrap_err().to_string();
    assert!(message.contains("CODEX_AUDIT_KEY"), "{message}");
}

#[test]
fn a_plain_log_is_refused_when_a_key_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a");
    write_log(&path, 2, None);
    assert_eq!(
        failing_line(verify_file(&path, Some("k"))),
        (1, LineProblem::Unkeyed)
    );
}

/// Someone who can write the file edits a line and recomputes the chain from there on with
/// plain SHA-256 (all they can do without the key).
#[test]
fn a_forged_keyed_log_fails() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a");
    let lines = write_log(&path, 4, Some("s3cret"));
    for relabel in [false, true] {
        let mut forged = Vec::new();
        let mut prev = GENESIS.to_string();
        for (i, line) in lines.iter().enumerate() {
            let mut v: Value = serde_json::from_str(line).unwrap();
            let map = v.as_object_mut().unwrap();
            if i == 1 {
                map.insert("argv".into(), json!(["rm", "-rf", "/"]));
            }
            if relabel {
                map.insert("chain".into(), json!("sha256"));
            }
            map.insert("prev".into(), json!(prev));
            map.remove("hash");
            let (sealed, seal) = crate::chain::seal_line(&v.to_string(), &Chain::Sha256);
            prev = seal;
            forged.push(String::from_utf8(sealed).unwrap());
        }
        let forged = forged.concat();
        let (line, problem) = failing_line(check(&forged, Some("s3cret")));
        assert_eq!(line, 1);
        let expected = if relabel {
            LineProblem::Unkeyed
        } else {
            LineProblem::Edited { keyed: true }
        };
        assert_eq!(problem, expected);
        if relabel {
            // Without the key the forgery looks fine: that is what the key is for.
            assert_eq!(check(&forged, None).unwrap().records, 4);
        }
    }
}
