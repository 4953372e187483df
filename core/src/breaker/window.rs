//! The sliding windows a breaker judges rates on: the last `N` calls, and
//! `B` time buckets. Both keep running sums, so recording a call costs the
//! same whatever the window's size.
//!
//! # Consistency
//!
//! Each outcome changes its slot (or bucket) and the running sums with
//! separate atomic operations, paired so that once no call is being recorded
//! the sums equal the window's contents exactly, whatever the interleaving.
//! While calls are being recorded a reader may see a sum that is off by the
//! number of recordings in progress; a sum caught below zero reads as 0,
//! so a transient can only hide a failure, never invent one beyond those in
//! progress.
//!
//! Two races leave a lasting mark, each bounded by the reports in flight:
//! a call recorded into a time bucket at the instant a concurrent call
//! moves the head and empties that bucket can be lost (a lost success
//! raises the failure rate by that one call) or lose its failed or slow
//! mark (counted as a plain success), but a mark is never kept without its
//! call; and an outcome whose report overlaps a reset, or a close after a
//! whole open period, can land in the emptied windows.

use crate::arith::{div_to_u32, div_u64};
use crate::sync::{AtomicU32, AtomicU8, StateWord, ACQ_REL, RELAXED, SEQ_CST};

/// One outcome, as kept in a count-window slot.
pub(crate) const FILLED: u8 = 0b100;
/// The call failed.
pub(crate) const FAILED: u8 = 0b001;
/// The call was slow.
pub(crate) const SLOW: u8 = 0b010;

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

/// Running sums: calls, failures, slow calls.
pub(crate) struct Sums {
    calls: AtomicU32,
    failures: AtomicU32,
    slow: AtomicU32,
}

const_unless_loom! {
    fn new_u32() -> AtomicU32 {
        AtomicU32::new(0)
    }
}

#[cfg(loom)]
fn new_u8() -> AtomicU8 {
    AtomicU8::new(0)
}

impl Sums {
    const_unless_loom! {
        pub(crate) fn new() -> Self {
            Self {
                calls: new_u32(),
                failures: new_u32(),
                slow: new_u32(),
            }
        }
    }

    /// Adds one outcome; returns the calls counted after it.
    ///
    /// The marks first, then the call, so an expiry that takes the call
    /// takes the marks too: see [`TimeWindow::expire`].
    ///
    /// Sums are added and read sequentially consistent (on x86_64 the same
    /// instructions as relaxed): a failure and a success recorded at once
    /// must not both judge a window without the other's addition, or
    /// neither would trip a breaker that any sequential order trips.
    fn add(&self, code: u8) -> u32 {
        if code & FAILED != 0 {
            self.failures.fetch_add(1, SEQ_CST);
        }
        if code & SLOW != 0 {
            self.slow.fetch_add(1, SEQ_CST);
        }
        self.calls.fetch_add(1, SEQ_CST).wrapping_add(1)
    }

    fn read(&self) -> WindowStats {
        // A sum above i32::MAX is one caught below zero (see the module docs).
        let clamp = |v: u32| if v > i32::MAX as u32 { 0 } else { v };
        WindowStats {
            calls: clamp(self.calls.load(SEQ_CST)),
            failures: clamp(self.failures.load(SEQ_CST)),
            slow: clamp(self.slow.load(SEQ_CST)),
        }
    }
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
            cursor: new_u32(),
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
        let old = slot.swap(code, RELAXED);
        self.account(old, code) == Some(minimum)
    }

    /// Adjusts the sums for one slot going from `old` to `new`; returns the
    /// call count if this added a call.
    fn account(&self, old: u8, new: u8) -> Option<u32> {
        let sums = &self.sums;
        let mut calls = None;
        for (bit, sum) in [
            (FILLED, &sums.calls),
            (FAILED, &sums.failures),
            (SLOW, &sums.slow),
        ] {
            match (old & bit != 0, new & bit != 0) {
                (false, true) => {
                    let before = sum.fetch_add(1, SEQ_CST);
                    if bit == FILLED {
                        calls = Some(before.wrapping_add(1));
                    }
                }
                (true, false) => {
                    sum.fetch_sub(1, SEQ_CST);
                }
                _ => {}
            }
        }
        calls
    }

    /// Empties the window: `N` swaps, done only when the breaker closes.
    pub(crate) fn clear(&self) {
        for slot in &self.slots {
            let old = slot.swap(0, RELAXED);
            if old != 0 {
                let _ = self.account(old, 0);
            }
        }
        self.cursor.store(0, RELAXED);
    }

    pub(crate) fn stats(&self) -> WindowStats {
        self.sums.read()
    }
}

/// One time bucket's counts.
struct Bucket {
    sums: Sums,
}

/// Sequence numbers of buckets fit in this many bits of the head word; the
/// low 16 bits hold the head bucket's position.
const SEQUENCE_BITS: u32 = 48;
const SEQUENCE_MAX: u64 = (1 << SEQUENCE_BITS) - 1;

/// `B` buckets of `width` ticks, the newest at the head.
pub(crate) struct TimeWindow<const B: usize> {
    /// `sequence << 16 | position`: bucket number `sequence` (ticks
    /// `sequence × width ..`) is at index `position`.
    head: StateWord,
    buckets: [Bucket; B],
    sums: Sums,
}

impl<const B: usize> TimeWindow<B> {
    #[cfg(not(loom))]
    pub(crate) const fn new() -> Self {
        Self {
            head: StateWord::new(0),
            buckets: [const { Bucket { sums: Sums::new() } }; B],
            sums: Sums::new(),
        }
    }

    #[cfg(loom)]
    pub(crate) fn new() -> Self {
        Self {
            head: StateWord::new(0),
            buckets: core::array::from_fn(|_| Bucket { sums: Sums::new() }),
            sums: Sums::new(),
        }
    }

    /// Records one outcome at `now` in buckets `width` ticks wide; true if
    /// this brought the window to `minimum` calls.
    ///
    /// Within the head bucket this is a load and two to four additions. The
    /// first call past the head bucket moves the head, expiring the `k`
    /// buckets it passes (`k ≤ B`): once per bucket width at most. A `now`
    /// before the head bucket (a clock that went back) counts in the head.
    #[inline]
    pub(crate) fn record(&self, now: u64, width: u64, code: u8, minimum: u32) -> bool {
        // No buckets, or a width of 0: the time window is unused.
        if B == 0 || width == 0 {
            return false;
        }
        let position = self.advance(now, width);
        // Sums first, then the bucket: an expiry only ever subtracts what a
        // bucket holds, which the sums already counted, so they never dip.
        let calls = self.sums.add(code);
        if let Some(bucket) = self.buckets.get(position) {
            bucket.sums.add(code);
        }
        calls == minimum
    }

    /// Moves the head to the bucket holding `now` if it is past the head
    /// bucket; returns the head's position.
    #[inline]
    fn advance(&self, now: u64, width: u64) -> usize {
        let head = self.head.load();
        let end = (head >> 16).saturating_add(1).saturating_mul(width);
        if now < end {
            return usize::try_from(head & 0xFFFF).unwrap_or(0);
        }
        self.rotate(head, now, width)
    }

    /// The head bucket ends at or before `now`: moves it (or finds that
    /// another call did).
    #[inline(never)]
    fn rotate(&self, mut head: u64, now: u64, width: u64) -> usize {
        loop {
            let sequence = head >> 16;
            let position = usize::try_from(head & 0xFFFF).unwrap_or(0);
            let end = sequence.saturating_add(1).saturating_mul(width);
            if now < end {
                return position;
            }
            let target = div_u64(now, width).min(SEQUENCE_MAX);
            let Some(passed) = target.checked_sub(sequence).filter(|&k| k > 0) else {
                // Time beyond 2⁴⁸ buckets: the head stays where it is.
                return position;
            };
            let (next, expire) = match usize::try_from(passed) {
                Ok(k) if k < B => {
                    let raw = position.saturating_add(k);
                    (if raw >= B { raw.wrapping_sub(B) } else { raw }, k)
                }
                _ => (position, B),
            };
            let Ok(next_bits) = u64::try_from(next) else {
                return position;
            };
            match self.head.compare_exchange(head, target << 16 | next_bits) {
                Ok(_) => {
                    if expire == B {
                        self.clear();
                    } else {
                        // The `expire` buckets after the old head, ending
                        // with the new head.
                        for step in 1..=expire {
                            let raw = position.saturating_add(step);
                            self.expire(if raw >= B { raw.wrapping_sub(B) } else { raw });
                        }
                    }
                    return next;
                }
                Err(actual) => head = actual,
            }
        }
    }

    /// Empties bucket `index` into nothing, taking its counts off the sums.
    ///
    /// Calls first (acquiring), then the failed and slow marks, the reverse
    /// of [`Sums::add`]. A call recorded into the bucket meanwhile is either
    /// taken whole, kept whole, or kept without its marks (counted as a
    /// plain success): never a mark without its call, which could make one
    /// success look like a 100 % failure rate. It can also be taken whole,
    /// that is lost: the head moved past it as it was recorded.
    fn expire(&self, index: usize) {
        let Some(bucket) = self.buckets.get(index) else {
            return;
        };
        let calls = bucket.sums.calls.swap(0, ACQ_REL);
        if calls != 0 {
            self.sums.calls.fetch_sub(calls, RELAXED);
        }
        for (from, to) in [
            (&bucket.sums.failures, &self.sums.failures),
            (&bucket.sums.slow, &self.sums.slow),
        ] {
            let count = from.swap(0, RELAXED);
            if count != 0 {
                to.fetch_sub(count, RELAXED);
            }
        }
    }

    /// Empties every bucket and moves the head to the bucket holding `now`,
    /// forwards or back (an operator's reset).
    pub(crate) fn reset(&self, now: u64, width: u64) {
        self.clear();
        if B > 0 && width > 0 {
            self.head.store(div_u64(now, width).min(SEQUENCE_MAX) << 16);
        }
    }

    /// Empties every bucket: `B` expiries, done only when the breaker closes.
    pub(crate) fn clear(&self) {
        for index in 0..B {
            self.expire(index);
        }
    }

    pub(crate) fn stats(&self) -> WindowStats {
        self.sums.read()
    }
}
