-- Search, reactions and replies.

-- A language-neutral search configuration: `simple` (no stemming, no stop words: guests write
-- in many languages) with accents folded by `unaccent` (a trusted extension: the database
-- owner may create it).
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE TEXT SEARCH CONFIGURATION tigo_search (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION tigo_search
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;

ALTER TABLE chat_messages
    -- The quoted message (no foreign key: a quote outlives the deleted message it names, and
    -- then shows as deleted), with the two facts a quote still shows after that.
    ADD COLUMN reply_to_id        UUID,
    ADD COLUMN reply_to_sender_id UUID,
    ADD COLUMN reply_to_type      VARCHAR(20),
    -- `[{emoji, count, user_ids}]` in first-use order, rewritten with every reaction change in
    -- the same transaction: a page of messages reads its reactions with no extra query.
    ADD COLUMN reactions          JSONB,
    -- Punctuation becomes a word break first, so that the parser splits words the way SQLite's
    -- unicode61 tokenizer does (e-mail addresses, hosts and `check-in` into their words) and
    -- both backends find the same messages. A generated column: always in step with content.
    ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('tigo_search'::regconfig,
        regexp_replace(content,
            '[[:punct:][:space:]\u00a0-\u00bf\u2000-\u206f\u2190-\u2bff\u3000-\u303f\U0001F000-\U0001FAFF]+',
            ' ', 'g'))) STORED;

CREATE INDEX chat_messages_search ON chat_messages USING GIN (search);

-- Who reacted with what; the order of `id` is the order of first use.
CREATE TABLE message_reactions (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id UUID NOT NULL REFERENCES chat_messages (id) ON DELETE CASCADE,
    emoji      TEXT NOT NULL,
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (message_id, emoji, user_id)
);

-- Search results come newest first: for a common word the newest matches are found by walking
-- this index back and checking each message, without reading every match.
CREATE INDEX chat_messages_newest ON chat_messages (created_at, id);
