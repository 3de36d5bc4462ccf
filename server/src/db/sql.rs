//! SQL text both dialects run as written: `$N` placeholders (PostgreSQL's, and one of the forms
//! sqlx's SQLite driver binds by number), no casts, functions both know. Statements that differ
//! only in a literal are templates (macros to `concat!` the dialect's spelling in at compile
//! time); statements that truly differ stay in `sqlite/` and `postgres/`.
//!
//! Placeholders are bound by number in both dialects, so a statement may use one several times.

// ---- users ----------------------------------------------------------------------------------

/// The columns of `users` that [`super::rows::UserRow`] decodes.
macro_rules! user_columns {
    () => {
        "id, email, password_hash, first_name, last_name, roles, is_active, created_at"
    };
}

pub(crate) use user_columns;

pub(crate) const USER_BY_EMAIL: &str =
    concat!("SELECT ", user_columns!(), " FROM users WHERE email = $1");

pub(crate) const USER_BY_ID: &str =
    concat!("SELECT ", user_columns!(), " FROM users WHERE id = $1");

// ---- rooms ----------------------------------------------------------------------------------

/// Rooms with their participants, members and `$1`'s unread count, for
/// [`super::rows::RoomRow`]. A dialect supplies the values below every stored instant and id,
/// for a reader who has read nothing yet, and its JSON aggregate of the room's members
/// (decoded by `super::members`).
macro_rules! room_select {
    ($min_at:literal, $nil_id:literal, $members:expr) => {
        concat!(
            "SELECT r.id, r.type, r.participant1_id, r.participant2_id, r.hotel_id,
        r.last_message_content, r.last_message_at, r.is_active, r.created_at, r.updated_at,
        r.assigned_admin_id, ",
            $members,
            " AS members,
        u1.first_name AS p1_first_name, u1.last_name AS p1_last_name, u1.email AS p1_email,
        u2.first_name AS p2_first_name, u2.last_name AS p2_last_name, u2.email AS p2_email,
        CASE WHEN EXISTS (SELECT 1 FROM room_members me
                WHERE me.room_id = r.id AND me.user_id = $1) THEN (
            SELECT count(*) FROM chat_messages m
            WHERE m.chat_room_id = r.id AND m.sender_id <> $1
              AND (m.created_at, m.id) > (COALESCE(rr.read_upto_at, ",
            $min_at,
            "),
                                          COALESCE(rr.read_upto_id, ",
            $nil_id,
            "))
        ) ELSE 0 END AS unread_count
    FROM chat_rooms r
    JOIN users u1 ON u1.id = r.participant1_id
    JOIN users u2 ON u2.id = r.participant2_id
    LEFT JOIN chat_room_reads rr ON rr.chat_room_id = r.id AND rr.user_id = $1"
        )
    };
}
pub(crate) use room_select;

/// The order of a room's members: its two participants, then everyone else as they joined.
macro_rules! member_order {
    () => {
        "CASE m.user_id WHEN r.participant1_id THEN 0 WHEN r.participant2_id THEN 1 ELSE 2 END,
            m.joined_at, m.user_id"
    };
}
pub(crate) use member_order;

/// Every member of room `$1` with their positions (`db::receipts::PositionsRow`).
pub(crate) const MEMBER_POSITIONS: &str = concat!(
    "SELECT m.user_id, rr.read_upto_at, rr.read_upto_id, rr.last_read_at,
        rr.delivered_upto_at, rr.delivered_upto_id
    FROM room_members m JOIN chat_rooms r ON r.id = m.room_id
    LEFT JOIN chat_room_reads rr ON rr.chat_room_id = m.room_id AND rr.user_id = m.user_id
    WHERE m.room_id = $1 ORDER BY ",
    member_order!()
);

/// The tail of a room select for one room: `$2` is its id.
pub(crate) const WHERE_ROOM_ID: &str = " WHERE r.id = $2";

pub(crate) const INSERT_ROOM: &str = "INSERT INTO chat_rooms
        (id, type, participant1_id, participant2_id, hotel_id, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT DO NOTHING";

/// The columns of `chat_rooms` that [`super::rows::AccessRow`] decodes.
macro_rules! access_columns {
    () => {
        "SELECT id, type, participant1_id, participant2_id FROM chat_rooms"
    };
}

pub(crate) const ROOM_ACCESS: &str = concat!(access_columns!(), " WHERE id = $1");

/// Every room `$1` is a member of, through the members' user index.
pub(crate) const ROOMS_OF_USER: &str = "SELECT r.id, r.type, r.participant1_id, r.participant2_id
    FROM room_members m JOIN chat_rooms r ON r.id = m.room_id WHERE m.user_id = $1";

/// Support rooms whose newest message is from `ls`, a sender that fails the dialect's Admin
/// role test, longest waiting first (`$1`: how many).
macro_rules! waiting_rooms {
    ($not_admin:literal) => {
        concat!(
            "SELECT r.id, ls.id, ls.first_name, ls.last_name, ls.email
             FROM chat_rooms r JOIN users ls ON ls.id = r.last_message_sender_id
             WHERE r.type IN ('customer_admin', 'hotel_owner_admin') AND ",
            $not_admin,
            " ORDER BY r.last_message_at, r.id LIMIT $1"
        )
    };
}
pub(crate) use waiting_rooms;

/// Lowers a room's message count by `$2` (never below zero).
pub(crate) const DECREMENT_COUNT: &str = "UPDATE chat_rooms SET
        message_count = CASE WHEN message_count > $2 THEN message_count - $2 ELSE 0 END
    WHERE id = $1";

// ---- messages -------------------------------------------------------------------------------

/// Messages with their sender, reactions and the quoted message's current text (cut to 200
/// characters; both dialects count characters), for [`super::rows::MessageRow`]. A quote whose
/// message is gone finds no `q` row: it reads as deleted, with no text.
///
/// `status` is derived from the room's positions (`chat_room_reads`, one row per member):
/// `read` once a member other than the sender has read up to the message, `delivered` once one
/// has had it delivered (a read moves the delivered position too), `sent` before. Each test is
/// a look-up of the room's few position rows by their key.
macro_rules! message_select {
    () => {
        "SELECT m.id, m.chat_room_id, m.sender_id, m.content, m.type,
        CASE WHEN EXISTS (SELECT 1 FROM chat_room_reads p
                WHERE p.chat_room_id = m.chat_room_id AND p.user_id <> m.sender_id
                  AND (p.read_upto_at, p.read_upto_id) >= (m.created_at, m.id)) THEN 'read'
             WHEN EXISTS (SELECT 1 FROM chat_room_reads p
                WHERE p.chat_room_id = m.chat_room_id AND p.user_id <> m.sender_id
                  AND (p.delivered_upto_at, p.delivered_upto_id) >= (m.created_at, m.id))
             THEN 'delivered'
             ELSE 'sent' END AS status,
        m.file_url, m.file_name, m.file_size, m.metadata, m.is_edited, m.edited_at,
        m.created_at, m.updated_at, m.client_msg_id, u.first_name, u.last_name, u.email,
        m.reactions, m.reply_to_id, m.reply_to_sender_id, m.reply_to_type,
        q.id AS quoted_id, substr(q.content, 1, 200) AS quoted_content
    FROM chat_messages m JOIN users u ON u.id = m.sender_id
    LEFT JOIN chat_messages q ON q.id = m.reply_to_id"
    };
}

pub(crate) const MESSAGE_SELECT: &str = message_select!();

pub(crate) const MESSAGE_BY_ID: &str = concat!(message_select!(), " WHERE m.id = $1");

pub(crate) const MESSAGE_COUNT: &str = "SELECT message_count FROM chat_rooms WHERE id = $1";

/// Returns the message's room (none: no such message).
pub(crate) const EDIT_MESSAGE: &str = "UPDATE chat_messages
    SET content = $2, is_edited = true, edited_at = $3, updated_at = $3
    WHERE id = $1 RETURNING chat_room_id";

pub(crate) const DELETE_MESSAGE: &str = "DELETE FROM chat_messages WHERE id = $1";

// ---- receipts -------------------------------------------------------------------------------

/// The newest message of room `$1`: how far a read goes.
pub(crate) const NEWEST_IN_ROOM: &str = "SELECT created_at, id FROM chat_messages
    WHERE chat_room_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1";

/// Moves reader `$2`'s positions in room `$1` forward (never back) to `($3, $4)`, the room's
/// newest message: the read mark, and the delivered position with it (what was read was
/// delivered). A room without messages stores the row with no positions.
pub(crate) const UPSERT_READ_MARK: &str = "INSERT INTO chat_room_reads
        (chat_room_id, user_id, last_read_at, read_upto_at, read_upto_id,
         delivered_upto_at, delivered_upto_id)
    VALUES ($1, $2, $5, $3, $4, $3, $4)
    ON CONFLICT (chat_room_id, user_id) DO UPDATE SET
        last_read_at = EXCLUDED.last_read_at,
        read_upto_at = CASE WHEN chat_room_reads.read_upto_at IS NULL
            OR (EXCLUDED.read_upto_at, EXCLUDED.read_upto_id) > (chat_room_reads.read_upto_at, chat_room_reads.read_upto_id)
            THEN EXCLUDED.read_upto_at ELSE chat_room_reads.read_upto_at END,
        read_upto_id = CASE WHEN chat_room_reads.read_upto_at IS NULL
            OR (EXCLUDED.read_upto_at, EXCLUDED.read_upto_id) > (chat_room_reads.read_upto_at, chat_room_reads.read_upto_id)
            THEN EXCLUDED.read_upto_id ELSE chat_room_reads.read_upto_id END,
        delivered_upto_at = CASE WHEN chat_room_reads.delivered_upto_at IS NULL
            OR (EXCLUDED.delivered_upto_at, EXCLUDED.delivered_upto_id) > (chat_room_reads.delivered_upto_at, chat_room_reads.delivered_upto_id)
            THEN EXCLUDED.delivered_upto_at ELSE chat_room_reads.delivered_upto_at END,
        delivered_upto_id = CASE WHEN chat_room_reads.delivered_upto_at IS NULL
            OR (EXCLUDED.delivered_upto_at, EXCLUDED.delivered_upto_id) > (chat_room_reads.delivered_upto_at, chat_room_reads.delivered_upto_id)
            THEN EXCLUDED.delivered_upto_id ELSE chat_room_reads.delivered_upto_id END";

// ---- audit ----------------------------------------------------------------------------------

/// The newest `$3` lines since `$1` about user `$2` (either optional), returned oldest first.
pub(crate) const AUDIT_LOG: &str = "SELECT * FROM (
        SELECT a.id, a.at, a.actor_id, u.email AS actor_email, a.action, a.room_id,
               a.message_id, a.target_user_id, a.detail
        FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
        WHERE ($1 IS NULL OR a.at >= $1)
          AND ($2 IS NULL OR a.actor_id = $2 OR a.target_user_id = $2)
        ORDER BY a.id DESC LIMIT $3
    ) recent ORDER BY id";

// ---- ops ------------------------------------------------------------------------------------

pub(crate) const APPLIED_VERSIONS: &str =
    "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version";

pub(crate) const PING: &str = "SELECT 1";

pub(crate) const SETTING_INSERT: &str =
    "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING";

pub(crate) const SETTING_GET: &str = "SELECT value FROM settings WHERE key = $1";

/// Deletes up to `$3` messages created before `$1` (in room `$2` unless null), oldest ids
/// first; returns each one's room.
pub(crate) const PURGE_BATCH: &str = "DELETE FROM chat_messages WHERE id IN (
        SELECT id FROM chat_messages
        WHERE created_at < $1 AND ($2 IS NULL OR chat_room_id = $2)
        ORDER BY id LIMIT $3)
    RETURNING chat_room_id";

pub(crate) const COUNT_OLDER: &str = "SELECT count(*) FROM chat_messages
    WHERE created_at < $1 AND ($2 IS NULL OR chat_room_id = $2)";

/// `$1`, `$2`: an hour and a day ago. PostgreSQL's sum of a bigint is a numeric, hence the
/// cast.
pub(crate) const STATS: &str = "SELECT (SELECT count(*) FROM users) AS users,
        (SELECT count(*) FROM chat_rooms) AS rooms,
        (SELECT CAST(COALESCE(sum(message_count), 0) AS BIGINT) FROM chat_rooms) AS messages,
        (SELECT count(*) FROM chat_messages WHERE created_at >= $1) AS messages_last_hour,
        (SELECT count(*) FROM chat_messages WHERE created_at >= $2) AS messages_last_day";
