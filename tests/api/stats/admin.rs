//! `GET /chat/admin/stats`: messages, active senders and new rooms in UTC buckets of a day or
//! an hour (zeros included), the last 30 days by day by default; what is refused, and to whom.

use reqwest::Method;

use super::*;
use crate::contract;
use crate::helpers::*;
use crate::rooms::calls::{hotel_room, id_of};

contract!(
    buckets_count_messages_senders_and_new_rooms_by_day_and_by_hour,
    by_default_the_last_30_days_by_day,
    unreadable_queries_are_400_and_only_admins_may_ask,
    an_until_on_a_bucket_boundary_ends_with_the_bucket_it_starts,
);

/// One bucket as the tests compare it: `(start, messages, active_senders, new_rooms)`.
pub(crate) type Row = (DateTime<Utc>, i64, i64, i64);

/// The buckets of an answer; `None` when one does not read as a bucket.
pub(crate) fn rows(body: &Value) -> Option<Vec<Row>> {
    let buckets = body["buckets"].as_array()?;
    buckets
        .iter()
        .map(|b| {
            let start = DateTime::parse_from_rfc3339(b["start"].as_str()?).ok()?;
            let count = |key: &str| b[key].as_i64();
            Some((
                start.with_timezone(&Utc),
                count("messages")?,
                count("active_senders")?,
                count("new_rooms")?,
            ))
        })
        .collect()
}

/// Every bucket of `unit` seconds from `first` to `last` (starts), zeros but for `filled`
/// (`(start, messages, active_senders)`) and the rooms created at `rooms`.
pub(crate) fn expected(
    (first, last): (DateTime<Utc>, DateTime<Utc>),
    unit: i64,
    filled: &[(DateTime<Utc>, i64, i64)],
    rooms: &[DateTime<Utc>],
) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut start = first;
    while start <= last {
        let (messages, senders) = filled
            .iter()
            .find(|(at, _, _)| *at == start)
            .map_or((0, 0), |(_, m, s)| (*m, *s));
        let new_rooms = rooms.iter().filter(|t| floor(**t, unit) == start).count();
        rows.push((start, messages, senders, new_rooms as i64));
        start = plus(start, unit);
    }
    rows
}

/// A `created_at` of a room object.
fn created(room: &Value) -> DateTime<Utc> {
    let at = room["created_at"].as_str().unwrap_or_default();
    DateTime::parse_from_rfc3339(at)
        .unwrap_or_else(|_| panic!("created_at in {room}"))
        .with_timezone(&Utc)
}

/// The users and rooms of the bucket tests: two guests, a hotel, an Admin; two hotel rooms and
/// a support room, with their creation times.
struct Cast {
    guests: [TestUser; 2],
    host: TestUser,
    admin: TestUser,
    rooms: [Uuid; 3],
    created: Vec<DateTime<Utc>>,
}

async fn cast(app: &TestApp) -> Cast {
    let guests = [app.customer().await, app.customer().await];
    let (host, admin) = (app.owner().await, app.admin().await);
    let mut created_at = Vec::new();
    let mut rooms = Vec::new();
    for guest in &guests {
        let room = hotel_room(guest, &host, Uuid::new_v4()).await;
        created_at.push(created(&room));
        rooms.push(id_of(&room));
    }
    let path = format!("/chat/rooms/{}", support_room(&guests[0], &admin).await);
    let (status, room) = crate::rooms::calls::get(&admin, &path).await;
    assert_eq!(status, 200, "{room}");
    created_at.push(created(&room));
    rooms.push(id_of(&room));
    Cast {
        guests,
        host,
        admin,
        rooms: [rooms[0], rooms[1], rooms[2]],
        created: created_at,
    }
}

/// Waits until the answer to `query`'s buckets are `want(now)` (recomputed at each try, so a
/// day that turns while waiting is no failure).
async fn buckets_settle(admin: &TestUser, query: &str, want: impl Fn(DateTime<Utc>) -> Vec<Row>) {
    let deadline = Instant::now() + SETTLE;
    loop {
        let expected = want(Utc::now());
        let (status, body) = admin_stats(admin, query).await;
        if status == 200 && rows(&body).as_ref() == Some(&expected) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{query}: expected {expected:?}; the server answers {status} {body}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

/// Stores the bucket tests' history around `day` (a UTC midnight three days back) and `hour`
/// (ten o'clock five days back): its follower.
#[must_use = "the follower stops when dropped"]
async fn history(app: &TestApp, cast: &Cast, day: DateTime<Utc>, hour: DateTime<Utc>) -> TestApp {
    let ([c1, c2], o, a) = (&cast.guests, &cast.host, &cast.admin);
    let [r1, r2, support] = cast.rooms;
    let mut script = Script::new();
    script.say(c1, r1, plus(hour, -2 * HOUR));
    let by_the_hour = [
        (c1, r1, 20),
        (c1, r1, 40),
        (o, r1, 50),
        (c2, r2, 130),
        (c2, r2, 190),
    ];
    for (who, room, minutes) in by_the_hour {
        script.say(who, room, plus(hour, minutes * MINUTE));
    }
    for (who, room, hours) in [(c1, r1, 2), (o, r1, 3), (c1, r1, 4)] {
        script.say(who, room, plus(day, hours * HOUR));
    }
    let yesterday = plus(day, 2 * DAY);
    for (who, room, minutes) in [
        (c2, r2, 60),
        (o, r2, 120),
        (c1, support, 300),
        (a, support, 360),
    ] {
        script.say(who, room, plus(yesterday, minutes * MINUTE));
    }
    script.say(c2, r2, plus(yesterday, DAY - MINUTE));
    script.store(app).await
}

async fn buckets_count_messages_senders_and_new_rooms_by_day_and_by_hour(backend: Backend) {
    let app = stats_app(backend).await;
    let cast = cast(&app).await;
    let today = floor(Utc::now(), DAY);
    let (day, hour) = (plus(today, -3 * DAY), plus(today, -5 * DAY + 10 * HOUR));
    let _follower = history(&app, &cast, day, hour).await;

    // Since one in the morning, until now (by default): from that midnight to today's.
    let query = format!("since={}&bucket=day", rfc(plus(day, HOUR)));
    let rooms = cast.created.clone();
    let filled = [(day, 3, 2), (plus(day, 2 * DAY), 5, 4)];
    buckets_settle(&cast.admin, &query, |now| {
        expected((day, floor(now, DAY)), DAY, &filled, &rooms)
    })
    .await;

    // Hours: since 10:15 until 12:30 gives the buckets of 10, 11 and 12 o'clock.
    let window = (plus(hour, 15 * MINUTE), plus(hour, 150 * MINUTE));
    let query = format!(
        "since={}&until={}&bucket=hour",
        rfc(window.0),
        rfc(window.1)
    );
    let filled = [(hour, 3, 2), (plus(hour, 2 * HOUR), 1, 1)];
    let want = expected((hour, plus(hour, 2 * HOUR)), HOUR, &filled, &[]);
    buckets_settle(&cast.admin, &query, |_| want.clone()).await;
    // `since` equal to `until`: the one bucket holding it.
    let at = rfc(plus(hour, 30 * MINUTE));
    let query = format!("since={at}&until={at}&bucket=hour");
    buckets_settle(&cast.admin, &query, |_| vec![(hour, 3, 2, 0)]).await;
}

async fn by_default_the_last_30_days_by_day(backend: Backend) {
    let app = stats_app(backend).await;
    let cast = cast(&app).await;
    let today = floor(Utc::now(), DAY);
    let (day, hour) = (plus(today, -3 * DAY), plus(today, -5 * DAY + 10 * HOUR));
    let _follower = history(&app, &cast, day, hour).await;
    let answer = eventually(
        "the default buckets",
        async || admin_stats(&cast.admin, "").await,
        |(status, body)| {
            let total: i64 = rows(body).unwrap_or_default().iter().map(|r| r.1).sum();
            *status == 200 && total == 14
        },
    )
    .await;
    let got = rows(&answer.1).expect("buckets");
    let last = floor(Utc::now(), DAY);
    // 31 buckets: the day 30 days back, through today (or, across a midnight, the day before).
    assert_eq!(got.len(), 31, "{}", answer.1);
    let ends = (got[0].0, got[30].0);
    let want = |last: DateTime<Utc>| (plus(last, -30 * DAY), last);
    assert!(
        ends == want(last) || ends == want(plus(last, -DAY)),
        "{ends:?}"
    );
    assert!(got.windows(2).all(|w| w[1].0 == plus(w[0].0, DAY)));
    let new_rooms: i64 = got.iter().map(|r| r.3).sum();
    assert_eq!(new_rooms, 3);
}

async fn unreadable_queries_are_400_and_only_admins_may_ask(backend: Backend) {
    let app = stats_app(backend).await;
    let (a, c, o) = (app.admin().await, app.customer().await, app.owner().await);
    let t = |days: i64| rfc(floor(ago(days * DAY), DAY));
    let bad = [
        "bucket=week".to_string(),
        "since=yesterday".to_string(),
        "until=2026-13-01T00:00:00Z".to_string(),
        format!("since={}&until={}", t(1), t(2)),
        // 100 days by the hour: 2,400 buckets, more than 2,000.
        format!("since={}&until={}&bucket=hour", t(100), t(0)),
    ];
    for query in &bad {
        let (status, body) = admin_stats(&a, query).await;
        assert_error(status, &body, 400);
    }
    for user in [&c, &o] {
        let (status, body) = admin_stats(user, "").await;
        assert_error(status, &body, 403);
    }
    let (status, body) = app
        .api
        .raw(Method::GET, "/chat/admin/stats", None)
        .await
        .expect("answer");
    assert_error(status, &body, 401);
}

async fn an_until_on_a_bucket_boundary_ends_with_the_bucket_it_starts(backend: Backend) {
    let app = stats_app(backend).await;
    let a = app.admin().await;
    // Up to the bucket holding `until`: a midnight is the start of its day's bucket, an
    // o'clock of its hour's.
    let midnight = floor(Utc::now(), DAY);
    for (unit, bucket) in [(DAY, "day"), (HOUR, "hour")] {
        let (since, until) = (plus(midnight, -2 * unit), plus(midnight, -unit));
        let query = format!("since={}&until={}&bucket={bucket}", rfc(since), rfc(until));
        let (status, body) = admin_stats(&a, &query).await;
        assert_eq!(status, 200, "{body}");
        let starts: Option<Vec<_>> = rows(&body).map(|r| r.iter().map(|r| r.0).collect());
        assert_eq!(starts, Some(vec![since, until]), "{query}: {body}");
    }
}
