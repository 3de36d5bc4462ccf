//! SIGKILL during a burst of sends: nothing acknowledged is lost, and what follows the stored
//! messages (the search follower) completes after the restart, each message applied once.

use std::time::Duration;

use tigo_client::Api;

use super::process::{assert_none_lost, spawn_senders, stored_ids};
use super::*;
use crate::contract;
use crate::search::follow::index_entries_in;

/// `tigo_search_lag_messages` from the server's `/metrics`.
async fn search_lag(url: &str) -> Option<i64> {
    let text = reqwest::get(format!("{url}/metrics"))
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("tigo_search_lag_messages "))
        .and_then(|v| v.trim().parse().ok())
}

async fn a_kill_9_during_a_burst_leaves_the_followers_to_complete_after_the_restart(
    backend: Backend,
) {
    let db = fresh_db(backend).await;
    let port = free_port();
    // The follower takes its first step at start, with nothing stored, and then waits a minute:
    // the whole burst is still behind it when the process dies.
    let mut server =
        Server::start(&db.database_url(), port, &[("SEARCH_FOLLOW_EVERY", "60s")]).await;
    let (sender_token, receiver_token, room) = two_users(&db, &server.url).await;
    // At most 960 in all: search counts up to 1,000 matches, and every one is counted below.
    let senders = spawn_senders(&server.url, &sender_token, room, (4, 240)).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let behind = search_lag(&server.url).await.expect("lag on /metrics");
    server.kill9();
    let mut acked = Vec::new();
    for s in senders {
        acked.extend(s.await.expect("sender"));
    }
    assert!(
        acked.len() > 20,
        "a burst was acknowledged ({})",
        acked.len()
    );
    assert!(behind > 0, "the follower was behind at the kill");

    let server = Server::start(&db.database_url(), port, &[]).await;
    let mut lag = None;
    for _ in 0..200 {
        lag = search_lag(&server.url).await;
        if lag == Some(0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(lag, Some(0), "the follower caught up after the restart");
    let stored = stored_ids(&server.url, &receiver_token, room).await;
    assert_none_lost(&stored, &acked);
    let api = Api::new(&server.url)
        .expect("api")
        .with_token(&receiver_token);
    let page = api.search("burst", "limit=1").await.expect("search");
    assert_eq!(
        page.total as usize,
        stored.len(),
        "every stored message is found"
    );
    assert_eq!(
        index_entries_in(&db.config, "burst").await as usize,
        stored.len(),
        "each indexed once"
    );
}

contract!(a_kill_9_during_a_burst_leaves_the_followers_to_complete_after_the_restart);
