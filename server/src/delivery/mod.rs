//! The delivery pipeline: the path of a message from a sender to the database to every
//! recipient. The writer commits queued messages in batches ([`queue`], [`writer`]); room
//! events go to this instance's connections and once onto the bus ([`events`], [`hub`],
//! [`conn`], whose [`cursor`] gives each recoverable connection's events their offset); what follows a delivery is done off the hot path ([`followups`]); presence and
//! typing ride the same events ([`presence`], [`typing`]). Arrows point one way: writer →
//! events → hub → conn; nothing here depends on the HTTP or Socket.IO layers.

pub mod conn;
pub mod cursor;
pub mod events;
pub mod followups;
pub mod hub;
pub mod presence;
pub mod queue;
pub mod turnstile;
pub mod typing;
pub mod writer;
