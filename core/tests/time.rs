//! One counter, several contexts: the shared tick extender under threads.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Barrier;

use failwell::time::SharedTickExtender;

/// Raw ticks each reading moves the counter on: 2²⁰, so it wraps every
/// 4,096 readings.
const STEP: u64 = 1 << 20;
/// Readings per thread: about 10 wraps between them.
const READINGS: u64 = 20_000;

/// What the threads saw.
#[derive(Debug, Default)]
struct Seen {
    /// Readings whose extended ticks were checked against the true time.
    checked: u64,
    /// Readings fed 2³¹ ticks or more after they were taken (a thread held
    /// up that long): outside the extender's contract, not checked.
    held: u64,
    /// Checked readings extended to another time: (true, extended).
    wrong: Vec<(u64, u64)>,
}

/// Two threads read a wrapping 32-bit counter (the low bits of the true tick
/// count, which each reading moves on by [`STEP`]) and feed every reading to
/// `extend`, yielding in between so that the other often feeds a later
/// reading first. Each reading fed within 2³¹ ticks must extend to the true
/// time it was taken at. The threads start after the counter has wrapped.
fn two_threads(extend: &(dyn Fn(u32) -> u64 + Sync)) -> Seen {
    let truth = AtomicU64::new(u64::from(u32::MAX) - 3 * STEP);
    let read = || {
        let now = truth.fetch_add(STEP, Ordering::SeqCst) + STEP;
        // The counter is the low 32 bits of the true time.
        (now, now as u32)
    };
    // One wrap before the threads' first readings.
    for _ in 0..4 {
        let (now, raw) = read();
        assert_eq!(extend(raw), now);
    }
    let start = Barrier::new(2);
    let mut seen = Seen::default();
    std::thread::scope(|scope| {
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (start, read, truth) = (&start, &read, &truth);
                scope.spawn(move || {
                    start.wait();
                    let mut seen = Seen::default();
                    for _ in 0..READINGS {
                        let (at, raw) = read();
                        std::thread::yield_now();
                        let extended = extend(raw);
                        if truth.load(Ordering::SeqCst) - at >= 1 << 31 {
                            seen.held += 1;
                        } else {
                            seen.checked += 1;
                            if extended != at {
                                seen.wrong.push((at, extended));
                            }
                        }
                    }
                    seen
                })
            })
            .collect();
        for thread in threads {
            let one = thread.join().unwrap();
            seen.checked += one.checked;
            seen.held += one.held;
            seen.wrong.extend(one.wrong);
        }
    });
    seen
}

#[test]
fn threads_feeding_one_shared_extender_agree_across_wraps() {
    let clock = SharedTickExtender::new();
    let seen = two_threads(&|raw| clock.extend(raw));
    assert_eq!(seen.wrong, [], "readings extended to another time");
    assert!(seen.checked >= READINGS, "{seen:?}");
    // Every reading was fed, so the latest is the truth's last value; unless
    // a thread was held up between reading and feeding (the scheduler on a
    // busy machine): its reading, 2³¹ ticks or more behind, is taken for time
    // moving on, as documented, which is outside the contract.
    if seen.held == 0 {
        assert_eq!(
            clock.last(),
            u64::from(u32::MAX) + (1 + 2 * READINGS) * STEP
        );
    }
}
