-- Notifications for people who are offline (contract v3); see the PostgreSQL migration of the
-- same number for the design (leases, one waiting push per subscription and room).

CREATE TABLE push_subscriptions (
    id         BLOB PRIMARY KEY,
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    endpoint   TEXT NOT NULL UNIQUE,
    p256dh     TEXT NOT NULL,
    auth       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);

CREATE TABLE notification_prefs (
    user_id      BLOB PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    push         INTEGER NOT NULL DEFAULT 1,
    email        TEXT NOT NULL DEFAULT 'digest' CHECK (email IN ('digest', 'off')),
    quiet_hours  TEXT,
    muted_rooms  TEXT NOT NULL DEFAULT '[]',
    last_seen_at INTEGER,
    emailed_at   INTEGER,
    emailed_seq  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE push_outbox (
    id              INTEGER PRIMARY KEY,
    subscription_id BLOB NOT NULL REFERENCES push_subscriptions (id) ON DELETE CASCADE,
    topic           TEXT NOT NULL,
    urgency         TEXT NOT NULL,
    payload         TEXT NOT NULL,
    version             INTEGER NOT NULL DEFAULT 0,
    attempts        INTEGER NOT NULL DEFAULT 0,
    due_at          INTEGER NOT NULL,
    UNIQUE (subscription_id, topic)
);
CREATE INDEX push_outbox_due ON push_outbox (due_at);

CREATE TABLE email_pending (
    user_id BLOB PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL DEFAULT 0,
    due_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX email_pending_due ON email_pending (due_at);

INSERT INTO followers (name, position)
    SELECT 'notify', COALESCE(max(seq), 0) FROM chat_messages;
