//! Adding and removing room members (contract v3, "Room members"): companions by the guest
//! side in guest rooms, agents by Admins, the roles that cannot be added, `MAX_ROOM_MEMBERS`,
//! and who may remove whom.

use serde_json::json;
use uuid::Uuid;

use super::calls::*;
use crate::contract;
use crate::helpers::*;

contract!(
    companions_join_guest_rooms_by_the_guest_side_or_an_admin,
    agents_are_active_admins_added_by_admins_in_any_room,
    staff_participant_and_unknown_roles_and_second_roles_are_refused,
    only_users_with_access_add_members_to_rooms_that_exist,
    a_room_has_at_most_max_room_members_counting_everyone,
    members_leave_by_whoever_may_add_them_or_by_themselves,
);

/// A `customer_admin` room of `c` with a new Admin: its id.
async fn support_room(app: &TestApp, c: &TestUser) -> Uuid {
    let admin = app.admin().await;
    let body = json!({"type": "customer_admin", "participant1_id": c.id(),
                      "participant2_id": admin.id()});
    let (status, room) = call(c, reqwest::Method::POST, "/chat/rooms", Some(body)).await;
    assert_eq!(status, 201, "{room}");
    id_of(&room)
}

async fn companions_join_guest_rooms_by_the_guest_side_or_an_admin(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, admin) = (app.customer().await, app.owner().await, app.admin().await);
    let room = app.room(&c, &o).await.id;
    let friend = app.customer().await;
    // The hotel side may not bring the guest's companions.
    let (status, body) = add_member(&o, room, friend.id(), "companion").await;
    assert_error(status, &body, 403);
    let (status, added) = add_member(&c, room, friend.id(), "companion").await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(id_of(&added), room);
    let expected = (friend.id(), "companion".to_string(), "customer".to_string());
    assert_eq!(roles(&added).last(), Some(&expected), "{added}");
    let entry = &added["members"][2];
    assert_eq!(
        (&entry["first_name"], &entry["last_name"]),
        (&json!("Carla"), &json!("Tester"))
    );
    assert!(entry["joined_at"].is_string(), "{added}");
    // Again: 200, unchanged.
    let (status, again) = add_member(&c, room, friend.id(), "companion").await;
    assert_eq!((status, roles(&again)), (200, roles(&added)), "{again}");
    // An Admin may add one; any active user may be one (a hotel owner travelling too).
    let travelling_owner = app.owner().await;
    let (status, body) = add_member(&admin, room, travelling_owner.id(), "companion").await;
    assert_eq!(status, 201, "{body}");
    // In a support room too, by its customer.
    let support = support_room(&app, &c).await;
    let (status, body) = add_member(&c, support, friend.id(), "companion").await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(role_of(&body, friend.id()).as_deref(), Some("companion"));
    // Not in an owner's support room (there is no guest side).
    let body = json!({"type": "hotel_owner_admin", "participant1_id": o.id(),
                      "participant2_id": admin.id()});
    let (status, desk) = call(&o, reqwest::Method::POST, "/chat/rooms", Some(body)).await;
    assert_eq!(status, 201, "{desk}");
    let (status, body) = add_member(&admin, id_of(&desk), friend.id(), "companion").await;
    assert_error(status, &body, 400);
    // Unknown → 404, deactivated → 400.
    let (status, body) = add_member(&c, room, Uuid::new_v4(), "companion").await;
    assert_error(status, &body, 404);
    let gone = app.customer().await;
    set_active(&app, &gone, false).await;
    let (status, body) = add_member(&c, room, gone.id(), "companion").await;
    assert_error(status, &body, 400);
    let (_, seen) = get(&o, &format!("/chat/rooms/{room}")).await;
    assert_eq!(roles(&seen).len(), 4, "{seen}");
}

async fn agents_are_active_admins_added_by_admins_in_any_room(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, admin) = (app.customer().await, app.owner().await, app.admin().await);
    let room = app.room(&c, &o).await.id;
    let colleague = app.admin().await;
    for caller in [&c, &o] {
        let (status, body) = add_member(caller, room, colleague.id(), "agent").await;
        assert_error(status, &body, 403);
    }
    // Only an Admin may be an agent.
    for user in [app.customer().await.id(), o.id()] {
        let (status, body) = add_member(&admin, room, user, "agent").await;
        assert_error(status, &body, 400);
    }
    let (status, added) = add_member(&admin, room, colleague.id(), "agent").await;
    assert_eq!(status, 201, "{added}");
    let expected = (colleague.id(), "agent".to_string(), "support".to_string());
    assert_eq!(roles(&added).last(), Some(&expected));
    // An Admin steps in themselves.
    let (status, added) = add_member(&admin, room, admin.id(), "agent").await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(role_of(&added, admin.id()).as_deref(), Some("agent"));
    let (status, again) = add_member(&colleague, room, admin.id(), "agent").await;
    assert_eq!((status, roles(&again)), (200, roles(&added)));
    // A support room, and an owner's support room.
    let support = support_room(&app, &c).await;
    assert_eq!(
        add_member(&admin, support, colleague.id(), "agent").await.0,
        201
    );
    let body = json!({"type": "hotel_owner_admin", "participant1_id": o.id(),
                      "participant2_id": colleague.id()});
    let (_, desk) = call(&o, reqwest::Method::POST, "/chat/rooms", Some(body)).await;
    assert_eq!(
        add_member(&admin, id_of(&desk), admin.id(), "agent")
            .await
            .0,
        201
    );
    // A deactivated Admin → 400, an unknown user → 404.
    let gone = app.admin().await;
    set_active(&app, &gone, false).await;
    let (status, body) = add_member(&admin, room, gone.id(), "agent").await;
    assert_error(status, &body, 400);
    let (status, body) = add_member(&admin, room, Uuid::new_v4(), "agent").await;
    assert_error(status, &body, 404);
}

async fn staff_participant_and_unknown_roles_and_second_roles_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, admin) = (app.customer().await, app.owner().await, app.admin().await);
    let room = app.room(&c, &o).await.id;
    let friend = app.customer().await;
    for role in ["staff", "participant", "boss", "", "COMPANION"] {
        let (status, body) = add_member(&admin, room, friend.id(), role).await;
        assert_error(status, &body, 400);
    }
    let path = format!("/chat/rooms/{room}/members");
    for body in [
        json!({}),
        json!({"user_id": friend.id()}),
        json!({"role": "companion"}),
    ] {
        let (status, got) = call(&c, reqwest::Method::POST, &path, Some(body)).await;
        assert_error(status, &got, 400);
    }
    // Already a member with another role: participants, then an agent as a companion.
    let (status, body) = add_member(&c, room, o.id(), "companion").await;
    assert_error(status, &body, 400);
    let (status, body) = add_member(&admin, room, c.id(), "companion").await;
    assert_error(status, &body, 400);
    assert_eq!(add_member(&admin, room, admin.id(), "agent").await.0, 201);
    let (status, body) = add_member(&c, room, admin.id(), "companion").await;
    assert_error(status, &body, 400);
    let (_, seen) = get(&c, &format!("/chat/rooms/{room}")).await;
    let kinds: Vec<_> = roles(&seen).into_iter().map(|(_, role, _)| role).collect();
    assert_eq!(kinds, ["participant", "participant", "agent"], "{seen}");
}

async fn only_users_with_access_add_members_to_rooms_that_exist(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await.id;
    let (stranger, friend) = (app.customer().await, app.customer().await);
    let (status, body) = add_member(&stranger, room, friend.id(), "companion").await;
    assert_error(status, &body, 403);
    let (status, body) = add_member(&stranger, room, stranger.id(), "companion").await;
    assert_error(status, &body, 403);
    let (status, body) = add_member(&c, Uuid::new_v4(), friend.id(), "companion").await;
    assert_error(status, &body, 404);
    let (status, body) = remove_member(&c, Uuid::new_v4(), friend.id()).await;
    assert_error(status, &body, 404);
    // A companion is not the guest participant: they bring no one else.
    companion(&c, room, &friend).await;
    let (status, body) = add_member(&friend, room, stranger.id(), "companion").await;
    assert_error(status, &body, 403);
    let (status, body) = remove_member(&stranger, room, friend.id()).await;
    assert_error(status, &body, 403);
}

async fn a_room_has_at_most_max_room_members_counting_everyone(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.limits.max_room_members = 3).await;
    let (c, o, admin) = (app.customer().await, app.owner().await, app.admin().await);
    let room = app.room(&c, &o).await.id;
    let (first, second) = (app.customer().await, app.customer().await);
    companion(&c, room, &first).await;
    let (status, body) = add_member(&c, room, second.id(), "companion").await;
    assert_error(status, &body, 400);
    let (status, body) = add_member(&admin, room, admin.id(), "agent").await;
    assert_error(status, &body, 400);
    // Adding one who is there already is not one more.
    assert_eq!(add_member(&c, room, first.id(), "companion").await.0, 200);
    assert_eq!(remove_member(&c, room, first.id()).await.0, 200);
    companion(&c, room, &second).await;
    // Staff count too: a hotel room with one of the staff is full.
    let hotel = registered_hotel(&app, &o).await;
    assert_eq!(add_staff(&o, hotel, clerk(&app).await.id()).await.0, 200);
    let full = id_of(&hotel_room(&c, &o, hotel).await);
    let (status, body) = add_member(&c, full, first.id(), "companion").await;
    assert_error(status, &body, 400);
}

async fn members_leave_by_whoever_may_add_them_or_by_themselves(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o, admin) = (app.customer().await, app.owner().await, app.admin().await);
    let room = app.room(&c, &o).await.id;
    let (f1, f2, f3) = (
        app.customer().await,
        app.customer().await,
        app.customer().await,
    );
    for friend in [&f1, &f2, &f3] {
        companion(&c, room, friend).await;
    }
    let (agent, other_admin) = (app.admin().await, app.admin().await);
    assert_eq!(add_member(&admin, room, agent.id(), "agent").await.0, 201);
    // Participants never; not members → 404.
    for (by, who) in [(&admin, c.id()), (&c, o.id()), (&o, o.id())] {
        let (status, body) = remove_member(by, room, who).await;
        assert_error(status, &body, 400);
    }
    let (status, body) = remove_member(&c, room, other_admin.id()).await;
    assert_error(status, &body, 404);
    // A companion: not by the hotel side or another companion…
    for by in [&o, &f2] {
        let (status, body) = remove_member(by, room, f1.id()).await;
        assert_error(status, &body, 403);
    }
    // …but by the guest, an Admin, or themselves.
    for (by, who) in [(&c, &f1), (&other_admin, &f2), (&f3, &f3)] {
        let (status, left) = remove_member(by, room, who.id()).await;
        assert_eq!(status, 200, "{left}");
        assert_eq!(role_of(&left, who.id()), None, "{left}");
    }
    // An agent: not by the guest or the owner; by any Admin or themselves.
    for by in [&c, &o] {
        let (status, body) = remove_member(by, room, agent.id()).await;
        assert_error(status, &body, 403);
    }
    let (status, left) = remove_member(&other_admin, room, agent.id()).await;
    assert_eq!((status, roles(&left).len()), (200, 2), "{left}");
    assert_eq!(add_member(&admin, room, agent.id(), "agent").await.0, 201);
    assert_eq!(remove_member(&agent, room, agent.id()).await.0, 200);
    // Gone already: an Admin still reads the room, but is no member to remove.
    let (status, body) = remove_member(&agent, room, agent.id()).await;
    assert_error(status, &body, 404);
}
