//! A GCRA rate limiter with priority tiers, in one 64-bit word of state.
//!
//! # Algorithm
//!
//! The generic cell rate algorithm keeps one number, the *theoretical arrival
//! time* `tat`: the tick at which the bucket would be full again if nothing
//! else arrived. A unit of cost is worth `interval = ceil(period / rate)`
//! ticks, and a tier may run up to `capacity(tier) × interval` ticks of debt
//! ahead of `now`. A request of `cost` units at `now` is admitted when
//!
//! ```text
//! max(tat, now) + cost × interval − now ≤ capacity(tier) × interval
//! ```
//!
//! and then `tat` becomes `max(tat, now) + cost × interval`. This is exactly a
//! token bucket of `burst` tokens refilled one token per `interval` ticks,
//! without a separate refill step.
//!
//! # Tiers
//!
//! The config can hold tokens back: `reserve_essential` tokens that only
//! [`Tier::Essential`] may take, and `reserve_important` more that only
//! Essential and [`Tier::Important`] may take. So [`Tier::Optional`] is
//! refused as soon as the bucket holds no more than the reserves, Important
//! once it holds no more than `reserve_essential`, and Essential only when it
//! is empty.
//!
//! # Time
//!
//! The limiter's *horizon* is its own span, `burst × interval` ticks: the
//! most debt `tat` can run ahead of the `now` of an admission. On a sane
//! clock, `tat ≤ t + horizon` where `t` is the latest `now` admitted.
//!
//! - A `now` earlier than the latest admission, by little enough that `tat −
//!   now ≤ 2 × horizon`, is judged with the refill measured to that `now`:
//!   it can only refuse more, never admit more, and when it admits, it
//!   leaves the state that admitting at the later time would have left.
//!   Such rejections are pure reads and record no time.
//! - Further back (`tat − now > 2 × horizon`: the clock stepped back by more
//!   than a whole bucket's refill time) is a *clock fault* of the earlier
//!   readings, the ones dated later. The request re-bases the limiter to the
//!   empty bucket at `now` (`tat := now + horizon`, the least permissive
//!   state a sane clock can reach), in the compare-and-swap loop an
//!   admission uses, and is judged there: refused, with the exact `retry_after`
//!   of that empty bucket (`cost × interval` for Essential). The re-base is
//!   the only write a rejection makes. So one spurious far-future reading
//!   (`u64::MAX − 100`, `1 << 40`) costs at most one bucket: back on the
//!   sane clock, the limiter refuses until the empty bucket refills, within
//!   `horizon` ticks, and then works as before. The rule cannot tell which
//!   reading was wrong: one spurious reading far in the *past* (a raw
//!   counter value among extended ones) is taken for the true time, the
//!   true readings after it find the bucket refilled, and it can let one
//!   extra burst through. [`snapshot`](RateLimiter::snapshot) reads a fault
//!   as a request would, without the write.
//! - `tat` never passes `u64::MAX`: a request whose admission would need it
//!   to (only reachable within `burst × interval` ticks of `u64::MAX`) is
//!   refused with `retry_after = u64::MAX` and changes nothing.
//! - [`reset`](RateLimiter::reset) is the operator's way back at once: the
//!   bucket full at `now`.
//! - The interval is rounded *up* to whole ticks, so the limiter never admits
//!   more than the configured rate; it admits `period / interval` units per
//!   period, which is below `rate` by less than one part in `interval`.

use crate::arith::div_to_u32;
use crate::sync::{StateWord, Step};
use crate::tier::Tier;

/// How a [`RateLimiter`] admits work. Checked once by [`RateLimiter::new`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct LimiterConfig {
    /// Units of cost admitted per `period`, sustained. At least 1. Units are
    /// spaced `ceil(period / rate)` ticks apart, so on a coarse clock the
    /// limiter admits fewer: `rate` 999 per `period` 1000 ticks admits 500
    /// (see [`RateLimiter::interval`]); choose ticks fine enough that
    /// `period / rate` is 100 or more (under 1 % lost).
    pub rate: u32,
    /// Ticks in which `rate` units are admitted. At least `rate`: the
    /// limiter cannot space units closer than one tick.
    pub period: u64,
    /// Units that may be admitted at one instant after a quiet spell. At least 1.
    pub burst: u32,
    /// Units of the burst that only [`Tier::Essential`] may take.
    pub reserve_essential: u32,
    /// Further units of the burst that only Essential and
    /// [`Tier::Important`] may take. The two reserves together must leave
    /// [`Tier::Optional`] at least one unit.
    pub reserve_important: u32,
}

impl LimiterConfig {
    /// `rate` units per `period` ticks, bursts of up to `burst` units, no reserves.
    #[must_use]
    pub const fn new(rate: u32, period: u64, burst: u32) -> Self {
        Self {
            rate,
            period,
            burst,
            reserve_essential: 0,
            reserve_important: 0,
        }
    }

    /// The same config with `essential` units kept for Essential work and
    /// `important` more kept for Essential and Important work.
    #[must_use]
    pub const fn with_reserve(mut self, essential: u32, important: u32) -> Self {
        self.reserve_essential = essential;
        self.reserve_important = important;
        self
    }
}

/// Why a [`LimiterConfig`] was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum LimiterConfigError {
    /// `rate` is 0: nothing could ever be admitted.
    ZeroRate,
    /// `period` is 0.
    ZeroPeriod,
    /// `burst` is 0: nothing could ever be admitted.
    ZeroBurst,
    /// `rate` is greater than `period`: more than one unit per tick cannot be
    /// spaced out. Use a finer tick or a longer period.
    RateAboveOnePerTick,
    /// `burst × ceil(period / rate)` does not fit in 64 bits of ticks.
    BurstTooLong,
    /// `reserve_essential + reserve_important` is not below `burst`, so
    /// [`Tier::Optional`] could never be admitted.
    ReserveTooLarge,
}

/// So that `?` carries a refused config into `Box<dyn Error>` and the like.
impl core::error::Error for LimiterConfigError {}

impl core::fmt::Display for LimiterConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::ZeroRate => "rate must be at least 1",
            Self::ZeroPeriod => "period must be at least 1 tick",
            Self::ZeroBurst => "burst must be at least 1",
            Self::RateAboveOnePerTick => "rate must not exceed one unit per tick (rate <= period)",
            Self::BurstTooLong => {
                "burst too long: burst x interval (period / rate, rounded up) overflows u64 ticks"
            }
            Self::ReserveTooLarge => "reserves must leave Optional at least one unit of burst",
        })
    }
}

/// Why a request was not admitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Rejection {
    /// Not now. The same request is admitted `retry_after` ticks later if
    /// nothing else is admitted meanwhile. `u64::MAX` means never on this
    /// clock (see the module docs on time).
    RateLimited {
        /// Ticks from `now` until this request would be admitted.
        retry_after: u64,
    },
    /// Never: the cost is more than this tier can ever hold at once
    /// ([`RateLimiter::capacity`] says how much it can). No field: working
    /// the capacity out would put a division on the rejection path.
    CostExceedsCapacity,
    /// A cost of 0 asks for nothing; it is refused so the caller's bug shows.
    ZeroCost,
}

impl core::error::Error for Rejection {}

impl core::fmt::Display for Rejection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::RateLimited {
                retry_after: u64::MAX,
            } => f.write_str("rate limited; not admitted again on this clock"),
            Self::RateLimited { retry_after } => {
                write!(f, "rate limited; retry after {retry_after} ticks")
            }
            Self::CostExceedsCapacity => f.write_str("cost exceeds this tier's capacity"),
            Self::ZeroCost => f.write_str("cost must be at least 1"),
        }
    }
}

/// What a [`RateLimiter`] could admit at one instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Snapshot {
    /// Whole units [`Tier::Essential`] could take now.
    pub essential: u32,
    /// Whole units [`Tier::Important`] could take now.
    pub important: u32,
    /// Whole units [`Tier::Optional`] could take now.
    pub optional: u32,
    /// Ticks until the bucket is full again; 0 when it is full.
    pub full_in: u64,
}

impl Snapshot {
    /// Whole units `tier` could take now.
    #[must_use]
    pub const fn available(&self, tier: Tier) -> u32 {
        match tier {
            Tier::Essential => self.essential,
            Tier::Important => self.important,
            Tier::Optional => self.optional,
        }
    }
}

/// A GCRA rate limiter with priority tiers; see the [module docs](self).
///
/// All methods take `&self` and are safe to call concurrently, including from
/// interrupt handlers. The state is one 64-bit word: lock-free where the
/// target has 64-bit atomics, a few instructions inside a critical section
/// elsewhere. The whole limiter is 40 bytes (8 of state, 32 of config) on
/// every target.
pub struct RateLimiter {
    /// Theoretical arrival time, in ticks.
    tat: StateWord,
    /// Ticks per unit of cost, at least 1.
    interval: u64,
    /// Ticks of debt each tier may run ahead of `now` (capacity × interval).
    limit_essential: u64,
    limit_important: u64,
    limit_optional: u64,
}

// 8 bytes of state and 32 of config on every target; the C header's storage
// (`failwell_limiter_t`) is sized from this.
#[cfg(not(loom))]
const _: () = assert!(core::mem::size_of::<RateLimiter>() == 40);

impl RateLimiter {
    const_unless_loom! {
        /// A limiter with a full bucket, or why `config` is refused.
        ///
        /// `const`, so a limiter can be a `static`.
        pub fn new(config: LimiterConfig) -> Result<Self, LimiterConfigError> {
            let LimiterConfig {
                rate,
                period,
                burst,
                reserve_essential,
                reserve_important,
            } = config;
            if rate == 0 {
                return Err(LimiterConfigError::ZeroRate);
            }
            if period == 0 {
                return Err(LimiterConfigError::ZeroPeriod);
            }
            if burst == 0 {
                return Err(LimiterConfigError::ZeroBurst);
            }
            // Lossless widening; `u64::from` is not const.
            let rate = rate as u64;
            if rate > period {
                return Err(LimiterConfigError::RateAboveOnePerTick);
            }
            let interval = period.div_ceil(rate);
            let reserved = match reserve_essential.checked_add(reserve_important) {
                Some(reserved) if reserved < burst => reserved,
                _ => return Err(LimiterConfigError::ReserveTooLarge),
            };
            let Some(limit_essential) = (burst as u64).checked_mul(interval) else {
                return Err(LimiterConfigError::BurstTooLong);
            };
            // Both are smaller multiples of `interval` than `limit_essential`,
            // and the subtractions cannot underflow: reserved < burst.
            #[allow(clippy::arithmetic_side_effects)]
            let limit_important = (burst - reserve_essential) as u64 * interval;
            #[allow(clippy::arithmetic_side_effects)]
            let limit_optional = (burst - reserved) as u64 * interval;
            Ok(Self {
                tat: StateWord::new(0),
                interval,
                limit_essential,
                limit_important,
                limit_optional,
            })
        }
    }

    /// Admits `cost` units of `tier` work at `now`, or says why not.
    ///
    /// Admission takes one compare-and-swap (retried under contention). A
    /// rejection only reads the state and writes nothing, with one exception:
    /// a clock fault is re-based by one compare-and-swap in the same loop,
    /// and the request refused against the empty bucket it leaves (see the
    /// [module docs](self#time)).
    #[inline]
    pub fn try_acquire(&self, now: u64, cost: u32, tier: Tier) -> Result<(), Rejection> {
        if cost == 0 {
            return Err(Rejection::ZeroCost);
        }
        // `room`: the debt (ticks ahead of `now`) this tier may already
        // carry and still take `cost`. Both steps fail only for a cost above
        // the tier's capacity.
        let Some(room) = u64::from(cost)
            .checked_mul(self.interval)
            .and_then(|cost_ticks| Some((cost_ticks, self.limit(tier).checked_sub(cost_ticks)?)))
        else {
            return Err(Rejection::CostExceedsCapacity);
        };
        let (cost_ticks, room) = room;
        self.tat
            .update(|tat| {
                let start = if tat > now { tat } else { now };
                // Exact: `start >= now`.
                let debt = start.wrapping_sub(now);
                if debt > room {
                    // `room` is below the horizon, so only a refusal can be
                    // a clock fault: the check stays off the admit path.
                    if let Some(rebased) = self.rebased(debt, now) {
                        // Judged against the empty bucket: its debt is the
                        // horizon, above any `room`, and the admission would
                        // end below the fault's `tat`, so it is exact.
                        let retry_after = self.limit_essential.wrapping_sub(room);
                        return Step::WriteAndRefuse(
                            rebased,
                            Rejection::RateLimited { retry_after },
                        );
                    }
                    // Waiting helps only if the admission will fit below u64::MAX.
                    let retry_after = match start.checked_add(cost_ticks) {
                        Some(_) => debt.wrapping_sub(room),
                        None => u64::MAX,
                    };
                    return Step::Refuse(Rejection::RateLimited { retry_after });
                }
                match start.checked_add(cost_ticks) {
                    Some(next) => Step::Write(next),
                    None => Step::Refuse(Rejection::RateLimited {
                        retry_after: u64::MAX,
                    }),
                }
            })
            .map(|_| ())
    }

    /// Makes the bucket full at `now`, from any state: `tat := min(tat,
    /// now)`. An operator's action, to recover at once from a clock that
    /// read ahead (by less than the horizon, which no request takes for a
    /// fault) or to forgive an overload. A bucket already full at `now` is
    /// left as it is, so a request at a slightly earlier `now` (a stale
    /// reading on another thread) is not refused because of the reset.
    pub fn reset(&self, now: u64) {
        self.tat.fetch_min(now);
    }

    /// What each tier could take at `now`. Reads the state; writes nothing.
    /// A clock fault at `now` reads as the empty bucket a request would
    /// re-base to (see the [module docs](self#time)).
    #[must_use]
    pub fn snapshot(&self, now: u64) -> Snapshot {
        let tat = self.tat.load();
        let tat = self.rebased(tat.saturating_sub(now), now).unwrap_or(tat);
        let debt = tat.saturating_sub(now);
        // Near the end of the tick range, only what still fits below u64::MAX
        // could be admitted (see the module docs on time).
        let headroom = u64::MAX.saturating_sub(tat.max(now));
        let units = |limit: u64| self.units(limit.saturating_sub(debt).min(headroom));
        Snapshot {
            essential: units(self.limit_essential),
            important: units(self.limit_important),
            optional: units(self.limit_optional),
            full_in: debt,
        }
    }

    /// The largest cost `tier` can ever be admitted for at once: the burst
    /// less the reserves held back from it.
    #[must_use]
    pub fn capacity(&self, tier: Tier) -> u32 {
        self.units(self.limit(tier))
    }

    /// Ticks each unit of cost is worth: `ceil(period / rate)`.
    #[must_use]
    pub const fn interval(&self) -> u64 {
        self.interval
    }

    /// When `debt` ticks ahead of `now` is a clock fault (more than twice
    /// the horizon `limit_essential`, which no sane clock leaves), the state
    /// it is re-based to: the empty bucket at `now`, `now + limit_essential`.
    #[inline]
    const fn rebased(&self, debt: u64, now: u64) -> Option<u64> {
        let horizon = self.limit_essential;
        // `debt > 2 × horizon` without overflow. On a clock that does not
        // step back, `debt <= horizon`: the first test settles it.
        if debt > horizon && debt.wrapping_sub(horizon) > horizon {
            // No wrap: `now + 2 × horizon < now + debt <= u64::MAX`.
            Some(now.wrapping_add(horizon))
        } else {
            None
        }
    }

    #[inline]
    const fn limit(&self, tier: Tier) -> u64 {
        match tier {
            Tier::Essential => self.limit_essential,
            Tier::Important => self.limit_important,
            Tier::Optional => self.limit_optional,
        }
    }

    /// Whole units in `ticks` (ticks never exceed `burst × interval`, so this
    /// fits in u32).
    fn units(&self, ticks: u64) -> u32 {
        div_to_u32(ticks, self.interval)
    }
}

impl core::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("tat", &self.tat.load())
            .field("interval", &self.interval)
            .field("capacity_essential", &self.capacity(Tier::Essential))
            .field("capacity_important", &self.capacity(Tier::Important))
            .field("capacity_optional", &self.capacity(Tier::Optional))
            .finish()
    }
}
