-- Receipts are positions (issue 28): per member and room, the last message delivered and the
-- last read, one row in chat_room_reads; a message's status derives from them when it is read
-- (server/src/db/sql.rs, `message_select!`), so a delivery or a read writes one row, never the
-- messages, and a message's `updated_at` changes on edits only.

-- A row is now a position: delivered before anything is read, so the visit may be unknown.
ALTER TABLE chat_room_reads
    ALTER COLUMN last_read_at DROP NOT NULL,
    ADD COLUMN delivered_upto_at TIMESTAMPTZ,
    ADD COLUMN delivered_upto_id UUID;

-- Every row counts towards its room's statuses, so only members keep one. An admin reading a
-- room they are not in stored a visit that nothing read.
DELETE FROM chat_room_reads rr USING chat_rooms r
WHERE r.id = rr.chat_room_id AND rr.user_id NOT IN (r.participant1_id, r.participant2_id);

-- Each member's delivered position: the newest message from others that was delivered or read.
INSERT INTO chat_room_reads (chat_room_id, user_id, delivered_upto_at, delivered_upto_id)
SELECT mb.room_id, mb.user_id, d.created_at, d.id
FROM (SELECT id AS room_id, participant1_id AS user_id FROM chat_rooms
      UNION SELECT id, participant2_id FROM chat_rooms) mb
CROSS JOIN LATERAL (
    SELECT m.created_at, m.id FROM chat_messages m
    WHERE m.chat_room_id = mb.room_id AND m.sender_id <> mb.user_id
      AND m.status IN ('delivered', 'read')
    ORDER BY m.created_at DESC, m.id DESC LIMIT 1
) d
ON CONFLICT (chat_room_id, user_id) DO UPDATE SET
    delivered_upto_at = EXCLUDED.delivered_upto_at,
    delivered_upto_id = EXCLUDED.delivered_upto_id;

-- What was read was delivered.
UPDATE chat_room_reads SET delivered_upto_at = read_upto_at, delivered_upto_id = read_upto_id
WHERE read_upto_at IS NOT NULL
  AND (delivered_upto_at IS NULL
       OR (read_upto_at, read_upto_id) > (delivered_upto_at, delivered_upto_id));

-- Nothing writes or reads a message's status any more.
ALTER TABLE chat_messages DROP COLUMN status;
-- The room left in each page was for receipts' in-place updates (0003); edits are rare.
ALTER TABLE chat_messages RESET (fillfactor);
