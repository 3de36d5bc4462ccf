-- Audit log: who did what to which room, message or user. Message contents are never copied.
CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             INTEGER NOT NULL,   -- microseconds since the Unix epoch
    actor_id       BLOB,               -- NULL: an operator command (tigo-chat admin …)
    action         TEXT NOT NULL,
    room_id        BLOB,
    message_id     BLOB,
    target_user_id BLOB,
    detail         TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);
CREATE INDEX audit_log_target ON audit_log (target_user_id, at);
