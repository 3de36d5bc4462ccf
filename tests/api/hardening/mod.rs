//! Limits, rate limits, hostile input, CORS, metrics and audit.

mod hostile;
mod limits;
mod ops;
