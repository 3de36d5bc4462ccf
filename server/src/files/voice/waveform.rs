//! The waveform: decoded audio folded, as it is decoded, into 10 ms bins of summed squares
//! (mono: the channels averaged), then regrouped into [`SLICES`] equal slices whose RMS,
//! divided by the loudest slice's, is each slice's loudness from 0 to 1.

/// Numbers in a waveform.
pub const SLICES: usize = 64;

/// Bins per second.
const BINS_PER_SECOND: u64 = 100;

/// The loudness of what was decoded so far, 10 ms at a time. Holds one number per bin, so
/// its memory follows the length it was allowed to reach ([`Loudness::new`]'s `max_bins`).
pub struct Loudness {
    rate: u64,
    /// Summed squares per bin.
    bins: Vec<f64>,
    max_bins: usize,
    /// Frames (one sample per channel) folded in so far.
    frames: u64,
}

/// More was decoded than the length allowed.
#[derive(Debug, PartialEq, Eq)]
pub struct Overflow;

impl Loudness {
    /// For audio at `rate` frames per second that may last at most `max_ms`.
    pub fn new(rate: u32, max_ms: u64) -> Loudness {
        let max_bins = usize::try_from(max_ms / 10 + 1).unwrap_or(usize::MAX);
        Loudness {
            rate: u64::from(rate.max(1)),
            bins: Vec::new(),
            max_bins,
            frames: 0,
        }
    }

    /// Folds in interleaved samples of `channels` channels.
    pub fn add(&mut self, samples: &[f32], channels: usize) -> Result<(), Overflow> {
        let channels = channels.max(1);
        for frame in samples.chunks_exact(channels) {
            let mono = f64::from(frame.iter().sum::<f32>()) / channels as f64;
            let bin =
                usize::try_from(self.frames * BINS_PER_SECOND / self.rate).map_err(|_| Overflow)?;
            if bin >= self.bins.len() {
                if bin >= self.max_bins {
                    return Err(Overflow);
                }
                self.bins.resize(bin + 1, 0.0);
            }
            // A sample outside -1..1 (a decoder's overshoot) counts as full scale.
            let mono = if mono.is_finite() {
                mono.clamp(-1.0, 1.0)
            } else {
                0.0
            };
            self.bins[bin] += mono * mono;
            self.frames += 1;
        }
        Ok(())
    }

    /// The rate (frames per second) it was made for.
    pub fn rate(&self) -> u32 {
        u32::try_from(self.rate).unwrap_or(u32::MAX)
    }

    /// How long the decoded audio lasts, in milliseconds.
    pub fn decoded_ms(&self) -> u64 {
        self.frames * 1000 / self.rate
    }

    /// [`SLICES`] numbers from 0 to 1 (three decimals): each slice's RMS over the loudest
    /// slice's. All zeros for silence.
    pub fn waveform(&self) -> Vec<f64> {
        let n = self.bins.len();
        if n == 0 {
            return vec![0.0; SLICES];
        }
        let frames_per_bin = self.rate as f64 / BINS_PER_SECOND as f64;
        let rms: Vec<f64> = (0..SLICES)
            .map(|i| {
                let start = (i * n / SLICES).min(n - 1);
                let end = ((i + 1) * n / SLICES).clamp(start + 1, n);
                let sum: f64 = self.bins[start..end].iter().sum();
                (sum / ((end - start) as f64 * frames_per_bin)).sqrt()
            })
            .collect();
        let loudest = rms.iter().copied().fold(0.0, f64::max);
        if loudest <= f64::EPSILON {
            return vec![0.0; SLICES];
        }
        rms.iter()
            .map(|r| ((r / loudest).clamp(0.0, 1.0) * 1000.0).round() / 1000.0)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, seconds: f64, amplitude: f32) -> Vec<f32> {
        let n = (f64::from(rate) * seconds) as usize;
        (0..n)
            .map(|i| amplitude * (i as f32 * 440.0 * std::f32::consts::TAU / rate as f32).sin())
            .collect()
    }

    #[test]
    fn a_quiet_middle_shows_in_the_middle_slices() {
        let mut loudness = Loudness::new(8000, 10_000);
        for amplitude in [1.0, 0.1, 1.0] {
            loudness.add(&tone(8000, 1.0, amplitude), 1).expect("fits");
        }
        assert_eq!(loudness.decoded_ms(), 3000);
        let wave = loudness.waveform();
        assert_eq!(wave.len(), SLICES);
        assert!(wave[..20].iter().all(|v| *v > 0.95), "{wave:?}");
        assert!(wave[23..41].iter().all(|v| *v < 0.15), "{wave:?}");
        assert!(wave[44..].iter().all(|v| *v > 0.95), "{wave:?}");
    }

    #[test]
    fn channels_are_averaged_and_silence_is_all_zeros() {
        let mut loudness = Loudness::new(1000, 10_000);
        loudness.add(&[0.0; 2000], 2).expect("fits");
        assert_eq!(loudness.decoded_ms(), 1000);
        assert_eq!(loudness.waveform(), vec![0.0; SLICES]);
        // Opposite channels cancel out in mono.
        let mut cancel = Loudness::new(1000, 10_000);
        cancel.add(&[0.5, -0.5].repeat(1000), 2).expect("fits");
        assert_eq!(cancel.waveform(), vec![0.0; SLICES]);
    }

    #[test]
    fn decoding_past_the_allowed_length_overflows() {
        let mut loudness = Loudness::new(1000, 1000);
        assert_eq!(loudness.add(&[0.1; 1000], 1), Ok(()));
        assert_eq!(loudness.add(&[0.1; 20], 1), Err(Overflow));
    }
}
