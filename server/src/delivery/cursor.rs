//! A recoverable connection's position in its rooms' event logs, and the offset string every
//! event it gets carries (connection state recovery).
//!
//! Positions are per room (see `db::recovery`). The official client keeps the last string
//! argument of the last event it received and sends it back on reconnect; so that one string
//! says exactly what the client has, it lists, for every room whose position moved since the
//! session began, the highest position up to which the client has everything, plus the few
//! it got ahead of a gap (events from two instances can cross on the bus). Rooms that did not
//! move are at the session's baseline, stored with the session.

use std::collections::{BTreeSet, HashMap};

use uuid::Uuid;

/// Positions received ahead of a gap, kept per room before the gap is given up on (the
/// missing events then come back in a replay, if ever).
const MAX_AHEAD: usize = 32;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct RoomPos {
    /// Where the session began in this room (its baseline).
    base: i64,
    /// The client has every event up to here.
    upto: i64,
    /// And these, beyond a gap.
    ahead: BTreeSet<i64>,
    /// Events at or below this predate the session: they go out but are not tracked.
    floor: i64,
}

/// What a room event means to this connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// Not yet received: send it (the position is recorded).
    New,
    /// Received already (replayed, or live twice): skip it.
    Duplicate,
    /// Older than the session, or in a room the session does not track: send it untracked.
    Untracked,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cursor {
    rooms: HashMap<Uuid, RoomPos>,
}

impl Cursor {
    /// A new session whose rooms start at these positions.
    pub fn fresh(rooms: &[(Uuid, i64)]) -> Cursor {
        let mut cursor = Cursor::default();
        for (room, pos) in rooms {
            cursor.add_room(*room, *pos);
        }
        cursor
    }

    /// A resumed session: its baseline, moved on by the offset the client sent back. Rooms or
    /// entries the offset names that the session does not have are ignored.
    pub fn resumed(base: &[(Uuid, i64)], offset: &str) -> Cursor {
        let mut cursor = Cursor::default();
        for (room, pos) in base {
            cursor.rooms.insert(
                *room,
                RoomPos {
                    base: *pos,
                    upto: *pos,
                    ahead: BTreeSet::new(),
                    floor: i64::MIN,
                },
            );
        }
        for entry in offset.split(';').filter(|e| !e.is_empty()) {
            let Some((room, positions)) = entry.split_once(':') else {
                continue;
            };
            let Ok(room) = Uuid::try_parse(room) else {
                continue;
            };
            let Some(pos) = cursor.rooms.get_mut(&room) else {
                continue;
            };
            let mut numbers = positions.split(',').map(str::parse::<i64>);
            let Some(Ok(upto)) = numbers.next() else {
                continue;
            };
            pos.upto = upto.max(pos.base);
            pos.ahead = numbers
                .filter_map(Result::ok)
                .filter(|s| *s > pos.upto + 1)
                .take(MAX_AHEAD)
                .collect();
        }
        cursor
    }

    /// Tracks a room joined during the session from position `pos` (events up to it go out
    /// untracked).
    pub fn add_room(&mut self, room: Uuid, pos: i64) {
        self.rooms.entry(room).or_insert(RoomPos {
            base: pos,
            upto: pos,
            ahead: BTreeSet::new(),
            floor: pos,
        });
    }

    pub fn remove_room(&mut self, room: Uuid) {
        self.rooms.remove(&room);
    }

    /// The session's rooms with their baselines, as stored with it.
    pub fn base_rooms(&self) -> Vec<(Uuid, i64)> {
        self.rooms.iter().map(|(room, p)| (*room, p.base)).collect()
    }

    /// Where each tracked room stands: replay starts after these positions.
    pub fn positions(&self) -> Vec<(Uuid, i64, Vec<i64>)> {
        self.rooms
            .iter()
            .map(|(room, p)| (*room, p.upto, p.ahead.iter().copied().collect()))
            .collect()
    }

    /// Records that the event at `seq` in `room` is about to go out, or says it must not.
    pub fn observe(&mut self, room: Uuid, seq: i64) -> Seen {
        let Some(pos) = self.rooms.get_mut(&room) else {
            return Seen::Untracked;
        };
        if seq <= pos.floor {
            return Seen::Untracked;
        }
        if seq <= pos.upto || pos.ahead.contains(&seq) {
            return Seen::Duplicate;
        }
        if seq == pos.upto + 1 {
            pos.upto = seq;
            while pos.ahead.remove(&(pos.upto + 1)) {
                pos.upto += 1;
            }
        } else {
            pos.ahead.insert(seq);
            if pos.ahead.len() > MAX_AHEAD {
                // A gap this long is not events crossing on the bus but events lost on it:
                // give the gap up rather than grow the offset without bound.
                let first = pos.ahead.pop_first().unwrap_or(seq);
                pos.upto = first;
                while pos.ahead.remove(&(pos.upto + 1)) {
                    pos.upto += 1;
                }
            }
        }
        Seen::New
    }

    /// The offset string: `room:upto[,ahead…]` for every room that moved, `;`-separated.
    pub fn offset(&self) -> String {
        let mut out = String::new();
        for (room, p) in &self.rooms {
            if p.upto == p.base && p.ahead.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push(';');
            }
            out.push_str(&room.simple().to_string());
            out.push(':');
            out.push_str(&p.upto.to_string());
            for a in &p.ahead {
                out.push(',');
                out.push_str(&a.to_string());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn an_offset_says_exactly_what_was_received_and_resumes_there() {
        let mut c = Cursor::fresh(&[(room(1), 5), (room(2), 9)]);
        assert_eq!(c.offset(), "");
        assert_eq!(c.observe(room(1), 4), Seen::Untracked);
        assert_eq!(c.observe(room(1), 6), Seen::New);
        assert_eq!(c.observe(room(1), 8), Seen::New);
        assert_eq!(c.observe(room(1), 8), Seen::Duplicate);
        let offset = c.offset();
        let mut r = Cursor::resumed(&[(room(1), 5), (room(2), 9)], &offset);
        let mut at: Vec<_> = r.positions();
        at.sort();
        assert_eq!(at, vec![(room(1), 6, vec![8]), (room(2), 9, vec![])]);
        assert_eq!(r.observe(room(1), 6), Seen::Duplicate);
        assert_eq!(r.observe(room(1), 7), Seen::New);
        assert_eq!(r.observe(room(1), 8), Seen::Duplicate);
        assert_eq!(r.observe(room(1), 9), Seen::New);
        assert_eq!(r.observe(room(2), 10), Seen::New);
        assert_eq!(r.observe(room(3), 1), Seen::Untracked);
    }

    #[test]
    fn forged_or_damaged_offsets_fall_back_to_the_baseline() {
        let base = [(room(1), 5)];
        for text in [
            "x",
            "zz:1",
            ";;",
            "00000000000000000000000000000001:abc",
            "1:",
        ] {
            let r = Cursor::resumed(&base, text);
            assert_eq!(r.positions(), vec![(room(1), 5, vec![])], "{text:?}");
        }
        let r = Cursor::resumed(&base, "00000000000000000000000000000001:2");
        assert_eq!(r.positions(), vec![(room(1), 5, vec![])]);
    }

    #[test]
    fn a_gap_that_never_fills_stops_growing_the_offset() {
        let mut c = Cursor::fresh(&[(room(1), 0)]);
        for seq in 2..=100 {
            c.observe(room(1), seq);
        }
        assert!(c.offset().len() < 400, "{}", c.offset());
    }
}
