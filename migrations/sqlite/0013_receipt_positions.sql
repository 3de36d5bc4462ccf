-- Receipts are positions (issue 28): per member and room, the last message delivered and the
-- last read, one row in chat_room_reads; a message's status derives from them when it is read
-- (server/src/db/sql.rs, `message_select!`), so a delivery or a read writes one row, never the
-- messages, and a message's `updated_at` changes on edits only.
--
-- A row is now a position: delivered before anything is read, so the visit may be unknown.
-- SQLite cannot drop a NOT NULL, so the table is rebuilt (nothing refers to it). Every row
-- counts towards its room's statuses, so only members keep one: an admin reading a room they
-- are not in stored a visit that nothing read.
CREATE TABLE chat_room_reads_v13 (
    chat_room_id      BLOB NOT NULL REFERENCES chat_rooms (id) ON DELETE CASCADE,
    user_id           BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    last_read_at      INTEGER,
    read_upto_at      INTEGER,
    read_upto_id      BLOB,
    delivered_upto_at INTEGER,
    delivered_upto_id BLOB,
    PRIMARY KEY (chat_room_id, user_id)
) WITHOUT ROWID;

INSERT INTO chat_room_reads_v13 (chat_room_id, user_id, last_read_at, read_upto_at, read_upto_id)
    SELECT rr.chat_room_id, rr.user_id, rr.last_read_at, rr.read_upto_at, rr.read_upto_id
    FROM chat_room_reads rr JOIN chat_rooms r ON r.id = rr.chat_room_id
    WHERE rr.user_id IN (r.participant1_id, r.participant2_id);

DROP TABLE chat_room_reads;
ALTER TABLE chat_room_reads_v13 RENAME TO chat_room_reads;

-- Each member's delivered position: the newest message from others that was delivered or read.
INSERT INTO chat_room_reads (chat_room_id, user_id, delivered_upto_at, delivered_upto_id)
    SELECT mb.room_id, mb.user_id, d.created_at, d.id
    FROM (SELECT id AS room_id, participant1_id AS user_id FROM chat_rooms
          UNION SELECT id, participant2_id FROM chat_rooms) mb
    JOIN chat_messages d ON d.id = (
        SELECT m.id FROM chat_messages m
        WHERE m.chat_room_id = mb.room_id AND m.sender_id <> mb.user_id
          AND m.status IN ('delivered', 'read')
        ORDER BY m.created_at DESC, m.id DESC LIMIT 1)
    WHERE true
    ON CONFLICT (chat_room_id, user_id) DO UPDATE SET
        delivered_upto_at = excluded.delivered_upto_at,
        delivered_upto_id = excluded.delivered_upto_id;

-- What was read was delivered.
UPDATE chat_room_reads SET delivered_upto_at = read_upto_at, delivered_upto_id = read_upto_id
WHERE read_upto_at IS NOT NULL
  AND (delivered_upto_at IS NULL
       OR (read_upto_at, read_upto_id) > (delivered_upto_at, delivered_upto_id));

-- Nothing writes or reads a message's status any more.
ALTER TABLE chat_messages DROP COLUMN status;
