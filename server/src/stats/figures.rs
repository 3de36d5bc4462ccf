//! The figures, pure, computed from stored threads and buckets at a given `now` (so every
//! boundary is tested on a controlled clock): a hotel's response figures and label, the
//! support figures, the hotels' median rate, and a period's buckets with zeros filled in.

use chrono::{DateTime, Duration, Utc};
use tigo_common::{FirstReply, HotelsStats, ResponseStats, StatsBucket, SupportStats};
use uuid::Uuid;

use super::threads::{SILENCE, bucket_of};
use crate::db::stats::{BucketCounts, Span, ThreadTimes};

/// The usual window, and the fallback's.
pub const WINDOW: Duration = Duration::days(30);
pub const FALLBACK: Duration = Duration::days(90);
/// Threads the usual window needs, and the fallback takes.
pub const ENOUGH: usize = 10;
/// Threads a label needs.
const LABELLED: usize = 3;

/// A thread counts once answered, or once it has waited 24 h.
pub fn counted(thread: &ThreadTimes, now: DateTime<Utc>) -> bool {
    thread.responded_at.is_some() || now - thread.started_at >= SILENCE
}

/// Whole seconds to the response (rounded down).
pub fn response_seconds(thread: &ThreadTimes) -> Option<i64> {
    thread
        .responded_at
        .map(|at| (at - thread.started_at).num_seconds())
}

/// The median of sorted values: the middle one, or the mean of the two middle ones rounded
/// down.
pub fn median(sorted: &[i64]) -> Option<i64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]).div_euclid(2)),
    }
}

/// The 90th percentile of sorted values, nearest rank.
pub fn p90(sorted: &[i64]) -> Option<i64> {
    let n = sorted.len();
    (n > 0).then(|| sorted[(n * 9).div_ceil(10).max(1) - 1])
}

/// The label guests see: null under 3 threads, else from the median (no answer at all: the
/// slowest).
pub fn label(threads: usize, median: Option<i64>) -> Option<&'static str> {
    if threads < LABELLED {
        return None;
    }
    Some(match median {
        Some(s) if s <= 3_600 => "within an hour",
        Some(s) if s <= 21_600 => "within a few hours",
        Some(s) if s <= 86_400 => "within a day",
        _ => "a few days or more",
    })
}

/// A hotel's figures from its threads of the last 90 days, newest first.
pub fn hotel(hotel_id: Uuid, newest_first: &[ThreadTimes], now: DateTime<Utc>) -> ResponseStats {
    let counted: Vec<&ThreadTimes> = newest_first
        .iter()
        .filter(|t| counted(t, now) && now - t.started_at < FALLBACK)
        .collect();
    let recent = counted
        .iter()
        .take_while(|t| now - t.started_at < WINDOW)
        .count();
    let (window_days, chosen) = if recent >= ENOUGH {
        (30, &counted[..recent])
    } else {
        (90, &counted[..counted.len().min(ENOUGH)])
    };
    let mut times: Vec<i64> = chosen.iter().filter_map(|t| response_seconds(t)).collect();
    times.sort_unstable();
    let within = times
        .iter()
        .filter(|s| **s <= SILENCE.num_seconds())
        .count();
    let median = median(&times);
    ResponseStats {
        hotel_id,
        window_days,
        threads: chosen.len() as u32,
        responded_within_24h: within as u32,
        response_rate: (!chosen.is_empty()).then(|| within as f64 / chosen.len() as f64),
        median_response_seconds: median,
        label: label(chosen.len(), median).map(str::to_owned),
    }
}

/// Until when a hotel's figures hold by time alone: the first instant after `now` at which one
/// of its threads turns 24 h old unanswered or leaves the 30- or 90-day window.
pub fn valid_until(threads: &[ThreadTimes], now: DateTime<Utc>) -> DateTime<Utc> {
    threads
        .iter()
        .flat_map(|t| {
            let young = t.responded_at.is_none().then_some(t.started_at + SILENCE);
            [
                young,
                Some(t.started_at + WINDOW),
                Some(t.started_at + FALLBACK),
            ]
        })
        .flatten()
        .filter(|at| *at > now)
        .min()
        .unwrap_or(now + FALLBACK)
}

/// The hotels' figure from each hotel's `(threads, answered within 24 h)`.
pub fn hotels(rates: &[(i64, i64)]) -> HotelsStats {
    let mut each: Vec<f64> = rates
        .iter()
        .filter(|(threads, _)| *threads > 0)
        .map(|(threads, within)| *within as f64 / *threads as f64)
        .collect();
    each.sort_by(f64::total_cmp);
    let n = each.len();
    let median = match n {
        0 => None,
        _ if n % 2 == 1 => Some(each[n / 2]),
        _ => Some((each[n / 2 - 1] + each[n / 2]) / 2.0),
    };
    HotelsStats {
        count: n as i64,
        median_response_rate: median,
    }
}

/// Was the thread waiting for a first reply at `at`?
pub fn waiting_at(thread: &ThreadTimes, at: DateTime<Utc>) -> bool {
    thread.started_at <= at
        && thread.responded_at.is_none_or(|r| r > at)
        && thread.closed_at.is_none_or(|c| c > at)
}

/// The support figures of `[since, until)` from the support threads open at some time in it.
pub fn support(
    threads: &[ThreadTimes],
    (since, until): Period,
    now: DateTime<Utc>,
) -> SupportStats {
    let started: Vec<&ThreadTimes> = threads
        .iter()
        .filter(|t| t.started_at >= since && t.started_at < until && counted(t, now))
        .collect();
    let mut times: Vec<i64> = started.iter().filter_map(|t| response_seconds(t)).collect();
    times.sort_unstable();
    SupportStats {
        threads: started.len() as i64,
        first_reply_seconds: FirstReply {
            median: median(&times),
            p90: p90(&times),
        },
        waiting_now: 0,
    }
}

/// `[since, until)`.
pub type Period = (DateTime<Utc>, DateTime<Utc>);

/// Every bucket of the period, zeros included: stored counts, rooms created (`rooms`, sorted)
/// and support threads waiting at each bucket's end (at `now` for the bucket holding it).
pub fn buckets(
    span: Span,
    (since, until): Period,
    stored: &[BucketCounts],
    rooms: &[DateTime<Utc>],
    support: &[ThreadTimes],
    now: DateTime<Utc>,
) -> Vec<StatsBucket> {
    let step = match span {
        Span::Hour => Duration::hours(1),
        Span::Day => Duration::days(1),
    };
    let mut out = Vec::new();
    let mut start = bucket_of(span, since);
    while start < until || (start == since && since == until) {
        let end = start + step;
        let counts = stored
            .binary_search_by_key(&start, |b| b.start)
            .ok()
            .map(|i| &stored[i]);
        let at = end.min(now);
        out.push(StatsBucket {
            start,
            messages: counts.map_or(0, |b| b.messages),
            active_senders: counts.map_or(0, |b| b.active_senders),
            new_rooms: (rooms.partition_point(|r| *r < end) - rooms.partition_point(|r| *r < start))
                as i64,
            support_waiting: if start > now {
                0
            } else {
                support.iter().filter(|t| waiting_at(t, at)).count() as i64
            },
        });
        start = end;
    }
    out
}

/// How many buckets the period holds.
pub fn bucket_count(span: Span, (since, until): Period) -> i64 {
    let first = bucket_of(span, since);
    let step = match span {
        Span::Hour => 3_600,
        Span::Day => 86_400,
    };
    ((until - first).num_seconds() + step - 1)
        .div_euclid(step)
        .max(1)
}
