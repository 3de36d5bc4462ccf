//! Rooms: race-free create-or-get, role rules, a room per hotel, listing, unread counts, and
//! members with their receipts.

mod create;
pub(crate) mod hotels;
mod lists;
mod members;
