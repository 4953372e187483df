//! The bulkhead next to its peer and the floor, in the same criterion groups
//! of one run: one slot taken and freed (acquire, then drop the permit),
//! against tokio's `Semaphore::try_acquire` and its permit dropped, and one
//! relaxed `fetch_add`.
//!
//! Both hold 64 slots and are built outside the timed closure; every call is
//! admitted (a thread holds at most one slot). In the two-thread group both
//! threads hammer one shared bulkhead (or semaphore). `cargo xtask bench
//! bulkhead` runs this, repeats the two-thread group, and writes the tables
//! into BENCHMARKS.md.
//!
//! `cargo bench -p failwell-benches --bench bulkhead`
#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{criterion_group, criterion_main, Criterion};
use failwell::Tier;
use failwell_benches::{
    bulkhead_acquire_release, new_bulkhead, new_semaphore, semaphore_acquire_release, two_threads,
    BULKHEAD_LIMIT,
};

/// Checks that both take the admitting path, that a slot is freed when its
/// permit is dropped, and that both refuse when full, so the benchmarks
/// measure what their names say.
fn checked() {
    let bulkhead = new_bulkhead();
    let semaphore = new_semaphore();
    for _ in 0..1_000 {
        assert!(bulkhead_acquire_release(&bulkhead), "failwell: refused");
        assert!(semaphore_acquire_release(&semaphore), "tokio: refused");
    }
    assert_eq!(bulkhead.snapshot().in_flight, [0; 3], "failwell: slot kept");
    assert_eq!(
        semaphore.available_permits(),
        BULKHEAD_LIMIT as usize,
        "tokio: permit kept"
    );
    let held: Vec<_> = (0..BULKHEAD_LIMIT)
        .map(|_| bulkhead.try_acquire(0, Tier::Essential))
        .collect();
    assert!(
        held.iter().all(Result::is_ok),
        "failwell: refused below the limit"
    );
    assert!(
        !bulkhead_acquire_release(&bulkhead),
        "failwell: admitted over the limit"
    );
    let permits: Vec<_> = (0..BULKHEAD_LIMIT)
        .map(|_| semaphore.try_acquire())
        .collect();
    assert!(
        permits.iter().all(Result::is_ok),
        "tokio: refused below the limit"
    );
    assert!(
        !semaphore_acquire_release(&semaphore),
        "tokio: admitted over the limit"
    );
}

fn bulkhead_1_thread(c: &mut Criterion) {
    checked();
    let mut group = c.benchmark_group("bulkhead_1_thread");
    let word = AtomicU64::new(0);
    group.bench_function("baseline_fetch_add", |b| {
        b.iter(|| black_box(word.fetch_add(1, Ordering::Relaxed)))
    });
    let bulkhead = new_bulkhead();
    group.bench_function("failwell", |b| {
        b.iter(|| black_box(bulkhead_acquire_release(&bulkhead)))
    });
    let semaphore = new_semaphore();
    group.bench_function("tokio_semaphore", |b| {
        b.iter(|| black_box(semaphore_acquire_release(&semaphore)))
    });
    group.finish();
}

fn bulkhead_2_threads(c: &mut Criterion) {
    // Both threads on one bulkhead (one semaphore); at most two slots are
    // ever taken, so every call is admitted. Time per call per thread.
    let mut group = c.benchmark_group("bulkhead_2_threads");
    let word = AtomicU64::new(0);
    group.bench_function("baseline_fetch_add", |b| {
        b.iter_custom(|iters| {
            two_threads(iters, &|| {
                black_box(word.fetch_add(1, Ordering::Relaxed));
            })
        })
    });
    let bulkhead = new_bulkhead();
    group.bench_function("failwell", |b| {
        b.iter_custom(|iters| two_threads(iters, &|| assert!(bulkhead_acquire_release(&bulkhead))))
    });
    let semaphore = new_semaphore();
    group.bench_function("tokio_semaphore", |b| {
        b.iter_custom(|iters| {
            two_threads(iters, &|| assert!(semaphore_acquire_release(&semaphore)))
        })
    });
    group.finish();
}

criterion_group!(benches, bulkhead_1_thread, bulkhead_2_threads);
criterion_main!(benches);
