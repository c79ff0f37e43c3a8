//! What the interleaved benches (`threads`, `tokio_io`, `random_source`,
//! `side_by_side`) share: their knobs from the environment, and the spread
//! of per-round figures. Criterion runs one function after another; these
//! benches alternate the libraries round by round instead, so a burst of
//! load on the shared machine hits both, and report the median of the
//! per-round ratios with their spread.

/// `name` from the environment as a number, or `default`.
pub fn env_usize(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v}: not a number")),
        Err(_) => default,
    }
}

/// `name` from the environment as a comma-separated list of numbers, or
/// `default`.
pub fn env_list(name: &str, default: &[usize]) -> Vec<usize> {
    match std::env::var(name) {
        Ok(v) => v
            .split(',')
            .map(|n| {
                n.trim()
                    .parse()
                    .unwrap_or_else(|_| panic!("{name}={v}: not a list of numbers"))
            })
            .collect(),
        Err(_) => default.to_vec(),
    }
}

/// The spread of one figure over the rounds.
#[derive(Debug, Clone, Copy)]
pub struct Spread {
    pub median: f64,
    pub q1: f64,
    pub q3: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    /// The spread of `values` (at least one).
    pub fn of(values: &[f64]) -> Spread {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        // Nearest rank: no interpolation between rounds.
        let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
        Spread {
            median: at(0.5),
            q1: at(0.25),
            q3: at(0.75),
            min: v[0],
            max: v[v.len() - 1],
        }
    }
}

impl std::fmt::Display for Spread {
    /// `median [q1–q3] (min–max)`, to the precision asked for (default 2).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = f.precision().unwrap_or(2);
        write!(
            f,
            "{:.p$} [IQR {:.p$}–{:.p$}] (min {:.p$}, max {:.p$})",
            self.median, self.q1, self.q3, self.min, self.max
        )
    }
}

/// The 1-minute load average, for the record printed beside the figures.
pub fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}
