//! Criterion-free micro benchmark of contact masking on the send path: nanoseconds per message
//! for the closed-loop bench's own messages and for chat text with and without contact details.
//! `cargo bench -p tigo-server --bench mask`; docs/PERFORMANCE.md holds the figures.

use std::hint::black_box;
use std::time::{Duration, Instant};

use tigo_server::moderation::mask::Masker;

/// What runs through the send path: `tigo-chat bench`'s messages and typical guest↔host text.
const SAMPLES: [(&str, &str); 9] = [
    ("bench message", "bench:7:1042:12345678:"),
    (
        "plain sentence",
        "Hello, we arrive tomorrow around 6pm with 2 adults and 1 child. Is parking included?",
    ),
    (
        "booking details",
        "Booking 1234567890 for 2024-01-15, check-in 14:00, total €1,250.00, room 1204.",
    ),
    (
        "phone",
        "Please call me at +49 30 1234 5678 or (555) 123-4567 before noon.",
    ),
    (
        "email and link",
        "Write to john.doe@gmail.com or book at https://book-direct.example/x instead.",
    ),
    (
        "accented chat",
        "Merci beaucoup ! Nous arrivons vers 18 h, le petit-déjeuner est-il compris ? 😊",
    ),
    (
        "references, files",
        "Our booking ref is 4821-9927-11, we stay 12.07.25-19.07.25, see invoice.pdf (Node.js).",
    ),
    (
        "hidden evasions",
        "Büro 030/1234567, mobile +49\u{200b}151\u{200b}4482\u{200b}9031, john (at) gmail (dot) com",
    ),
    ("long text (2 kB)", ""),
];

fn per_message(masker: &Masker, text: &str) -> Duration {
    // Calibrate to about 200 ms per sample, then take the best of five rounds (the least
    // disturbed by the other work on a shared machine).
    let mut n = 1u32;
    loop {
        let t = Instant::now();
        for _ in 0..n {
            black_box(masker.mask(black_box(text), 10_000));
        }
        if t.elapsed() > Duration::from_millis(40) || n > 1 << 24 {
            break;
        }
        n *= 2;
    }
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..n {
            black_box(masker.mask(black_box(text), 10_000));
        }
        best = best.min(t.elapsed() / n);
    }
    best
}

fn main() {
    let masker = Masker::new(&["tigo.example".to_string()]);
    let long = SAMPLES[1].1.repeat(24);
    println!("{:<18} {:>8} {:>12}", "sample", "chars", "ns/message");
    for (name, text) in SAMPLES {
        let text = if text.is_empty() { long.as_str() } else { text };
        let took = per_message(&masker, text);
        println!(
            "{:<18} {:>8} {:>12}",
            name,
            text.chars().count(),
            took.as_nanos()
        );
    }
}
