//! Defects found trying tigo-chat as a new user would: deactivation taking effect at once,
//! admin commands that create nothing by accident and print nothing partial, closed pipes,
//! opaque conflicts, complete validation, unknown Socket.IO events, the support queue.

mod access;
mod commands;
mod replies;
