//! Listing rooms: paging, filters, search and sort, admin-only lists, unread counts, a room by
//! id, and the support queue.

use reqwest::Method;
use tigo_common::{CreateRoom, RoomType};

use crate::contract;
use crate::helpers::*;

async fn room_lists_page_filter_search_and_sort_by_latest_activity(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.customer().await;
    let owners = [
        app.user_with(&[tigo_common::Role::HotelOwner], "Zelda")
            .await,
        app.user_with(&[tigo_common::Role::HotelOwner], "Yuri")
            .await,
        app.user_with(&[tigo_common::Role::HotelOwner], "Xavier")
            .await,
    ];
    let admin = app.admin().await;
    let mut rooms = Vec::new();
    for o in &owners {
        rooms.push(app.room(&c, o).await);
    }
    let support = c
        .api
        .create_room(&CreateRoom {
            room_type: RoomType::CustomerAdmin,
            participant1_id: c.id(),
            participant2_id: admin.id(),
            hotel_id: None,
        })
        .await
        .expect("support room");
    // Activity: the first room gets the newest message.
    send(&c, rooms[1].id, "older").await;
    send(&c, rooms[0].id, "newest").await;
    let all = c.api.rooms("").await.expect("list");
    assert_eq!(all.total, 4);
    assert_eq!((all.page, all.limit), (1, 20));
    assert_eq!(all.rooms[0].id, rooms[0].id);
    assert_eq!(all.rooms[0].last_message_content.as_deref(), Some("newest"));
    assert_eq!(all.rooms[1].id, rooms[1].id);
    let page2 = c.api.rooms("page=2&limit=3").await.expect("page 2");
    assert_eq!(page2.rooms.len(), 1);
    assert_eq!(page2.total, 4);
    let typed = c.api.rooms("type=customer_admin").await.expect("typed");
    assert_eq!(
        typed.rooms.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![support.id]
    );
    let with = c
        .api
        .rooms(&format!("participant_id={}", owners[2].id()))
        .await
        .expect("with");
    assert_eq!(
        with.rooms.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![rooms[2].id]
    );
    let found = c.api.rooms("search=yur").await.expect("search");
    assert_eq!(
        found.rooms.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![rooms[1].id]
    );
    let own_name = c.api.rooms("search=carla").await.expect("search");
    assert_eq!(
        own_name.total, 0,
        "searching finds the other participant, not oneself"
    );
    let pattern = c.api.rooms("search=%25").await.expect("search");
    assert_eq!(pattern.total, 0, "LIKE wildcards are literal");
    let owner_view = owners[0].api.rooms("").await.expect("owner list");
    assert_eq!(owner_view.total, 1);
}

async fn listing_every_room_is_for_admins_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, a) = (app.customer().await, app.owner().await, app.admin().await);
    app.room(&c, &o).await;
    let err = c.api.rooms("all=true").await.expect_err("not admin");
    assert_eq!(err.status(), Some(403));
    let all = a.api.rooms("all=true").await.expect("admin");
    assert_eq!(all.total, 1);
    assert_eq!(
        all.rooms[0].unread_count, 0,
        "no unread count for a non-participant"
    );
    assert_eq!(a.api.rooms("").await.expect("own").total, 0);
}

async fn bad_list_parameters_are_400(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.customer().await;
    for query in [
        "limit=0",
        "limit=101",
        "page=0",
        "page=x",
        "type=bogus",
        "participant_id=7",
        "all=maybe",
    ] {
        let (status, body) = c
            .api
            .raw(Method::GET, &format!("/chat/rooms?{query}"), None)
            .await
            .expect("list");
        assert_error(status, &body, 400);
    }
    let (status, body) = c
        .api
        .raw(Method::GET, "/chat/rooms?limit=100", None)
        .await
        .expect("list");
    assert_eq!(status, 200, "{body}");
}

async fn unread_counts_are_per_user_and_clear_on_read(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    for i in 0..3 {
        send(&c, room.id, &format!("hello {i}")).await;
    }
    send(&o, room.id, "answer").await;
    assert_eq!(o.api.room(room.id).await.expect("room").unread_count, 3);
    assert_eq!(c.api.room(room.id).await.expect("room").unread_count, 1);
    o.api.mark_read(room.id).await.expect("read");
    assert_eq!(o.api.room(room.id).await.expect("room").unread_count, 0);
    assert_eq!(
        o.api.rooms("").await.expect("list").rooms[0].unread_count,
        0
    );
    assert_eq!(c.api.room(room.id).await.expect("room").unread_count, 1);
    send(&c, room.id, "one more").await;
    assert_eq!(
        o.api.rooms("").await.expect("list").rooms[0].unread_count,
        1
    );
}

async fn a_room_by_id_is_404_when_unknown_and_400_when_not_a_uuid(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = app.customer().await;
    let (status, body) = c
        .api
        .raw(
            Method::GET,
            &format!("/chat/rooms/{}", uuid::Uuid::new_v4()),
            None,
        )
        .await
        .expect("get");
    assert_error(status, &body, 404);
    let (status, body) = c
        .api
        .raw(Method::GET, "/chat/rooms/not-a-uuid", None)
        .await
        .expect("get");
    assert_error(status, &body, 400);
    assert_eq!(messages_of(&body), vec!["roomId must be a UUID"]);
}

async fn the_support_queue_lists_rooms_waiting_for_an_admin_oldest_first(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, a) = (app.customer().await, app.owner().await, app.admin().await);
    let c2 = app.customer().await;
    // Support rooms only (a guest↔hotel conversation waits for the hotel, not for support).
    let support_room = |room_type, participant1_id| CreateRoom {
        room_type,
        participant1_id,
        participant2_id: a.id(),
        hotel_id: None,
    };
    let first = o
        .api
        .create_room(&support_room(RoomType::HotelOwnerAdmin, o.id()))
        .await
        .expect("hotel support room");
    let second = c2
        .api
        .create_room(&support_room(RoomType::CustomerAdmin, c2.id()))
        .await
        .expect("guest support room");
    let hotel = app.room(&c, &o).await;
    send(&o, first.id, "owner asks").await;
    send(&c2, second.id, "customer asks").await;
    send(&c, hotel.id, "guest asks the hotel").await;
    let waiting = a.api.support_queue().await.expect("queue");
    let rows: Vec<_> = waiting
        .iter()
        .map(|w| (w.room.id, w.last_sender.id, w.last_sender.email.clone()))
        .collect();
    assert_eq!(
        rows,
        vec![
            (first.id, o.id(), o.user.email.clone()),
            (second.id, c2.id(), c2.user.email.clone()),
        ]
    );
    // An admin's answer takes the room off the queue.
    let support = a
        .api
        .create_room(&CreateRoom {
            room_type: RoomType::CustomerAdmin,
            participant1_id: c.id(),
            participant2_id: a.id(),
            hotel_id: None,
        })
        .await
        .expect("support room");
    send(&c, support.id, "help").await;
    assert_eq!(
        a.api
            .support_queue()
            .await
            .expect("queue")
            .last()
            .map(|w| w.room.id),
        Some(support.id)
    );
    send(&a, support.id, "here").await;
    let ids: Vec<_> = a
        .api
        .support_queue()
        .await
        .expect("queue")
        .iter()
        .map(|w| w.room.id)
        .collect();
    assert_eq!(ids, vec![first.id, second.id]);
    assert_eq!(
        c.api.support_queue().await.expect_err("customer").status(),
        Some(403)
    );
}

contract!(
    room_lists_page_filter_search_and_sort_by_latest_activity,
    listing_every_room_is_for_admins_only,
    bad_list_parameters_are_400,
    unread_counts_are_per_user_and_clear_on_read,
    a_room_by_id_is_404_when_unknown_and_400_when_not_a_uuid,
    the_support_queue_lists_rooms_waiting_for_an_admin_oldest_first,
);
