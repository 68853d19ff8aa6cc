//! The [`Redactor`]: named secret values and built-in token shapes, replaced by
//! `[REDACTED:<name>]`.

use std::borrow::Cow;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};

use crate::shapes::{self, MAX_PREFIX, PREFIXES, Shape, Verdict};

/// Named values shorter than this are not redacted: they would hit too much ordinary text.
pub const MIN_SECRET_LEN: usize = 8;

/// The shortest value of a secret known to be one (a broker password or pin read from its
/// config file, not guessed from a variable's name) that is still redacted.
pub const MIN_KNOWN_SECRET_LEN: usize = 4;

/// Replaces secrets in text the model, the events and the session record are given.
///
/// Built once per session from named secrets (`(name, value)`); the built-in shapes are always
/// on (see [`crate::SHAPE_NAMES`]). Where a named value and a shape start at the same place,
/// the longer wins; otherwise the one that starts first.
#[derive(Debug)]
pub struct Redactor {
    /// The named values, leftmost-longest; `None` when there are none.
    literals: Option<AhoCorasick>,
    /// `[REDACTED:<name>]` by literal pattern id.
    replacements: Vec<Box<[u8]>>,
    /// The values, by pattern id, and which bytes start one.
    values: Vec<Box<[u8]>>,
    first_bytes: [bool; 256],
    longest_literal: usize,
    /// The shapes' prefixes, by index into [`PREFIXES`] (always built: a handful of short
    /// literals).
    prefixes: Option<AhoCorasick>,
}

/// One replacement found: `hay[start..end]` becomes `with`.
#[derive(Debug, Clone, Copy)]
struct Found<'r> {
    start: usize,
    end: usize,
    with: Replacement<'r>,
}

#[derive(Debug, Clone, Copy)]
enum Replacement<'r> {
    Literal(&'r [u8]),
    Shape(&'static str),
}

impl Redactor {
    /// A redactor for `named` secrets plus the built-in shapes. Values shorter than
    /// [`MIN_SECRET_LEN`] bytes are left out; a value named twice keeps its first name.
    pub fn new(named: Vec<(String, String)>) -> Redactor {
        Redactor::with_known(named, Vec::new())
    }

    /// Like [`Redactor::new`], plus `known` secrets — values known to be credentials, such as
    /// a password read from its config file — redacted down to [`MIN_KNOWN_SECRET_LEN`] bytes.
    pub fn with_known(named: Vec<(String, String)>, known: Vec<(String, String)>) -> Redactor {
        let mut values: Vec<String> = Vec::new();
        let mut replacements: Vec<Box<[u8]>> = Vec::new();
        let entries = known
            .into_iter()
            .map(|(n, v)| (n, v, MIN_KNOWN_SECRET_LEN))
            .chain(named.into_iter().map(|(n, v)| (n, v, MIN_SECRET_LEN)));
        for (name, value, min) in entries {
            if value.len() < min || values.contains(&value) {
                continue;
            }
            values.push(value);
            replacements.push(format!("[REDACTED:{name}]").into_bytes().into_boxed_slice());
        }
        let literals = build(&values, MatchKind::LeftmostLongest);
        if literals.is_none() {
            replacements.clear();
        }
        let longest_literal = if literals.is_some() {
            values.iter().map(String::len).max().unwrap_or(0)
        } else {
            0
        };
        let prefixes = build(
            &PREFIXES.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
            MatchKind::LeftmostFirst,
        );
        let mut first_bytes = [false; 256];
        for v in &values {
            if let Some(&b) = v.as_bytes().first() {
                first_bytes[usize::from(b)] = true;
            }
        }
        Redactor {
            literals,
            replacements,
            values: values
                .into_iter()
                .map(|v| v.into_bytes().into_boxed_slice())
                .collect(),
            first_bytes,
            longest_literal,
            prefixes,
        }
    }

    /// A redactor for the built-in shapes only.
    pub fn shapes_only() -> Redactor {
        Redactor::new(Vec::new())
    }

    /// How many named values it replaces.
    pub fn named_count(&self) -> usize {
        self.replacements.len()
    }

    /// `text` with its secrets replaced; borrowed when there were none.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match self.redact_bytes(text.as_bytes()) {
            Cow::Borrowed(_) => Cow::Borrowed(text),
            // Replacements are ASCII and cut UTF-8 text only where a capped private key block
            // ends inside a character; that character becomes U+FFFD.
            Cow::Owned(bytes) => Cow::Owned(match String::from_utf8(bytes) {
                Ok(s) => s,
                Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
            }),
        }
    }

    /// `bytes` with their secrets replaced; borrowed when there were none.
    pub fn redact_bytes<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        // Replacements are about as long as what they replace: one allocation, no regrowth
        // (the pages are touched only if something is replaced).
        let mut out = Vec::with_capacity(bytes.len() + 64);
        let (_, replaced) = self.redact_into(bytes, None, true, false, &mut out);
        if replaced {
            Cow::Owned(out)
        } else {
            Cow::Borrowed(bytes)
        }
    }

    /// Redacts `hay` into `out`. `prev` is the byte before `hay` (none at the start of the
    /// input); `eof`: nothing follows `hay`. Without `eof`, stops where the rest could still
    /// turn out to start a secret, and returns how much of `hay` it consumed (all of it with
    /// `eof`). `copy_clean`: also copy the input when nothing is replaced (otherwise `out` is
    /// left empty then). Returns whether anything was replaced.
    pub(crate) fn redact_into(
        &self,
        hay: &[u8],
        prev: Option<u8>,
        eof: bool,
        copy_clean: bool,
        out: &mut Vec<u8>,
    ) -> (usize, bool) {
        let len = hay.len();
        // Positions from which a literal or a prefix could still be cut off by the end of
        // `hay`: undecided without more input.
        let (literal_horizon, prefix_horizon) = if eof {
            (len, len)
        } else {
            (
                self.partial_literal(hay),
                partial_prefix(hay, len.saturating_sub(MAX_PREFIX - 1)),
            )
        };
        let mut pos = 0;
        let mut replaced = false;
        // The next literal match and prefix candidate from `pos`, each searched again only
        // once `pos` has passed it (`Some(None)`: searched, there is none further on).
        let mut next_literal: Option<Option<Found<'_>>> = None;
        let mut next_candidate: Option<Option<(usize, usize, Shape)>> = None;
        loop {
            if next_literal.is_none_or(|m| m.is_some_and(|m| m.start < pos)) {
                next_literal = Some(self.next_literal(hay, pos));
            }
            let literal = next_literal.flatten();
            let mut block = literal_horizon.min(prefix_horizon);
            let literal_here = literal.filter(|m| m.start < literal_horizon);
            // Shapes that start no later than the literal (at the same start, the longer wins).
            let limit = literal_here.map_or(block, |m| block.min(m.start + 1));
            let mut shape = None;
            loop {
                if next_candidate.is_none_or(|c| c.is_some_and(|(start, _, _)| start < pos)) {
                    next_candidate = Some(self.next_prefix(hay, pos));
                }
                let Some((start, prefix_len, kind)) = next_candidate.flatten() else {
                    break;
                };
                if start >= limit {
                    break;
                }
                let before = if start == 0 {
                    prev
                } else {
                    Some(hay[start - 1])
                };
                match shapes::verify(kind, hay, start, prefix_len, before, eof) {
                    Verdict::Yes(end, name) => {
                        shape = Some(Found {
                            start,
                            end,
                            with: Replacement::Shape(name),
                        });
                        break;
                    }
                    Verdict::No => next_candidate = Some(self.next_prefix(hay, start + 1)),
                    Verdict::Incomplete => {
                        block = block.min(start);
                        break;
                    }
                }
            }
            let chosen = match (literal_here, shape) {
                (Some(l), Some(s))
                    if s.start < l.start || (s.start == l.start && s.end > l.end) =>
                {
                    Some(s)
                }
                (Some(l), _) => Some(l),
                (None, s) => s,
            };
            match chosen.filter(|m| m.start < block) {
                Some(m) => {
                    if !replaced {
                        // About the input's size, once, instead of growing step by step.
                        out.reserve(len - pos + 64);
                    }
                    out.extend_from_slice(&hay[pos..m.start]);
                    match m.with {
                        Replacement::Literal(text) => out.extend_from_slice(text),
                        Replacement::Shape(name) => {
                            out.extend_from_slice(b"[REDACTED:");
                            out.extend_from_slice(name.as_bytes());
                            out.push(b']');
                        }
                    }
                    replaced = true;
                    pos = m.end;
                }
                None => {
                    let stop = block.max(pos);
                    if replaced || copy_clean {
                        out.extend_from_slice(&hay[pos..stop]);
                    }
                    return (stop, replaced);
                }
            }
        }
    }

    /// Where the end of `hay` could be the start of a named value cut off (`hay.len()` when
    /// nowhere): only the last `longest_literal - 1` bytes are looked at, and only where a
    /// value could begin.
    fn partial_literal(&self, hay: &[u8]) -> usize {
        let len = hay.len();
        let from = len.saturating_sub(self.longest_literal.saturating_sub(1));
        (from..len)
            .find(|&q| {
                self.first_bytes[usize::from(hay[q])]
                    && self
                        .values
                        .iter()
                        .any(|v| v.len() > len - q && v.starts_with(&hay[q..]))
            })
            .unwrap_or(len)
    }

    fn next_literal(&self, hay: &[u8], from: usize) -> Option<Found<'_>> {
        let ac = self.literals.as_ref()?;
        let m = ac.find(Input::new(hay).span(from..hay.len()))?;
        Some(Found {
            start: m.start(),
            end: m.end(),
            with: Replacement::Literal(self.replacements.get(m.pattern().as_usize())?),
        })
    }

    fn next_prefix(&self, hay: &[u8], from: usize) -> Option<(usize, usize, Shape)> {
        let m = self
            .prefixes
            .as_ref()?
            .find(Input::new(hay).span(from..hay.len()))?;
        let (_, shape) = PREFIXES.get(m.pattern().as_usize())?;
        Some((m.start(), m.len(), *shape))
    }
}

/// `None` for no patterns, or when the automaton cannot be built (it can for any set of
/// patterns that fits in memory).
fn build<S: AsRef<[u8]>>(patterns: &[S], kind: MatchKind) -> Option<AhoCorasick> {
    if patterns.is_empty() {
        return None;
    }
    AhoCorasickBuilder::new()
        .match_kind(kind)
        .build(patterns)
        .ok()
}

/// Where the end of `hay`, from `from` on, could be a shape's prefix cut off (`hay.len()` when
/// nowhere).
fn partial_prefix(hay: &[u8], from: usize) -> usize {
    let len = hay.len();
    (from..len)
        .find(|&q| {
            PREFIXES
                .iter()
                .any(|(p, _)| p.len() > len - q && p.as_bytes().starts_with(&hay[q..]))
        })
        .unwrap_or(len)
}

#[cfg(test)]
mod known_tests {
    use super::*;

    #[test]
    fn known_secrets_are_redacted_down_to_four_characters_named_ones_from_eight() {
        let r = Redactor::with_known(
            vec![("SHORT_PASS".into(), "abc12".into())],
            vec![
                ("jgt.pin".into(), "4821".into()),
                ("jgt.password".into(), "Pw-9x".into()),
                ("jgt.tiny".into(), "123".into()),
            ],
        );
        assert_eq!(
            r.redact("pin 4821 pw Pw-9x short abc12 tiny 123"),
            "pin [REDACTED:jgt.pin] pw [REDACTED:jgt.password] short abc12 tiny 123"
        );
    }
}
