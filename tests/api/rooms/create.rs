//! Creating rooms: create-or-get without races, role rules, bad requests, admins opening rooms
//! for others.

use reqwest::Method;
use serde_json::json;
use tigo_common::{CreateRoom, RoomType};

use crate::contract;
use crate::helpers::*;

async fn creating_a_room_gives_201_then_200_for_the_same_pair_in_either_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let hotel = uuid::Uuid::new_v4();
    let body = json!({"type": "customer_hotel_owner", "participant1_id": c.id(), "participant2_id": o.id(), "hotel_id": hotel});
    let (status, first) = c
        .api
        .raw(Method::POST, "/chat/rooms", Some(&body))
        .await
        .expect("create");
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["type"], "customer_hotel_owner");
    assert_eq!(first["hotel_id"], json!(hotel));
    assert_eq!(first["participant1"]["id"], json!(c.id()));
    assert_eq!(first["participant2"]["email"], json!(o.user.email));
    assert_eq!(first["unread_count"], 0);
    assert_eq!(first["is_active"], true);
    assert!(first["last_message_at"].is_null());
    let reversed = json!({"type": "customer_hotel_owner", "participant1_id": o.id(), "participant2_id": c.id()});
    let (status, again) = o
        .api
        .raw(Method::POST, "/chat/rooms", Some(&reversed))
        .await
        .expect("create");
    assert_eq!(status, 200);
    assert_eq!(again["id"], first["id"]);
}

async fn twenty_concurrent_creates_of_one_pair_yield_one_room_and_no_error(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let mut tasks = Vec::new();
    for i in 0..20 {
        let (a, b) = if i % 2 == 0 {
            (c.id(), o.id())
        } else {
            (o.id(), c.id())
        };
        let api = if i % 2 == 0 {
            c.api.clone()
        } else {
            o.api.clone()
        };
        tasks.push(tokio::spawn(async move {
            api.raw(
                Method::POST,
                "/chat/rooms",
                Some(&json!({"type": "customer_hotel_owner", "participant1_id": a, "participant2_id": b})),
            )
            .await
            .expect("request")
        }));
    }
    let mut ids = std::collections::HashSet::new();
    let mut created = 0;
    for task in tasks {
        let (status, body) = task.await.expect("join");
        assert!(status == 200 || status == 201, "status {status}: {body}");
        if status == 201 {
            created += 1;
        }
        ids.insert(body["id"].as_str().expect("id").to_string());
    }
    assert_eq!(ids.len(), 1, "one room for the pair");
    assert_eq!(created, 1, "exactly one create reports 201");
    let list = c.api.rooms("").await.expect("list");
    assert_eq!(list.total, 1);
}

async fn room_types_must_match_the_participants_roles(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, c2, o, a) = (
        app.customer().await,
        app.customer().await,
        app.owner().await,
        app.admin().await,
    );
    for (kind, p2, ok) in [
        ("customer_hotel_owner", &o, true),
        ("customer_admin", &a, true),
        ("customer_admin", &o, false),
        ("customer_hotel_owner", &c2, false),
        ("hotel_owner_admin", &o, false),
    ] {
        let (status, body) = c
            .api
            .raw(
                Method::POST,
                "/chat/rooms",
                Some(&json!({"type": kind, "participant1_id": c.id(), "participant2_id": p2.id()})),
            )
            .await
            .expect("create");
        if ok {
            assert_eq!(status, 201, "{kind}: {body}");
        } else {
            assert_error(status, &body, 400);
        }
    }
    let (status, body) = o
        .api
        .raw(Method::POST, "/chat/rooms", Some(&json!({"type": "hotel_owner_admin", "participant1_id": a.id(), "participant2_id": o.id()})))
        .await
        .expect("create");
    assert_eq!(status, 201, "{body}");
}

async fn bad_room_requests_name_their_problem(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, stranger) = (
        app.customer().await,
        app.owner().await,
        app.customer().await,
    );
    let (status, body) = c
        .api
        .raw(
            Method::POST,
            "/chat/rooms",
            Some(&json!({"type": "nope", "participant1_id": "x"})),
        )
        .await
        .expect("create");
    assert_error(status, &body, 400);
    assert_eq!(messages_of(&body).len(), 3, "{body}");
    let (status, body) = c
        .api
        .raw(Method::POST, "/chat/rooms", Some(&json!({"type": "customer_admin", "participant1_id": c.id(), "participant2_id": c.id()})))
        .await
        .expect("create");
    assert_error(status, &body, 400);
    let missing = uuid::Uuid::new_v4();
    let (status, body) = c
        .api
        .raw(Method::POST, "/chat/rooms", Some(&json!({"type": "customer_hotel_owner", "participant1_id": c.id(), "participant2_id": missing})))
        .await
        .expect("create");
    assert_error(status, &body, 404);
    let (status, body) = stranger
        .api
        .raw(Method::POST, "/chat/rooms", Some(&json!({"type": "customer_hotel_owner", "participant1_id": c.id(), "participant2_id": o.id()})))
        .await
        .expect("create");
    assert_error(status, &body, 403);
    let (status, body) = c
        .api
        .raw(Method::POST, "/chat/rooms", Some(&json!([1, 2])))
        .await
        .expect("create");
    assert_error(status, &body, 400);
}

async fn an_admin_may_open_a_room_for_two_other_users(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, a) = (app.customer().await, app.owner().await, app.admin().await);
    let room = a
        .api
        .create_room(&CreateRoom {
            room_type: RoomType::CustomerHotelOwner,
            participant1_id: c.id(),
            participant2_id: o.id(),
            hotel_id: None,
        })
        .await
        .expect("admin creates");
    assert!(room.has_participant(c.id()) && room.has_participant(o.id()));
    assert_eq!(
        c.api.room(room.id).await.expect("customer sees it").id,
        room.id
    );
}

contract!(
    creating_a_room_gives_201_then_200_for_the_same_pair_in_either_order,
    twenty_concurrent_creates_of_one_pair_yield_one_room_and_no_error,
    room_types_must_match_the_participants_roles,
    bad_room_requests_name_their_problem,
    an_admin_may_open_a_room_for_two_other_users,
);
