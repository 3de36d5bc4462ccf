//! The search follower: a message is found shortly after its acknowledgement; an edit or a
//! delete that overtakes the follower wins; a restart resumes where the follower stopped,
//! nothing skipped, nothing twice; two instances index each message once.

use std::time::{Duration, Instant};

use sqlx::Connection;
use tigo_server::db::{DatabaseConfig, Followed};

use super::{found, indexed};
use crate::contract;
use crate::helpers::*;

/// How many times the index holds the word `word`: SQLite counts its FTS5 entries (a message
/// indexed twice would hold it twice), PostgreSQL its index rows.
async fn index_entries(app: &TestApp, word: &str) -> i64 {
    index_entries_in(&app.state.config.database, word).await
}

/// [`index_entries`] in the database `database`.
pub(crate) async fn index_entries_in(database: &DatabaseConfig, word: &str) -> i64 {
    match database {
        DatabaseConfig::Sqlite { path } => {
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
                .await
                .expect("open sqlite");
            sqlx::query(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_words
                    USING fts5vocab(main, chat_messages_fts, 'instance')",
            )
            .execute(&mut conn)
            .await
            .expect("vocabulary");
            sqlx::query_scalar("SELECT count(*) FROM temp.fts_words WHERE term = $1")
                .bind(word)
                .fetch_one(&mut conn)
                .await
                .expect("count")
        }
        DatabaseConfig::Postgres { url } => {
            let mut conn = sqlx::PgConnection::connect(url)
                .await
                .expect("open postgres");
            sqlx::query_scalar(
                "SELECT count(*) FROM message_search
                    WHERE search @@ to_tsquery('tigo_search', $1)",
            )
            .bind(word)
            .fetch_one(&mut conn)
            .await
            .expect("count")
        }
    }
}

/// The follower's steps until it has caught up (a paused server's follower, run by hand).
async fn follow_all(app: &TestApp) {
    for _ in 0..100 {
        let step = app.state.store.follow_search().await.expect("step");
        if step == Followed::CaughtUp {
            return;
        }
    }
    panic!("the follower did not catch up in 100 steps");
}

async fn a_message_is_found_within_two_seconds_of_its_acknowledgement(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let sent = send(&c, room.id, "the gondola leaves at nine").await;
    let acknowledged = Instant::now();
    while found(&c, "gondola").await.is_empty() {
        assert!(
            acknowledged.elapsed() < Duration::from_secs(2),
            "not found 2 s after the acknowledgement"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let page = c.api.search("gondola", "").await.expect("search");
    assert_eq!(page.messages[0].id, sent.id);
}

async fn an_edit_or_a_delete_before_or_after_the_follower_wins(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.search_follow_every = None).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let gone = send(&c, room.id, "parking spot number seven").await;
    let edited = send(&c, room.id, "the minibar is empty").await;
    send(&c, room.id, "a kept message").await;
    assert!(found(&c, "kept").await.is_empty(), "the follower is paused");
    c.api.delete(gone.id).await.expect("delete");
    c.api
        .edit(edited.id, "the fridge is empty")
        .await
        .expect("edit");
    follow_all(&app).await;
    assert_eq!(found(&c, "kept").await, ["a kept message"]);
    assert!(found(&c, "parking").await.is_empty());
    assert!(found(&c, "minibar").await.is_empty());
    assert!(found(&c, "mini").await.is_empty());
    assert_eq!(found(&c, "fridge").await, ["the fridge is empty"]);
    assert_eq!(found(&c, "frid").await, ["the fridge is empty"]);
    assert_eq!(index_entries(&app, "minibar").await, 0);
    assert_eq!(index_entries(&app, "parking").await, 0);
    assert_eq!(index_entries(&app, "fridge").await, 1);
    // Once indexed, an edit or a delete changes the index itself, the follower still paused.
    c.api
        .edit(edited.id, "the freezer is empty")
        .await
        .expect("edit again");
    let kept = c.api.search("kept", "").await.expect("search").messages;
    c.api.delete(kept[0].id).await.expect("delete");
    assert!(found(&c, "fridge").await.is_empty());
    assert_eq!(found(&c, "freez").await, ["the freezer is empty"]);
    assert!(found(&c, "kept").await.is_empty());
    assert_eq!(index_entries(&app, "fridge").await, 0);
    assert_eq!(index_entries(&app, "kept").await, 0);
}

/// Stopped with messages not indexed yet, started again: every one is found, each once.
async fn a_restart_indexes_what_was_left_each_message_once(backend: Backend) {
    let db = fresh_db(backend).await;
    let mut config = test_config(&db);
    config.search_follow_every = None;
    let mut first = start(config.clone()).await;
    let (c, o) = (first.customer().await, first.owner().await);
    let room = first.room(&c, &o).await;
    for i in 0..30 {
        send(&c, room.id, &format!("lantern {i}")).await;
    }
    // Part of them indexed before the stop (the position moves past them), the rest not.
    assert_eq!(
        first.state.store.follow_search().await.expect("step"),
        Followed::Moved { more: false }
    );
    for i in 30..50 {
        send(&c, room.id, &format!("lantern {i}")).await;
    }
    let before = c.api.search("lantern", "").await.expect("search");
    assert_eq!(before.total, 30, "only what was indexed before the stop");
    first.stop().await;
    config.search_follow_every = Some(Duration::from_millis(100));
    config.migrate = false;
    let second = start(config).await;
    indexed(&second).await;
    let c = second.api.with_token(&c.token);
    let after = c.search("lantern", "limit=100").await.expect("search");
    assert_eq!(after.total, 50);
    assert_eq!(after.messages.len(), 50);
    assert_eq!(index_entries(&second, "lantern").await, 50, "none twice");
}

/// Two instances on one PostgreSQL database, each running its follower while both take
/// messages: every message is found, and indexed once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_index_each_message_once() {
    let db = fresh_db(Backend::Postgres).await;
    let mut config = test_config(&db);
    config.search_follow_every = Some(Duration::from_millis(5));
    let a = start(config.clone()).await;
    config.migrate = false;
    let b = start(config).await;
    let (c, o) = (a.customer().await, a.owner().await);
    let room = a.room(&c, &o).await;
    let on_b = b.api.with_token(&o.token);
    let mut sends = Vec::new();
    for i in 0..40 {
        let (c, on_b) = (c.api.clone(), on_b.clone());
        sends.push(tokio::spawn(async move {
            let content = format!("harbour {i}");
            let api = if i % 2 == 0 { &c } else { &on_b };
            api.send(&text(room.id, &content)).await.expect("send");
        }));
    }
    for s in sends {
        s.await.expect("sender");
    }
    indexed(&a).await;
    indexed(&b).await;
    for api in [&c.api, &on_b] {
        let page = api.search("harbour", "limit=100").await.expect("search");
        assert_eq!((page.total, page.messages.len()), (40, 40));
    }
    assert_eq!(index_entries(&a, "harbour").await, 40);
}

contract!(
    a_message_is_found_within_two_seconds_of_its_acknowledgement,
    an_edit_or_a_delete_before_or_after_the_follower_wins,
    a_restart_indexes_what_was_left_each_message_once,
);
