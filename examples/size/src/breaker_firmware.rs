//! The part of the breaker firmware that is the same: the config, the
//! inputs they read and the hot path (acquire, then success or failure).
//! Included by both binaries with `#[path]`; each defines its own `static`
//! breaker (their types differ) under the same symbol, `FAILWELL_BREAKER`,
//! so `cargo xtask size` reads its size from the binary (`nm -S`).

// Each binary uses a part.
#![allow(dead_code)]

use failwell::breaker::{Breaker, Config, ConfigSource, Observer, Policy, Rejection};
use failwell::Tier;
use failwell_size::{input, output};

/// Count window: the last 16 calls.
pub const WINDOW: usize = 16;

/// Every policy on, so that no code path is left out: ticks are
/// milliseconds here. The config is data in the `static`, which the
/// compiler cannot see through (the firmware could have changed it), so
/// these values do not change the code, only the breaker's initial value.
pub const CONFIG: Config = Config::new(1_000)
    .trip_on_consecutive_failures(5)
    .trip_on_failure_rate(500, 10)
    .trip_on_slow_calls(200, 800)
    .bucket_width(1_000)
    .backoff(2_000, 60_000, 120_000)
    .jitter(100, 1)
    .half_open(2, 3, 1, 500)
    .ramp(&[100, 250, 500], 1_000);

/// The smallest useful breaker, its config fixed at compile time: trips
/// after 5 failures in a row, then 2 probes at once (2 successes close, 1
/// failure reopens) after a fixed open duration. No window, backoff,
/// jitter, slow-call policy or ramp.
pub struct Minimal;
impl Policy for Minimal {
    const CONFIG: Config = Config::new(1_000)
        .trip_on_consecutive_failures(5)
        .half_open(2, 2, 1, 500);
}

/// A count-window breaker, its config fixed at compile time: every policy
/// of [`CONFIG`] but the time window and the ramp.
pub struct CountWindow;
impl Policy for CountWindow {
    const CONFIG: Config = Config::new(1_000)
        .trip_on_consecutive_failures(5)
        .trip_on_failure_rate(500, 10)
        .trip_on_slow_calls(200, 800)
        .backoff(2_000, 60_000, 120_000)
        .jitter(100, 1)
        .half_open(2, 3, 1, 500);
}

/// `now` from inputs 0 and 1.
#[inline(always)]
pub fn now() -> u64 {
    u64::from(input::<0>()) | (u64::from(input::<1>()) << 32)
}

/// A tier from input 3.
#[inline(always)]
pub fn tier() -> Tier {
    Tier::from_u32(input::<3>()).unwrap_or(Tier::Optional)
}

/// The low and high halves of a `u64`.
pub fn halves(value: u64) -> (u32, u32) {
    let [a, b, c, d, e, f, g, h] = value.to_le_bytes();
    (
        u32::from_le_bytes([a, b, c, d]),
        u32::from_le_bytes([e, f, g, h]),
    )
}

/// A rejection as a status and the ticks it carries.
#[inline(always)]
pub fn rejection(rejection: Rejection) -> (u32, u64) {
    match rejection {
        Rejection::Open { retry_after } => (10, retry_after),
        Rejection::ProbesBusy { retry_after } => (11, retry_after),
        Rejection::NotProbing => (12, 0),
        Rejection::Ramp => (13, 0),
        _ => (14, 0),
    }
}

/// The hot path: `try_acquire` at `now`, then a success or a failure
/// (input 2's low bit) at the same tick; the outcome goes to outputs 0 and 1.
#[inline(always)]
pub fn hot<const W: usize, const B: usize, O: Observer, C: ConfigSource>(
    breaker: &Breaker<W, B, O, C>,
    now: u64,
) {
    let (status, detail) = match breaker.try_acquire(now, tier()) {
        Ok(permit) if input::<2>() & 1 == 0 => (permit.success(now) as u32, 0),
        Ok(permit) => (permit.failure(now) as u32 | 2, 0),
        Err(refused) => rejection(refused),
    };
    let (low, high) = halves(detail);
    output::<0>(status ^ low);
    output::<1>(high);
}
