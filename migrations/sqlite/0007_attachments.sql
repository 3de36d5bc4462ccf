-- Attachments: the facts of each upload. The bytes live in the file store (FILE_STORE), never
-- in the database. A message refers to its upload through `metadata.attachment.id`, which the
-- server alone writes.
CREATE TABLE chat_attachments (
    id             BLOB PRIMARY KEY,
    uploader_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    file_name      TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    file_size      INTEGER NOT NULL,
    width          INTEGER,
    height         INTEGER,
    thumbnail_size INTEGER,        -- set for images: the thumbnail's bytes
    created_at     INTEGER NOT NULL,
    attached_at    INTEGER         -- last time it was sent in a message; NULL: never
);

-- The sweep of uploads never sent.
CREATE INDEX chat_attachments_unattached ON chat_attachments (created_at) WHERE attached_at IS NULL;
-- Who may download (rooms holding a message with the upload) and what a purge may remove.
CREATE INDEX chat_messages_attachment ON chat_messages (json_extract(metadata, '$.attachment.id'));
