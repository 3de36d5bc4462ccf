//! Search: words, accents, prefixes and phrases; only readable rooms; deletes, edits and the
//! filters; the same answers on SQLite and PostgreSQL (every test runs on both). Messages are
//! indexed by a follower after their acknowledgement: the tests wait for it ([`indexed`]), and
//! `follow` shows the follower itself.

pub(crate) mod follow;

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;
use uuid::Uuid;

use crate::contract;
use crate::helpers::*;

/// The contents found for `q`, newest first.
async fn found(user: &TestUser, q: &str) -> Vec<String> {
    let results = user.api.search(q, "").await.expect("search");
    assert_eq!(results.total as usize, results.messages.len(), "{q:?}");
    results.messages.into_iter().map(|m| m.content).collect()
}

/// Waits until the search index holds every stored message (`tigo_search_lag_messages 0`),
/// at most 10 s.
pub async fn indexed(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let metrics = reqwest::get(format!("{}/metrics", app.url))
            .await
            .expect("metrics")
            .text()
            .await
            .expect("metrics text");
        if metrics.lines().any(|l| l == "tigo_search_lag_messages 0") {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the search index did not catch up in 10 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn status_of(user: &TestUser, query: &str) -> (u16, Value) {
    user.api
        .raw(Method::GET, &format!("/chat/search?{query}"), None)
        .await
        .expect("search")
}

const CORPUS: [&str; 8] = [
    "Is breakfast included with booking 4711?",
    "The Café on the corner opens at seven",
    "Late CHECK-IN after 22:00 is fine",
    "Your booking 4712 is confirmed",
    "We checked in without trouble",
    "Zimmer mit Frühstück für zwei Nächte",
    "breaking news: the pool is open",
    "Room 12 is quiet; room 14 faces the street",
];

async fn words_match_in_any_case_and_accent_the_last_as_a_prefix(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    for text in CORPUS {
        send(&c, room.id, text).await;
    }
    indexed(&app).await;
    let cases: [(&str, &[&str]); 12] = [
        ("booking 4711", &[CORPUS[0]]),
        ("BOOKING", &[CORPUS[3], CORPUS[0]]),
        ("cafe", &[CORPUS[1]]),
        ("CAFÉ corner", &[CORPUS[1]]),
        ("fruhstuck", &[CORPUS[5]]),
        ("check-in", &[CORPUS[2]]),
        ("break", &[CORPUS[6], CORPUS[0]]),
        ("break ", &[]),
        ("\"room 14\"", &[CORPUS[7]]),
        ("\"14 room\"", &[]),
        ("checked trouble", &[CORPUS[4]]),
        ("nothing-like-this", &[]),
    ];
    for (q, expected) in cases {
        assert_eq!(found(&c, q).await, expected.to_vec(), "q = {q:?}");
    }
}

async fn a_search_without_a_word_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.customer().await;
    for query in [
        "",
        "q=",
        "q=%20%20",
        "q=%22%22",
        "q=%3F%21",
        "q=ok&limit=101",
        "q=ok&page=0",
        "q=ok&room_id=nope",
        "q=ok&before=yesterday",
    ] {
        let (status, body) = status_of(&c, query).await;
        assert_error(status, &body, 400);
    }
    let (status, body) = status_of(&c, &format!("q={}", "a".repeat(501))).await;
    assert_error(status, &body, 400);
}

async fn only_rooms_the_caller_may_read_are_searched_and_admins_are_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, other) = (
        app.customer().await,
        app.owner().await,
        app.user_with(&[tigo_common::Role::Customer], "Olga").await,
    );
    let admin = app.admin().await;
    let mine = app.room(&c, &o).await;
    let theirs = app.room(&other, &o).await;
    send(&c, mine.id, "towels please").await;
    send(&other, theirs.id, "towels as well").await;
    indexed(&app).await;
    assert_eq!(found(&c, "towels").await, ["towels please"]);
    assert_eq!(found(&other, "towels").await, ["towels as well"]);
    assert_eq!(
        found(&o, "towels").await,
        ["towels as well", "towels please"]
    );
    assert_eq!(found(&admin, "towels").await.len(), 2);
    let (status, body) = status_of(&c, &format!("q=towels&room_id={}", theirs.id)).await;
    assert_error(status, &body, 403);
    let (status, body) = status_of(&c, &format!("q=towels&room_id={}", Uuid::new_v4())).await;
    assert_error(status, &body, 404);
    let audit = app
        .state
        .store
        .audit_log(None, Some(admin.id()), 100)
        .await
        .expect("audit");
    let line = audit
        .iter()
        .find(|l| l.action == "message.search")
        .expect("an admin's search is audited");
    assert_eq!(line.detail["q"], "towels");
    assert!(
        !audit.iter().any(|l| l.actor_id == Some(c.id())),
        "a participant's search is not"
    );
}

async fn deleted_messages_never_match_and_edits_match_their_new_text(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let gone = send(&c, room.id, "parking spot number seven").await;
    let edited = send(&c, room.id, "the minibar is empty").await;
    c.api.delete(gone.id).await.expect("delete");
    c.api
        .edit(edited.id, "the fridge is empty")
        .await
        .expect("edit");
    indexed(&app).await;
    assert!(found(&c, "parking").await.is_empty());
    assert!(found(&c, "parki").await.is_empty());
    assert!(found(&c, "minibar").await.is_empty());
    assert_eq!(found(&c, "fridge").await, ["the fridge is empty"]);
    // A word only the edit brought in is found by its prefix too.
    assert_eq!(found(&c, "frid").await, ["the fridge is empty"]);
    assert_eq!(found(&c, "empty fri").await, ["the fridge is empty"]);
    let admin = app.admin().await;
    assert!(found(&admin, "parking").await.is_empty());
}

async fn filters_and_pages_narrow_the_results_newest_first(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let mut sent = Vec::new();
    for i in 0..5 {
        let from = if i % 2 == 0 { &c } else { &o };
        sent.push(send(from, room.id, &format!("shuttle question {i}")).await);
    }
    indexed(&app).await;
    let page = |extra: String| {
        let c = &c;
        async move {
            let r = c.api.search("shuttle", &extra).await.expect("search");
            let texts: Vec<String> = r.messages.iter().map(|m| m.content.clone()).collect();
            (r.total, texts)
        }
    };
    assert_eq!(
        page("limit=2&page=2".into()).await,
        (
            5,
            vec!["shuttle question 2".into(), "shuttle question 1".into()]
        )
    );
    assert_eq!(
        page(format!("sender_id={}", o.id())).await,
        (
            2,
            vec!["shuttle question 3".into(), "shuttle question 1".into()]
        )
    );
    assert_eq!(
        page(format!("room_id={}&after={}", room.id, sent[2].id)).await,
        (
            2,
            vec!["shuttle question 4".into(), "shuttle question 3".into()]
        )
    );
    assert_eq!(
        page(format!("before={}", sent[1].id)).await,
        (1, vec!["shuttle question 0".into()])
    );
}

async fn common_and_rare_words_in_a_large_history_page_and_count_right(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    // More than the probe (5,000 in a participant's rooms), so both the walk and the index are used.
    let n = 6_000;
    let start = chrono::Utc::now() - chrono::Duration::hours(1);
    let batch: Vec<_> = (0..n)
        .map(|i| {
            let word = if i % 2 == 0 { "towel" } else { "pillow" };
            let extra = if i < 3 { " ancient" } else { "" };
            let at = start + chrono::Duration::milliseconds(i);
            stored_text(&c, room.id, format!("{word} number {i}{extra}"), at)
        })
        .collect();
    for chunk in batch.chunks(2_000) {
        app.state.store.insert_messages(chunk).await.expect("store");
    }
    indexed(&app).await;
    let cap = tigo_server::db::COUNT_CAP;
    let texts = |r: &tigo_common::SearchResults| -> Vec<String> {
        r.messages.iter().map(|m| m.content.clone()).collect()
    };
    let common = c
        .api
        .search("number", "limit=100&page=3")
        .await
        .expect("search");
    assert_eq!(common.total, cap, "counted to the cap");
    let got = texts(&common);
    assert_eq!(got.first().map(String::as_str), Some("pillow number 5799"));
    assert_eq!(got.last().map(String::as_str), Some("towel number 5700"));
    let half = c.api.search("towel", "").await.expect("search");
    assert_eq!(
        (half.total, half.messages[0].content.as_str()),
        (cap, "towel number 5998")
    );
    // A phrase deep in the history: on PostgreSQL through the index of word pairs.
    let phrase = c
        .api
        .search("\"number 1 ancient\"", "")
        .await
        .expect("search");
    assert_eq!(
        (phrase.total, texts(&phrase)),
        (1, vec!["pillow number 1 ancient".to_string()])
    );
    let rare = c.api.search("ancient", "").await.expect("search");
    assert_eq!(rare.total, 3);
    assert_eq!(
        texts(&rare),
        [
            "towel number 2 ancient",
            "pillow number 1 ancient",
            "towel number 0 ancient"
        ]
    );
    let late = c
        .api
        .search("number", "limit=5&page=1000")
        .await
        .expect("search");
    assert_eq!(
        texts(&late),
        [
            "towel number 1004",
            "pillow number 1003",
            "towel number 1002",
            "pillow number 1001",
            "towel number 1000"
        ]
    );
}

/// A prefix stands for few words or for very many (PostgreSQL writes the few out as exact
/// words and leaves the many to its index): the same messages either way.
async fn a_prefix_finds_every_word_it_begins_whether_few_or_many(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    for i in 0..80 {
        send(&c, room.id, &format!("voucher code vc{i:03}x")).await;
    }
    send(&c, room.id, "a Vögel at the window").await;
    send(&c, room.id, "the vogue lounge").await;
    indexed(&app).await;
    let all = c.api.search("vc", "limit=100").await.expect("search");
    assert_eq!((all.total, all.messages.len()), (80, 80));
    let some = c
        .api
        .search("code vc07", "limit=100")
        .await
        .expect("search");
    let mut texts: Vec<String> = some.messages.into_iter().map(|m| m.content).collect();
    texts.sort();
    let expected: Vec<String> = (70..80)
        .map(|i| format!("voucher code vc{i:03}x"))
        .collect();
    assert_eq!(texts, expected);
    let many = c.api.search("VO", "").await.expect("search");
    assert_eq!((many.total, many.messages.len()), (82, 20));
    assert_eq!(
        found(&c, "the vog").await,
        ["the vogue lounge", "a Vögel at the window"]
    );
    assert_eq!(found(&c, "window vög").await, ["a Vögel at the window"]);
    assert!(found(&c, "vcx").await.is_empty());
    assert!(found(&c, "zqzq").await.is_empty());
}

contract!(
    a_prefix_finds_every_word_it_begins_whether_few_or_many,
    common_and_rare_words_in_a_large_history_page_and_count_right,
    words_match_in_any_case_and_accent_the_last_as_a_prefix,
    a_search_without_a_word_is_refused,
    only_rooms_the_caller_may_read_are_searched_and_admins_are_audited,
    deleted_messages_never_match_and_edits_match_their_new_text,
    filters_and_pages_narrow_the_results_newest_first,
);
