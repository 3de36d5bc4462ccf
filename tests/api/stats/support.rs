//! `GET /chat/admin/stats`, `support` and `hotels`: support threads in `customer_admin` and
//! `hotel_owner_admin` rooms (the Admin participant and agents answering), their first-reply
//! median and p90, who waits now; and every hotel's figures as guests see them now (whatever
//! the range): how many hotels have a counted thread, and the median of their response rates.

use serde_json::json;

use super::hotels::hotel_rooms;
use super::*;
use crate::contract;
use crate::helpers::*;
use crate::rooms::calls::add_member;

contract!(
    support_threads_time_first_replies_and_count_who_waits_now,
    hotels_are_every_hotel_as_guests_see_it_now_whatever_the_range,
);

/// The `support` of the answer to `query`, once it is `expected` (at most [`SETTLE`]).
async fn support_settles(admin: &TestUser, query: &str, expected: Value) -> Value {
    let (_, body) = eventually(
        "the support figures",
        async || admin_stats(admin, query).await,
        |(status, body)| *status == 200 && plain(&body["support"]) == expected,
    )
    .await;
    body
}

/// Support rooms, each of a new customer with `admin`: `(customer, room)`.
pub(crate) async fn support_rooms(
    app: &TestApp,
    admin: &TestUser,
    n: usize,
) -> Vec<(TestUser, Uuid)> {
    let mut rooms = Vec::with_capacity(n);
    for _ in 0..n {
        let guest = app.customer().await;
        let room = support_room(&guest, admin).await;
        rooms.push((guest, room));
    }
    rooms
}

async fn support_threads_time_first_replies_and_count_who_waits_now(backend: Backend) {
    let app = stats_app(backend).await;
    let (a, agent, o) = (app.admin().await, app.admin().await, app.owner().await);
    let rooms = support_rooms(&app, &a, 8).await;
    let (status, body) = add_member(&a, rooms[1].1, agent.id(), "agent").await;
    assert_eq!(status, 201, "{body}");
    let host_room = room_of("hotel_owner_admin", &o, &a).await;
    let (guest_of_hotel, hotel_room) = (&rooms[0].0, hotel_rooms(&rooms[0].0, &o, 1).await[0].1);
    let mut script = Script::new();
    // A guest waiting for a hotel is not waiting for support.
    script.say(guest_of_hotel, hotel_room, ago(4 * DAY));
    // Answered before the range: not among the threads.
    let (c, room) = (&rooms[0].0, rooms[0].1);
    script.thread(room, ago(20 * DAY), &[(c, 0), (&a, 30)]);
    // Answered in 60 s, by an agent in 600 s, 1 h, by the Admin to a hotel in 2 h, 2 days.
    script.thread(room, ago(9 * DAY), &[(c, 0), (&a, MINUTE)]);
    let (c, room) = (&rooms[1].0, rooms[1].1);
    script.thread(room, ago(8 * DAY), &[(c, 0), (&agent, 10 * MINUTE)]);
    let (c, room) = (&rooms[2].0, rooms[2].1);
    script.thread(room, ago(7 * DAY), &[(c, 0), (&a, HOUR)]);
    script.thread(host_room, ago(6 * DAY), &[(&o, 0), (&a, 2 * HOUR)]);
    let (c, room) = (&rooms[3].0, rooms[3].1);
    script.thread(room, ago(5 * DAY), &[(c, 0), (&a, 2 * DAY)]);
    // Waiting: for 40 days (before the range), replaced after two days, for 3 days, for 2 h.
    script.say(&rooms[7].0, rooms[7].1, ago(40 * DAY));
    script.thread(
        rooms[6].1,
        ago(5 * DAY),
        &[(&rooms[6].0, 0), (&rooms[6].0, 2 * DAY)],
    );
    script.say(&rooms[5].0, rooms[5].1, ago(3 * DAY));
    script.say(&rooms[4].0, rooms[4].1, ago(2 * HOUR));
    let _follower = script.store(&app).await;

    let query = format!("since={}&until={}", rfc(ago(10 * DAY)), rfc(Utc::now()));
    // Eight counted: five answered, the one waiting 3 days, and both of the replaced room;
    // nearest-rank p90 of five is the fifth.
    let expected = json!({"threads": 8, "first_reply_seconds": {"median": HOUR, "p90": 2 * DAY},
                          "waiting_now": 4});
    let body = support_settles(&a, &query, expected).await;
    let buckets = body["buckets"].as_array().expect("buckets");
    let current = buckets.last().expect("a bucket");
    assert_eq!(current["support_waiting"], 4, "waiting at now: {current}");

    // An answer through the API: one fewer waits.
    send(&a, rooms[5].1, "Sorry for the wait, how can I help?").await;
    let (_, body) = eventually(
        "waiting after an answer",
        async || admin_stats(&a, "").await,
        |(_, body)| body["support"]["waiting_now"] == 3,
    )
    .await;
    // The last 30 days: the thread answered 20 days ago too.
    assert_eq!(body["support"]["threads"], 9, "{body}");
}

/// Waits until the `hotels` of the answer to `query` are `count` hotels with the median
/// response rate `rate`.
pub(crate) async fn admin_hotels_settle(admin: &TestUser, query: &str, (count, rate): (i64, f64)) {
    eventually(
        &format!("{count} hotels, median rate {rate} ({query})"),
        async || admin_stats(admin, query).await,
        |(status, body)| {
            let hotels = &body["hotels"];
            let median = hotels["median_response_rate"].as_f64();
            *status == 200
                && hotels["count"] == count
                && median.is_some_and(|got| (got - rate).abs() < 1e-9)
        },
    )
    .await;
}

async fn hotels_are_every_hotel_as_guests_see_it_now_whatever_the_range(backend: Backend) {
    let app = stats_app(backend).await;
    let (a, c, o) = (app.admin().await, app.customer().await, app.owner().await);
    let (status, body) = admin_stats(&a, "").await;
    assert_eq!(status, 200, "{body}");
    let none = json!({"count": 0, "median_response_rate": null});
    assert_eq!(body["hotels"], none);

    let rooms = hotel_rooms(&c, &o, 6).await;
    let no_hotel = app.room(&c, &app.owner().await).await;
    let support = support_room(&c, &a).await;
    let mut script = Script::new();
    // No hotel's counted thread: one older than 90 days, one only young, one of a room without
    // a hotel, and a support room's.
    script.thread(rooms[4].1, ago(100 * DAY), &[(&c, 0), (&o, HOUR)]);
    script.say(&c, rooms[5].1, ago(HOUR));
    script.say(&c, no_hotel.id, ago(12 * DAY));
    script.thread(support, ago(12 * DAY), &[(&c, 0), (&a, HOUR)]);
    // Rates: 0.5 (answered in 2 days, then in 1 h), 1.0, 0.0, and 0.0 in the 90-day window.
    script.thread(rooms[0].1, ago(12 * DAY), &[(&c, 0), (&o, 2 * DAY)]);
    script.thread(rooms[0].1, ago(8 * DAY), &[(&c, 0), (&o, HOUR)]);
    script.thread(rooms[1].1, ago(5 * DAY), &[(&c, 0), (&o, HOUR)]);
    script.thread(rooms[2].1, ago(15 * DAY), &[(&c, 0), (&o, 3 * DAY)]);
    script.thread(rooms[3].1, ago(60 * DAY), &[(&c, 0), (&o, 3 * DAY)]);
    // With the marker's hotel (1.0): 0.0, 0.0, 0.5, 1.0, 1.0.
    let _follower = script.store_marked(&app, &c, &o).await;
    let range = |from: i64, to: i64| format!("since={}&until={}", rfc(ago(from)), rfc(ago(to)));
    let (recent, past) = (range(9 * DAY, 0), range(200 * DAY, 150 * DAY));
    for query in ["", &recent, &past] {
        admin_hotels_settle(&a, query, (5, 0.5)).await;
    }
    // The hotel answers the young thread through the API: one more hotel, at 1.0.
    send(&o, rooms[5].1, "Yes, the pool is open until 22:00.").await;
    admin_hotels_settle(&a, "", (6, 0.75)).await;
}
