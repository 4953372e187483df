//! The circuit breaker next to its peers and the floor, in the same
//! criterion groups of one run: a closed-state call that succeeds (acquire,
//! then record the success), which is what a healthy system pays per call.
//!
//! failwell reads the injected [`BenchClock`] twice per call (a relaxed load
//! each); failsafe and recloser read `std::time::Instant` themselves (they
//! take no injected clock): failsafe twice per call, recloser not at all on
//! this path. Every breaker is built and checked outside the timed closure.
//! `cargo xtask bench` runs this, repeats the two-thread group, and writes
//! the tables into BENCHMARKS.md.
//!
//! `cargo bench -p failwell-benches --bench breaker`
#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use failwell::breaker::Breaker;
use failwell_benches::breakers::{
    check_failwell, check_peers, failsafe_call_success, failwell_call_success, new_failsafe,
    new_failwell_breaker, new_failwell_consecutive, new_recloser, recloser_call_success,
};
use failwell_benches::{two_threads, BenchClock};

fn checked() {
    if let Err(error) = check_peers().and_then(|()| check_failwell()) {
        panic!("breaker benches: {error}");
    }
}

fn success_1_thread(c: &mut Criterion) {
    checked();
    let mut group = c.benchmark_group("breaker_1_thread");
    let word = AtomicU64::new(0);
    group.bench_function("baseline_fetch_add", |b| {
        b.iter(|| black_box(word.fetch_add(1, Ordering::Relaxed)))
    });
    let clock = BenchClock::default();
    let counted = new_failwell_breaker::<100, 0>();
    group.bench_function("failwell", |b| {
        b.iter(|| black_box(failwell_call_success(&counted, &clock)))
    });
    let consecutive = new_failwell_consecutive();
    group.bench_function("failwell_consecutive", |b| {
        b.iter(|| black_box(failwell_call_success(&consecutive, &clock)))
    });
    let timed = new_failwell_breaker::<100, 10>();
    group.bench_function("failwell_time_window", |b| {
        b.iter(|| black_box(failwell_call_success(&timed, &clock)))
    });
    let fs = new_failsafe();
    group.bench_function("failsafe", |b| {
        b.iter(|| black_box(failsafe_call_success(&fs)))
    });
    let rc = new_recloser();
    group.bench_function("recloser", |b| {
        b.iter(|| black_box(recloser_call_success(&rc)))
    });
    group.finish();
}

fn success_2_threads(c: &mut Criterion) {
    // Both threads on one breaker; only successes, so the state never
    // changes. Time per call per thread.
    let mut group = c.benchmark_group("breaker_2_threads");
    let word = AtomicU64::new(0);
    group.bench_function("baseline_fetch_add", |b| {
        b.iter_custom(|iters| {
            two_threads(iters, &|| {
                black_box(word.fetch_add(1, Ordering::Relaxed));
            })
        })
    });
    let clock = BenchClock::default();
    let counted = new_failwell_breaker::<100, 0>();
    group.bench_function("failwell", |b| {
        b.iter_custom(|iters| {
            two_threads(iters, &|| assert!(failwell_call_success(&counted, &clock)))
        })
    });
    let consecutive = new_failwell_consecutive();
    group.bench_function("failwell_consecutive", |b| {
        b.iter_custom(|iters| {
            two_threads(iters, &|| {
                assert!(failwell_call_success(&consecutive, &clock));
            })
        })
    });
    let fs = new_failsafe();
    group.bench_function("failsafe", |b| {
        b.iter_custom(|iters| two_threads(iters, &|| assert!(failsafe_call_success(&fs))))
    });
    let rc = new_recloser();
    group.bench_function("recloser", |b| {
        b.iter_custom(|iters| two_threads(iters, &|| assert!(recloser_call_success(&rc))))
    });
    group.finish();
}

fn bench_size<const W: usize, const B: usize>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    size: usize,
) {
    let clock = BenchClock::default();
    let breaker: Breaker<W, B> = new_failwell_breaker();
    assert!((0..1_000).all(|_| failwell_call_success(&breaker, &clock)));
    group.bench_with_input(BenchmarkId::new(name, size), &size, |b, _| {
        // The clock moves 1 µs per call, so the time window's head moves
        // every 100,000 calls, as it would at 10 M calls per second.
        b.iter(|| {
            clock.advance(1_000);
            black_box(failwell_call_success(&breaker, &clock))
        })
    });
}

fn scaling(c: &mut Criterion) {
    let mut group = c.benchmark_group("breaker_scaling");
    bench_size::<8, 0>(&mut group, "count_window", 8);
    bench_size::<64, 0>(&mut group, "count_window", 64);
    bench_size::<256, 0>(&mut group, "count_window", 256);
    bench_size::<1024, 0>(&mut group, "count_window", 1024);
    bench_size::<0, 8>(&mut group, "time_buckets", 8);
    bench_size::<0, 64>(&mut group, "time_buckets", 64);
    bench_size::<0, 256>(&mut group, "time_buckets", 256);
    bench_size::<0, 1024>(&mut group, "time_buckets", 1024);
    group.finish();
}

criterion_group!(benches, success_1_thread, success_2_threads, scaling);
criterion_main!(benches);
