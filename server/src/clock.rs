//! Message identity and order: a process-wide clock that never repeats or goes back, so
//! messages accepted one after another get strictly increasing `(created_at, id)`.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, TimeZone, Utc};
use uuid::{Timestamp, Uuid};

static LAST_MICROS: AtomicI64 = AtomicI64::new(0);

/// The next instant: now, or one microsecond after the last one handed out.
pub fn next_instant() -> DateTime<Utc> {
    let now = Utc::now().timestamp_micros();
    let mut last = LAST_MICROS.load(Ordering::Relaxed);
    loop {
        let next = now.max(last + 1);
        match LAST_MICROS.compare_exchange_weak(last, next, Ordering::AcqRel, Ordering::Relaxed) {
            Ok(_) => return Utc.timestamp_micros(next).single().unwrap_or_else(Utc::now),
            Err(seen) => last = seen,
        }
    }
}

/// A UUIDv7 for `at`: time-ordered like the message it names.
pub fn id_at(at: DateTime<Utc>) -> Uuid {
    let secs = at.timestamp().max(0) as u64;
    let nanos = at.timestamp_subsec_nanos();
    Uuid::new_v7(Timestamp::from_unix(uuid::NoContext, secs, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_strictly_increase_even_within_one_microsecond() {
        let mut last = next_instant();
        for _ in 0..10_000 {
            let next = next_instant();
            assert!(next > last);
            last = next;
        }
    }
}
