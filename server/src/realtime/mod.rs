//! Real time: the Socket.IO `/chat` namespace (socketioxide): authentication at connect and
//! the client events of the contract. Delivery to connections is [`crate::delivery`]'s.

pub mod gateway;
