//! A stop and a start lose and repeat nothing: pushes left unsent when a server stopped go
//! out after the restart, each once, and a user mailed before the stop is not mailed again
//! within `EMAIL_INTERVAL`.

use serde_json::json;

use super::*;
use crate::contract;
use crate::helpers::*;

async fn pushes_left_unsent_at_a_stop_go_out_after_the_restart_each_once(backend: Backend) {
    let db = fresh_db(backend).await;
    let mut config = test_config(&db);
    notify_config(&mut config);
    config.notify.email_delay = Duration::from_secs(1);
    let sink = Sink::new();

    let mut first = start(config.clone()).await;
    let (c, o) = (first.customer().await, first.owner().await);
    let room = first.room(&c, &o).await;
    let browser = subscribed(&sink, &o, json!("201")).await;
    let before = send(&c, room.id, "before the stop").await;
    sink.push_for(&browser, before.id).await;
    sink.wait_mails(&o.user.email, 1, Duration::from_secs(6))
        .await;
    first.stop().await;

    // An instance that does not follow: what it takes stays unsent when it stops.
    config.migrate = false;
    config.notify.follow_every = None;
    let mut second = start(config.clone()).await;
    let c = TestUser {
        api: second.api.with_token(&c.token),
        ..c
    };
    let mut left = Vec::new();
    for i in 0..3 {
        left.push(
            send(&c, room.id, &format!("while nobody followed {i}"))
                .await
                .id,
        );
    }
    tokio::time::sleep(QUIET).await;
    assert_eq!(
        sink.pushes(&browser).await.len(),
        1,
        "this instance does not push"
    );
    second.stop().await;

    config.notify.follow_every = Some(Duration::from_millis(100));
    let _third = start(config).await;
    // The newest first (a server may send the others before or after it), then, no sooner
    // than EMAIL_DELAY later: nothing twice, no second mail, and each message pushed.
    sink.push_for(&browser, left[2]).await;
    // Longer than EMAIL_DELAY: the new messages are unread, but the user was mailed within
    // EMAIL_INTERVAL (an hour), before the restart.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let pushes = sink.pushes(&browser).await;
    for id in left.iter().chain([&before.id]) {
        assert!(
            about(&pushes, *id).len() <= 1,
            "{id} pushed twice: {pushes:?}"
        );
    }
    assert_eq!(sink.mails(&o.user.email).await.len(), 1, "no second mail");
    for id in &left {
        sink.push_for(&browser, *id).await;
    }
    assert_eq!(sink.pushes(&browser).await.len(), 4, "each push once");
}

contract!(pushes_left_unsent_at_a_stop_go_out_after_the_restart_each_once);
