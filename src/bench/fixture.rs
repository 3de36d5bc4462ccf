//! The bench's own users and rooms, made directly in the server's database (same settings as
//! `serve`): customer–hotel-owner pairs made once and reused by later runs, with tokens. Load
//! test fixtures, so they live with the load generator, not in the server's API.

use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use tigo_client::bench::BenchRoom;
use tigo_common::{MemberRole, Role, RoomType, User};
use tigo_server::admin::Admin;
use tigo_server::db::{NewRoom, NewUser};
use uuid::Uuid;

use crate::cli::BenchArgs;

/// How long the bench's tokens live: longer than any run.
const TOKEN_TTL: Duration = Duration::from_secs(6 * 3600);

/// The server's database, migrated unless `--no-migrate` (an earlier build's database keeps
/// its own schema).
async fn open(args: &BenchArgs) -> anyhow::Result<Admin> {
    let database = args.db.database()?;
    let admin = Admin::connect(
        &database,
        &args.db.pool(),
        None,
        args.jwt_secret.clone().filter(|s| !s.is_empty()),
    )
    .await
    .with_context(|| {
        format!(
            "cannot open the database {} (or pass --users FILE)",
            database.redacted()
        )
    })?;
    if !args.no_migrate {
        admin.migrate().await?;
    }
    Ok(admin)
}

/// `rooms` customer–hotel-owner rooms, each with `members` members: its two participants and
/// companions (bench customers of their own), made once and reused.
pub async fn provision(
    args: &BenchArgs,
    rooms: usize,
    members: usize,
) -> anyhow::Result<Vec<BenchRoom>> {
    let admin = open(args).await?;
    let keys = admin.keys().await?;
    // One password hash serves every bench user (nobody logs in as them: they get tokens).
    let hash = tigo_server::auth::password::hash(Uuid::new_v4().to_string())
        .await
        .map_err(anyhow::Error::msg)?;
    let store = admin.store();
    let user = |email: String, role: Role, first: &'static str| {
        let hash = hash.clone();
        async move {
            if let Some(found) = store.user_by_email(&email).await? {
                return Ok::<User, anyhow::Error>(found.user);
            }
            let created = store
                .create_user(&NewUser {
                    id: Uuid::now_v7(),
                    email,
                    password_hash: hash,
                    first_name: first.into(),
                    last_name: "Bench".into(),
                    roles: vec![role],
                })
                .await?;
            Ok(created.user)
        }
    };
    let token = |u: &User| {
        keys.issue(u, TOKEN_TTL.as_secs() as i64)
            .map_err(|e| anyhow::anyhow!("signing failed: {e}"))
    };
    let mut out = Vec::with_capacity(rooms);
    // Rooms with companions are other pairs' rooms: a two-person run never meets (or
    // notifies) the companions of an earlier larger run.
    let group = group_of(members);
    for i in 0..rooms {
        let customer = user(
            format!("bench-customer-{group}{i}@bench.invalid"),
            Role::Customer,
            "Guest",
        )
        .await?;
        let owner = user(
            format!("bench-owner-{i}@bench.invalid"),
            Role::HotelOwner,
            "Host",
        )
        .await?;
        let room = pair_room(store.as_ref(), customer.id, owner.id).await?;
        let mut member_tokens = Vec::new();
        for k in 2..members {
            let email = format!("bench-companion-{group}{i}-{k}@bench.invalid");
            let companion = user(email, Role::Customer, "Companion").await?;
            // Already a member from an earlier run: nothing changes.
            store
                .add_member(
                    room,
                    companion.id,
                    MemberRole::Companion,
                    Utc::now(),
                    usize::MAX,
                )
                .await?;
            member_tokens.push(token(&companion)?);
        }
        out.push(BenchRoom {
            id: room,
            sender_token: token(&customer)?,
            receiver_token: token(&owner)?,
            member_tokens,
        });
    }
    Ok(out)
}

/// What the emails of a run's users start with after `bench-…-`: nothing for two-person
/// rooms, the room size otherwise.
fn group_of(members: usize) -> String {
    if members > 2 {
        format!("m{members}-")
    } else {
        String::new()
    }
}

/// The customer–hotel-owner room of a pair, made if it has none.
async fn pair_room(
    store: &dyn tigo_server::db::Store,
    customer: Uuid,
    owner: Uuid,
) -> anyhow::Result<Uuid> {
    let new = NewRoom {
        id: Uuid::now_v7(),
        room_type: RoomType::CustomerHotelOwner,
        participant1_id: customer,
        participant2_id: owner,
        hotel_id: None,
        created_at: Utc::now(),
    };
    Ok(store.create_room(&new, customer).await?.0.id)
}
