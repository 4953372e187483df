//! The one place that decides how shared state is held: 64-bit state words
//! and the 8- and 32-bit atomics of the breaker's windows.
//!
//! | build | `StateWord` is | lock-free |
//! |---|---|---|
//! | targets with 64-bit atomics (x86_64, aarch64, riscv64) | `AtomicU64`, compare-and-swap loop | yes |
//! | targets without (thumbv6m, thumbv7em, riscv32imc, ...) | `u64` inside `critical_section::Mutex` | no: interrupts masked for a few instructions, never a spinlock |
//! | `cfg(loom)` | `loom::sync::atomic::AtomicU64` | modelled |
//!
//! A spinlock (what a generic 64-bit atomic fallback uses on 32-bit targets)
//! deadlocks when an interrupt handler spins on a lock its own thread holds,
//! so it is never used: the critical section is the interrupt-safe fallback,
//! and the application chooses its implementation.
//!
//! 8- and 32-bit atomics ([`AtomicU8`], [`AtomicU32`]) come from
//! portable-atomic: native where the target has compare-and-swap (x86_64,
//! aarch64, thumbv7m/v7em, riscv32imac), a critical section where it has
//! none (thumbv6m, riscv32imc), and loom's under `cfg(loom)`.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicU32, AtomicU8};
#[cfg(not(loom))]
pub(crate) use portable_atomic::{AtomicU32, AtomicU8};

/// Orderings: relaxed unless a module says why it needs more.
pub(crate) use ordering::{ACQ_REL, RELAXED};

/// Replaces the value `v` of `cell` with `f(v)` by a compare-and-swap loop
/// (acquire and release when it succeeds) and returns `v`; when `f`
/// declines, returns `None` after an acquire fence, so that whatever the
/// writer of the declined value wrote before it is visible.
///
/// Loads are relaxed: portable-atomic's critical-section loads check their
/// ordering at run time, and once outlined (opt-level "z" on thumbv6m) that
/// check is a reachable panic unless every load in the crate is relaxed.
#[inline]
pub(crate) fn update_u32(cell: &AtomicU32, mut f: impl FnMut(u32) -> Option<u32>) -> Option<u32> {
    let mut current = cell.load(ordering::RELAXED);
    // The bugs `StateWord::update` plants (loom builds only; `cargo xtask
    // loom` shows the models catch them): a load and a store another thread
    // can come between, and a refusal that writes back what it read.
    #[cfg(all(loom, failwell_plant = "racy_update"))]
    {
        let next = f(current)?;
        cell.store(next, ordering::RELAXED);
        return Some(current);
    }
    #[cfg(all(loom, failwell_plant = "reject_writes"))]
    {
        if f(current).is_none() {
            cell.store(current, ordering::RELAXED);
            return None;
        }
    }
    #[allow(unreachable_code)]
    loop {
        let Some(next) = f(current) else {
            fence(ordering::ACQUIRE);
            return None;
        };
        match cell.compare_exchange(current, next, ordering::ACQ_REL, ordering::RELAXED) {
            Ok(previous) => return Some(previous),
            Err(actual) => current = actual,
        }
    }
}

#[cfg(not(loom))]
use core::sync::atomic::fence;
#[cfg(loom)]
use loom::sync::atomic::fence;

/// What a [`StateWord::update`] closure decided for the value it was given.
pub(crate) enum Step<E> {
    /// Replace the value with this one; the update succeeds.
    Write(u64),
    /// Write nothing; the update fails with this error.
    Refuse(E),
    /// Replace the value with this one, and fail with this error: a refusal
    /// that must still record something.
    WriteAndRefuse(u64, E),
}

/// A 64-bit word read and updated atomically.
pub(crate) struct StateWord {
    #[cfg(all(not(loom), target_has_atomic = "64"))]
    word: core::sync::atomic::AtomicU64,
    #[cfg(all(not(loom), not(target_has_atomic = "64")))]
    word: critical_section::Mutex<core::cell::Cell<u64>>,
    #[cfg(loom)]
    word: loom::sync::atomic::AtomicU64,
}

#[cfg(not(loom))]
impl StateWord {
    pub(crate) const fn new(value: u64) -> Self {
        Self {
            #[cfg(target_has_atomic = "64")]
            word: core::sync::atomic::AtomicU64::new(value),
            #[cfg(not(target_has_atomic = "64"))]
            word: critical_section::Mutex::new(core::cell::Cell::new(value)),
        }
    }
}

#[cfg(loom)]
impl StateWord {
    pub(crate) fn new(value: u64) -> Self {
        Self {
            word: loom::sync::atomic::AtomicU64::new(value),
        }
    }
}

#[cfg(any(loom, target_has_atomic = "64"))]
impl StateWord {
    /// The current value.
    #[inline]
    pub(crate) fn load(&self) -> u64 {
        // Relaxed: decisions depend on this one word only; no other memory is
        // published through it.
        self.word.load(ordering::RELAXED)
    }

    /// Raises the value to `value` if it is smaller; returns the previous value.
    #[inline]
    pub(crate) fn fetch_max(&self, value: u64) -> u64 {
        self.word.fetch_max(value, ordering::RELAXED)
    }

    /// Lowers the value to `value` if it is larger; returns the previous value.
    #[inline]
    pub(crate) fn fetch_min(&self, value: u64) -> u64 {
        self.word.fetch_min(value, ordering::RELAXED)
    }

    /// Replaces the value.
    #[inline]
    pub(crate) fn store(&self, value: u64) {
        self.word.store(value, ordering::RELAXED);
    }

    /// Adds `value` (wrapping); returns the previous value. Acquire and
    /// release, like every read-modify-write below.
    #[inline]
    pub(crate) fn fetch_add(&self, value: u64) -> u64 {
        #[cfg(all(loom, failwell_plant = "racy_update"))]
        return self.racy(|v| v.wrapping_add(value));
        #[allow(unreachable_code)]
        self.word.fetch_add(value, ordering::ACQ_REL)
    }

    /// Subtracts `value` (wrapping); returns the previous value.
    #[inline]
    pub(crate) fn fetch_sub(&self, value: u64) -> u64 {
        #[cfg(all(loom, failwell_plant = "racy_update"))]
        return self.racy(|v| v.wrapping_sub(value));
        #[allow(unreachable_code)]
        self.word.fetch_sub(value, ordering::ACQ_REL)
    }

    /// Replaces the value; returns the previous value.
    #[inline]
    pub(crate) fn swap(&self, value: u64) -> u64 {
        #[cfg(all(loom, failwell_plant = "racy_update"))]
        return self.racy(|_| value);
        #[allow(unreachable_code)]
        self.word.swap(value, ordering::ACQ_REL)
    }

    /// The planted bug of `update`, for the other read-modify-writes: a
    /// load and a store that another thread can come between.
    #[cfg(all(loom, failwell_plant = "racy_update"))]
    fn racy(&self, f: impl FnOnce(u64) -> u64) -> u64 {
        let found = self.load();
        self.word.store(f(found), ordering::RELAXED);
        found
    }

    /// The current value, ordered before every later access: whatever was
    /// written before the [`compare_exchange`](Self::compare_exchange) that
    /// stored it is visible after this load.
    #[inline]
    pub(crate) fn load_acquire(&self) -> u64 {
        self.word.load(ordering::ACQUIRE)
    }

    /// Stores `new` if the value is `current`; returns the value found.
    /// Release on success (writes before it are visible to a
    /// [`load_acquire`](Self::load_acquire) that sees `new`), acquire always.
    #[inline]
    pub(crate) fn compare_exchange(&self, current: u64, new: u64) -> Result<u64, u64> {
        // The same planted bug as in `update`: a check and a store that
        // another thread can come between.
        #[cfg(all(loom, failwell_plant = "racy_update"))]
        {
            let found = self.load();
            if found != current {
                return Err(found);
            }
            self.word.store(new, ordering::RELAXED);
            return Ok(found);
        }
        #[allow(unreachable_code)]
        self.word
            .compare_exchange(current, new, ordering::ACQ_REL, ordering::ACQUIRE)
    }

    /// Replaces the value `v` as `f(v)` decides, atomically with respect to
    /// every other update: with the value of a [`Step::Write`] (returned), or
    /// of a [`Step::WriteAndRefuse`] (its error returned); a [`Step::Refuse`]
    /// writes nothing. `f` may run more than once under contention; the
    /// step of its last run is the one that takes effect.
    #[inline]
    pub(crate) fn update<E>(&self, mut f: impl FnMut(u64) -> Step<E>) -> Result<u64, E> {
        let mut current = self.load();
        // Bugs planted on purpose, only in loom builds, to show that the
        // loom models catch them (`cargo xtask loom` runs both).
        #[cfg(all(loom, failwell_plant = "racy_update"))]
        {
            let (next, result) = match f(current) {
                Step::Write(next) => (next, Ok(next)),
                Step::WriteAndRefuse(next, error) => (next, Err(error)),
                Step::Refuse(error) => return Err(error),
            };
            self.word.store(next, ordering::RELAXED);
            return result;
        }
        #[cfg(all(loom, failwell_plant = "reject_writes"))]
        if let Step::Refuse(error) = f(current) {
            self.word.store(current, ordering::RELAXED);
            return Err(error);
        }
        loop {
            // One compare-and-swap per kind of write, so that neither path
            // has to carry which one it was.
            current = match f(current) {
                Step::Write(next) => match self.compare_exchange_weak(current, next) {
                    Ok(()) => return Ok(next),
                    Err(actual) => actual,
                },
                Step::WriteAndRefuse(next, error) => {
                    match self.compare_exchange_weak(current, next) {
                        Ok(()) => return Err(error),
                        Err(actual) => actual,
                    }
                }
                Step::Refuse(error) => return Err(error),
            };
        }
    }

    /// Stores `new` if the value is `current`; may fail spuriously. Relaxed:
    /// see [`load`](Self::load).
    #[inline]
    fn compare_exchange_weak(&self, current: u64, new: u64) -> Result<(), u64> {
        self.word
            .compare_exchange_weak(current, new, ordering::RELAXED, ordering::RELAXED)
            .map(drop)
    }
}

#[cfg(all(not(loom), not(target_has_atomic = "64")))]
impl StateWord {
    /// The current value.
    #[inline]
    pub(crate) fn load(&self) -> u64 {
        critical_section::with(|cs| self.word.borrow(cs).get())
    }

    /// The current value (a critical section orders everything).
    #[inline]
    pub(crate) fn load_acquire(&self) -> u64 {
        self.load()
    }

    /// Stores `new` if the value is `current`; returns the value found.
    #[inline]
    pub(crate) fn compare_exchange(&self, current: u64, new: u64) -> Result<u64, u64> {
        critical_section::with(|cs| {
            let cell = self.word.borrow(cs);
            let found = cell.get();
            if found != current {
                return Err(found);
            }
            cell.set(new);
            Ok(found)
        })
    }

    /// Replaces the value.
    #[inline]
    pub(crate) fn store(&self, value: u64) {
        critical_section::with(|cs| self.word.borrow(cs).set(value));
    }

    /// Adds `value` (wrapping); returns the previous value.
    #[inline]
    pub(crate) fn fetch_add(&self, value: u64) -> u64 {
        self.modify(|v| v.wrapping_add(value))
    }

    /// Subtracts `value` (wrapping); returns the previous value.
    #[inline]
    pub(crate) fn fetch_sub(&self, value: u64) -> u64 {
        self.modify(|v| v.wrapping_sub(value))
    }

    /// Replaces the value; returns the previous value.
    #[inline]
    pub(crate) fn swap(&self, value: u64) -> u64 {
        self.modify(|_| value)
    }

    /// Replaces the value `v` with `f(v)` in one critical section; returns `v`.
    #[inline]
    fn modify(&self, f: impl FnOnce(u64) -> u64) -> u64 {
        critical_section::with(|cs| {
            let cell = self.word.borrow(cs);
            let previous = cell.get();
            cell.set(f(previous));
            previous
        })
    }

    /// Raises the value to `value` if it is smaller; returns the previous value.
    #[inline]
    pub(crate) fn fetch_max(&self, value: u64) -> u64 {
        self.replace_with(|previous| previous.max(value))
    }

    /// Lowers the value to `value` if it is larger; returns the previous value.
    #[inline]
    pub(crate) fn fetch_min(&self, value: u64) -> u64 {
        self.replace_with(|previous| previous.min(value))
    }

    /// Replaces the value `v` with `f(v)` inside one critical section;
    /// returns `v`.
    #[inline]
    fn replace_with(&self, f: impl FnOnce(u64) -> u64) -> u64 {
        critical_section::with(|cs| {
            let cell = self.word.borrow(cs);
            let previous = cell.get();
            cell.set(f(previous));
            previous
        })
    }

    /// Replaces the value `v` as `f(v)` decides, inside one critical
    /// section: with the value of a [`Step::Write`] (returned), or of a
    /// [`Step::WriteAndRefuse`] (its error returned); a [`Step::Refuse`]
    /// writes nothing.
    #[inline]
    pub(crate) fn update<E>(&self, f: impl FnOnce(u64) -> Step<E>) -> Result<u64, E> {
        critical_section::with(|cs| {
            let cell = self.word.borrow(cs);
            let (next, result) = match f(cell.get()) {
                Step::Write(next) => (next, Ok(next)),
                Step::WriteAndRefuse(next, error) => (next, Err(error)),
                Step::Refuse(error) => return Err(error),
            };
            cell.set(next);
            result
        })
    }
}

mod ordering {
    #[cfg(not(loom))]
    use core::sync::atomic::Ordering;
    #[cfg(loom)]
    use loom::sync::atomic::Ordering;

    pub(crate) const RELAXED: Ordering = Ordering::Relaxed;
    pub(crate) const ACQUIRE: Ordering = Ordering::Acquire;
    pub(crate) const ACQ_REL: Ordering = Ordering::AcqRel;
}
