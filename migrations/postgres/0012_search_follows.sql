-- Search follows the stored messages (issue 28): a message's commit no longer indexes it. The
-- index lives in its own table, filled by a follower (server/src/follow) that keeps a durable
-- position in the messages' commit order, in the same transaction as the index rows it adds.
--
-- Commit order. `seq` numbers messages, but a sequence is not commit-ordered: a transaction
-- can take 5, another 6 and commit first, and a follower reading `seq > position` after that
-- commit would move past 5 for good. So every statement inserting messages first takes a
-- shared advisory lock (a statement trigger, before any row's `seq` is drawn) held until its
-- transaction ends, and the follower's horizon (`tigo_messages_committed`) takes the same lock
-- exclusively for an instant: with it granted no inserting transaction is open, so every `seq`
-- drawn so far belongs to a transaction that has committed or rolled back, and the sequence's
-- last value is a horizon below which nothing will ever appear. The follower indexes
-- (position, horizon] and moves its position to the horizon; writers queue behind that one
-- lock for the length of a single statement, once per follower step.
--
-- Exactly once. The position (`followers`) and the index rows move in one transaction; a step
-- locks the follower's row FOR UPDATE SKIP LOCKED, so one instance at a time works and another
-- skips until the holder commits or dies (its transaction then rolls back, nothing applied).
-- The index is keyed by message: a row is never added twice (ON CONFLICT DO NOTHING).
--
-- Edits and deletes win (READ COMMITTED), with no row lock on the messages (a lock on each
-- message row would be written to the row and to the WAL, for every message):
-- * Delete: the delete's own transaction removes the message's index row (a statement trigger
--   below, so a purge is one statement). A follower that read the message before the delete
--   committed can still add its index row afterwards; such a row belongs to no message, and
--   search reads the index joined to the messages, so it is never returned (such a row is
--   rare, a delete racing the follower by milliseconds, and is left in place).
-- * Edit: it upserts the index row from the new content itself (a row trigger, in the edit's
--   transaction; edits are rare). If the follower read the old content and inserted first, the
--   edit's upsert waits for the follower's commit and then overwrites; if the edit inserted
--   first, the follower's insert meets the key and does nothing. Either way the new text is
--   the one indexed, and the old one is never found.
-- * Search reads the index joined to the message, so a row the follower has not reached yet
--   is simply not found (yet), and a deleted message is never returned.

-- The same words as before (the column this replaces): punctuation becomes a word break, so
-- both backends split words alike.
CREATE FUNCTION tigo_search_vector(content text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN to_tsvector('tigo_search'::regconfig,
        regexp_replace(content,
            '[[:punct:][:space:]\u00a0-\u00bf\u2000-\u206f\u2190-\u2bff\u3000-\u303f\U0001F000-\U0001FAFF]+',
            ' ', 'g'));

-- One row per indexed message: its words (with positions) and its adjacent word pairs (see
-- 0009). Pending lists again, small ones: 0009 turned them off because a sender's commit paid
-- for the merge now and then and a search read up to 4 MB of list. Now only the follower
-- inserts, in batches, so a merge (sorted, one index update per word for the whole list
-- instead of one per message) costs no sender anything, and at 256 kB a search reads at most
-- 32 list pages. Measured in the closed loop (5,000 messages, fsync on): PostgreSQL's CPU per
-- message 250 µs with the lists off, 212-222 µs with them on at 256 kB.
CREATE TABLE message_search (
    message_id UUID PRIMARY KEY,
    search     tsvector NOT NULL,
    pairs      tsvector NOT NULL
);

INSERT INTO message_search (message_id, search, pairs)
    SELECT id, search, tigo_search_pairs(content) FROM chat_messages;

CREATE INDEX message_search_words ON message_search USING GIN (search)
    WITH (fastupdate = on, gin_pending_list_limit = 256);
CREATE INDEX message_search_pairs ON message_search USING GIN (pairs)
    WITH (fastupdate = on, gin_pending_list_limit = 256);

-- The commit no longer computes words, pairs or the words table.
DROP TRIGGER chat_messages_words_added ON chat_messages;
DROP TRIGGER chat_messages_words_edited ON chat_messages;
DROP FUNCTION tigo_search_words_added();
DROP FUNCTION tigo_search_words_edited();
DROP INDEX chat_messages_search_pairs;
ALTER TABLE chat_messages DROP COLUMN search;

-- Existing rows are numbered in storage order (all of them are indexed above).
ALTER TABLE chat_messages ADD COLUMN seq BIGSERIAL;
CREATE INDEX chat_messages_seq ON chat_messages (seq);

CREATE FUNCTION tigo_messages_writing() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- 'tigo', 1: the message writers' lock (shared by writers, see the top of this file).
    PERFORM pg_advisory_xact_lock_shared(1952999279, 1);
    RETURN NULL;
END $$;

CREATE TRIGGER chat_messages_writing BEFORE INSERT ON chat_messages
    FOR EACH STATEMENT EXECUTE FUNCTION tigo_messages_writing();

-- The highest `seq` below which every message is committed or never will be (see the top).
-- Run as a statement of its own: the exclusive lock ends with it.
CREATE FUNCTION tigo_messages_committed() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(1952999279, 1);
    RETURN COALESCE(pg_sequence_last_value('chat_messages_seq_seq'::regclass), 0);
END $$;

-- Each follower's position: every message with `seq <= position` has been applied.
CREATE TABLE followers (
    name     TEXT PRIMARY KEY,
    position BIGINT NOT NULL
);

INSERT INTO followers (name, position)
    SELECT 'search', COALESCE(max(seq), 0) FROM chat_messages;

-- Edits: the new content's words, pairs and words-table entries, in the edit's transaction
-- (deferred to its commit, after the edit has locked its room, as before: an edit takes the
-- room first and the words last, as the follower takes its index rows first and words last).
CREATE FUNCTION tigo_search_edited() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO message_search (message_id, search, pairs)
        SELECT m.id, tigo_search_vector(m.content), tigo_search_pairs(m.content)
        FROM chat_messages m WHERE m.id = NEW.id
        ON CONFLICT (message_id) DO UPDATE SET search = EXCLUDED.search, pairs = EXCLUDED.pairs;
    INSERT INTO search_words (word)
        SELECT w FROM chat_messages m, unnest(tsvector_to_array(tigo_search_vector(m.content))) AS w
        WHERE m.id = NEW.id ORDER BY w
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER chat_messages_search_edited AFTER UPDATE OF content ON chat_messages
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION tigo_search_edited();

-- Deletes: the index rows go with their messages, once per statement (a purge deletes many).
CREATE FUNCTION tigo_search_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM message_search s USING gone WHERE s.message_id = gone.id;
    RETURN NULL;
END $$;

CREATE TRIGGER chat_messages_search_deleted AFTER DELETE ON chat_messages
    REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION tigo_search_deleted();
