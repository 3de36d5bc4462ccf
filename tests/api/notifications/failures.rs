//! What the push service answers and what the server does about it: 404/410 delete the
//! subscription, 429 and 5xx are retried (at most 3 tries, honouring `Retry-After`), a service
//! that never answers delays no send and no other push, redirects are not followed, and an
//! endpoint is checked again before each delivery.

use std::time::Instant;

use serde_json::json;

use super::*;
use crate::contract;
use crate::helpers::*;

async fn a_subscription_the_push_service_calls_gone_is_deleted(backend: Backend) {
    let app = notify_app(backend, |_| {}).await;
    let sink = Sink::new();
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let not_found = subscribed(&sink, &o, json!("404")).await;
    let gone = subscribed(&sink, &o, json!("410")).await;
    let fine = subscribed(&sink, &o, json!("201")).await;

    let first = send(&c, room.id, "first").await;
    for browser in [&not_found, &gone, &fine] {
        sink.push_for(browser, first.id).await;
    }
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while endpoints(&o).await != [fine.endpoint()] {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the 404 and 410 subscriptions were not deleted: {:?}",
            endpoints(&o).await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let second = send(&c, room.id, "second").await;
    sink.push_for(&fine, second.id).await;
    tokio::time::sleep(QUIET).await;
    for browser in [&not_found, &gone] {
        let pushes = sink.pushes(browser).await;
        assert_eq!(pushes.len(), 1, "one push, then deleted: {pushes:?}");
    }
    assert!(counter(&app, "tigo_pushes_total", "gone").await >= 2.0);
}

async fn rate_limits_and_server_errors_are_retried_at_most_three_times(backend: Backend) {
    let app = notify_app(backend, |_| {}).await;
    let sink = Sink::new();
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let limited = sink
        .browser_with(json!({"mode": ["429", "201"], "retry_after": 1}))
        .await;
    let flaky = sink.browser(json!(["500", "500", "201"])).await;
    let broken = sink.browser(json!("500")).await;
    for browser in [&limited, &flaky, &broken] {
        let (status, body) = post_subscription(&o, browser).await;
        assert_eq!(status, 201, "{body}");
    }

    let sent = send(&c, room.id, "anyone?").await;
    let tries = |n: usize| move |p: &[Value]| about(p, sent.id).len() >= n;
    let limited_pushes = sink
        .wait_pushes(&limited, "a retry after 429", tries(2))
        .await;
    let gap = limited_pushes[1]["at"].as_f64().expect("at")
        - limited_pushes[0]["at"].as_f64().expect("at");
    assert!(
        gap >= 0.9,
        "Retry-After: 1 honoured, but retried after {gap:.2} s"
    );
    sink.wait_pushes(&flaky, "two retries after 500", tries(3))
        .await;
    sink.wait_pushes(&broken, "two retries after 500", tries(3))
        .await;
    for pushes in [&limited_pushes[..2], &sink.pushes(&flaky).await[..3]] {
        for push in pushes {
            assert_valid(push);
            assert_eq!(
                push["payload"]["message_id"],
                json!(sent.id),
                "the same push"
            );
        }
    }

    // Back-off starts at 100 ms here: a fourth try would come well within 800 ms.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(sink.pushes(&limited).await.len(), 2, "no try after the 201");
    assert_eq!(sink.pushes(&flaky).await.len(), 3, "no try after the 201");
    assert_eq!(sink.pushes(&broken).await.len(), 3, "at most 3 tries");
    assert_eq!(
        endpoints(&o).await.len(),
        3,
        "failures delete no subscription"
    );
    assert!(counter(&app, "tigo_pushes_total", "retried").await >= 1.0);
    assert!(counter(&app, "tigo_pushes_total", "failed").await >= 1.0);
    assert!(counter(&app, "tigo_pushes_total", "sent").await >= 2.0);
}

async fn a_push_service_that_never_answers_delays_no_send_and_no_other_push(backend: Backend) {
    let app = notify_app(backend, |config| {
        config.notify.push_timeout = Duration::from_secs(1);
    })
    .await;
    let sink = Sink::new();
    let (c, o, other) = (app.customer().await, app.owner().await, app.owner().await);
    let (stuck_room, room) = (app.room(&c, &o).await, app.room(&c, &other).await);
    let stuck = subscribed(&sink, &o, json!("hang")).await;
    let fine = subscribed(&sink, &other, json!("201")).await;

    for i in 0..10 {
        let started = Instant::now();
        send(&c, stuck_room.id, &format!("stuck {i}")).await;
        let took = started.elapsed();
        assert!(took < Duration::from_secs(1), "send {i} took {took:?}");
    }
    sink.wait_pushes(&stuck, "a push to the hanging service", |p| !p.is_empty())
        .await;
    let sent_at = unix_now();
    let sent = send(&c, room.id, "for the other hotel").await;
    let push = sink.push_for(&fine, sent.id).await;
    let after = push["at"].as_f64().expect("at") - sent_at;
    assert!(after < 2.0, "another user's push waited {after:.2} s");
}

async fn redirects_from_a_push_service_are_not_followed(backend: Backend) {
    let app = notify_app(backend, |_| {}).await;
    let sink = Sink::new();
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let redirecting = subscribed(&sink, &o, json!("redirect")).await;
    let sent = send(&c, room.id, "follow me").await;
    sink.push_for(&redirecting, sent.id).await;
    tokio::time::sleep(QUIET).await;
    assert_eq!(
        sink.redirect_hits(&redirecting).await,
        0,
        "the redirect was followed"
    );
}

async fn an_endpoint_is_checked_again_before_each_delivery(backend: Backend) {
    let mut app = notify_app(backend, |_| {}).await;
    let sink = Sink::new();
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let browser = subscribed(&sink, &o, json!("201")).await;
    let first = send(&c, room.id, "allowed").await;
    sink.push_for(&browser, first.id).await;

    // The sink's host is no longer allowed: its plain-HTTP loopback endpoint is refused.
    app.stop().await;
    let mut config = app.state.config.clone();
    config.migrate = false;
    config.notify.push_allowed_hosts = Vec::new();
    let restarted = start(config).await;
    let c = TestUser {
        api: restarted.api.with_token(&c.token),
        ..c
    };
    let second = send(&c, room.id, "no longer allowed").await;
    // Pushes otherwise go out within a few hundred milliseconds here (follower every 100 ms).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let pushes = sink.pushes(&browser).await;
    assert!(
        about(&pushes, second.id).is_empty(),
        "delivered to a forbidden endpoint"
    );
}

contract!(
    a_subscription_the_push_service_calls_gone_is_deleted,
    rate_limits_and_server_errors_are_retried_at_most_three_times,
    a_push_service_that_never_answers_delays_no_send_and_no_other_push,
    redirects_from_a_push_service_are_not_followed,
    an_endpoint_is_checked_again_before_each_delivery,
);
