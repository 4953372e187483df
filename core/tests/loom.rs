//! Loom models of the rate limiter: every interleaving of concurrent
//! acquires admits exactly what some sequential order would, never more.
//! Loom explores every interleaving (with a preemption bound that never
//! binds: see [`model`]).
//!
//! Run with `cargo xtask loom` (`RUSTFLAGS="--cfg loom"`).
#![cfg(loom)]

use failwell::{LimiterConfig, RateLimiter, Rejection, Tier};
use loom::sync::Arc;
use loom::thread;

mod loom_model;
use loom_model::model;

fn limiter(rate: u32, period: u64, burst: u32) -> Arc<RateLimiter> {
    Arc::new(RateLimiter::new(LimiterConfig::new(rate, period, burst)).unwrap())
}

/// Each thread tries `attempts` acquires of cost 1 at `now`; returns how many were admitted.
fn race(limiter: &Arc<RateLimiter>, nows: &[u64], attempts: usize) -> usize {
    let handles: Vec<_> = nows
        .iter()
        .map(|&now| {
            let limiter = Arc::clone(limiter);
            thread::spawn(move || {
                (0..attempts)
                    .filter(|_| limiter.try_acquire(now, 1, Tier::Essential).is_ok())
                    .count()
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).sum()
}

#[test]
fn concurrent_acquires_at_one_instant_admit_exactly_the_burst() {
    model(|| {
        let l = limiter(1, 100, 3);
        // Two threads, two attempts each: four requests for a burst of three.
        assert_eq!(race(&l, &[7, 7], 2), 3);
        // Whatever the interleaving, the state is the sequential one.
        assert_eq!(
            l.try_acquire(7, 1, Tier::Essential),
            Err(Rejection::RateLimited { retry_after: 100 })
        );
        assert_eq!(l.snapshot(7).full_in, 300);
    });
}

#[test]
fn concurrent_acquires_at_different_times_never_over_admit() {
    model(|| {
        let l = limiter(1, 100, 1);
        // Thread A at t=0, thread B at t=50: one unit per 100 ticks, so
        // exactly one of the two can ever be admitted.
        assert_eq!(race(&l, &[0, 50], 1), 1);
        let main = l.try_acquire(50, 1, Tier::Essential);
        assert!(
            matches!(main, Err(Rejection::RateLimited { retry_after }) if retry_after == 50 || retry_after == 100)
        );
    });
}

#[test]
fn a_rejection_never_overwrites_an_admission() {
    model(|| {
        // Burst 2, one unit kept for Essential; one unit already taken, so
        // Optional is always refused and Essential always admitted.
        let l =
            Arc::new(RateLimiter::new(LimiterConfig::new(1, 100, 2).with_reserve(1, 0)).unwrap());
        assert_eq!(l.try_acquire(0, 1, Tier::Essential), Ok(()));
        let spawn = |tier| {
            let l = Arc::clone(&l);
            thread::spawn(move || l.try_acquire(0, 1, tier))
        };
        let optional = spawn(Tier::Optional);
        let essential = spawn(Tier::Essential);
        assert!(optional.join().unwrap().is_err());
        assert_eq!(essential.join().unwrap(), Ok(()));
        // Both units are gone, whatever the interleaving.
        assert_eq!(
            l.try_acquire(0, 1, Tier::Essential),
            Err(Rejection::RateLimited { retry_after: 100 })
        );
    });
}

#[test]
fn three_threads_and_tiers_never_over_admit() {
    model(|| {
        // Burst 2 with 1 unit reserved for Essential: Optional can hold 1.
        let l =
            Arc::new(RateLimiter::new(LimiterConfig::new(1, 100, 2).with_reserve(1, 0)).unwrap());
        let spawn = |tier| {
            let l = Arc::clone(&l);
            thread::spawn(move || l.try_acquire(5, 1, tier).is_ok())
        };
        let optional = [spawn(Tier::Optional), spawn(Tier::Optional)];
        let essential = spawn(Tier::Essential);
        let optional: usize = optional
            .into_iter()
            .map(|h| usize::from(h.join().unwrap()))
            .sum();
        let essential = essential.join().unwrap();
        // At most one Optional (none if Essential came first and left only
        // the reserve), and Essential always finds the reserved unit.
        assert!(optional <= 1);
        assert!(essential);
        assert_eq!(l.snapshot(5).essential, u32::from(optional == 0));
    });
}

/// One thread admits at a far-future `now` and then returns to the sane
/// clock, where its first request finds a clock fault and re-bases; another
/// requests at a sane `now` meanwhile. Every interleaving gives what one of
/// the sequential orders gives (the re-base is part of one update, never
/// lost nor repeated), and none admits across a re-base more than the empty
/// bucket it leaves allows.
#[test]
fn a_clock_fault_re_bases_once_whatever_the_interleaving() {
    const FAR: u64 = 1 << 40;
    model(|| {
        // One unit per 100 ticks, bursts of 1: a horizon of 100 ticks.
        let l = limiter(1, 100, 1);
        let glitching = {
            let l = Arc::clone(&l);
            thread::spawn(move || {
                [FAR, 1_100, 1_100].map(|now| l.try_acquire(now, 1, Tier::Essential))
            })
        };
        let sane = {
            let l = Arc::clone(&l);
            thread::spawn(move || l.try_acquire(1_000, 1, Tier::Essential))
        };
        let glitching = glitching.join().unwrap();
        let sane = sane.join().unwrap();
        let limited = |retry_after| Err(Rejection::RateLimited { retry_after });
        let allowed = [
            // The sane request first: admitted; the far admission is a fault
            // at 1_100, re-based to the empty bucket there.
            ([Ok(()), limited(100), limited(100)], Ok(())),
            // Between the far admission and the return: the sane request
            // re-bases to the empty bucket at 1_000, which 1_100 refills.
            ([Ok(()), Ok(()), limited(100)], limited(100)),
            // After the re-base at 1_100: two buckets behind, no fault.
            ([Ok(()), limited(100), limited(100)], limited(200)),
        ];
        assert!(
            allowed.contains(&(glitching, sane)),
            "{glitching:?} {sane:?} is no sequential order's outcome"
        );
        // Every order ends in the same state: one bucket ahead of 1_100.
        assert_eq!(l.snapshot(1_100).full_in, 100);
    });
}
