//! The redactor: each kind of secret, look-alikes that stay, and streams split anywhere.

use codex_secrets::{PEM_CAP, Redactor, TOKEN_CAP};
use proptest::prelude::*;

fn redactor() -> Redactor {
    Redactor::new(vec![
        ("BROKER_PASSWORD".into(), "hunter2-hunter2".into()),
        ("BROKER_PIN".into(), "1234".into()), // too short: not used
        (
            "DATABASE_URL".into(),
            "postgres://u:pw0rd-pw0rd@db/x".into(),
        ),
        ("DB_PASS".into(), "pw0rd-pw0rd".into()),
        ("LONGER".into(), "hunter2-hunter2-and-more".into()),
    ])
}

const RSA: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7V+abc/def=\nQWxhZGRpbjpvcGVuIHNlc2FtZQ==\n-----END RSA PRIVATE KEY-----";

fn one_shot(r: &Redactor, input: &[u8]) -> Vec<u8> {
    r.redact_bytes(input).into_owned()
}

fn streamed(r: &Redactor, chunks: &[&[u8]]) -> Vec<u8> {
    let mut stream = r.stream();
    let mut out = Vec::new();
    for chunk in chunks {
        out.extend(stream.feed(chunk));
    }
    out.extend(stream.finish());
    out
}

#[test]
fn named_values_by_name_longest_first() {
    let r = redactor();
    assert_eq!(r.named_count(), 4);
    assert_eq!(
        r.redact("pw=hunter2-hunter2 pin=1234 long=hunter2-hunter2-and-more"),
        "pw=[REDACTED:BROKER_PASSWORD] pin=1234 long=[REDACTED:LONGER]"
    );
    assert_eq!(
        r.redact("url postgres://u:pw0rd-pw0rd@db/x, alone pw0rd-pw0rd"),
        "url [REDACTED:DATABASE_URL], alone [REDACTED:DB_PASS]"
    );
}

#[test]
fn every_shape() {
    let r = Redactor::shapes_only();
    let cases = [
        ("sk-abcdefghijklmnopqrstuvwxyz012345", "openai_key"),
        ("sk-proj-Abc_def-ghijklmnopqrstuvwxyz0123", "openai_key"),
        (
            "sk-ant-api03-abcdefghijklmnopqrstuvwxyz-AB_c",
            "anthropic_key",
        ),
        ("ghp_abcdefghijklmnopqrstuvwxyz0123456789", "github_token"),
        ("gho_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", "github_token"),
        ("ghs_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", "github_token"),
        (
            "github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuvwxyzABCDEFGHIJ",
            "github_token",
        ),
        ("xoxb-123456789012-abcdefABCDEF", "slack_token"),
        ("xoxp-1234567890-abc", "slack_token"),
        ("AKIAIOSFODNN7EXAMPLE", "aws_access_key"),
        ("ASIAY34FZKBOKMUTVV7A", "aws_access_key"),
        (RSA, "private_key"),
        (
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
            "private_key",
        ),
    ];
    for (secret, name) in cases {
        let text = format!("before {secret}\nafter");
        assert_eq!(
            r.redact(&text),
            format!("before [REDACTED:{name}]\nafter"),
            "{secret}"
        );
    }
}

#[test]
fn look_alikes_stay() {
    let r = Redactor::shapes_only();
    for text in [
        "task-abcdefghijklmnopqrstuvwxyz012345", // `sk-` inside a word
        "sk-learn is a library",
        "ghp_short",
        "AKIAIOSFODNN7EXAMPLEX", // 17 characters
        "AKIAiosfodnn7example",
        "xoxb-short",
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
        "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----",
        "| ----- | ----- |",
        "",
    ] {
        assert_eq!(r.redact(text), text);
        assert!(matches!(r.redact(text), std::borrow::Cow::Borrowed(_)));
    }
}

#[test]
fn private_key_blocks_that_break_off_or_run_long() {
    let r = Redactor::shapes_only();
    // In a JSON string, with escaped newlines, up to the END line.
    let json = r#"{"private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQ+/=\n-----END PRIVATE KEY-----\n", "x": 1}"#;
    assert_eq!(
        r.redact(json),
        r#"{"private_key": "[REDACTED:private_key]\n", "x": 1}"#
    );
    // No END line: redacted up to the first byte that is no key material.
    assert_eq!(
        r.redact("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\"; rest"),
        "[REDACTED:private_key]\"; rest"
    );
    // A block longer than the cap is cut there.
    let long = format!("-----BEGIN PRIVATE KEY-----\n{}", "A".repeat(PEM_CAP * 2));
    let out = r.redact(&long);
    assert_eq!(
        out.len(),
        "[REDACTED:private_key]".len() + long.len() - PEM_CAP
    );
}

#[test]
fn tokens_are_capped() {
    let r = Redactor::shapes_only();
    let token = format!("sk-{}", "a".repeat(TOKEN_CAP + 10));
    assert_eq!(
        r.redact(&token),
        format!("[REDACTED:openai_key]{}", "a".repeat(10))
    );
}

#[test]
fn any_bytes_are_fine() {
    let r = redactor();
    let mut input: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
    input.extend_from_slice(b"\xffhunter2-hunter2\xfe");
    let out = one_shot(&r, &input);
    assert!(out.ends_with(b"\xff[REDACTED:BROKER_PASSWORD]\xfe"));
    assert_eq!(streamed(&r, &[&input]), out);
}

#[test]
fn a_secret_split_across_chunks_is_replaced() {
    let r = redactor();
    let input = format!("a hunter2-hunter2 b {RSA} c ghp_abcdefghijklmnopqrstuvwxyz0123456789 d");
    let expected = one_shot(&r, input.as_bytes());
    assert!(!String::from_utf8_lossy(&expected).contains("hunter2"));
    let bytes = input.as_bytes();
    for cut in 0..=bytes.len() {
        let (a, b) = bytes.split_at(cut);
        assert_eq!(streamed(&r, &[a, b]), expected, "cut at {cut}");
    }
    let singles: Vec<&[u8]> = bytes.chunks(1).collect();
    assert_eq!(streamed(&r, &singles), expected);
}

#[test]
fn the_stream_holds_back_only_a_possible_start() {
    let r = redactor();
    let mut stream = r.stream();
    let plain = "plain text with nothing to hide\n".repeat(4);
    let out = stream.feed(plain.as_bytes());
    // Nothing at the end could start a secret: nothing is held back.
    assert_eq!(stream.held(), 0);
    assert_eq!(out, plain.as_bytes());
    // The start of a value is held, and only that.
    assert_eq!(stream.feed(b"say hunter2-hu"), b"say ");
    assert_eq!(stream.held(), "hunter2-hu".len());
    assert_eq!(stream.feed(b"m\n"), b"hunter2-hum\n");
    assert_eq!(stream.feed(b"x gith"), b"x ");
    assert_eq!(stream.finish(), b"gith");
    let out = stream.feed(b"-----BEGIN PRIVATE KEY-----\nMIIE");
    assert!(out.is_empty() || !out.windows(5).any(|w| w == b"BEGIN"));
    assert!(stream.held() >= "-----BEGIN PRIVATE KEY-----\nMIIE".len());
}

fn fragment() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"hunter2-hunter2".to_vec()),
        Just(b"hunter2-hunter2-and-more".to_vec()),
        Just(b"hunter2-hunt".to_vec()),
        Just(b"pw0rd-pw0rd".to_vec()),
        Just(b"sk-".to_vec()),
        Just(b"sk-ant-".to_vec()),
        Just(b"ghp_".to_vec()),
        Just(b"github_pat_".to_vec()),
        Just(b"xoxb-".to_vec()),
        Just(b"AKIA".to_vec()),
        Just(b"IOSFODNN7EXAMPLE".to_vec()),
        Just(b"-----BEGIN RSA PRIVATE KEY-----".to_vec()),
        Just(b"-----END RSA PRIVATE KEY-----".to_vec()),
        Just(b"-----".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\"".to_vec()),
        "[a-zA-Z0-9_]{0,40}".prop_map(String::into_bytes),
        proptest::collection::vec(any::<u8>(), 0..8),
    ]
}

proptest! {
    #[test]
    fn streaming_equals_one_shot(
        parts in proptest::collection::vec(fragment(), 0..30),
        cuts in proptest::collection::vec(any::<usize>(), 0..6),
    ) {
        let r = redactor();
        let input: Vec<u8> = parts.concat();
        let expected = one_shot(&r, &input);
        // Every single cut...
        for cut in 0..=input.len() {
            let (a, b) = input.split_at(cut);
            prop_assert_eq!(&streamed(&r, &[a, b]), &expected, "cut at {}", cut);
        }
        // ...and a few at once.
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
        cuts.sort_unstable();
        let mut chunks = Vec::new();
        let mut from = 0;
        for cut in cuts {
            chunks.push(&input[from..cut]);
            from = cut;
        }
        chunks.push(&input[from..]);
        prop_assert_eq!(&streamed(&r, &chunks), &expected);
        // The named values never survive whole.
        prop_assert!(!expected.windows(15).any(|w| w == b"hunter2-hunter2"));
    }
}
