-- Search follows the stored messages (issue 28): a message's commit no longer indexes it. The
-- FTS5 index is filled by a follower (server/src/follow) that keeps a durable position in
-- `followers`, moved in the same transaction as the index rows it adds.
--
-- Order: SQLite has one writer at a time, so `seq` (the rowid) order is commit order and the
-- follower, inside its write transaction, indexes (position, max(seq)]. A rowid can be reused
-- though: a new row gets max(seq) + 1, which after the newest messages are deleted can be at
-- or below the position. The delete trigger below therefore keeps `position <= max(seq)`, so a
-- new message always lands above it; everything at or below a lowered position was indexed
-- before, and nothing lies between the new and the old position any more.
--
-- Edits and deletes win: the triggers change the index only for a message already indexed
-- (`seq <= position`, exact: the follower's transaction and theirs never overlap); one not
-- reached yet is indexed from its current content when the follower gets to it, or not at all
-- once deleted. FTS5 with external content must be told exactly what it indexed, which is why
-- a message it never saw must not be "deleted" from it.

CREATE TABLE followers (
    name     TEXT PRIMARY KEY,
    position INTEGER NOT NULL
);

-- Every stored message is indexed already (by the triggers of 0005).
INSERT INTO followers (name, position)
    SELECT 'search', COALESCE(max(seq), 0) FROM chat_messages;

DROP TRIGGER chat_messages_fts_insert;
DROP TRIGGER chat_messages_fts_delete;
DROP TRIGGER chat_messages_fts_update;

CREATE TRIGGER chat_messages_fts_delete AFTER DELETE ON chat_messages BEGIN
    INSERT INTO chat_messages_fts (chat_messages_fts, rowid, content)
        SELECT 'delete', old.seq, old.content FROM followers
        WHERE name = 'search' AND old.seq <= position;
    UPDATE followers SET position = (SELECT COALESCE(max(seq), 0) FROM chat_messages)
        WHERE position > (SELECT COALESCE(max(seq), 0) FROM chat_messages);
END;

CREATE TRIGGER chat_messages_fts_update AFTER UPDATE OF content ON chat_messages
    WHEN old.seq <= (SELECT position FROM followers WHERE name = 'search')
BEGIN
    INSERT INTO chat_messages_fts (chat_messages_fts, rowid, content)
        VALUES ('delete', old.seq, old.content);
    INSERT INTO chat_messages_fts (rowid, content) VALUES (new.seq, new.content);
END;
