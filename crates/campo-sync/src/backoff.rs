//! When to try again after a failed sync: exponential backoff with full jitter.
//!
//! A valley full of tablets that lost the signal together must not come back together and
//! hammer the server in lockstep; "full jitter" (a uniform draw between zero and the
//! exponential ceiling) spreads them out best of the usual schemes while keeping the
//! expected wait short. Starts at 5 s, never waits more than 10 min, and a success resets
//! it so a good link is used at once.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::Duration;

/// Default first ceiling: a dropped packet on a weak link often recovers within seconds.
pub const DEFAULT_BASE: Duration = Duration::from_secs(5);
/// Default longest wait: a tablet back at the office should not idle more than this.
pub const DEFAULT_CAP: Duration = Duration::from_secs(10 * 60);

#[derive(Debug)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
    failures: u32,
    rng: StdRng,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new(DEFAULT_BASE, DEFAULT_CAP)
    }
}

impl Backoff {
    /// A backoff between `base` and `cap` (tests use milliseconds). `cap` below `base` is
    /// raised to `base`.
    pub fn new(base: Duration, cap: Duration) -> Backoff {
        Backoff {
            base,
            cap: cap.max(base),
            failures: 0,
            rng: StdRng::from_os_rng(),
        }
    }

    /// Same, with a fixed seed so a test can replay the draws.
    pub fn seeded(base: Duration, cap: Duration, seed: u64) -> Backoff {
        Backoff {
            base,
            cap: cap.max(base),
            failures: 0,
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// The ceiling of the next draw: `base * 2^failures`, at most `cap`.
    pub fn ceiling(&self) -> Duration {
        // 2^31 * 5 s is far past any cap; shifting further would overflow.
        let factor = 1u32.checked_shl(self.failures.min(31)).unwrap_or(u32::MAX);
        self.base
            .checked_mul(factor)
            .map_or(self.cap, |d| d.min(self.cap))
    }

    /// Records a failure and returns how long to wait before the next try: uniform in
    /// `[0, ceiling]`.
    pub fn next_delay(&mut self) -> Duration {
        let ceiling = self.ceiling();
        self.failures = self.failures.saturating_add(1);
        let ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(self.rng.random_range(0..=ms))
    }

    /// A success: the next failure starts again from `base`.
    pub fn reset(&mut self) {
        self.failures = 0;
    }

    /// Consecutive failures since the last success.
    pub fn failures(&self) -> u32 {
        self.failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_doubles_from_base_up_to_cap() {
        let mut b = Backoff::seeded(DEFAULT_BASE, DEFAULT_CAP, 1);
        let mut ceilings = Vec::new();
        for _ in 0..12 {
            ceilings.push(b.ceiling().as_secs());
            b.next_delay();
        }
        assert_eq!(
            ceilings,
            vec![5, 10, 20, 40, 80, 160, 320, 600, 600, 600, 600, 600]
        );
    }

    #[test]
    fn every_delay_lies_within_zero_and_the_ceiling() {
        let mut b = Backoff::seeded(DEFAULT_BASE, DEFAULT_CAP, 7);
        for _ in 0..10_000 {
            let ceiling = b.ceiling();
            let d = b.next_delay();
            assert!(d <= ceiling, "{d:?} above {ceiling:?}");
            assert!(d <= DEFAULT_CAP);
        }
        // Thousands of failures later it still neither overflows nor exceeds the cap.
        assert_eq!(b.ceiling(), DEFAULT_CAP);
    }

    #[test]
    fn delays_are_jittered_not_constant() {
        let mut b = Backoff::seeded(DEFAULT_BASE, DEFAULT_CAP, 3);
        for _ in 0..20 {
            b.next_delay();
        }
        let draws: Vec<Duration> = (0..50).map(|_| b.next_delay()).collect();
        let distinct: std::collections::BTreeSet<_> = draws.iter().collect();
        assert!(
            distinct.len() > 40,
            "full jitter should rarely repeat: {distinct:?}"
        );
        // Uniform on [0, 600 s]: the mean of 50 draws is far from both ends.
        let mean = draws.iter().map(Duration::as_secs_f64).sum::<f64>() / 50.0;
        assert!((150.0..450.0).contains(&mean), "mean {mean}");
    }

    #[test]
    fn reset_starts_again_from_base() {
        let mut b = Backoff::seeded(DEFAULT_BASE, DEFAULT_CAP, 5);
        for _ in 0..6 {
            b.next_delay();
        }
        assert_eq!(b.failures(), 6);
        b.reset();
        assert_eq!(b.failures(), 0);
        assert_eq!(b.ceiling(), DEFAULT_BASE);
        assert!(b.next_delay() <= DEFAULT_BASE);
    }

    #[test]
    fn cap_below_base_is_raised_to_base() {
        let b = Backoff::new(Duration::from_secs(5), Duration::from_secs(1));
        assert_eq!(b.ceiling(), Duration::from_secs(5));
    }
}
