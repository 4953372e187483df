//! The adaptive limit: the limit follows the dependency's capacity, measured
//! from the latencies and drops the permits report.
//!
//! # Windows
//!
//! Reports are gathered into a *window*: the sum and count of latencies,
//! the drops, and the most calls that were in flight when a reported call
//! ended. A window closes after `window_samples` reports (latencies and
//! drops) or `window_duration` ticks, whichever comes first; the report that finds it
//! full closes it (one compare-and-swap of the window's start decides which
//! reporter) and computes the next limit from it. So a report costs a few
//! atomic additions, and the arithmetic runs once per window. A `now` far
//! ahead moves the window's start there; later sane readings then close
//! windows by count only until time catches up, or the count closes one and
//! moves the start back.
//!
//! # AIMD
//!
//! As Netflix concurrency-limits' `AIMDLimit`, per window instead of per
//! sample: a window with a drop (a call reported [dropped], or a latency
//! above `timeout`) multiplies the limit by `backoff` permille (rounding
//! down, and by at least one slot); a window whose busiest moment had at
//! least half the limit in flight adds one slot; otherwise the limit stays.
//!
//! ```text
//! drops > 0:            limit ← max(min, min(limit − 1, ⌊limit × backoff / 1000⌋))
//! peak × 2 ≥ limit:     limit ← min(max, limit + 1)
//! ```
//!
//! # Gradient
//!
//! As Netflix concurrency-limits' `Gradient2Limit`: the window's average
//! latency is the short-term RTT; an exponential average of windows is the
//! long-term RTT (the baseline). Their ratio, the *gradient*, clamped to
//! 0.5..=1, scales the limit, and a queue allowance lets it grow while
//! latency stays flat; the change is smoothed:
//!
//! ```text
//! long     ← long + (short − long) × 2 / (long_window + 1)   (the first window: short)
//! long     ← long × 9 / 10                                    if long > 2 × short
//! gradient = clamp(long / short, 0.5, 1)
//! new      = limit × gradient + queue
//! limit    ← clamp(limit × (1 − smoothing) + new × smoothing, min, max)
//! ```
//!
//! and, when the busiest moment of the window had fewer than half the limit
//! in flight, the limit stays (the application, not the dependency, is the
//! bottleneck). In integers: the limit is kept in 1/256 slots, the
//! long-term RTT in 1/16 ticks, the gradient and smoothing in permille, and
//! the admitted limit is the whole slots. Differences from the Java
//! original: samples are gathered into windows here (as its `WindowedLimit`
//! does around it), drops do not move a gradient limit (as in the
//! original), a latency is clamped to 2³² ticks, and the long-term average
//! warms up over one window, not ten.
//!
//! # Shrinking
//!
//! A lower limit revokes nothing: calls in flight keep their slots, and new
//! calls are refused until enough of them have finished. A refusal while
//! the latest change lowered the limit says so
//! ([`Rejection::Full::shrinking`](super::Rejection::Full)).
//!
//! [dropped]: super::Permit::dropped

use crate::arith::div_u64;
use crate::sync::{AtomicU32, StateWord, RELAXED};

use super::{per_mille, Config, MAX_LIMIT};
use crate::tier::Tier;

/// How the limit follows the dependency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Adaptive {
    /// The limit is [`Config::limit`], always.
    Fixed,
    /// Additive increase, multiplicative decrease (see the module docs).
    Aimd {
        /// A window with a drop multiplies the limit by this, in permille
        /// (500..=999).
        backoff: u16,
        /// A latency above this many ticks counts as a drop (≥ 1).
        timeout: u64,
    },
    /// The latency gradient (see the module docs).
    Gradient {
        /// How much of each new estimate is taken, in permille (1..=1000).
        smoothing: u16,
        /// Slots the limit may grow by per window while latency is flat
        /// (0..=[`MAX_LIMIT`]).
        queue: u16,
        /// Windows the long-term latency averages over (≥ 1).
        long_window: u16,
    },
}

/// The most latencies a window may gather before it closes: its count is
/// 16 bits, with room for the reports that arrive while it closes.
pub const MAX_WINDOW_SAMPLES: u16 = 1_000;

/// The largest latency a window adds, in ticks: 65,535 of them fit in the
/// window's 48-bit sum.
const MAX_SAMPLE: u64 = u32::MAX as u64;

/// Bits of the window word that count its latencies.
const COUNT_BITS: u32 = 16;

/// The adaptive part of a bulkhead's state. All zero when built: the limit
/// reads as the config's until the first window closes.
pub(super) struct State {
    /// The current limit and caps ([`caps`]); 0 until the first window
    /// that moves the estimate closes.
    pub(super) caps: AtomicU32,
    /// This window: the latencies' sum (bits 16..64) and count (0..16).
    window: StateWord,
    /// When this window started, in ticks.
    window_start: StateWord,
    /// Drops reported in this window.
    drops: AtomicU32,
    /// The most calls in flight when a call reported in this window ended.
    peak: AtomicU32,
    /// The limit in 1/256 slots (bits 0..17) and the long-term latency in
    /// 1/16 ticks (bits 17..64); 0 until the first window closes.
    estimate: StateWord,
}

impl State {
    const_unless_loom! {
        pub(super) fn new() -> Self {
            Self {
                caps: AtomicU32::new(0),
                window: StateWord::new(0),
                window_start: StateWord::new(0),
                drops: AtomicU32::new(0),
                peak: AtomicU32::new(0),
                estimate: StateWord::new(0),
            }
        }
    }

    /// Counts a report: `latency` ticks, or a drop (`None`), of a call that
    /// ended with `in_flight` calls in flight; closes the window if this
    /// report fills it.
    #[inline]
    pub(super) fn report(&self, config: &Config, now: u64, latency: Option<u64>, in_flight: u32) {
        let timeout = match config.adaptive {
            Adaptive::Fixed => return,
            Adaptive::Aimd { timeout, .. } => timeout,
            Adaptive::Gradient { .. } => u64::MAX,
        };
        // Reports in this window so far, latencies and drops: at most a
        // window and the reports that arrive while it closes.
        let count = match latency {
            Some(latency) if latency <= timeout => {
                let sample = latency.min(MAX_SAMPLE) << COUNT_BITS | 1;
                let before = self.window.fetch_add(sample);
                let drops = self.drops.load(RELAXED);
                (before & 0xFFFF)
                    .wrapping_add(1)
                    .wrapping_add(u64::from(drops))
            }
            _ => {
                let drops = self.drops.fetch_add(1, RELAXED).wrapping_add(1);
                (self.window.load() & 0xFFFF).wrapping_add(u64::from(drops))
            }
        };
        self.peak.fetch_max(in_flight, RELAXED);
        let start = self.window_start.load();
        if count >= u64::from(config.window_samples)
            || now.saturating_sub(start) >= config.window_duration
        {
            self.close(config, start, now);
        }
    }

    /// Closes the window that started at `start`, unless another report
    /// closed it already, and sets the next limit from it.
    #[inline(never)]
    fn close(&self, config: &Config, start: u64, now: u64) {
        if self.window_start.compare_exchange(start, now).is_err() {
            return;
        }
        let sums = self.window.swap(0);
        let drops = self.drops.swap(0, RELAXED);
        let peak = self.peak.swap(0, RELAXED);
        let samples = sums & 0xFFFF;
        let average = if samples == 0 {
            None
        } else {
            Some(div_u64(sums >> COUNT_BITS, samples).max(1))
        };
        let estimate = self.estimate.load();
        let previous = Estimate::read(estimate, config);
        let Some(next) = previous.next(config, average, drops, peak) else {
            return;
        };
        // One closer per estimate: a window closed meanwhile wins.
        if self
            .estimate
            .compare_exchange(estimate, next.word())
            .is_err()
        {
            return;
        }
        let (old, new) = (previous.slots(), next.slots());
        self.caps
            .store(caps::encode(config, new, new < old), RELAXED);
    }

    /// The current limit, caps and whether the latest change lowered it;
    /// `None` before the first change (the config's hold).
    pub(super) fn current(&self, config: &Config) -> Option<(u32, [u32; 3], bool)> {
        let word = self.caps.load(RELAXED);
        (word != 0).then(|| caps::decode(config, word))
    }

    /// The cap of `tier`, the limit and whether the latest change lowered
    /// it; `None` before the first change.
    #[inline]
    pub(super) fn admission(&self, tier: Tier) -> Option<(u32, u32, bool)> {
        let word = self.caps.load(RELAXED);
        (word != 0).then(|| caps::admission(word, tier))
    }
}

/// The limit in 1/256 slots and the long-term latency in 1/16 ticks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Estimate {
    limit_q8: u32,
    long_q4: u64,
}

/// Bits of the estimate word that hold the limit.
const LIMIT_BITS: u32 = 17;
/// The long-term latency's largest value: 47 bits.
const LONG_MAX: u64 = (1 << (64 - LIMIT_BITS)) - 1;

impl Estimate {
    /// The estimate in `word`; all zero is the config's limit with no
    /// long-term latency yet.
    fn read(word: u64, config: &Config) -> Self {
        let limit_q8 = (word & ((1 << LIMIT_BITS) - 1)) as u32;
        Self {
            limit_q8: if limit_q8 == 0 {
                config.limit.saturating_mul(256)
            } else {
                limit_q8
            },
            long_q4: word >> LIMIT_BITS,
        }
    }

    fn word(self) -> u64 {
        u64::from(self.limit_q8) | self.long_q4.min(LONG_MAX) << LIMIT_BITS
    }

    /// The whole slots.
    fn slots(self) -> u32 {
        self.limit_q8 >> 8
    }

    /// The estimate after a window with `average` latency (`None`: no
    /// latency reported), `drops` and `peak` calls in flight; `None` when
    /// nothing changes.
    fn next(self, config: &Config, average: Option<u64>, drops: u32, peak: u32) -> Option<Self> {
        let (min, max) = (config.min_limit, config.max_limit);
        let limit = self.slots();
        match config.adaptive {
            Adaptive::Fixed => None,
            Adaptive::Aimd { backoff, .. } => {
                let next = if drops > 0 {
                    let scaled = per_mille(limit.saturating_mul(u32::from(backoff)));
                    scaled.min(limit.saturating_sub(1)).max(min)
                } else if peak.saturating_mul(2) >= limit {
                    limit.saturating_add(1).min(max)
                } else {
                    return None;
                };
                (next != limit).then_some(Self {
                    limit_q8: next << 8,
                    long_q4: self.long_q4,
                })
            }
            Adaptive::Gradient {
                smoothing,
                queue,
                long_window,
            } => {
                let short = average?;
                let short_q4 = short.min(LONG_MAX >> 4) << 4;
                let mut long_q4 = if self.long_q4 == 0 {
                    short_q4
                } else {
                    // long + (short − long) × 2 / (window + 1), in either direction.
                    let weight = u64::from(long_window).saturating_add(1);
                    if short_q4 >= self.long_q4 {
                        let step =
                            div_u64(short_q4.abs_diff(self.long_q4).saturating_mul(2), weight);
                        self.long_q4.saturating_add(step)
                    } else {
                        let step =
                            div_u64(short_q4.abs_diff(self.long_q4).saturating_mul(2), weight);
                        self.long_q4.saturating_sub(step)
                    }
                };
                if long_q4 > short_q4.saturating_mul(2) {
                    long_q4 = div_u64(long_q4.saturating_mul(9), 10);
                }
                let limit_q8 = if peak.saturating_mul(2) < limit {
                    // Application-limited: the latency says nothing of capacity.
                    self.limit_q8
                } else {
                    // gradient = clamp(long / short, 0.5, 1), in permille.
                    let gradient =
                        div_u64(long_q4.saturating_mul(1_000), short_q4.max(1)).clamp(500, 1_000);
                    // Every value below is at most 2¹⁷ × 2¹⁰ before a
                    // division: saturating only for the lints' sake.
                    // The limit is below 2¹⁷ (1/256 slots of at most 511
                    // + 511 of queue): every product below stays under 2³².
                    // gradient ≤ 1000, so it fits.
                    #[allow(clippy::cast_possible_truncation)]
                    let gradient = gradient as u32;
                    let current = self.limit_q8;
                    let new = per_mille(current.saturating_mul(gradient))
                        .saturating_add(u32::from(queue) << 8);
                    let s = u32::from(smoothing);
                    let smoothed = u64::from(per_mille(
                        current
                            .saturating_mul(1_000_u32.saturating_sub(s))
                            .saturating_add(new.saturating_mul(s)),
                    ));
                    let low = u64::from(min) << 8;
                    let high = (u64::from(max.min(MAX_LIMIT)) << 8 | 0xFF).max(low);
                    // Within 0..=511 × 256 + 255, below 2¹⁷: exact.
                    #[allow(clippy::cast_possible_truncation)]
                    let limit_q8 = smoothed.clamp(low, high) as u32;
                    limit_q8
                };
                Some(Self { limit_q8, long_q4 })
            }
        }
    }
}

/// The caps word: the limit (bits 0..9), Important's cap (9..18),
/// Optional's (18..27), and whether the latest window lowered the limit
/// (bit 27). Never 0 once written: the limit is at least 1.
mod caps {
    use super::Config;
    use crate::tier::Tier;

    const MASK: u32 = (1 << 9) - 1;

    pub(super) fn encode(config: &Config, limit: u32, shrinking: bool) -> u32 {
        let [_, important, optional] = config.shares;
        let limit = limit.clamp(1, MASK);
        limit
            | Config::cap(limit, important) << 9
            | Config::cap(limit, optional) << 18
            | u32::from(shrinking) << 27
    }

    /// The cap of `tier`, the limit and the shrinking flag in `word`.
    #[inline]
    pub(super) fn admission(word: u32, tier: Tier) -> (u32, u32, bool) {
        let limit = word & MASK;
        let cap = match tier {
            Tier::Essential => limit,
            Tier::Important => word >> 9 & MASK,
            Tier::Optional => word >> 18 & MASK,
        };
        (cap, limit, word >> 27 & 1 != 0)
    }

    pub(super) fn decode(_config: &Config, word: u32) -> (u32, [u32; 3], bool) {
        let limit = word & MASK;
        (
            limit,
            [limit, word >> 9 & MASK, word >> 18 & MASK],
            word >> 27 & 1 != 0,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aimd() -> Config {
        Config::new(10).aimd(2, 20, 900, 1_000)
    }

    fn gradient() -> Config {
        Config::new(10).gradient(2, 40, 200, 4, 10)
    }

    fn at(limit: u32) -> Estimate {
        Estimate {
            limit_q8: limit << 8,
            long_q4: 0,
        }
    }

    #[test]
    fn aimd_backs_off_on_drops_and_grows_when_busy() {
        let c = aimd();
        // A drop: ⌊10 × 0.9⌋ = 9.
        assert_eq!(
            at(10).next(&c, Some(5), 1, 10).map(Estimate::slots),
            Some(9)
        );
        // At least one slot: ⌊3 × 0.9⌋ = 2, and 2 is the minimum.
        assert_eq!(at(3).next(&c, None, 1, 3).map(Estimate::slots), Some(2));
        assert_eq!(at(2).next(&c, None, 1, 3), None, "at the minimum");
        // Busy: half the limit or more in flight adds one, up to the maximum.
        assert_eq!(
            at(10).next(&c, Some(5), 0, 5).map(Estimate::slots),
            Some(11)
        );
        assert_eq!(at(20).next(&c, Some(5), 0, 20), None, "at the maximum");
        // Not busy: no change.
        assert_eq!(at(10).next(&c, Some(5), 0, 4), None);
    }

    #[test]
    fn gradient_shrinks_when_latency_rises_and_grows_while_flat() {
        let c = gradient();
        // First window: the long-term latency is the window's.
        let first = at(10).next(&c, Some(100), 0, 10).unwrap();
        assert_eq!(first.long_q4, 100 << 4);
        // Flat latency: gradient 1, so new = 10 + 4 (the queue) and the
        // limit moves 20 % of the way: 10.8 slots, in 1/256 (rounded down).
        assert_eq!(
            first.limit_q8,
            (2_560 * 800 + (2_560 + 1_024) * 200) / 1_000
        );
        let flat = first.next(&c, Some(100), 0, 10).unwrap();
        assert_eq!(flat.limit_q8, (2_764 * 800 + (2_764 + 1_024) * 200) / 1_000);
        // Latency doubles: long moves 2/11 of the way, gradient ≈ 0.59.
        let slow = flat.next(&c, Some(200), 0, 10).unwrap();
        assert!(slow.limit_q8 < flat.limit_q8, "{slow:?} after {flat:?}");
        // Application-limited (peak below half the limit): the limit stays.
        let idle = flat.next(&c, Some(400), 0, 2).unwrap();
        assert_eq!(idle.limit_q8, flat.limit_q8);
        // No latency reported (only drops): nothing changes.
        assert_eq!(flat.next(&c, None, 3, 10), None);
    }

    #[test]
    fn gradient_stays_within_its_bounds() {
        // A long-term average over 100 windows: it takes a new latency for
        // the norm slowly.
        let c = Config::new(10).gradient(2, 40, 200, 4, 100);
        let mut e = at(10);
        for latency in [100, 100, 100, 100, 100, 100, 100, 100, 100, 100].repeat(10) {
            e = e.next(&c, Some(latency), 0, 40).unwrap();
        }
        assert_eq!(e.slots(), 40, "flat latency grows it to the maximum");
        // Latency jumps a hundredfold: the gradient is clamped at 0.5, so
        // the limit shrinks towards 8 (the fixed point of 0.9 × limit + 0.8)
        // until the long-term latency catches up with the new one and takes
        // it for the new normal (Gradient2's behaviour), then grows again.
        let mut lowest = u32::MAX;
        for _ in 0..200 {
            e = e.next(&c, Some(10_000), 0, 40).unwrap();
            assert!((2..=40).contains(&e.slots()), "{e:?}");
            lowest = lowest.min(e.slots());
        }
        assert!(lowest < 15, "the limit only fell to {lowest}");
        assert_eq!(e.slots(), 40, "and recovered once latency was the norm");
    }

    #[test]
    fn the_caps_word_round_trips_and_is_never_zero() {
        let c = Config::new(10).tier_shares(850, 600);
        for limit in [1, 7, 100, MAX_LIMIT] {
            let word = caps::encode(&c, limit, limit == 7);
            assert_ne!(word, 0);
            let (l, caps, shrinking) = caps::decode(&c, word);
            assert_eq!(l, limit);
            assert_eq!(caps, [limit, limit * 850 / 1000, limit * 600 / 1000]);
            assert_eq!(shrinking, limit == 7);
        }
    }
}
