//! Real time: the Socket.IO `/chat` namespace (socketioxide), this instance's connections,
//! typing indicators.

pub mod conn;
pub mod gateway;
pub mod hub;
pub mod typing;
