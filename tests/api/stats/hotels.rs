//! `GET /chat/hotels/:hotelId/response-stats`: what a thread is, when its response came, who
//! answers for the hotel, which threads are counted yet, and who may ask.

use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

use super::support::admin_hotels_settle;
use super::*;
use crate::contract;
use crate::helpers::*;
use crate::rooms::calls::{
    add_member, add_staff, clerk, companion, get, hotel_room, id_of, registered_hotel,
};

contract!(
    a_response_within_24_hours_counts_to_the_second_and_young_threads_wait,
    consecutive_guest_messages_are_one_thread_until_a_day_of_silence,
    staff_answer_for_the_hotel_companions_write_for_the_guest_and_agents_are_ignored,
    an_unanswered_thread_is_counted_once_it_is_a_day_old,
    any_signed_in_user_reads_any_hotels_figures_and_bad_requests_are_refused,
);

/// `n` hotels nobody registered, each with a room of `guest` and `host`: `(hotel, room)`.
pub(crate) async fn hotel_rooms(guest: &TestUser, host: &TestUser, n: usize) -> Vec<(Uuid, Uuid)> {
    let mut rooms = Vec::with_capacity(n);
    for _ in 0..n {
        let hotel = Uuid::new_v4();
        rooms.push((hotel, id_of(&hotel_room(guest, host, hotel).await)));
    }
    rooms
}

async fn a_response_within_24_hours_counts_to_the_second_and_young_threads_wait(backend: Backend) {
    let app = stats_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let rooms = hotel_rooms(&c, &o, 8).await;
    let mut script = Script::new();
    let old = ago(10 * DAY);
    let answered_after = [DAY - MINUTE, DAY, DAY + MINUTE];
    for (&(_, room), after) in rooms.iter().zip(answered_after) {
        script.thread(room, old, &[(&c, 0), (&o, after)]);
    }
    // 24 h and 0.9 s: whole seconds, rounded down, so 86,400 s, within 24 h.
    script.say(&c, rooms[3].1, old);
    script.say(
        &o,
        rooms[3].1,
        old + chrono::Duration::milliseconds(DAY * 1_000 + 900),
    );
    script.say(&c, rooms[4].1, ago(25 * HOUR));
    script.thread(rooms[5].1, ago(3 * HOUR), &[(&c, 0), (&o, HOUR)]);
    script.thread(rooms[6].1, ago(5 * DAY), &[(&c, 0), (&o, 2 * HOUR)]);
    script.say(&c, rooms[6].1, ago(HOUR));
    script.say(&c, rooms[7].1, ago(23 * HOUR));
    let _follower = script.store_marked(&app, &c, &o).await;
    let hotel = |i: usize| rooms[i].0;
    let of = Figures::of;
    hotels_settle(
        &c,
        &[
            // Answered in 23 h 59 min.
            (hotel(0), of(90, 1, 1, Some(DAY - MINUTE), None)),
            // Answered in exactly 24 h.
            (hotel(1), of(90, 1, 1, Some(DAY), None)),
            // Answered in 24 h 1 min.
            (hotel(2), of(90, 1, 0, Some(DAY + MINUTE), None)),
            // Answered in 24 h 0.9 s.
            (hotel(3), of(90, 1, 1, Some(DAY), None)),
            // Unanswered for 25 h.
            (hotel(4), of(90, 1, 0, None, None)),
            // A young thread answered.
            (hotel(5), of(90, 1, 1, Some(HOUR), None)),
            // A young thread after an answered one.
            (hotel(6), of(90, 1, 1, Some(2 * HOUR), None)),
        ],
    )
    .await;
    // Followed (the marker came after it), and still not counted.
    hotel_settles(&c, "unanswered for 23 h", hotel(7), &Figures::none()).await;
}

async fn consecutive_guest_messages_are_one_thread_until_a_day_of_silence(backend: Backend) {
    let app = stats_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let rooms = hotel_rooms(&c, &o, 6).await;
    let start = ago(10 * DAY);
    let histories: [&[(&TestUser, i64)]; 6] = [
        &[(&c, 0), (&c, HOUR), (&c, 5 * HOUR), (&o, 6 * HOUR)],
        &[(&c, 0), (&c, DAY), (&o, DAY + HOUR)],
        &[(&c, 0), (&c, DAY + 1), (&o, DAY + 1 + HOUR)],
        &[(&c, 0), (&o, 100), (&c, HOUR), (&o, HOUR + 301)],
        &[(&o, 0), (&c, HOUR), (&o, HOUR + 30 * MINUTE)],
        &[(&c, 0), (&o, HOUR), (&o, 2 * HOUR), (&c, 3 * HOUR)],
    ];
    let mut script = Script::new();
    for ((_, room), lines) in rooms.iter().zip(histories) {
        script.thread(*room, start, lines);
    }
    let _follower = script.store_marked(&app, &c, &o).await;
    let hotel = |i: usize| rooms[i].0;
    let of = Figures::of;
    hotels_settle(
        &c,
        &[
            // Three guest messages in a row: timed from the first.
            (hotel(0), of(90, 1, 1, Some(6 * HOUR), None)),
            // The guest again after exactly 24 h, not more: still the first thread.
            (hotel(1), of(90, 1, 0, Some(DAY + HOUR), None)),
            // The guest again after 24 h and 1 s: the first thread was replaced before any
            // response, unanswered for good.
            (hotel(2), of(90, 2, 1, Some(HOUR), None)),
            // The guest again after the hotel answered: two threads, 100 s and 301 s, and
            // the median 200.5 s rounded down.
            (hotel(3), of(90, 2, 2, Some(200), None)),
            // The hotel wrote first.
            (hotel(4), of(90, 1, 1, Some(30 * MINUTE), None)),
            // The hotel wrote twice: the first is the response; the guest's later message
            // opens a second thread, never answered.
            (hotel(5), of(90, 2, 1, Some(HOUR), None)),
        ],
    )
    .await;
}

async fn staff_answer_for_the_hotel_companions_write_for_the_guest_and_agents_are_ignored(
    backend: Backend,
) {
    let app = stats_app(backend).await;
    let (c, o, friend) = (
        app.customer().await,
        app.owner().await,
        app.customer().await,
    );
    let (desk, agent) = (clerk(&app).await, app.admin().await);
    let registered = registered_hotel(&app, &o).await;
    let (status, body) = add_staff(&o, registered, desk.id()).await;
    assert_eq!(status, 200, "{body}");
    let team = id_of(&hotel_room(&c, &o, registered).await);
    let rooms = hotel_rooms(&c, &o, 5).await;
    companion(&c, rooms[0].1, &friend).await;
    for (_, room) in &rooms[1..4] {
        let (status, body) = add_member(&agent, *room, agent.id(), "agent").await;
        assert_eq!(status, 201, "{body}");
    }
    let start = ago(8 * DAY);
    let mut script = Script::new();
    script.thread(team, start, &[(&c, 0), (&desk, 30 * MINUTE)]);
    script.thread(rooms[0].1, start, &[(&friend, 0), (&o, 2 * HOUR)]);
    script.thread(
        rooms[1].1,
        start,
        &[(&c, 0), (&agent, 10 * MINUTE), (&o, HOUR)],
    );
    // The agent's message is not "the previous message": the guest's second message comes
    // 25 h after their first, so it starts a thread of its own.
    script.thread(
        rooms[2].1,
        start,
        &[
            (&c, 0),
            (&agent, 23 * HOUR),
            (&c, 25 * HOUR),
            (&o, 26 * HOUR),
        ],
    );
    script.say(&agent, rooms[3].1, start);
    script.say(&c, rooms[4].1, start);
    script.send_file(&o, rooms[4].1, plus(start, 20 * MINUTE));
    let _follower = script.store_marked(&app, &c, &o).await;
    let of = Figures::of;
    hotels_settle(
        &c,
        &[
            // Staff answer for the hotel.
            (registered, of(90, 1, 1, Some(30 * MINUTE), None)),
            // A companion writes.
            (rooms[0].0, of(90, 1, 1, Some(2 * HOUR), None)),
            // An agent answers nothing.
            (rooms[1].0, of(90, 1, 1, Some(HOUR), None)),
            // An agent's message between the guest's two, 25 h apart.
            (rooms[2].0, of(90, 2, 1, Some(HOUR), None)),
            // A file answers.
            (rooms[4].0, of(90, 1, 1, Some(20 * MINUTE), None)),
            // An agent alone starts nothing.
            (rooms[3].0, Figures::none()),
        ],
    )
    .await;
}

async fn an_unanswered_thread_is_counted_once_it_is_a_day_old(backend: Backend) {
    let app = stats_app(backend).await;
    let (c, o, a) = (app.customer().await, app.owner().await, app.admin().await);
    let rooms = hotel_rooms(&c, &o, 1).await;
    let (hotel, room) = rooms[0];
    // A day old in 4 s.
    let a_day_old = plus(Utc::now(), 4);
    let mut script = Script::new();
    script.say(&c, room, plus(a_day_old, -DAY));
    let _follower = script.store_marked(&app, &c, &o).await;
    if Utc::now() < plus(a_day_old, -1) {
        let (status, body) = hotel_stats(&c, hotel).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(Figures::read(hotel, &body), Some(Figures::none()), "{body}");
    }
    let wait = (a_day_old - Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait).await;
    let expected = Figures::of(90, 1, 0, None, None);
    hotel_settles(&c, "a day old, unanswered", hotel, &expected).await;
    // The Admin figures follow too, with no new message: the marker's hotel (1.0) and this
    // one (0.0).
    admin_hotels_settle(&a, "", (2, 0.5)).await;
}

async fn any_signed_in_user_reads_any_hotels_figures_and_bad_requests_are_refused(
    backend: Backend,
) {
    let app = stats_app(backend).await;
    let (c, o, a) = (app.customer().await, app.owner().await, app.admin().await);
    let stranger = app.customer().await;
    let rooms = hotel_rooms(&c, &o, 1).await;
    let (hotel, room) = rooms[0];
    let mut script = Script::new();
    script.thread(room, ago(2 * DAY), &[(&c, 0), (&o, 45 * MINUTE)]);
    let _follower = script.store_marked(&app, &c, &o).await;
    let expected = Figures::of(90, 1, 1, Some(45 * MINUTE), None);
    for user in [&c, &o, &a, &stranger] {
        hotel_settles(user, "read by anyone signed in", hotel, &expected).await;
    }
    // A hotel no room carries: zeros and nulls.
    let unknown = Uuid::new_v4();
    let (status, body) = hotel_stats(&stranger, unknown).await;
    assert_eq!(status, 200, "{body}");
    let none = json!({"hotel_id": unknown, "window_days": 90, "threads": 0,
                      "responded_within_24h": 0, "response_rate": null,
                      "median_response_seconds": null, "label": null});
    assert_eq!(body, none);
    for bad in [
        "not-a-uuid",
        "12345",
        "00000000-0000-0000-0000-00000000000g",
    ] {
        let (status, body) = hotel_stats(&c, bad).await;
        assert_error(status, &body, 400);
    }
    let path = format!("/chat/hotels/{hotel}/response-stats");
    let (status, body) = app.api.raw(Method::GET, &path, None).await.expect("answer");
    assert_error(status, &body, 401);
    let (status, doc) = get(&c, "/openapi.json").await;
    assert_eq!(status, 200);
    for path in ["/chat/hotels/{hotelId}/response-stats", "/chat/admin/stats"] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} documented");
    }
}
