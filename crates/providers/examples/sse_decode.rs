//! Decodes a streamed model response body with the client's own decoder, for the `sse`
//! benchmark: `sse_decode responses|chat|anthropic [FILE]` (standard input without FILE). Reads in
//! 64 KiB pieces, as from a socket, and prints the event count, the bytes of text deltas, the
//! length of the final message, and this process's peak RSS where Linux reports it (`VmHWM`,
//! which unlike `ru_maxrss` does not include the parent's size at fork).

use std::io::Read;
use std::process::ExitCode;

use codex_config::WireApi;
use codex_protocol::{ContentItem, ResponseItem};
use codex_providers::{ResponseEvent, StreamDecoder};

fn main() -> ExitCode {
    match run() {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sse_decode: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<String, String> {
    let mut args = std::env::args().skip(1);
    let wire = match args.next().as_deref() {
        Some("responses") => WireApi::Responses,
        Some("chat") => WireApi::Chat,
        Some("anthropic") => WireApi::Anthropic,
        _ => return Err("usage: sse_decode responses|chat|anthropic [FILE]".into()),
    };
    let mut input: Box<dyn Read> = match args.next() {
        Some(path) => Box::new(std::fs::File::open(&path).map_err(|e| format!("{path}: {e}"))?),
        None => Box::new(std::io::stdin()),
    };
    let mut decoder = StreamDecoder::new(wire);
    let mut buf = vec![0u8; 64 << 10];
    let (mut events, mut deltas, mut message) = (0usize, 0usize, 0usize);
    loop {
        let n = input.read(&mut buf).map_err(|e| e.to_string())?;
        let decoded = if n == 0 {
            decoder.finish()
        } else {
            decoder.push(&buf[..n])
        };
        for ev in decoded {
            events += 1;
            match ev.map_err(|e| e.to_string())? {
                ResponseEvent::OutputTextDelta(d) => deltas += d.len(),
                ResponseEvent::OutputItemDone(ResponseItem::Message { content, .. }) => {
                    message = content.iter().map(text_len).sum();
                }
                _ => {}
            }
        }
        if n == 0 || decoder.is_done() {
            break;
        }
    }
    Ok(format!(
        "events={events} deltas={deltas} message={message} hwm_kb={}",
        peak_rss_kb().unwrap_or(0)
    ))
}

fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn text_len(part: &ContentItem) -> usize {
    part.text().map_or(0, str::len)
}
