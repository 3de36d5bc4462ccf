-- Hotels and their teams (contract v3): a hotel the platform registered has an owner and the
-- staff they name. Staff are members (`room_members`, role 'staff') of every
-- customer_hotel_owner room of the hotel, present and future: adding or removing staff writes
-- those rows in the same transaction, and a new room of the hotel gets them in its own
-- statement (the trigger below), so membership is always one table to read.
CREATE TABLE hotels (
    id         BLOB PRIMARY KEY,
    name       TEXT NOT NULL,
    owner_id   BLOB NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE hotel_staff (
    hotel_id BLOB NOT NULL REFERENCES hotels (id) ON DELETE CASCADE,
    user_id  BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (hotel_id, user_id)
) WITHOUT ROWID;

-- A hotel's rooms, for staff coming and going.
CREATE INDEX chat_rooms_hotel ON chat_rooms (hotel_id) WHERE hotel_id IS NOT NULL;

-- One trigger, participants first: a customer who is also on the hotel's staff stays the
-- customer of their own room (the order of two triggers on one event is not defined).
DROP TRIGGER chat_rooms_participants;
CREATE TRIGGER chat_rooms_participants AFTER INSERT ON chat_rooms
BEGIN
    INSERT OR IGNORE INTO room_members (room_id, user_id, role, joined_at)
        VALUES (NEW.id, NEW.participant1_id, 'participant', NEW.created_at),
               (NEW.id, NEW.participant2_id, 'participant', NEW.created_at);
    INSERT OR IGNORE INTO room_members (room_id, user_id, role, joined_at)
        SELECT NEW.id, s.user_id, 'staff', NEW.created_at
        FROM hotel_staff s
        WHERE NEW.type = 'customer_hotel_owner' AND s.hotel_id = NEW.hotel_id;
END;
