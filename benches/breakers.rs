//! failwell's circuit breaker and its peers, failsafe 1.3 and recloser 1.4,
//! built and called the way their users do, for the breaker benchmarks.
//!
//! Both are std crates that read the time themselves (`std::time::Instant`;
//! neither takes an injected clock), so unlike the limiter peers they do not
//! run on [`BenchClock`]. On the closed-state success
//! path recloser reads no clock at all; failsafe reads it twice per call (see
//! [`new_failsafe`]).
//!
//! The target configuration is failwell's benchmark breaker: trip on 5
//! consecutive failures, or on a failure rate ≥ 50 % over the last 100 calls;
//! stay open 1 s. Each constructor's doc says how close its crate gets.
//!
//! Build peers outside the timed code, and run [`check_peers`] before timing:
//! it checks that the call adapters take the paths their names say.

use std::time::Duration;

use failwell::breaker::{Breaker, Config, Recorded};
use failwell::Tier;

use crate::BenchClock;

use failsafe::backoff::{self, Constant};
use failsafe::failure_policy::{
    consecutive_failures, success_rate_over_time_window, ConsecutiveFailures, FailurePolicy as _,
    OrElse, SuccessRateOverTimeWindow,
};
use failsafe::CircuitBreaker as _;

/// Consecutive failures that trip the breaker.
pub const CONSECUTIVE_FAILURES: u32 = 5;
/// Failure rate that trips the breaker, over [`WINDOW_CALLS`] calls.
pub const FAILURE_RATE: f32 = 0.5;
/// Calls the failure rate is measured over.
pub const WINDOW_CALLS: u32 = 100;
/// How long a tripped breaker stays open before it lets a probe through.
pub const OPEN_FOR: Duration = Duration::from_secs(1);

/// failsafe's breaker as [`new_failsafe`] configures it: a
/// `parking_lot::Mutex` around the state and both failure policies, no
/// instrumentation (`()`).
pub type Failsafe = failsafe::StateMachine<
    OrElse<ConsecutiveFailures<Constant>, SuccessRateOverTimeWindow<Constant>>,
    (),
>;

/// recloser's breaker: an epoch-managed (crossbeam-epoch) pointer to the
/// state, whose closed state holds a spin-locked ring of the last calls.
pub type Recloser = recloser::Recloser;

/// A failsafe breaker configured as close to the target as failsafe allows.
///
/// `consecutive_failures(5, constant(1 s))`, or else
/// `success_rate_over_time_window(0.5, 100, 1 s, constant(1 s))`:
///
/// - **5 consecutive failures**: exact (a success resets the count).
/// - **Open 1 s**: a constant backoff of 1 s. failsafe's default backoff is
///   equal-jittered exponential (10 s to 300 s, drawing from `rand`'s thread
///   RNG on every trip); constant keeps both peers at a fixed 1 s.
/// - **Failure rate ≥ 50 % over the last 100 calls**: failsafe has no
///   count-based window. Its rate policy keeps an exponential moving average
///   of the success rate with a mean lifetime of `window` (whole seconds only:
///   it takes `window.as_secs()`, so a sub-second window becomes 0, which
///   makes the average just the last outcome), and trips on a failure when
///   - the average is *below* 0.5 (strict: failure rate > 50 %, not ≥),
///   - at least `min_request_threshold` = 100 calls fell in the last `window`
///     (a 5-slice sliding counter), standing in for "a full window of 100
///     calls", and
///   - at least `window` has passed since the breaker was built or last
///     closed again: the rate arm cannot trip in the first second.
///
///   1 s is the shortest window it accepts; at 100 calls/s and more it spans
///   at least the last 100 calls. The average is time-weighted, not
///   count-weighted: timestamps are whole milliseconds, and an outcome in the
///   same millisecond as the previous one has weight `1 - exp(0)` = 0, so
///   beyond 1,000 calls/s only the first outcome of each millisecond counts.
///   The average starts at the first outcome (100 % or 0 %), not at a prior.
///
/// Per call it locks the mutex twice (`is_call_permitted`, then
/// `on_success`/`on_error`); recording a success also reads `Instant::now`
/// twice (the average's timestamp and the sliding counter's expiry), through
/// failsafe's thread-local mock-clock hook, and computes one `f64::exp`.
pub fn new_failsafe() -> Failsafe {
    let open = backoff::constant(OPEN_FOR);
    let policy = consecutive_failures(CONSECUTIVE_FAILURES, open.clone()).or_else(
        success_rate_over_time_window(
            f64::from(1.0 - FAILURE_RATE),
            WINDOW_CALLS,
            Duration::from_secs(1),
            open,
        ),
    );
    failsafe::Config::new().failure_policy(policy).build()
}

/// A recloser configured as close to the target as recloser allows.
///
/// `Recloser::custom().error_rate(0.5).closed_len(100).open_wait(1 s)`:
///
/// - **Failure rate ≥ 50 % over the last 100 calls**: exact, a ring of the
///   last 100 outcomes, tripping when failures / 100 ≥ 0.5. But the rate is
///   only computed once the ring is full: a new breaker (and one just closed
///   again) records 100 calls before it can trip, on the 101st at the
///   earliest.
/// - **5 consecutive failures**: not expressible; recloser only has the rate.
///   So a new recloser takes 101 failures to trip, and one whose ring is full
///   of successes takes 50 (failwell and failsafe: 5).
/// - **Open 1 s**: `open_wait`, with no wait strategy (a constant 1 s).
///
/// Half-open: `error_rate` sets the half-open threshold too (0.5), over the
/// default ring of 10 probe calls (failsafe closes on the first success).
///
/// Per call it pins a crossbeam-epoch guard (`epoch::pin`: a thread-local
/// lookup and a `SeqCst` read-modify-write, plus a garbage-collection attempt
/// every 128 pins), loads the state pointer, and writes the outcome into the
/// ring under a spin lock (`swap` to take it, `store` to release it). It
/// reads `Instant::now` only in the open state and on a trip.
pub fn new_recloser() -> Recloser {
    recloser::Recloser::custom()
        .error_rate(FAILURE_RATE)
        .closed_len(WINDOW_CALLS as usize)
        .open_wait(OPEN_FOR)
        .build()
}

/// One failsafe call whose inner function succeeds; `true` if the breaker
/// admitted it and it ran (the closed-state cost: acquire + record success).
#[inline]
pub fn failsafe_call_success(b: &Failsafe) -> bool {
    b.call(|| Ok::<(), ()>(())).is_ok()
}

/// One failsafe call whose inner function fails; `true` if the breaker
/// admitted it (and so recorded the failure), `false` if it rejected it.
#[inline]
pub fn failsafe_call_failure(b: &Failsafe) -> bool {
    !matches!(b.call(|| Err::<(), ()>(())), Err(failsafe::Error::Rejected))
}

/// One recloser call whose inner function succeeds; `true` if the breaker
/// admitted it and it ran (the closed-state cost: acquire + record success).
#[inline]
pub fn recloser_call_success(b: &Recloser) -> bool {
    b.call(|| Ok::<(), ()>(())).is_ok()
}

/// One recloser call whose inner function fails; `true` if the breaker
/// admitted it (and so recorded the failure), `false` if it rejected it.
#[inline]
pub fn recloser_call_failure(b: &Recloser) -> bool {
    !matches!(b.call(|| Err::<(), ()>(())), Err(recloser::Error::Rejected))
}

/// Calls `fail` until it is refused, at most `limit` times; returns how many
/// failures were admitted, or `None` if it was never refused.
fn failures_to_trip(limit: u32, mut fail: impl FnMut() -> bool) -> Option<u32> {
    (0..=limit).find(|_| !fail())
}

/// `Err(what)` unless `ok`.
fn ensure(ok: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(what())
    }
}

/// Checks that each peer takes the paths the benchmarks name: a healthy
/// breaker admits every call, and enough failures open it, after which both
/// successes and failures are refused. Also pins down each configuration's
/// trip point (see [`new_failsafe`], [`new_recloser`]).
pub fn check_peers() -> Result<(), String> {
    const HEALTHY: u32 = 1_000;

    // failsafe: healthy, then 4 failures and a success (no trip), then the
    // 5th consecutive failure trips it.
    let fs = new_failsafe();
    ensure((0..HEALTHY).all(|_| failsafe_call_success(&fs)), || {
        "failsafe refused a healthy call".to_owned()
    })?;
    ensure(
        (0..CONSECUTIVE_FAILURES - 1).all(|_| failsafe_call_failure(&fs))
            && failsafe_call_success(&fs),
        || "failsafe refused a call before 5 consecutive failures".to_owned(),
    )?;
    let tripped = failures_to_trip(HEALTHY, || failsafe_call_failure(&fs));
    ensure(tripped == Some(CONSECUTIVE_FAILURES), || {
        format!("failsafe: {tripped:?} failures admitted before it opened, expected 5")
    })?;
    ensure(
        !failsafe_call_success(&fs) && !failsafe_call_failure(&fs) && !fs.is_call_permitted(),
        || "failsafe admitted a call while open".to_owned(),
    )?;
    check_failsafe_rate_arm()?;

    // recloser: 5 failures do not trip a new one; with its ring full of
    // successes, the 50th failure (50 %) trips it.
    let rc = new_recloser();
    ensure(
        (0..=CONSECUTIVE_FAILURES).all(|_| recloser_call_failure(&rc)),
        || "recloser refused a call after 5 failures: it has no consecutive arm".to_owned(),
    )?;
    let rc = new_recloser();
    ensure((0..HEALTHY).all(|_| recloser_call_success(&rc)), || {
        "recloser refused a healthy call".to_owned()
    })?;
    let tripped = failures_to_trip(HEALTHY, || recloser_call_failure(&rc));
    ensure(tripped == Some(WINDOW_CALLS / 2), || {
        format!("recloser: {tripped:?} failures admitted before it opened, expected 50")
    })?;
    ensure(
        !recloser_call_success(&rc) && !recloser_call_failure(&rc),
        || "recloser admitted a call while open".to_owned(),
    )?;
    // A new recloser trips on its 101st failure: the rate needs a full ring.
    let rc = new_recloser();
    let tripped = failures_to_trip(HEALTHY, || recloser_call_failure(&rc));
    ensure(tripped == Some(WINDOW_CALLS + 1), || {
        format!("new recloser: {tripped:?} failures admitted before it opened, expected 101")
    })?;
    Ok(())
}

/// failsafe's rate arm alone, on failsafe's own (hidden, thread-local) mock
/// clock at one call per millisecond: a success then two failures, repeated
/// (67 % failures, never 5 in a row), must trip it, but not before the 1 s
/// window has passed. (The average starts at 100 % and falls below 50 %
/// after about 1.4 s.)
fn check_failsafe_rate_arm() -> Result<(), String> {
    failsafe::clock::freeze(|time| {
        let fs = new_failsafe();
        for call in 1..=10_000u32 {
            time.advance(Duration::from_millis(1));
            let admitted = if call % 3 == 1 {
                failsafe_call_success(&fs)
            } else {
                failsafe_call_failure(&fs)
            };
            if !admitted {
                // `call` ms have passed; the call before it tripped the breaker.
                return ensure(call > 1_000, || {
                    format!("failsafe's rate arm tripped after {call} ms, within its 1 s window")
                });
            }
        }
        Err("failsafe's rate arm did not trip at 67 % failures over 10 s".to_owned())
    })
}

/// failwell's breaker in the same target configuration, ticks in
/// nanoseconds: trip on [`CONSECUTIVE_FAILURES`] in a row or on ≥ 50 % of
/// the last `min(W, 100)` calls, open [`OPEN_FOR`]; with time buckets, `B`
/// of 100 ms.
///
/// # Panics
///
/// On a config failwell refuses (never for `W` ≥ 1 or `B` ≥ 1).
#[must_use]
pub fn new_failwell_breaker<const W: usize, const B: usize>() -> Breaker<W, B> {
    let open = u64::try_from(OPEN_FOR.as_nanos()).unwrap_or(u64::MAX);
    let minimum = u32::try_from(W.clamp(1, WINDOW_CALLS as usize)).unwrap_or(WINDOW_CALLS);
    let config = Config::new(open)
        .trip_on_consecutive_failures(CONSECUTIVE_FAILURES as u16)
        .trip_on_failure_rate(500, minimum)
        .bucket_width(100_000_000);
    match Breaker::new(config) {
        Ok(breaker) => breaker,
        Err(error) => panic!("bench breaker config: {error}"),
    }
}

/// failwell's breaker tripping only on failures in a row: no window.
///
/// # Panics
///
/// Never: the config is valid.
#[must_use]
pub fn new_failwell_consecutive() -> Breaker<0, 0> {
    let open = u64::try_from(OPEN_FOR.as_nanos()).unwrap_or(u64::MAX);
    let config = Config::new(open).trip_on_consecutive_failures(CONSECUTIVE_FAILURES as u16);
    match Breaker::new(config) {
        Ok(breaker) => breaker,
        Err(error) => panic!("bench breaker config: {error}"),
    }
}

/// One closed-state call through failwell's breaker that succeeds:
/// `try_acquire`, then `success`, each reading `clock`. True if admitted and
/// counted.
#[inline]
pub fn failwell_call_success<const W: usize, const B: usize>(
    breaker: &Breaker<W, B>,
    clock: &BenchClock,
) -> bool {
    match breaker.try_acquire(clock.now(), Tier::Essential) {
        Ok(permit) => permit.success(clock.now()) == Recorded::Counted,
        Err(_) => false,
    }
}

/// The same call failing; true if it was admitted.
#[inline]
pub fn failwell_call_failure<const W: usize, const B: usize>(
    breaker: &Breaker<W, B>,
    clock: &BenchClock,
) -> bool {
    match breaker.try_acquire(clock.now(), Tier::Essential) {
        Ok(permit) => permit.failure(clock.now()) == Recorded::Counted,
        Err(_) => false,
    }
}

/// Checks that failwell's bench breakers take the paths their names say:
/// healthy calls are admitted and counted, and failures open them.
///
/// # Errors
///
/// Names the first breaker that does not behave.
pub fn check_failwell() -> Result<(), String> {
    let clock = BenchClock::default();
    let windowed = new_failwell_breaker::<100, 10>();
    let consecutive = new_failwell_consecutive();
    if !(0..1_000).all(|_| {
        clock.advance(1_000);
        failwell_call_success(&windowed, &clock) && failwell_call_success(&consecutive, &clock)
    }) {
        return Err("failwell refused a healthy call".to_owned());
    }
    for _ in 0..CONSECUTIVE_FAILURES {
        failwell_call_failure(&windowed, &clock);
        failwell_call_failure(&consecutive, &clock);
    }
    if failwell_call_success(&windowed, &clock) || failwell_call_success(&consecutive, &clock) {
        return Err("failwell did not open after 5 failures".to_owned());
    }
    Ok(())
}
