#![no_main]
//! Any text: the parser must return a patch or an error, never panic; and a parsed patch's
//! chunks must be searchable in any file without panicking.

use codex_apply_patch::{Hunk, parse_patch, seek_sequence};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(hunks) = parse_patch(text) else {
        return;
    };
    let file: Vec<String> = text.lines().map(String::from).collect();
    for hunk in hunks {
        if let Hunk::Update { chunks, .. } = hunk {
            for chunk in chunks {
                for eof in [false, true] {
                    let _ = seek_sequence(&file, &chunk.old_lines, 0, eof);
                    let _ = seek_sequence(&file, &chunk.old_lines, file.len(), eof);
                }
            }
        }
    }
});
