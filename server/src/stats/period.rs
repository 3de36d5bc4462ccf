//! The period `GET /chat/admin/stats` and `tigo-chat admin stats` ask for: `since`, `until`
//! (RFC 3339) and `bucket` (`day` or `hour`), with the defaults (the last 30 days by day) and
//! the checks, worded for a 400.

use chrono::{DateTime, Duration, Utc};

use super::PeriodQuery;
use super::figures::bucket_count;
use crate::db::stats::Span;

/// Buckets one answer holds at most (83 days by hour, 5 years by day).
pub const MAX_BUCKETS: i64 = 2_000;

/// The default period's length.
const DEFAULT: Duration = Duration::days(30);

/// Reads the three parameters (absent: the defaults at `now`); every problem, each a sentence.
pub fn period(
    since: Option<&str>,
    until: Option<&str>,
    bucket: Option<&str>,
    now: DateTime<Utc>,
) -> Result<PeriodQuery, Vec<String>> {
    let mut problems = Vec::new();
    let mut time = |name: &str, text: Option<&str>| match text.map(str::trim) {
        None => None,
        Some(text) => match DateTime::parse_from_rfc3339(text) {
            Ok(at) => Some(at.with_timezone(&Utc)),
            Err(_) => {
                problems.push(format!(
                    "{name} must be an RFC 3339 time, e.g. 2026-12-01T00:00:00Z"
                ));
                None
            }
        },
    };
    let since_at = time("since", since);
    let until_at = time("until", until);
    let span = match bucket.map(str::trim) {
        None | Some("day") => Some(Span::Day),
        Some("hour") => Some(Span::Hour),
        Some(_) => {
            problems.push("bucket must be one of the following values: day, hour".to_owned());
            None
        }
    };
    let until_at = until_at.unwrap_or(now);
    let since_at = since_at.unwrap_or(until_at - DEFAULT);
    if !problems.is_empty() {
        return Err(problems);
    }
    if since_at > until_at {
        return Err(vec!["since must not be after until".to_owned()]);
    }
    let span = span.unwrap_or(Span::Day);
    if bucket_count(span, (since_at, until_at)) > MAX_BUCKETS {
        return Err(vec![format!(
            "the period holds more than {MAX_BUCKETS} buckets; use a shorter period or bucket=day"
        )]);
    }
    Ok(PeriodQuery {
        period: (since_at, until_at),
        span,
    })
}
