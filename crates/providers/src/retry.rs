//! Backoff between attempts.

use std::time::Duration;

const BASE_DELAY_MS: u64 = 200;
const MAX_DELAY_MS: u64 = 30_000;

/// Exponential backoff with ±10 % jitter for retry number `attempt` (1-based).
pub fn backoff(attempt: u64) -> Duration {
    let exp = 2u64.saturating_pow(attempt.saturating_sub(1).min(20) as u32);
    let base = BASE_DELAY_MS.saturating_mul(exp).min(MAX_DELAY_MS);
    let jitter = 0.9 + fastrand::f64() * 0.2;
    Duration::from_millis((base as f64 * jitter) as u64)
}

/// Parses `Retry-After` given in seconds (the form model APIs use); HTTP dates are ignored.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let secs: f64 = value.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(600.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_and_caps() {
        let a = backoff(1).as_millis();
        assert!((180..=220).contains(&a), "{a}");
        let c = backoff(3).as_millis();
        assert!((720..=880).contains(&c), "{c}");
        assert!(backoff(40).as_millis() <= 33_000);
    }

    #[test]
    fn retry_after_seconds() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("99999"), Some(Duration::from_secs(600)));
    }
}
