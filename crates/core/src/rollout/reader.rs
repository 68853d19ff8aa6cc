//! Reading a rollout back for resume, in memory proportional to what the model will be sent.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::Path;

use codex_protocol::ResponseItem;

use super::{RolloutLine, SessionMeta};
use crate::context::is_context_message;

pub struct LoadedRollout {
    pub meta: SessionMeta,
    /// The history to continue from: the session's opening context, then the most recent items
    /// that fit the budget (everything after the last compaction, when there was one).
    pub history: Vec<ResponseItem>,
    /// Items left out because they did not fit.
    pub dropped: usize,
    pub warnings: Vec<String>,
}

/// Reads `path`. `budget_bytes` bounds the serialized size of the history kept (beyond the
/// opening context), so a huge rollout costs time to scan but not memory.
pub fn load_rollout(path: &Path, budget_bytes: usize) -> std::io::Result<LoadedRollout> {
    let file = std::fs::File::open(path)?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut meta: Option<SessionMeta> = None;
    let mut opening: Vec<ResponseItem> = Vec::new();
    let mut tail: VecDeque<(ResponseItem, usize)> = VecDeque::new();
    let mut tail_bytes = 0usize;
    let mut dropped = 0usize;
    let mut seen_user_turn = false;
    let mut warnings = Vec::new();
    // Bytes, not text: one line torn inside a multi-byte character must not make the whole
    // file unreadable.
    let mut line: Vec<u8> = Vec::new();
    let mut number = 0usize;
    let mut bad_line: Option<usize> = None;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        number += 1;
        if let Some(previous) = bad_line.take() {
            // An unreadable line followed by more lines is damage, not a torn end.
            warnings.push(format!(
                "{}: line {previous} is not valid and was skipped",
                path.display()
            ));
        }
        let text = line.trim_ascii_end();
        if text.is_empty() {
            continue;
        }
        let (parsed, text) = match parse_line(text) {
            Parsed::Whole(parsed) => (parsed, text),
            Parsed::Glued(parsed, record) => {
                warnings.push(format!(
                    "{}: line {number} starts with a cut-off record, which was skipped; the \
                     record after it was kept",
                    path.display()
                ));
                (parsed, record)
            }
            Parsed::Bad => {
                bad_line = Some(number);
                continue;
            }
        };
        match parsed {
            RolloutLine::SessionMeta(m) => {
                if meta.is_none() {
                    meta = Some(m);
                }
            }
            RolloutLine::ResponseItem(item) => {
                if !seen_user_turn && is_context_message(&item) {
                    opening.push(item);
                    continue;
                }
                seen_user_turn = true;
                let size = text.len();
                tail_bytes += size;
                tail.push_back((item, size));
                while tail_bytes > budget_bytes && tail.len() > 1 {
                    if let Some((_, s)) = tail.pop_front() {
                        tail_bytes -= s;
                        dropped += 1;
                    }
                }
            }
            RolloutLine::Compacted(c) => {
                dropped += tail.len();
                tail.clear();
                tail_bytes = 0;
                for item in c.replacement_history {
                    if is_context_message(&item) {
                        continue;
                    }
                    let size = serde_json::to_string(&item).map(|s| s.len()).unwrap_or(0);
                    tail_bytes += size;
                    tail.push_back((item, size));
                }
                seen_user_turn = true;
            }
            RolloutLine::TurnContext(_) | RolloutLine::EventMsg(_) => {}
        }
    }
    if let Some(n) = bad_line {
        warnings.push(format!(
            "{}: the last line ({n}) was cut off (the session was killed while writing) and was ignored",
            path.display()
        ));
    }
    let meta = meta.ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{} has no session_meta line", path.display()),
        )
    })?;
    let mut history = opening;
    history.extend(tail.into_iter().map(|(item, _)| item));
    Ok(LoadedRollout {
        meta,
        history: repair_call_pairs(history),
        dropped,
        warnings,
    })
}

enum Parsed<'a> {
    Whole(RolloutLine),
    /// A torn fragment with a whole record appended to it (a resume by an older version that
    /// did not end the fragment first): the record and its bytes.
    Glued(RolloutLine, &'a [u8]),
    Bad,
}

/// Every line starts with this, as the recorder writes it.
const RECORD_START: &[u8] = b"{\"timestamp\":";

fn parse_line(text: &[u8]) -> Parsed<'_> {
    if let Ok(parsed) = serde_json::from_slice(text) {
        return Parsed::Whole(parsed);
    }
    // Inside a JSON string a quote is escaped, so an unescaped record start past the first
    // byte can only begin a record of its own.
    let starts = (1..text.len()).filter(|&i| text[i..].starts_with(RECORD_START));
    for start in starts {
        let record = &text[start..];
        if let Ok(parsed) = serde_json::from_slice(record) {
            return Parsed::Glued(parsed, record);
        }
    }
    Parsed::Bad
}

/// Every tool call answered exactly once: outputs whose call was left out are removed, and calls
/// cut off before their output (a killed session) are answered as aborted.
pub fn repair_call_pairs(items: Vec<ResponseItem>) -> Vec<ResponseItem> {
    use std::collections::HashSet;
    let calls: HashSet<String> = items
        .iter()
        .filter_map(|i| match i {
            ResponseItem::FunctionCall { call_id, .. }
            | ResponseItem::CustomToolCall { call_id, .. } => Some(call_id.clone()),
            _ => None,
        })
        .collect();
    let mut answered: HashSet<String> = HashSet::new();
    let mut out: Vec<ResponseItem> = Vec::with_capacity(items.len());
    for item in items {
        let keep = match &item {
            ResponseItem::FunctionCallOutput { call_id, .. }
            | ResponseItem::CustomToolCallOutput { call_id, .. } => {
                calls.contains(call_id) && answered.insert(call_id.clone())
            }
            _ => true,
        };
        if !keep {
            continue;
        }
        out.push(item);
    }
    let missing: Vec<(usize, ResponseItem)> = out
        .iter()
        .enumerate()
        .filter_map(|(i, item)| match item {
            ResponseItem::FunctionCall { call_id, .. } if !answered.contains(call_id) => Some((
                i,
                ResponseItem::FunctionCallOutput {
                    call_id: call_id.clone(),
                    output: "aborted: the session ended before this call finished".into(),
                },
            )),
            ResponseItem::CustomToolCall { call_id, .. } if !answered.contains(call_id) => Some((
                i,
                ResponseItem::CustomToolCallOutput {
                    call_id: call_id.clone(),
                    output: "aborted: the session ended before this call finished".into(),
                },
            )),
            _ => None,
        })
        .collect();
    for (offset, (i, output)) in missing.into_iter().enumerate() {
        out.insert(i + 1 + offset, output);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::rollout::RolloutRecorder;

    fn meta() -> RolloutLine {
        RolloutLine::SessionMeta(SessionMeta {
            id: "s1".into(),
            timestamp: "2026-01-01T00:00:00.000Z".into(),
            cwd: "/w".into(),
            originator: "test".into(),
            cli_version: "0".into(),
            source: "cli".into(),
            thread_source: None,
            model_provider: "mock".into(),
        })
    }

    fn user(text: &str) -> RolloutLine {
        RolloutLine::ResponseItem(ResponseItem::user_text(text))
    }

    /// `line` as the recorder writes it, without the newline.
    fn record_bytes(line: &RolloutLine) -> Vec<u8> {
        let body = serde_json::to_string(line).unwrap();
        format!(
            "{{\"timestamp\":\"2026-01-01T00:00:00.000Z\",{}",
            &body[1..]
        )
        .into_bytes()
    }

    fn append(path: &Path, bytes: &[u8]) {
        let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
        f.write_all(bytes).unwrap();
    }

    fn texts(loaded: &LoadedRollout) -> Vec<String> {
        loaded
            .history
            .iter()
            .filter_map(ResponseItem::message_text)
            .collect()
    }

    /// `line` recorded, cut just after the first byte of its first `€`.
    fn cut_inside_euro(line: &RolloutLine) -> Vec<u8> {
        let whole = record_bytes(line);
        let at = whole.windows(3).position(|w| w == "€".as_bytes()).unwrap();
        whole[..at + 1].to_vec()
    }

    #[test]
    fn a_line_torn_inside_a_character_is_skipped_with_its_number() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rollout.jsonl");
        let rec = RolloutRecorder::open(&path).unwrap();
        rec.record(&[meta(), user("café one")]).unwrap();
        append(&path, &cut_inside_euro(&user("costs 5 € today")));
        append(&path, b"\n");
        rec.record(&[user("après two")]).unwrap();

        let loaded = load_rollout(&path, 1 << 20).unwrap();
        assert_eq!(texts(&loaded), ["café one", "après two"]);
        assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
        assert!(
            loaded.warnings[0].contains("line 3 is not valid"),
            "{:?}",
            loaded.warnings
        );
    }

    #[test]
    fn a_last_line_torn_inside_a_character_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rollout.jsonl");
        let rec = RolloutRecorder::open(&path).unwrap();
        rec.record(&[meta(), user("first")]).unwrap();
        append(&path, &cut_inside_euro(&user("5 €")));
        let loaded = load_rollout(&path, 1 << 20).unwrap();
        assert_eq!(texts(&loaded), ["first"]);
        assert!(
            loaded.warnings[0].contains("the last line (3) was cut off"),
            "{:?}",
            loaded.warnings
        );
    }

    #[test]
    fn the_recorder_starts_a_new_line_after_a_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rollout.jsonl");
        RolloutRecorder::open(&path)
            .unwrap()
            .record(&[meta(), user("first")])
            .unwrap();
        append(&path, &record_bytes(&user("never finished"))[..60]);
        let rec = RolloutRecorder::open(&path).unwrap();
        rec.record(&[user("second")]).unwrap();
        rec.record(&[user("third")]).unwrap();

        let bytes = std::fs::read(&path).unwrap();
        let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
        assert_eq!(lines.len(), 6, "five lines and the final newline");
        assert!(serde_json::from_slice::<RolloutLine>(lines[2]).is_err());
        let loaded = load_rollout(&path, 1 << 20).unwrap();
        assert_eq!(texts(&loaded), ["first", "second", "third"]);
    }

    #[test]
    fn a_record_glued_to_a_fragment_is_recovered() {
        // What a resume by an older version left behind: no newline after the fragment.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rollout.jsonl");
        let rec = RolloutRecorder::open(&path).unwrap();
        rec.record(&[meta(), user("first")]).unwrap();
        append(&path, &cut_inside_euro(&user("a {\"timestamp\": 5 €")));
        let glued = record_bytes(&user("glued"));
        append(&path, &glued);
        append(&path, b"\n");
        let loaded = load_rollout(&path, 1 << 20).unwrap();
        assert_eq!(texts(&loaded), ["first", "glued"]);
        assert!(
            loaded.warnings[0].contains("line 3 starts with a cut-off record"),
            "{:?}",
            loaded.warnings
        );
    }
}
