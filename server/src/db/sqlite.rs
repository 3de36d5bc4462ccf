//! SQLite backend (the embedded default): one file in WAL mode, `synchronous=FULL` so that an
//! acknowledged message survives a crash or power loss; batches commit in one transaction.

use std::collections::HashMap;
use std::str::FromStr;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, Sqlite};
use tigo_common::{Message, Role, Room, User, UserSummary};
use uuid::Uuid;

use super::postgres::{
    like_pattern, parse_message_type, parse_roles, parse_room_type, parse_status,
};
use super::*;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");

pub struct SqliteStore {
    pool: SqlitePool,
}

/// Instants are stored as microseconds since the Unix epoch.
fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

fn instant(micros: i64) -> StoreResult<DateTime<Utc>> {
    Utc.timestamp_micros(micros)
        .single()
        .ok_or_else(|| StoreError::Corrupt(format!("timestamp {micros} out of range")))
}

fn opt_instant(micros: Option<i64>) -> StoreResult<Option<DateTime<Utc>>> {
    micros.map(instant).transpose()
}

impl SqliteStore {
    pub async fn open(path: &str, opts: &PoolOptions) -> StoreResult<SqliteStore> {
        let connect = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))
            .map_err(StoreError::Other)?
            .create_if_missing(opts.create_if_missing)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(opts.acquire_timeout);
        let pool = SqlitePoolOptions::new()
            .max_connections(opts.max_connections.max(2))
            .acquire_timeout(opts.acquire_timeout)
            .test_before_acquire(false)
            .connect_with(connect)
            .await?;
        Ok(SqliteStore { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn applied_versions(&self) -> StoreResult<Vec<i64>> {
        let exists: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_one(&self.pool)
        .await?;
        if exists == 0 {
            return Ok(Vec::new());
        }
        Ok(sqlx::query_scalar(
            "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
        )
        .fetch_all(&self.pool)
        .await?)
    }
}

const USER_COLUMNS: &str =
    "id, email, password_hash, first_name, last_name, roles, is_active, created_at";

const ROOM_SELECT: &str = "SELECT r.id, r.type, r.participant1_id, r.participant2_id, r.hotel_id,
        r.last_message_content, r.last_message_at, r.is_active, r.created_at, r.updated_at,
        u1.first_name AS p1_first_name, u1.last_name AS p1_last_name, u1.email AS p1_email,
        u2.first_name AS p2_first_name, u2.last_name AS p2_last_name, u2.email AS p2_email,
        CASE WHEN ?1 IN (r.participant1_id, r.participant2_id) THEN (
            SELECT count(*) FROM chat_messages m
            WHERE m.chat_room_id = r.id AND m.sender_id <> ?1
              AND (m.created_at, m.id) > (coalesce(rr.read_upto_at, -9223372036854775807),
                                          coalesce(rr.read_upto_id, x'00000000000000000000000000000000'))
        ) ELSE 0 END AS unread_count
    FROM chat_rooms r
    JOIN users u1 ON u1.id = r.participant1_id
    JOIN users u2 ON u2.id = r.participant2_id
    LEFT JOIN chat_room_reads rr ON rr.chat_room_id = r.id AND rr.user_id = ?1";

const MESSAGE_SELECT: &str =
    "SELECT m.id, m.chat_room_id, m.sender_id, m.content, m.type, m.status,
        m.file_url, m.file_name, m.file_size, m.metadata, m.is_edited, m.edited_at,
        m.created_at, m.updated_at, m.client_msg_id, u.first_name, u.last_name, u.email
    FROM chat_messages m JOIN users u ON u.id = m.sender_id";

/// Recomputes a room's last message from its history (after a delete, edit or purge).
const REFRESH_LAST: &str = "UPDATE chat_rooms SET
        last_message_content = (SELECT CASE WHEN content = '' AND file_name IS NOT NULL THEN file_name ELSE content END
            FROM chat_messages WHERE chat_room_id = ?1 ORDER BY created_at DESC, id DESC LIMIT 1),
        last_message_at = (SELECT created_at
            FROM chat_messages WHERE chat_room_id = ?1 ORDER BY created_at DESC, id DESC LIMIT 1),
        last_message_sender_id = (SELECT sender_id
            FROM chat_messages WHERE chat_room_id = ?1 ORDER BY created_at DESC, id DESC LIMIT 1)
    WHERE id = ?1";

fn user_from_row(row: &SqliteRow) -> StoreResult<UserRecord> {
    let roles: String = row.try_get("roles")?;
    let roles: Vec<String> = serde_json::from_str(&roles)
        .map_err(|e| StoreError::Corrupt(format!("roles column: {e}")))?;
    Ok(UserRecord {
        user: User {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            first_name: row.try_get("first_name")?,
            last_name: row.try_get("last_name")?,
            roles: parse_roles(roles.iter().map(String::as_str))?,
        },
        password_hash: row.try_get("password_hash")?,
        is_active: row.try_get("is_active")?,
        created_at: instant(row.try_get("created_at")?)?,
    })
}

fn access_from_row(row: &SqliteRow) -> StoreResult<RoomAccess> {
    let room_type: String = row.try_get("type")?;
    Ok(RoomAccess {
        id: row.try_get("id")?,
        room_type: parse_room_type(&room_type)?,
        participant1_id: row.try_get("participant1_id")?,
        participant2_id: row.try_get("participant2_id")?,
    })
}

fn room_from_row(row: &SqliteRow) -> StoreResult<Room> {
    let p1: Uuid = row.try_get("participant1_id")?;
    let p2: Uuid = row.try_get("participant2_id")?;
    let room_type: String = row.try_get("type")?;
    Ok(Room {
        id: row.try_get("id")?,
        room_type: parse_room_type(&room_type)?,
        participant1_id: p1,
        participant2_id: p2,
        participant1: UserSummary {
            id: p1,
            first_name: row.try_get("p1_first_name")?,
            last_name: row.try_get("p1_last_name")?,
            email: row.try_get("p1_email")?,
        },
        participant2: UserSummary {
            id: p2,
            first_name: row.try_get("p2_first_name")?,
            last_name: row.try_get("p2_last_name")?,
            email: row.try_get("p2_email")?,
        },
        hotel_id: row.try_get("hotel_id")?,
        last_message_content: row.try_get("last_message_content")?,
        last_message_at: opt_instant(row.try_get("last_message_at")?)?,
        is_active: row.try_get("is_active")?,
        created_at: instant(row.try_get("created_at")?)?,
        updated_at: instant(row.try_get("updated_at")?)?,
        unread_count: row.try_get("unread_count")?,
    })
}

fn message_from_row(row: &SqliteRow) -> StoreResult<Message> {
    let sender_id: Uuid = row.try_get("sender_id")?;
    let message_type: String = row.try_get("type")?;
    let status: String = row.try_get("status")?;
    let metadata: Option<String> = row.try_get("metadata")?;
    let metadata = metadata
        .map(|text| serde_json::from_str::<Value>(&text))
        .transpose()
        .map_err(|e| StoreError::Corrupt(format!("metadata column: {e}")))?;
    Ok(Message {
        id: row.try_get("id")?,
        chat_room_id: row.try_get("chat_room_id")?,
        sender_id,
        sender: UserSummary {
            id: sender_id,
            first_name: row.try_get("first_name")?,
            last_name: row.try_get("last_name")?,
            email: row.try_get("email")?,
        },
        content: row.try_get("content")?,
        message_type: parse_message_type(&message_type)?,
        status: parse_status(&status)?,
        file_url: row.try_get("file_url")?,
        file_name: row.try_get("file_name")?,
        file_size: row.try_get("file_size")?,
        metadata,
        is_edited: row.try_get("is_edited")?,
        edited_at: opt_instant(row.try_get("edited_at")?)?,
        created_at: instant(row.try_get("created_at")?)?,
        updated_at: instant(row.try_get("updated_at")?)?,
    })
}

fn roles_json(roles: &[Role]) -> String {
    serde_json::to_string(&roles.iter().map(|r| r.as_str()).collect::<Vec<_>>())
        .unwrap_or_else(|_| "[]".into())
}

/// A bind value of a query assembled at run time.
enum Arg {
    Id(Uuid),
    Text(String),
    Int(i64),
}

type SqliteQuery<'q> = sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>>;
type SqliteScalar<'q> =
    sqlx::query::QueryScalar<'q, Sqlite, i64, sqlx::sqlite::SqliteArguments<'q>>;

impl Arg {
    fn bind<'q>(&'q self, query: SqliteQuery<'q>) -> SqliteQuery<'q> {
        match self {
            Arg::Id(v) => query.bind(v),
            Arg::Text(v) => query.bind(v.as_str()),
            Arg::Int(v) => query.bind(v),
        }
    }

    fn bind_scalar<'q>(&'q self, query: SqliteScalar<'q>) -> SqliteScalar<'q> {
        match self {
            Arg::Id(v) => query.bind(v),
            Arg::Text(v) => query.bind(v.as_str()),
            Arg::Int(v) => query.bind(v),
        }
    }
}

/// Per room of a stored batch: how many messages, and the newest one.
struct RoomDelta<'a> {
    count: i64,
    last: &'a NewMessage,
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn migrate(&self) -> StoreResult<Vec<i64>> {
        let before = self.applied_versions().await?;
        MIGRATOR.run(&self.pool).await?;
        let after = self.applied_versions().await?;
        Ok(after.into_iter().filter(|v| !before.contains(v)).collect())
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn applied_migrations(&self) -> StoreResult<Vec<i64>> {
        self.applied_versions().await
    }

    async fn setting_get_or_insert(&self, key: &str, value: &str) -> StoreResult<String> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = ?1")
                .bind(key)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn create_user(&self, user: &NewUser) -> StoreResult<UserRecord> {
        let now = micros(Utc::now());
        let row = sqlx::query(&format!(
            "INSERT INTO users (id, email, password_hash, first_name, last_name, roles, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) RETURNING {USER_COLUMNS}"
        ))
        .bind(user.id)
        .bind(&user.email)
        .bind(&user.password_hash)
        .bind(&user.first_name)
        .bind(&user.last_name)
        .bind(roles_json(&user.roles))
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        user_from_row(&row)
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE email = ?1"
        ))
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn user_by_id(&self, id: Uuid) -> StoreResult<Option<UserRecord>> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn list_users(&self, role: Option<Role>) -> StoreResult<Vec<UserRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users
             WHERE ?1 IS NULL OR EXISTS (SELECT 1 FROM json_each(users.roles) WHERE value = ?1)
             ORDER BY email"
        ))
        .bind(role.map(Role::as_str))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user_from_row).collect()
    }

    async fn set_roles(&self, id: Uuid, roles: &[Role]) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE users SET roles = ?2, updated_at = ?3 WHERE id = ?1")
            .bind(id)
            .bind(roles_json(roles))
            .bind(micros(Utc::now()))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_active(&self, id: Uuid, active: bool) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE users SET is_active = ?2, updated_at = ?3 WHERE id = ?1")
            .bind(id)
            .bind(active)
            .bind(micros(Utc::now()))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn users_changed_within(
        &self,
        window: std::time::Duration,
    ) -> StoreResult<Vec<UserRecord>> {
        let since = Utc::now() - chrono::Duration::from_std(window).unwrap_or_default();
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE updated_at > ?1
             ORDER BY updated_at DESC LIMIT 10000"
        ))
        .bind(micros(since))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user_from_row).collect()
    }

    async fn create_room(&self, room: &NewRoom, viewer: Uuid) -> StoreResult<(Room, bool)> {
        let inserted = sqlx::query(
            "INSERT INTO chat_rooms (id, type, participant1_id, participant2_id, hotel_id, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT DO NOTHING",
        )
        .bind(room.id)
        .bind(room.room_type.as_str())
        .bind(room.participant1_id)
        .bind(room.participant2_id)
        .bind(room.hotel_id)
        .bind(micros(room.created_at))
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1;
        let sql = format!(
            "{ROOM_SELECT} WHERE r.type = ?2
               AND min(r.participant1_id, r.participant2_id) = min(?3, ?4)
               AND max(r.participant1_id, r.participant2_id) = max(?3, ?4)"
        );
        let row = sqlx::query(&sql)
            .bind(viewer)
            .bind(room.room_type.as_str())
            .bind(room.participant1_id)
            .bind(room.participant2_id)
            .fetch_one(&self.pool)
            .await?;
        Ok((room_from_row(&row)?, inserted))
    }

    async fn room(&self, id: Uuid, viewer: Uuid) -> StoreResult<Option<Room>> {
        let row = sqlx::query(&format!("{ROOM_SELECT} WHERE r.id = ?2"))
            .bind(viewer)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(room_from_row).transpose()
    }

    async fn rooms_by_ids(&self, ids: &[Uuid], viewer: Uuid) -> StoreResult<Vec<Room>> {
        // Ids are 16-byte blobs here: the list goes in as JSON hex strings.
        let ids: Vec<String> = ids.iter().map(|id| id.simple().to_string()).collect();
        let rows = sqlx::query(&format!(
            "{ROOM_SELECT} WHERE r.id IN (SELECT unhex(value) FROM json_each(?2))"
        ))
        .bind(viewer)
        .bind(serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into()))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(room_from_row).collect()
    }

    async fn room_access(&self, id: Uuid) -> StoreResult<Option<RoomAccess>> {
        let row = sqlx::query(
            "SELECT id, type, participant1_id, participant2_id FROM chat_rooms WHERE id = ?1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(access_from_row).transpose()
    }

    async fn list_rooms(&self, q: &RoomQuery) -> StoreResult<(Vec<Room>, i64)> {
        // Explicitly numbered parameters throughout: sqlx numbers bare `?` on its own, so
        // mixing them with `?1` would bind the wrong values. `?1` is the viewer.
        let mut args = vec![Arg::Id(q.viewer)];
        let mut next = |arg: Arg| {
            args.push(arg);
            format!("?{}", args.len())
        };
        let mut filters = String::from(" WHERE 1");
        if !q.all {
            filters.push_str(" AND (r.participant1_id = ?1 OR r.participant2_id = ?1)");
        }
        if let Some(t) = q.room_type {
            filters.push_str(&format!(
                " AND r.type = {}",
                next(Arg::Text(t.as_str().into()))
            ));
        }
        if let Some(p) = q.participant_id {
            let p = next(Arg::Id(p));
            filters.push_str(&format!(
                " AND (r.participant1_id = {p} OR r.participant2_id = {p})"
            ));
        }
        if let Some(active) = q.active {
            filters.push_str(&format!(
                " AND r.is_active = {}",
                next(Arg::Int(i64::from(active)))
            ));
        }
        if let Some(search) = q.search.as_deref() {
            let pattern = next(Arg::Text(like_pattern(search)));
            filters.push_str(&format!(
                " AND ((r.participant1_id <> ?1 AND (u1.first_name || ' ' || u1.last_name || ' ' || u1.email) LIKE {pattern} ESCAPE '\\')
                    OR (r.participant2_id <> ?1 AND (u2.first_name || ' ' || u2.last_name || ' ' || u2.email) LIKE {pattern} ESCAPE '\\'))"
            ));
        }
        let limit = next(Arg::Int(q.limit));
        let offset = next(Arg::Int(q.offset));
        let count_sql = format!(
            "SELECT count(*) FROM chat_rooms r
             JOIN users u1 ON u1.id = r.participant1_id
             JOIN users u2 ON u2.id = r.participant2_id{filters}"
        );
        let page_sql = format!(
            "{ROOM_SELECT}{filters}
             ORDER BY coalesce(r.last_message_at, r.created_at) DESC, r.id DESC
             LIMIT {limit} OFFSET {offset}"
        );
        let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
        let mut page = sqlx::query(&page_sql);
        for arg in &args {
            count = arg.bind_scalar(count);
            page = arg.bind(page);
        }
        let total = count.fetch_one(&self.pool).await?;
        let rows = page.fetch_all(&self.pool).await?;
        let rooms = rows
            .iter()
            .map(room_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok((rooms, total))
    }

    async fn rooms_of_user(&self, user: Uuid) -> StoreResult<Vec<RoomAccess>> {
        let rows = sqlx::query(
            "SELECT id, type, participant1_id, participant2_id FROM chat_rooms WHERE participant1_id = ?1
             UNION ALL
             SELECT id, type, participant1_id, participant2_id FROM chat_rooms WHERE participant2_id = ?1",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(access_from_row).collect()
    }

    async fn waiting_rooms(&self, limit: i64) -> StoreResult<Vec<WaitingRow>> {
        Ok(sqlx::query_as(
            "SELECT r.id, ls.id, ls.first_name, ls.last_name, ls.email
             FROM chat_rooms r JOIN users ls ON ls.id = r.last_message_sender_id
             WHERE r.type IN ('customer_admin', 'hotel_owner_admin')
               AND NOT EXISTS (SELECT 1 FROM json_each(ls.roles) WHERE value = 'Admin')
             ORDER BY r.last_message_at, r.id LIMIT ?1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn commit(
        &self,
        batch: &[NewMessage],
        delivered: &[Uuid],
        at: DateTime<Utc>,
    ) -> StoreResult<Committed> {
        let plan = BatchPlan::new(batch);
        let unique = plan.unique(batch);
        // Whole batches go in as one JSON array, whatever their size: each statement is a hop
        // to sqlx's SQLite thread, so a commit costs five of them, not one per message.
        let rows: Vec<Value> = unique
            .iter()
            .map(|m| {
                serde_json::json!({
                    "id": m.id.simple().to_string(),
                    "room": m.room_id.simple().to_string(),
                    "sender": m.sender.id.simple().to_string(),
                    "content": m.content,
                    "type": m.message_type.as_str(),
                    "file_url": m.file_url,
                    "file_name": m.file_name,
                    "file_size": m.file_size,
                    "metadata": m.metadata.as_ref().map(Value::to_string),
                    "client_msg_id": m.client_msg_id,
                    "at": micros(m.created_at),
                })
            })
            .collect();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let inserted: Vec<Uuid> = if rows.is_empty() {
            Vec::new()
        } else {
            sqlx::query_scalar(
                "INSERT INTO chat_messages (id, chat_room_id, sender_id, content, type, status,
                    file_url, file_name, file_size, metadata, client_msg_id, created_at, updated_at)
                 SELECT unhex(j.value ->> 'id'), unhex(j.value ->> 'room'), unhex(j.value ->> 'sender'),
                    j.value ->> 'content', j.value ->> 'type', 'sent', j.value ->> 'file_url',
                    j.value ->> 'file_name', j.value ->> 'file_size', j.value ->> 'metadata',
                    j.value ->> 'client_msg_id', j.value ->> 'at', j.value ->> 'at'
                 FROM json_each(?1) AS j WHERE true ORDER BY j.key
                 ON CONFLICT (sender_id, client_msg_id) WHERE client_msg_id IS NOT NULL DO NOTHING
                 RETURNING id",
            )
            .bind(Value::Array(rows).to_string())
            .fetch_all(&mut *tx)
            .await?
        };
        let inserted: std::collections::HashSet<Uuid> = inserted.into_iter().collect();
        let mut stored = Stored::with_capacity(inserted.len());
        let mut rooms: HashMap<Uuid, RoomDelta<'_>> = HashMap::new();
        for m in unique.iter().filter(|m| inserted.contains(&m.id)) {
            stored.insert(m.id, m.created_at);
            let delta = rooms
                .entry(m.room_id)
                .or_insert(RoomDelta { count: 0, last: m });
            delta.count += 1;
            if (m.created_at, m.id) > (delta.last.created_at, delta.last.id) {
                delta.last = m;
            }
        }
        if !rooms.is_empty() {
            let updates: Vec<Value> = rooms
                .iter()
                .map(|(room, d)| {
                    serde_json::json!({
                        "room": room.simple().to_string(),
                        "n": d.count,
                        "at": micros(d.last.created_at),
                        "preview": d.last.preview(),
                        "sender": d.last.sender.id.simple().to_string(),
                    })
                })
                .collect();
            sqlx::query(
                "UPDATE chat_rooms SET
                    message_count = message_count + (u.value ->> 'n'),
                    last_message_content = CASE WHEN last_message_at IS NULL OR (u.value ->> 'at') >= last_message_at
                        THEN u.value ->> 'preview' ELSE last_message_content END,
                    last_message_sender_id = CASE WHEN last_message_at IS NULL OR (u.value ->> 'at') >= last_message_at
                        THEN unhex(u.value ->> 'sender') ELSE last_message_sender_id END,
                    last_message_at = max(coalesce(last_message_at, u.value ->> 'at'), u.value ->> 'at'),
                    updated_at = max(updated_at, u.value ->> 'at')
                 FROM json_each(?1) AS u
                 WHERE chat_rooms.id = unhex(u.value ->> 'room')",
            )
            .bind(Value::Array(updates).to_string())
            .execute(&mut *tx)
            .await?;
        }
        let missing = plan.missing_keys(&unique, &stored);
        let mut existing = Vec::with_capacity(missing.len());
        for (sender, key) in &missing {
            let row = sqlx::query(&format!(
                "{MESSAGE_SELECT} WHERE m.sender_id = ?1 AND m.client_msg_id = ?2"
            ))
            .bind(sender)
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = row {
                existing.push((key.clone(), message_from_row(&row)?));
            }
        }
        let mut moved = Vec::new();
        if !delivered.is_empty() {
            let ids: Vec<String> = delivered.iter().map(|id| id.simple().to_string()).collect();
            let rows: Vec<(Uuid, Uuid)> = sqlx::query_as(
                "UPDATE chat_messages SET status = 'delivered', updated_at = ?2
                 WHERE id IN (SELECT unhex(value) FROM json_each(?1)) AND status = 'sent'
                 RETURNING id, chat_room_id",
            )
            .bind(serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into()))
            .bind(micros(at))
            .fetch_all(&mut *tx)
            .await?;
            moved = rows
                .into_iter()
                .map(|(message_id, room_id)| Delivered {
                    message_id,
                    room_id,
                })
                .collect();
        }
        tx.commit().await?;
        Ok(Committed {
            inserted: plan.outcomes(batch, &stored, &existing)?,
            delivered: moved,
        })
    }

    async fn message(&self, id: Uuid) -> StoreResult<Option<Message>> {
        let row = sqlx::query(&format!("{MESSAGE_SELECT} WHERE m.id = ?1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(message_from_row).transpose()
    }

    async fn list_messages(&self, q: &MessageQuery) -> StoreResult<(Vec<Message>, i64)> {
        let mut b = QueryBuilder::<Sqlite>::new(MESSAGE_SELECT);
        b.push(" WHERE m.chat_room_id = ").push_bind(q.room_id);
        if let Some(c) = q.before {
            b.push(" AND (m.created_at, m.id) < (")
                .push_bind(micros(c.at))
                .push(", ")
                .push_bind(c.id)
                .push(")");
        }
        if let Some(c) = q.after {
            b.push(" AND (m.created_at, m.id) > (")
                .push_bind(micros(c.at))
                .push(", ")
                .push_bind(c.id)
                .push(")");
        }
        let newest_first = q.after.is_none();
        b.push(if newest_first {
            " ORDER BY m.created_at DESC, m.id DESC"
        } else {
            " ORDER BY m.created_at, m.id"
        });
        b.push(" LIMIT ")
            .push_bind(q.limit)
            .push(" OFFSET ")
            .push_bind(q.offset);
        let rows = b.build().fetch_all(&self.pool).await?;
        let mut messages = rows
            .iter()
            .map(message_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        if newest_first {
            messages.reverse();
        }
        let total: i64 = sqlx::query_scalar("SELECT message_count FROM chat_rooms WHERE id = ?1")
            .bind(q.room_id)
            .fetch_optional(&self.pool)
            .await?
            .unwrap_or(0);
        Ok((messages, total))
    }

    async fn edit_message(
        &self,
        id: Uuid,
        content: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<Message>> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let room: Option<Uuid> = sqlx::query_scalar(
            "UPDATE chat_messages SET content = ?2, is_edited = 1, edited_at = ?3, updated_at = ?3
             WHERE id = ?1 RETURNING chat_room_id",
        )
        .bind(id)
        .bind(content)
        .bind(micros(at))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(room) = room else {
            return Ok(None);
        };
        sqlx::query(REFRESH_LAST)
            .bind(room)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.message(id).await
    }

    async fn delete_message(&self, id: Uuid) -> StoreResult<Option<Message>> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let row = sqlx::query(&format!("{MESSAGE_SELECT} WHERE m.id = ?1"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(message) = row.as_ref().map(message_from_row).transpose()? else {
            return Ok(None);
        };
        sqlx::query("DELETE FROM chat_messages WHERE id = ?1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE chat_rooms SET message_count = max(message_count - 1, 0) WHERE id = ?1",
        )
        .bind(message.chat_room_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(REFRESH_LAST)
            .bind(message.chat_room_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(message))
    }

    async fn mark_read(
        &self,
        room_id: Uuid,
        user: Uuid,
        move_status: bool,
        at: DateTime<Utc>,
    ) -> StoreResult<ReadOutcome> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let newest: Option<(i64, Uuid)> = sqlx::query_as(
            "SELECT created_at, id FROM chat_messages WHERE chat_room_id = ?1
             ORDER BY created_at DESC, id DESC LIMIT 1",
        )
        .bind(room_id)
        .fetch_optional(&mut *tx)
        .await?;
        let mut changed = 0;
        if let (true, Some((upto_at, upto_id))) = (move_status, newest) {
            // As in PostgreSQL: only what came after the reader's previous read mark can be
            // unread, so the update walks the room's index from there.
            let since: Option<(i64, Uuid)> = sqlx::query_as(
                "SELECT read_upto_at, read_upto_id FROM chat_room_reads
                 WHERE chat_room_id = ?1 AND user_id = ?2 AND read_upto_at IS NOT NULL",
            )
            .bind(room_id)
            .bind(user)
            .fetch_optional(&mut *tx)
            .await?;
            let update = if since.is_some() {
                "UPDATE chat_messages SET status = 'read', updated_at = ?5
                 WHERE chat_room_id = ?1 AND status <> 'read' AND sender_id <> ?2
                   AND (created_at, id) <= (?3, ?4) AND (created_at, id) > (?6, ?7)"
            } else {
                "UPDATE chat_messages SET status = 'read', updated_at = ?5
                 WHERE chat_room_id = ?1 AND status <> 'read' AND sender_id <> ?2
                   AND (created_at, id) <= (?3, ?4)"
            };
            let mut update = sqlx::query(update)
                .bind(room_id)
                .bind(user)
                .bind(upto_at)
                .bind(upto_id)
                .bind(micros(at));
            if let Some((since_at, since_id)) = since {
                update = update.bind(since_at).bind(since_id);
            }
            changed = update.execute(&mut *tx).await?.rows_affected();
        }
        sqlx::query(
            "INSERT INTO chat_room_reads (chat_room_id, user_id, last_read_at, read_upto_at, read_upto_id)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (chat_room_id, user_id) DO UPDATE SET
                last_read_at = excluded.last_read_at,
                read_upto_at = CASE WHEN chat_room_reads.read_upto_at IS NULL
                    OR (excluded.read_upto_at, excluded.read_upto_id) > (chat_room_reads.read_upto_at, chat_room_reads.read_upto_id)
                    THEN excluded.read_upto_at ELSE chat_room_reads.read_upto_at END,
                read_upto_id = CASE WHEN chat_room_reads.read_upto_at IS NULL
                    OR (excluded.read_upto_at, excluded.read_upto_id) > (chat_room_reads.read_upto_at, chat_room_reads.read_upto_id)
                    THEN excluded.read_upto_id ELSE chat_room_reads.read_upto_id END",
        )
        .bind(room_id)
        .bind(user)
        .bind(micros(at))
        .bind(newest.map(|n| n.0))
        .bind(newest.map(|n| n.1))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(ReadOutcome {
            read_at: at,
            changed,
        })
    }

    async fn unread_counts(&self, user: Uuid, rooms: &[Uuid]) -> StoreResult<HashMap<Uuid, i64>> {
        let mut out = HashMap::new();
        for room in rooms {
            let n: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM chat_messages m
                 LEFT JOIN chat_room_reads rr ON rr.chat_room_id = ?1 AND rr.user_id = ?2
                 WHERE m.chat_room_id = ?1 AND m.sender_id <> ?2
                   AND (m.created_at, m.id) > (coalesce(rr.read_upto_at, -9223372036854775807),
                                               coalesce(rr.read_upto_id, x'00000000000000000000000000000000'))",
            )
            .bind(room)
            .bind(user)
            .fetch_one(&self.pool)
            .await?;
            if n > 0 {
                out.insert(*room, n);
            }
        }
        Ok(out)
    }

    async fn purge_batch(
        &self,
        before: DateTime<Utc>,
        room: Option<Uuid>,
        batch: i64,
    ) -> StoreResult<u64> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let deleted: Vec<Uuid> = sqlx::query_scalar(
            "DELETE FROM chat_messages WHERE id IN (
                SELECT id FROM chat_messages
                WHERE created_at < ?1 AND (?2 IS NULL OR chat_room_id = ?2)
                ORDER BY id LIMIT ?3)
             RETURNING chat_room_id",
        )
        .bind(micros(before))
        .bind(room)
        .bind(batch)
        .fetch_all(&mut *tx)
        .await?;
        let mut per_room: HashMap<Uuid, i64> = HashMap::new();
        for room in &deleted {
            *per_room.entry(*room).or_default() += 1;
        }
        for (room, n) in &per_room {
            sqlx::query(
                "UPDATE chat_rooms SET message_count = max(message_count - ?2, 0) WHERE id = ?1",
            )
            .bind(room)
            .bind(n)
            .execute(&mut *tx)
            .await?;
            sqlx::query(REFRESH_LAST)
                .bind(room)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(deleted.len() as u64)
    }

    async fn count_older(&self, before: DateTime<Utc>, room: Option<Uuid>) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT count(*) FROM chat_messages WHERE created_at < ?1 AND (?2 IS NULL OR chat_room_id = ?2)",
        )
        .bind(micros(before))
        .bind(room)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn stats(&self, now: DateTime<Utc>) -> StoreResult<Stats> {
        let row = sqlx::query(
            "SELECT (SELECT count(*) FROM users) AS users,
                    (SELECT count(*) FROM chat_rooms) AS rooms,
                    (SELECT coalesce(sum(message_count), 0) FROM chat_rooms) AS messages,
                    (SELECT count(*) FROM chat_messages WHERE created_at >= ?1) AS last_hour,
                    (SELECT count(*) FROM chat_messages WHERE created_at >= ?2) AS last_day",
        )
        .bind(micros(now - chrono::Duration::hours(1)))
        .bind(micros(now - chrono::Duration::days(1)))
        .fetch_one(&self.pool)
        .await?;
        Ok(Stats {
            users: row.try_get("users")?,
            rooms: row.try_get("rooms")?,
            messages: row.try_get("messages")?,
            messages_last_hour: row.try_get("last_hour")?,
            messages_last_day: row.try_get("last_day")?,
        })
    }

    async fn audit(&self, entry: &AuditEntry) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO audit_log (at, actor_id, action, room_id, message_id, target_user_id, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .bind(micros(Utc::now()))
        .bind(entry.actor)
        .bind(entry.action)
        .bind(entry.room)
        .bind(entry.message)
        .bind(entry.target_user)
        .bind(entry.detail.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn audit_log(
        &self,
        since: Option<DateTime<Utc>>,
        user: Option<Uuid>,
        limit: i64,
    ) -> StoreResult<Vec<AuditRecord>> {
        let rows = sqlx::query(
            "SELECT * FROM (
                SELECT a.id, a.at, a.actor_id, u.email AS actor_email, a.action, a.room_id,
                       a.message_id, a.target_user_id, a.detail
                FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
                WHERE (?1 IS NULL OR a.at >= ?1)
                  AND (?2 IS NULL OR a.actor_id = ?2 OR a.target_user_id = ?2)
                ORDER BY a.id DESC LIMIT ?3
             ) ORDER BY id",
        )
        .bind(since.map(micros))
        .bind(user)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let detail: String = row.try_get("detail")?;
                Ok(AuditRecord {
                    id: row.try_get("id")?,
                    at: instant(row.try_get("at")?)?,
                    actor_id: row.try_get("actor_id")?,
                    actor_email: row.try_get("actor_email")?,
                    action: row.try_get("action")?,
                    room_id: row.try_get("room_id")?,
                    message_id: row.try_get("message_id")?,
                    target_user_id: row.try_get("target_user_id")?,
                    detail: serde_json::from_str(&detail)
                        .map_err(|e| StoreError::Corrupt(format!("audit detail: {e}")))?,
                })
            })
            .collect()
    }
}
