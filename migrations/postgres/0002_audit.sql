-- Audit log: who did what to which room, message or user. Message contents are never copied.
CREATE TABLE audit_log (
    id             BIGSERIAL PRIMARY KEY,
    at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor_id       UUID,            -- NULL: an operator command (tigo-chat admin …)
    action         TEXT NOT NULL,   -- room.create, message.edit, message.delete, room.admin_read,
                                    -- messages.purge, user.create, user.roles, user.active
    room_id        UUID,
    message_id     UUID,
    target_user_id UUID,
    detail         JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);
CREATE INDEX audit_log_target ON audit_log (target_user_id, at);
