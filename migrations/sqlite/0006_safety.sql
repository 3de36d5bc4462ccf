-- Booking-platform safety and the support desk: blocked terms, reports, saved replies and the
-- Admin a support room is assigned to.

ALTER TABLE chat_rooms ADD COLUMN assigned_admin_id BLOB REFERENCES users (id) ON DELETE SET NULL;

-- Lower-cased words, one space between them; every instance polls this small table.
CREATE TABLE blocked_terms (
    term       TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

-- A report outlives its message (a `delete_message` resolution deletes it): no foreign key.
CREATE TABLE message_reports (
    id          BLOB PRIMARY KEY,
    message_id  BLOB NOT NULL,
    room_id     BLOB NOT NULL,
    reporter_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason      TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    resolution  TEXT CHECK (resolution IN ('dismiss', 'delete_message')),
    resolved_by BLOB,
    resolved_at INTEGER,
    created_at  INTEGER NOT NULL
);

-- One open report per reporter and message: a repeated report finds the first.
CREATE UNIQUE INDEX message_reports_open_key ON message_reports (message_id, reporter_id)
    WHERE status = 'open';
CREATE INDEX message_reports_status ON message_reports (status, created_at);

CREATE TABLE saved_replies (
    id         BLOB PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    text       TEXT NOT NULL,
    created_by BLOB,
    created_at INTEGER NOT NULL
);
