//! Token usage as both wires report it, under their own names.

use codex_protocol::TokenUsage;
use serde_json::Value;

/// Where a wire puts its counts (cached tokens and reasoning tokens sit in the details objects).
pub struct UsageKeys {
    pub input: &'static str,
    pub output: &'static str,
    pub input_details: &'static str,
    pub output_details: &'static str,
}

pub fn parse(u: &Value, keys: UsageKeys) -> TokenUsage {
    let n = |v: Option<&Value>| v.and_then(Value::as_u64).unwrap_or(0);
    let input = n(u.get(keys.input));
    let output = n(u.get(keys.output));
    TokenUsage {
        input_tokens: input,
        cached_input_tokens: n(u
            .get(keys.input_details)
            .and_then(|d| d.get("cached_tokens"))),
        cache_write_input_tokens: 0,
        output_tokens: output,
        reasoning_output_tokens: n(u
            .get(keys.output_details)
            .and_then(|d| d.get("reasoning_tokens"))),
        total_tokens: u
            .get("total_tokens")
            .and_then(Value::as_u64)
            .unwrap_or(input + output),
    }
}
