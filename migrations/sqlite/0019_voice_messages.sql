-- Voice messages (contract v3, issue 32); see the PostgreSQL migration of the same number.
ALTER TABLE chat_attachments ADD COLUMN duration_ms INTEGER;
ALTER TABLE chat_attachments ADD COLUMN waveform TEXT;

-- A message may now be a voice message. SQLite cannot change a CHECK constraint, and
-- chat_messages cannot be rebuilt in a transaction (reactions, reports and the search index
-- refer to it), so the column is: a new one with the wider rule takes the values, the old one
-- goes (its CHECK is its own, and no index, trigger or view names it), and the new one takes
-- its name. Statements name their columns, so its place at the end changes nothing.
ALTER TABLE chat_messages ADD COLUMN type_v19 TEXT NOT NULL DEFAULT 'text'
    CHECK (type_v19 IN ('text', 'file', 'image', 'voice'));
UPDATE chat_messages SET type_v19 = type;
ALTER TABLE chat_messages DROP COLUMN type;
ALTER TABLE chat_messages RENAME COLUMN type_v19 TO type;
