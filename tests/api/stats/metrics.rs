//! `GET /metrics`: `tigo_support_waiting`, `tigo_support_oldest_wait_seconds` and the
//! `tigo_support_first_reply_seconds` histogram follow the support threads (hotel threads
//! are not support's).

use super::hotels::hotel_rooms;
use super::support::support_rooms;
use super::*;
use crate::contract;
use crate::helpers::*;

contract!(support_gauges_and_the_first_reply_histogram_follow_the_threads);

const WAITING: &str = "tigo_support_waiting";
const OLDEST: &str = "tigo_support_oldest_wait_seconds";
const REPLIES: &str = "tigo_support_first_reply_seconds";

async fn scrape(app: &TestApp) -> String {
    let response = reqwest::get(format!("{}/metrics", app.url))
        .await
        .expect("metrics");
    assert_eq!(response.status(), 200);
    response.text().await.expect("metrics text")
}

/// The value of `series` (a name with its labels, as written) in `scrape`.
fn sample(scrape: &str, series: &str) -> Option<f64> {
    scrape.lines().find_map(|line| {
        let value = line.strip_prefix(series)?.strip_prefix(' ')?;
        value.trim().parse().ok()
    })
}

/// `(le, cumulative count)` of each bucket of the histogram `name`.
fn buckets(scrape: &str, name: &str) -> Vec<(f64, f64)> {
    let prefix = format!("{name}_bucket{{");
    scrape
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix(&prefix)?;
            let le = rest.split("le=\"").nth(1)?.split('"').next()?;
            let le = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().ok()?
            };
            let count = rest.rsplit(' ').next()?.parse().ok()?;
            Some((le, count))
        })
        .collect()
}

/// Asserts the first-reply histogram holds `observed` (seconds) and nothing else: count, sum
/// (within `slack` seconds) and each bucket (but those within a second of an observation).
fn assert_histogram(scrape: &str, observed: &[f64], slack: f64) {
    let count = sample(scrape, &format!("{REPLIES}_count"));
    assert_eq!(count, Some(observed.len() as f64), "_count:\n{scrape}");
    let sum = sample(scrape, &format!("{REPLIES}_sum")).expect("_sum");
    let want: f64 = observed.iter().sum();
    assert!(
        (want..=want + slack).contains(&sum),
        "_sum {sum}, not {want}"
    );
    let buckets = buckets(scrape, REPLIES);
    assert!(buckets.len() >= 2, "buckets:\n{scrape}");
    assert_eq!(buckets.last().map(|b| b.0), Some(f64::INFINITY));
    for (le, got) in buckets {
        if observed.iter().any(|x| (le - x).abs() <= 1.0 + slack) {
            continue;
        }
        let below = observed.iter().filter(|x| **x <= le).count() as f64;
        assert_eq!(got, below, "bucket le={le}, observed {observed:?}");
    }
}

/// Asserts a server that found no thread yet: the three series, none waiting, none observed.
fn assert_fresh(scrape: &str) {
    for (kind, name) in [
        ("gauge", WAITING),
        ("gauge", OLDEST),
        ("histogram", REPLIES),
    ] {
        let typed = format!("# TYPE {name} {kind}\n");
        assert!(scrape.contains(&typed), "{name}:\n{scrape}");
    }
    assert_eq!(sample(scrape, WAITING), Some(0.0));
    assert_eq!(sample(scrape, OLDEST), Some(0.0));
    assert_histogram(scrape, &[], 0.0);
}

/// Scrapes `server` until `waiting` threads wait and `replies` were observed; then asserts the
/// oldest waits `oldest` seconds (or the few more that passed since `t0`).
async fn scraped_when(
    server: &TestApp,
    (waiting, replies): (f64, f64),
    oldest: i64,
    t0: DateTime<Utc>,
) -> String {
    let count = format!("{REPLIES}_count");
    let scraped = eventually(
        "the support series",
        async || scrape(server).await,
        |s: &String| sample(s, WAITING) == Some(waiting) && sample(s, &count) == Some(replies),
    )
    .await;
    let slack = (Utc::now() - t0).num_seconds() as f64 + 1.0;
    let got = sample(&scraped, OLDEST).expect("oldest wait");
    let oldest = oldest as f64;
    assert!(
        (oldest..=oldest + slack).contains(&got),
        "oldest wait {got}, not {oldest}"
    );
    scraped
}

async fn support_gauges_and_the_first_reply_histogram_follow_the_threads(backend: Backend) {
    let app = stats_app(backend).await;
    let (a, o) = (app.admin().await, app.owner().await);
    assert_fresh(&scrape(&app).await);

    let rooms = support_rooms(&app, &a, 4).await;
    let hotel = hotel_rooms(&rooms[0].0, &o, 1).await[0].1;
    let t0 = Utc::now();
    let (long_wait, short_wait) = (3 * HOUR + 17 * MINUTE, HOUR);
    let mut script = Script::new();
    // A hotel's thread, answered and unanswered: not support's.
    script.thread(hotel, plus(t0, -6 * DAY), &[(&rooms[0].0, 0), (&o, 100)]);
    script.say(&rooms[0].0, hotel, plus(t0, -4 * HOUR));
    let guest = |i: usize| &rooms[i].0;
    script.thread(rooms[0].1, plus(t0, -2 * HOUR), &[(guest(0), 0), (&a, 30)]);
    script.thread(
        rooms[1].1,
        plus(t0, -5 * DAY),
        &[(guest(1), 0), (&a, 2 * HOUR)],
    );
    let waiting_since = plus(t0, -long_wait);
    script.say(guest(2), rooms[2].1, waiting_since);
    script.say(guest(3), rooms[3].1, plus(t0, -short_wait));
    // Its follower finds the replies: the histogram is that instance's.
    let follower = script.store(&app).await;
    let scraped = scraped_when(&follower, (2.0, 2.0), long_wait, t0).await;
    assert_histogram(&scraped, &[30.0, 7_200.0], 0.0);

    // The Admin answers the longest wait through the API.
    let reply = send(&a, rooms[2].1, "Here to help!").await;
    let answered = (reply.created_at - waiting_since).num_seconds() as f64;
    let scraped = scraped_when(&follower, (1.0, 3.0), short_wait, t0).await;
    assert_histogram(&scraped, &[30.0, 7_200.0, answered], 1.0);
}
