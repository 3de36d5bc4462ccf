-- tigo-chat schema, PostgreSQL dialect: native UUID, JSONB and timestamptz.

CREATE TABLE users (
    id            UUID PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,  -- stored lower-cased
    password_hash TEXT NOT NULL,
    first_name    TEXT NOT NULL,
    last_name     TEXT NOT NULL,
    roles         TEXT[] NOT NULL DEFAULT '{Customer}',
    is_active     BOOLEAN NOT NULL DEFAULT true,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE chat_rooms (
    id                     UUID PRIMARY KEY,
    type                   VARCHAR(50) NOT NULL
        CHECK (type IN ('customer_hotel_owner', 'customer_admin', 'hotel_owner_admin')),
    participant1_id        UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    participant2_id        UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hotel_id               UUID,
    last_message_content   TEXT,
    last_message_at        TIMESTAMPTZ,
    last_message_sender_id UUID,
    message_count          BIGINT NOT NULL DEFAULT 0,
    is_active              BOOLEAN NOT NULL DEFAULT true,
    created_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (participant1_id <> participant2_id)
);

-- One room per unordered pair and type: concurrent creates in either order meet here.
CREATE UNIQUE INDEX chat_rooms_pair_key ON chat_rooms
    (type, LEAST(participant1_id, participant2_id), GREATEST(participant1_id, participant2_id));
CREATE INDEX chat_rooms_participant1 ON chat_rooms (participant1_id);
CREATE INDEX chat_rooms_participant2 ON chat_rooms (participant2_id);
CREATE INDEX chat_rooms_activity ON chat_rooms (COALESCE(last_message_at, created_at) DESC, id DESC);

CREATE TABLE chat_messages (
    id            UUID PRIMARY KEY,  -- UUIDv7: time-ordered, so purges walk the primary key
    chat_room_id  UUID NOT NULL REFERENCES chat_rooms (id) ON DELETE CASCADE,
    sender_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    content       TEXT NOT NULL,
    type          VARCHAR(20) NOT NULL DEFAULT 'text' CHECK (type IN ('text', 'file', 'image')),
    status        VARCHAR(20) NOT NULL DEFAULT 'sent' CHECK (status IN ('sent', 'delivered', 'read')),
    file_url      TEXT,
    file_name     TEXT,
    file_size     BIGINT,
    metadata      JSONB,
    client_msg_id TEXT,
    is_edited     BOOLEAN NOT NULL DEFAULT false,
    edited_at     TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- History pages and replays: keyset order (created_at, id) within a room.
CREATE INDEX chat_messages_room_order ON chat_messages (chat_room_id, created_at, id);
-- Idempotent sends per sender.
CREATE UNIQUE INDEX chat_messages_client_msg_key ON chat_messages (sender_id, client_msg_id)
    WHERE client_msg_id IS NOT NULL;
-- Read receipts touch only what is not read yet.
CREATE INDEX chat_messages_unread ON chat_messages (chat_room_id, created_at, id)
    WHERE status <> 'read';

-- Per-user read state: the newest message (created_at, id) each user has read in a room.
CREATE TABLE chat_room_reads (
    chat_room_id UUID NOT NULL REFERENCES chat_rooms (id) ON DELETE CASCADE,
    user_id      UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    last_read_at TIMESTAMPTZ NOT NULL,
    read_upto_at TIMESTAMPTZ,
    read_upto_id UUID,
    PRIMARY KEY (chat_room_id, user_id)
);

-- Service-wide settings shared by every instance (the generated JWT secret).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
