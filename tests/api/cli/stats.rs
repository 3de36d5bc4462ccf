//! `admin stats` (buckets in a table and a chart, support and hotels figures, `--json` as the
//! REST answer), `admin stats hotel ID` and `admin stats rebuild` (the same figures again).

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::*;
use crate::contract;
use crate::helpers::*;
use crate::rooms::calls::{hotel_room, id_of};
use crate::stats::hotels::hotel_rooms;
use crate::stats::support::support_rooms;
use crate::stats::{
    DAY, Figures, HOUR, MINUTE, Script, admin_stats, ago, eventually, floor, hotel_settles,
    hotel_stats, plain, plus, rfc, stats_app, support_room,
};

contract!(
    admin_stats_shows_the_rest_answers_figures_in_a_table_and_a_chart,
    rebuild_recomputes_the_figures_the_follower_kept,
);

/// What the tests compare of an `admin stats --json` or a REST answer: the figures and the
/// totals (not those that move with the clock, like `messages_last_hour`).
fn figures(answer: &Value) -> Value {
    let keys = ["buckets", "support", "hotels", "users", "rooms", "messages"];
    let picked = keys
        .iter()
        .filter(|key| !answer[**key].is_null())
        .map(|key| (key.to_string(), plain(&answer[*key])));
    Value::Object(picked.collect())
}

/// `tigo-chat admin stats ARGS… --json`: its figures.
async fn cli_json(app: &TestApp, args: &[&str]) -> Value {
    let mut all = vec!["admin", "stats"];
    all.extend_from_slice(args);
    all.push("--json");
    let (code, out, err) = tigo(app, &all, None).await;
    assert_eq!(code, 0, "{all:?}: {err}");
    json(&out)
}

/// The length of the longest run of one repeated symbol (not a letter, digit, space, `-` or
/// `:`) on the lines that name `day` (as `MM-DD`): the day's bar in a chart.
fn bar(out: &str, day: DateTime<Utc>) -> usize {
    let name = day.format("%m-%d").to_string();
    let runs = |line: &str| {
        let mut longest = (None, 0, 0);
        for ch in line.chars() {
            let (last, run, best) = longest;
            let symbol = !ch.is_alphanumeric() && !ch.is_whitespace() && !"-:".contains(ch);
            let run = if symbol && last == Some(ch) {
                run + 1
            } else {
                usize::from(symbol)
            };
            longest = (Some(ch), run, best.max(run));
        }
        longest.2
    };
    out.lines()
        .filter(|line| line.contains(&name))
        .map(runs)
        .max()
        .unwrap_or(0)
}

/// Three days from `day`: a quiet first, a busy second (three hotel threads, six messages),
/// a third with a support thread (two messages); the hotel's id, and the follower.
#[must_use = "the follower stops when dropped"]
async fn three_days(
    app: &TestApp,
    (c, o, a): (&TestUser, &TestUser, &TestUser),
    day: DateTime<Utc>,
) -> (Uuid, TestApp) {
    let hotel = Uuid::new_v4();
    let room = id_of(&hotel_room(c, o, hotel).await);
    let support = support_room(c, a).await;
    let mut script = Script::new();
    let busy = plus(day, DAY);
    let lines: Vec<_> = (1..=6)
        .map(|h| (if h % 2 == 1 { c } else { o }, h * HOUR))
        .collect();
    script.thread(room, busy, &lines);
    script.thread(
        support,
        plus(day, 2 * DAY + HOUR),
        &[(c, 0), (a, 2 * MINUTE)],
    );
    (hotel, script.store(app).await)
}

async fn admin_stats_shows_the_rest_answers_figures_in_a_table_and_a_chart(backend: Backend) {
    let app = stats_app(backend).await;
    let (c, o, a) = (app.customer().await, app.owner().await, app.admin().await);
    let day = plus(floor(Utc::now(), DAY), -3 * DAY);
    let (hotel, _follower) = three_days(&app, (&c, &o, &a), day).await;
    let (since, until) = (rfc(day), rfc(plus(day, 3 * DAY - 1)));
    let query = format!("since={since}&until={until}");
    let (_, rest) = eventually(
        "the three days",
        async || admin_stats(&a, &query).await,
        |(_, body)| {
            let messages = |i: usize| body["buckets"][i]["messages"].clone();
            let days = [messages(0), messages(1), messages(2)];
            days == [0, 6, 2] && body["support"]["threads"] == 1 && body["hotels"]["count"] == 1
        },
    )
    .await;
    let range = ["--since", since.as_str(), "--until", until.as_str()];
    let cli = cli_json(&app, &range).await;
    let want = figures(&rest);
    assert_eq!(figures(&cli)["buckets"], want["buckets"]);
    assert_eq!(figures(&cli)["support"], want["support"]);
    assert_eq!(figures(&cli)["hotels"], want["hotels"]);
    let totals = [&cli["users"], &cli["rooms"], &cli["messages"]];
    assert_eq!(totals, [3, 2, 8], "{cli}");
    let by_hour = cli_json(&app, &[&range[..], &["--bucket", "hour"][..]].concat()).await;
    let (_, rest) = admin_stats(&a, &format!("{query}&bucket=hour")).await;
    assert_eq!(by_hour["buckets"].as_array().map(Vec::len), Some(72));
    assert_eq!(plain(&by_hour["buckets"]), plain(&rest["buckets"]));

    let (code, out, err) = tigo(&app, &[&["admin", "stats"][..], &range[..]].concat(), None).await;
    assert_eq!(code, 0, "{err}");
    let (busy, quiet) = (bar(&out, plus(day, DAY)), bar(&out, plus(day, 2 * DAY)));
    assert!(busy > quiet && quiet > 0, "bars {busy} and {quiet}:\n{out}");
    assert_eq!(bar(&out, day), 0, "no message, no bar:\n{out}");
    let (code, _, _) = tigo(&app, &["admin", "stats", "--bucket", "week"], None).await;
    assert_ne!(code, 0, "an unknown bucket");

    let (_, rest) = hotel_stats(&a, hotel).await;
    let id = hotel.to_string();
    assert_eq!(plain(&cli_json(&app, &["hotel", &id]).await), plain(&rest));
    assert_eq!(rest["label"], "within an hour", "{rest}");
    let (code, out, err) = tigo(&app, &["admin", "stats", "hotel", &id], None).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("within an hour"), "{out}");
    let (code, _, _) = tigo(&app, &["admin", "stats", "hotel", "not-a-hotel"], None).await;
    assert_ne!(code, 0, "a bad hotel id");
}

/// Everything the figures are read from: `admin stats --json` over a range, `admin stats hotel
/// ID --json` for each hotel, and the REST answers.
#[derive(Debug, PartialEq)]
struct Snapshot {
    cli: Value,
    cli_hotels: Vec<Value>,
    rest: Value,
    rest_hotels: Vec<Value>,
}

/// Where the rebuild test reads its figures: `app` as `admin`, over `range` (`--since S
/// --until U`), for `hotels`.
struct Reads<'a> {
    app: &'a TestApp,
    admin: &'a TestUser,
    range: [&'a str; 4],
    hotels: Vec<Uuid>,
}

impl Snapshot {
    /// The snapshot without the buckets' activity (messages and senders): a rebuild counts the
    /// messages still stored, so a deleted one's activity is gone after it.
    fn threads_only(&self) -> Snapshot {
        let mask = |figures: &Value| {
            let mut figures = figures.clone();
            if let Some(buckets) = figures["buckets"].as_array_mut() {
                for bucket in buckets {
                    bucket["messages"] = Value::Null;
                    bucket["active_senders"] = Value::Null;
                }
            }
            figures
        };
        Snapshot {
            cli: mask(&self.cli),
            cli_hotels: self.cli_hotels.clone(),
            rest: mask(&self.rest),
            rest_hotels: self.rest_hotels.clone(),
        }
    }

    /// Messages in the REST answer's buckets.
    fn messages(&self) -> i64 {
        self.rest["buckets"]
            .as_array()
            .map_or(0, |b| b.iter().filter_map(|b| b["messages"].as_i64()).sum())
    }
}

impl Reads<'_> {
    async fn snapshot(&self) -> Snapshot {
        let query = format!("since={}&until={}", self.range[1], self.range[3]);
        let (status, rest) = admin_stats(self.admin, &query).await;
        assert_eq!(status, 200, "{rest}");
        let mut snapshot = Snapshot {
            cli: figures(&cli_json(self.app, &self.range).await),
            cli_hotels: Vec::new(),
            rest: figures(&rest),
            rest_hotels: Vec::new(),
        };
        for hotel in &self.hotels {
            let id = hotel.to_string();
            let cli = cli_json(self.app, &["hotel", &id]).await;
            snapshot.cli_hotels.push(plain(&cli));
            snapshot
                .rest_hotels
                .push(plain(&hotel_stats(self.admin, hotel).await.1));
        }
        snapshot
    }

    /// `admin stats rebuild` (it names how many messages it went through, `stored`), then the
    /// figures are `before` again, read from the database and from the server (the buckets'
    /// activity too when `keeps_activity`: no message was deleted since it was counted).
    async fn rebuild(&self, before: &Snapshot, stored: usize, keeps_activity: bool) {
        let (code, out, err) = tigo(self.app, &["admin", "stats", "rebuild"], None).await;
        assert_eq!(code, 0, "{out}{err}");
        let count = stored.to_string();
        assert!(
            out.split(|ch: char| !ch.is_ascii_digit())
                .any(|n| n == count),
            "{stored} messages in: {out}"
        );
        let deadline = tokio::time::Instant::now() + crate::stats::SETTLE;
        loop {
            let after = self.snapshot().await;
            if after == *before
                || (!keeps_activity && after.threads_only() == before.threads_only())
            {
                return;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("after the rebuild:\n{}", differences(before, &after));
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

/// Where `after` differs from `before`, a line each: what, before, after.
fn differences(before: &Snapshot, after: &Snapshot) -> String {
    let mut lines = Vec::new();
    for (what, was, is) in [
        ("admin stats --json", &before.cli, &after.cli),
        ("GET /chat/admin/stats", &before.rest, &after.rest),
    ] {
        let keys: Vec<String> = was
            .as_object()
            .map_or(Vec::new(), |o| o.keys().cloned().collect());
        for key in keys.iter().filter(|key| was[*key] != is[*key]) {
            match (was[key].as_array(), is[key].as_array()) {
                (Some(was), Some(is)) if was.len() == is.len() => {
                    let changed = was.iter().zip(is).filter(|(was, is)| was != is);
                    for (was, is) in changed {
                        lines.push(format!("{what} {key}: {was} then {is}"));
                    }
                }
                _ => lines.push(format!("{what} {key}: {} then {}", was[key], is[key])),
            }
        }
    }
    let hotels = [
        ("admin stats hotel", &before.cli_hotels, &after.cli_hotels),
        (
            "GET response-stats",
            &before.rest_hotels,
            &after.rest_hotels,
        ),
    ];
    for (what, was, is) in hotels {
        for (was, is) in was.iter().zip(is).filter(|(was, is)| was != is) {
            lines.push(format!("{what}: {was} then {is}"));
        }
    }
    lines.join("\n")
}

async fn rebuild_recomputes_the_figures_the_follower_kept(backend: Backend) {
    let app = stats_app(backend).await;
    let (c, o, a) = (app.customer().await, app.owner().await, app.admin().await);
    let rooms = hotel_rooms(&c, &o, 3).await;
    let support = support_rooms(&app, &a, 2).await;
    let mut script = Script::new();
    let first = script.thread(
        rooms[0].1,
        ago(20 * DAY),
        &[(&c, 0), (&o, HOUR), (&o, 30 * HOUR)],
    );
    script.thread(
        rooms[0].1,
        ago(10 * DAY),
        &[(&c, 0), (&c, 2 * HOUR), (&o, 3 * HOUR)],
    );
    script.thread(
        rooms[1].1,
        ago(45 * DAY),
        &[(&c, 0), (&c, DAY + 1), (&o, 2 * DAY)],
    );
    script.say(&c, rooms[2].1, ago(2 * DAY));
    script.thread(support[0].1, ago(6 * DAY), &[(&support[0].0, 0), (&a, 90)]);
    script.say(&support[1].0, support[1].1, ago(3 * DAY));
    // With the marker's two messages.
    let stored = script.len() + 2;
    let mut follower = script.store_marked(&app, &c, &o).await;
    let (since, until) = (rfc(floor(ago(60 * DAY), DAY)), rfc(Utc::now()));
    let reads = Reads {
        app: &app,
        admin: &a,
        range: ["--since", &since, "--until", &until],
        hotels: rooms.iter().map(|r| r.0).collect(),
    };
    let before = reads.snapshot().await;
    // The rebuild alone recomputes: no follower runs meanwhile.
    follower.stop().await;
    reads.rebuild(&before, stored, true).await;

    // A deleted answer: the thread's response is the hotel's next message, 30 h on.
    let mut follower = crate::stats::follower(&app).await;
    o.api.delete(first[1]).await.expect("delete");
    let later = Figures::of(90, 2, 1, Some((30 * HOUR + 3 * HOUR) / 2), None);
    hotel_settles(&c, "its first answer deleted", rooms[0].0, &later).await;
    let deleted = reads.snapshot().await;
    assert_ne!(
        deleted.rest_hotels, before.rest_hotels,
        "the deletion shows"
    );
    follower.stop().await;
    reads.rebuild(&deleted, stored - 1, false).await;
    // The follower had counted the deleted answer as activity; the rebuild counts what is
    // stored.
    assert_eq!(reads.snapshot().await.messages(), deleted.messages() - 1);
}
