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
//! Helpers produce ticks:
//! - [`SharedTickExtender`] turns a wrapping 32-bit hardware counter into
//!   u64 ticks for every context that reads it (threads and interrupt
//!   handlers): one per counter, a `static`;
//! - [`TickExtender`] does the same for a counter read from one context only;
//! - `InstantClock` (feature `std`) turns `std::time::Instant` into nanosecond ticks;
//! - `CachedClock` (feature `std`) holds such ticks for cheap reads, refreshed
//!   by whoever the application chooses (an event loop, a timer thread).

use core::cell::Cell;

use critical_section::Mutex;

/// Extends a wrapping 32-bit hardware tick counter into monotonic `u64`
/// ticks, **for one context only** (one thread, or one interrupt handler).
///
/// Feed it every raw reading ([`extend`](Self::extend)); it adds the distance
/// travelled since the previous reading, modulo 2³². **It must be fed at least
/// once per wrap period** (2³² raw ticks: about 71 minutes for a 1 MHz timer,
/// 49.7 days for a 1 kHz SysTick count): a reading that comes a whole wrap or
/// more after the previous one loses the whole wraps it cannot see. The result
/// saturates at `u64::MAX`.
///
/// Why one context: an extender counts the wraps *it* has seen. A second
/// extender of the same counter, created or first fed after a wrap (an
/// interrupt handler's, say), is 2³² ticks behind the first for good, so a
/// limiter it feeds refuses with `retry_after` near 2³²; one that misses a
/// wrap falls a further 2³² behind. One extender behind a lock is no cure
/// either: a context pre-empted between reading the counter and feeding it
/// brings a reading older than the latest, which this extender takes for
/// almost a whole wrap forward, a `now` about 2³² ticks in the future. For a
/// counter read from several contexts use [`SharedTickExtender`].
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
        self.last = self
            .last
            .saturating_add(u64::from(raw.wrapping_sub(low_bits(self.last))));
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

/// Extends a wrapping 32-bit hardware tick counter into `u64` ticks for
/// every context that reads it: *the* way to extend a counter read from
/// several contexts (threads and interrupt handlers). Make it a `static`,
/// one per counter, and let every context feed it.
///
/// ```
/// use failwell::time::SharedTickExtender;
///
/// static CLOCK: SharedTickExtender = SharedTickExtender::new();
/// # fn read_timer() -> u32 { 4_000_000_000 }
/// // In a thread or an interrupt handler alike:
/// let now = CLOCK.extend(read_timer());
/// # assert_eq!(now, 4_000_000_000);
/// ```
///
/// All contexts share one count of wraps, so they agree on the time: an
/// interrupt handler that first reads the counter after a wrap gets the same
/// ticks as the thread that saw the wrap. Each [`extend`](Self::extend) is
/// one critical section (`critical_section::with`: the application picks the
/// implementation, e.g. `critical-section`'s `std` feature on a host or
/// `cortex-m`'s `critical-section-single-core`).
///
/// A reading may arrive after a newer one: a context pre-empted between
/// reading the counter and feeding it. A reading up to 2³¹ raw ticks behind
/// the latest is taken as such a late reading: it yields the earlier ticks
/// it stands for (which every primitive accepts as an earlier `now`) and
/// leaves the extender as it was. So **it must be fed less than 2³¹ raw
/// ticks apart** (half a wrap: about 35 minutes for a 1 MHz timer, 24.8
/// days for a 1 kHz SysTick count); a longer gap is taken for time going
/// back. The first reading `raw` yields `raw` ticks, and the result
/// saturates at `u64::MAX`.
pub struct SharedTickExtender {
    last: Mutex<Cell<u64>>,
}

impl SharedTickExtender {
    /// An extender whose first reading `raw` yields `raw` ticks.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            last: Mutex::new(Cell::new(0)),
        }
    }

    /// The extended ticks for the raw counter value `raw`, read by any
    /// context: later than the latest reading, the ticks it adds; up to 2³¹
    /// ticks earlier, the earlier ticks it stands for.
    #[inline]
    pub fn extend(&self, raw: u32) -> u64 {
        critical_section::with(|cs| {
            let cell = self.last.borrow(cs);
            let last = cell.get();
            let behind = low_bits(last).wrapping_sub(raw);
            // A late reading: at most 2³¹ behind, and not before tick 0 (which
            // also makes the first reading count forward).
            if behind != 0 && behind <= 1 << 31 && u64::from(behind) <= last {
                return last.wrapping_sub(u64::from(behind));
            }
            let ticks = last.saturating_add(u64::from(raw.wrapping_sub(low_bits(last))));
            cell.set(ticks);
            ticks
        })
    }

    /// The latest extended ticks: the largest [`extend`](Self::extend) has
    /// returned.
    #[inline]
    #[must_use]
    pub fn last(&self) -> u64 {
        critical_section::with(|cs| self.last.borrow(cs).get())
    }
}

impl Default for SharedTickExtender {
    fn default() -> Self {
        Self::new()
    }
}

// Without the ticks: reading them takes a critical section, and code that
// takes one only where it is called keeps binaries that never extend a
// shared counter free of the critical-section symbols.
impl core::fmt::Debug for SharedTickExtender {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SharedTickExtender").finish_non_exhaustive()
    }
}

/// The raw counter value behind extended `ticks`: their low 32 bits.
const fn low_bits(ticks: u64) -> u32 {
    // Keeping only the low 32 bits is the point.
    #[allow(clippy::cast_possible_truncation)]
    let low = ticks as u32;
    low
}

#[cfg(feature = "std")]
pub use std_clock::{CachedClock, InstantClock};

#[cfg(feature = "quanta")]
pub use quanta_clock::QuantaClock;

#[cfg(feature = "quanta")]
mod quanta_clock {
    /// Nanosecond ticks from the `quanta` crate's clock, counted from the
    /// clock's creation: the clock to use on servers (feature `quanta`).
    ///
    /// [`now`](Self::now) reads quanta's source (the CPU's time-stamp
    /// counter where it is invariant, the OS's monotonic clock elsewhere)
    /// and scales it to nanoseconds: about three times cheaper than
    /// `std::time::Instant` on the x86 machine in BENCHMARKS.md.
    /// [`recent`](Self::recent) reads quanta's *recent* time instead, one
    /// atomic load, kept fresh by quanta's upkeep thread (start it once with
    /// [`start_upkeep`](Self::start_upkeep)); its resolution is the upkeep
    /// period, as with any cached clock.
    ///
    /// Readings on different cores come from one synchronised counter, so
    /// they agree to within a few nanoseconds; a reading a few ticks earlier
    /// than one already seen is what every primitive expects from a shared
    /// clock (an earlier `now` never makes it more permissive).
    #[derive(Clone, Debug)]
    pub struct QuantaClock {
        clock: quanta::Clock,
        /// quanta's raw reading and its scaled instant at tick 0.
        origin_raw: u64,
        origin: quanta::Instant,
    }

    impl QuantaClock {
        /// A clock whose tick 0 is now.
        #[must_use]
        pub fn new() -> Self {
            let clock = quanta::Clock::new();
            let origin_raw = clock.raw();
            let origin = clock.scaled(origin_raw);
            Self {
                clock,
                origin_raw,
                origin,
            }
        }

        /// Ticks (nanoseconds) since this clock was created, read now: one
        /// counter read and a multiply-and-shift.
        #[inline]
        #[must_use]
        pub fn now(&self) -> u64 {
            self.clock.delta_as_nanos(self.origin_raw, self.clock.raw())
        }

        /// Ticks (nanoseconds) as of quanta's recent time: one atomic load,
        /// as fresh as the upkeep thread's period. Until the upkeep thread
        /// has run (quanta's recent time is then 0) it reads the clock, as
        /// [`now`](Self::now) does.
        #[inline]
        #[must_use]
        pub fn recent(&self) -> u64 {
            let recent = self.clock.recent();
            if recent < self.origin {
                return self.now();
            }
            u64::try_from(recent.saturating_duration_since(self.origin).as_nanos())
                .unwrap_or(u64::MAX)
        }

        /// Starts quanta's upkeep thread, which refreshes the recent time
        /// every `interval`; it runs until the returned handle is dropped.
        ///
        /// # Errors
        ///
        /// quanta's, when an upkeep thread is already running or the thread
        /// cannot be spawned.
        pub fn start_upkeep(
            interval: std::time::Duration,
        ) -> Result<quanta::Handle, quanta::Error> {
            quanta::Upkeep::new(interval).start()
        }
    }

    impl Default for QuantaClock {
        fn default() -> Self {
            Self::new()
        }
    }
}

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
    use super::{SharedTickExtender, TickExtender};

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

    /// Why a `TickExtender` serves one context only.
    #[test]
    fn separate_extenders_of_one_counter_disagree_by_whole_wraps() {
        // The thread's extender sees the wrap; a handler's, first fed after
        // it, is 2^32 ticks behind for good.
        let mut thread = TickExtender::new();
        let mut handler = TickExtender::new();
        assert_eq!(thread.extend(u32::MAX - 9), u64::from(u32::MAX) - 9);
        assert_eq!(thread.extend(5), (1 << 32) + 5);
        assert_eq!(handler.extend(5), 5);
        for raw in [100, 1 << 31, u32::MAX, 7] {
            assert_eq!(thread.extend(raw) - handler.extend(raw), 1 << 32);
        }
        // One extender fed a late reading (a context pre-empted between
        // reading the counter and feeding it) jumps almost a wrap ahead.
        let mut locked = TickExtender::new();
        assert_eq!(locked.extend(1_000), 1_000);
        assert_eq!(locked.extend(990), (1 << 32) + 990);
    }

    #[test]
    fn one_shared_extender_gives_every_context_the_same_ticks() {
        let clock = SharedTickExtender::new();
        assert_eq!(clock.extend(u32::MAX - 9), u64::from(u32::MAX) - 9);
        assert_eq!(clock.extend(5), (1 << 32) + 5); // the thread sees the wrap
        assert_eq!(clock.extend(5), (1 << 32) + 5); // a handler, fed after it
        assert_eq!(clock.extend(100), (1 << 32) + 100);
        assert_eq!(clock.last(), (1 << 32) + 100);
    }

    #[test]
    fn a_late_reading_is_the_earlier_tick_it_stands_for() {
        let clock = SharedTickExtender::new();
        assert_eq!(clock.extend(1_000), 1_000);
        assert_eq!(clock.extend(990), 990);
        assert_eq!(clock.last(), 1_000);
        // Across a wrap: read before it, fed after a reading past it.
        assert_eq!(clock.extend(u32::MAX), u64::from(u32::MAX));
        assert_eq!(clock.extend(10), (1 << 32) + 10);
        assert_eq!(clock.extend(u32::MAX - 5), u64::from(u32::MAX) - 5);
        assert_eq!(clock.last(), (1 << 32) + 10);
        // Up to 2^31 behind is late; further is ahead (fed too seldom).
        let behind = ((1 << 32) + 10) - (1 << 31);
        assert_eq!(clock.extend(behind as u32), behind);
        assert_eq!(clock.extend(behind as u32 - 1), behind - 1 + (1 << 32));
    }

    #[test]
    fn a_shared_extender_counts_its_first_reading_forward_and_saturates() {
        // Nothing is before tick 0: a first reading above 2^31 is not late.
        let clock = SharedTickExtender::default();
        assert_eq!(clock.extend(u32::MAX), u64::from(u32::MAX));
        assert_eq!(clock.extend(0), 1 << 32);
        let near_end = SharedTickExtender {
            last: super::Mutex::new(core::cell::Cell::new(u64::MAX - 3)),
        };
        assert_eq!(near_end.extend(10), u64::MAX);
        assert_eq!(near_end.extend(20), u64::MAX);
        assert_eq!(near_end.extend(u32::MAX - 1), u64::MAX - 1);
        assert!(std::format!("{near_end:?}").contains("SharedTickExtender"));
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

    #[cfg(feature = "quanta")]
    #[test]
    fn quanta_clock_is_monotonic_and_counts_nanoseconds() {
        use super::QuantaClock;
        let clock = QuantaClock::new();
        let a = clock.now();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = clock.now();
        assert!(b >= a + 2_000_000, "{a} then {b}");
        // Without an upkeep thread quanta's recent time is 0: it reads the
        // clock instead.
        assert!(clock.recent() >= b);
        // With one, it follows the clock at the upkeep's resolution.
        let upkeep = QuantaClock::start_upkeep(std::time::Duration::from_millis(1));
        assert!(upkeep.is_ok());
        std::thread::sleep(std::time::Duration::from_millis(20));
        let recent = clock.recent();
        let now = clock.now();
        assert!(recent >= b && recent <= now, "{b} {recent} {now}");
        assert!(
            now - recent < 50_000_000,
            "{recent} lags {now} by over 50 ms"
        );
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
