//! Built-in token shapes: a literal prefix found by the prefix automaton, then the rest
//! checked by hand, so a whole input is searched once for all prefixes and each candidate
//! costs at most its own (capped) length.

/// The longest token body a shape takes; a longer run is redacted up to here.
pub const TOKEN_CAP: usize = 512;

/// The longest private key block: a block without its END line within this many bytes is
/// redacted up to here anyway.
pub const PEM_CAP: usize = 16 * 1024;

/// The names shapes are replaced under (`[REDACTED:<name>]`).
pub const SHAPE_NAMES: &[&str] = &[
    "openai_key",
    "anthropic_key",
    "github_token",
    "slack_token",
    "aws_access_key",
    "private_key",
];

/// The prefixes a shape starts with, and the shape each one begins.
pub(crate) const PREFIXES: &[(&str, Shape)] = &[
    ("sk-", Shape::SkKey),
    ("ghp_", Shape::GitHubClassic),
    ("gho_", Shape::GitHubClassic),
    ("ghu_", Shape::GitHubClassic),
    ("ghs_", Shape::GitHubClassic),
    ("ghr_", Shape::GitHubClassic),
    ("github_pat_", Shape::GitHubFineGrained),
    ("xoxa-", Shape::Slack),
    ("xoxb-", Shape::Slack),
    ("xoxp-", Shape::Slack),
    ("xoxo-", Shape::Slack),
    ("xoxs-", Shape::Slack),
    ("xoxr-", Shape::Slack),
    ("AKIA", Shape::Aws),
    ("ASIA", Shape::Aws),
    ("-----BEGIN ", Shape::PrivateKey),
];

/// The longest prefix.
pub(crate) const MAX_PREFIX: usize = 11;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    SkKey,
    GitHubClassic,
    GitHubFineGrained,
    Slack,
    Aws,
    PrivateKey,
}

/// What the bytes at a candidate are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    No,
    /// A secret ending at this index, replaced under this name.
    Yes(usize, &'static str),
    /// More input is needed to decide.
    Incomplete,
}

/// A run of `class` bytes in `hay` from `from`, at most `cap` long: its length, and whether it
/// stopped only because the input ended.
fn run(hay: &[u8], from: usize, cap: usize, class: impl Fn(u8) -> bool) -> (usize, bool) {
    let rest = hay.get(from..).unwrap_or_default();
    let rest = &rest[..rest.len().min(cap)];
    match rest.iter().position(|&b| !class(b)) {
        Some(n) => (n, false),
        None => (rest.len(), rest.len() < cap),
    }
}

/// A token: `prefix_len` bytes of prefix, then at least `min` bytes of `class`.
fn token(
    hay: &[u8],
    start: usize,
    prefix_len: usize,
    min: usize,
    eof: bool,
    name: &'static str,
    class: impl Fn(u8) -> bool,
) -> Verdict {
    let body = start + prefix_len;
    let (n, ran_out) = run(hay, body, TOKEN_CAP, class);
    if ran_out && !eof {
        Verdict::Incomplete
    } else if n >= min {
        Verdict::Yes(body + n, name)
    } else {
        Verdict::No
    }
}

fn word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Checks the candidate `shape` whose prefix starts at `start`. `prev` is the byte before
/// `start` (a token must not continue a word: `task-…` is no key); `eof`: no more input
/// follows `hay`.
pub(crate) fn verify(
    shape: Shape,
    hay: &[u8],
    start: usize,
    prefix_len: usize,
    prev: Option<u8>,
    eof: bool,
) -> Verdict {
    if shape != Shape::PrivateKey && prev.is_some_and(word_byte) {
        return Verdict::No;
    }
    match shape {
        Shape::SkKey => {
            let name = if hay[start..].starts_with(b"sk-ant-") {
                "anthropic_key"
            } else {
                "openai_key"
            };
            token(hay, start, prefix_len, 20, eof, name, |b| {
                word_byte(b) || b == b'-'
            })
        }
        Shape::GitHubClassic => token(hay, start, prefix_len, 36, eof, "github_token", |b| {
            b.is_ascii_alphanumeric()
        }),
        Shape::GitHubFineGrained => {
            token(hay, start, prefix_len, 22, eof, "github_token", word_byte)
        }
        Shape::Slack => token(hay, start, prefix_len, 10, eof, "slack_token", |b| {
            b.is_ascii_alphanumeric() || b == b'-'
        }),
        Shape::Aws => {
            // Exactly 16 upper-case letters or digits, not followed by more of a word.
            let body = start + prefix_len;
            let (n, ran_out) = run(hay, body, 17, |b| b.is_ascii_alphanumeric());
            if ran_out && !eof {
                return Verdict::Incomplete;
            }
            let upper = hay[body..body + n]
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
            if n == 16 && upper {
                Verdict::Yes(body + 16, "aws_access_key")
            } else {
                Verdict::No
            }
        }
        Shape::PrivateKey => private_key(hay, start, prefix_len, eof),
    }
}

fn label_byte(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' '
}

/// `-----BEGIN <label>-----` where the label ends in `PRIVATE KEY`: the end of the header.
fn pem_boundary(hay: &[u8], label_start: usize, eof: bool) -> Result<Option<(usize, usize)>, ()> {
    let (n, ran_out) = run(hay, label_start, 64, label_byte);
    let dashes = label_start + n;
    if ran_out && !eof {
        return Err(());
    }
    let tail = hay.get(dashes..).unwrap_or_default();
    if tail.len() < 5 && b"-----".starts_with(tail) && !eof {
        return Err(());
    }
    if !tail.starts_with(b"-----") {
        return Ok(None);
    }
    Ok(Some((dashes, dashes + 5)))
}

/// A private key block: its header, then base64 and the bytes that frame it (whitespace,
/// escaped newlines, `Proc-Type:`/`DEK-Info:` headers) up to and including the END line. A
/// block that breaks off (another byte, the end of input, or [`PEM_CAP`]) is redacted up to
/// where it broke off: what came before was key material.
fn private_key(hay: &[u8], start: usize, prefix_len: usize, eof: bool) -> Verdict {
    let label_start = start + prefix_len;
    let header_end = match pem_boundary(hay, label_start, eof) {
        Err(()) => return Verdict::Incomplete,
        Ok(None) => return Verdict::No,
        Ok(Some((dashes, end))) => {
            if !hay[label_start..dashes].ends_with(b"PRIVATE KEY") {
                return Verdict::No;
            }
            end
        }
    };
    let cap = start + PEM_CAP;
    let mut i = header_end;
    loop {
        if i >= cap {
            return Verdict::Yes(cap, "private_key");
        }
        let Some(&b) = hay.get(i) else {
            return if eof {
                Verdict::Yes(i, "private_key")
            } else {
                Verdict::Incomplete
            };
        };
        if b == b'-'
            && hay[i..].starts_with(b"-----END ")
            && let Ok(boundary) = pem_boundary(hay, i + 9, eof)
        {
            // The END line may itself be cut off by the buffer: wait for it.
            match boundary {
                Some((_, end)) if end <= cap => return Verdict::Yes(end, "private_key"),
                _ => {}
            }
        } else if b == b'-' && hay[i..].starts_with(b"-----END ") {
            return Verdict::Incomplete;
        }
        let body = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'+' | b'/'
                    | b'='
                    | b'\n'
                    | b'\r'
                    | b'\t'
                    | b' '
                    | b'\\'
                    | b':'
                    | b','
                    | b'-'
                    | b'.'
            );
        if !body {
            return Verdict::Yes(i, "private_key");
        }
        i += 1;
    }
}
