-- Connection state recovery: a durable, ordered log of room events and the sessions (`pid`)
-- that any instance can resume.
--
-- Each room counts its events (`event_seq`); the counter moves in the same transaction as the
-- change, under the room row's lock (taken FOR UPDATE by the group commit and by the UPDATE of
-- every other change), so a room's sequence numbers are dense and follow commit order on
-- every instance: a bigserial would not (two transactions can commit out of sequence). A
-- client's offset is a set of (room, seq) positions.

ALTER TABLE chat_rooms ADD COLUMN event_seq BIGINT NOT NULL DEFAULT 0;

-- One row per room event: what happened, to which message, by whom. Payloads are rendered
-- from the current rows at replay time, so a message and its event cannot disagree.
CREATE TABLE room_events (
    room_id    UUID NOT NULL,
    seq        BIGINT NOT NULL,
    kind       TEXT NOT NULL,  -- new_message | message_edited | message_deleted | messages_read | reaction_updated
    message_id UUID,
    actor_id   UUID,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (room_id, seq)
);

-- Pruning past SESSION_RECOVERY.
CREATE INDEX room_events_created ON room_events (created_at);

-- Recoverable sessions: the SHA-256 of the private session id (never the id itself), whose it
-- is, the rooms it had joined with each room's position when joined (JSON
-- `[["<room hex>", seq], ...]`), and until when it can be resumed.
CREATE TABLE recovery_sessions (
    pid_hash   TEXT PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    rooms      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX recovery_sessions_expiry ON recovery_sessions (expires_at);
