-- Notifications for people who are offline (contract v3): Web Push subscriptions, each user's
-- preferences and e-mail state, and two queues filled by the notification follower
-- (server/src/notify), which keeps its position in `followers` like the search follower: a
-- message's commit writes none of this.
--
-- Claims are leases: a worker takes a due row by moving `due_at` past now in one conditional
-- UPDATE (`... AND due_at <= now`), so with any number of instances exactly one takes it, and a
-- worker that dies mid-send leaves a row that comes due again when its lease runs out.

CREATE TABLE push_subscriptions (
    id         UUID PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    endpoint   TEXT NOT NULL UNIQUE,
    p256dh     TEXT NOT NULL,
    auth       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);

-- Absent row: the defaults (push on, e-mail digests, no quiet hours, nothing muted).
CREATE TABLE notification_prefs (
    user_id      UUID PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    push         BOOLEAN NOT NULL DEFAULT true,
    email        TEXT NOT NULL DEFAULT 'digest' CHECK (email IN ('digest', 'off')),
    quiet_hours  TEXT,                       -- JSON {start, end, timezone}
    muted_rooms  TEXT NOT NULL DEFAULT '[]', -- JSON array of room ids
    last_seen_at TIMESTAMPTZ,                -- a connection of the user last ended (or began)
    emailed_at   TIMESTAMPTZ,                -- the last digest
    emailed_seq  BIGINT NOT NULL DEFAULT 0   -- messages up to here were in a digest
);

-- Pushes waiting to go. One row per subscription and topic (a room): a newer push for the
-- room replaces one still waiting, as RFC 8030's Topic does at the push service. `version` moves
-- with every replacement, so a sender that finishes an older version leaves the newer one.
CREATE TABLE push_outbox (
    id              BIGSERIAL PRIMARY KEY,
    subscription_id UUID NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
    topic           TEXT NOT NULL,
    urgency         TEXT NOT NULL,
    payload         TEXT NOT NULL,
    version             BIGINT NOT NULL DEFAULT 0,
    attempts        INTEGER NOT NULL DEFAULT 0,
    due_at          TIMESTAMPTZ NOT NULL,
    UNIQUE (subscription_id, topic)
);
CREATE INDEX push_outbox_due ON push_outbox (due_at);

-- Users who may be owed a digest, from when.
CREATE TABLE email_pending (
    user_id UUID PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    version     BIGINT NOT NULL DEFAULT 0,
    due_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX email_pending_due ON email_pending (due_at);

-- Messages stored before this migration notify nobody.
INSERT INTO followers (name, position)
    SELECT 'notify', COALESCE(max(seq), 0) FROM chat_messages;
