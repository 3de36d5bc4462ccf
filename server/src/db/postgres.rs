//! PostgreSQL backend: native UUID/JSONB/timestamptz, batched inserts through `UNNEST` in one
//! statement (one round trip and one commit per batch).

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Postgres, QueryBuilder, Row};
use std::str::FromStr;
use tigo_common::{Message, MessageStatus, MessageType, Role, Room, RoomType, User, UserSummary};
use uuid::Uuid;

use super::*;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

pub struct PgStore {
    pool: PgPool,
    /// Connections of the message writers (group commit), planned for its one hot statement.
    commits: PgPool,
}

impl PgStore {
    pub async fn open(url: &str, opts: &PoolOptions) -> StoreResult<PgStore> {
        let connect = PgConnectOptions::from_str(url)
            .map_err(StoreError::Other)?
            .application_name("tigo-chat")
            .options([(
                "statement_timeout",
                format!("{}", opts.acquire_timeout.as_millis()),
            )]);
        let lost = super::stale::LossMark::new();
        lost.watch(connect.clone());
        let pool = Self::pool_with(connect.clone(), opts, &lost).await?;
        // The commit statement is prepared once and re-run thousands of times a second.
        // PostgreSQL re-plans it on every run when it guesses a custom plan is cheaper, which
        // costs more than running it (0.6 ms of a 1 ms commit, measured with
        // pg_stat_statements); a generic plan is made once. Every row it touches is found by
        // primary key, so sequential scans are ruled out: a generic plan made while the tables
        // were small would otherwise keep scanning them whole as they grow.
        let commits = Self::pool_with(
            connect.options([
                ("plan_cache_mode", "force_generic_plan"),
                ("enable_seqscan", "off"),
            ]),
            opts,
            &lost,
        )
        .await?;
        Ok(PgStore { pool, commits })
    }

    async fn pool_with(
        connect: PgConnectOptions,
        opts: &PoolOptions,
        lost: &super::stale::LossMark,
    ) -> StoreResult<PgPool> {
        // No ping on every checkout (a round trip per query): only connections that may
        // have outlived a database restart are checked (see `stale`).
        Ok(PgPoolOptions::new()
            .max_connections(opts.max_connections)
            .min_connections(0)
            .acquire_timeout(opts.acquire_timeout)
            .test_before_acquire(false)
            .before_acquire(lost.before_acquire())
            .idle_timeout(std::time::Duration::from_secs(300))
            .connect_with(connect)
            .await?)
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

const USER_COLUMNS: &str =
    "id, email, password_hash, first_name, last_name, roles, is_active, created_at";

const ROOM_SELECT: &str = "SELECT r.id, r.type, r.participant1_id, r.participant2_id, r.hotel_id,
        r.last_message_content, r.last_message_at, r.is_active, r.created_at, r.updated_at,
        u1.first_name AS p1_first_name, u1.last_name AS p1_last_name, u1.email AS p1_email,
        u2.first_name AS p2_first_name, u2.last_name AS p2_last_name, u2.email AS p2_email,
        CASE WHEN $1 IN (r.participant1_id, r.participant2_id) THEN (
            SELECT count(*) FROM chat_messages m
            WHERE m.chat_room_id = r.id AND m.sender_id <> $1
              AND (m.created_at, m.id) > (COALESCE(rr.read_upto_at, '-infinity'::timestamptz),
                                          COALESCE(rr.read_upto_id, '00000000-0000-0000-0000-000000000000'::uuid))
        ) ELSE 0 END AS unread_count
    FROM chat_rooms r
    JOIN users u1 ON u1.id = r.participant1_id
    JOIN users u2 ON u2.id = r.participant2_id
    LEFT JOIN chat_room_reads rr ON rr.chat_room_id = r.id AND rr.user_id = $1";

const MESSAGE_SELECT: &str =
    "SELECT m.id, m.chat_room_id, m.sender_id, m.content, m.type, m.status,
        m.file_url, m.file_name, m.file_size, m.metadata, m.is_edited, m.edited_at,
        m.created_at, m.updated_at, u.first_name, u.last_name, u.email
    FROM chat_messages m JOIN users u ON u.id = m.sender_id";

/// Recomputes a room's last message from its history (after a delete, edit or purge).
const REFRESH_LAST: &str = "UPDATE chat_rooms r SET
        last_message_content = l.content, last_message_at = l.created_at,
        last_message_sender_id = l.sender_id
    FROM (SELECT $1::uuid AS room_id) k
    LEFT JOIN LATERAL (
        SELECT CASE WHEN m.content = '' AND m.file_name IS NOT NULL THEN m.file_name ELSE m.content END AS content,
               m.created_at, m.sender_id
        FROM chat_messages m WHERE m.chat_room_id = k.room_id
        ORDER BY m.created_at DESC, m.id DESC LIMIT 1
    ) l ON true
    WHERE r.id = k.room_id";

fn user_from_row(row: &PgRow) -> StoreResult<UserRecord> {
    let roles: Vec<String> = row.try_get("roles")?;
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
        created_at: row.try_get("created_at")?,
    })
}

pub(crate) fn parse_roles<'a>(names: impl Iterator<Item = &'a str>) -> StoreResult<Vec<Role>> {
    names
        .map(|n| Role::parse(n).ok_or_else(|| StoreError::Corrupt(format!("unknown role {n:?}"))))
        .collect()
}

pub(crate) fn parse_room_type(text: &str) -> StoreResult<RoomType> {
    RoomType::parse(text).ok_or_else(|| StoreError::Corrupt(format!("unknown room type {text:?}")))
}

pub(crate) fn parse_message_type(text: &str) -> StoreResult<MessageType> {
    MessageType::parse(text)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown message type {text:?}")))
}

pub(crate) fn parse_status(text: &str) -> StoreResult<MessageStatus> {
    MessageStatus::parse(text)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown message status {text:?}")))
}

fn access_from_row(row: &PgRow) -> StoreResult<RoomAccess> {
    let room_type: String = row.try_get("type")?;
    Ok(RoomAccess {
        id: row.try_get("id")?,
        room_type: parse_room_type(&room_type)?,
        participant1_id: row.try_get("participant1_id")?,
        participant2_id: row.try_get("participant2_id")?,
    })
}

fn room_from_row(row: &PgRow) -> StoreResult<Room> {
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
        last_message_at: row.try_get("last_message_at")?,
        is_active: row.try_get("is_active")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        unread_count: row.try_get("unread_count")?,
    })
}

fn message_from_row(row: &PgRow) -> StoreResult<Message> {
    let sender_id: Uuid = row.try_get("sender_id")?;
    let message_type: String = row.try_get("type")?;
    let status: String = row.try_get("status")?;
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
        metadata: row.try_get::<Option<Value>, _>("metadata")?,
        is_edited: row.try_get("is_edited")?,
        edited_at: row.try_get("edited_at")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// `%text%` for ILIKE, with the pattern characters of `text` escaped.
pub(crate) fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

impl PgStore {
    async fn applied_versions(&self) -> StoreResult<Vec<i64>> {
        let exists: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
            .fetch_one(&self.pool)
            .await?;
        if !exists {
            return Ok(Vec::new());
        }
        Ok(sqlx::query_scalar(
            "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    async fn messages_by_client_ids(
        &self,
        keys: &[(Uuid, String)],
    ) -> StoreResult<Vec<(String, Message)>> {
        let senders: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let ids: Vec<String> = keys.iter().map(|k| k.1.clone()).collect();
        let sql = format!(
            "{MESSAGE_SELECT} JOIN UNNEST($1::uuid[], $2::text[]) AS k(sender_id, client_msg_id)
             ON m.sender_id = k.sender_id AND m.client_msg_id = k.client_msg_id"
        )
        .replace("SELECT m.id", "SELECT m.client_msg_id, m.id");
        let rows = sqlx::query(&sql)
            .bind(&senders)
            .bind(&ids)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("client_msg_id")?, message_from_row(row)?)))
            .collect()
    }
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
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
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn create_user(&self, user: &NewUser) -> StoreResult<UserRecord> {
        let roles: Vec<&str> = user.roles.iter().map(|r| r.as_str()).collect();
        let row = sqlx::query(&format!(
            "INSERT INTO users (id, email, password_hash, first_name, last_name, roles)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {USER_COLUMNS}"
        ))
        .bind(user.id)
        .bind(&user.email)
        .bind(&user.password_hash)
        .bind(&user.first_name)
        .bind(&user.last_name)
        .bind(&roles)
        .fetch_one(&self.pool)
        .await?;
        user_from_row(&row)
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE email = $1"
        ))
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn user_by_id(&self, id: Uuid) -> StoreResult<Option<UserRecord>> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn list_users(&self, role: Option<Role>) -> StoreResult<Vec<UserRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE $1::text IS NULL OR $1 = ANY(roles) ORDER BY email"
        ))
        .bind(role.map(Role::as_str))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user_from_row).collect()
    }

    async fn set_roles(&self, id: Uuid, roles: &[Role]) -> StoreResult<bool> {
        let roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        let done = sqlx::query("UPDATE users SET roles = $2, updated_at = now() WHERE id = $1")
            .bind(id)
            .bind(&roles)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_active(&self, id: Uuid, active: bool) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE users SET is_active = $2, updated_at = now() WHERE id = $1")
            .bind(id)
            .bind(active)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn users_changed_within(
        &self,
        window: std::time::Duration,
    ) -> StoreResult<Vec<UserRecord>> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users
             WHERE updated_at > now() - make_interval(secs => $1)
             ORDER BY updated_at DESC LIMIT 10000"
        ))
        .bind(window.as_secs_f64())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user_from_row).collect()
    }

    async fn create_room(&self, room: &NewRoom, viewer: Uuid) -> StoreResult<(Room, bool)> {
        let inserted = sqlx::query(
            "INSERT INTO chat_rooms (id, type, participant1_id, participant2_id, hotel_id, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT DO NOTHING",
        )
        .bind(room.id)
        .bind(room.room_type.as_str())
        .bind(room.participant1_id)
        .bind(room.participant2_id)
        .bind(room.hotel_id)
        .bind(room.created_at)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1;
        let sql = format!(
            "{ROOM_SELECT} WHERE r.type = $2
               AND LEAST(r.participant1_id, r.participant2_id) = LEAST($3::uuid, $4::uuid)
               AND GREATEST(r.participant1_id, r.participant2_id) = GREATEST($3::uuid, $4::uuid)"
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
        let row = sqlx::query(&format!("{ROOM_SELECT} WHERE r.id = $2"))
            .bind(viewer)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(room_from_row).transpose()
    }

    async fn rooms_by_ids(&self, ids: &[Uuid], viewer: Uuid) -> StoreResult<Vec<Room>> {
        let rows = sqlx::query(&format!("{ROOM_SELECT} WHERE r.id = ANY($2)"))
            .bind(viewer)
            .bind(ids)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(room_from_row).collect()
    }

    async fn room_access(&self, id: Uuid) -> StoreResult<Option<RoomAccess>> {
        let row = sqlx::query(
            "SELECT id, type, participant1_id, participant2_id FROM chat_rooms WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(access_from_row).transpose()
    }

    async fn list_rooms(&self, q: &RoomQuery) -> StoreResult<(Vec<Room>, i64)> {
        fn filters(b: &mut QueryBuilder<'_, Postgres>, q: &RoomQuery) {
            b.push(" WHERE true");
            if !q.all {
                b.push(" AND (r.participant1_id = $1 OR r.participant2_id = $1)");
            }
            if let Some(t) = q.room_type {
                b.push(" AND r.type = ").push_bind(t.as_str().to_string());
            }
            if let Some(p) = q.participant_id {
                b.push(" AND (r.participant1_id = ")
                    .push_bind(p)
                    .push(" OR r.participant2_id = ")
                    .push_bind(p)
                    .push(")");
            }
            if let Some(active) = q.active {
                b.push(" AND r.is_active = ").push_bind(active);
            }
            if let Some(search) = q.search.as_deref() {
                let pattern = like_pattern(search);
                b.push(
                    " AND ((r.participant1_id <> $1 AND (u1.first_name || ' ' || u1.last_name || ' ' || u1.email) ILIKE ",
                )
                .push_bind(pattern.clone())
                .push(") OR (r.participant2_id <> $1 AND (u2.first_name || ' ' || u2.last_name || ' ' || u2.email) ILIKE ")
                .push_bind(pattern)
                .push("))");
            }
        }
        // The viewer is always the first bind, so `$1` in ROOM_SELECT and the filters is it.
        let mut count = QueryBuilder::<Postgres>::new("WITH viewer AS (SELECT ");
        count.push_bind(q.viewer).push(
            "::uuid AS id) SELECT count(*) FROM chat_rooms r
             JOIN users u1 ON u1.id = r.participant1_id
             JOIN users u2 ON u2.id = r.participant2_id",
        );
        filters(&mut count, q);
        let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;

        let mut select = QueryBuilder::<Postgres>::new("WITH viewer AS (SELECT ");
        select
            .push_bind(q.viewer)
            .push("::uuid AS id) ")
            .push(ROOM_SELECT);
        filters(&mut select, q);
        select
            .push(" ORDER BY COALESCE(r.last_message_at, r.created_at) DESC, r.id DESC LIMIT ")
            .push_bind(q.limit)
            .push(" OFFSET ")
            .push_bind(q.offset);
        let rows = select.build().fetch_all(&self.pool).await?;
        let rooms = rows
            .iter()
            .map(room_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok((rooms, total))
    }

    async fn rooms_of_user(&self, user: Uuid) -> StoreResult<Vec<RoomAccess>> {
        let rows = sqlx::query(
            "SELECT id, type, participant1_id, participant2_id FROM chat_rooms WHERE participant1_id = $1
             UNION ALL
             SELECT id, type, participant1_id, participant2_id FROM chat_rooms WHERE participant2_id = $1",
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
               AND NOT ('Admin' = ANY(ls.roles))
             ORDER BY r.last_message_at, r.id LIMIT $1",
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
        let n = unique.len();
        let mut ids = Vec::with_capacity(n);
        let mut rooms = Vec::with_capacity(n);
        let mut senders = Vec::with_capacity(n);
        let mut contents = Vec::with_capacity(n);
        let mut previews = Vec::with_capacity(n);
        let mut types = Vec::with_capacity(n);
        let mut urls = Vec::with_capacity(n);
        let mut names = Vec::with_capacity(n);
        let mut sizes = Vec::with_capacity(n);
        let mut metas = Vec::with_capacity(n);
        let mut client_ids = Vec::with_capacity(n);
        for m in &unique {
            ids.push(m.id);
            rooms.push(m.room_id);
            senders.push(m.sender.id);
            contents.push(m.content.as_str());
            previews.push(m.preview());
            types.push(m.message_type.as_str());
            urls.push(m.file_url.as_deref());
            names.push(m.file_name.as_deref());
            sizes.push(m.file_size);
            metas.push(m.metadata.clone());
            client_ids.push(m.client_msg_id.as_deref());
        }
        // One statement, one round trip, one commit. The rooms' rows are locked first and each
        // message is stamped after its room's newest one, with the database's clock: writers
        // on any instance take turns per room, so in every room commit order is (created_at,
        // id) order and a reader paging with `after` can never step over a late commit.
        // Receipts ride in the same statement (one commit, not two).
        let rows: Vec<(bool, Uuid, DateTime<Utc>, Uuid)> = sqlx::query_as(
            "WITH input AS (
                SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[],
                    $6::text[], $7::text[], $8::text[], $9::bigint[], $10::jsonb[], $11::text[])
                    WITH ORDINALITY
                AS t(id, chat_room_id, sender_id, content, preview, type, file_url, file_name,
                     file_size, metadata, client_msg_id, ord)
            ), locked AS (
                SELECT r.id, GREATEST(clock_timestamp(),
                    COALESCE(r.last_message_at + interval '1 microsecond', '-infinity')) AS base
                FROM chat_rooms r WHERE r.id IN (SELECT chat_room_id FROM input)
                ORDER BY r.id FOR UPDATE
            ), stamped AS (
                SELECT input.*, locked.base + (row_number() OVER (
                    PARTITION BY input.chat_room_id ORDER BY input.ord) - 1) * interval '1 microsecond'
                    AS created_at
                FROM input JOIN locked ON locked.id = input.chat_room_id
            ), ins AS (
                INSERT INTO chat_messages (id, chat_room_id, sender_id, content, type, status,
                    file_url, file_name, file_size, metadata, client_msg_id, created_at, updated_at)
                SELECT id, chat_room_id, sender_id, content, type, 'sent', file_url, file_name,
                    file_size, metadata, client_msg_id, created_at, created_at
                FROM stamped ORDER BY ord
                ON CONFLICT (sender_id, client_msg_id) WHERE client_msg_id IS NOT NULL DO NOTHING
                RETURNING id, chat_room_id, created_at, sender_id
            ), last AS (
                SELECT DISTINCT ON (ins.chat_room_id) ins.chat_room_id, input.preview,
                    ins.created_at, ins.sender_id,
                    count(*) OVER (PARTITION BY ins.chat_room_id) AS n
                FROM ins JOIN input ON input.id = ins.id
                ORDER BY ins.chat_room_id, ins.created_at DESC, ins.id DESC
            ), upd AS (
                UPDATE chat_rooms r SET
                    message_count = r.message_count + last.n,
                    last_message_content = last.preview,
                    last_message_sender_id = last.sender_id,
                    last_message_at = last.created_at,
                    updated_at = GREATEST(r.updated_at, last.created_at)
                FROM last WHERE r.id = last.chat_room_id
                RETURNING r.id
            ), dlv AS (
                UPDATE chat_messages SET status = 'delivered', updated_at = $12
                WHERE id = ANY($13) AND status = 'sent'
                RETURNING id, chat_room_id
            )
            SELECT true, id, created_at, chat_room_id FROM ins
            UNION ALL
            SELECT false, id, $12, chat_room_id FROM dlv",
        )
        .bind(&ids)
        .bind(&rooms)
        .bind(&senders)
        .bind(&contents)
        .bind(&previews)
        .bind(&types)
        .bind(&urls)
        .bind(&names)
        .bind(&sizes)
        .bind(&metas)
        .bind(&client_ids)
        .bind(at)
        .bind(delivered)
        .fetch_all(&self.commits)
        .await?;
        let mut stored = Stored::new();
        let mut moved = Vec::new();
        for (inserted, id, created_at, room_id) in rows {
            if inserted {
                stored.insert(id, created_at);
            } else {
                moved.push(Delivered {
                    message_id: id,
                    room_id,
                });
            }
        }
        let missing = plan.missing_keys(&unique, &stored);
        let existing = if missing.is_empty() {
            Vec::new()
        } else {
            self.messages_by_client_ids(&missing).await?
        };
        Ok(Committed {
            inserted: plan.outcomes(batch, &stored, &existing)?,
            delivered: moved,
        })
    }

    async fn message(&self, id: Uuid) -> StoreResult<Option<Message>> {
        let row = sqlx::query(&format!("{MESSAGE_SELECT} WHERE m.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(message_from_row).transpose()
    }

    async fn list_messages(&self, q: &MessageQuery) -> StoreResult<(Vec<Message>, i64)> {
        let mut b = QueryBuilder::<Postgres>::new(MESSAGE_SELECT);
        b.push(" WHERE m.chat_room_id = ").push_bind(q.room_id);
        if let Some(c) = q.before {
            b.push(" AND (m.created_at, m.id) < (")
                .push_bind(c.at)
                .push(", ")
                .push_bind(c.id)
                .push(")");
        }
        if let Some(c) = q.after {
            b.push(" AND (m.created_at, m.id) > (")
                .push_bind(c.at)
                .push(", ")
                .push_bind(c.id)
                .push(")");
        }
        // Without `after`, a page counts back from the newest end (or from `before`).
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
        let total: i64 = sqlx::query_scalar("SELECT message_count FROM chat_rooms WHERE id = $1")
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
        let mut tx = self.pool.begin().await?;
        let room: Option<Uuid> = sqlx::query_scalar(
            "UPDATE chat_messages SET content = $2, is_edited = true, edited_at = $3, updated_at = $3
             WHERE id = $1 RETURNING chat_room_id",
        )
        .bind(id)
        .bind(content)
        .bind(at)
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
        let Some(message) = self.message(id).await? else {
            return Ok(None);
        };
        let mut tx = self.pool.begin().await?;
        let deleted = sqlx::query("DELETE FROM chat_messages WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if deleted == 0 {
            return Ok(None);
        }
        sqlx::query(
            "UPDATE chat_rooms SET message_count = GREATEST(message_count - 1, 0) WHERE id = $1",
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
        let mut tx = self.pool.begin().await?;
        let newest: Option<(DateTime<Utc>, Uuid)> = sqlx::query_as(
            "SELECT created_at, id FROM chat_messages WHERE chat_room_id = $1
             ORDER BY created_at DESC, id DESC LIMIT 1",
        )
        .bind(room_id)
        .fetch_optional(&mut *tx)
        .await?;
        let mut changed = 0;
        if let (true, Some((upto_at, upto_id))) = (move_status, newest) {
            // A participant's messages from others up to their read mark are read already (the
            // mark only moves here, and later messages sort after it), so only what came after
            // the previous mark is touched: the cost follows the unread messages, not the room.
            let since: Option<(DateTime<Utc>, Uuid)> = sqlx::query_as(
                "SELECT read_upto_at, read_upto_id FROM chat_room_reads
                 WHERE chat_room_id = $1 AND user_id = $2 AND read_upto_at IS NOT NULL",
            )
            .bind(room_id)
            .bind(user)
            .fetch_optional(&mut *tx)
            .await?;
            // Two statements rather than one with an optional bound, so each keeps a plan
            // that walks the room's (created_at, id) index from the right place.
            let update = if since.is_some() {
                "UPDATE chat_messages SET status = 'read', updated_at = $5
                 WHERE chat_room_id = $1 AND status <> 'read' AND sender_id <> $2
                   AND (created_at, id) <= ($3, $4) AND (created_at, id) > ($6, $7)"
            } else {
                "UPDATE chat_messages SET status = 'read', updated_at = $5
                 WHERE chat_room_id = $1 AND status <> 'read' AND sender_id <> $2
                   AND (created_at, id) <= ($3, $4)"
            };
            let mut update = sqlx::query(update)
                .bind(room_id)
                .bind(user)
                .bind(upto_at)
                .bind(upto_id)
                .bind(at);
            if let Some((since_at, since_id)) = since {
                update = update.bind(since_at).bind(since_id);
            }
            changed = update.execute(&mut *tx).await?.rows_affected();
        }
        sqlx::query(
            "INSERT INTO chat_room_reads (chat_room_id, user_id, last_read_at, read_upto_at, read_upto_id)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (chat_room_id, user_id) DO UPDATE SET
                last_read_at = EXCLUDED.last_read_at,
                read_upto_at = CASE WHEN chat_room_reads.read_upto_at IS NULL
                    OR (EXCLUDED.read_upto_at, EXCLUDED.read_upto_id) > (chat_room_reads.read_upto_at, chat_room_reads.read_upto_id)
                    THEN EXCLUDED.read_upto_at ELSE chat_room_reads.read_upto_at END,
                read_upto_id = CASE WHEN chat_room_reads.read_upto_at IS NULL
                    OR (EXCLUDED.read_upto_at, EXCLUDED.read_upto_id) > (chat_room_reads.read_upto_at, chat_room_reads.read_upto_id)
                    THEN EXCLUDED.read_upto_id ELSE chat_room_reads.read_upto_id END",
        )
        .bind(room_id)
        .bind(user)
        .bind(at)
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
        let rows: Vec<(Uuid, i64)> = sqlx::query_as(
            "SELECT r.id, count(m.id) FROM UNNEST($2::uuid[]) AS r(id)
             LEFT JOIN chat_room_reads rr ON rr.chat_room_id = r.id AND rr.user_id = $1
             JOIN chat_messages m ON m.chat_room_id = r.id AND m.sender_id <> $1
               AND (m.created_at, m.id) > (COALESCE(rr.read_upto_at, '-infinity'::timestamptz),
                                           COALESCE(rr.read_upto_id, '00000000-0000-0000-0000-000000000000'::uuid))
             GROUP BY r.id",
        )
        .bind(user)
        .bind(rooms)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().collect())
    }

    async fn purge_batch(
        &self,
        before: DateTime<Utc>,
        room: Option<Uuid>,
        batch: i64,
    ) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await?;
        let deleted: Vec<(Uuid,)> = sqlx::query_as(
            "DELETE FROM chat_messages WHERE id IN (
                SELECT id FROM chat_messages
                WHERE created_at < $1 AND ($2::uuid IS NULL OR chat_room_id = $2)
                ORDER BY id LIMIT $3)
             RETURNING chat_room_id",
        )
        .bind(before)
        .bind(room)
        .bind(batch)
        .fetch_all(&mut *tx)
        .await?;
        let mut per_room: HashMap<Uuid, i64> = HashMap::new();
        for (room,) in &deleted {
            *per_room.entry(*room).or_default() += 1;
        }
        for (room, n) in &per_room {
            sqlx::query(
                "UPDATE chat_rooms SET message_count = GREATEST(message_count - $2, 0) WHERE id = $1",
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
            "SELECT count(*) FROM chat_messages WHERE created_at < $1 AND ($2::uuid IS NULL OR chat_room_id = $2)",
        )
        .bind(before)
        .bind(room)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn stats(&self, now: DateTime<Utc>) -> StoreResult<Stats> {
        let row = sqlx::query(
            "SELECT (SELECT count(*) FROM users) AS users,
                    (SELECT count(*) FROM chat_rooms) AS rooms,
                    (SELECT COALESCE(sum(message_count), 0)::bigint FROM chat_rooms) AS messages,
                    (SELECT count(*) FROM chat_messages WHERE created_at >= $1) AS last_hour,
                    (SELECT count(*) FROM chat_messages WHERE created_at >= $2) AS last_day",
        )
        .bind(now - chrono::Duration::hours(1))
        .bind(now - chrono::Duration::days(1))
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
            "INSERT INTO audit_log (actor_id, action, room_id, message_id, target_user_id, detail)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(entry.actor)
        .bind(entry.action)
        .bind(entry.room)
        .bind(entry.message)
        .bind(entry.target_user)
        .bind(&entry.detail)
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
                WHERE ($1::timestamptz IS NULL OR a.at >= $1)
                  AND ($2::uuid IS NULL OR a.actor_id = $2 OR a.target_user_id = $2)
                ORDER BY a.id DESC LIMIT $3
             ) recent ORDER BY id",
        )
        .bind(since)
        .bind(user)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AuditRecord {
                    id: row.try_get("id")?,
                    at: row.try_get("at")?,
                    actor_id: row.try_get("actor_id")?,
                    actor_email: row.try_get("actor_email")?,
                    action: row.try_get("action")?,
                    room_id: row.try_get("room_id")?,
                    message_id: row.try_get("message_id")?,
                    target_user_id: row.try_get("target_user_id")?,
                    detail: row.try_get("detail")?,
                })
            })
            .collect()
    }
}
