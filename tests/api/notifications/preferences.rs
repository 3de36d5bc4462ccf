//! Notification preferences: the defaults, a round trip, and the values refused (times,
//! zones, e-mail modes, rooms the caller is not a member of).

use reqwest::Method;
use serde_json::{Value, json};

use super::*;
use crate::contract;
use crate::helpers::*;

async fn get_preferences(user: &TestUser) -> Value {
    let (status, body) = call(user, Method::GET, PREFERENCES, None).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn preferences_default_to_everything_on_and_round_trip(backend: Backend) {
    let app = notify_app(backend, |_| {}).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let room = app.room(&c, &o).await;
    assert_eq!(
        get_preferences(&c).await,
        json!({"push": true, "email": "digest", "quiet_hours": null, "muted_rooms": []})
    );
    let wanted = json!({
        "push": false,
        "email": "off",
        "quiet_hours": {"start": "22:00", "end": "07:00", "timezone": "Europe/Berlin"},
        "muted_rooms": [room.id],
    });
    let (status, answer) = put_preferences(&c, wanted.clone()).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer, wanted, "PUT answers what is stored");
    assert_eq!(get_preferences(&c).await, wanted);
    assert_eq!(
        get_preferences(&o).await["email"],
        "digest",
        "another user's are their own"
    );
    // And back.
    let defaults = json!({"push": true, "email": "digest", "quiet_hours": null,
                          "muted_rooms": []});
    assert_eq!(put_preferences(&c, defaults.clone()).await.0, 200);
    assert_eq!(get_preferences(&c).await, defaults);

    let anonymous = TestUser {
        api: app.api.clone(),
        ..c
    };
    let (status, body) = call(&anonymous, Method::GET, PREFERENCES, None).await;
    assert_error(status, &body, 401);
}

async fn bad_preferences_are_refused_with_400_and_change_nothing(backend: Backend) {
    let app = notify_app(backend, |_| {}).await;
    let (c, o, stranger) = (
        app.customer().await,
        app.owner().await,
        app.customer().await,
    );
    let room = app.room(&c, &o).await;
    let not_mine = app.room(&stranger, &app.owner().await).await;
    let quiet =
        |start: &str, end: &str, zone: &str| json!({"start": start, "end": end, "timezone": zone});
    let bad = [
        ("email", json!("weekly")),
        ("email", json!(true)),
        ("push", json!("yes")),
        ("quiet_hours", quiet("25:00", "07:00", "Europe/Berlin")),
        ("quiet_hours", quiet("22:00", "07:60", "Europe/Berlin")),
        ("quiet_hours", quiet("10pm", "07:00", "Europe/Berlin")),
        ("quiet_hours", quiet("22:00", "07:00", "Mars/Olympus_Mons")),
        ("quiet_hours", quiet("22:00", "07:00", "")),
        ("quiet_hours", json!({"start": "22:00", "end": "07:00"})),
        ("quiet_hours", json!("22:00-07:00")),
        ("muted_rooms", json!([not_mine.id])),
        ("muted_rooms", json!([uuid::Uuid::new_v4()])),
        ("muted_rooms", json!(["not-a-uuid"])),
    ];
    for (field, value) in bad {
        let mut body = json!({"push": true, "email": "digest", "quiet_hours": null,
                              "muted_rooms": [room.id]});
        body[field] = value.clone();
        let (status, answer) = put_preferences(&c, body).await;
        assert_eq!(status, 400, "{field} = {value}: {answer}");
        assert_error(status, &answer, 400);
    }
    assert_eq!(
        get_preferences(&c).await,
        json!({"push": true, "email": "digest", "quiet_hours": null, "muted_rooms": []}),
        "nothing stored"
    );
}

contract!(
    preferences_default_to_everything_on_and_round_trip,
    bad_preferences_are_refused_with_400_and_change_nothing,
);
