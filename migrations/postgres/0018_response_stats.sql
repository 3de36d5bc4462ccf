-- Response statistics (contract v3, issue 31): how fast hotels and support answer, and how busy
-- the service is, kept by a follower of the stored messages (server/src/stats) in the same
-- transaction as its position (`followers` row 'stats'), so no figure is ever recomputed from
-- every message: a read touches the threads of one hotel, or a period's buckets.
--
-- A thread starts with a writer's message (the guest side of a hotel room; the customer or
-- hotel side of a support room) after an answer, after more than 24 h of silence, or first;
-- its response is the answering side's first message after it. `stats_rooms` holds what the
-- follower needs to place the next message of a room: the last message's time and side, and
-- the thread still open.

CREATE TABLE stats_threads (
    id           UUID PRIMARY KEY,  -- the message that started it
    room_id      UUID NOT NULL REFERENCES chat_rooms (id) ON DELETE CASCADE,
    hotel_id     UUID,              -- the room's hotel (hotel threads)
    kind         TEXT NOT NULL CHECK (kind IN ('hotel', 'support')),
    started_at   TIMESTAMPTZ NOT NULL,
    responded_at TIMESTAMPTZ,
    response_us  BIGINT,            -- responded_at - started_at, in microseconds
    -- When a newer thread of the room replaced this one before any response.
    closed_at    TIMESTAMPTZ
);

-- One hotel's threads, newest first (response-stats).
CREATE INDEX stats_threads_hotel ON stats_threads (hotel_id, started_at) WHERE kind = 'hotel';
-- A period's threads (admin stats).
CREATE INDEX stats_threads_period ON stats_threads (kind, started_at);
-- Who waits now (the support queue's gauges).
CREATE INDEX stats_threads_waiting ON stats_threads (kind, started_at)
    WHERE responded_at IS NULL AND closed_at IS NULL;
CREATE INDEX stats_threads_room ON stats_threads (room_id);

CREATE TABLE stats_rooms (
    room_id     UUID PRIMARY KEY REFERENCES chat_rooms (id) ON DELETE CASCADE,
    last_at     TIMESTAMPTZ NOT NULL,
    last_side   TEXT NOT NULL,      -- 'writer' | 'answer'
    open_thread UUID,               -- the thread waiting for its response
    open_at     TIMESTAMPTZ         -- when it started
);

-- Each hotel's response figures as guests see them now (30 days, or the 10 most recent threads
-- of 90), recomputed from its threads when they change (`version` moves) and when time alone
-- may change them (`valid_until`: a young thread turning 24 h old, a thread leaving the 30- or
-- 90-day window), so the hotels' median rate reads one row per hotel.
CREATE TABLE stats_hotels (
    hotel_id    UUID PRIMARY KEY,
    threads     BIGINT NOT NULL,
    within      BIGINT NOT NULL,
    valid_until TIMESTAMPTZ NOT NULL,
    version     BIGINT NOT NULL
);
CREATE INDEX stats_hotels_due ON stats_hotels (valid_until);

-- Messages and distinct senders per UTC hour and per UTC day.
CREATE TABLE stats_buckets (
    span           TEXT NOT NULL CHECK (span IN ('hour', 'day')),
    start          TIMESTAMPTZ NOT NULL,
    messages       BIGINT NOT NULL,
    active_senders BIGINT NOT NULL,
    PRIMARY KEY (span, start)
);

-- Who sent in a bucket: a sender counts once per bucket.
CREATE TABLE stats_senders (
    span    TEXT NOT NULL,
    start   TIMESTAMPTZ NOT NULL,
    user_id UUID NOT NULL,
    PRIMARY KEY (span, start, user_id)
);

-- Rooms that lost messages: the follower recomputes their threads from what remains (a
-- deleted message neither starts nor answers a thread). `version` moves with each delete, so
-- a mark made while the follower recomputes is not lost.
CREATE TABLE stats_dirty (
    room_id UUID PRIMARY KEY,
    version BIGINT NOT NULL
);

CREATE FUNCTION tigo_stats_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stats_dirty (room_id, version)
        SELECT DISTINCT chat_room_id, 0 FROM gone
        ON CONFLICT (room_id) DO UPDATE SET version = stats_dirty.version + 1;
    RETURN NULL;
END $$;

CREATE TRIGGER chat_messages_stats_deleted AFTER DELETE ON chat_messages
    REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION tigo_stats_deleted();

-- Rooms created in a period (new_rooms).
CREATE INDEX chat_rooms_created ON chat_rooms (created_at);

-- The follower starts from the first message: existing history is counted as it catches up.
INSERT INTO followers (name, position) VALUES ('stats', 0);
