-- Voice messages (contract v3, issue 32).
--
-- An audio upload's facts, both computed by the server from the file: its length (from the
-- container's timing) and its waveform (64 numbers from 0 to 1, as JSON text).
ALTER TABLE chat_attachments
    ADD COLUMN duration_ms BIGINT,
    ADD COLUMN waveform    TEXT;

-- A message may now be a voice message. The constraint is replaced by a wider one; NOT VALID
-- skips re-reading every stored message under this table's exclusive lock (each one already
-- met the narrower rule) while new and updated rows are checked as before.
ALTER TABLE chat_messages DROP CONSTRAINT chat_messages_type_check;
ALTER TABLE chat_messages ADD CONSTRAINT chat_messages_type_check
    CHECK (type IN ('text', 'file', 'image', 'voice')) NOT VALID;
