//! How a group commit's batch maps to rows, shared by both backends: repeated idempotency keys
//! are stored once and every input gets an outcome.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use tigo_common::Message;
use uuid::Uuid;

use super::{Inserted, NewMessage, StoreError, StoreResult, Unique};

/// Messages a batch stored, with the instant the database gave each.
pub(crate) type Stored = HashMap<Uuid, DateTime<Utc>>;

/// How a batch of [`NewMessage`]s maps to rows: repeats of one `(sender, client_msg_id)` inside
/// the batch are stored once, and every input gets an outcome. Shared by both backends.
pub(crate) struct BatchPlan {
    /// For each input, the index of the first input with the same idempotency key (or itself).
    first_of: Vec<usize>,
}

impl BatchPlan {
    pub(crate) fn new(batch: &[NewMessage]) -> BatchPlan {
        let mut seen: HashMap<(Uuid, &str), usize> = HashMap::new();
        let first_of = batch
            .iter()
            .enumerate()
            .map(|(i, m)| match m.client_msg_id.as_deref() {
                Some(key) => *seen.entry((m.sender.id, key)).or_insert(i),
                None => i,
            })
            .collect();
        BatchPlan { first_of }
    }

    /// The inputs to write.
    pub(crate) fn unique<'a>(&self, batch: &'a [NewMessage]) -> Vec<&'a NewMessage> {
        batch
            .iter()
            .enumerate()
            .filter(|(i, _)| self.first_of[*i] == *i)
            .map(|(_, m)| m)
            .collect()
    }

    /// Where the inputs to write are in the batch.
    pub(crate) fn unique_indices(&self) -> Vec<usize> {
        (0..self.first_of.len())
            .filter(|&i| self.first_of[i] == i)
            .collect()
    }

    /// Idempotency keys whose insert was skipped because an earlier message holds them.
    pub(crate) fn missing_keys(
        &self,
        unique: &[&NewMessage],
        stored: &Stored,
    ) -> Vec<(Uuid, String)> {
        unique
            .iter()
            .filter(|m| !stored.contains_key(&m.id))
            .filter_map(|m| m.client_msg_id.clone().map(|key| (m.sender.id, key)))
            .collect()
    }

    /// One outcome per input, in input order.
    pub(crate) fn outcomes(
        &self,
        batch: &[NewMessage],
        stored: &Stored,
        existing: &[(String, Message)],
    ) -> StoreResult<Vec<Inserted>> {
        batch
            .iter()
            .enumerate()
            .map(|(i, _)| {
                let first = &batch[self.first_of[i]];
                if let Some(at) = stored.get(&first.id) {
                    let mut message = first.to_message();
                    message.created_at = *at;
                    message.updated_at = *at;
                    return Ok(if self.first_of[i] == i {
                        Inserted::New(message)
                    } else {
                        Inserted::Existing(message)
                    });
                }
                existing
                    .iter()
                    .find(|(key, m)| {
                        m.sender_id == first.sender.id
                            && Some(key.as_str()) == first.client_msg_id.as_deref()
                    })
                    .map(|(_, m)| Inserted::Existing(m.clone()))
                    .ok_or_else(|| {
                        StoreError::Conflict(Unique::Other(
                            "message was not stored and has no earlier copy".into(),
                        ))
                    })
            })
            .collect()
    }
}
