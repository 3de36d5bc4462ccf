//! Socket.IO `/chat`: authentication, events and their replies, rooms joined live, presence,
//! receipts, typing, ordering and replay — on both storage backends.

mod connect;
mod delivery;
mod events;
mod leftovers;
mod members;
