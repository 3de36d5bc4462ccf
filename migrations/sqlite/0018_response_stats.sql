-- Response statistics (contract v3, issue 31); see the PostgreSQL migration of the same number
-- for the design (threads kept by a follower of the stored messages).

CREATE TABLE stats_threads (
    id           BLOB PRIMARY KEY,
    room_id      BLOB NOT NULL REFERENCES chat_rooms (id) ON DELETE CASCADE,
    hotel_id     BLOB,
    kind         TEXT NOT NULL CHECK (kind IN ('hotel', 'support')),
    started_at   INTEGER NOT NULL,
    responded_at INTEGER,
    response_us  INTEGER,
    closed_at    INTEGER
) WITHOUT ROWID;

CREATE INDEX stats_threads_hotel ON stats_threads (hotel_id, started_at) WHERE kind = 'hotel';
CREATE INDEX stats_threads_period ON stats_threads (kind, started_at);
CREATE INDEX stats_threads_waiting ON stats_threads (kind, started_at)
    WHERE responded_at IS NULL AND closed_at IS NULL;
CREATE INDEX stats_threads_room ON stats_threads (room_id);

CREATE TABLE stats_rooms (
    room_id     BLOB PRIMARY KEY REFERENCES chat_rooms (id) ON DELETE CASCADE,
    last_at     INTEGER NOT NULL,
    last_side   TEXT NOT NULL,
    open_thread BLOB,
    open_at     INTEGER
) WITHOUT ROWID;

CREATE TABLE stats_hotels (
    hotel_id    BLOB PRIMARY KEY,
    threads     INTEGER NOT NULL,
    within      INTEGER NOT NULL,
    valid_until INTEGER NOT NULL,
    version     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX stats_hotels_due ON stats_hotels (valid_until);

CREATE TABLE stats_buckets (
    span           TEXT NOT NULL CHECK (span IN ('hour', 'day')),
    start          INTEGER NOT NULL,
    messages       INTEGER NOT NULL,
    active_senders INTEGER NOT NULL,
    PRIMARY KEY (span, start)
) WITHOUT ROWID;

CREATE TABLE stats_senders (
    span    TEXT NOT NULL,
    start   INTEGER NOT NULL,
    user_id BLOB NOT NULL,
    PRIMARY KEY (span, start, user_id)
) WITHOUT ROWID;

CREATE TABLE stats_dirty (
    room_id BLOB PRIMARY KEY,
    version INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER chat_messages_stats_deleted AFTER DELETE ON chat_messages BEGIN
    INSERT INTO stats_dirty (room_id, version) VALUES (old.chat_room_id, 0)
        ON CONFLICT (room_id) DO UPDATE SET version = version + 1;
END;

CREATE INDEX chat_rooms_created ON chat_rooms (created_at);

INSERT INTO followers (name, position) VALUES ('stats', 0);
