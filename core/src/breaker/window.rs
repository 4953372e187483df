//! The sliding windows a breaker judges rates on: the last `N` calls, and
//! `B` time buckets. Both keep running sums, so recording a call costs the
//! same whatever the window's size.
//!
//! # Consistency: one word per sum
//!
//! A window's calls, failures and slow calls are packed into one 64-bit
//! word ([`Sums`]), and so is each time bucket's. Every change to a window
//! is one atomic addition or subtraction of whole outcomes, and every
//! reading is one load: a judge never sees the failures of one moment over
//! the calls of another, so the failures it sees never exceed the calls
//! they belong to, and every rate it judges is the rate of a set of
//! outcomes that were really recorded.
//!
//! Adding comes before removing: a count-window call adds its outcome to the
//! sums, then swaps it into its slot, then subtracts the outcome it
//! displaced; a time-window call adds to the sums, then to its bucket, and
//! an expiry swaps the bucket empty, then subtracts what it held. So no
//! field ever dips below zero, and while calls are in flight a reading can
//! hold up to one outcome more per call in flight (the new one and the one
//! it displaces, both real): once no call is being recorded the sums equal
//! the window's contents exactly.
//!
//! The call that moves the time window's head notes what the new head
//! bucket holds, publishes the new head, empties the buckets it passed and
//! takes only the noted contents off the new head bucket, so a call added
//! there meanwhile stays. One race leaves a lasting mark, bounded by the
//! calls in flight: a call that read the head before a move and is added
//! to its bucket afterwards counts in that bucket, which can be the new
//! head's (a jump of `B` buckets or more) or one that expires earlier.
//!
//! # Capacity
//!
//! The word holds 22 bits of calls and 21 each of failures and slow calls.
//! A count window has at most 2²⁰ slots (checked with the config). A
//! time window holds at most [`TIME_WINDOW_CALLS`] calls: a call that finds
//! it full is not recorded (its outcome is dropped, as if sampled) until
//! buckets expire. The headroom above both limits absorbs the calls in
//! flight, so no field can carry into the next.

use crate::arith::{div_to_u32, div_u64};
use crate::sync::{AtomicU32, AtomicU8, StateWord, ACQ_REL, RELAXED};

/// One outcome, as kept in a count-window slot.
pub(crate) const FILLED: u8 = 0b100;
/// The call failed.
pub(crate) const FAILED: u8 = 0b001;
/// The call was slow.
pub(crate) const SLOW: u8 = 0b010;

/// The most calls a time window records (2²⁰); see the module docs.
pub const TIME_WINDOW_CALLS: u32 = 1 << 20;

/// Calls, failures and slow calls in a window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct WindowStats {
    /// Calls recorded (ignored outcomes are not calls).
    pub calls: u32,
    /// Of which failed.
    pub failures: u32,
    /// Of which were slow.
    pub slow: u32,
}

impl WindowStats {
    /// Failed calls per thousand calls, rounded down; `None` with no calls.
    #[must_use]
    pub fn failure_rate(self) -> Option<u16> {
        Self::permille(self.failures, self.calls)
    }

    /// Slow calls per thousand calls, rounded down; `None` with no calls.
    #[must_use]
    pub fn slow_call_rate(self) -> Option<u16> {
        Self::permille(self.slow, self.calls)
    }

    fn permille(count: u32, calls: u32) -> Option<u16> {
        if calls == 0 {
            return None;
        }
        let rate = div_to_u32(u64::from(count).saturating_mul(1_000), u64::from(calls));
        u16::try_from(rate.min(1_000)).ok()
    }

    /// Whether `threshold` permille (0 = off) of at least `minimum` calls is
    /// reached by `count`.
    #[inline]
    pub(crate) fn reaches(self, count: u32, threshold: u16, minimum: u32) -> bool {
        threshold != 0
            && self.calls >= minimum
            && u64::from(count).saturating_mul(1_000)
                >= u64::from(threshold).saturating_mul(u64::from(self.calls))
    }
}

/// Bits of a packed sums word: calls in bits 0..22, failures in 22..43,
/// slow calls in 43..64.
const FAILURES_SHIFT: u32 = 22;
const SLOW_SHIFT: u32 = 43;
const CALLS_MASK: u64 = (1 << FAILURES_SHIFT) - 1;
const FAILURES_MASK: u64 = (1 << (SLOW_SHIFT - FAILURES_SHIFT)) - 1;

/// One outcome (`FILLED` plus `FAILED` and `SLOW` bits) as a packed
/// addition: 0 for an empty slot. A table of the eight codes: one load on
/// the hot path instead of three tests and shifts.
#[inline]
fn packed(code: u8) -> u64 {
    PACKED.get(usize::from(code & 0b111)).copied().unwrap_or(0)
}

// Evaluated at compile time: an index out of range would fail the build.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const PACKED: [u64; 8] = {
    let mut table = [0; 8];
    let mut code: u8 = 0;
    while code < 8 {
        table[code as usize] = (code & FILLED != 0) as u64
            | ((code & FAILED != 0) as u64) << FAILURES_SHIFT
            | ((code & SLOW != 0) as u64) << SLOW_SHIFT;
        code += 1;
    }
    table
};

/// Calls, failures and slow calls in one word: every change is one atomic
/// addition or subtraction and every reading one load (the module docs).
pub(crate) struct Sums(StateWord);

impl Sums {
    const_unless_loom! {
        pub(crate) fn new() -> Self {
            Self(StateWord::new(0))
        }
    }

    /// Adds `packed`; returns the sums before.
    #[inline]
    fn add(&self, packed: u64) -> u64 {
        self.0.fetch_add(packed)
    }

    /// Takes `packed`, which this window holds, off the sums.
    #[inline]
    fn sub(&self, packed: u64) {
        self.0.fetch_sub(packed);
    }

    /// Empties the sums; returns what they held.
    #[inline]
    fn take(&self) -> u64 {
        self.0.swap(0)
    }

    #[inline]
    pub(crate) fn read(&self) -> WindowStats {
        unpack(self.0.load())
    }
}

/// The calls field of a packed word.
#[inline]
#[allow(clippy::cast_possible_truncation)] // masked to 22 bits
const fn calls(packed: u64) -> u32 {
    (packed & CALLS_MASK) as u32
}

#[allow(clippy::cast_possible_truncation)] // each field masked to 22 or 21 bits
const fn unpack(packed: u64) -> WindowStats {
    WindowStats {
        calls: calls(packed),
        failures: (packed >> FAILURES_SHIFT & FAILURES_MASK) as u32,
        slow: (packed >> SLOW_SHIFT) as u32,
    }
}

#[cfg(loom)]
fn new_u8() -> AtomicU8 {
    AtomicU8::new(0)
}

/// The last `N` calls, one byte each.
pub(crate) struct CountWindow<const N: usize> {
    slots: [AtomicU8; N],
    /// Calls recorded since the last clear; the next slot is `cursor % N`.
    /// Wraps after 2³² calls, which moves the slot sequence once (harmless:
    /// every slot still holds a recent outcome).
    cursor: AtomicU32,
    sums: Sums,
}

impl<const N: usize> CountWindow<N> {
    #[cfg(not(loom))]
    pub(crate) const fn new() -> Self {
        Self {
            slots: [const { AtomicU8::new(0) }; N],
            cursor: AtomicU32::new(0),
            sums: Sums::new(),
        }
    }

    #[cfg(loom)]
    pub(crate) fn new() -> Self {
        Self {
            slots: core::array::from_fn(|_| new_u8()),
            cursor: AtomicU32::new(0),
            sums: Sums::new(),
        }
    }

    /// Records one outcome (`FILLED` plus `FAILED` and `SLOW` bits), in place
    /// of the oldest. True if this brought the window to `minimum` calls.
    #[inline]
    pub(crate) fn record(&self, code: u8, minimum: u32) -> bool {
        if N == 0 {
            return false;
        }
        let position = usize::try_from(self.cursor.fetch_add(1, RELAXED))
            .unwrap_or(0)
            .checked_rem(N)
            .unwrap_or(0);
        let Some(slot) = self.slots.get(position) else {
            return false;
        };
        // The usual case when healthy: the same outcome as N calls ago.
        if slot.load(RELAXED) == code {
            return false;
        }
        // Add, then displace, then remove (the module docs): acquire and
        // release on the slot order a displaced outcome's addition before
        // its removal.
        let before = self.sums.add(packed(code));
        let old = slot.swap(code, ACQ_REL);
        if old != 0 {
            self.sums.sub(packed(old));
            return false;
        }
        calls(before).wrapping_add(1) == minimum
    }

    /// Empties the window: `N` swaps, done only when the breaker closes.
    pub(crate) fn clear(&self) {
        for slot in &self.slots {
            let old = slot.swap(0, ACQ_REL);
            if old != 0 {
                self.sums.sub(packed(old));
            }
        }
        self.cursor.store(0, RELAXED);
    }

    pub(crate) fn stats(&self) -> WindowStats {
        self.sums.read()
    }
}

/// The head word holds a bucket sequence number modulo 2⁴⁷ in bits 17..64,
/// a clock-fault flag in bit 15 and the head bucket's position (below
/// [`MAX_BUCKETS`](super::MAX_BUCKETS) = 2¹⁵) in bits 0..15.
const SEQUENCE_SHIFT: u32 = 17;
const SEQUENCE_MASK: u64 = (1 << (64 - SEQUENCE_SHIFT)) - 1;
/// Set by a reading more than the window's span behind the head: the next
/// reading decides whether it was a clock fault (see [`TimeWindow`]).
const SUSPECT: u64 = 1 << 15;
const POSITION_MASK: u64 = SUSPECT - 1;

/// Whose `now` moves the time window's head.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// A call's: judged by the clock-fault rule (see [`TimeWindow`]).
    Call,
    /// A snapshot's: an observation, not a reading for the clock-fault
    /// rule. It moves the head forward as a call would, and otherwise
    /// leaves the head (and its mark) as it is.
    Snapshot,
}

/// `B` buckets of `width` ticks, the newest at the head.
///
/// Bucket `s` holds the calls of ticks `s × width ..`. The head's sequence
/// is kept modulo 2⁴⁷ and compared by distance, so the window slides on
/// past bucket 2⁴⁷ (from there on every call pays the division that finds
/// its bucket: 4.4 years into a clock of nanoseconds with 1 µs buckets).
///
/// # Time
///
/// - A `now` within the head bucket records there; past it, the head moves
///   forward and the buckets it passes expire (all of them after a jump of
///   `B` buckets or more, as after an idle spell).
/// - A `now` behind the head by at most `B` buckets (the window's span)
///   records in the head bucket: an earlier `now` never makes the window
///   forget what it holds.
/// - A `now` behind the head by more than the window's span is a clock
///   fault of one of the two readings. The first such reading records in
///   the head and marks the head *suspect*; if the next reading that moves
///   the head is also that far behind, the readings that moved the head
///   ahead were the fault: the head moves back to that `now`, keeping every
///   bucket (they expire as time passes from there). Any reading at or
///   ahead of the head clears the mark. So one far-future `now` costs what
///   an idle spell costs (the window empties once) and the window slides on
///   the sane clock from its second reading; one far-past `now` changes
///   nothing but the bucket it counts in.
/// - A snapshot ([`TimeWindow::stats_at`]) at a `now` past the head bucket
///   expires what that `now` has left behind, as a call would; it is not a
///   reading for the clock-fault rule, so a `now` behind the head neither
///   marks, clears nor moves it.
pub(crate) struct TimeWindow<const B: usize> {
    /// `sequence << 17 | suspect | position`: bucket number `sequence`
    /// (modulo 2⁴⁷) is at index `position`.
    head: StateWord,
    buckets: [Sums; B],
    sums: Sums,
}

impl<const B: usize> TimeWindow<B> {
    #[cfg(not(loom))]
    pub(crate) const fn new() -> Self {
        Self {
            head: StateWord::new(0),
            buckets: [const { Sums::new() }; B],
            sums: Sums::new(),
        }
    }

    #[cfg(loom)]
    pub(crate) fn new() -> Self {
        Self {
            head: StateWord::new(0),
            buckets: core::array::from_fn(|_| Sums::new()),
            sums: Sums::new(),
        }
    }

    /// Records one outcome at `now` in buckets `width` ticks wide; true if
    /// this brought the window to `minimum` calls.
    ///
    /// Within the head bucket this is a load and two additions. The first
    /// call past the head bucket moves the head, expiring the `k` buckets
    /// it passes (`k ≤ B`): once per bucket width at most.
    #[inline]
    pub(crate) fn record(&self, now: u64, width: u64, code: u8, minimum: u32) -> bool {
        // No buckets, or a width of 0: the time window is unused.
        if B == 0 || width == 0 {
            return false;
        }
        let position = self.advance(now, width, Reading::Call);
        let outcome = packed(code);
        // Sums first, then the bucket: an expiry only ever subtracts what a
        // bucket holds, which the sums counted before it.
        let before = self.sums.add(outcome);
        if calls(before) >= TIME_WINDOW_CALLS {
            // Full: this call is not recorded (the module docs).
            self.sums.sub(outcome);
            return false;
        }
        if let Some(bucket) = self.buckets.get(position) {
            bucket.add(outcome);
        }
        calls(before).wrapping_add(1) == minimum
    }

    /// Moves the head to the bucket holding `now` if that is not the head
    /// bucket, as `reading` may; returns the head's position.
    #[inline]
    fn advance(&self, now: u64, width: u64, reading: Reading) -> usize {
        let head = self.head.load();
        // The sequence is below 2⁴⁷ and at most `now / width`, so the
        // product does not overflow; past bucket 2⁴⁷ it is too small and
        // every call takes `rotate`.
        let start = (head >> SEQUENCE_SHIFT).wrapping_mul(width);
        if now.checked_sub(start).is_some_and(|into| into < width) && head & SUSPECT == 0 {
            return usize::try_from(head & POSITION_MASK).unwrap_or(0);
        }
        self.rotate(head, now, width, reading)
    }

    /// `now` is outside the head bucket, or the head is flagged: moves the
    /// head forward, keeps it, or (a call's reading only) moves it back
    /// after a clock fault.
    #[inline(never)]
    fn rotate(&self, mut head: u64, now: u64, width: u64, reading: Reading) -> usize {
        let observing = reading == Reading::Snapshot;
        let target = div_u64(now, width) & SEQUENCE_MASK;
        let span = u64::try_from(B).unwrap_or(u64::MAX);
        let at = |position: usize| u64::try_from(position).unwrap_or(0);
        loop {
            let sequence = head >> SEQUENCE_SHIFT;
            let position = usize::try_from(head & POSITION_MASK).unwrap_or(0);
            let ahead = target.wrapping_sub(sequence) & SEQUENCE_MASK;
            let behind = sequence.wrapping_sub(target) & SEQUENCE_MASK;
            let next = if ahead == 0 || (behind <= ahead && behind <= span) {
                // The head bucket, or before it within the window's span:
                // counted in the head, which is no longer suspect.
                if head & SUSPECT == 0 || observing {
                    return position;
                }
                head & !SUSPECT
            } else if ahead < behind {
                // Forward: the buckets it passes expire (all of them after
                // `B` or more).
                let (to, expire) = match usize::try_from(ahead) {
                    Ok(k) if k < B => {
                        let raw = position.saturating_add(k);
                        (if raw >= B { raw.wrapping_sub(B) } else { raw }, k)
                    }
                    _ => (position, B),
                };
                // What the new head bucket holds before the move: calls can
                // be added to it from the moment the new head is published,
                // so only this is taken off afterwards.
                let stale = self.buckets.get(to).map_or(0, |bucket| bucket.0.load());
                let moved = target << SEQUENCE_SHIFT | at(to);
                if let Err(actual) = self.head.compare_exchange(head, moved) {
                    head = actual;
                    continue;
                }
                // The buckets passed, then the new head's old contents (after
                // a jump of `B` or more, the new head is the old head's slot).
                for step in 1..expire {
                    let raw = position.saturating_add(step);
                    self.expire(if raw >= B { raw.wrapping_sub(B) } else { raw });
                }
                self.remove(to, stale);
                return to;
            } else if observing {
                // Far behind: a snapshot reads the window as it stands.
                return position;
            } else if head & SUSPECT == 0 {
                // Far behind, for the first time: counted in the head.
                head | SUSPECT
            } else {
                // Far behind again: the readings ahead were the fault. The
                // head moves back, keeping every bucket.
                target << SEQUENCE_SHIFT | at(position)
            };
            match self.head.compare_exchange(head, next) {
                Ok(_) => return usize::try_from(next & POSITION_MASK).unwrap_or(0),
                Err(actual) => head = actual,
            }
        }
    }

    /// Takes `stale`, what bucket `index` held before it became the head,
    /// off the bucket and the sums, leaving the calls added since. If the
    /// bucket no longer holds it (a clear came between), it was taken off
    /// already.
    fn remove(&self, index: usize, stale: u64) {
        let Some(bucket) = self.buckets.get(index) else {
            return;
        };
        if stale == 0 {
            return;
        }
        let (old, held) = (unpack(stale), &bucket.0);
        let mut current = held.load();
        loop {
            let now = unpack(current);
            if now.calls < old.calls || now.failures < old.failures || now.slow < old.slow {
                return;
            }
            match held.compare_exchange(current, current.wrapping_sub(stale)) {
                Ok(_) => {
                    self.sums.sub(stale);
                    return;
                }
                Err(actual) => current = actual,
            }
        }
    }

    /// Empties bucket `index`, taking what it held off the sums.
    fn expire(&self, index: usize) {
        let Some(bucket) = self.buckets.get(index) else {
            return;
        };
        let held = bucket.take();
        if held != 0 {
            self.sums.sub(held);
        }
    }

    /// Empties every bucket and moves the head to the bucket holding `now`,
    /// forwards or back (an operator's reset).
    pub(crate) fn reset(&self, now: u64, width: u64) {
        self.clear();
        if B > 0 && width > 0 {
            self.head
                .store((div_u64(now, width) & SEQUENCE_MASK) << SEQUENCE_SHIFT);
        }
    }

    /// Empties every bucket: `B` expiries, done only when the breaker closes.
    pub(crate) fn clear(&self) {
        for index in 0..B {
            self.expire(index);
        }
    }

    /// The window as it stands.
    pub(crate) fn stats(&self) -> WindowStats {
        self.sums.read()
    }

    /// The window as of `now`, in buckets `width` ticks wide: the buckets
    /// `now` has left behind expire first, as a call at `now` would expire
    /// them. Not a reading for the clock-fault rule: a `now` behind the
    /// head changes nothing, and the window is read as it stands.
    pub(crate) fn stats_at(&self, now: u64, width: u64) -> WindowStats {
        if B > 0 && width > 0 {
            let _ = self.advance(now, width, Reading::Snapshot);
        }
        self.stats()
    }
}
