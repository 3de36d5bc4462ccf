//! The thread rules and the figures on a controlled clock: every boundary the contract names.

use chrono::{DateTime, Duration, TimeZone, Utc};
use uuid::Uuid;

use super::figures::{self, ENOUGH};
use super::threads::{Fold, bucket_of};
use crate::db::stats::{Part, Span, StatsMessage, Thread, ThreadKind, ThreadTimes};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0)
        .single()
        .expect("a valid instant")
}

fn minutes(n: i64) -> Duration {
    Duration::minutes(n)
}

/// A room's messages `(minutes after t0, part)`, folded: its threads, in order.
fn threads_of(messages: &[(i64, Option<Part>)]) -> Vec<Thread> {
    let room = Uuid::from_u128(1);
    let mut fold = Fold::new(Vec::new());
    for (i, (at, part)) in messages.iter().enumerate() {
        fold.place(&StatsMessage {
            seq: i as i64 + 1,
            id: Uuid::from_u128(100 + i as u128),
            room,
            sender: Uuid::from_u128(2),
            at: t0() + minutes(*at),
            hotel: Some(Uuid::from_u128(3)),
            kind: ThreadKind::Hotel,
            part: *part,
        });
    }
    fold.threads_and_states().0
}

const GUEST: Option<Part> = Some(Part::Writer);
const HOTEL: Option<Part> = Some(Part::Answer);
const SUPPORT: Option<Part> = None;

#[test]
fn consecutive_guest_messages_are_one_thread_answered_by_the_first_hotel_message() {
    let threads = threads_of(&[(0, GUEST), (5, GUEST), (30, HOTEL), (40, HOTEL)]);
    assert_eq!(threads.len(), 1);
    assert_eq!(threads[0].started_at, t0());
    assert_eq!(threads[0].responded_at, Some(t0() + minutes(30)));
}

#[test]
fn a_guest_message_after_an_answer_starts_a_new_thread() {
    let threads = threads_of(&[(0, GUEST), (10, HOTEL), (11, GUEST), (20, HOTEL)]);
    assert_eq!(threads.len(), 2);
    assert_eq!(threads[1].started_at, t0() + minutes(11));
    assert_eq!(threads[1].responded_at, Some(t0() + minutes(20)));
}

#[test]
fn more_than_24_hours_of_silence_starts_a_new_thread_and_the_old_one_stays_unanswered() {
    let day = 24 * 60;
    let threads = threads_of(&[(0, GUEST), (day + 1, GUEST), (day + 30, HOTEL)]);
    assert_eq!(threads.len(), 2);
    assert_eq!(threads[0].responded_at, None);
    assert_eq!(threads[0].closed_at, Some(t0() + minutes(day + 1)));
    assert_eq!(threads[1].responded_at, Some(t0() + minutes(day + 30)));
    // Exactly 24 h is not "more than 24 h": still the first thread.
    let threads = threads_of(&[(0, GUEST), (day, GUEST), (day + 30, HOTEL)]);
    assert_eq!(threads.len(), 1);
    assert_eq!(threads[0].responded_at, Some(t0() + minutes(day + 30)));
}

#[test]
fn support_stepping_into_a_hotel_room_neither_answers_nor_breaks_a_thread() {
    let threads = threads_of(&[(0, GUEST), (5, SUPPORT), (6, GUEST), (60, HOTEL)]);
    assert_eq!(threads.len(), 1);
    assert_eq!(threads[0].responded_at, Some(t0() + minutes(60)));
    assert!(threads_of(&[(0, HOTEL), (1, SUPPORT)]).is_empty());
}

#[test]
fn a_deleted_message_is_as_if_never_sent_when_the_room_is_recomputed() {
    // The guest asked twice, 25 h apart; deleting the first leaves one thread.
    let day = 24 * 60;
    assert_eq!(
        threads_of(&[(0, GUEST), (day + 60, GUEST), (day + 90, HOTEL)]).len(),
        2
    );
    let after = threads_of(&[(day + 60, GUEST), (day + 90, HOTEL)]);
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].responded_at, Some(t0() + minutes(day + 90)));
    // Deleting the answer leaves the thread waiting.
    assert_eq!(threads_of(&[(0, GUEST)])[0].responded_at, None);
}

/// A thread started `ago` before `now`, answered after `reply` (none: unanswered).
fn thread(now: DateTime<Utc>, ago: Duration, reply: Option<Duration>) -> ThreadTimes {
    let started_at = now - ago;
    ThreadTimes {
        started_at,
        responded_at: reply.map(|r| started_at + r),
        closed_at: None,
    }
}

fn hotel_at(now: DateTime<Utc>, mut threads: Vec<ThreadTimes>) -> tigo_common::ResponseStats {
    threads.sort_by_key(|t| std::cmp::Reverse(t.started_at));
    figures::hotel(Uuid::from_u128(3), &threads, now)
}

#[test]
fn a_response_at_23h59_is_within_24_hours_and_one_at_24h01_is_not() {
    let now = t0();
    let days = Duration::days;
    let f = hotel_at(
        now,
        vec![
            thread(now, days(3), Some(minutes(23 * 60 + 59))),
            thread(now, days(4), Some(minutes(24 * 60 + 1))),
            thread(now, days(5), Some(Duration::hours(24))),
        ],
    );
    assert_eq!((f.threads, f.responded_within_24h), (3, 2));
    assert_eq!(f.response_rate, Some(2.0 / 3.0));
}

#[test]
fn a_young_thread_counts_once_answered_or_once_it_waited_24_hours() {
    let now = t0();
    let young = thread(now, Duration::hours(23), None);
    let f = hotel_at(now, vec![young]);
    assert_eq!((f.threads, f.response_rate), (0, None));
    let answered = thread(now, Duration::hours(1), Some(minutes(10)));
    assert_eq!(hotel_at(now, vec![answered]).threads, 1);
    let waited = thread(now, Duration::hours(24), None);
    let f = hotel_at(now, vec![waited]);
    assert_eq!((f.threads, f.responded_within_24h), (1, 0));
    assert_eq!(f.median_response_seconds, None);
}

#[test]
fn thirty_days_with_ten_threads_or_the_ten_most_recent_of_ninety() {
    let now = t0();
    let days = Duration::days;
    let recent: Vec<ThreadTimes> = (1..=ENOUGH as i64)
        .map(|d| thread(now, days(d), Some(minutes(5))))
        .collect();
    let f = hotel_at(now, recent.clone());
    assert_eq!((f.window_days, f.threads), (30, 10));
    // Nine recent and older ones: the ten most recent of 90 days, nothing older than 90.
    let mut mixed: Vec<ThreadTimes> = recent[..9].to_vec();
    mixed.push(thread(now, days(40), Some(Duration::hours(30))));
    mixed.push(thread(now, days(50), Some(minutes(5))));
    mixed.push(thread(now, days(91), Some(minutes(5))));
    let f = hotel_at(now, mixed);
    assert_eq!(
        (f.window_days, f.threads, f.responded_within_24h),
        (90, 10, 9)
    );
    // A thread started 30 days ago exactly is outside the 30-day window.
    let mut edge = recent[..9].to_vec();
    edge.push(thread(now, days(30), Some(minutes(5))));
    assert_eq!(hotel_at(now, edge).window_days, 90);
    let none = hotel_at(now, Vec::new());
    assert_eq!((none.threads, none.window_days), (0, 90));
    assert_eq!(
        (none.response_rate, none.median_response_seconds, none.label),
        (None, None, None)
    );
}

#[test]
fn labels_change_at_one_six_and_twenty_four_hours_and_need_three_threads() {
    let now = t0();
    let label_for = |reply: Duration| {
        let threads = (1..=3)
            .map(|d| thread(now, Duration::days(d), Some(reply)))
            .collect();
        hotel_at(now, threads).label
    };
    let s = Duration::seconds;
    assert_eq!(label_for(s(3_600)).as_deref(), Some("within an hour"));
    assert_eq!(label_for(s(3_601)).as_deref(), Some("within a few hours"));
    assert_eq!(label_for(s(21_600)).as_deref(), Some("within a few hours"));
    assert_eq!(label_for(s(21_601)).as_deref(), Some("within a day"));
    assert_eq!(label_for(s(86_400)).as_deref(), Some("within a day"));
    assert_eq!(label_for(s(86_401)).as_deref(), Some("a few days or more"));
    let two = (1..=2)
        .map(|d| thread(now, Duration::days(d), Some(s(60))))
        .collect();
    assert_eq!(hotel_at(now, two).label, None);
    let unanswered = (2..=4)
        .map(|d| thread(now, Duration::days(d), None))
        .collect();
    assert_eq!(
        hotel_at(now, unanswered).label.as_deref(),
        Some("a few days or more")
    );
}

#[test]
fn medians_take_the_middle_or_the_mean_of_the_two_middles_and_p90_the_nearest_rank() {
    assert_eq!(figures::median(&[]), None);
    assert_eq!(figures::median(&[5]), Some(5));
    assert_eq!(figures::median(&[1, 2, 4]), Some(2));
    assert_eq!(figures::median(&[1, 2, 4, 9]), Some(3));
    assert_eq!(figures::p90(&[]), None);
    assert_eq!(figures::p90(&(1..=10).collect::<Vec<_>>()), Some(9));
    assert_eq!(figures::p90(&(1..=11).collect::<Vec<_>>()), Some(10));
    assert_eq!(figures::p90(&[7]), Some(7));
}

#[test]
fn buckets_start_on_the_utc_hour_or_day_and_fill_in_zeros() {
    let at = Utc
        .with_ymd_and_hms(2026, 12, 1, 9, 41, 7)
        .single()
        .expect("instant");
    assert_eq!(bucket_of(Span::Hour, at), t0());
    assert_eq!(bucket_of(Span::Day, at), t0() - Duration::hours(9));
    let period = (at, at + Duration::hours(2));
    let rooms = [at + minutes(30)];
    let b = figures::buckets(Span::Hour, period, &[], &rooms, &[], at + Duration::days(1));
    let starts: Vec<_> = b.iter().map(|b| b.start).collect();
    assert_eq!(
        starts,
        [t0(), t0() + Duration::hours(1), t0() + Duration::hours(2)]
    );
    assert_eq!(b.iter().map(|b| b.new_rooms).collect::<Vec<_>>(), [0, 1, 0]);
    assert_eq!(figures::bucket_count(Span::Hour, period), 3);
}

#[test]
fn support_threads_wait_until_answered_or_replaced() {
    let now = t0();
    let answered = thread(now, Duration::hours(5), Some(Duration::hours(2)));
    assert!(figures::waiting_at(&answered, now - Duration::hours(4)));
    assert!(!figures::waiting_at(&answered, now - Duration::hours(3)));
    let mut replaced = thread(now, Duration::days(3), None);
    replaced.closed_at = Some(now - Duration::days(1));
    assert!(!figures::waiting_at(&replaced, now));
    let s = figures::support(&[answered, replaced], (now - Duration::days(7), now), now);
    assert_eq!((s.threads, s.first_reply_seconds.median), (2, Some(7_200)));
}

#[test]
fn a_hotels_figures_hold_until_a_thread_turns_24_hours_or_leaves_a_window() {
    let now = t0();
    let young = thread(now, Duration::hours(20), None);
    let answered = thread(now, Duration::days(29), Some(minutes(5)));
    assert_eq!(
        figures::valid_until(&[young, answered], now),
        now + Duration::hours(4)
    );
    assert_eq!(
        figures::valid_until(&[answered], now),
        now + Duration::days(1)
    );
    assert_eq!(figures::valid_until(&[], now), now + Duration::days(90));
    let hotels = figures::hotels(&[(4, 1), (2, 2), (10, 5), (0, 0)]);
    assert_eq!((hotels.count, hotels.median_response_rate), (3, Some(0.5)));
}
