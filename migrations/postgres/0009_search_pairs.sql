-- Search: phrases of common words answered through an index of word pairs, and both search
-- indexes kept free of a pending list.
--
-- The GIN index on `search` knows which words a message holds, not where: for "late check",
-- two words each in a fifth of all messages, it handed back every message holding both (4 % of
-- a million) to have their positions checked one by one. A second index holds each message's
-- adjacent word pairs joined into one lexeme (`late check in` → `latecheck checkin`), so a
-- phrase asks it for the pair first and checks positions only on the few messages that have it.
-- The pairs are built from the content split at every character that is not a letter or digit
-- (the same word breaks as `search`, which needs a UTF-8 LC_CTYPE, as the rest of text search
-- does) and normalised by `tigo_search` like every other lexeme, so a pair of the words of a
-- query, joined and normalised the same way, finds them. PL/pgSQL: a SQL-language function is
-- not inlined into an index expression and was measured ten times slower per row.
CREATE FUNCTION tigo_search_pairs(content text) RETURNS tsvector
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    w text[] := string_to_array(btrim(regexp_replace(content, '[^[:alnum:]]+', ' ', 'g')), ' ');
    pairs text := '';
BEGIN
    FOR i IN 1 .. cardinality(w) - 1 LOOP
        pairs := pairs || ' ' || w[i] || w[i + 1];
    END LOOP;
    RETURN to_tsvector('tigo_search'::regconfig, pairs);
END $$;

-- fastupdate off: a GIN pending list is read whole by every search until it is merged (up to
-- 4 MB; measured 20 ms a query at 177 pending pages); with it off each insert updates the index
-- itself, an even cost instead of a pause now and then.
CREATE INDEX chat_messages_search_pairs ON chat_messages
    USING GIN (tigo_search_pairs(content)) WITH (fastupdate = off);
ALTER INDEX chat_messages_search SET (fastupdate = off);
SELECT gin_clean_pending_list('chat_messages_search'::regclass);
