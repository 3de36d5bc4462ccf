#!/usr/bin/env python3
"""Fills a migrated tigo-chat SQLite database for the response statistics benchmark
(scripts/bench-stats.sh) with what scripts/stats/fill-postgres.sql stores: 10,000 hotels, each
with its owner and 5 guests' rooms of 20 messages (1,000,000 messages), and 2,000 support rooms
of 10 messages, over the last 100 days. Ids are 16-byte blobs, instants microseconds.

Usage: scripts/stats/fill-sqlite.py PATH/TO/tigo.db"""
import sqlite3
import sys
import time

HOUR = 3_600_000_000
MINUTE = 60_000_000
NOW = int(time.time() * 1_000_000)
START = NOW - 100 * 24 * HOUR


def uid(kind, a, b=0):
    return kind.to_bytes(2, "big") + a.to_bytes(7, "big") + b.to_bytes(7, "big")


def owner(h):
    return uid(1, h)


def guest(n):
    return uid(2, n)


ADMIN = uid(6, 1)


def room_created(r):
    return START + (r * 7919 % 142000) * MINUTE


def main(path):
    db = sqlite3.connect(path)
    users = [(owner(n), f"owner{n}@bench.test", "Owner", f"N{n}", '["HotelOwner"]') for n in range(1, 10001)]
    users += [(guest(n), f"guest{n}@bench.test", "Guest", f"N{n}", '["Customer"]') for n in range(1, 50001)]
    users.append((ADMIN, "admin@bench.test", "Ada", "Admin", '["Admin"]'))
    db.executemany(
        "INSERT INTO users (id, email, password_hash, first_name, last_name, roles, created_at, updated_at)"
        " VALUES (?, ?, 'x', ?, ?, ?, ?, ?)",
        [u + (NOW, NOW) for u in users],
    )
    rooms = [(uid(3, r), "customer_hotel_owner", guest(r), owner((r - 1) // 5 + 1), uid(5, (r - 1) // 5 + 1),
              room_created(r)) for r in range(1, 50001)]
    rooms += [(uid(4, s), "customer_admin", guest(s), ADMIN, None, room_created(s)) for s in range(1, 2001)]
    db.executemany(
        "INSERT INTO chat_rooms (id, type, participant1_id, participant2_id, hotel_id, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [r + (NOW,) for r in rooms],
    )
    messages = []
    for r in range(1, 50001):
        gap = 26 if r % 7 == 0 else 3
        for k in range(20):
            at = room_created(r) + k * gap * HOUR + ((r * 31 + k * 17) % 120) * MINUTE
            sender = guest(r) if k % 3 != 2 else owner((r - 1) // 5 + 1)
            if at < NOW:
                messages.append((uid(7, r, k), uid(3, r), sender, "Is breakfast included in the room rate?", at))
    for s in range(1, 2001):
        for k in range(10):
            at = room_created(s) + k * 5 * HOUR + ((s * 13 + k * 7) % 240) * MINUTE
            sender = guest(s) if k % 2 == 0 else ADMIN
            if at < NOW:
                messages.append((uid(8, s, k), uid(4, s), sender, "My booking shows the wrong dates", at))
    messages.sort(key=lambda m: m[4])
    db.executemany(
        "INSERT INTO chat_messages (id, chat_room_id, sender_id, content, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [m + (m[4],) for m in messages],
    )
    db.execute("UPDATE followers SET position = (SELECT max(seq) FROM chat_messages) WHERE name <> 'stats'")
    db.commit()
    db.execute("ANALYZE")
    print(f"{len(messages)} messages in {len(rooms)} rooms")


if __name__ == "__main__":
    main(sys.argv[1])
