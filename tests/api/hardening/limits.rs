//! Limits: the message rate (429 with a retry hint), login attempts, connections per user and
//! rooms joined, and a flooding client that must not slow the others down.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use tigo_client::sio::{SioError, Socket, SocketOptions};

use crate::contract;
use crate::helpers::*;

async fn sending_faster_than_the_limit_gets_429_with_a_retry_hint(backend: Backend) {
    let app = spawn_app_with(backend, |c| {
        c.limits.messages_per_second = 5;
        c.limits.message_burst = 5;
    })
    .await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for i in 0..8 {
        let resp = reqwest::Client::new()
            .post(format!("{}/chat/messages", app.url))
            .bearer_auth(&c.token)
            .json(&json!({"chat_room_id": room.id, "content": format!("m{i}")}))
            .send()
            .await
            .expect("send");
        statuses.push(resp.status().as_u16());
        if resp.status().as_u16() == 429 {
            retry_after = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(String::from);
            let body: Value = resp.json().await.expect("json");
            assert_error(429, &body, 429);
        }
    }
    assert_eq!(&statuses[..5], &[201; 5], "{statuses:?}");
    assert!(statuses[5..].contains(&429), "{statuses:?}");
    assert!(retry_after.is_some_and(|r| r.parse::<u64>().is_ok_and(|s| s >= 1)));
    // The same limit over Socket.IO, with the hint in the error.
    let (cs, _e) = app.socket(&c).await;
    let ack = send_ack(&cs, room.id, "more").await;
    assert_eq!(ack["ok"], false);
    assert_eq!(ack["error"]["statusCode"], 429);
    assert!(
        ack["error"]["retryAfter"].as_u64().is_some_and(|s| s >= 1),
        "{ack}"
    );
    // Other users are not affected.
    send(&o, room.id, "owner is fine").await;
    // And it shows in the metrics.
    let (_, metrics) = app
        .api
        .raw(Method::GET, "/metrics", None)
        .await
        .expect("metrics");
    let text = metrics.as_str().expect("text").to_string();
    assert!(
        text.contains("tigo_rate_limited_total{limit=\"messages\"}"),
        "{text}"
    );
}

async fn login_attempts_are_limited_per_account(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.limits.logins_per_minute_per_account = 3).await;
    let c = app.customer().await; // one login
    let mut last = 0;
    for _ in 0..4 {
        let (status, _) = app
            .api
            .raw(
                Method::POST,
                "/auth/login",
                Some(&json!({"email": c.user.email, "password": "wrong-password"})),
            )
            .await
            .expect("login");
        last = status;
    }
    assert_eq!(last, 429, "the fifth attempt within a minute is refused");
    let other = app.owner().await; // another account still logs in
    assert!(!other.token.is_empty());
}

async fn connections_per_user_and_rooms_joined_are_capped(backend: Backend) {
    let app = spawn_app_with(backend, |c| {
        c.limits.connections_per_user = 2;
        c.limits.max_rooms_joined = 1;
    })
    .await;
    let (c, o, o2) = (app.customer().await, app.owner().await, app.owner().await);
    let r1 = app.room(&c, &o).await;
    let r2 = app.room(&c, &o2).await;
    let (first, _e1) = app.socket(&c).await;
    let (_second, _e2) = app.socket(&c).await;
    match Socket::connect(&app.url, SocketOptions::with_token(&c.token)).await {
        Err(SioError::Refused(why)) => assert_eq!(why, "Too many connections for this user"),
        Err(other) => panic!("expected a refusal, got {other}"),
        Ok(_) => panic!("a third connection was accepted"),
    }
    // One room joined at connect (the cap); joining another is refused.
    let joined = first
        .emit_ack("join_room", &json!({"roomId": r1.id}), WAIT)
        .await
        .expect("ack");
    let other = first
        .emit_ack("join_room", &json!({"roomId": r2.id}), WAIT)
        .await
        .expect("ack");
    let refused = [joined, other]
        .into_iter()
        .filter(|a| a["ok"] == false)
        .collect::<Vec<_>>();
    assert_eq!(refused.len(), 1, "exactly one of the two rooms fits");
    assert_eq!(refused[0]["error"]["statusCode"], 429);
}

async fn a_flooding_client_does_not_slow_down_the_others(backend: Backend) {
    let app = spawn_app_with(backend, |c| {
        c.limits.messages_per_second = 10;
        c.limits.message_burst = 20;
        c.limits.events_per_second = 200;
    })
    .await;
    let (f, victim, c, o) = (
        app.customer().await,
        app.owner().await,
        app.customer().await,
        app.owner().await,
    );
    let flood_room = app.room(&f, &victim).await;
    let room = app.room(&c, &o).await;
    let (fs, _fe) = app.socket(&f).await;
    let flooder = tokio::spawn(async move {
        // Bounded: 3,000 events in at most a few seconds.
        for i in 0..3000 {
            let _ = fs.emit(
                "send_message",
                &json!({"chat_room_id": flood_room.id, "content": format!("flood {i}")}),
            );
            if i % 100 == 0 {
                tokio::task::yield_now().await;
            }
        }
        fs
    });
    let (cs, _ce) = app.socket(&c).await;
    let (_os, mut oe) = app.socket(&o).await;
    let mut worst = Duration::ZERO;
    for i in 0..10 {
        let start = Instant::now();
        let ack = send_ack(&cs, room.id, &format!("normal {i}")).await;
        assert_eq!(ack["ok"], true, "{ack}");
        let got = oe.wait_for("new_message", WAIT).await.expect("delivered");
        assert_eq!(got["content"], format!("normal {i}"));
        worst = worst.max(start.elapsed());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Loose on purpose (a shared 2-core machine): the point is that the normal client is not
    // queued behind the flood, which would take many seconds.
    assert!(
        worst < Duration::from_secs(1),
        "worst delivery took {worst:?}"
    );
    let _ = flooder.await;
    let stored = f
        .api
        .messages(flood_room.id, "limit=100")
        .await
        .expect("history")
        .total;
    assert!(
        stored <= 60,
        "the flood was held to its rate: {stored} stored"
    );
}

contract!(
    sending_faster_than_the_limit_gets_429_with_a_retry_hint,
    login_attempts_are_limited_per_account,
    connections_per_user_and_rooms_joined_are_capped,
    a_flooding_client_does_not_slow_down_the_others,
);
