//! Rooms: race-free create-or-get, role rules, listing, unread counts.

mod create;
mod lists;
