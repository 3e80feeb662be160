//! Node-local clocks: true time is the kernel's; each node reads its own clock, which may drift (run fast or
//! slow by some parts per million) and jump (an NTP step, an operator fixing the date).
//!
//! Timers are measured by the node's oscillator: a drifting clock stretches or shrinks them, a jump does not
//! move them (as with a monotonic clock). Reads of "now" see both drift and jumps (as with the wall clock a
//! server compares its key expiry times against).

use serde::{Deserialize, Serialize};

/// Drift beyond ±50% is not a clock any more; the kernel clamps to this range.
pub const MAX_DRIFT_PPM: i64 = 500_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    drift_ppm: i64,
    base_true_us: u64,
    base_local_us: i64,
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock {
    /// A perfect clock that reads 0 at true time 0.
    pub fn new() -> Self {
        Clock { drift_ppm: 0, base_true_us: 0, base_local_us: 0 }
    }

    pub fn drift_ppm(&self) -> i64 {
        self.drift_ppm
    }

    /// What the node's clock reads at true time `true_us` (which must not precede the last rebase).
    pub fn local_at(&self, true_us: u64) -> i64 {
        let elapsed = true_us.saturating_sub(self.base_true_us);
        if self.drift_ppm == 0 {
            // The common case, without 128-bit arithmetic (a slow library call in wasm).
            return self.base_local_us.saturating_add(elapsed.min(i64::MAX as u64) as i64);
        }
        let elapsed = elapsed as i128;
        let scaled = elapsed * (1_000_000 + self.drift_ppm as i128) / 1_000_000;
        self.base_local_us.saturating_add(scaled as i64)
    }

    /// How much true time passes while this clock's oscillator counts `local_us` (rounded up, so a timer never
    /// fires before the node's own clock says it is due).
    pub fn true_duration(&self, local_us: u64) -> u64 {
        if self.drift_ppm == 0 {
            return local_us;
        }
        let rate = (1_000_000 + self.drift_ppm) as u128;
        let d = (local_us as u128 * 1_000_000).div_ceil(rate);
        d.min(u64::MAX as u128) as u64
    }

    /// From true time `now_us` on, run `ppm` parts per million fast (positive) or slow (negative).
    pub fn set_drift(&mut self, now_us: u64, ppm: i64) {
        self.rebase(now_us);
        self.drift_ppm = ppm.clamp(-MAX_DRIFT_PPM, MAX_DRIFT_PPM);
    }

    /// Step the clock by `by_us` (forwards or backwards) at true time `now_us`.
    pub fn jump(&mut self, now_us: u64, by_us: i64) {
        self.rebase(now_us);
        self.base_local_us = self.base_local_us.saturating_add(by_us);
    }

    fn rebase(&mut self, now_us: u64) {
        self.base_local_us = self.local_at(now_us);
        self.base_true_us = now_us;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_clock_reads_true_time() {
        let c = Clock::new();
        assert_eq!(c.local_at(0), 0);
        assert_eq!(c.local_at(1_234_567), 1_234_567);
        assert_eq!(c.true_duration(500), 500);
    }

    #[test]
    fn fast_clock_gains_and_shortens_timers() {
        let mut c = Clock::new();
        c.set_drift(0, 100_000); // 10% fast
        assert_eq!(c.local_at(1_000_000), 1_100_000);
        // A 1.1 s timer by this clock takes 1 s of true time.
        assert_eq!(c.true_duration(1_100_000), 1_000_000);
    }

    #[test]
    fn slow_clock_loses_and_rounds_timers_up() {
        let mut c = Clock::new();
        c.set_drift(1_000, -500_000); // half speed from t=1ms
        assert_eq!(c.local_at(1_000), 1_000);
        assert_eq!(c.local_at(3_000), 2_000);
        assert_eq!(c.true_duration(1), 2);
        assert_eq!(c.true_duration(3), 6);
    }

    #[test]
    fn jump_moves_reads_not_rates() {
        let mut c = Clock::new();
        c.jump(10, -5);
        assert_eq!(c.local_at(10), 5);
        assert_eq!(c.local_at(20), 15);
        assert_eq!(c.true_duration(10), 10);
    }

    #[test]
    fn drift_is_clamped() {
        let mut c = Clock::new();
        c.set_drift(0, -2_000_000);
        assert_eq!(c.drift_ppm(), -MAX_DRIFT_PPM);
        assert!(c.true_duration(1) > 0);
    }
}
