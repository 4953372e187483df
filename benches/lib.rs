//! Shared pieces of failwell's benchmarks: the clock every limiter is given,
//! the peers' adapters, the bulkhead's acquire + release next to tokio's
//! semaphore, and a two-thread contention driver.
//!
//! The benchmarks themselves are this package's `[[bench]]` targets
//! (`cargo bench -p failwell-benches`), and `instructions` is a binary that
//! `cargo xtask bench` runs under callgrind to count instructions per call.

pub mod breakers;

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use failwell::bulkhead::{Bulkhead, Config as BulkheadConfig};
use failwell::{LimiterConfig, RateLimiter, Tier};

/// A clock shared by every limiter in a benchmark: nanoseconds in an
/// `AtomicU64`, read with one relaxed load and advanced with a relaxed
/// load + store (never a read-modify-write, which would dominate).
#[derive(Clone, Debug, Default)]
pub struct BenchClock(Arc<AtomicU64>);

impl BenchClock {
    /// Nanoseconds now.
    #[inline]
    pub fn now(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Moves the clock `by` nanoseconds forward (single writer only).
    #[inline]
    pub fn advance(&self, by: u64) {
        self.0.store(self.now().wrapping_add(by), Ordering::Relaxed);
    }
}

impl governor::clock::Clock for BenchClock {
    type Instant = governor::nanos::Nanos;
    #[inline]
    fn now(&self) -> Self::Instant {
        BenchClock::now(self).into()
    }
}

impl ratelock::Clock for BenchClock {
    #[inline]
    fn now_ns(&self) -> u64 {
        BenchClock::now(self)
    }
}

/// governor's direct (unkeyed) limiter on the bench clock.
pub type Governor = governor::RateLimiter<
    governor::state::NotKeyed,
    governor::state::InMemoryState,
    BenchClock,
    governor::middleware::NoOpMiddleware<governor::nanos::Nanos>,
>;

/// A failwell limiter admitting one unit per `interval` ns, bursts of `burst`.
pub fn new_failwell(interval: u64, burst: u32) -> RateLimiter {
    match RateLimiter::new(LimiterConfig::new(1, interval, burst)) {
        Ok(limiter) => limiter,
        Err(error) => panic!("failwell config refused: {error}"),
    }
}

/// A governor limiter admitting one cell per `interval` ns, bursts of `burst`.
pub fn new_governor(interval: u64, burst: u32, clock: &BenchClock) -> Governor {
    let quota = governor::Quota::with_period(Duration::from_nanos(interval))
        .map(|quota| quota.allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN)));
    match quota {
        Some(quota) => governor::RateLimiter::direct_with_clock(quota, clock.clone()),
        None => panic!("governor quota refused"),
    }
}

/// A ratelock limiter refilling one token per `interval` ns, capacity `burst`.
pub fn new_ratelock(
    interval: u64,
    burst: u64,
    clock: &BenchClock,
) -> ratelock::RateLimiter<BenchClock> {
    ratelock::RateLimiter::with_clock(burst, 1_000_000_000 / interval, clock.clone())
}

/// One failwell admission attempt of cost 1 at the clock's time.
#[inline]
pub fn failwell_acquire(limiter: &RateLimiter, clock: &BenchClock) -> bool {
    limiter.try_acquire(clock.now(), 1, Tier::Essential).is_ok()
}

/// The bulkhead the benchmarks measure: 64 calls in flight, a fixed limit.
pub const BULKHEAD_LIMIT: u32 = 64;

/// A failwell bulkhead of [`BULKHEAD_LIMIT`] slots, every tier sharing all of them.
pub fn new_bulkhead() -> Bulkhead {
    match Bulkhead::new(BulkheadConfig::new(BULKHEAD_LIMIT)) {
        Ok(bulkhead) => bulkhead,
        Err(error) => panic!("bulkhead config refused: {error}"),
    }
}

/// tokio's semaphore with [`BULKHEAD_LIMIT`] permits (`try_acquire` needs no
/// runtime).
pub fn new_semaphore() -> tokio::sync::Semaphore {
    tokio::sync::Semaphore::new(BULKHEAD_LIMIT as usize)
}

/// One Essential slot taken and freed (the permit dropped at once): whether
/// it was admitted. The fixed limit keeps no latency, so `now` is 0.
#[inline]
pub fn bulkhead_acquire_release(bulkhead: &Bulkhead) -> bool {
    bulkhead.try_acquire(0, Tier::Essential).is_ok()
}

/// One tokio permit taken and dropped: whether it was granted.
#[inline]
pub fn semaphore_acquire_release(semaphore: &tokio::sync::Semaphore) -> bool {
    semaphore.try_acquire().is_ok()
}

/// Runs `op` `iters` times on each of two threads, started together by a
/// barrier; returns the wall time from the start to the moment both are
/// done. Threads are spawned before the clock starts.
pub fn two_threads(iters: u64, op: &(dyn Fn() + Sync)) -> Duration {
    let start = Barrier::new(3);
    let end = Barrier::new(3);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                start.wait();
                for _ in 0..iters {
                    op();
                }
                end.wait();
            });
        }
        start.wait();
        let began = Instant::now();
        end.wait();
        began.elapsed()
    })
}
