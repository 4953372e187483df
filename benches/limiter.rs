//! The rate limiter next to its peers and the floor, in the same criterion
//! groups of one run: governor (`check`, `check_n`) and ratelock (`allow`,
//! `allow_n`), one relaxed atomic load and one `fetch_add`.
//!
//! Every limiter is built outside the timed closure and reads the same
//! injected clock ([`BenchClock`]), except in `real_clock`, where each uses
//! the clock its users get by default. `cargo xtask bench` runs this, repeats
//! the two-thread groups, and writes the tables into BENCHMARKS.md.
//!
//! `cargo bench -p failwell-benches --bench limiter`
#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::hint::black_box;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use failwell::{LimiterConfig, RateLimiter, Tier};
use failwell_benches::{
    failwell_acquire, new_failwell, new_governor, new_ratelock, two_threads, BenchClock,
};

/// Nanoseconds per admitted unit in the admit benchmarks; the clock advances
/// by exactly this much per call, so every call is admitted.
const STEP: u64 = 1_000;
const ONE: NonZeroU32 = NonZeroU32::MIN;

/// Runs `op` a thousand times and checks it always returns `expected`, so a
/// benchmark measures the path its name says.
fn check_path(name: &str, expected: bool, mut op: impl FnMut() -> bool) {
    for _ in 0..1_000 {
        assert_eq!(op(), expected, "{name}: wrong path");
    }
}

fn admit_1_thread(c: &mut Criterion) {
    let mut group = c.benchmark_group("admit_1_thread");
    let word = AtomicU64::new(0);
    group.bench_function("baseline_load", |b| {
        b.iter(|| black_box(word.load(Ordering::Relaxed)))
    });
    group.bench_function("baseline_fetch_add", |b| {
        b.iter(|| black_box(word.fetch_add(1, Ordering::Relaxed)))
    });

    let clock = BenchClock::default();
    group.bench_function("baseline_clock_advance", |b| {
        b.iter(|| {
            clock.advance(STEP);
            black_box(clock.now())
        })
    });

    let limiter = new_failwell(STEP, 1);
    check_path("failwell", true, || {
        clock.advance(STEP);
        failwell_acquire(&limiter, &clock)
    });
    group.bench_function("failwell", |b| {
        b.iter(|| {
            clock.advance(STEP);
            black_box(failwell_acquire(&limiter, &clock))
        })
    });

    let gov = new_governor(STEP, 1, &clock);
    check_path("governor_check", true, || {
        clock.advance(STEP);
        gov.check().is_ok()
    });
    group.bench_function("governor_check", |b| {
        b.iter(|| {
            clock.advance(STEP);
            black_box(gov.check().is_ok())
        })
    });
    group.bench_function("governor_check_n", |b| {
        b.iter(|| {
            clock.advance(STEP);
            black_box(matches!(gov.check_n(ONE), Ok(Ok(()))))
        })
    });

    let rl = new_ratelock(STEP, 1, &clock);
    check_path("ratelock_allow", true, || {
        clock.advance(STEP);
        rl.allow()
    });
    group.bench_function("ratelock_allow", |b| {
        b.iter(|| {
            clock.advance(STEP);
            black_box(rl.allow())
        })
    });
    group.bench_function("ratelock_allow_n", |b| {
        b.iter(|| {
            clock.advance(STEP);
            black_box(rl.allow_n(1))
        })
    });
    group.finish();
}

fn reject_1_thread(c: &mut Criterion) {
    let mut group = c.benchmark_group("reject_1_thread");
    // A standing clock and buckets emptied before timing: every call is refused.
    let clock = BenchClock::default();
    clock.advance(STEP);
    let limiter = new_failwell(STEP, 1);
    let gov = new_governor(STEP, 1, &clock);
    let rl = new_ratelock(STEP, 1, &clock);
    let _ = (failwell_acquire(&limiter, &clock), gov.check(), rl.allow());
    check_path("failwell", false, || failwell_acquire(&limiter, &clock));
    check_path("governor", false, || gov.check().is_ok());
    check_path("ratelock", false, || rl.allow());

    group.bench_function("failwell", |b| {
        b.iter(|| black_box(failwell_acquire(&limiter, &clock)))
    });
    group.bench_function("governor_check", |b| {
        b.iter(|| black_box(gov.check().is_ok()))
    });
    group.bench_function("governor_check_n", |b| {
        b.iter(|| black_box(matches!(gov.check_n(ONE), Ok(Ok(())))))
    });
    group.bench_function("ratelock_allow", |b| b.iter(|| black_box(rl.allow())));
    group.bench_function("ratelock_allow_n", |b| b.iter(|| black_box(rl.allow_n(1))));
    group.finish();
}

fn admit_2_threads(c: &mut Criterion) {
    let mut group = c.benchmark_group("admit_2_threads");
    // Both threads at one standing instant, with a burst no run can exhaust;
    // each limiter is rebuilt (untimed) for every batch. Time is per call per thread.
    let clock = BenchClock::default();
    clock.advance(STEP);
    let word = AtomicU64::new(0);
    group.bench_function("baseline_fetch_add", |b| {
        b.iter_custom(|iters| {
            two_threads(iters, &|| {
                black_box(word.fetch_add(1, Ordering::Relaxed));
            })
        })
    });
    group.bench_function("failwell", |b| {
        b.iter_custom(|iters| {
            let limiter = new_failwell(1, u32::MAX);
            two_threads(iters, &|| assert!(failwell_acquire(&limiter, &clock)))
        })
    });
    group.bench_function("governor_check", |b| {
        b.iter_custom(|iters| {
            let gov = new_governor(1, u32::MAX, &clock);
            two_threads(iters, &|| assert!(gov.check().is_ok()))
        })
    });
    group.bench_function("ratelock_allow", |b| {
        b.iter_custom(|iters| {
            let rl = new_ratelock(1_000_000_000, u64::MAX, &clock);
            two_threads(iters, &|| assert!(rl.allow()))
        })
    });
    group.finish();
}

fn reject_2_threads(c: &mut Criterion) {
    let mut group = c.benchmark_group("reject_2_threads");
    let clock = BenchClock::default();
    clock.advance(STEP);
    let limiter = new_failwell(STEP, 1);
    let gov = new_governor(STEP, 1, &clock);
    let rl = new_ratelock(STEP, 1, &clock);
    let _ = (failwell_acquire(&limiter, &clock), gov.check(), rl.allow());
    group.bench_function("failwell", |b| {
        b.iter_custom(|iters| two_threads(iters, &|| assert!(!failwell_acquire(&limiter, &clock))))
    });
    group.bench_function("governor_check", |b| {
        b.iter_custom(|iters| two_threads(iters, &|| assert!(gov.check().is_err())))
    });
    group.bench_function("ratelock_allow", |b| {
        b.iter_custom(|iters| two_threads(iters, &|| assert!(!rl.allow())))
    });
    group.finish();
}

fn real_clock(c: &mut Criterion) {
    // As users run them: failwell through its std Instant helper, governor
    // with its default clock, ratelock with its std clock. Rates high enough
    // that every call is admitted.
    let mut group = c.benchmark_group("real_clock_admit");
    let instant = failwell::time::InstantClock::new();
    let limiter = match RateLimiter::new(LimiterConfig::new(1, 1, u32::MAX)) {
        Ok(limiter) => limiter,
        Err(error) => panic!("{error}"),
    };
    let gov = governor::RateLimiter::direct(
        governor::Quota::per_second(NonZeroU32::MAX).allow_burst(NonZeroU32::MAX),
    );
    let rl = ratelock::RateLimiter::new(u64::MAX, u64::MAX);
    check_path("failwell", true, || {
        limiter
            .try_acquire(instant.now(), 1, Tier::Essential)
            .is_ok()
    });
    check_path("governor", true, || gov.check().is_ok());
    check_path("ratelock", true, || rl.allow());
    group.bench_function("failwell_instant_clock", |b| {
        b.iter(|| {
            black_box(
                limiter
                    .try_acquire(instant.now(), 1, Tier::Essential)
                    .is_ok(),
            )
        })
    });
    // The cached clock, refreshed every 100 µs by a thread, as a server would.
    let cached = failwell::time::CachedClock::new();
    let limiter = new_failwell(1, u32::MAX);
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                cached.refresh();
                std::thread::sleep(std::time::Duration::from_micros(100));
            }
        });
        check_path("failwell_cached", true, || {
            limiter
                .try_acquire(cached.now(), 1, Tier::Essential)
                .is_ok()
        });
        group.bench_function("failwell_cached_clock_100us", |b| {
            b.iter(|| {
                black_box(
                    limiter
                        .try_acquire(cached.now(), 1, Tier::Essential)
                        .is_ok(),
                )
            })
        });
        stop.store(true, Ordering::Relaxed);
    });
    // quanta's clock, read on every call, and its recent time kept fresh by
    // the upkeep thread (governor's default clock is quanta's too).
    let quanta = failwell::time::QuantaClock::new();
    let limiter = new_failwell(1, u32::MAX);
    check_path("failwell_quanta", true, || {
        limiter
            .try_acquire(quanta.now(), 1, Tier::Essential)
            .is_ok()
    });
    group.bench_function("failwell_quanta_clock", |b| {
        b.iter(|| {
            black_box(
                limiter
                    .try_acquire(quanta.now(), 1, Tier::Essential)
                    .is_ok(),
            )
        })
    });
    let upkeep = failwell::time::QuantaClock::start_upkeep(std::time::Duration::from_micros(100));
    let limiter = new_failwell(1, u32::MAX);
    check_path("failwell_quanta_recent", true, || {
        limiter
            .try_acquire(quanta.recent(), 1, Tier::Essential)
            .is_ok()
    });
    group.bench_function("failwell_quanta_recent_100us", |b| {
        b.iter(|| {
            black_box(
                limiter
                    .try_acquire(quanta.recent(), 1, Tier::Essential)
                    .is_ok(),
            )
        })
    });
    drop(upkeep);
    group.bench_function("governor_default_clock", |b| {
        b.iter(|| black_box(gov.check().is_ok()))
    });
    group.bench_function("ratelock_std_clock", |b| b.iter(|| black_box(rl.allow())));
    group.finish();
}

fn scaling(c: &mut Criterion) {
    // The limiter's only size knob is the burst: the cost of a call must not depend on it.
    let mut group = c.benchmark_group("scaling_burst");
    let clock = BenchClock::default();
    for burst in [8u32, 64, 512, 1024] {
        let limiter = new_failwell(STEP, burst);
        group.bench_with_input(BenchmarkId::new("failwell_admit", burst), &burst, |b, _| {
            b.iter(|| {
                clock.advance(STEP);
                black_box(failwell_acquire(&limiter, &clock))
            })
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    admit_1_thread,
    reject_1_thread,
    admit_2_threads,
    reject_2_threads,
    real_clock,
    scaling
);
criterion_main!(benches);
