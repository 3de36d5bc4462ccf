-- Room members (contract v3, "Room members"): every user who may read a room, with a role.
-- This step stores the participants as members, the only members every room has until the
-- add and remove endpoints land; the room object lists them (`members`) and receipts are given
-- per member. Each existing room gets its two participants, joined when the room was created.
CREATE TABLE room_members (
    room_id   UUID NOT NULL REFERENCES chat_rooms (id) ON DELETE CASCADE,
    user_id   UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role      TEXT NOT NULL CHECK (role IN ('participant', 'staff', 'companion', 'agent')),
    joined_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (room_id, user_id)
);

-- A user's rooms.
CREATE INDEX room_members_user ON room_members (user_id, room_id);

INSERT INTO room_members (room_id, user_id, role, joined_at)
    SELECT id, participant1_id, 'participant', created_at FROM chat_rooms
    UNION ALL
    SELECT id, participant2_id, 'participant', created_at FROM chat_rooms
    ON CONFLICT DO NOTHING;

-- A new room's participants become its members in the room's own statement, whichever path
-- creates it.
CREATE FUNCTION tigo_room_participants() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO room_members (room_id, user_id, role, joined_at)
        VALUES (NEW.id, NEW.participant1_id, 'participant', NEW.created_at),
               (NEW.id, NEW.participant2_id, 'participant', NEW.created_at)
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER chat_rooms_participants AFTER INSERT ON chat_rooms
    FOR EACH ROW EXECUTE FUNCTION tigo_room_participants();
