-- Booking-platform safety and the support desk: blocked terms, reports, saved replies and the
-- Admin a support room is assigned to.

ALTER TABLE chat_rooms ADD COLUMN assigned_admin_id UUID REFERENCES users (id) ON DELETE SET NULL;

-- Lower-cased words, one space between them; every instance polls this small table.
CREATE TABLE blocked_terms (
    term       TEXT PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A report outlives its message (a `delete_message` resolution deletes it): no foreign key.
CREATE TABLE message_reports (
    id          UUID PRIMARY KEY,
    message_id  UUID NOT NULL,
    room_id     UUID NOT NULL,
    reporter_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason      TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    resolution  TEXT CHECK (resolution IN ('dismiss', 'delete_message')),
    resolved_by UUID,
    resolved_at TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL
);

-- One open report per reporter and message: a repeated report finds the first.
CREATE UNIQUE INDEX message_reports_open_key ON message_reports (message_id, reporter_id)
    WHERE status = 'open';
CREATE INDEX message_reports_status ON message_reports (status, created_at);

CREATE TABLE saved_replies (
    id         UUID PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    text       TEXT NOT NULL,
    created_by UUID,
    created_at TIMESTAMPTZ NOT NULL
);
