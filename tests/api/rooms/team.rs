//! Hotels and their teams (contract v3): Admins register hotels, the hotel is shown to its
//! owner, staff and Admins, the owner or an Admin names and removes staff within
//! `MAX_HOTEL_STAFF`, and a registered hotel's rooms belong to its owner.

use reqwest::Method;
use serde_json::{Value, json};
use tigo_common::Role;
use uuid::Uuid;

use super::calls::*;
use crate::contract;
use crate::helpers::*;

contract!(
    only_admins_register_hotels_with_a_name_and_an_active_owner,
    a_hotel_is_shown_to_its_owner_its_staff_and_admins,
    the_owner_or_an_admin_names_staff_among_active_non_customers,
    staff_leave_the_team_by_the_owner_or_an_admin,
    a_hotel_has_at_most_max_hotel_staff,
    a_registered_hotels_rooms_are_its_owners,
);

/// The `user_id`s of a hotel's staff, in order.
fn staff_ids(hotel: &Value) -> Vec<Value> {
    let staff = hotel["staff"]
        .as_array()
        .unwrap_or_else(|| panic!("staff in {hotel}"));
    staff.iter().map(|s| s["user_id"].clone()).collect()
}

async fn only_admins_register_hotels_with_a_name_and_an_active_owner(backend: Backend) {
    let app = spawn_app(backend).await;
    let (admin, o, c) = (app.admin().await, app.owner().await, app.customer().await);
    let hotel = Uuid::new_v4();
    for caller in [&o, &c] {
        let (status, body) = put_hotel(caller, hotel, "Hotel Adler", o.id()).await;
        assert_error(status, &body, 403);
    }
    let path = format!("/chat/admin/hotels/{hotel}");
    for body in [
        json!({}),
        json!({"name": "Adler"}),
        json!({"owner_id": o.id()}),
    ] {
        let (status, got) = call(&admin, Method::PUT, &path, Some(body.clone())).await;
        assert_error(status, &got, 400);
    }
    for name in ["", "   ", &"x".repeat(201)] {
        let (status, body) = put_hotel(&admin, hotel, name, o.id()).await;
        assert_error(status, &body, 400);
    }
    let gone = app.owner().await;
    set_active(&app, &gone, false).await;
    for owner in [Uuid::new_v4(), c.id(), admin.id(), gone.id()] {
        let (status, body) = put_hotel(&admin, hotel, "Hotel Adler", owner).await;
        assert_error(status, &body, 400);
    }
    // Nothing was stored by the refusals: the first valid PUT creates it.
    let (status, body) = get(&admin, &path.replace("/admin", "")).await;
    assert_error(status, &body, 404);
    let long = "y".repeat(200);
    let (status, created) = put_hotel(&admin, hotel, &long, o.id()).await;
    assert_eq!(status, 201, "{created}");
    let expected = json!({"id": hotel, "name": long, "owner_id": o.id(), "staff": []});
    assert_eq!(created, expected);
    // Again: an update, to a new name and a new owner.
    let other = app.owner().await;
    let (status, updated) = put_hotel(&admin, hotel, "Adler am See", other.id()).await;
    assert_eq!(status, 200, "{updated}");
    let expected = json!({"id": hotel, "name": "Adler am See", "owner_id": other.id(),
                          "staff": []});
    assert_eq!(updated, expected);
    let (status, shown) = get(&admin, &format!("/chat/hotels/{hotel}")).await;
    assert_eq!((status, shown), (200, expected));
}

async fn a_hotel_is_shown_to_its_owner_its_staff_and_admins(backend: Backend) {
    let app = spawn_app(backend).await;
    let o = app.owner().await;
    let hotel = registered_hotel(&app, &o).await;
    let (first, second) = (clerk(&app).await, clerk(&app).await);
    for s in [&first, &second] {
        let (status, body) = add_staff(&o, hotel, s.id()).await;
        assert_eq!(status, 200, "{body}");
    }
    let path = format!("/chat/hotels/{hotel}");
    let admin = app.admin().await;
    for reader in [&o, &first, &second, &admin] {
        let (status, shown) = get(reader, &path).await;
        assert_eq!(status, 200, "{shown}");
        assert_eq!(
            (&shown["id"], &shown["owner_id"]),
            (&json!(hotel), &json!(o.id()))
        );
        assert_eq!(
            staff_ids(&shown),
            vec![json!(first.id()), json!(second.id())]
        );
        let entry = &shown["staff"][0];
        assert_eq!(entry["first_name"], "Sami", "{shown}");
        assert_eq!(entry["last_name"], "Tester", "{shown}");
        assert_eq!(entry["email"], json!(first.user.email), "{shown}");
        let (a, b) = (
            &shown["staff"][0]["added_at"],
            &shown["staff"][1]["added_at"],
        );
        let at = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().expect("added_at"));
        assert!(
            at(a).expect("rfc3339") <= at(b).expect("rfc3339"),
            "{shown}"
        );
    }
    let (stranger, guest) = (app.owner().await, app.customer().await);
    for outsider in [&stranger, &guest] {
        let (status, body) = get(outsider, &path).await;
        assert_error(status, &body, 403);
    }
    for anyone in [&o, &admin, &guest] {
        let (status, body) = get(anyone, &format!("/chat/hotels/{}", Uuid::new_v4())).await;
        assert_error(status, &body, 404);
    }
}

async fn the_owner_or_an_admin_names_staff_among_active_non_customers(backend: Backend) {
    let app = spawn_app(backend).await;
    let o = app.owner().await;
    let hotel = registered_hotel(&app, &o).await;
    let (s, t, admin) = (clerk(&app).await, clerk(&app).await, app.admin().await);
    let (status, named) = add_staff(&o, hotel, s.id()).await;
    assert_eq!(status, 200, "{named}");
    assert_eq!(staff_ids(&named), vec![json!(s.id())]);
    // Again: unchanged, the same time of joining.
    let (status, again) = add_staff(&o, hotel, s.id()).await;
    assert_eq!((status, &again), (200, &named));
    // An Admin may name staff too, an Admin and a guest who also runs a hotel among them.
    let both = app
        .user_with(&[Role::Customer, Role::HotelOwner], "Bea")
        .await;
    for user in [t.id(), admin.id(), both.id()] {
        let (status, body) = add_staff(&admin, hotel, user).await;
        assert_eq!(status, 200, "{body}");
    }
    let (_, shown) = get(&o, &format!("/chat/hotels/{hotel}")).await;
    let expected = [s.id(), t.id(), admin.id(), both.id()].map(|id| json!(id));
    assert_eq!(staff_ids(&shown), expected.to_vec());
    // Not the staff themselves, another owner or a guest.
    let (other, guest, newcomer) = (app.owner().await, app.customer().await, clerk(&app).await);
    for caller in [&s, &other, &guest] {
        let (status, body) = add_staff(caller, hotel, newcomer.id()).await;
        assert_error(status, &body, 403);
    }
    let (status, body) = add_staff(&o, hotel, Uuid::new_v4()).await;
    assert_error(status, &body, 404);
    let gone = clerk(&app).await;
    set_active(&app, &gone, false).await;
    for user in [gone.id(), guest.id(), o.id()] {
        let (status, body) = add_staff(&o, hotel, user).await;
        assert_error(status, &body, 400);
    }
    let (status, body) = add_staff(&o, Uuid::new_v4(), newcomer.id()).await;
    assert_error(status, &body, 404);
    let (_, after) = get(&o, &format!("/chat/hotels/{hotel}")).await;
    assert_eq!(after, shown, "the refusals changed nothing");
}

async fn staff_leave_the_team_by_the_owner_or_an_admin(backend: Backend) {
    let app = spawn_app(backend).await;
    let o = app.owner().await;
    let hotel = registered_hotel(&app, &o).await;
    let (s, t, admin) = (clerk(&app).await, clerk(&app).await, app.admin().await);
    for user in [&s, &t] {
        assert_eq!(add_staff(&o, hotel, user.id()).await.0, 200);
    }
    let (other, guest) = (app.owner().await, app.customer().await);
    for caller in [&t, &other, &guest] {
        let (status, body) = remove_staff(caller, hotel, s.id()).await;
        assert_error(status, &body, 403);
    }
    let (status, body) = remove_staff(&o, hotel, s.id()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(staff_ids(&body), vec![json!(t.id())]);
    let (status, body) = remove_staff(&o, hotel, s.id()).await;
    assert_error(status, &body, 404);
    let (status, body) = remove_staff(&admin, hotel, t.id()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["staff"], json!([]));
    // Gone from the team: the hotel is no longer theirs to see.
    let (status, body) = get(&t, &format!("/chat/hotels/{hotel}")).await;
    assert_error(status, &body, 403);
    let (status, body) = remove_staff(&o, hotel, guest.id()).await;
    assert_error(status, &body, 404);
}

async fn a_hotel_has_at_most_max_hotel_staff(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.limits.max_hotel_staff = 2).await;
    let o = app.owner().await;
    let hotel = registered_hotel(&app, &o).await;
    let (s, t, u) = (clerk(&app).await, clerk(&app).await, clerk(&app).await);
    for user in [&s, &t] {
        assert_eq!(add_staff(&o, hotel, user.id()).await.0, 200);
    }
    let (status, body) = add_staff(&o, hotel, u.id()).await;
    assert_error(status, &body, 400);
    // Naming someone already there is not one more.
    assert_eq!(add_staff(&o, hotel, t.id()).await.0, 200);
    assert_eq!(remove_staff(&o, hotel, s.id()).await.0, 200);
    let (status, body) = add_staff(&o, hotel, u.id()).await;
    assert_eq!(status, 200, "room again: {body}");
    assert_eq!(staff_ids(&body), vec![json!(t.id()), json!(u.id())]);
}

async fn a_registered_hotels_rooms_are_its_owners(backend: Backend) {
    let app = spawn_app(backend).await;
    let (o, c, other) = (app.owner().await, app.customer().await, app.owner().await);
    let hotel = registered_hotel(&app, &o).await;
    let room = |owner: Uuid, hotel: Uuid| {
        json!({"type": "customer_hotel_owner", "participant1_id": c.id(),
               "participant2_id": owner, "hotel_id": hotel})
    };
    let (status, body) = call(
        &c,
        Method::POST,
        "/chat/rooms",
        Some(room(other.id(), hotel)),
    )
    .await;
    assert_error(status, &body, 400);
    let (status, body) = call(
        &other,
        Method::POST,
        "/chat/rooms",
        Some(room(other.id(), hotel)),
    )
    .await;
    assert_error(status, &body, 400);
    let (status, body) = call(&c, Method::POST, "/chat/rooms", Some(room(o.id(), hotel))).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["hotel_id"], json!(hotel));
    // A hotel the platform never registered: any owner, as before.
    let unknown = Uuid::new_v4();
    let (status, body) = call(
        &c,
        Method::POST,
        "/chat/rooms",
        Some(room(other.id(), unknown)),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, again) = call(
        &c,
        Method::POST,
        "/chat/rooms",
        Some(room(other.id(), unknown)),
    )
    .await;
    assert_eq!((status, &again["id"]), (200, &body["id"]), "{again}");
}
