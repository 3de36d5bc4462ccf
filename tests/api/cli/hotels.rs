//! `admin hotels set|list|show` and `admin hotels staff add|remove`: the REST routes' rules
//! from the command line (exit 1 and a reason when one is broken), and a running server
//! that sees a staff change at once through Redis.

use serde_json::json;
use tigo_common::{CreateRoom, Role, RoomType};
use uuid::Uuid;

use super::*;
use crate::contract;
use crate::helpers::*;

contract!(
    hotels_are_registered_listed_and_shown_from_the_command_line,
    a_hotel_needs_an_active_owner_and_a_name,
    staff_are_added_and_removed_from_the_command_line,
    staff_refusals_say_why_and_exit_1,
    a_running_server_sees_a_staff_change_made_by_the_cli_at_once,
);

/// `tigo-chat admin hotels ARGS… --json` on `app`'s database; its exit code, stdout, stderr.
async fn hotels(app: &impl Database, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["admin", "hotels"];
    all.extend_from_slice(args);
    tigo(app, &all, None).await
}

/// Registers a hotel of `owner` named `name`; its id.
async fn register(app: &TestApp, owner: &TestUser, name: &str) -> Uuid {
    let id = Uuid::new_v4();
    let (code, out, err) = hotels(
        app,
        &[
            "set",
            &id.to_string(),
            "--name",
            name,
            "--owner",
            &owner.user.email,
            "--json",
        ],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["owner_id"], json!(owner.id()));
    id
}

async fn hotels_are_registered_listed_and_shown_from_the_command_line(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.owner().await;
    let id = register(&app, &owner, "Hotel Sol").await;
    let (code, out, err) = hotels(&app, &["list", "--json"]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)[0]["name"], "Hotel Sol");
    let (code, out, _) = hotels(&app, &["list"]).await;
    assert_eq!(code, 0);
    assert!(
        out.contains("Hotel Sol") && out.contains(&id.to_string()),
        "{out}"
    );
    // Set again: renamed, and the REST route sees the same hotel.
    let (code, out, _) = hotels(
        &app,
        &[
            "set",
            &id.to_string(),
            "--name",
            "Sol",
            "--owner",
            &owner.id().to_string(),
        ],
    )
    .await;
    assert_eq!(code, 0);
    assert!(out.contains("updated"), "{out}");
    let (status, body) = owner
        .api
        .raw(reqwest::Method::GET, &format!("/chat/hotels/{id}"), None)
        .await
        .expect("get hotel");
    assert_eq!((status, &body["name"]), (200, &json!("Sol")), "{body}");
    let (code, out, _) = hotels(&app, &["show", &id.to_string(), "--json"]).await;
    assert_eq!(code, 0);
    assert_eq!(json(&out)["staff"], json!([]));
    let (code, _, err) = hotels(&app, &["show", &Uuid::new_v4().to_string()]).await;
    assert_eq!(code, 1);
    assert!(err.contains("no hotel"), "{err}");
}

async fn a_hotel_needs_an_active_owner_and_a_name(backend: Backend) {
    let app = spawn_app(backend).await;
    let (customer, owner) = (app.customer().await, app.owner().await);
    let id = Uuid::new_v4().to_string();
    let long = "x".repeat(201);
    for (name, who, why) in [
        ("Sol", customer.user.email.as_str(), "active hotel owner"),
        ("  ", owner.user.email.as_str(), "name"),
        (long.as_str(), owner.user.email.as_str(), "name"),
        ("Sol", "nobody@example.com", "no user"),
    ] {
        let (code, out, err) = hotels(&app, &["set", &id, "--name", name, "--owner", who]).await;
        assert_eq!((code, out.as_str()), (1, ""), "{name:?} {who}: {err}");
        assert!(err.contains(why), "{err}");
    }
    let (code, out, _) = hotels(&app, &["list", "--json"]).await;
    assert_eq!((code, json(&out)), (0, json!([])));
    // Staff cannot become the owner while on the staff.
    let id = register(&app, &owner, "Sol").await.to_string();
    let staff = app.user_with(&[Role::HotelOwner], "Sam").await;
    let (code, _, err) = hotels(&app, &["staff", "add", &id, &staff.user.email]).await;
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = hotels(
        &app,
        &["set", &id, "--name", "Sol", "--owner", &staff.user.email],
    )
    .await;
    assert_eq!(code, 1);
    assert!(err.contains("staff"), "{err}");
}

async fn staff_are_added_and_removed_from_the_command_line(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.owner().await;
    let id = register(&app, &owner, "Sol").await;
    let hotel = id.to_string();
    let staff = app.user_with(&[Role::HotelOwner], "Sam").await;
    let (code, out, err) =
        hotels(&app, &["staff", "add", &hotel, &staff.user.email, "--json"]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["staff"][0]["user_id"], json!(staff.id()));
    assert!(
        err.contains("within 60 s"),
        "no Redis: says when servers see it: {err}"
    );
    // Twice: nothing changes.
    let (code, out, _) = hotels(
        &app,
        &["staff", "add", &hotel, &staff.id().to_string(), "--json"],
    )
    .await;
    assert_eq!(code, 0);
    assert_eq!(json(&out)["staff"].as_array().map(Vec::len), Some(1));
    let (code, out, _) = hotels(&app, &["show", &hotel]).await;
    assert_eq!(code, 0);
    assert!(out.contains(&staff.user.email), "{out}");
    let (code, out, err) = hotels(
        &app,
        &["staff", "remove", &hotel, &staff.user.email, "--json"],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["staff"], json!([]));
    let (code, _, err) = hotels(&app, &["staff", "remove", &hotel, &staff.user.email]).await;
    assert_eq!(code, 1, "no longer on the staff");
    assert!(err.contains("not on the hotel's staff"), "{err}");
    let (code, out, _) = tigo(&app, &["admin", "audit", "--json"], None).await;
    assert_eq!(code, 0);
    let actions: Vec<Value> = json(&out).as_array().cloned().unwrap_or_default();
    for action in ["hotel.put", "hotel.staff_add", "hotel.staff_remove"] {
        assert!(
            actions.iter().any(|a| a["action"] == action),
            "{action}: {out}"
        );
    }
}

async fn staff_refusals_say_why_and_exit_1(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.owner().await;
    let hotel = register(&app, &owner, "Sol").await.to_string();
    let customer = app.customer().await;
    let gone = app.user_with(&[Role::HotelOwner], "Gone").await;
    let (code, _, _) = tigo(
        &app,
        &["admin", "deactivate", "--user", &gone.user.email],
        None,
    )
    .await;
    assert_eq!(code, 0);
    let unknown = Uuid::new_v4().to_string();
    for (who, why) in [
        (customer.user.email.as_str(), "customer account"),
        (owner.user.email.as_str(), "owner"),
        (gone.user.email.as_str(), "deactivated"),
        ("nobody@example.com", "no user"),
    ] {
        let (code, out, err) = hotels(&app, &["staff", "add", &hotel, who]).await;
        assert_eq!((code, out.as_str()), (1, ""), "{who}: {err}");
        assert!(err.contains(why), "{who}: {err}");
    }
    let (code, _, err) = hotels(&app, &["staff", "add", &unknown, &owner.user.email]).await;
    assert_eq!(code, 1);
    assert!(err.contains("no hotel"), "{err}");
    // The staff limit, as the servers' MAX_HOTEL_STAFF.
    let first = app.admin().await;
    let second = app.admin().await;
    let (code, _, err) = hotels(
        &app,
        &[
            "staff",
            "add",
            &hotel,
            &first.user.email,
            "--max-hotel-staff",
            "1",
        ],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = hotels(
        &app,
        &[
            "staff",
            "add",
            &hotel,
            &second.user.email,
            "--max-hotel-staff",
            "1",
        ],
    )
    .await;
    assert_eq!(code, 1);
    assert!(err.contains("at most 1 staff"), "{err}");
    let (code, _, _) = hotels(&app, &["staff", "add", "not-a-uuid", &first.user.email]).await;
    assert_eq!(code, 2, "a malformed id is a usage error");
}

async fn a_running_server_sees_a_staff_change_made_by_the_cli_at_once(backend: Backend) {
    let redis = redis_url();
    let app = spawn_app_with(backend, |c| c.redis_url = Some(redis.clone())).await;
    let (customer, owner) = (app.customer().await, app.owner().await);
    let hotel = register(&app, &owner, "Sol").await;
    let room = customer
        .api
        .create_room(&CreateRoom {
            room_type: RoomType::CustomerHotelOwner,
            participant1_id: customer.id(),
            participant2_id: owner.id(),
            hotel_id: Some(hotel),
        })
        .await
        .expect("room of the hotel");
    let staff = app.user_with(&[Role::HotelOwner], "Sam").await;
    // Read once first: the server now holds the room's members without the staff member.
    assert!(
        staff.api.room(room.id).await.is_err(),
        "not on the staff yet"
    );
    let env = [("REDIS_URL", redis.as_str())];
    let (hotel, email) = (hotel.to_string(), staff.user.email.clone());
    let add = [
        "admin",
        "hotels",
        "staff",
        "add",
        hotel.as_str(),
        email.as_str(),
    ];
    let (code, _, err) = tigo_env(&app, &add, None, &env).await;
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("within 60 s"), "{err}");
    let seen = staff.api.room(room.id).await.expect("a member at once");
    assert!(seen.members.iter().any(|m| m.user_id == staff.id()));
    let remove = [
        "admin",
        "hotels",
        "staff",
        "remove",
        hotel.as_str(),
        email.as_str(),
    ];
    let (code, _, err) = tigo_env(&app, &remove, None, &env).await;
    assert_eq!(code, 0, "{err}");
    let (status, _) = staff
        .api
        .raw(
            reqwest::Method::GET,
            &format!("/chat/rooms/{}", room.id),
            None,
        )
        .await
        .expect("get room");
    assert_eq!(status, 403, "removed at once");
}
