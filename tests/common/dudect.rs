//! The statistics of the timing tests (`tests/timing_*.rs`), dudect style
//! (Reparaz, Balasch and Verbauwhede, "Dude, is my code constant time?",
//! 2017): Welch's t-test between two classes of measurements, uncropped and
//! cropped at percentiles of the pooled times, and the small helpers the
//! tests share.

/// A small deterministic generator for a test's own choices (class order,
/// filler bytes): xorshift64*.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A byte from 1 to 255.
    pub fn nonzero_byte(&mut self) -> u8 {
        (self.next() % 255 + 1) as u8
    }

    /// Fills `b` with bytes.
    pub fn fill(&mut self, b: &mut [u8]) {
        for x in b {
            *x = self.next() as u8;
        }
    }
}

/// Welch's t statistic of two samples.
pub fn welch_t(a: &[f64], b: &[f64]) -> f64 {
    let stats = |s: &[f64]| {
        let n = s.len() as f64;
        let mean = s.iter().sum::<f64>() / n;
        let var = s.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
        (n, mean, var)
    };
    let (na, ma, va) = stats(a);
    let (nb, mb, vb) = stats(b);
    (ma - mb) / (va / na + vb / nb).sqrt()
}

/// The largest |t| over the uncropped samples and over samples cropped at
/// several percentiles of the pooled distribution (dudect crops because a
/// timing distribution has a long tail of interrupts and migrations), and
/// the percentile it was found at.
pub fn max_abs_t(a: &[f64], b: &[f64]) -> (f64, f64) {
    let mut pooled: Vec<f64> = a.iter().chain(b).copied().collect();
    pooled.sort_by(f64::total_cmp);
    let mut worst = (0.0f64, 1.0);
    for pct in [1.0, 0.99, 0.95, 0.90, 0.80, 0.70, 0.50] {
        let cut = pooled[((pooled.len() - 1) as f64 * pct) as usize];
        let ca: Vec<f64> = a.iter().copied().filter(|x| *x <= cut).collect();
        let cb: Vec<f64> = b.iter().copied().filter(|x| *x <= cut).collect();
        let t = welch_t(&ca, &cb).abs();
        if t > worst.0 {
            worst = (t, pct);
        }
    }
    worst
}

/// The median of a sample.
pub fn median(s: &[f64]) -> f64 {
    let mut v = s.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// A numeric setting from the environment, or `default`.
pub fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}
