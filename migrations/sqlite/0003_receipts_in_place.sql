-- Read receipts start from the reader's previous read mark and find their rows through
-- chat_messages_room_order, so the partial index on status is no longer needed (and no longer
-- costs every insert and receipt). Same change as PostgreSQL's 0003.
DROP INDEX IF EXISTS chat_messages_unread;
