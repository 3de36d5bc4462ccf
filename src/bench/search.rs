//! `tigo-chat bench search`: fills the server's database with generated guest–hotel messages
//! (up to `--fill`, kept for later runs) and times typical searches over REST, as an Admin
//! (every room) and as a participant (their own rooms): median and p99 per query.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use tigo_client::api::Api;
use tigo_client::bench::BenchRoom;
use tigo_common::{Role, User, UserSummary};
use tigo_server::admin::Admin;
use tigo_server::db::{NewMessage, NewUser, Store};
use uuid::Uuid;

use crate::cli::BenchArgs;
use crate::table;

/// Words of everyday guest–hotel talk, most frequent first (picked with a skew, so some are
/// in many messages and some in few, as in real conversations).
const WORDS: &[&str] = &[
    "the",
    "is",
    "a",
    "to",
    "we",
    "you",
    "room",
    "at",
    "for",
    "and",
    "please",
    "thanks",
    "our",
    "can",
    "check-in",
    "tomorrow",
    "arrive",
    "late",
    "booking",
    "breakfast",
    "parking",
    "pool",
    "towels",
    "wifi",
    "airport",
    "shuttle",
    "taxi",
    "dinner",
    "restaurant",
    "key",
    "card",
    "balcony",
    "view",
    "quiet",
    "noise",
    "air",
    "conditioning",
    "heating",
    "shower",
    "bathroom",
    "café",
    "Frühstück",
    "Zimmer",
    "petit-déjeuner",
    "réservation",
    "señor",
    "gracias",
    "crib",
    "baby",
    "dog",
    "allergy",
    "gluten",
    "vegan",
    "invoice",
    "receipt",
    "deposit",
    "refund",
    "cancel",
    "upgrade",
    "suite",
    "spa",
    "massage",
    "gym",
    "elevator",
    "luggage",
    "storage",
];

/// The searches timed, typical of a support desk and of guests.
const QUERIES: &[&str] = &[
    "breakfast",
    "booking 4711",
    "check-in",
    "break",
    "\"late check\"",
    "cafe",
    "refund invoice",
];

pub async fn run(
    args: &BenchArgs,
    fill: u64,
    rooms: usize,
    repeat: usize,
) -> anyhow::Result<ExitCode> {
    let prepared = super::fixture::provision(args, rooms, 2).await?;
    let database = args.db.database()?;
    let admin = Admin::connect(&database, &args.db.pool(), None, args.jwt_secret.clone())
        .await
        .with_context(|| format!("cannot open the database {}", database.redacted()))?;
    let store = admin.store().clone();
    let keys = admin.keys().await?;
    let senders = senders(store.as_ref(), &prepared).await?;
    fill_to(store.as_ref(), &senders, fill).await?;
    let support = support_admin(store.as_ref()).await?;
    let admin_token = keys
        .issue(&support, 3600)
        .map_err(|e| anyhow::anyhow!("signing failed: {e}"))?;
    let base = Api::new(&args.url).map_err(|e| anyhow::anyhow!("{e}"))?;
    let as_admin = base.with_token(admin_token);
    let as_guest = base.with_token(prepared[0].sender_token.clone());
    let total = store.stats(Utc::now()).await?.messages;
    let rows = time_queries(&as_admin, &as_guest, repeat).await?;
    eprintln!("bench: {total} messages in {rooms} rooms; {repeat} timed requests per row");
    crate::out::now(&table::render(
        &["QUERY", "AS", "MATCHES", "P50 MS", "P99 MS"],
        &rows,
    ));
    Ok(ExitCode::SUCCESS)
}

/// Each bench room with its customer and its hotel owner, who take turns sending.
async fn senders(
    store: &dyn Store,
    prepared: &[BenchRoom],
) -> anyhow::Result<Vec<(Uuid, UserSummary, UserSummary)>> {
    let found = |email: String| async move {
        store
            .user_by_email(&email)
            .await?
            .map(|r| r.user.summary())
            .context("a bench user is missing")
    };
    let mut senders = Vec::with_capacity(prepared.len());
    for (i, room) in prepared.iter().enumerate() {
        let customer = found(format!("bench-customer-{i}@bench.invalid")).await?;
        let owner = found(format!("bench-owner-{i}@bench.invalid")).await?;
        senders.push((room.id, customer, owner));
    }
    Ok(senders)
}

/// Stores generated messages until the database holds `fill` (those of earlier runs count).
async fn fill_to(
    store: &dyn Store,
    senders: &[(Uuid, UserSummary, UserSummary)],
    fill: u64,
) -> anyhow::Result<()> {
    let stored = store.stats(Utc::now()).await?.messages.max(0) as u64;
    if stored < fill {
        let started = Instant::now();
        insert(store, senders, fill - stored).await?;
        eprintln!(
            "bench: stored {} messages in {:.0} s",
            fill - stored,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// The bench's Admin, made on the first run (with a password nobody knows).
async fn support_admin(store: &dyn Store) -> anyhow::Result<User> {
    if let Some(found) = store.user_by_email("bench-admin@bench.invalid").await? {
        return Ok(found.user);
    }
    let hash = tigo_server::auth::password::hash(Uuid::new_v4().to_string())
        .await
        .map_err(anyhow::Error::msg)?;
    Ok(store
        .create_user(&NewUser {
            id: Uuid::now_v7(),
            email: "bench-admin@bench.invalid".into(),
            password_hash: hash,
            first_name: "Support".into(),
            last_name: "Bench".into(),
            roles: vec![Role::Admin],
        })
        .await?
        .user)
}

/// One row per query and caller: matches, then the median and p99 of `repeat` timed runs.
async fn time_queries(
    as_admin: &Api,
    as_guest: &Api,
    repeat: usize,
) -> anyhow::Result<Vec<Vec<String>>> {
    let mut rows = Vec::new();
    for q in QUERIES {
        for (who, api) in [
            ("Admin (every room)", as_admin),
            ("guest (own room)", as_guest),
        ] {
            let (found, mut times) = (api.search(q, "").await?.total, Vec::with_capacity(repeat));
            for _ in 0..repeat {
                let start = Instant::now();
                api.search(q, "").await?;
                times.push(start.elapsed());
            }
            times.sort();
            rows.push(vec![
                (*q).to_string(),
                who.to_string(),
                found.to_string(),
                ms(percentile(&times, 50)),
                ms(percentile(&times, 99)),
            ]);
        }
    }
    Ok(rows)
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() * p).div_ceil(100)).clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// Stores `count` generated messages over the rooms, in batches through the store's own group
/// commit (so the search index is kept exactly as in service).
async fn insert(
    store: &dyn Store,
    rooms: &[(Uuid, UserSummary, UserSummary)],
    count: u64,
) -> anyhow::Result<()> {
    const BATCH: u64 = 2000;
    let mut rng = fastrand::Rng::with_seed(4711);
    let mut left = count;
    while left > 0 {
        let n = left.min(BATCH);
        let batch: Vec<NewMessage> = (0..n)
            .map(|_| {
                let (room, customer, owner) = &rooms[rng.usize(..rooms.len())];
                let sender = if rng.bool() { customer } else { owner };
                let at = Utc::now();
                NewMessage {
                    id: Uuid::now_v7(),
                    room_id: *room,
                    sender: sender.clone(),
                    content: sentence(&mut rng),
                    message_type: tigo_common::MessageType::Text,
                    file_url: None,
                    file_name: None,
                    file_size: None,
                    metadata: None,
                    client_msg_id: None,
                    reply_to: None,
                    created_at: at,
                }
            })
            .collect();
        store.insert_messages(&batch).await?;
        left -= n;
    }
    Ok(())
}

/// Six to fourteen words, skewed towards the front of [`WORDS`]; one message in twenty names a
/// booking number.
fn sentence(rng: &mut fastrand::Rng) -> String {
    let mut words: Vec<String> = (0..rng.usize(6..=14))
        .map(|_| {
            // The smaller of two draws: early words come up far more often than late ones.
            let i = rng.usize(..WORDS.len()).min(rng.usize(..WORDS.len()));
            WORDS[i].to_string()
        })
        .collect();
    if rng.u8(..20) == 0 {
        words.push(format!("booking {}", rng.u16(1000..10000)));
    }
    words.join(" ")
}
