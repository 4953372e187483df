//! The part of the two limiter firmware that is the same: the `static`
//! limiter and the `try_acquire` call. Included by both binaries with
//! `#[path]`, so each carries its own copy of the static.

use failwell::{LimiterConfig, RateLimiter, Rejection, Tier};
use failwell_size::{input, output};

/// The limiter, under a plain symbol name so `cargo xtask size` reads its
/// size from the binary (`nm -S`).
#[no_mangle]
pub static FAILWELL_LIMITER: RateLimiter =
    match RateLimiter::new(LimiterConfig::new(100, 1_000, 10).with_reserve(2, 3)) {
        Ok(limiter) => limiter,
        Err(_) => panic!("invalid limiter config"), // a compile-time error
    };

/// The low and high halves of a `u64`.
pub fn halves(value: u64) -> (u32, u32) {
    let [a, b, c, d, e, f, g, h] = value.to_le_bytes();
    (
        u32::from_le_bytes([a, b, c, d]),
        u32::from_le_bytes([e, f, g, h]),
    )
}

/// Reads `now`, a cost and a tier from the inputs, calls `try_acquire`,
/// writes the outcome to outputs 0 and 1, and returns `now`.
#[inline(always)]
pub fn acquire() -> u64 {
    let now = u64::from(input::<0>()) | (u64::from(input::<1>()) << 32);
    let cost = input::<2>();
    let tier = Tier::from_u32(input::<3>()).unwrap_or(Tier::Optional);
    let (status, detail) = match FAILWELL_LIMITER.try_acquire(now, cost, tier) {
        Ok(()) => (0, 0),
        Err(Rejection::RateLimited { retry_after }) => (1, retry_after),
        Err(Rejection::CostExceedsCapacity) => (2, 0),
        Err(_) => (3, 0),
    };
    output::<0>(status ^ halves(detail).0);
    output::<1>(halves(detail).1);
    now
}
