-- tigo-chat schema, SQLite dialect: UUIDs as 16-byte BLOBs, instants as INTEGER microseconds
-- since the Unix epoch (so they sort and compare exactly), JSON as TEXT, booleans as INTEGER.

CREATE TABLE users (
    id            BLOB PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,  -- stored lower-cased
    password_hash TEXT NOT NULL,
    first_name    TEXT NOT NULL,
    last_name     TEXT NOT NULL,
    roles         TEXT NOT NULL DEFAULT '["Customer"]',  -- JSON array of role names
    is_active     INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE chat_rooms (
    id                     BLOB PRIMARY KEY,
    type                   TEXT NOT NULL
        CHECK (type IN ('customer_hotel_owner', 'customer_admin', 'hotel_owner_admin')),
    participant1_id        BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    participant2_id        BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hotel_id               BLOB,
    last_message_content   TEXT,
    last_message_at        INTEGER,
    last_message_sender_id BLOB,
    message_count          INTEGER NOT NULL DEFAULT 0,
    is_active              INTEGER NOT NULL DEFAULT 1,
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL,
    CHECK (participant1_id <> participant2_id)
);

-- One room per unordered pair and type: concurrent creates in either order meet here.
CREATE UNIQUE INDEX chat_rooms_pair_key ON chat_rooms
    (type, min(participant1_id, participant2_id), max(participant1_id, participant2_id));
CREATE INDEX chat_rooms_participant1 ON chat_rooms (participant1_id);
CREATE INDEX chat_rooms_participant2 ON chat_rooms (participant2_id);
CREATE INDEX chat_rooms_activity ON chat_rooms (coalesce(last_message_at, created_at) DESC, id DESC);

CREATE TABLE chat_messages (
    id            BLOB PRIMARY KEY,  -- UUIDv7: time-ordered, so purges walk the primary key
    chat_room_id  BLOB NOT NULL REFERENCES chat_rooms (id) ON DELETE CASCADE,
    sender_id     BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    content       TEXT NOT NULL,
    type          TEXT NOT NULL DEFAULT 'text' CHECK (type IN ('text', 'file', 'image')),
    status        TEXT NOT NULL DEFAULT 'sent' CHECK (status IN ('sent', 'delivered', 'read')),
    file_url      TEXT,
    file_name     TEXT,
    file_size     INTEGER,
    metadata      TEXT,
    client_msg_id TEXT,
    is_edited     INTEGER NOT NULL DEFAULT 0,
    edited_at     INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE INDEX chat_messages_room_order ON chat_messages (chat_room_id, created_at, id);
CREATE UNIQUE INDEX chat_messages_client_msg_key ON chat_messages (sender_id, client_msg_id)
    WHERE client_msg_id IS NOT NULL;
CREATE INDEX chat_messages_unread ON chat_messages (chat_room_id, created_at, id)
    WHERE status <> 'read';

CREATE TABLE chat_room_reads (
    chat_room_id BLOB NOT NULL REFERENCES chat_rooms (id) ON DELETE CASCADE,
    user_id      BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    last_read_at INTEGER NOT NULL,
    read_upto_at INTEGER,
    read_upto_id BLOB,
    PRIMARY KEY (chat_room_id, user_id)
) WITHOUT ROWID;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
