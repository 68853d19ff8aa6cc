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
    let mut line = String::new();
    let mut number = 0usize;
    let mut bad_line: Option<usize> = None;
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
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
        let text = line.trim_end();
        if text.is_empty() {
            continue;
        }
        let parsed: RolloutLine = match serde_json::from_str(text) {
            Ok(parsed) => parsed,
            Err(_) => {
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
