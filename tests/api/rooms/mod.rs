//! Rooms: race-free create-or-get, role rules, a room per hotel, listing, unread counts, and
//! members with their receipts; hotels and their staff, adding and removing members, and what
//! a removed member keeps (nothing).

pub(crate) mod calls;
mod companions;
mod create;
pub(crate) mod hotels;
mod joining;
mod lists;
mod members;
mod removal;
mod staff;
mod team;
