//! Backoff between attempts, the wait a server asks for, and the notice of a retry.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

const BASE_DELAY_MS: u64 = 200;
const MAX_DELAY_MS: u64 = 30_000;

/// Exponential backoff with ±10 % jitter for retry number `attempt` (1-based).
pub fn backoff(attempt: u64) -> Duration {
    let exp = 2u64.saturating_pow(attempt.saturating_sub(1).min(20) as u32);
    let base = BASE_DELAY_MS.saturating_mul(exp).min(MAX_DELAY_MS);
    let jitter = 0.9 + fastrand::f64() * 0.2;
    Duration::from_millis((base as f64 * jitter) as u64)
}

/// A request about to be retried, for the caller to tell the user: the client itself prints
/// nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryNotice {
    pub provider: String,
    /// The server answered 429.
    pub rate_limited: bool,
    /// Why the attempt failed.
    pub reason: String,
    pub delay: Duration,
    /// The retry about to be made (1-based) and how many are allowed.
    pub attempt: u64,
    pub max: u64,
}

impl std::fmt::Display for RetryNotice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.rate_limited {
            write!(f, "rate limited by {}", self.provider)?;
        } else {
            f.write_str(&self.reason)?;
        }
        write!(
            f,
            "; retrying in {} (attempt {}/{})",
            duration_text(self.delay),
            self.attempt,
            self.max
        )
    }
}

/// Called with each [`RetryNotice`] before the client waits.
pub type RetryObserver<'a> = &'a (dyn Fn(RetryNotice) + Send + Sync);

/// A wait as a person reads it: `250 ms`, `3 s`, `1.5 s`.
pub fn duration_text(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// How long the server asks to wait before a retry: `retry-after-ms` (milliseconds, sent by
/// OpenAI) first, else `Retry-After` in seconds or as an HTTP date (counted from `now`).
pub fn requested_wait(
    retry_after_ms: Option<&str>,
    retry_after: Option<&str>,
    now: SystemTime,
) -> Option<Duration> {
    if let Some(ms) = retry_after_ms.and_then(parse_number) {
        return Some(seconds(ms / 1000.0));
    }
    let value = retry_after?;
    if let Some(secs) = parse_number(value) {
        return Some(seconds(secs));
    }
    let at = parse_http_date(value)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

fn parse_number(value: &str) -> Option<f64> {
    let n: f64 = value.trim().parse().ok()?;
    (n.is_finite() && n >= 0.0).then_some(n)
}

/// A wait too long to represent is as good as forever.
fn seconds(secs: f64) -> Duration {
    Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX)
}

/// An HTTP date in any of the three forms HTTP allows: `Sun, 06 Nov 1994 08:49:37 GMT`,
/// `Sunday, 06-Nov-94 08:49:37 GMT` and `Sun Nov  6 08:49:37 1994`.
fn parse_http_date(value: &str) -> Option<SystemTime> {
    let parts: Vec<&str> = value.split_whitespace().collect();
    let (day, month, year, time) = match parts.as_slice() {
        [_, day, month, year, time, "GMT"] => (*day, *month, *year, *time),
        [_, date, time, "GMT"] => {
            let mut fields = date.split('-');
            let (day, month, year) = (fields.next()?, fields.next()?, fields.next()?);
            (day, month, year, *time)
        }
        [_, month, day, time, year] => (*day, *month, *year, *time),
        _ => return None,
    };
    let day: u32 = day.parse().ok().filter(|d| (1..=31).contains(d))?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == month)? as u32
        + 1;
    let mut year: i64 = year.parse().ok()?;
    if year < 100 {
        // RFC 850's two-digit years.
        year += if year < 70 { 2000 } else { 1900 };
    }
    let mut hms = time.split(':').map(|n| n.parse::<u64>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + (h * 3600 + m * 60 + s) as i64;
    Some(match u64::try_from(secs) {
        Ok(secs) => UNIX_EPOCH + Duration::from_secs(secs),
        Err(_) => UNIX_EPOCH,
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn retry_after_in_seconds_is_taken_as_given() {
        let now = at(0);
        let wait = |v: &str| requested_wait(None, Some(v), now);
        assert_eq!(wait("2"), Some(Duration::from_secs(2)));
        assert_eq!(wait(" 0.5 "), Some(Duration::from_millis(500)));
        assert_eq!(wait("3600"), Some(Duration::from_secs(3600)));
        assert_eq!(wait("1e300"), Some(Duration::MAX), "no panic, no cap");
        assert_eq!(wait("-1"), None);
        assert_eq!(wait("NaN"), None);
        assert_eq!(wait("soon"), None);
    }

    #[test]
    fn retry_after_as_an_http_date_in_each_form() {
        // 2015-10-21T07:28:00Z and 1994-11-06T08:49:37Z.
        let wait = |v: &str, now: u64| requested_wait(None, Some(v), at(now));
        let ten = Some(Duration::from_secs(10));
        assert_eq!(wait("Wed, 21 Oct 2015 07:28:00 GMT", 1_445_412_470), ten);
        assert_eq!(wait("Sunday, 06-Nov-94 08:49:37 GMT", 784_111_767), ten);
        assert_eq!(wait("Sun Nov  6 08:49:37 1994", 784_111_767), ten);
        assert_eq!(
            wait("Wed, 21 Oct 2015 07:28:00 GMT", 1_445_412_490),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        assert_eq!(wait("Wed, 32 Oct 2015 07:28:00 GMT", 0), None);
        assert_eq!(wait("Wed, 21 Foo 2015 07:28:00 GMT", 0), None);
        assert_eq!(wait("Wed, 21 Oct 2015 25:28:00 GMT", 0), None);
        assert_eq!(wait("Wed, 21 Oct 2015 07:28 GMT", 0), None);
    }

    #[test]
    fn retry_after_ms_comes_first() {
        let now = at(0);
        assert_eq!(
            requested_wait(Some("250"), Some("7"), now),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            requested_wait(Some("junk"), Some("7"), now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(requested_wait(None, None, now), None);
    }

    #[test]
    fn notices_read_well() {
        let mut notice = RetryNotice {
            provider: "openai".into(),
            rate_limited: true,
            reason: "openai is rate limiting requests (429): slow down".into(),
            delay: Duration::from_secs(3),
            attempt: 1,
            max: 4,
        };
        assert_eq!(
            notice.to_string(),
            "rate limited by openai; retrying in 3 s (attempt 1/4)"
        );
        notice.rate_limited = false;
        notice.reason = "openai answered 503: down".into();
        notice.delay = Duration::from_millis(1500);
        assert_eq!(
            notice.to_string(),
            "openai answered 503: down; retrying in 1.5 s (attempt 1/4)"
        );
        assert_eq!(duration_text(Duration::from_millis(200)), "200 ms");
    }
}
