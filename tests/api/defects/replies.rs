//! What clients are told: no conflict in the database's words, every registration problem at
//! once, clear errors for unknown events, the support queue's rooms, Redis down as degraded.

use serde_json::{Value, json};
use tigo_common::{CreateRoom, Role, RoomType};
use tigo_server::db::NewUser;
use tigo_server::error::AppError;
use uuid::Uuid;

use crate::cli::{json as parse_json, tigo, tigo_env};
use crate::contract;
use crate::helpers::*;

async fn an_unmapped_unique_violation_reaches_no_client_in_the_databases_words(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.customer().await;
    // The same id again, another email: a key no code expects to hit.
    let err = app
        .state
        .store
        .create_user(&NewUser {
            id: c.id(),
            email: format!("other-{}@example.com", Uuid::new_v4().simple()),
            password_hash: "x".into(),
            first_name: "A".into(),
            last_name: "B".into(),
            roles: vec![Role::Customer],
        })
        .await
        .expect_err("duplicate id");
    let body = serde_json::to_value(AppError::from(err).body()).expect("json");
    assert_eq!(body["statusCode"], 409);
    let text = body.to_string().to_lowercase();
    for word in [
        "unique",
        "duplicate",
        "constraint",
        "users",
        "pkey",
        "primary",
    ] {
        assert!(
            !text.contains(word),
            "database text reached the client: {body}"
        );
    }
}

async fn registration_lists_every_problem(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, body) = app
        .api
        .raw(
            reqwest::Method::POST,
            "/auth/register",
            Some(&json!({"email": "not-an-email", "password": "short", "first_name": "", "last_name": "L"})),
        )
        .await
        .expect("request");
    assert_error(status, &body, 400);
    let problems: Vec<&str> = body["message"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for field in ["email", "password", "first_name"] {
        assert!(
            problems.iter().any(|p| p.starts_with(field)),
            "{field} missing from {problems:?}"
        );
    }
    assert_eq!(problems.len(), 3, "{problems:?}");
}

async fn unknown_events_and_bare_payloads_get_clear_errors(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.customer().await;
    let (socket, mut events) = app.socket(&c).await;
    events.wait_for("connected", WAIT).await.expect("connected");
    let reply = socket
        .emit_ack("send_mesage", &json!({"content": "typo"}), WAIT)
        .await
        .expect("answered");
    assert_eq!(reply["ok"], false);
    assert_eq!(reply["error"]["statusCode"], 404);
    assert!(
        reply["error"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Unknown event") && m.contains("send_mesage")),
        "{reply}"
    );
    socket.emit("no_such_event", &json!({})).expect("sent");
    let error = events.wait_for("error", WAIT).await.expect("error event");
    assert_eq!(error["statusCode"], 404);
    let reply = socket
        .emit_ack("join_room", &json!(Uuid::new_v4().to_string()), WAIT)
        .await
        .expect("answered");
    assert_eq!(reply["ok"], false);
    assert_eq!(reply["error"]["statusCode"], 400);
    assert!(
        reply["error"]["message"].to_string().contains("{roomId}"),
        "{reply}"
    );
}

async fn the_support_queue_lists_support_rooms_only_with_their_type(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, a) = (app.customer().await, app.owner().await, app.admin().await);
    let hotel = app.room(&c, &o).await;
    send(&c, hotel.id, "is breakfast included?").await;
    let support = c
        .api
        .create_room(&CreateRoom {
            room_type: RoomType::CustomerAdmin,
            participant1_id: c.id(),
            participant2_id: a.id(),
            hotel_id: None,
        })
        .await
        .expect("support room");
    send(&c, support.id, "my booking is gone").await;
    let queue = a.api.support_queue().await.expect("queue");
    let rooms: Vec<(Uuid, RoomType)> = queue
        .iter()
        .map(|w| (w.room.id, w.room.room_type))
        .collect();
    assert_eq!(rooms, vec![(support.id, RoomType::CustomerAdmin)]);
}

async fn admin_health_and_the_endpoint_agree_that_redis_down_is_degraded(backend: Backend) {
    let dead_redis = format!("redis://127.0.0.1:{}", dead_port());
    let app = spawn_app_with(backend, |c| c.redis_url = Some(dead_redis.clone())).await;
    let (status, body) = app
        .api
        .raw(reqwest::Method::GET, "/chat/health", None)
        .await
        .expect("health");
    assert_eq!((status, body["status"].as_str()), (200, Some("degraded")));
    let (code, out, err) = tigo_env(
        &app,
        &["admin", "health"],
        None,
        &[("REDIS_URL", &dead_redis)],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("degraded"), "{out}");
    let (code, out, _) = tigo_env(
        &app,
        &["admin", "health", "--json"],
        None,
        &[("REDIS_URL", &dead_redis)],
    )
    .await;
    assert_eq!(code, 0);
    assert_eq!(parse_json(&out)["status"], "degraded");
    let (code, out, _) = tigo(&app, &["admin", "health", "--url", &app.url], None).await;
    assert_eq!(code, 0);
    assert!(out.starts_with("degraded"), "{out}");
}

contract!(
    an_unmapped_unique_violation_reaches_no_client_in_the_databases_words,
    registration_lists_every_problem,
    unknown_events_and_bare_payloads_get_clear_errors,
    the_support_queue_lists_support_rooms_only_with_their_type,
    admin_health_and_the_endpoint_agree_that_redis_down_is_degraded,
);
