-- Search: every word the search index holds, so that the prefix of a query's last word can be
-- written out as the words it stands for.
--
-- GIN answers a prefix (`'invoice':*`) by collecting every message that holds a word with it
-- into a bitmap before it can intersect the query's other words, and every such message is
-- then checked again: for `refund invoice` over a million messages 25 ms, against 7 ms for the
-- exact `refund & invoice`, which GIN intersects as it reads the two lists. With this table the
-- service looks the prefix up here first (`invoice`, `invoices`, `invoiced`) and asks GIN for
-- those exact words (see server/src/db/postgres/search.rs).
--
-- The table holds at least every word of every stored message: words are added in the same
-- transaction as the message that brings them, and never removed (a word whose messages are all
-- gone costs one more exact lookup, and finds nothing). COLLATE "C": the prefix is a range of
-- byte-ordered strings, the way tsquery compares a prefix.
CREATE TABLE search_words (word TEXT COLLATE "C" PRIMARY KEY);

INSERT INTO search_words (word)
    SELECT DISTINCT w FROM chat_messages, unnest(tsvector_to_array(search)) AS w ORDER BY w;

-- New messages: once per statement (the group commit stores a batch in one statement), from the
-- already computed `search` column. Words are inserted in order, so two batches bringing the
-- same new words wait for each other in the same order and never deadlock.
CREATE FUNCTION tigo_search_words_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_words (word)
        SELECT DISTINCT w FROM added, unnest(tsvector_to_array(added.search)) AS w ORDER BY w
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER chat_messages_words_added AFTER INSERT ON chat_messages
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION tigo_search_words_added();

-- Edits: at commit (a deferred constraint trigger), after the edit has locked its room, as a
-- batch does before its words: both take the room first and the words last.
CREATE FUNCTION tigo_search_words_edited() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_words (word)
        SELECT w FROM unnest(tsvector_to_array(NEW.search)) AS w ORDER BY w
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER chat_messages_words_edited AFTER UPDATE OF content ON chat_messages
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION tigo_search_words_edited();
