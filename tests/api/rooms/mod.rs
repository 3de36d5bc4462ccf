//! Rooms: race-free create-or-get, role rules, a room per hotel, listing, unread counts.

mod create;
mod hotels;
mod lists;
