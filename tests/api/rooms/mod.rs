//! Rooms: race-free create-or-get, role rules, a room per hotel, listing, unread counts.

mod create;
pub(crate) mod hotels;
mod lists;
