//! A fixed-bucket Prometheus histogram of waits measured in minutes to days (the request
//! histograms in `metrics` stop at 10 s), on atomics.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// Upper bounds in seconds: 1 min, 5 min, 15 min, 30 min, 1 h, 2 h, 4 h, 8 h, 24 h, 3 days.
const BOUNDS: [f64; 10] = [
    60.0, 300.0, 900.0, 1_800.0, 3_600.0, 7_200.0, 14_400.0, 28_800.0, 86_400.0, 259_200.0,
];

#[derive(Default)]
pub(super) struct Histogram {
    counts: [AtomicU64; BOUNDS.len()],
    count: AtomicU64,
    /// Milliseconds.
    sum: AtomicU64,
}

impl Histogram {
    pub(super) fn observe(&self, seconds: f64) {
        let seconds = seconds.max(0.0);
        if let Some(i) = BOUNDS.iter().position(|b| seconds <= *b) {
            self.counts[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum
            .fetch_add((seconds * 1000.0) as u64, Ordering::Relaxed);
    }

    pub(super) fn render(&self, out: &mut String, name: &str) {
        let mut cumulative = 0;
        for (i, bound) in BOUNDS.iter().enumerate() {
            cumulative += self.counts[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.sum.load(Ordering::Relaxed) as f64 / 1000.0;
        let _ = writeln!(out, "{name}_sum {sum}");
        let _ = writeln!(out, "{name}_count {count}");
    }
}
