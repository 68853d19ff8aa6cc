//! Estimated cost of token usage, from a table of well-known prices (USD per million tokens).

use codex_protocol::TokenUsage;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Price {
    pub input: f64,
    pub cached_input: f64,
    pub output: f64,
}

const fn price(input: f64, cached_input: f64, output: f64) -> Price {
    Price {
        input,
        cached_input,
        output,
    }
}

/// Longest matching prefix wins (more specific names first).
const PRICES: &[(&str, Price)] = &[
    ("gpt-5.1-codex-mini", price(0.25, 0.025, 2.0)),
    ("gpt-5-codex-mini", price(0.25, 0.025, 2.0)),
    ("gpt-5-mini", price(0.25, 0.025, 2.0)),
    ("gpt-5-nano", price(0.05, 0.005, 0.4)),
    ("gpt-5", price(1.25, 0.125, 10.0)),
    ("gpt-4.1-mini", price(0.4, 0.1, 1.6)),
    ("gpt-4.1-nano", price(0.1, 0.025, 0.4)),
    ("gpt-4.1", price(2.0, 0.5, 8.0)),
    ("gpt-4o-mini", price(0.15, 0.075, 0.6)),
    ("gpt-4o", price(2.5, 1.25, 10.0)),
    ("o4-mini", price(1.1, 0.275, 4.4)),
    ("o3-mini", price(1.1, 0.55, 4.4)),
    ("o3", price(2.0, 0.5, 8.0)),
    ("codex-mini", price(1.5, 0.375, 6.0)),
];

pub fn known_price(model: &str) -> Option<Price> {
    let model = model.to_ascii_lowercase();
    PRICES
        .iter()
        .filter(|(prefix, _)| model.starts_with(prefix))
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(_, p)| *p)
}

/// Cached input is billed at the cached rate, the rest of the input at the full rate; reasoning
/// tokens are output tokens.
pub fn estimate(usage: &TokenUsage, price: Price) -> f64 {
    let cached = usage.cached_input_tokens.min(usage.input_tokens) as f64;
    let fresh = usage.input_tokens as f64 - cached;
    (fresh * price.input + cached * price.cached_input + usage.output_tokens as f64 * price.output)
        / 1_000_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_and_estimate() {
        assert_eq!(
            known_price("gpt-5.1-codex-max"),
            Some(price(1.25, 0.125, 10.0))
        );
        assert_eq!(
            known_price("gpt-5-mini-2025"),
            Some(price(0.25, 0.025, 2.0))
        );
        assert_eq!(known_price("llama3"), None);
        let usage = TokenUsage {
            input_tokens: 1_000_000,
            cached_input_tokens: 400_000,
            output_tokens: 100_000,
            reasoning_output_tokens: 50_000,
            total_tokens: 1_100_000,
            ..Default::default()
        };
        let cost = estimate(&usage, price(1.25, 0.125, 10.0));
        assert!((cost - (0.75 + 0.05 + 1.0)).abs() < 1e-9, "{cost}");
    }
}
