//! Redacting output that arrives in chunks.

use crate::Redactor;

/// Redacts a stream chunk by chunk with the same result as redacting it whole: a secret split
/// across chunks is still replaced.
///
/// Each [`feed`](StreamRedactor::feed) returns what is decided and holds back only the tail
/// that could still be the start of a secret: at most the longest named value, a prefix, or a
/// token of up to [`crate::TOKEN_CAP`] bytes; a private key block that has started is held
/// until its END line, until it breaks off, or until [`crate::PEM_CAP`] bytes.
/// [`finish`](StreamRedactor::finish) flushes the rest.
///
/// ```
/// use codex_secrets::Redactor;
///
/// let redactor = Redactor::new(vec![("DB_PASSWORD".into(), "correct-horse".into())]);
/// let mut stream = redactor.stream();
/// let mut out = stream.feed(b"password: correct-");
/// out.extend(stream.feed(b"horse\n"));
/// out.extend(stream.finish());
/// assert_eq!(out, b"password: [REDACTED:DB_PASSWORD]\n");
/// ```
#[derive(Debug)]
pub struct StreamRedactor<'r> {
    redactor: &'r Redactor,
    /// Input not yet decided.
    pending: Vec<u8>,
    /// The last input byte already decided (a token must not continue a word).
    prev: Option<u8>,
}

impl Redactor {
    /// A redactor for one stream (one per stdout/stderr pipe).
    pub fn stream(&self) -> StreamRedactor<'_> {
        StreamRedactor {
            redactor: self,
            pending: Vec::new(),
            prev: None,
        }
    }
}

impl StreamRedactor<'_> {
    /// Takes the next chunk; returns the redacted output decided so far (possibly empty).
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(chunk.len());
        if self.pending.is_empty() {
            let (used, _) = self
                .redactor
                .redact_into(chunk, self.prev, false, true, &mut out);
            self.settle(&chunk[..used]);
            self.pending.extend_from_slice(&chunk[used..]);
        } else {
            self.pending.extend_from_slice(chunk);
            let (used, _) =
                self.redactor
                    .redact_into(&self.pending, self.prev, false, true, &mut out);
            if let Some(&last) = self.pending[..used].last() {
                self.prev = Some(last);
            }
            self.pending.drain(..used);
        }
        out
    }

    /// The rest, redacted: the stream has ended. The redactor starts afresh afterwards.
    pub fn finish(&mut self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.pending.len());
        self.redactor
            .redact_into(&self.pending, self.prev, true, true, &mut out);
        self.pending.clear();
        self.prev = None;
        out
    }

    /// How many bytes are held back, waiting for more input.
    pub fn held(&self) -> usize {
        self.pending.len()
    }

    fn settle(&mut self, decided: &[u8]) {
        if let Some(&last) = decided.last() {
            self.prev = Some(last);
        }
    }
}
