//! Two instances on one PostgreSQL database, both following the stored messages: every push
//! and every digest goes out once (claimed in the database), whichever instance took the
//! message.

use std::collections::HashMap;

use serde_json::json;
use uuid::Uuid;

use super::*;
use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_send_each_push_and_each_digest_once() {
    let db = fresh_db(Backend::Postgres).await;
    let mut config = test_config(&db);
    notify_config(&mut config);
    config.notify.email_delay = Duration::from_secs(1);
    // Both instances look often, so both race for every message.
    config.notify.follow_every = Some(Duration::from_millis(10));
    let a = start(config.clone()).await;
    config.migrate = false;
    let b = start(config).await;
    let sink = Sink::new();
    let c = a.customer().await;
    let on_b = b.api.with_token(&c.token);
    let mut owners = Vec::new();
    for _ in 0..3 {
        let owner = a.owner().await;
        let room = a.room(&c, &owner).await.id;
        let browser = subscribed(&sink, &owner, json!("201")).await;
        owners.push((owner, room, browser));
    }

    // 24 messages, sent at once through both instances.
    let mut sends = Vec::new();
    for i in 0..24 {
        let (room, api) = (
            owners[i % 3].1,
            if i % 2 == 0 {
                c.api.clone()
            } else {
                on_b.clone()
            },
        );
        sends.push(tokio::spawn(async move {
            let message = api
                .send(&text(room, &format!("wave {i}")))
                .await
                .expect("send");
            (room, message.id)
        }));
    }
    let mut sent: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for s in sends {
        let (room, id) = s.await.expect("sender");
        sent.entry(room).or_default().push(id);
    }
    // Exactly once first (no message pushed twice, one digest each), then that every message
    // was pushed: the two fail for different reasons.
    for (owner, _, browser) in &owners {
        sink.wait_pushes(browser, "pushes", |p| !p.is_empty()).await;
        sink.wait_mails(&owner.user.email, 1, Duration::from_secs(6))
            .await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    for (owner, room, browser) in &owners {
        let pushes = sink.pushes(browser).await;
        for id in &sent[room] {
            assert!(
                about(&pushes, *id).len() <= 1,
                "{id} pushed twice: {pushes:?}"
            );
        }
        assert_eq!(sink.mails(&owner.user.email).await.len(), 1, "one digest");
    }
    for (_, room, browser) in &owners {
        let ids = &sent[room];
        let pushes = sink
            .wait_pushes(browser, "a push per message", |p| {
                ids.iter().all(|id| !about(p, *id).is_empty())
            })
            .await;
        assert_eq!(pushes.len(), 8, "8 messages, 8 pushes: {pushes:?}");
    }
}
