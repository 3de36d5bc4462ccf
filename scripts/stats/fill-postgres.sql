-- Fills a migrated tigo-chat PostgreSQL database for the response statistics benchmark
-- (scripts/bench-stats.sh): 10,000 hotels, each with its owner and 5 guests' rooms of 20
-- messages (1,000,000 messages), and 2,000 support rooms of 10 messages, spread over the last
-- 100 days. Guests ask (two messages in a row), the hotel answers; one room in seven waits 26 h
-- between messages, so thread counts, rates and labels vary. Deterministic ids (md5).
\set ON_ERROR_STOP on
INSERT INTO users (id, email, password_hash, first_name, last_name, roles)
    SELECT md5('owner' || n)::uuid, 'owner' || n || '@bench.test', 'x', 'Owner', 'N' || n, '{HotelOwner}'::text[]
    FROM generate_series(1, 10000) n
    UNION ALL
    SELECT md5('guest' || n)::uuid, 'guest' || n || '@bench.test', 'x', 'Guest', 'N' || n, '{Customer}'::text[]
    FROM generate_series(1, 50000) n
    UNION ALL
    SELECT md5('admin')::uuid, 'admin@bench.test', 'x', 'Ada', 'Admin', '{Admin}'::text[];

-- Room r (1..50,000): hotel (r - 1) / 5 + 1, guest r; created in the last 100 days.
INSERT INTO chat_rooms (id, type, participant1_id, participant2_id, hotel_id, created_at, updated_at)
    SELECT md5('room' || r)::uuid, 'customer_hotel_owner', md5('guest' || r)::uuid,
        md5('owner' || ((r - 1) / 5 + 1))::uuid, md5('hotel' || ((r - 1) / 5 + 1))::uuid,
        now() - interval '100 days' + (r * 7919 % 142000) * interval '1 minute',
        now()
    FROM generate_series(1, 50000) r;
INSERT INTO chat_rooms (id, type, participant1_id, participant2_id, created_at, updated_at)
    SELECT md5('support' || s)::uuid, 'customer_admin', md5('guest' || s)::uuid, md5('admin')::uuid,
        now() - interval '100 days' + (s * 7919 % 142000) * interval '1 minute', now()
    FROM generate_series(1, 2000) s;

-- Message k (0..19) of room r: the guest for k % 3 <> 2, else the hotel; 3 h apart (26 h in
-- one room in seven) with up to 2 h of jitter; none in the future.
INSERT INTO chat_messages (id, chat_room_id, sender_id, content, created_at, updated_at)
    SELECT md5('m' || r || '.' || k)::uuid, md5('room' || r)::uuid,
        CASE WHEN k % 3 <> 2 THEN md5('guest' || r)::uuid ELSE md5('owner' || ((r - 1) / 5 + 1))::uuid END,
        'Is breakfast included in the room rate?', at, at
    FROM generate_series(1, 50000) r, generate_series(0, 19) k,
        LATERAL (SELECT now() - interval '100 days' + (r * 7919 % 142000) * interval '1 minute'
            + k * (CASE WHEN r % 7 = 0 THEN 26 ELSE 3 END) * interval '1 hour'
            + ((r * 31 + k * 17) % 120) * interval '1 minute' AS at) t
    WHERE at < now()
    ORDER BY at;
INSERT INTO chat_messages (id, chat_room_id, sender_id, content, created_at, updated_at)
    SELECT md5('s' || s || '.' || k)::uuid, md5('support' || s)::uuid,
        CASE WHEN k % 2 = 0 THEN md5('guest' || s)::uuid ELSE md5('admin')::uuid END,
        'My booking shows the wrong dates', at, at
    FROM generate_series(1, 2000) s, generate_series(0, 9) k,
        LATERAL (SELECT now() - interval '100 days' + (s * 7919 % 142000) * interval '1 minute'
            + k * interval '5 hours' + ((s * 13 + k * 7) % 240) * interval '1 minute' AS at) t
    WHERE at < now()
    ORDER BY at;
-- The other followers start at the end: only the statistics are computed here.
UPDATE followers SET position = (SELECT max(seq) FROM chat_messages) WHERE name <> 'stats';
ANALYZE;
