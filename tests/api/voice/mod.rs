//! Voice messages end to end, on both backends: audio uploads read for their length and
//! waveform in every format browsers and phones record, hostile recordings refused with
//! nothing stored, voice messages in the rooms that take them, and ranged downloads as an
//! `<audio>` element asks for them.

mod craft;
mod fixtures;
mod hostile;
mod mp4;
mod sending;
mod uploads;

use serde_json::Value;

use crate::attachments::{files_in, folder, upload_raw};
use crate::helpers::{TestApp, TestUser};

pub use self::fixtures::{Fixture, LENGTH_MS, fixture};

/// Uploads a recording; its status and answer.
pub async fn upload(app: &TestApp, user: &TestUser, name: &str, bytes: &[u8]) -> (u16, Value) {
    upload_raw(app, user, name, bytes).await
}

/// The answer's waveform: 64 numbers, each from 0 to 1.
pub fn waveform(answer: &Value) -> Vec<f64> {
    let wave: Vec<f64> = answer["waveform"]
        .as_array()
        .unwrap_or_else(|| panic!("a waveform in {answer}"))
        .iter()
        .map(|v| v.as_f64().expect("a number"))
        .collect();
    assert_eq!(wave.len(), 64, "{answer}");
    assert!(wave.iter().all(|v| (0.0..=1.0).contains(v)), "{wave:?}");
    wave
}

/// The tone's waveform: loud, a tenth as loud in the middle second, loud again.
pub fn assert_quiet_middle(wave: &[f64], what: &str) {
    let (first, middle, last) = (&wave[2..19], &wave[24..40], &wave[45..62]);
    assert!(first.iter().all(|v| *v > 0.6), "{what}: {wave:?}");
    assert!(middle.iter().all(|v| *v < 0.3), "{what}: {wave:?}");
    assert!(last.iter().all(|v| *v > 0.6), "{what}: {wave:?}");
}

/// A refusal: the status expected, and nothing left in the store.
pub fn assert_refused(app: &TestApp, status: u16, answer: &Value, expected: &[u16], what: &str) {
    assert!(
        expected.contains(&status),
        "{what}: {status} {answer}, expected one of {expected:?}"
    );
    assert_eq!(answer["statusCode"], status, "{what}: {answer}");
    let left = files_in(&folder(app));
    assert!(left.is_empty(), "{what}: stored {left:?}");
}
