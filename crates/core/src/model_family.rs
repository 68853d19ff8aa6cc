//! Facts about known models that the wire does not tell us.

/// The context window of well-known models, by slug prefix (longest prefix first).
pub fn context_window(model: &str) -> Option<u64> {
    const TABLE: &[(&str, u64)] = &[
        ("gpt-5.1-codex-max", 272_000),
        ("gpt-5", 272_000),
        ("codex-", 200_000),
        ("o4-mini", 200_000),
        ("o3", 200_000),
        ("o1", 200_000),
        ("gpt-4.1", 1_047_576),
        ("gpt-4o", 128_000),
        ("gpt-oss", 128_000),
    ];
    let model = model.to_ascii_lowercase();
    TABLE
        .iter()
        .find(|(prefix, _)| model.starts_with(prefix))
        .map(|(_, window)| *window)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown() {
        assert_eq!(context_window("gpt-5.1-codex-max"), Some(272_000));
        assert_eq!(context_window("gpt-4o-mini"), Some(128_000));
        assert_eq!(context_window("llama3"), None);
    }
}
