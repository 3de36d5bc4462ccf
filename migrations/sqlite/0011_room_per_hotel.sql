-- One customer_hotel_owner room per customer, owner and hotel (contract v3, "Hotels and their
-- teams"): the pair key gains the hotel for that type. The other types stay one room per pair
-- and type. A room without a hotel is one more key (x''), so concurrent creates without a
-- hotel_id still meet here. Existing databases hold at most one room per pair and type, which
-- the finer key keeps unique.
DROP INDEX chat_rooms_pair_key;
CREATE UNIQUE INDEX chat_rooms_pair_key ON chat_rooms
    (type, min(participant1_id, participant2_id), max(participant1_id, participant2_id),
     (CASE WHEN type = 'customer_hotel_owner' THEN coalesce(hotel_id, x'') ELSE x'' END));
