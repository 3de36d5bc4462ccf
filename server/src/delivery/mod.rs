//! The delivery pipeline: the path of a message from a sender to the database to every
//! recipient. The writer commits queued messages in batches ([`queue`], [`writer`]); room
//! events go to this instance's connections and once onto the bus ([`events`], [`hub`],
//! [`conn`]); each joined room delivers through its [`gate`], and a recoverable connection's
//! events carry their offset ([`cursor`]); what follows a delivery is done off the hot path
//! ([`followups`]); presence and typing ride the same events ([`presence`], [`typing`]).
//! Arrows point one way: writer → queue; writer → events → hub → conn → gate. What flows back
//! goes through channels made at startup, whose receiving ends their consumers own: delivery
//! receipts (events → the writer's receipt task → queue) and follow-ups (events →
//! [`followups`]). Every dependency is passed at construction; nothing here depends on the
//! HTTP or Socket.IO layers.

pub mod conn;
pub mod cursor;
pub mod events;
pub mod followups;
pub mod gate;
pub mod hub;
pub mod presence;
pub mod queue;
pub mod turnstile;
pub mod typing;
pub mod writer;
