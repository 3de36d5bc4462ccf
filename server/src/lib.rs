//! tigo-chat server: the REST API and the Socket.IO `/chat` real-time API on one port, over
//! SQLite or PostgreSQL, with an in-process or Redis event bus.
//!
//! Entry point: [`startup::Application`], built from a [`config::Config`] and a bound
//! listener, run until a shutdown future resolves.

pub mod accounts;
pub mod admin;
pub mod auth;
pub mod bus;
pub mod cache;
pub mod chat;
pub mod clock;
pub mod config;
pub mod db;
pub mod delivery;
pub mod error;
pub mod files;
pub mod follow;
pub mod health;
pub mod http;
pub mod killable;
pub mod limits;
pub mod metrics;
pub mod moderation;
pub mod notify;
pub mod peer;
pub mod realtime;
pub mod serve;
pub mod startup;
pub mod state;
pub mod stats;
pub mod stripes;
pub mod user_watch;

pub use config::{Config, Limits};
pub use startup::Application;
