//! A small Server-Sent Events decoder over a byte stream.
//!
//! Events can be tens of megabytes (a long message repeated whole in its final item), so each
//! byte is scanned once: the line-ending state is kept between pushes and only new bytes are
//! looked at. A finished event takes over the buffer it was read into instead of being copied.

/// One event: its `event:` name (empty if none) and its `data:` lines joined by `\n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    pub event: String,
    pub data: String,
}

#[derive(Debug)]
pub struct SseDecoder {
    /// The bytes of the event being read.
    buffer: Vec<u8>,
    /// The last byte scanned ended a line (or nothing was scanned yet): a line ending next is a
    /// blank line, which ends the event.
    line_start: bool,
    /// The last byte scanned was a CR: an LF next belongs to the same line ending.
    after_cr: bool,
}

impl Default for SseDecoder {
    fn default() -> Self {
        SseDecoder {
            buffer: Vec::new(),
            line_start: true,
            after_cr: false,
        }
    }
}

/// A single event larger than this is treated as a broken stream.
const MAX_EVENT_BYTES: usize = 64 * 1024 * 1024;

fn too_large() -> String {
    format!(
        "an SSE event exceeded {} MiB without ending (no blank line)",
        MAX_EVENT_BYTES >> 20
    )
}

impl SseDecoder {
    /// Feeds bytes; returns the events completed by them.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<SseEvent>, String> {
        let scanned = self.buffer.len();
        self.buffer.extend_from_slice(bytes);
        // Each blank line among the new bytes: where its event's bytes end, where the next
        // event's start.
        let mut cuts: Vec<(usize, usize)> = Vec::new();
        let mut start = 0;
        let mut i = scanned;
        while let Some(offset) = memchr::memchr2(b'\n', b'\r', &self.buffer[i..]) {
            let at = i + offset;
            if offset > 0 {
                self.line_start = false;
                self.after_cr = false;
            }
            let byte = self.buffer[at];
            if byte == b'\n' && self.after_cr {
                self.after_cr = false;
            } else {
                if self.line_start {
                    if at - start > MAX_EVENT_BYTES {
                        return Err(too_large());
                    }
                    cuts.push((at, at + 1));
                    start = at + 1;
                }
                self.line_start = true;
                self.after_cr = byte == b'\r';
            }
            i = at + 1;
        }
        if i < self.buffer.len() {
            self.line_start = false;
            self.after_cr = false;
        }
        if self.buffer.len() - start > MAX_EVENT_BYTES {
            return Err(too_large());
        }
        let Some(&(first_end, first_next)) = cuts.first() else {
            return Ok(Vec::new());
        };
        let mut events = Vec::with_capacity(cuts.len());
        // The first event may have been arriving over many pushes: it keeps the buffer, and
        // what follows it (all from this push) moves to a new one.
        let rest = self.buffer.split_off(first_next);
        self.buffer.truncate(first_end);
        events.extend(parse_block(std::mem::replace(&mut self.buffer, rest)));
        let mut start = 0;
        for &(end, next) in &cuts[1..] {
            let (end, next) = (end - first_next, next - first_next);
            events.extend(parse_block(self.buffer[start..end].to_vec()));
            start = next;
        }
        self.buffer.drain(..start);
        Ok(events)
    }

    /// Whatever is left when the stream ends (an event without the final blank line).
    pub fn finish(&mut self) -> Option<SseEvent> {
        let rest = std::mem::take(&mut self.buffer);
        *self = SseDecoder::default();
        let mut rest = into_string(rest);
        rest.truncate(rest.trim_end().len());
        parse_block(rest.into_bytes())
    }
}

/// UTF-8 text reusing the allocation; invalid sequences become U+FFFD.
fn into_string(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The fields of one event's lines (each ending in CRLF, LF or CR). A single `data` line, the
/// usual case, becomes the event's data in place.
fn parse_block(mut block: Vec<u8>) -> Option<SseEvent> {
    let mut event = None;
    let mut data: Vec<(usize, usize)> = Vec::new();
    let mut pos = 0;
    while pos < block.len() {
        let rest = &block[pos..];
        let len = memchr::memchr2(b'\n', b'\r', rest).unwrap_or(rest.len());
        let line = &rest[..len];
        let ending = if rest[len..].starts_with(b"\r\n") {
            2
        } else {
            1
        };
        let next = pos + len + ending;
        if !line.is_empty() && line[0] != b':' {
            let (field, value) = match memchr::memchr(b':', line) {
                Some(colon) => {
                    let space = usize::from(line.get(colon + 1) == Some(&b' '));
                    (&line[..colon], (pos + colon + 1 + space, pos + len))
                }
                None => (line, (pos + len, pos + len)),
            };
            match field {
                b"event" => event = Some(value),
                b"data" => data.push(value),
                _ => {}
            }
        }
        pos = next;
    }
    let event = event
        .map(|(s, e)| String::from_utf8_lossy(&block[s..e]).into_owned())
        .unwrap_or_default();
    if data.is_empty() && event.is_empty() {
        return None;
    }
    let data = match data[..] {
        [(s, e)] => {
            block.truncate(e);
            block.drain(..s);
            block
        }
        _ => {
            let len = data.iter().map(|(s, e)| e - s + 1).sum::<usize>();
            let mut joined = Vec::with_capacity(len);
            for (n, &(s, e)) in data.iter().enumerate() {
                if n > 0 {
                    joined.push(b'\n');
                }
                joined.extend_from_slice(&block[s..e]);
            }
            joined
        }
    };
    Some(SseEvent {
        event,
        data: into_string(data),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(event: &str, data: &str) -> SseEvent {
        SseEvent {
            event: event.into(),
            data: data.into(),
        }
    }

    #[test]
    fn splits_events_across_chunks() {
        let mut d = SseDecoder::default();
        assert!(d.push(b"event: a\nda").unwrap().is_empty());
        let evs = d
            .push(b"ta: {\"x\":1}\n\ndata: two\ndata: lines\n\n: comment\n\n")
            .unwrap();
        assert_eq!(evs, vec![ev("a", "{\"x\":1}"), ev("", "two\nlines")]);
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

    /// Every line-ending form the SSE format allows, and blank lines made of mixed ones.
    const MIXED: &[u8] = b"event: a\r\ndata: 1\r\n\r\n\
        data: 2\n\n\
        data: 3\r\rdata: 4\r\n\n\
        event: b\ndata: 5\n\r\n\
        data: 6\r\ndata: 7\r\r\n\
        : comment\n\n\
        data:8\rdata\r\r\
        data: \xff\xfe\n\n\
        data: last";

    fn mixed_expected() -> Vec<SseEvent> {
        vec![
            ev("a", "1"),
            ev("", "2"),
            ev("", "3"),
            ev("", "4"),
            ev("b", "5"),
            ev("", "6\n7"),
            ev("", "8\n"),
            ev("", "\u{fffd}\u{fffd}"),
            ev("", "last"),
        ]
    }

    fn decode(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut d = SseDecoder::default();
        let mut out = Vec::new();
        for chunk in chunks {
            out.extend(d.push(chunk).unwrap());
        }
        out.extend(d.finish());
        out
    }

    #[test]
    fn sse_every_split_point_gives_the_same_events() {
        assert_eq!(decode(&[MIXED]), mixed_expected());
        for at in 0..=MIXED.len() {
            let (a, b) = MIXED.split_at(at);
            assert_eq!(decode(&[a, b]), mixed_expected(), "split at {at}");
        }
        let bytes: Vec<&[u8]> = MIXED.chunks(1).collect();
        assert_eq!(decode(&bytes), mixed_expected(), "one byte at a time");
    }

    #[test]
    fn sse_crlf_events_byte_by_byte() {
        let stream = b"event: x\r\ndata: {\"a\":1}\r\n\r\n\r\n\r\ndata: y\r\n\r\n";
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(decode(&bytes), vec![ev("x", "{\"a\":1}"), ev("", "y")]);
    }

    #[test]
    fn sse_large_event_in_small_chunks() {
        let size = 32 << 20;
        let mut stream = b"event: big\ndata: ".to_vec();
        stream.extend((0..size).map(|i| b'a' + (i % 26) as u8));
        stream.extend_from_slice(b"\n\ndata: after\n\n");
        let mut d = SseDecoder::default();
        let mut events = Vec::new();
        for chunk in stream.chunks(64 << 10) {
            events.extend(d.push(chunk).unwrap());
        }
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].event, "big");
        assert_eq!(events[0].data.len(), size);
        assert!(events[0].data.as_bytes() == &stream[17..17 + size]);
        assert_eq!(events[1], ev("", "after"));
    }

    #[test]
    fn sse_stream_without_boundary_fails_at_the_limit() {
        let chunk = vec![b'x'; 1 << 20];
        let mut d = SseDecoder::default();
        let mut pushed = 0usize;
        let mut error = None;
        for _ in 0..200 {
            pushed += chunk.len();
            if let Err(e) = d.push(&chunk) {
                error = Some(e);
                break;
            }
        }
        let error = error.expect("the stream is refused");
        assert!(error.contains("64 MiB"), "{error}");
        assert_eq!(pushed, MAX_EVENT_BYTES + chunk.len());
    }
}
