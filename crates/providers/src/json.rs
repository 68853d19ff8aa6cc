//! JSON parsing for event data that may hold one very long string.
//!
//! `serde_json` unescapes a string into a scratch buffer and then copies it out, so a string of
//! n bytes costs the input plus 2n while it is parsed. This parser owns its input and unescapes
//! each string where it lies; a string that makes up most of the input then takes the input's
//! buffer over, so a long text costs about its own size once. It yields the same [`Value`] as
//! `serde_json::from_str` and refuses the same documents; numbers are read by `serde_json`.

use serde::de::Error as _;
use serde_json::{Map, Value};

use crate::error::ApiError;

/// The data of an SSE event named `event` as JSON; malformed data is a stream error quoting its
/// start.
pub(crate) fn parse_event(event: &str, data: String) -> Result<Value, ApiError> {
    // Taken first: the parser consumes the text.
    let start: String = data.chars().take(200).collect();
    parse(data).map_err(|e| {
        ApiError::Stream(format!(
            "malformed `{}` event from the model ({e}): {start}",
            if event.is_empty() { "message" } else { event },
        ))
    })
}

/// The string at `key`, moved out of the event (a delta can be megabytes long); empty when
/// there is none.
pub(crate) fn take_text(data: &mut Value, key: &str) -> String {
    match data.get_mut(key).map(Value::take) {
        Some(Value::String(s)) => s,
        _ => String::new(),
    }
}

/// As deep as `serde_json` nests arrays and objects before refusing a document.
const MAX_DEPTH: usize = 127;

/// Parses a JSON document into the same [`Value`] as `serde_json::from_str`.
pub fn parse(text: String) -> Result<Value, serde_json::Error> {
    let mut p = Parser {
        buf: text.into_bytes(),
        pos: 0,
        dropped: 0,
    };
    let value = p.value(0)?;
    p.skip_whitespace();
    if p.pos < p.buf.len() {
        return Err(p.error("trailing characters"));
    }
    Ok(value)
}

/// Bytes that end a run of plain characters in a string: the quote, a backslash, and the
/// control characters JSON does not allow there.
static STOPS_STRING: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// The length of the run of plain string characters at the start of `bytes`, if it ends.
fn plain_run(bytes: &[u8]) -> Option<usize> {
    // Eight bytes at a time while none of them can be a stop: a byte-wise "has a byte less
    // than n" test, which may flag a word needlessly but never misses a stop.
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    let below = |v: u64, n: u8| v.wrapping_sub(ONES * u64::from(n)) & !v;
    let (words, _) = bytes.as_chunks::<8>();
    let mut start = 0;
    for word in words {
        let v = u64::from_le_bytes(*word);
        let stops = below(v, 0x20)
            | below(v ^ (ONES * u64::from(b'"')), 1)
            | below(v ^ (ONES * u64::from(b'\\')), 1);
        if stops & (ONES << 7) != 0 {
            break;
        }
        start += 8;
    }
    let rest = bytes.get(start..)?;
    rest.iter()
        .position(|&b| STOPS_STRING[usize::from(b)])
        .map(|at| start + at)
}

struct Parser {
    /// The input from `pos` on; before it, strings already read have been unescaped in place.
    buf: Vec<u8>,
    pos: usize,
    /// Input bytes given away with a string that took the buffer over (for error positions).
    dropped: usize,
}

impl Parser {
    fn error(&self, what: &str) -> serde_json::Error {
        serde_json::Error::custom(format!("{what} at byte {}", self.dropped + self.pos))
    }

    fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\t' | b'\r')) {
            self.pos += 1;
        }
    }

    /// Skips whitespace and then `byte` if it comes next.
    fn eat(&mut self, byte: u8) -> bool {
        self.skip_whitespace();
        let found = self.peek() == Some(byte);
        self.pos += usize::from(found);
        found
    }

    fn value(&mut self, depth: usize) -> Result<Value, serde_json::Error> {
        self.skip_whitespace();
        match self.peek() {
            Some(b'"') => {
                self.pos += 1;
                self.string().map(Value::String)
            }
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => {
                let start = self.pos;
                while matches!(
                    self.peek(),
                    Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
                ) {
                    self.pos += 1;
                }
                let number = std::str::from_utf8(&self.buf[start..self.pos])
                    .map_err(serde_json::Error::custom)
                    .and_then(serde_json::from_str::<serde_json::Number>);
                match number {
                    Ok(n) => Ok(Value::Number(n)),
                    Err(e) => Err(self.error(&e.to_string())),
                }
            }
            Some(_) => Err(self.error("expected a value")),
            None => Err(self.error("EOF while parsing a value")),
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, serde_json::Error> {
        if self.buf[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error("expected a value"))
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, serde_json::Error> {
        if depth > MAX_DEPTH {
            return Err(self.error("recursion limit exceeded"));
        }
        self.pos += 1;
        let mut map = Map::new();
        if self.eat(b'}') {
            return Ok(Value::Object(map));
        }
        loop {
            if !self.eat(b'"') {
                return Err(self.error("expected a key"));
            }
            let key = self.string()?;
            if !self.eat(b':') {
                return Err(self.error("expected `:`"));
            }
            let value = self.value(depth)?;
            map.insert(key, value);
            if self.eat(b'}') {
                return Ok(Value::Object(map));
            }
            if !self.eat(b',') {
                return Err(self.error("expected `,` or `}`"));
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, serde_json::Error> {
        if depth > MAX_DEPTH {
            return Err(self.error("recursion limit exceeded"));
        }
        self.pos += 1;
        let mut items = Vec::new();
        if self.eat(b']') {
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value(depth)?);
            if self.eat(b']') {
                return Ok(Value::Array(items));
            }
            if !self.eat(b',') {
                return Err(self.error("expected `,` or `]`"));
            }
        }
    }

    /// The rest of a string whose opening quote has been read. It is unescaped in place:
    /// escapes are never shorter than what they stand for, so writing trails reading.
    fn string(&mut self) -> Result<String, serde_json::Error> {
        let start = self.pos;
        let mut end = start;
        loop {
            let Some(at) = plain_run(&self.buf[self.pos..]) else {
                self.pos = self.buf.len();
                return Err(self.error("EOF while parsing a string"));
            };
            if end < self.pos {
                self.buf.copy_within(self.pos..self.pos + at, end);
            }
            end += at;
            self.pos += at;
            match self.buf[self.pos] {
                b'"' => {
                    self.pos += 1;
                    break;
                }
                b'\\' => {
                    self.pos += 1;
                    let ch = self.escape()?;
                    let len = ch.len_utf8();
                    ch.encode_utf8(&mut self.buf[end..end + len]);
                    end += len;
                }
                _ => return Err(self.error("control character while parsing a string")),
            }
        }
        let bytes = if 2 * (end - start) >= self.buf.len() {
            // At least half of what is left, so copying the rest is the smaller copy.
            let rest = self.buf[self.pos..].to_vec();
            let mut bytes = std::mem::replace(&mut self.buf, rest);
            self.dropped += self.pos;
            self.pos = 0;
            bytes.truncate(end);
            bytes.drain(..start);
            bytes
        } else {
            self.buf[start..end].to_vec()
        };
        // The input was UTF-8 and escapes were written as UTF-8, so this does not fail.
        String::from_utf8(bytes).map_err(|_| self.error("invalid UTF-8 in a string"))
    }

    /// The character of an escape whose backslash has been read. Surrogate escapes must pair
    /// up, as `serde_json` requires for a `String`.
    fn escape(&mut self) -> Result<char, serde_json::Error> {
        let byte = self.peek();
        self.pos += 1;
        Ok(match byte {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let unit = self.hex4()?;
                let code = match unit {
                    0xD800..=0xDBFF => {
                        if !self.buf[self.pos..].starts_with(b"\\u") {
                            return Err(self.error("unexpected end of hex escape"));
                        }
                        self.pos += 2;
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(self.error("lone leading surrogate in hex escape"));
                        }
                        0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00)
                    }
                    0xDC00..=0xDFFF => {
                        return Err(self.error("lone leading surrogate in hex escape"));
                    }
                    _ => u32::from(unit),
                };
                char::from_u32(code).ok_or_else(|| self.error("invalid escape"))?
            }
            _ => return Err(self.error("invalid escape")),
        })
    }

    fn hex4(&mut self) -> Result<u16, serde_json::Error> {
        let digits = self.buf.get(self.pos..self.pos + 4).unwrap_or_default();
        let mut unit = 0u16;
        for &d in digits {
            let value = (d as char).to_digit(16);
            unit = (unit << 4) | value.ok_or_else(|| self.error("invalid hex escape"))? as u16;
        }
        if digits.len() < 4 {
            return Err(self.error("invalid hex escape"));
        }
        self.pos += 4;
        Ok(unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same_as_serde(text: &str) {
        let ours = parse(text.to_owned());
        let theirs = serde_json::from_str::<Value>(text);
        match (&ours, &theirs) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{text:?}"),
            (Err(_), Err(_)) => {}
            _ => panic!("{text:?}: ours {ours:?}, serde_json {theirs:?}"),
        }
    }

    #[test]
    fn matches_serde_json_on_samples() {
        let samples = [
            r#"{"type":"response.output_text.delta","delta":"a\nb \"q\" \\ \/ \b\f\r\t"}"#,
            r#" { "a" : [1, -2.5e3, true, false, null, {"b": "\u00e9\u4e2d\ud83d\ude00"}] } "#,
            r#""plain""#,
            r#""""#,
            r#"[]"#,
            r#"{}"#,
            r#"{"a":1,"a":2}"#,
            r#"{"k\"ey":"v"}"#,
            "\"caf\u{e9} \u{1f600}\"",
            r#""\ud800""#,
            r#""\udc00""#,
            r#""\ud800\u0041""#,
            r#""\ud800\n""#,
            r#""\ud800\ud800\udc00""#,
            r#""\u12""#,
            r#""\u+123""#,
            r#""\x""#,
            "\"tab\tinside\"",
            r#"{"a":1,}"#,
            r#"[1,]"#,
            r#"{"a":"b"} x"#,
            r#"{"a":1e400}"#,
            r#"12345678901234567890123"#,
            "",
            "   ",
            "{",
            r#"{"a":"unterminated}"#,
            r#"[[[[[[[[[[[["deep \u0041"]]]]]]]]]]]]"#,
        ];
        for s in samples {
            same_as_serde(s);
        }
    }

    #[test]
    fn matches_serde_json_on_random_documents() {
        let pieces = [
            "{", "}", "[", "]", ",", ":", "\"", "\"k\"", "\"v\"", "1", "-0.5", "null", "true",
            "\\", "\\n", "\\u00e9", "\\ud83d", "\\ude00", "\\uZZ", "é", " ", "\n", "x",
        ];
        let mut rng = fastrand::Rng::with_seed(7);
        let mut valid = 0;
        for _ in 0..20_000 {
            let n = rng.usize(1..16);
            let text: String = (0..n).map(|_| pieces[rng.usize(..pieces.len())]).collect();
            for doc in [text.clone(), format!("{{\"a\":[\"{text}\"]}}")] {
                same_as_serde(&doc);
                valid += usize::from(parse(doc).is_ok());
            }
        }
        // The comparison means little unless many documents are valid.
        assert!(valid > 2_000, "{valid}");
    }

    #[test]
    fn long_strings_take_the_buffer_and_the_rest_still_parses() {
        let long = "line \"one\"\\ caf\u{e9}\t\u{1f600}\n".repeat(2_000);
        let escaped = serde_json::to_string(&long).unwrap();
        for doc in [
            format!(r#"{{"a":{escaped},"b":[1,"x\n"],"c":{{"d":"\u00e9"}}}}"#),
            format!(
                r#"[{escaped},{escaped},"{}",{escaped}]"#,
                "y".repeat(50_000)
            ),
            format!(r#"{{{escaped}:{escaped}}}"#),
            format!("  {escaped}  "),
            format!(r#"{{"a":{escaped},"b":nul}}"#),
            format!(r#"{{"a":{escaped},"b":"\ud800"}}"#),
            format!(r#"{{"a":{escaped}"#),
            format!(r#"{{"a":{escaped}}} x"#),
        ] {
            same_as_serde(&doc);
        }
        let Value::Object(map) = parse(format!(r#"{{"t":{escaped}}}"#)).unwrap() else {
            panic!("not an object");
        };
        assert!(map["t"] == long);
    }

    #[test]
    fn plain_runs_end_at_every_stop() {
        for len in 0..40 {
            for stop in [b'"', b'\\', 0, 0x1f] {
                let mut bytes = vec![b'a'; len];
                bytes.extend_from_slice(&[stop, b'b', 0xff]);
                assert_eq!(plain_run(&bytes), Some(len), "{len} {stop}");
            }
            let text = "\u{e9}\u{7f}\u{1f600} ~".repeat(len);
            assert_eq!(plain_run(text.as_bytes()), None);
        }
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing() {
        let text = "[".repeat(100_000);
        assert!(parse(text).is_err());
        for depth in [100, 126, 127, 128, 129] {
            same_as_serde(&format!("{}1{}", "[".repeat(depth), "]".repeat(depth)));
            let object = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
            same_as_serde(&object);
            assert_eq!(parse(object).is_ok(), depth < 128);
        }
    }
}
