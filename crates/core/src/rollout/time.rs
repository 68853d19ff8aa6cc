//! Timestamps without a date library: UTC for lines, local time for file names.

use std::time::{SystemTime, UNIX_EPOCH};

/// Civil date from days since 1970-01-01 (proleptic Gregorian).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// `2026-11-21T15:30:00.123Z`
pub fn utc_now() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs() as i64;
    let (y, m, d) = civil(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        s / 3600,
        (s / 60) % 60,
        s % 60,
        now.subsec_millis()
    )
}

pub fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// Local date and time: (year, month, day, `YYYY-MM-DDThh-mm-ss`).
pub fn local_stamp() -> (String, String, String, String) {
    let secs = unix_seconds();
    let (y, mo, d, h, mi, s) = local_fields(secs).unwrap_or_else(|| {
        let (y, m, d) = civil((secs as i64).div_euclid(86_400));
        let r = (secs as i64).rem_euclid(86_400);
        (y, m, d, r / 3600, (r / 60) % 60, r % 60)
    });
    (
        format!("{y:04}"),
        format!("{mo:02}"),
        format!("{d:02}"),
        format!("{y:04}-{mo:02}-{d:02}T{h:02}-{mi:02}-{s:02}"),
    )
}

/// Year, month, day, hour, minute, second in the local time zone.
#[cfg(unix)]
fn local_fields(secs: u64) -> Option<(i64, u32, u32, i64, i64, i64)> {
    let secs = secs as libc::time_t;
    // SAFETY: localtime_r writes only into the struct we pass.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&secs, &mut tm).is_null() {
            return None;
        }
        tm
    };
    Some((
        i64::from(tm.tm_year) + 1900,
        tm.tm_mon as u32 + 1,
        tm.tm_mday as u32,
        tm.tm_hour as i64,
        tm.tm_min as i64,
        tm.tm_sec as i64,
    ))
}

/// No time-zone lookup elsewhere: file names are stamped in UTC.
#[cfg(not(unix))]
fn local_fields(_secs: u64) -> Option<(i64, u32, u32, i64, i64, i64)> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil(0), (1970, 1, 1));
        assert_eq!(civil(20_413), (2025, 11, 21));
        assert_eq!(civil(11_016), (2000, 2, 29));
    }
}
