//! Messages: sending, validation, idempotency, history paging, receipts, edit and delete.

mod changes;
mod history;
mod receipts;
mod send;
