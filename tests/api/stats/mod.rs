//! Response statistics (contract v3, issue 31): a hotel's response figures, the Admin's
//! activity buckets, support first replies and their Prometheus gauges, as clients see them.
//!
//! Each test's server runs no statistics follower ([`stats_app`]). Histories are stored with
//! past timestamps directly through the store ([`Script`]), into rooms created through the
//! API, each message then put at its instant (PostgreSQL's store stamps messages with the
//! database's clock), and only then does a second instance on the same database start
//! following them ([`follower`]); the tests poll the answers (at most [`SETTLE`]) instead of
//! sleeping. A check that something is *not* counted first waits for a marker stored after
//! everything else ([`Script::store_marked`]): once the marker shows, the follower has passed
//! every message before it.

mod admin;
mod deletions;
pub(crate) mod hotels;
mod metrics;
pub(crate) mod support;
mod windows;

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use sqlx::Connection;
use tigo_server::db::{DatabaseConfig, NewMessage};
use tokio::time::Instant;
use uuid::Uuid;

use crate::helpers::*;
use crate::rooms::calls::{call, get, hotel_room, id_of};

/// How long the figures may take to follow what was stored.
pub(crate) const SETTLE: Duration = Duration::from_secs(5);
/// How often an answer is asked for again while waiting.
const POLL: Duration = Duration::from_millis(25);

pub(crate) const MINUTE: i64 = 60;
pub(crate) const HOUR: i64 = 3_600;
pub(crate) const DAY: i64 = 86_400;

/// `t + seconds`.
pub(crate) fn plus(t: DateTime<Utc>, seconds: i64) -> DateTime<Utc> {
    t + chrono::Duration::seconds(seconds)
}

/// `seconds` before now.
pub(crate) fn ago(seconds: i64) -> DateTime<Utc> {
    plus(Utc::now(), -seconds)
}

/// The start of the UTC bucket (`unit` seconds: an hour or a day) holding `t`.
pub(crate) fn floor(t: DateTime<Utc>, unit: i64) -> DateTime<Utc> {
    let start = t.timestamp().div_euclid(unit) * unit;
    DateTime::from_timestamp(start, 0).expect("a time")
}

/// `t` as the query string takes it (RFC 3339, UTC, `Z`).
pub(crate) fn rfc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Messages to store, in the order they are written down: each room's in time order.
#[derive(Default)]
pub(crate) struct Script {
    batch: Vec<NewMessage>,
}

impl Script {
    pub(crate) fn new() -> Script {
        Script::default()
    }

    /// How many messages are written down.
    pub(crate) fn len(&self) -> usize {
        self.batch.len()
    }

    /// A text message from `who` in `room` stamped `at`: its id.
    pub(crate) fn say(&mut self, who: &TestUser, room: Uuid, at: DateTime<Utc>) -> Uuid {
        let n = self.batch.len();
        let message = stored_text(who, room, format!("message {n}"), at);
        let id = message.id;
        self.batch.push(message);
        id
    }

    /// A file message (a menu sent as a PDF) from `who` in `room` stamped `at`.
    pub(crate) fn send_file(&mut self, who: &TestUser, room: Uuid, at: DateTime<Utc>) -> Uuid {
        let id = self.say(who, room, at);
        let message = self.batch.last_mut().expect("just written");
        message.message_type = tigo_common::MessageType::File;
        message.content = "menu.pdf".into();
        message.file_url = Some(format!("/chat/files/{}", Uuid::new_v4()));
        message.file_name = Some("menu.pdf".into());
        message.file_size = Some(1_024);
        id
    }

    /// `(who, seconds after start)` in `room`, from `start` on.
    pub(crate) fn thread(
        &mut self,
        room: Uuid,
        start: DateTime<Utc>,
        lines: &[(&TestUser, i64)],
    ) -> Vec<Uuid> {
        lines
            .iter()
            .map(|(who, after)| self.say(who, room, plus(start, *after)))
            .collect()
    }

    /// Stores the messages in the order written (a few large transactions), puts each at its
    /// instant, and starts a follower: keep it for as long as the test reads figures.
    #[must_use = "the follower stops when dropped"]
    pub(crate) async fn store(self, app: &TestApp) -> TestApp {
        for chunk in self.batch.chunks(1_000) {
            app.state.store.insert_messages(chunk).await.expect("store");
        }
        stamp(app, &self.batch).await;
        follower(app).await
    }

    /// [`Script::store`], with a marker thread in a hotel of its own after the messages
    /// (`guest` writes three days ago, `host` answers an hour later); returns once the marker's
    /// figures show.
    #[must_use = "the follower stops when dropped"]
    pub(crate) async fn store_marked(
        mut self,
        app: &TestApp,
        guest: &TestUser,
        host: &TestUser,
    ) -> TestApp {
        let marker = Uuid::new_v4();
        let room = id_of(&hotel_room(guest, host, marker).await);
        self.thread(room, ago(3 * DAY), &[(guest, 0), (host, HOUR)]);
        let follower = self.store(app).await;
        let expected = Figures::of(90, 1, 1, Some(HOUR), None);
        hotel_settles(guest, "the marker", marker, &expected).await;
        follower
    }
}

/// A server for the statistics tests: no statistics follower of its own.
pub(crate) async fn stats_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |config| config.stats_follow_every = None).await
}

/// A second instance on `app`'s database, following the stored messages for statistics.
pub(crate) async fn follower(app: &TestApp) -> TestApp {
    let mut config = app.state.config.clone();
    config.stats_follow_every = Some(Duration::from_millis(50));
    start(config).await
}

/// Puts each stored message of `batch` at its `created_at` (test fixtures only, as
/// [`backdate`]: the store stamps messages itself).
async fn stamp(app: &TestApp, batch: &[NewMessage]) {
    match &app.state.config.database {
        DatabaseConfig::Sqlite { path } => {
            let url = format!("sqlite://{path}");
            let mut conn = sqlx::SqliteConnection::connect(&url)
                .await
                .expect("open sqlite");
            let mut tx = conn.begin().await.expect("begin");
            for m in batch {
                sqlx::query(
                    "UPDATE chat_messages SET created_at = ?1, updated_at = ?1 WHERE id = ?2",
                )
                .bind(m.created_at.timestamp_micros())
                .bind(m.id)
                .execute(&mut *tx)
                .await
                .expect("stamp");
            }
            tx.commit().await.expect("commit");
        }
        DatabaseConfig::Postgres { url } => {
            let mut conn = sqlx::PgConnection::connect(url)
                .await
                .expect("open postgres");
            let (ids, ats): (Vec<Uuid>, Vec<DateTime<Utc>>) =
                batch.iter().map(|m| (m.id, m.created_at)).unzip();
            sqlx::query(
                "UPDATE chat_messages m SET created_at = t.at, updated_at = t.at
                 FROM UNNEST($1::uuid[], $2::timestamptz[]) AS t(id, at) WHERE m.id = t.id",
            )
            .bind(ids)
            .bind(ats)
            .execute(&mut conn)
            .await
            .expect("stamp");
        }
    }
}

/// `GET /chat/hotels/:hotel/response-stats` as `user`.
pub(crate) async fn hotel_stats(user: &TestUser, hotel: impl std::fmt::Display) -> (u16, Value) {
    get(user, &format!("/chat/hotels/{hotel}/response-stats")).await
}

/// `GET /chat/admin/stats?query` as `user`.
pub(crate) async fn admin_stats(user: &TestUser, query: &str) -> (u16, Value) {
    get(user, &format!("/chat/admin/stats?{query}")).await
}

/// What a hotel's response figures say, read from an answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Figures {
    pub window_days: i64,
    pub threads: i64,
    pub within_24h: i64,
    /// `response_rate` in ten-thousandths (a fraction read back from JSON).
    pub rate: Option<i64>,
    pub median_seconds: Option<i64>,
    pub label: Option<String>,
}

impl Figures {
    /// The figures of `threads` threads, `within` of them answered within 24 h; the rate
    /// follows (`within / threads`, none without a thread).
    pub(crate) fn of(
        window_days: i64,
        threads: i64,
        within: i64,
        median_seconds: Option<i64>,
        label: Option<&str>,
    ) -> Figures {
        Figures {
            window_days,
            threads,
            within_24h: within,
            rate: (threads > 0).then(|| (within * 10_000 + threads / 2) / threads),
            median_seconds,
            label: label.map(String::from),
        }
    }

    /// What a hotel with no counted thread shows.
    pub(crate) fn none() -> Figures {
        Figures::of(90, 0, 0, None, None)
    }

    /// The figures of `body`, an answer about `hotel`; `None` when it is not one.
    pub(crate) fn read(hotel: Uuid, body: &Value) -> Option<Figures> {
        if body["hotel_id"] != json!(hotel) {
            return None;
        }
        let rate = match &body["response_rate"] {
            Value::Null => None,
            rate => Some((rate.as_f64()? * 10_000.0).round() as i64),
        };
        let median_seconds = match &body["median_response_seconds"] {
            Value::Null => None,
            median => Some(median.as_i64()?),
        };
        let label = match &body["label"] {
            Value::Null => None,
            label => Some(label.as_str()?.to_string()),
        };
        Some(Figures {
            window_days: body["window_days"].as_i64()?,
            threads: body["threads"].as_i64()?,
            within_24h: body["responded_within_24h"].as_i64()?,
            rate,
            median_seconds,
            label,
        })
    }
}

/// Waits (at most [`SETTLE`]) until `hotel`'s figures, as `user` reads them, are `expected`;
/// `case` names the hotel in the failure.
pub(crate) async fn hotel_settles(user: &TestUser, case: &str, hotel: Uuid, expected: &Figures) {
    let deadline = Instant::now() + SETTLE;
    loop {
        let (status, body) = hotel_stats(user, hotel).await;
        let got = (status == 200)
            .then(|| Figures::read(hotel, &body))
            .flatten();
        if got.as_ref() == Some(expected) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{case}: expected {expected:?} within {SETTLE:?}; the server answers {status} {body}"
        );
        tokio::time::sleep(POLL).await;
    }
}

/// Each `(hotel, expected)` in turn, as [`hotel_settles`] (a failure names the position).
pub(crate) async fn hotels_settle(user: &TestUser, cases: &[(Uuid, Figures)]) {
    for (i, (hotel, expected)) in cases.iter().enumerate() {
        let case = format!("case {} of {}", i + 1, cases.len());
        hotel_settles(user, &case, *hotel, expected).await;
    }
}

/// Asks `probe` again (at most [`SETTLE`]) until `done` holds for its answer; returns it.
pub(crate) async fn eventually<T: std::fmt::Debug>(
    what: &str,
    mut probe: impl AsyncFnMut() -> T,
    done: impl Fn(&T) -> bool,
) -> T {
    let deadline = Instant::now() + SETTLE;
    loop {
        let got = probe().await;
        if done(&got) {
            return got;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: not within {SETTLE:?}; last answer {got:?}"
        );
        tokio::time::sleep(POLL).await;
    }
}

/// `POST /chat/rooms` of `kind` between `a` (the creator) and `b`: the room's id.
pub(crate) async fn room_of(kind: &str, a: &TestUser, b: &TestUser) -> Uuid {
    let body = json!({"type": kind, "participant1_id": a.id(), "participant2_id": b.id()});
    let (status, room) = call(a, Method::POST, "/chat/rooms", Some(body)).await;
    assert!(status == 201 || status == 200, "{kind}: {status} {room}");
    id_of(&room)
}

/// A `customer_admin` room of `customer` with the Admin `admin`.
pub(crate) async fn support_room(customer: &TestUser, admin: &TestUser) -> Uuid {
    room_of("customer_admin", customer, admin).await
}

/// `value` with every whole float written as an integer (`3600.0` → `3600`), as a JavaScript
/// client reads it.
pub(crate) fn plain(value: &Value) -> Value {
    match value {
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9e15 => json!(f as i64),
            _ => value.clone(),
        },
        Value::Array(items) => Value::Array(items.iter().map(plain).collect()),
        Value::Object(fields) => {
            Value::Object(fields.iter().map(|(k, v)| (k.clone(), plain(v))).collect())
        }
        _ => value.clone(),
    }
}
