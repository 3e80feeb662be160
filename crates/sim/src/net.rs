//! The network as data: every message gets a latency drawn from the run's network RNG stream, may be lost or
//! duplicated, and is dropped when its link is cut (at send or while in flight).

use serde::{Deserialize, Serialize};

/// Probabilities are integers in parts per million, so that a parameter, a URL and both targets agree exactly.
pub const PPM: u32 = 1_000_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetConfig {
    /// Smallest one-way latency.
    pub latency_min_us: u64,
    /// Largest one-way latency (inclusive).
    pub latency_max_us: u64,
    /// Chance that a message is lost, in parts per million.
    pub loss_ppm: u32,
    /// Chance that a message is delivered twice, in parts per million.
    pub dup_ppm: u32,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig { latency_min_us: 1_000, latency_max_us: 10_000, loss_ppm: 0, dup_ppm: 0 }
    }
}

impl NetConfig {
    /// The same network with a fixed latency range and no loss or duplication.
    pub fn with_latency_us(min: u64, max: u64) -> Self {
        NetConfig { latency_min_us: min.min(max), latency_max_us: max.max(min), ..NetConfig::default() }
    }
}
