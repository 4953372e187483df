//! The rate limiter's hot paths next to the floor they cannot beat: one
//! relaxed atomic load and one `fetch_add` on the same machine, in one run.
//!
//! `cargo bench -p failwell-benches --bench limiter`
#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{criterion_group, criterion_main, Criterion};
use failwell::{LimiterConfig, RateLimiter, Tier};

fn limiter(config: LimiterConfig) -> RateLimiter {
    match RateLimiter::new(config) {
        Ok(limiter) => limiter,
        Err(error) => panic!("bench config refused: {error}"),
    }
}

fn single_thread(c: &mut Criterion) {
    let mut group = c.benchmark_group("limiter_1_thread");

    let word = AtomicU64::new(0);
    group.bench_function("baseline_load", |b| {
        b.iter(|| black_box(word.load(Ordering::Relaxed)))
    });
    group.bench_function("baseline_fetch_add", |b| {
        b.iter(|| black_box(word.fetch_add(1, Ordering::Relaxed)))
    });

    // One unit per tick and the clock advances one tick per call: every call admits.
    let admit = limiter(LimiterConfig::new(1, 1, 1));
    let mut now = 0u64;
    group.bench_function("failwell_admit", |b| {
        b.iter(|| {
            now += 1;
            black_box(admit.try_acquire(black_box(now), 1, Tier::Essential))
        })
    });

    // An exhausted bucket and a clock that stands still: every call is refused.
    let reject = limiter(LimiterConfig::new(1, 1_000_000, 1));
    let _ = reject.try_acquire(0, 1, Tier::Essential);
    group.bench_function("failwell_reject", |b| {
        b.iter(|| black_box(reject.try_acquire(black_box(1), 1, Tier::Essential)))
    });
    group.finish();
}

criterion_group!(benches, single_thread);
criterion_main!(benches);
