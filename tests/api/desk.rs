//! The support desk: assignment (and `room_assigned` on every Admin connection, on one
//! instance and across two), the queue's type and assignee, and saved replies.

use reqwest::Method;
use serde_json::{Value, json};
use tigo_common::{CreateRoom, Room, RoomType};

use crate::contract;
use crate::helpers::*;

async fn support_room(app: &TestApp, c: &TestUser, a: &TestUser) -> Room {
    let _ = app;
    c.api
        .create_room(&CreateRoom {
            room_type: RoomType::CustomerAdmin,
            participant1_id: c.id(),
            participant2_id: a.id(),
            hotel_id: None,
        })
        .await
        .expect("support room")
}

async fn admins_assign_rooms_and_every_admin_hears_of_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, a, b) = (app.customer().await, app.admin().await, app.admin().await);
    let room = support_room(&app, &c, &a).await;
    assert_eq!(room.assigned_admin_id, None);
    let (_bs, mut b_events) = app.socket(&b).await;
    let (_cs, mut c_events) = app.socket(&c).await;
    let path = format!("/chat/rooms/{}/assign", room.id);
    let (status, assigned) = a.api.raw(Method::POST, &path, None).await.expect("assign");
    assert_eq!(status, 200, "{assigned}");
    assert_eq!(
        assigned["assigned_admin_id"],
        json!(a.id()),
        "default: the caller"
    );
    let heard = b_events
        .wait_for("room_assigned", WAIT)
        .await
        .expect("room_assigned");
    assert_eq!(heard, json!({"roomId": room.id, "adminId": a.id()}));
    let to_b = a.api.assign(room.id, Some(b.id())).await.expect("to b");
    assert_eq!(to_b.assigned_admin_id, Some(b.id()));
    assert_eq!(
        c.api.room(room.id).await.expect("room").assigned_admin_id,
        Some(b.id())
    );
    let heard = b_events
        .wait_for("room_assigned", WAIT)
        .await
        .expect("again");
    assert_eq!(heard["adminId"], json!(b.id()));
    assign_refuses_what_it_must(&a, &c, &path).await;
    let back = b.api.unassign(room.id).await.expect("unassign");
    assert_eq!(back.assigned_admin_id, None);
    let heard = b_events
        .wait_for("room_assigned", WAIT)
        .await
        .expect("unassigned");
    assert_eq!(heard, json!({"roomId": room.id, "adminId": null}));
    assert!(
        c_events
            .wait_for("room_assigned", std::time::Duration::from_millis(300))
            .await
            .is_err(),
        "only Admins hear of assignments"
    );
    assert_room_actions_audited(&app).await;
}

/// Not an Admin, an unknown user, a bad id, a non-Admin caller, an unknown room: refused.
async fn assign_refuses_what_it_must(a: &TestUser, c: &TestUser, path: &str) {
    for (body, expected) in [
        (json!({"admin_id": c.id()}), 400),
        (json!({"admin_id": uuid::Uuid::new_v4()}), 404),
        (json!({"admin_id": "nope"}), 400),
        (json!([1]), 400),
    ] {
        let (status, err) = a
            .api
            .raw(Method::POST, path, Some(&body))
            .await
            .expect("bad");
        assert_error(status, &err, expected);
    }
    let (status, err) = c
        .api
        .raw(Method::POST, path, Some(&json!({})))
        .await
        .expect("customer");
    assert_error(status, &err, 403);
    let unknown = format!("/chat/rooms/{}/assign", uuid::Uuid::new_v4());
    let (status, err) = a
        .api
        .raw(Method::POST, &unknown, Some(&json!({})))
        .await
        .expect("unknown");
    assert_error(status, &err, 404);
}

/// The room's create, two assignments and the unassignment, in the audit log in that order.
async fn assert_room_actions_audited(app: &TestApp) {
    let log = app
        .state
        .store
        .audit_log(None, None, 100)
        .await
        .expect("audit");
    let actions: Vec<&str> = log
        .iter()
        .map(|l| l.action.as_str())
        .filter(|a| a.starts_with("room."))
        .collect();
    assert_eq!(
        actions,
        vec!["room.create", "room.assign", "room.assign", "room.unassign"]
    );
}

async fn the_queue_shows_type_waiting_time_and_assignee(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, a) = (app.customer().await, app.owner().await, app.admin().await);
    let guest = support_room(&app, &c, &a).await;
    let host = o
        .api
        .create_room(&CreateRoom {
            room_type: RoomType::HotelOwnerAdmin,
            participant1_id: o.id(),
            participant2_id: a.id(),
            hotel_id: None,
        })
        .await
        .expect("host room");
    let guest_host = app.room(&c, &o).await;
    let first = send(&c, guest.id, "where is my booking?").await;
    send(&o, host.id, "payout question").await;
    send(&c, guest_host.id, "hi host").await;
    backdate(&app, &[first.id], chrono::Duration::minutes(5)).await;
    a.api.assign(host.id, None).await.expect("assign");
    let (status, queue) = a
        .api
        .raw(Method::GET, "/chat/admin/queue", None)
        .await
        .expect("queue");
    assert_eq!(status, 200);
    let rooms = queue["rooms"].as_array().cloned().unwrap_or_default();
    let summary: Vec<(Value, Value, Value)> = rooms
        .iter()
        .map(|w| {
            (
                w["room"]["id"].clone(),
                w["type"].clone(),
                w["assignee"]["id"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (json!(guest.id), json!("customer_admin"), Value::Null),
            (json!(host.id), json!("hotel_owner_admin"), json!(a.id())),
        ],
        "support rooms only, longest wait first"
    );
    assert!(rooms[0]["waiting_since"].is_string());
    assert_eq!(rooms[1]["room"]["assigned_admin_id"], json!(a.id()));
}

async fn saved_replies_are_shared_by_admins(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, a, b) = (app.customer().await, app.admin().await, app.admin().await);
    let (status, reply) = a
        .api
        .raw(
            Method::POST,
            "/chat/admin/replies",
            Some(&json!({"name": "checkin", "text": "Check-in is from 14:00."})),
        )
        .await
        .expect("add");
    assert_eq!(status, 201, "{reply}");
    assert_eq!(reply["name"], "checkin");
    let (status, err) = b
        .api
        .raw(
            Method::POST,
            "/chat/admin/replies",
            Some(&json!({"name": "checkin", "text": "again"})),
        )
        .await
        .expect("taken");
    assert_error(status, &err, 409);
    for body in [
        json!({"name": "two words", "text": "x"}),
        json!({"name": "ok", "text": " "}),
        json!({}),
    ] {
        let (status, err) = a
            .api
            .raw(Method::POST, "/chat/admin/replies", Some(&body))
            .await
            .expect("bad");
        assert_error(status, &err, 400);
    }
    let listed = b.api.saved_replies().await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].text, "Check-in is from 14:00.");
    for (method, path) in [
        (Method::GET, "/chat/admin/replies".to_string()),
        (Method::POST, "/chat/admin/replies".to_string()),
        (
            Method::DELETE,
            format!("/chat/admin/replies/{}", listed[0].id),
        ),
    ] {
        let (status, err) = c
            .api
            .raw(method, &path, Some(&json!({"name": "x", "text": "y"})))
            .await
            .expect("customer");
        assert_error(status, &err, 403);
    }
    let path = format!("/chat/admin/replies/{}", listed[0].id);
    let (status, _) = b
        .api
        .raw(Method::DELETE, &path, None)
        .await
        .expect("delete");
    assert_eq!(status, 204);
    let (status, err) = b.api.raw(Method::DELETE, &path, None).await.expect("again");
    assert_error(status, &err, 404);
    assert!(a.api.saved_replies().await.expect("list").is_empty());
}

async fn admin_replies_add_list_remove(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = app.admin().await;
    let (code, _, err) = crate::cli::tigo(
        &app,
        &[
            "admin",
            "replies",
            "add",
            "wifi",
            "The Wi-Fi password is on your key card.",
        ],
        None,
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let (code, _, _) =
        crate::cli::tigo(&app, &["admin", "replies", "add", "wifi", "dup"], None).await;
    assert_eq!(code, 1, "a taken name");
    let (code, out, _) = crate::cli::tigo(&app, &["admin", "replies", "list"], None).await;
    assert_eq!(code, 0);
    assert!(out.contains("wifi") && out.contains("key card"), "{out}");
    assert_eq!(a.api.saved_replies().await.expect("api")[0].name, "wifi");
    let (code, _, err) =
        crate::cli::tigo(&app, &["admin", "replies", "remove", "wifi"], None).await;
    assert_eq!(code, 0, "{err}");
    assert!(a.api.saved_replies().await.expect("api").is_empty());
}

contract!(
    admins_assign_rooms_and_every_admin_hears_of_it,
    the_queue_shows_type_waiting_time_and_assignee,
    saved_replies_are_shared_by_admins,
    admin_replies_add_list_remove,
);

/// `room_assigned` reaches Admin connections on the other instance (PostgreSQL + Redis).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn room_assigned_reaches_admins_on_every_instance() {
    let db = fresh_db(Backend::Postgres).await;
    let mut config = test_config(&db);
    config.redis_url = Some(redis_url());
    let a_app = start(config.clone()).await;
    config.migrate = false;
    let b_app = start(config).await;
    for app in [&a_app, &b_app] {
        for _ in 0..100 {
            if app.api.health().await.is_ok_and(|h| h.checks.bus == "up") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    let (c, a) = (a_app.customer().await, a_app.admin().await);
    let other = a_app.admin().await;
    let room = support_room(&a_app, &c, &a).await;
    let (_s, mut on_b) = b_app.socket(&other).await;
    a.api.assign(room.id, None).await.expect("assign on A");
    let heard = on_b
        .wait_for("room_assigned", WAIT)
        .await
        .expect("heard on B");
    assert_eq!(heard, json!({"roomId": room.id, "adminId": a.id()}));
    // A's socket is open before the unassign: both events then reach it through the bus in
    // the order B published them (opened after, it could still hear the unassign late).
    let (_s2, mut on_a) = a_app.socket(&a).await;
    let b_api = b_app.api.with_token(&other.token);
    b_api.unassign(room.id).await.expect("unassign on B");
    let heard = on_a
        .wait_for("room_assigned", WAIT)
        .await
        .expect("unassign heard on A");
    assert_eq!(heard, json!({"roomId": room.id, "adminId": null}));
    b_api
        .assign(room.id, Some(a.id()))
        .await
        .expect("assign on B");
    let heard = on_a
        .wait_for("room_assigned", WAIT)
        .await
        .expect("heard on A");
    assert_eq!(heard["adminId"], json!(a.id()));
}
