//! End-to-end tests of tigo-chat: the real server on port 0, real SQLite and PostgreSQL, real
//! sockets, asserting what clients see.

mod helpers;
mod testdb;

mod hardening;

mod attachments;
mod auth;
mod authz;
mod cli;
mod defects;
mod desk;
mod faults;
mod lifecycle;
mod masking;
mod messages;
mod notifications;
mod reactions;
mod realtime;
mod recovery;
mod reports;
mod rooms;
mod safety;
mod scaleout;
mod search;
mod service;
mod stats;
mod tui;
mod voice;
