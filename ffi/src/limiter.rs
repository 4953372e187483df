//! `failwell_limiter_*`: the GCRA rate limiter through the C ABI.

use failwell::{LimiterConfig, RateLimiter, Rejection, Tier};

use crate::failwell_status_t::{self, *};
use crate::failwell_tier_t;
use crate::object::{self, assert_storage_fits, write_opt, write_out, Object};

/// 64-bit words of storage in a `failwell_limiter_t`.
pub const FAILWELL_LIMITER_WORDS: usize = 6;

/// Caller-allocated storage for a rate limiter: exactly the size of the
/// Rust object and at least its alignment. Treat it as opaque; set it up with
/// `failwell_limiter_init` before any other call, and do not copy it after.
///
/// Aligned to 8 bytes everywhere, including where C aligns `uint64_t` to 4
/// (32-bit x86), because the Rust object holds a 64-bit atomic.
#[repr(C, align(8))]
pub struct failwell_limiter_t {
    opaque: [u64; FAILWELL_LIMITER_WORDS],
}

impl Object for RateLimiter {
    type Storage = failwell_limiter_t;
    const MAGIC: usize = 0x4c49_4d54; // "LIMT"
}

assert_storage_fits!(RateLimiter, failwell_limiter_t);

/// How a rate limiter admits work; checked by `failwell_limiter_init`.
///
/// The fields are in the order of the Rust crate's `LimiterConfig::new(rate,
/// period, burst)` and the C++ wrapper's `Config(rate, period, burst)`, so a
/// config written positionally (`{100, 1000, 20, 5, 5}`: 100 units per 1000
/// ticks, bursts of 20, 5 + 5 units reserved) means the same in every
/// language. (That order leaves padding after `rate`: compare configs field
/// by field, not byte by byte.)
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct failwell_limiter_config_t {
    /// Units of cost admitted per `period`, sustained. At least 1, at most
    /// `period`. Each unit is spaced `ceil(period / rate)` ticks apart, so
    /// the limiter admits `period / ceil(period / rate)` units per period:
    /// never more than `rate`, and less when `rate` does not divide
    /// `period` on a coarse clock (`rate` 999 per `period` 1000 ticks admits
    /// 500). Use ticks fine enough that `period / rate` is large (below 1 %
    /// lost once it is at least 100), or a `rate` that divides `period`.
    pub rate: u32,
    /// Ticks in which `rate` units are admitted. At least 1.
    pub period: u64,
    /// Units that may be admitted at one instant after a quiet spell. At least 1.
    pub burst: u32,
    /// Units of the burst only FAILWELL_TIER_ESSENTIAL may take.
    pub reserve_essential: u32,
    /// Further units only ESSENTIAL and IMPORTANT may take. The reserves
    /// together must leave OPTIONAL at least one unit.
    pub reserve_important: u32,
}

/// What a rate limiter could admit at one instant.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct failwell_limiter_snapshot_t {
    /// Whole units FAILWELL_TIER_ESSENTIAL could take now.
    pub essential: u32,
    /// Whole units FAILWELL_TIER_IMPORTANT could take now.
    pub important: u32,
    /// Whole units FAILWELL_TIER_OPTIONAL could take now.
    pub optional: u32,
    /// Ticks until the bucket is full again; 0 when full.
    pub full_in: u64,
}

fn status(result: Result<(), failwell_status_t>) -> failwell_status_t {
    result.err().unwrap_or(FAILWELL_OK)
}

fn tier(value: failwell_tier_t) -> Result<Tier, failwell_status_t> {
    Tier::from_u32(value).ok_or(FAILWELL_INVALID_TIER)
}

/// Initialises `limiter` from `config`, with a full bucket.
///
/// Returns FAILWELL_OK, FAILWELL_NULL_POINTER, FAILWELL_MISALIGNED or a
/// FAILWELL_CONFIG_* status; on error `limiter` is left as it was. Must not
/// run concurrently with any other call on the same `limiter`.
///
/// # Safety
///
/// Each pointer must be NULL or valid for its type: `limiter` for writes of
/// `sizeof(failwell_limiter_t)` bytes, `config` for reads.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn failwell_limiter_init(
    limiter: *mut failwell_limiter_t,
    config: *const failwell_limiter_config_t,
) -> failwell_status_t {
    status((|| {
        if config.is_null() {
            return Err(FAILWELL_NULL_POINTER);
        }
        // SAFETY: non-null, and valid for reads per the contract; every bit
        // pattern is a valid `failwell_limiter_config_t` (plain integers).
        let config = unsafe { config.read_unaligned() };
        let value = RateLimiter::new(
            LimiterConfig::new(config.rate, config.period, config.burst)
                .with_reserve(config.reserve_essential, config.reserve_important),
        )?;
        // SAFETY: writable and unshared for this call per the contract.
        unsafe { object::init(limiter, value) }
    })())
}

/// Admits `cost` units of `tier` work at `now`, or says why not.
///
/// - FAILWELL_OK: admitted; `*retry_after` = 0.
/// - FAILWELL_RATE_LIMITED: not now; `*retry_after` = ticks until this same
///   request would be admitted (UINT64_MAX: never on this clock). A `now`
///   more than two whole buckets (2 x burst x interval ticks) behind the
///   limiter's time is a clock fault of the later reading: the limiter
///   starts over from an empty bucket at `now` and refuses against it.
/// - FAILWELL_COST_EXCEEDS_CAPACITY: never; `*retry_after` = UINT64_MAX.
/// - FAILWELL_ZERO_COST, FAILWELL_INVALID_TIER, FAILWELL_NULL_POINTER,
///   FAILWELL_MISALIGNED, FAILWELL_UNINITIALIZED: nothing happened and
///   `*retry_after` is not written.
///
/// `retry_after` may be NULL. Thread-safe and ISR-safe.
///
/// # Safety
///
/// `limiter` must be NULL or valid for reads of `sizeof(failwell_limiter_t)`
/// bytes; `retry_after` NULL or valid for a write.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn failwell_limiter_acquire(
    limiter: *mut failwell_limiter_t,
    now: u64,
    cost: u32,
    tier: failwell_tier_t,
    retry_after: *mut u64,
) -> failwell_status_t {
    status((|| {
        // SAFETY: readable per the contract; `get` checks the rest.
        let limiter = unsafe { object::get::<RateLimiter>(limiter) }?;
        let (result, wait) = match limiter.try_acquire(now, cost, self::tier(tier)?) {
            Ok(()) => (Ok(()), 0),
            Err(Rejection::RateLimited { retry_after }) => {
                (Err(FAILWELL_RATE_LIMITED), retry_after)
            }
            Err(Rejection::CostExceedsCapacity) => (Err(FAILWELL_COST_EXCEEDS_CAPACITY), u64::MAX),
            Err(_) => return Err(FAILWELL_ZERO_COST),
        };
        // SAFETY: NULL or writable per the contract.
        unsafe { write_opt(retry_after, wait) };
        result
    })())
}

/// Makes `limiter`'s bucket full at `now`, from any state (an operator's
/// action, e.g. after the clock read far ahead). A bucket already full at
/// `now` is left as it is.
///
/// Returns FAILWELL_OK, FAILWELL_NULL_POINTER, FAILWELL_MISALIGNED or
/// FAILWELL_UNINITIALIZED. Thread-safe and ISR-safe. Not must-use: the status
/// may be ignored (`(void)`), as it is FAILWELL_OK for an initialised limiter
/// and on an error nothing happened.
///
/// # Safety
///
/// `limiter` must be NULL or valid for reads of `sizeof(failwell_limiter_t)`
/// bytes.
#[no_mangle]
pub unsafe extern "C" fn failwell_limiter_reset(
    limiter: *mut failwell_limiter_t,
    now: u64,
) -> failwell_status_t {
    status((|| {
        // SAFETY: readable per the contract; `get` checks the rest.
        let limiter = unsafe { object::get::<RateLimiter>(limiter) }?;
        limiter.reset(now);
        Ok(())
    })())
}

/// Writes what each tier could take at `now` to `*snapshot`.
///
/// Returns FAILWELL_OK, FAILWELL_NULL_POINTER (either pointer),
/// FAILWELL_MISALIGNED or FAILWELL_UNINITIALIZED. Thread-safe and ISR-safe.
///
/// # Safety
///
/// `limiter` must be NULL or valid for reads of `sizeof(failwell_limiter_t)`
/// bytes; `snapshot` NULL or valid for a write.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn failwell_limiter_snapshot(
    limiter: *const failwell_limiter_t,
    now: u64,
    snapshot: *mut failwell_limiter_snapshot_t,
) -> failwell_status_t {
    status((|| {
        // SAFETY: readable per the contract; `get` checks the rest.
        let limiter = unsafe { object::get::<RateLimiter>(limiter) }?;
        let s = limiter.snapshot(now);
        let value = failwell_limiter_snapshot_t {
            essential: s.essential,
            important: s.important,
            optional: s.optional,
            full_in: s.full_in,
        };
        // SAFETY: NULL (refused) or writable per the contract.
        unsafe { write_out(snapshot, value) }
    })())
}

/// Writes the largest cost `tier` can ever be admitted for to `*capacity`.
///
/// Returns FAILWELL_OK, FAILWELL_NULL_POINTER, FAILWELL_MISALIGNED,
/// FAILWELL_UNINITIALIZED or FAILWELL_INVALID_TIER.
///
/// # Safety
///
/// `limiter` must be NULL or valid for reads of `sizeof(failwell_limiter_t)`
/// bytes; `capacity` NULL or valid for a write.
#[must_use]
#[no_mangle]
pub unsafe extern "C" fn failwell_limiter_capacity(
    limiter: *const failwell_limiter_t,
    tier: failwell_tier_t,
    capacity: *mut u32,
) -> failwell_status_t {
    status((|| {
        // SAFETY: readable per the contract; `get` checks the rest.
        let limiter = unsafe { object::get::<RateLimiter>(limiter) }?;
        let value = limiter.capacity(self::tier(tier)?);
        // SAFETY: NULL (refused) or writable per the contract.
        unsafe { write_out(capacity, value) }
    })())
}
