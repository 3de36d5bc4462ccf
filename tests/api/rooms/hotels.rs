//! One `customer_hotel_owner` room per customer, owner and hotel (contract v3, "Hotels and
//! their teams"); without `hotel_id`, the pair's room as in v1; and a database from before
//! that migrates to it.

use reqwest::Method;
use serde_json::{Value, json};
use tigo_common::{Role, RoomType};
use tigo_server::accounts::{NewAccount, create_user};
use tigo_server::db::{DatabaseConfig, NewRoom};
use uuid::Uuid;

use crate::contract;
use crate::helpers::*;

contract!(
    a_pair_gets_one_customer_hotel_owner_room_per_hotel,
    without_a_hotel_id_a_pair_gets_its_room_as_in_v1,
    concurrent_creates_for_one_hotel_yield_one_room,
    a_database_from_before_hotels_migrates_and_keeps_its_rooms,
);

/// `POST /chat/rooms` of type `kind` between `a` and `b` (in that order) by `by`, with `hotel`.
async fn create(
    by: &TestUser,
    kind: &str,
    (a, b): (Uuid, Uuid),
    hotel: Option<Uuid>,
) -> (u16, Value) {
    let mut body = json!({"type": kind, "participant1_id": a, "participant2_id": b});
    if let Some(hotel) = hotel {
        body["hotel_id"] = json!(hotel);
    }
    by.api
        .raw(Method::POST, "/chat/rooms", Some(&body))
        .await
        .expect("create room")
}

async fn a_pair_gets_one_customer_hotel_owner_room_per_hotel(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let (berlin, munich) = (Uuid::new_v4(), Uuid::new_v4());
    let pair = (c.id(), o.id());
    let (status, first) = create(&c, "customer_hotel_owner", pair, Some(berlin)).await;
    assert_eq!(status, 201, "{first}");
    let (status, second) = create(&c, "customer_hotel_owner", pair, Some(munich)).await;
    assert_eq!(status, 201, "another hotel, another room: {second}");
    assert_ne!(second["id"], first["id"]);
    assert_eq!(second["hotel_id"], json!(munich));
    // Each hotel's room again, in either order of the pair.
    for (hotel, room) in [(berlin, &first), (munich, &second)] {
        let (status, again) =
            create(&o, "customer_hotel_owner", (o.id(), c.id()), Some(hotel)).await;
        assert_eq!(status, 200, "{again}");
        assert_eq!(again["id"], room["id"]);
        assert_eq!(again["hotel_id"], json!(hotel));
    }
    assert_eq!(c.api.rooms("").await.expect("list").total, 2);
    // A support room stays one per pair: its hotel_id is not part of the key.
    let a = app.admin().await;
    let (status, support) = create(&c, "customer_admin", (c.id(), a.id()), Some(berlin)).await;
    assert_eq!(status, 201, "{support}");
    let (status, again) = create(&c, "customer_admin", (c.id(), a.id()), Some(munich)).await;
    assert_eq!((status, &again["id"]), (200, &support["id"]), "{again}");
}

async fn without_a_hotel_id_a_pair_gets_its_room_as_in_v1(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let hotel = Uuid::new_v4();
    // A pair whose only rooms have hotels: the oldest of them, no new one.
    let (_, oldest) = create(&c, "customer_hotel_owner", (c.id(), o.id()), Some(hotel)).await;
    create(
        &c,
        "customer_hotel_owner",
        (c.id(), o.id()),
        Some(Uuid::new_v4()),
    )
    .await;
    let (status, plain) = create(&o, "customer_hotel_owner", (o.id(), c.id()), None).await;
    assert_eq!(status, 200, "{plain}");
    assert_eq!(plain["id"], oldest["id"]);
    // A pair with no room: one without a hotel, found again without one; a hotel gets its own.
    let other = app.owner().await;
    let (status, first) = create(&c, "customer_hotel_owner", (c.id(), other.id()), None).await;
    assert_eq!(status, 201, "{first}");
    assert!(first["hotel_id"].is_null());
    let (status, hotels) = create(
        &c,
        "customer_hotel_owner",
        (c.id(), other.id()),
        Some(hotel),
    )
    .await;
    assert_eq!(status, 201, "{hotels}");
    let (status, again) = create(&other, "customer_hotel_owner", (other.id(), c.id()), None).await;
    assert_eq!((status, &again["id"]), (200, &first["id"]), "{again}");
}

async fn concurrent_creates_for_one_hotel_yield_one_room(backend: Backend) {
    let app = spawn_app(backend).await;
    let (c, o) = (app.customer().await, app.owner().await);
    let hotel = Uuid::new_v4();
    let mut tasks = Vec::new();
    for i in 0..10 {
        let (api, pair) = match i % 2 {
            0 => (c.api.clone(), (c.id(), o.id())),
            _ => (o.api.clone(), (o.id(), c.id())),
        };
        let hotel = (i % 3 != 0).then_some(hotel);
        tasks.push(tokio::spawn(async move {
            let mut body = json!({"type": "customer_hotel_owner",
                                  "participant1_id": pair.0, "participant2_id": pair.1});
            if let Some(hotel) = hotel {
                body["hotel_id"] = json!(hotel);
            }
            api.raw(Method::POST, "/chat/rooms", Some(&body))
                .await
                .expect("request")
        }));
    }
    let mut rooms = std::collections::HashMap::new();
    for task in tasks {
        let (status, body) = task.await.expect("join");
        assert!(status == 200 || status == 201, "{status}: {body}");
        let id = body["id"].as_str().expect("id").to_string();
        *rooms.entry(id).or_insert(0) += u32::from(status == 201);
    }
    // The hotel's room, and at most one room without a hotel (only if it came first).
    assert!((1..=2).contains(&rooms.len()), "{rooms:?}");
    assert!(
        rooms.values().all(|created| *created == 1),
        "one 201 per room: {rooms:?}"
    );
    let (status, room) = create(&c, "customer_hotel_owner", (c.id(), o.id()), Some(hotel)).await;
    assert_eq!(status, 200);
    assert!(rooms.contains_key(room["id"].as_str().expect("id")));
}

/// Leaves the database of `config` as a release that applied the migrations before `version`
/// left it.
pub(crate) async fn migrate_before(config: &DatabaseConfig, version: i64) {
    let dialect = match config {
        DatabaseConfig::Sqlite { .. } => "sqlite",
        DatabaseConfig::Postgres { .. } => "postgres",
    };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dialect);
    let mut migrator = sqlx::migrate::Migrator::new(dir).await.expect("migrations");
    let before: Vec<_> = migrator
        .iter()
        .filter(|m| m.version < version)
        .cloned()
        .collect();
    assert_eq!(before.len() as i64, version - 1);
    migrator.migrations = before.into();
    match config {
        DatabaseConfig::Sqlite { path } => {
            let pool = sqlx::SqlitePool::connect(&format!("sqlite://{path}?mode=rwc"))
                .await
                .expect("open sqlite");
            migrator.run(&pool).await.expect("old migrations");
            pool.close().await;
        }
        DatabaseConfig::Postgres { url } => {
            let pool = sqlx::PgPool::connect(url).await.expect("open postgres");
            migrator.run(&pool).await.expect("old migrations");
            pool.close().await;
        }
    }
}

/// Stores `room` with the columns every release had, as a release before `room_members` did
/// (today's store reads the members with every room, so it cannot run on an older schema).
pub(crate) async fn insert_room_as_before(config: &DatabaseConfig, room: &NewRoom) {
    const INSERT: &str = "INSERT INTO chat_rooms
        (id, type, participant1_id, participant2_id, hotel_id, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $6)";
    match config {
        DatabaseConfig::Sqlite { path } => {
            let pool = sqlx::SqlitePool::connect(&format!("sqlite://{path}"))
                .await
                .expect("open sqlite");
            sqlx::query(INSERT)
                .bind(room.id)
                .bind(room.room_type.as_str())
                .bind(room.participant1_id)
                .bind(room.participant2_id)
                .bind(room.hotel_id)
                .bind(room.created_at.timestamp_micros())
                .execute(&pool)
                .await
                .expect("old room");
            pool.close().await;
        }
        DatabaseConfig::Postgres { url } => {
            let pool = sqlx::PgPool::connect(url).await.expect("open postgres");
            sqlx::query(INSERT)
                .bind(room.id)
                .bind(room.room_type.as_str())
                .bind(room.participant1_id)
                .bind(room.participant2_id)
                .bind(room.hotel_id)
                .bind(room.created_at)
                .execute(&pool)
                .await
                .expect("old room");
            pool.close().await;
        }
    }
}

/// Accounts `(first name, role)` stored through `store` (the users table is as it was in every
/// release), with the password [`PASSWORD`]: their ids and email addresses.
pub(crate) async fn accounts(
    store: &std::sync::Arc<dyn tigo_server::db::Store>,
    people: &[(&str, Role)],
) -> Vec<(Uuid, String)> {
    let mut made = Vec::new();
    for (name, role) in people {
        let email = format!("{name}-{}@example.com", Uuid::new_v4().simple());
        let account = NewAccount {
            email: email.clone(),
            password: PASSWORD.into(),
            first_name: (*name).into(),
            last_name: "Tester".into(),
            roles: vec![*role],
        };
        let id = create_user(store.as_ref(), account).await.expect("user").id;
        made.push((id, email));
    }
    made
}

async fn a_database_from_before_hotels_migrates_and_keeps_its_rooms(backend: Backend) {
    let db = fresh_db(backend).await;
    migrate_before(&db.config, 11).await;
    // A pair and its room for one hotel, stored before the upgrade.
    let store = tigo_server::db::connect(&db.config, &Default::default(), test_owner())
        .await
        .expect("store");
    let users = accounts(
        &store,
        &[("carla", Role::Customer), ("oscar", Role::HotelOwner)],
    )
    .await;
    let (ids, emails): (Vec<Uuid>, Vec<String>) = users.into_iter().unzip();
    let berlin = Uuid::new_v4();
    let old = NewRoom {
        id: Uuid::now_v7(),
        room_type: RoomType::CustomerHotelOwner,
        participant1_id: ids[0],
        participant2_id: ids[1],
        hotel_id: Some(berlin),
        created_at: chrono::Utc::now(),
    };
    store.close().await;
    insert_room_as_before(&db.config, &old).await;
    // The new release starts on it and migrates.
    let app = start(test_config(&db)).await;
    let login = app.api.login(&emails[0], PASSWORD).await.expect("login");
    let carla = TestUser {
        api: app.api.with_token(&login.access_token),
        token: login.access_token,
        user: login.user,
    };
    let pair = (ids[0], ids[1]);
    let (status, kept) = create(&carla, "customer_hotel_owner", pair, Some(berlin)).await;
    assert_eq!((status, kept["id"].clone()), (200, json!(old.id)), "{kept}");
    let (status, kept) = create(&carla, "customer_hotel_owner", pair, None).await;
    assert_eq!((status, kept["id"].clone()), (200, json!(old.id)), "{kept}");
    let munich = Uuid::new_v4();
    let (status, new) = create(&carla, "customer_hotel_owner", pair, Some(munich)).await;
    assert_eq!(status, 201, "{new}");
    assert_eq!(new["hotel_id"], json!(munich));
}
