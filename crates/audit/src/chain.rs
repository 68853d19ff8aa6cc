//! How a line is sealed: the line layout shared by the writer and the verifier, and the two
//! ways to compute the seal.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The `prev` of a file's first line.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What introduces the seal at the end of every line.
const HASH_KEY: &str = ",\"hash\":\"";
/// Hex digits of a SHA-256 / HMAC-SHA256 value.
const HEX_LEN: usize = 64;
/// `,"hash":"<64 hex>"}`
pub(crate) const SEAL_LEN: usize = HASH_KEY.len() + HEX_LEN + 2;

/// How lines are sealed.
#[derive(Clone)]
pub enum Chain {
    /// Plain SHA-256: shows accidental damage and edits by someone who does not recompute the
    /// chain; anyone who can write the file can recompute it.
    Sha256,
    /// HMAC-SHA256 keyed by `CODEX_AUDIT_KEY`: without the key the chain cannot be recomputed.
    HmacSha256(Vec<u8>),
}

impl std::fmt::Debug for Chain {
    // Never shows the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Chain {
    /// `Sha256`, or HMAC keyed by `key` when there is a non-empty one.
    pub fn from_key(key: Option<&str>) -> Chain {
        match key {
            Some(key) if !key.is_empty() => Chain::HmacSha256(key.as_bytes().to_vec()),
            _ => Chain::Sha256,
        }
    }

    /// The value of a line's `chain` field.
    pub fn name(&self) -> &'static str {
        match self {
            Chain::Sha256 => "sha256",
            Chain::HmacSha256(_) => "hmac-sha256",
        }
    }

    /// The seal of `body` (a line up to its `,"hash":`), in lowercase hex.
    pub fn seal(&self, body: &[u8]) -> String {
        match self {
            Chain::Sha256 => hex::encode(Sha256::digest(body)),
            Chain::HmacSha256(key) => {
                // HMAC takes keys of any length; this cannot fail.
                match Hmac::<Sha256>::new_from_slice(key) {
                    Ok(mut mac) => {
                        mac.update(body);
                        hex::encode(mac.finalize().into_bytes())
                    }
                    Err(_) => hex::encode(Sha256::digest(body)),
                }
            }
        }
    }
}

/// A line (without its newline) split into the sealed body and the seal's hex, when it ends
/// the way every written line does.
pub(crate) fn split_seal(line: &[u8]) -> Option<(&[u8], &str)> {
    let at = line.len().checked_sub(SEAL_LEN)?;
    let (body, seal) = line.split_at(at);
    let hex = seal
        .strip_prefix(HASH_KEY.as_bytes())?
        .strip_suffix(b"\"}")?;
    let hex = std::str::from_utf8(hex).ok()?;
    hex.bytes()
        .all(|b| b.is_ascii_hexdigit())
        .then_some((body, hex))
}

/// The line for a record already serialised as a JSON object (`{…}`), sealed, with its
/// newline; and its seal.
pub(crate) fn seal_line(object: &str, chain: &Chain) -> (Vec<u8>, String) {
    let body = object.strip_suffix('}').unwrap_or(object);
    let seal = chain.seal(body.as_bytes());
    let mut line = Vec::with_capacity(body.len() + SEAL_LEN + 1);
    line.extend_from_slice(body.as_bytes());
    line.extend_from_slice(HASH_KEY.as_bytes());
    line.extend_from_slice(seal.as_bytes());
    line.extend_from_slice(b"\"}\n");
    (line, seal)
}

/// What the next line chains from when the last line is not one we can read a seal from
/// (damaged): its plain SHA-256, so appending still works and verify reports the damage.
pub(crate) fn fallback_prev(line: &[u8]) -> String {
    hex::encode(Sha256::digest(line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_lines_split_back() {
        let (line, seal) = seal_line(r#"{"a":1,"prev":"x"}"#, &Chain::Sha256);
        let text = std::str::from_utf8(&line).unwrap_or_default();
        assert!(text.starts_with(r#"{"a":1,"prev":"x","hash":""#));
        assert!(text.ends_with("\"}\n"));
        let (body, hex) = split_seal(&line[..line.len() - 1]).unwrap_or((b"", ""));
        assert_eq!(hex, seal);
        assert_eq!(body, br#"{"a":1,"prev":"x""#);
        assert!(serde_json::from_slice::<serde_json::Value>(&line).is_ok());
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let chain = Chain::HmacSha256(b"Jefe".to_vec());
        assert_eq!(
            chain.seal(b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(format!("{chain:?}"), "hmac-sha256");
    }
}
