//! The breaker under real threads: claims that need a real CPU's
//! interleavings (and its weak ordering, on aarch64), beside the loom
//! models that check them exhaustively on small cases.

use failwell::breaker::{Breaker, Config, State};
use failwell::Tier;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Barrier;

const THREADS: u64 = 8;
/// Every fifth call of each thread fails: a contiguous run of `k` of one
/// thread's calls holds at most `ceil(k / 5)` failures.
const FAILURE_EVERY: u64 = 5;
/// Bucket width, in ticks.
const WIDTH: u64 = 16;
/// Calls made in one busy bucket, then this many in each quiet one.
const BURST: u64 = 400;
const QUIET: u64 = 12;
/// A burst and the quiet buckets that expire it: the window (ten buckets)
/// then holds about 120 quiet calls, above `minimum_calls`.
const CYCLE: u64 = BURST + 11 * QUIET;

/// The tick of the `n`-th call overall: a burst in one bucket, then a few
/// calls per bucket, so that a busy bucket expires while the window still
/// holds the minimum of calls without it.
fn time_of(n: u64) -> u64 {
    let (cycle, within) = (n / CYCLE, n % CYCLE);
    let bucket = if within < BURST {
        0
    } else {
        1 + (within - BURST) / QUIET
    };
    (cycle * 12 + bucket) * WIDTH
}

/// A window of `n ≥ 100` calls made of contiguous runs of eight threads'
/// calls holds at most `n / 5 + 8` failures: 28 % at 100 calls. Neither
/// window ever holds 50 %, so a breaker that trips at 50 % must never open
/// (outcomes that a race loses can only lower a rate).
///
/// Before the window's sums were one word, an expiry took a bucket's calls
/// off the sums before its failures, and a judge could read the failures
/// of an expired bucket over the calls of the remaining ones: about 8 % of
/// rounds opened, each as a busy bucket expired.
#[test]
fn a_window_below_its_threshold_never_trips_under_contention() {
    let rounds: u64 = std::env::var("FAILWELL_THREAD_ROUNDS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(10_000);
    let calls_per_thread = 4 * CYCLE / THREADS;
    let config = Config::new(1_000_000)
        .trip_on_failure_rate(500, 100)
        .trip_on_slow_calls(1_000_000, 500)
        .bucket_width(WIDTH);
    let mut opened = 0;
    let mut inconsistent = 0;
    for _ in 0..rounds {
        let breaker: Breaker<100, 10> = Breaker::new(config).unwrap();
        let clock = AtomicU64::new(0);
        let start = Barrier::new(THREADS as usize);
        let worst = AtomicU64::new(0);
        std::thread::scope(|scope| {
            for thread in 0..THREADS {
                let (breaker, clock, start, worst) = (&breaker, &clock, &start, &worst);
                scope.spawn(move || {
                    start.wait();
                    for call in 0..calls_per_thread {
                        let now = time_of(clock.fetch_add(1, Ordering::Relaxed));
                        let Ok(permit) = breaker.try_acquire(now, Tier::Essential) else {
                            return;
                        };
                        // Threads start at different points of the pattern.
                        if (call + thread) % FAILURE_EVERY == 0 {
                            let _ = permit.failure(now);
                        } else {
                            let _ = permit.success(now);
                        }
                        if call % 16 == 0 {
                            let snapshot = breaker.snapshot(now);
                            for window in [snapshot.count_window, snapshot.time_window] {
                                if window.failures > window.calls || window.slow > window.calls {
                                    worst.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                        }
                    }
                });
            }
        });
        if breaker.state() != State::Closed {
            opened += 1;
        }
        inconsistent += worst.load(Ordering::Relaxed);
    }
    assert_eq!(
        (opened, inconsistent),
        (0, 0),
        "rounds opened below the threshold, snapshots with more failures than calls"
    );
}
