//! The time model: the caller owns the clock.
//!
//! Every time-dependent call takes `now: u64`, in ticks of the caller's
//! monotonic clock (SysTick, a timer peripheral, `CLOCK_MONOTONIC`,
//! [`std::time::Instant`](https://doc.rust-lang.org/std/time/struct.Instant.html)...),
//! and every duration in a config is in the same ticks. The core never reads
//! a clock itself, so it is deterministic and testable with plain integers.
//!
//! A `now` smaller than one seen before is not an error and never a panic:
//! see each primitive for exactly how it is judged.
//!
//! Two helpers produce ticks:
//! - [`TickExtender`] turns a wrapping 32-bit hardware counter into u64 ticks;
//! - `InstantClock` (feature `std`) turns `std::time::Instant` into nanosecond ticks;
//! - `CachedClock` (feature `std`) holds such ticks for cheap reads, refreshed
//!   by whoever the application chooses (an event loop, a timer thread).

/// Extends a wrapping 32-bit hardware tick counter into monotonic `u64` ticks.
///
/// Feed it every raw reading ([`extend`](Self::extend)); it adds the distance
/// travelled since the previous reading, modulo 2³². **It must be fed at least
/// once per wrap period** (2³² raw ticks: about 71 minutes for a 1 MHz timer,
/// 49.7 days for a 1 kHz SysTick count): a reading that comes a whole wrap or
/// more after the previous one loses the whole wraps it cannot see. The result
/// saturates at `u64::MAX`.
///
/// It takes `&mut self`: when the counter is read from several contexts (a
/// thread and an interrupt handler), keep one extender per context or wrap it
/// in a critical section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TickExtender {
    last: u64,
}

impl TickExtender {
    /// An extender whose first reading `raw` yields `raw` ticks.
    #[must_use]
    pub const fn new() -> Self {
        Self { last: 0 }
    }

    /// The extended ticks for the raw counter value `raw`.
    pub fn extend(&mut self, raw: u32) -> u64 {
        // Keeping only the low 32 bits is the point: they are the counter's
        // previous raw value.
        #[allow(clippy::cast_possible_truncation)]
        let previous_raw = self.last as u32;
        let advanced = raw.wrapping_sub(previous_raw);
        self.last = self.last.saturating_add(u64::from(advanced));
        self.last
    }

    /// The extended ticks returned by the latest [`extend`](Self::extend).
    #[must_use]
    pub const fn last(&self) -> u64 {
        self.last
    }
}

impl Default for TickExtender {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "std")]
pub use std_clock::{CachedClock, InstantClock};

#[cfg(feature = "std")]
mod std_clock {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{Duration, Instant};

    /// Nanosecond ticks from [`Instant`], counted from the clock's creation.
    ///
    /// `Instant` is monotonic, so these ticks never go backwards. Ticks
    /// saturate at `u64::MAX` (after about 584 years).
    #[derive(Clone, Copy, Debug)]
    pub struct InstantClock {
        origin: Instant,
    }

    impl InstantClock {
        /// A clock whose tick 0 is now.
        #[must_use]
        pub fn new() -> Self {
            Self {
                origin: Instant::now(),
            }
        }

        /// Ticks (nanoseconds) elapsed since this clock was created.
        #[must_use]
        pub fn now(&self) -> u64 {
            Self::ticks(self.origin.elapsed())
        }

        /// Ticks (nanoseconds) at `instant`; 0 for instants before the origin.
        #[must_use]
        pub fn ticks_at(&self, instant: Instant) -> u64 {
            Self::ticks(instant.saturating_duration_since(self.origin))
        }

        /// A duration in this clock's ticks, for configs; saturates at `u64::MAX`.
        #[must_use]
        pub fn ticks(duration: Duration) -> u64 {
            u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
        }
    }

    impl Default for InstantClock {
        fn default() -> Self {
            Self::new()
        }
    }

    /// [`InstantClock`] ticks cached in an atomic: [`now`](Self::now) is one
    /// relaxed load, and [`refresh`](Self::refresh) reads the clock.
    ///
    /// Reading `Instant` costs tens of nanoseconds on many machines (41 ns on
    /// the VM in BENCHMARKS.md), more than an admission decision. Servers that
    /// make millions of decisions per second commonly read the clock once per
    /// event-loop turn, or from a timer thread every 100 µs, and let every
    /// decision in between use that reading. The price is resolution: `now`
    /// lags real time by up to the refresh period, so a limiter fed by it
    /// sees time in steps of that period.
    ///
    /// Never goes backwards: concurrent refreshes keep the largest reading.
    #[derive(Debug, Default)]
    pub struct CachedClock {
        clock: InstantClock,
        ticks: AtomicU64,
    }

    impl CachedClock {
        /// A cached clock whose tick 0 is now; [`now`](Self::now) reads 0
        /// until the first [`refresh`](Self::refresh).
        #[must_use]
        pub fn new() -> Self {
            Self::default()
        }

        /// The ticks stored by the latest [`refresh`](Self::refresh).
        #[inline]
        #[must_use]
        pub fn now(&self) -> u64 {
            self.ticks.load(Ordering::Relaxed)
        }

        /// Reads the underlying clock, stores and returns its ticks.
        pub fn refresh(&self) -> u64 {
            let now = self.clock.now();
            self.ticks.fetch_max(now, Ordering::Relaxed).max(now)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TickExtender;

    #[test]
    fn extends_across_wraps() {
        let mut ticks = TickExtender::new();
        assert_eq!(ticks.extend(10), 10);
        assert_eq!(ticks.extend(u32::MAX - 5), u64::from(u32::MAX) - 5);
        // The counter wraps: 6 ticks to reach 2^32, then 4 more.
        assert_eq!(ticks.extend(4), (1u64 << 32) + 4);
        // Three more wraps, each fed at least once.
        for wrap in 2..=4u64 {
            assert_eq!(ticks.extend(u32::MAX), (wrap << 32) - 1);
            assert_eq!(ticks.extend(0), wrap << 32);
        }
        assert_eq!(ticks.last(), 4 << 32);
    }

    #[test]
    fn same_reading_twice_adds_nothing() {
        let mut ticks = TickExtender::new();
        assert_eq!(ticks.extend(1_000), 1_000);
        assert_eq!(ticks.extend(1_000), 1_000);
    }

    #[test]
    fn saturates_at_u64_max() {
        let mut ticks = TickExtender { last: u64::MAX - 3 };
        // The low 32 bits of u64::MAX - 3 are u32::MAX - 3; a reading of 10
        // is 14 ticks later, which saturates.
        assert_eq!(ticks.extend(10), u64::MAX);
        assert_eq!(ticks.extend(20), u64::MAX);
    }

    #[cfg(feature = "std")]
    #[test]
    fn instant_clock_is_monotonic_and_converts_durations() {
        use super::InstantClock;
        use std::time::Duration;
        let clock = InstantClock::new();
        let a = clock.now();
        let b = clock.now();
        assert!(b >= a);
        assert_eq!(InstantClock::ticks(Duration::from_millis(3)), 3_000_000);
        assert_eq!(InstantClock::ticks(Duration::MAX), u64::MAX);
    }

    #[cfg(feature = "std")]
    #[test]
    fn cached_clock_moves_only_on_refresh_and_never_back() {
        use super::CachedClock;
        let clock = CachedClock::new();
        let first = clock.refresh();
        assert_eq!(clock.now(), first);
        std::thread::sleep(std::time::Duration::from_millis(2));
        assert_eq!(clock.now(), first, "moved without a refresh");
        let second = clock.refresh();
        assert!(second >= first + 2_000_000, "{second} vs {first}");
        assert_eq!(clock.now(), second);
    }
}
