-- Search, reactions and replies.
--
-- chat_messages is rebuilt once with `seq INTEGER PRIMARY KEY`, a stable alias of its rowid:
-- the full-text index below refers to messages by rowid, and SQLite may renumber implicit
-- rowids on VACUUM. In a rowid table the BLOB primary key was a separate unique index already,
-- so the rebuilt table keeps the same two b-trees.
CREATE TABLE chat_messages_v5 (
    seq                INTEGER PRIMARY KEY,
    id                 BLOB NOT NULL UNIQUE,  -- UUIDv7: time-ordered
    chat_room_id       BLOB NOT NULL REFERENCES chat_rooms (id) ON DELETE CASCADE,
    sender_id          BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    content            TEXT NOT NULL,
    type               TEXT NOT NULL DEFAULT 'text' CHECK (type IN ('text', 'file', 'image')),
    status             TEXT NOT NULL DEFAULT 'sent' CHECK (status IN ('sent', 'delivered', 'read')),
    file_url           TEXT,
    file_name          TEXT,
    file_size          INTEGER,
    metadata           TEXT,
    client_msg_id      TEXT,
    is_edited          INTEGER NOT NULL DEFAULT 0,
    edited_at          INTEGER,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    -- The quoted message (no foreign key: a quote outlives the deleted message it names, and
    -- then shows as deleted), with the two facts a quote still shows after that.
    reply_to_id        BLOB,
    reply_to_sender_id BLOB,
    reply_to_type      TEXT,
    -- `[{emoji, count, user_ids}]` in first-use order, rewritten with every reaction change in
    -- the same transaction: a page of messages reads its reactions with no extra query.
    reactions          TEXT
);

INSERT INTO chat_messages_v5 (id, chat_room_id, sender_id, content, type, status, file_url,
        file_name, file_size, metadata, client_msg_id, is_edited, edited_at, created_at,
        updated_at)
    SELECT id, chat_room_id, sender_id, content, type, status, file_url, file_name, file_size,
        metadata, client_msg_id, is_edited, edited_at, created_at, updated_at
    FROM chat_messages ORDER BY id;

DROP TABLE chat_messages;
ALTER TABLE chat_messages_v5 RENAME TO chat_messages;

CREATE INDEX chat_messages_room_order ON chat_messages (chat_room_id, created_at, id);
CREATE UNIQUE INDEX chat_messages_client_msg_key ON chat_messages (sender_id, client_msg_id)
    WHERE client_msg_id IS NOT NULL;

-- Who reacted with what; the order of `id` is the order of first use.
CREATE TABLE message_reactions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id BLOB NOT NULL REFERENCES chat_messages (id) ON DELETE CASCADE,
    emoji      TEXT NOT NULL,
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    UNIQUE (message_id, emoji, user_id)
);

-- Full-text search over content: unicode61 folds case and (remove_diacritics 2) accents over
-- all of Unicode. External content: the text is stored once, in chat_messages; the triggers
-- keep the index in step inside the transaction of every insert, edit, delete and purge.
CREATE VIRTUAL TABLE chat_messages_fts USING fts5 (
    content,
    content = 'chat_messages',
    content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO chat_messages_fts (chat_messages_fts) VALUES ('rebuild');

CREATE TRIGGER chat_messages_fts_insert AFTER INSERT ON chat_messages BEGIN
    INSERT INTO chat_messages_fts (rowid, content) VALUES (new.seq, new.content);
END;

CREATE TRIGGER chat_messages_fts_delete AFTER DELETE ON chat_messages BEGIN
    INSERT INTO chat_messages_fts (chat_messages_fts, rowid, content)
        VALUES ('delete', old.seq, old.content);
END;

CREATE TRIGGER chat_messages_fts_update AFTER UPDATE OF content ON chat_messages BEGIN
    INSERT INTO chat_messages_fts (chat_messages_fts, rowid, content)
        VALUES ('delete', old.seq, old.content);
    INSERT INTO chat_messages_fts (rowid, content) VALUES (new.seq, new.content);
END;

-- Search results come newest first: for a common word the newest matches are found by walking
-- this index back and checking each message, without reading every match.
CREATE INDEX chat_messages_newest ON chat_messages (created_at, id);
