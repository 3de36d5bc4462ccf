-- Hotels and their teams (contract v3): a hotel the platform registered has an owner and the
-- staff they name. Staff are members (`room_members`, role 'staff') of every
-- customer_hotel_owner room of the hotel, present and future: adding or removing staff writes
-- those rows in the same transaction, and a new room of the hotel gets them in its own
-- statement (the trigger below), so membership is always one table to read.
CREATE TABLE hotels (
    id         UUID PRIMARY KEY,
    name       TEXT NOT NULL,
    owner_id   UUID NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE hotel_staff (
    hotel_id UUID NOT NULL REFERENCES hotels (id) ON DELETE CASCADE,
    user_id  UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    added_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (hotel_id, user_id)
);

-- A hotel's rooms, for staff coming and going.
CREATE INDEX chat_rooms_hotel ON chat_rooms (hotel_id) WHERE hotel_id IS NOT NULL;

-- Participants first: a customer who is also on the hotel's staff stays the customer of their
-- own room.
CREATE OR REPLACE FUNCTION tigo_room_participants() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO room_members (room_id, user_id, role, joined_at)
        VALUES (NEW.id, NEW.participant1_id, 'participant', NEW.created_at),
               (NEW.id, NEW.participant2_id, 'participant', NEW.created_at)
        ON CONFLICT DO NOTHING;
    IF NEW.type = 'customer_hotel_owner' AND NEW.hotel_id IS NOT NULL THEN
        INSERT INTO room_members (room_id, user_id, role, joined_at)
            SELECT NEW.id, s.user_id, 'staff', NEW.created_at
            FROM hotel_staff s WHERE s.hotel_id = NEW.hotel_id
            ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
