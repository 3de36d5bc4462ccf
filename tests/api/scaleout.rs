//! Two `serve` instances on one PostgreSQL and one Redis act as one service.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::helpers::*;

/// Two instances on one fresh PostgreSQL database and the given Redis.
async fn pair(redis: &str) -> (TestApp, TestApp, TestDb) {
    let db = fresh_db(Backend::Postgres).await;
    let mut config = test_config(&db);
    config.redis_url = Some(redis.into());
    let a = start(config.clone()).await;
    config.migrate = false;
    let b = start(config).await;
    for app in [&a, &b] {
        wait_until_bus_up(app).await;
    }
    (a, b, db)
}

async fn wait_until_bus_up(app: &TestApp) {
    for _ in 0..100 {
        if app.api.health().await.is_ok_and(|h| h.checks.bus == "up") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the bus of {} never came up", app.url);
}

/// A user of instance `app` (users live in the shared database).
async fn on(app: &TestApp, user: &TestUser) -> TestUser {
    TestUser {
        user: user.user.clone(),
        token: user.token.clone(),
        api: app.api.with_token(&user.token),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_on_two_instances_chat_type_and_see_presence_and_receipts() {
    let (a, b, _db) = pair(&redis_url()).await;
    let (c, o) = (a.customer().await, a.owner().await);
    let o_b = on(&b, &o).await;
    let (cs, mut c_events) = a.socket(&c).await;
    let room = a.room(&c, &o).await;
    let (os, mut o_events) = b.socket(&o_b).await;
    let online = c_events
        .wait_for("user_online", WAIT)
        .await
        .expect("presence crosses instances");
    assert_eq!(online, json!({"userId": o.id()}));
    let mut online = c.api.online_users(room.id).await.expect("online via A");
    online.sort();
    let mut expected = vec![c.id(), o.id()];
    expected.sort();
    assert_eq!(online, expected, "A knows who is connected to B");

    let ack = send_ack(&cs, room.id, "from A").await;
    assert_eq!(ack["ok"], true);
    let heard = o_events
        .wait_for("new_message", WAIT)
        .await
        .expect("message crosses instances");
    assert_eq!(heard["content"], "from A");
    let delivered = c_events
        .wait_for("message_delivered", WAIT)
        .await
        .expect("receipt crosses back");
    assert_eq!(delivered["messageId"], ack["messageId"]);
    assert_eq!(delivered["userId"], json!(o.id()));

    os.emit("typing_start", &json!({"roomId": room.id}))
        .expect("emit");
    let typing = c_events
        .wait_for("user_typing", WAIT)
        .await
        .expect("typing crosses instances");
    assert_eq!(typing["isTyping"], true);
    os.emit("typing_stop", &json!({"roomId": room.id}))
        .expect("emit");
    assert_eq!(
        c_events.wait_for("user_typing", WAIT).await.expect("stop")["isTyping"],
        false
    );

    send_ack(&os, room.id, "from B").await;
    assert_eq!(
        c_events
            .wait_for("new_message", WAIT)
            .await
            .expect("A hears B")["content"],
        "from A"
    );
    assert_eq!(
        c_events
            .wait_for("new_message", WAIT)
            .await
            .expect("A hears B")["content"],
        "from B"
    );
    os.emit_ack("mark_messages_read", &json!({"roomId": room.id}), WAIT)
        .await
        .expect("ack");
    let read = c_events
        .wait_for("messages_read", WAIT)
        .await
        .expect("read receipt crosses");
    assert_eq!(read["userId"], json!(o.id()));

    // Presence keys as the seed names them.
    let client = redis::Client::open(redis_url()).expect("redis");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis conn");
    let ttl: i64 = redis::cmd("TTL")
        .arg(format!("user:{}:online", o.id()))
        .query_async(&mut conn)
        .await
        .expect("ttl");
    assert!(ttl > 0 && ttl <= 300, "user key TTL {ttl}");
    let members: Vec<String> = redis::cmd("SMEMBERS")
        .arg(format!("room:{}:users", room.id))
        .query_async(&mut conn)
        .await
        .expect("smembers");
    assert!(
        members.contains(&o.id().to_string()) && members.contains(&c.id().to_string()),
        "{members:?}"
    );

    os.close();
    let offline = c_events
        .wait_for("user_offline", WAIT)
        .await
        .expect("offline crosses");
    assert_eq!(offline, json!({"userId": o.id()}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_connected_to_both_instances_stays_online_until_the_last_connection_closes() {
    let (a, b, _db) = pair(&redis_url()).await;
    let (c, o) = (a.customer().await, a.owner().await);
    let room = a.room(&c, &o).await;
    let (_cs, mut c_events) = a.socket(&c).await;
    let (on_a, _ea) = a.socket(&o).await;
    let o_b = on(&b, &o).await;
    let (on_b, _eb) = b.socket(&o_b).await;
    // Closed at once: a connection its client knows of already counts on every instance.
    on_a.close();
    c_events
        .wait_for("user_online", WAIT)
        .await
        .expect("online");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        c_events
            .collect_named("user_offline", Duration::from_millis(300))
            .await
            .is_empty(),
        "still on B"
    );
    assert!(
        c.api
            .online_users(room.id)
            .await
            .expect("online")
            .contains(&o.id())
    );
    on_b.close();
    c_events
        .wait_for("user_offline", WAIT)
        .await
        .expect("offline once the last one closes");
}

type Notifications = std::pin::Pin<Box<dyn futures_util::Stream<Item = Value> + Send>>;

/// What is published on `notification:events` from now on.
async fn notifications() -> Notifications {
    let client = redis::Client::open(redis_url()).expect("redis");
    let mut pubsub = client.get_async_pubsub().await.expect("pubsub");
    pubsub
        .subscribe("notification:events")
        .await
        .expect("subscribe");
    Box::pin(pubsub.into_on_message().map(|msg| {
        serde_json::from_str(&msg.get_payload::<String>().expect("text")).expect("json")
    }))
}

/// The first notification `wanted` accepts.
async fn first_notification(notes: &mut Notifications, wanted: impl Fn(&Value) -> bool) -> Value {
    loop {
        let note = tokio::time::timeout(WAIT, notes.next())
            .await
            .expect("a notification in time")
            .expect("subscribed");
        if wanted(&note) {
            return note;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recipient_with_no_live_connection_gets_a_notification() {
    let (a, _b, _db) = pair(&redis_url()).await;
    let (c, o) = (a.customer().await, a.owner().await);
    let room = a.room(&c, &o).await;
    let mut notes = notifications().await;
    let sent = send(&c, room.id, "are you there?").await;
    let notification = first_notification(&mut notes, |n| {
        n["metadata"]["message_id"] == json!(sent.id)
    })
    .await;
    assert_eq!(notification["type"], "CHAT_MESSAGE");
    assert_eq!(notification["user_id"], json!(o.id()));
    assert_eq!(notification["message"], "are you there?");
    assert!(
        notification["title"]
            .as_str()
            .is_some_and(|t| t.contains("Carla"))
    );
    assert_eq!(notification["metadata"]["chat_room_id"], json!(room.id));
    assert_eq!(notification["metadata"]["sender_id"], json!(c.id()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recipient_connected_here_or_elsewhere_gets_no_notification() {
    let (a, b, _db) = pair(&redis_url()).await;
    let (c, o) = (a.customer().await, a.owner().await);
    let room = a.room(&c, &o).await;
    let mut notes = notifications().await;
    let (_cs, mut c_events) = a.socket(&c).await;
    // Connected only to the other instance, then to the sender's too.
    let o_b = on(&b, &o).await;
    let (on_b, _eb) = b.socket(&o_b).await;
    c_events
        .wait_for("user_online", WAIT)
        .await
        .expect("online through the other instance");
    let elsewhere = send(&c, room.id, "seen elsewhere").await;
    let (on_a, _ea) = a.socket(&o).await;
    let here = send(&c, room.id, "seen here").await;
    on_a.close();
    on_b.close();
    c_events
        .wait_for("user_offline", WAIT)
        .await
        .expect("offline once both are closed");
    let away = send(&c, room.id, "seen later").await;
    // Notifications go out in message order: the first one seen for this room must be for
    // the message sent while nobody was connected.
    let first = first_notification(&mut notes, |n| {
        n["metadata"]["chat_room_id"] == json!(room.id)
    })
    .await;
    assert_ne!(first["metadata"]["message_id"], json!(here.id));
    assert_ne!(first["metadata"]["message_id"], json!(elsewhere.id));
    assert_eq!(first["metadata"]["message_id"], json!(away.id));
    assert_eq!(first["user_id"], json!(o.id()));
}

/// A Redis of this test's own, to stop and restart.
struct OwnRedis {
    port: u16,
    child: Option<std::process::Child>,
}

impl OwnRedis {
    fn start(port: u16) -> OwnRedis {
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server (scripts/test.sh installs it)");
        OwnRedis {
            port,
            child: Some(child),
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_restart_degrades_health_and_cross_instance_delivery_resumes() {
    let port = free_port();
    let mut redis = OwnRedis::start(port);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (a, b, _db) = pair(&redis.url()).await;
    let (c, o) = (a.customer().await, a.owner().await);
    let room = a.room(&c, &o).await;
    let o_b = on(&b, &o).await;
    let (_os, mut o_events) = b.socket(&o_b).await;
    send(&c, room.id, "before").await;
    assert_eq!(
        o_events
            .wait_for("new_message", WAIT)
            .await
            .expect("before")["content"],
        "before"
    );

    // Redis away for 30 s: nothing crashes, REST keeps working, health says degraded.
    redis.stop();
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Connecting still works (presence catches up once Redis is back).
    let (_late, mut late_events) = a.socket(&c).await;
    late_events
        .wait_for("connected", WAIT)
        .await
        .expect("connected while Redis is down");
    let outage = Instant::now();
    let mut during = Vec::new();
    while outage.elapsed() < Duration::from_secs(30) {
        let health = a.api.health().await.expect("health");
        assert_eq!(health.status, "degraded");
        assert_eq!(health.checks.bus, "down");
        during.push(send(&c, room.id, "during").await);
        assert_eq!(o.api.room(room.id).await.expect("REST works").id, room.id);
        tokio::time::sleep(Duration::from_secs(3)).await;
    }

    let mut redis = OwnRedis::start(port);
    let back = tokio::time::Instant::now();
    wait_until_bus_up(&a).await;
    wait_until_bus_up(&b).await;
    let mut resumed = false;
    while back.elapsed() < Duration::from_secs(5) {
        send(&c, room.id, "after").await;
        if o_events
            .collect_named("new_message", Duration::from_millis(300))
            .await
            .iter()
            .any(|m| m["content"] == "after")
        {
            resumed = true;
            break;
        }
    }
    assert!(
        resumed,
        "cross-instance delivery resumed within 5 s of Redis returning"
    );
    assert_eq!(a.api.health().await.expect("health").status, "healthy");
    let history = c.api.messages(room.id, "limit=100").await.expect("history");
    for m in &during {
        assert!(
            history.messages.iter().any(|h| h.id == m.id),
            "nothing acknowledged was lost"
        );
    }
    redis.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reaction_made_on_one_instance_reaches_the_room_on_the_other() {
    let (a, b, _db) = pair(&redis_url()).await;
    let (c, o) = (a.customer().await, a.owner().await);
    let o_b = on(&b, &o).await;
    let room = a.room(&c, &o).await;
    let (_cs, mut c_events) = a.socket(&c).await;
    let m = send(&c, room.id, "see you at the lobby").await;
    o_b.api.react(m.id, "👋").await.expect("react through B");
    let heard = c_events
        .wait_for("reaction_updated", WAIT)
        .await
        .expect("reaction crosses instances");
    assert_eq!(
        heard,
        json!({"messageId": m.id, "roomId": room.id,
               "reactions": [{"emoji": "👋", "count": 1, "user_ids": [o.id()]}]})
    );
    let seen_on_a = c.api.messages(room.id, "").await.expect("history via A");
    assert_eq!(seen_on_a.messages[0].reactions[0].user_ids, [o.id()]);
}
