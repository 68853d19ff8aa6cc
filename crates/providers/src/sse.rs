//! A small Server-Sent Events decoder over a byte stream.

/// One event: its `event:` name (empty if none) and its `data:` lines joined by `\n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    pub event: String,
    pub data: String,
}

#[derive(Debug, Default)]
pub struct SseDecoder {
    buffer: Vec<u8>,
}

/// A single event larger than this is treated as a broken stream.
const MAX_EVENT_BYTES: usize = 64 * 1024 * 1024;

impl SseDecoder {
    /// Feeds bytes; returns the events completed by them.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<SseEvent>, String> {
        self.buffer.extend_from_slice(bytes);
        let mut events = Vec::new();
        while let Some((end, sep_len)) = find_blank_line(&self.buffer) {
            let block: Vec<u8> = self.buffer.drain(..end + sep_len).collect();
            let block = String::from_utf8_lossy(&block[..end]).into_owned();
            if let Some(ev) = parse_block(&block) {
                events.push(ev);
            }
        }
        if self.buffer.len() > MAX_EVENT_BYTES {
            return Err("an SSE event exceeded 64 MiB".to_string());
        }
        Ok(events)
    }

    /// Whatever is left when the stream ends (an event without the final blank line).
    pub fn finish(&mut self) -> Option<SseEvent> {
        let rest = String::from_utf8_lossy(&std::mem::take(&mut self.buffer)).into_owned();
        parse_block(rest.trim_end())
    }
}

fn find_blank_line(buf: &[u8]) -> Option<(usize, usize)> {
    let mut i = 0;
    while i + 1 < buf.len() {
        if buf[i] == b'\n' && buf[i + 1] == b'\n' {
            return Some((i, 2));
        }
        if buf[i..].starts_with(b"\r\n\r\n") {
            return Some((i, 4));
        }
        i += 1;
    }
    None
}

fn parse_block(block: &str) -> Option<SseEvent> {
    let mut event = String::new();
    let mut data: Vec<&str> = Vec::new();
    for line in block.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() || line.starts_with(':') {
            continue;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "event" => event = value.to_string(),
            "data" => data.push(value),
            _ => {}
        }
    }
    if data.is_empty() && event.is_empty() {
        return None;
    }
    Some(SseEvent {
        event,
        data: data.join("\n"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_events_across_chunks() {
        let mut d = SseDecoder::default();
        assert!(d.push(b"event: a\nda").unwrap().is_empty());
        let evs = d
            .push(b"ta: {\"x\":1}\n\ndata: two\ndata: lines\n\n: comment\n\n")
            .unwrap();
        assert_eq!(
            evs,
            vec![
                SseEvent {
                    event: "a".into(),
                    data: "{\"x\":1}".into()
                },
                SseEvent {
                    event: String::new(),
                    data: "two\nlines".into()
                },
            ]
        );
    }

    #[test]
    fn crlf_separators() {
        let mut d = SseDecoder::default();
        let evs = d.push(b"data: x\r\n\r\ndata: y\r\n\r\n").unwrap();
        assert_eq!(evs.len(), 2);
        assert_eq!(evs[1].data, "y");
    }

    #[test]
    fn trailing_event_without_blank_line() {
        let mut d = SseDecoder::default();
        assert!(d.push(b"data: [DONE]").unwrap().is_empty());
        assert_eq!(d.finish().map(|e| e.data), Some("[DONE]".to_string()));
    }
}
