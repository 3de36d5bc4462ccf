//! Limits, rate limits, hostile input, CORS, metrics and audit.

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

async fn hostile_socket_payloads_get_errors_and_never_break_the_server(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let deep = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
    let huge = "x".repeat(60 * 1024);
    let payloads = vec![
        json!(null),
        json!(42),
        json!("roomId"),
        json!([room.id]),
        json!({"roomId": 7}),
        json!({"roomId": {"$ne": null}}),
        json!({"chat_room_id": room.id, "content": ["a"], "type": {}}),
        json!({"chat_room_id": room.id, "content": "x", "metadata": {"a": {"b": {"c": [1, 2, {"d": null}]}}}, "file_size": 1e300}),
        json!({"chat_room_id": room.id, "content": huge}),
        json!({"chat_room_id": room.id, "content": "nul \u{0000} byte"}),
        json!({"roomId": room.id, "lastMessageId": "00000000-0000-0000-0000-000000000000"}),
    ];
    let events = [
        "join_room",
        "leave_room",
        "send_message",
        "mark_messages_read",
        "typing_start",
        "typing_stop",
        "no_such_event",
    ];
    let (cs, _ce) = app.socket(&c).await;
    for event in events {
        for payload in &payloads {
            if let Ok(ack) = cs.emit_ack(event, payload, Duration::from_secs(2)).await {
                let status = ack["error"]["statusCode"].as_u64().unwrap_or(200);
                assert!(status < 500 || status == 503, "{event} {payload}: {ack}");
            }
        }
    }
    // Raw packets: unparsable JSON, deep nesting, binary placeholders without attachments.
    let (raw, mut raw_events) = app.socket(&c).await;
    for packet in [
        "42/chat,[\"send_message\",{".to_string(),
        format!("42/chat,[\"join_room\",{deep}]"),
        "451-/chat,[\"send_message\",{\"_placeholder\":true,\"num\":0}]".to_string(),
        "42/chat,".to_string(),
        "4".to_string(),
    ] {
        let _ = raw.emit_raw(&packet);
    }
    let _ = raw_events.collect_for(Duration::from_millis(500)).await;
    // Many binary attachments announced: over the cap, the connection is closed.
    let (bin, mut bin_events) = app.socket(&c).await;
    let _ = bin.emit_raw("4100-/chat,[\"send_message\",{}]");
    let _ = bin_events.collect_for(Duration::from_millis(300)).await;
    // The server is fine and nothing bad was stored.
    let health = app.api.health().await.expect("health");
    assert_eq!(health.status, "healthy");
    assert_eq!(c.api.messages(room.id, "").await.expect("history").total, 0);
    let (cs2, _e) = app.socket(&c).await;
    let ack = send_ack(&cs2, room.id, "still works").await;
    assert_eq!(ack["ok"], true);
}

async fn jwt_attacks_are_all_rejected(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.customer().await;
    let now = chrono::Utc::now().timestamp();
    let hs = |claims: Value| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .expect("encode")
    };
    // RS256 header, HMAC signature with the shared secret (the classic key-confusion trick).
    let b64 = |bytes: &[u8]| {
        use std::fmt::Write;
        let engine = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |a, (i, b)| a | (u32::from(*b) << (16 - 8 * i)));
            for i in 0..=chunk.len() {
                let _ = out.write_char(engine[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    };
    let header = b64(br#"{"alg":"RS256","typ":"JWT"}"#);
    let claims = b64(json!({"sub": c.id(), "exp": now + 600})
        .to_string()
        .as_bytes());
    let signing_input = format!("{header}.{claims}");
    let signature = jsonwebtoken::crypto::sign(
        signing_input.as_bytes(),
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
        jsonwebtoken::Algorithm::HS256,
    )
    .expect("sign");
    let confused = format!("{signing_input}.{signature}");
    let attacks = [
        (
            "future nbf",
            hs(json!({"sub": c.id(), "exp": now + 600, "nbf": now + 3600})),
        ),
        (
            "missing sub",
            hs(json!({"email": c.user.email, "exp": now + 600})),
        ),
        ("missing exp", hs(json!({"sub": c.id()}))),
        (
            "sub not a uuid",
            hs(json!({"sub": "admin", "exp": now + 600})),
        ),
        ("RS256 header with an HMAC signature", confused),
    ];
    for (name, token) in attacks {
        let (status, body) = app
            .api
            .with_token(token.clone())
            .raw(Method::GET, "/auth/me", None)
            .await
            .expect("me");
        assert_eq!(status, 401, "{name}: {body}");
        match Socket::connect(&app.url, SocketOptions::with_token(&token)).await {
            Err(SioError::Refused(_)) => {}
            _ => panic!("{name}: the socket was not refused"),
        }
    }
}

async fn metrics_expose_connections_latency_errors_and_health(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let (cs, _e) = app.socket(&c).await;
    send_ack(&cs, room.id, "x").await;
    let _ = c.api.raw(Method::GET, "/chat/rooms/not-a-uuid", None).await;
    let resp = reqwest::get(format!("{}/metrics", app.url))
        .await
        .expect("metrics");
    assert_eq!(resp.status().as_u16(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("text/plain")
    );
    let text = resp.text().await.expect("text");
    for series in [
        "tigo_connections 1",
        "tigo_database_up 1",
        "tigo_bus_up 1",
        "tigo_messages_total 1",
        "tigo_write_queue 0",
        "tigo_commit_duration_seconds_bucket{le=\"+Inf\"}",
        "tigo_event_duration_seconds_count{event=\"send_message\"} 1",
        "tigo_http_request_duration_seconds_bucket{route=\"POST /chat/rooms\"",
        "tigo_http_requests_total{route=\"GET /chat/rooms/:id\",status=\"400\"} 1",
        "tigo_errors_total{kind=\"validation\"}",
    ] {
        assert!(text.contains(series), "{series} missing from\n{text}");
    }
    // The message took one commit (a delivery receipt may have taken another).
    let commits: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("tigo_commits_total "))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("tigo_commits_total missing from\n{text}"));
    assert!(
        (1..=2).contains(&commits),
        "{commits} commits for one message"
    );
}

async fn frontend_url_limits_browser_origins_for_rest_and_socket_io(backend: Backend) {
    let app = spawn_app_with(backend, |c| {
        c.cors_origins = vec!["https://app.tigo.test".into()]
    })
    .await;
    let c = app.customer().await;
    let http = reqwest::Client::new();
    let preflight = http
        .request(Method::OPTIONS, format!("{}/chat/rooms", app.url))
        .header("Origin", "https://app.tigo.test")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization, content-type",
        )
        .send()
        .await
        .expect("preflight");
    assert_eq!(preflight.status().as_u16(), 204);
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://app.tigo.test"
    );
    let ok = http
        .get(format!("{}/chat/rooms", app.url))
        .bearer_auth(&c.token)
        .header("Origin", "https://app.tigo.test")
        .send()
        .await
        .expect("get");
    assert_eq!(ok.status().as_u16(), 200);
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://app.tigo.test"
    );
    for path in ["/chat/rooms", "/socket.io/?EIO=4&transport=polling"] {
        let refused = http
            .get(format!("{}{path}", app.url))
            .bearer_auth(&c.token)
            .header("Origin", "https://evil.example")
            .send()
            .await
            .expect("get");
        assert_eq!(refused.status().as_u16(), 403, "{path}");
    }
    let polling = http
        .get(format!("{}/socket.io/?EIO=4&transport=polling", app.url))
        .header("Origin", "https://app.tigo.test")
        .send()
        .await
        .expect("polling");
    assert_eq!(polling.status().as_u16(), 200);
    assert_eq!(
        polling.headers()["access-control-allow-origin"],
        "https://app.tigo.test"
    );
    let evil_ws = Socket::connect(
        &app.url,
        SocketOptions {
            headers: vec![("Origin".into(), "https://evil.example".into())],
            ..SocketOptions::with_token(&c.token)
        },
    )
    .await;
    assert!(
        evil_ws.is_err(),
        "a WebSocket from another origin is refused"
    );
    let good_ws = Socket::connect(
        &app.url,
        SocketOptions {
            headers: vec![("Origin".into(), "https://app.tigo.test".into())],
            ..SocketOptions::with_token(&c.token)
        },
    )
    .await;
    assert!(good_ws.is_ok());
    // Clients without an Origin (servers, the CLI) are not browsers: allowed.
    assert!(app.socket(&c).await.0.sid().len() > 1);
}

async fn the_audit_log_records_rooms_edits_deletes_and_admin_reads(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, a) = (app.customer().await, app.owner().await, app.admin().await);
    let room = app.room(&c, &o).await;
    let m = send(&c, room.id, "hello").await;
    c.api.edit(m.id, "hello!").await.expect("edit");
    a.api.messages(room.id, "").await.expect("admin reads");
    a.api.delete(m.id).await.expect("admin deletes");
    let log = app
        .state
        .store
        .audit_log(None, None, 100)
        .await
        .expect("audit");
    let actions: Vec<(&str, Option<uuid::Uuid>)> = log
        .iter()
        .map(|l| (l.action.as_str(), l.actor_id))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("room.create", Some(c.id())),
            ("message.edit", Some(c.id())),
            ("room.admin_read", Some(a.id())),
            ("message.delete", Some(a.id())),
        ]
    );
    let delete = &log[3];
    assert_eq!(delete.message_id, Some(m.id));
    assert_eq!(delete.target_user_id, Some(c.id()));
    assert_eq!(delete.detail["by_admin"], true);
    assert!(
        !serde_json::to_string(&log)
            .unwrap_or_default()
            .contains("hello"),
        "contents stay out of the audit log"
    );
    let about_c = app
        .state
        .store
        .audit_log(None, Some(c.id()), 100)
        .await
        .expect("audit");
    assert_eq!(about_c.len(), 3);
}

contract!(
    sending_faster_than_the_limit_gets_429_with_a_retry_hint,
    login_attempts_are_limited_per_account,
    connections_per_user_and_rooms_joined_are_capped,
    a_flooding_client_does_not_slow_down_the_others,
    hostile_socket_payloads_get_errors_and_never_break_the_server,
    jwt_attacks_are_all_rejected,
    metrics_expose_connections_latency_errors_and_health,
    frontend_url_limits_browser_origins_for_rest_and_socket_io,
    the_audit_log_records_rooms_edits_deletes_and_admin_reads,
    socket_payload_fuzz_never_yields_a_server_error,
);

/// A small deterministic generator (xorshift) so a failing fuzz run can be replayed by seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// Arbitrary JSON, biased toward the fields the events read.
    fn value(&mut self, depth: u32) -> Value {
        let keys = [
            "roomId",
            "chat_room_id",
            "content",
            "type",
            "lastMessageId",
            "file_url",
            "file_name",
            "file_size",
            "metadata",
            "client_msg_id",
            "x",
        ];
        match self.below(if depth > 4 { 6 } else { 9 }) {
            0 => Value::Null,
            1 => json!(self.next().is_multiple_of(2)),
            2 => json!((self.next() as i64) >> self.below(60)),
            3 => json!(f64::from(self.next() as u32) / 7.0),
            4 => json!(
                uuid::Uuid::from_u128(u128::from(self.next()) << 64 | u128::from(self.next()))
                    .to_string()
            ),
            5 => {
                let len = [0, 1, 10, 200, 70_000][self.below(5) as usize];
                let c = ["a", "é", "\u{0}", "\"", "😀", "<script>"][self.below(6) as usize];
                json!(c.repeat(len / c.len().max(1)))
            }
            6 => Value::Array((0..self.below(4)).map(|_| self.value(depth + 1)).collect()),
            _ => {
                let mut map = serde_json::Map::new();
                for _ in 0..self.below(5) {
                    let key = keys[self.below(keys.len() as u64) as usize];
                    map.insert(key.into(), self.value(depth + 1));
                }
                Value::Object(map)
            }
        }
    }
}

/// `FUZZ_ITERATIONS` (default 300 per backend) random payloads over every event; longer runs:
/// `FUZZ_ITERATIONS=100000 cargo test --release --test api socket_payload_fuzz`.
async fn socket_payload_fuzz_never_yields_a_server_error(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    let iterations: usize = std::env::var("FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let seed = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(7)
                | 1
        });
    eprintln!("socket fuzz seed {seed} ({iterations} payloads)");
    let mut rng = Rng(seed);
    let events = [
        "join_room",
        "leave_room",
        "send_message",
        "mark_messages_read",
        "typing_start",
        "typing_stop",
    ];
    let (mut socket, _) = app.socket(&c).await;
    for i in 0..iterations {
        let event = events[rng.below(events.len() as u64) as usize];
        let mut payload = rng.value(0);
        if rng.below(3) == 0 && payload.is_object() {
            // Often aim at the real room, so deeper validation runs too.
            payload[if event == "send_message" {
                "chat_room_id"
            } else {
                "roomId"
            }] = json!(room.id);
        }
        match socket
            .emit_ack(event, &payload, Duration::from_secs(5))
            .await
        {
            Ok(ack) => {
                let status = ack["error"]["statusCode"].as_u64().unwrap_or(200);
                assert!(
                    status < 500,
                    "seed {seed}, payload {i} to {event}: {payload} → {ack}"
                );
            }
            // A payload over the size limit closes the connection: take a new one.
            Err(_) => socket = app.socket(&c).await.0,
        }
    }
    assert_eq!(app.api.health().await.expect("health").status, "healthy");
}
