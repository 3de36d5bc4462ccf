//! A hotel's window (the last 30 days with 10 threads or more, else the 10 most recent threads
//! of the last 90) and its label (from the median: an hour, six hours, a day; none under 3
//! threads).

use super::hotels::hotel_rooms;
use super::*;
use crate::contract;
use crate::helpers::*;

contract!(
    thirty_days_with_ten_threads_else_the_ten_most_recent_of_ninety,
    the_label_follows_the_median_at_one_six_and_twenty_four_hours,
);

/// Threads in `room` started `days` ago (each a whole number of days), the guest writing and
/// the host answering `after` seconds later (never, with `None`); in time order.
fn threads(
    script: &mut Script,
    room: Uuid,
    (guest, host): (&TestUser, &TestUser),
    days: &[i64],
    after: Option<i64>,
) {
    let mut days = days.to_vec();
    days.sort_unstable_by(|a, b| b.cmp(a));
    for day in days {
        let start = ago(day * DAY);
        script.say(guest, room, start);
        if let Some(after) = after {
            script.say(host, room, plus(start, after));
        }
    }
}

async fn thirty_days_with_ten_threads_else_the_ten_most_recent_of_ninety(backend: Backend) {
    let app = stats_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let rooms = hotel_rooms(&c, &o, 6).await;
    let pair = (&c, &o);
    let mut script = Script::new();
    let recent = |n: i64| (1..=n).map(|i| 2 * i).collect::<Vec<_>>();
    // Twelve in 30 days, all answered in an hour; three older ones answered in three days.
    threads(&mut script, rooms[0].1, pair, &[40, 50, 60], Some(3 * DAY));
    threads(&mut script, rooms[0].1, pair, &recent(12), Some(HOUR));
    // Nine in 30 days: the tenth is the most recent older one (answered in 2 h), not those
    // answered in three days before it, nor one older than 90 days.
    threads(&mut script, rooms[1].1, pair, &[95], Some(2 * HOUR));
    threads(&mut script, rooms[1].1, pair, &[40, 50, 60], Some(3 * DAY));
    threads(&mut script, rooms[1].1, pair, &[35], Some(2 * HOUR));
    threads(&mut script, rooms[1].1, pair, &recent(9), Some(2 * HOUR));
    threads(
        &mut script,
        rooms[2].1,
        pair,
        &[40, 50, 60],
        Some(30 * MINUTE),
    );
    threads(&mut script, rooms[3].1, pair, &[100], Some(HOUR));
    // Ten in 30 days, the oldest 30 days less an hour ago; then the same an hour older.
    for (room, oldest) in [(rooms[4].1, -HOUR), (rooms[5].1, HOUR)] {
        threads(&mut script, room, pair, &[45], Some(3 * DAY));
        let start = plus(ago(30 * DAY), -oldest);
        script.thread(room, start, &[(&c, 0), (&o, HOUR)]);
        threads(&mut script, room, pair, &recent(9), Some(HOUR));
    }
    let _follower = script.store_marked(&app, &c, &o).await;
    let (hour, few) = (Some("within an hour"), Some("within a few hours"));
    let hotel = |i: usize| rooms[i].0;
    let of = Figures::of;
    hotels_settle(
        &c,
        &[
            // Twelve in 30 days.
            (hotel(0), of(30, 12, 12, Some(HOUR), hour)),
            // Nine in 30 days and the most recent older one.
            (hotel(1), of(90, 10, 10, Some(2 * HOUR), few)),
            // Three in 90 days.
            (hotel(2), of(90, 3, 3, Some(30 * MINUTE), hour)),
            // Ten in 30 days to the hour.
            (hotel(4), of(30, 10, 10, Some(HOUR), hour)),
            // Nine in 30 days and one an hour before: the 10 most recent of 90, without the
            // older one answered in three days.
            (hotel(5), of(90, 10, 10, Some(HOUR), hour)),
            // Only older than 90 days.
            (hotel(3), Figures::none()),
        ],
    )
    .await;
}

async fn the_label_follows_the_median_at_one_six_and_twenty_four_hours(backend: Backend) {
    let app = stats_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let rooms = hotel_rooms(&c, &o, 10).await;
    let pair = (&c, &o);
    let times = [HOUR, HOUR + 1, 6 * HOUR, 6 * HOUR + 1, DAY, DAY + 1];
    let mut script = Script::new();
    for ((_, room), after) in rooms.iter().zip(times) {
        threads(&mut script, *room, pair, &[3, 6, 9], Some(after));
    }
    threads(&mut script, rooms[6].1, pair, &[3, 6], Some(MINUTE));
    // Three threads, none answered: a guest writing every other day.
    threads(&mut script, rooms[7].1, pair, &[3, 5, 7], None);
    // Four: 100 s, 200 s, 7,000 s and 9,000 s; the median (200 + 7,000) / 2 is an hour.
    for (day, after) in [(12, 100), (9, 200), (6, 7_000), (3, 9_000)] {
        threads(&mut script, rooms[8].1, pair, &[day], Some(after));
    }
    // Three, one answered: the median is over the answered one.
    threads(&mut script, rooms[9].1, pair, &[12], None);
    threads(&mut script, rooms[9].1, pair, &[9], Some(MINUTE));
    threads(&mut script, rooms[9].1, pair, &[6], None);
    let _follower = script.store_marked(&app, &c, &o).await;
    let hotel = |i: usize| rooms[i].0;
    let three = |i: usize, within: i64, label: &str| {
        Figures::of(90, 3, within, Some(times[i]), Some(label))
    };
    let of = Figures::of;
    hotels_settle(
        &c,
        &[
            // Each answered in 3,600 s.
            (hotel(0), three(0, 3, "within an hour")),
            // 3,601 s.
            (hotel(1), three(1, 3, "within a few hours")),
            // 21,600 s.
            (hotel(2), three(2, 3, "within a few hours")),
            // 21,601 s.
            (hotel(3), three(3, 3, "within a day")),
            // 86,400 s.
            (hotel(4), three(4, 3, "within a day")),
            // 86,401 s.
            (hotel(5), three(5, 0, "a few days or more")),
            // Two threads: too few for a label.
            (hotel(6), of(90, 2, 2, Some(MINUTE), None)),
            // Three unanswered: no median, the slowest label.
            (hotel(7), of(90, 3, 0, None, Some("a few days or more"))),
            // Four, an even median of exactly an hour.
            (hotel(8), of(90, 4, 4, Some(HOUR), Some("within an hour"))),
            // Three, one answered: its time is the median.
            (hotel(9), of(90, 3, 1, Some(MINUTE), Some("within an hour"))),
        ],
    )
    .await;
}
