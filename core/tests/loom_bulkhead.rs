//! Loom models of the bulkhead: in every interleaving, calls in flight
//! never exceed the limit or a tier's cap, and concurrent releases, resets
//! and refusals lose or double no slot.
//!
//! Run with `cargo xtask loom` (`RUSTFLAGS="--cfg loom"`).
#![cfg(loom)]

use failwell::bulkhead::{Bulkhead, Config};
use failwell::Tier;
use loom::thread;

mod loom_model;
use loom_model::model;

/// A bulkhead that outlives the model's threads, so that permits (which
/// borrow it) can move between them: leaked, a few bytes per interleaving.
fn bulkhead(config: Config) -> &'static Bulkhead {
    Box::leak(Box::new(Bulkhead::new(config).unwrap()))
}

/// Each thread tries one call of its tier and keeps the slot; how many were
/// admitted, per thread.
fn race(b: &'static Bulkhead, tiers: &[Tier]) -> Vec<bool> {
    let handles: Vec<_> = tiers
        .iter()
        .map(|&tier| thread::spawn(move || b.try_acquire(0, tier).map(core::mem::forget).is_ok()))
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

#[test]
fn two_threads_for_the_last_slot_admit_one() {
    model(|| {
        let b = bulkhead(Config::new(1));
        let admitted = race(b, &[Tier::Essential, Tier::Essential]);
        assert_eq!(admitted.iter().filter(|a| **a).count(), 1);
        assert_eq!(b.snapshot().in_flight, [1, 0, 0]);
    });
}

#[test]
fn tier_caps_hold_under_concurrency() {
    model(|| {
        // Limit 2, Optional may fill 1 (of the total in flight): at most one
        // of two Optional calls is admitted (none if Essential came first),
        // and Essential always finds a slot.
        let b = bulkhead(Config::new(2).tier_shares(1000, 500));
        let admitted = race(b, &[Tier::Optional, Tier::Optional, Tier::Essential]);
        assert!(admitted[2], "Essential refused with a slot free");
        let optional = admitted[..2].iter().filter(|a| **a).count();
        assert!(optional <= 1, "{optional} Optional calls in 1 slot");
        assert_eq!(b.snapshot().in_flight, [1, 0, optional as u32]);
    });
}

#[test]
fn a_release_racing_a_refusal_loses_no_slot() {
    model(|| {
        let b = bulkhead(Config::new(1));
        let held = b.try_acquire(0, Tier::Essential).unwrap();
        let releaser = thread::spawn(move || drop(held));
        let b2 = b;
        let acquirer = thread::spawn(move || {
            b2.try_acquire(0, Tier::Essential)
                .map(core::mem::forget)
                .is_ok()
        });
        releaser.join().unwrap();
        let admitted = acquirer.join().unwrap();
        // The count is exactly what is held: the refusal wrote nothing back.
        assert_eq!(b.snapshot().in_flight, [u32::from(admitted), 0, 0]);
    });
}

#[test]
fn a_release_from_before_a_reset_never_frees_a_new_slot() {
    model(|| {
        let b = bulkhead(Config::new(1));
        let old = b.try_acquire(0, Tier::Essential).unwrap();
        let b2 = b;
        // Reset, then take the one slot of the new generation and keep it.
        let resetter = thread::spawn(move || {
            b2.reset();
            b2.try_acquire(0, Tier::Essential)
                .map(core::mem::forget)
                .is_ok()
        });
        let releaser = thread::spawn(move || drop(old));
        releaser.join().unwrap();
        assert!(resetter.join().unwrap(), "the reset emptied the bulkhead");
        // The old permit's release freed nothing of the new generation.
        assert_eq!(b.snapshot().in_flight, [1, 0, 0]);
        assert!(b.try_acquire(0, Tier::Essential).is_err());
    });
}

#[test]
fn two_reports_closing_windows_at_once_move_the_limit_within_bounds() {
    model(|| {
        // Every report closes a window: the two race to close, to move the
        // estimate and to publish the caps.
        let b = bulkhead(Config::new(4).aimd(2, 6, 500, 10).window(1, u64::MAX));
        let first = b.try_acquire(0, Tier::Essential).unwrap();
        let second = b.try_acquire(0, Tier::Essential).unwrap();
        let succeed = thread::spawn(move || assert!(first.success(5)));
        let drop_one = thread::spawn(move || assert!(second.dropped(20)));
        succeed.join().unwrap();
        drop_one.join().unwrap();
        let s = b.snapshot();
        // Both slots freed; the limit moved within its bounds, and the caps
        // published are the limit's.
        assert_eq!(s.in_flight, [0, 0, 0]);
        assert!((2..=6).contains(&s.limit), "{s:?}");
        assert_eq!(s.caps[0], s.limit);
    });
}

#[test]
fn an_acquire_racing_a_lower_limit_never_exceeds_the_limit_it_read() {
    model(|| {
        // A drop halves the limit from 4 to 2 while three slots are held;
        // an acquire racing it is admitted only below the limit it read.
        let b = bulkhead(Config::new(4).aimd(1, 4, 500, 10).window(1, u64::MAX));
        let held: Vec<_> = (0..3)
            .map(|_| b.try_acquire(0, Tier::Essential).unwrap())
            .collect();
        let mut held = held.into_iter();
        let dropped = held.next().unwrap();
        let reporter = thread::spawn(move || assert!(dropped.dropped(1)));
        let acquirer =
            thread::spawn(move || b.try_acquire(1, Tier::Essential).map(core::mem::forget));
        reporter.join().unwrap();
        let acquired = acquirer.join().unwrap();
        let s = b.snapshot();
        assert_eq!(s.limit, 2, "{s:?}");
        match acquired {
            // Admitted: it read the old limit (4) with 2 or 3 in flight.
            Ok(()) => assert_eq!(s.in_flight, [3, 0, 0]),
            // Refused: at the new limit, or at the old one with 3 in flight.
            Err(failwell::bulkhead::Rejection::Full {
                in_flight, limit, ..
            }) => {
                assert!(in_flight >= limit, "refused below its limit");
                assert_eq!(s.in_flight, [2, 0, 0]);
            }
            Err(other) => panic!("{other:?}"),
        }
        drop(held);
    });
}
