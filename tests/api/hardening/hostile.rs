//! Hostile input: bad socket payloads, forged and tampered JWTs, and a seeded fuzz of socket
//! payloads that must never yield a server error.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use tigo_client::sio::{SioError, Socket, SocketOptions};

use crate::contract;
use crate::helpers::*;

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

contract!(
    hostile_socket_payloads_get_errors_and_never_break_the_server,
    jwt_attacks_are_all_rejected,
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
