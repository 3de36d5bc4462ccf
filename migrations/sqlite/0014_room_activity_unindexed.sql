-- The commit writes less (see migrations/postgres/0014): a room's row changes with every batch
-- of its messages, and each change also rewrote its entry in `chat_rooms_activity`; the room
-- list counts every row it filters before sorting them, so it reads them all either way. Text
-- messages no longer add an empty attachment entry (`… = $1` implies the predicate).
DROP INDEX IF EXISTS chat_rooms_activity;
DROP INDEX IF EXISTS chat_messages_attachment;
CREATE INDEX chat_messages_attachment ON chat_messages (json_extract(metadata, '$.attachment.id'))
    WHERE json_extract(metadata, '$.attachment.id') IS NOT NULL;
