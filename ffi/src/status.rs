//! Status codes: every C function returns one.

use core::ffi::c_char;

/// What a call did. `FAILWELL_OK` is 0; admission outcomes are small
/// positive numbers; caller errors start at 100 and config errors at 200.
///
/// In C this is a `uint32_t`; [`failwell_status_str`] names any value.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum failwell_status_t {
    /// Done: the request was admitted or the object initialised.
    FAILWELL_OK = 0,
    /// Not now: over the rate for this tier. `retry_after` says when.
    FAILWELL_RATE_LIMITED = 1,
    /// Never: the cost exceeds what this tier can hold at once.
    FAILWELL_COST_EXCEEDS_CAPACITY = 2,
    /// A cost of 0 asks for nothing and is refused.
    FAILWELL_ZERO_COST = 3,
    /// A required pointer was NULL.
    FAILWELL_NULL_POINTER = 100,
    /// An object pointer is not aligned for its type.
    FAILWELL_MISALIGNED = 101,
    /// The object was never initialised (or was copied after init: objects
    /// are bound to the address they were initialised at).
    FAILWELL_UNINITIALIZED = 102,
    /// The tier is not one of the `FAILWELL_TIER_*` values.
    FAILWELL_INVALID_TIER = 103,
    /// Config: rate is 0.
    FAILWELL_CONFIG_ZERO_RATE = 200,
    /// Config: period is 0.
    FAILWELL_CONFIG_ZERO_PERIOD = 201,
    /// Config: burst is 0.
    FAILWELL_CONFIG_ZERO_BURST = 202,
    /// Config: rate is above one per tick (rate > period).
    FAILWELL_CONFIG_RATE_ABOVE_ONE_PER_TICK = 203,
    /// Config: burst x interval overflows 64-bit ticks.
    FAILWELL_CONFIG_BURST_TOO_LONG = 204,
    /// Config: the reserves leave Optional no capacity.
    FAILWELL_CONFIG_RESERVE_TOO_LARGE = 205,
    /// Config: a value this version does not know how to check.
    FAILWELL_CONFIG_INVALID = 299,
}

use failwell_status_t::*;

impl From<failwell::LimiterConfigError> for failwell_status_t {
    fn from(error: failwell::LimiterConfigError) -> Self {
        use failwell::LimiterConfigError as E;
        match error {
            E::ZeroRate => FAILWELL_CONFIG_ZERO_RATE,
            E::ZeroPeriod => FAILWELL_CONFIG_ZERO_PERIOD,
            E::ZeroBurst => FAILWELL_CONFIG_ZERO_BURST,
            E::RateAboveOnePerTick => FAILWELL_CONFIG_RATE_ABOVE_ONE_PER_TICK,
            E::BurstTooLong => FAILWELL_CONFIG_BURST_TOO_LONG,
            E::ReserveTooLarge => FAILWELL_CONFIG_RESERVE_TOO_LARGE,
            _ => FAILWELL_CONFIG_INVALID,
        }
    }
}

impl failwell_status_t {
    const ALL: [failwell_status_t; 15] = [
        FAILWELL_OK,
        FAILWELL_RATE_LIMITED,
        FAILWELL_COST_EXCEEDS_CAPACITY,
        FAILWELL_ZERO_COST,
        FAILWELL_NULL_POINTER,
        FAILWELL_MISALIGNED,
        FAILWELL_UNINITIALIZED,
        FAILWELL_INVALID_TIER,
        FAILWELL_CONFIG_ZERO_RATE,
        FAILWELL_CONFIG_ZERO_PERIOD,
        FAILWELL_CONFIG_ZERO_BURST,
        FAILWELL_CONFIG_RATE_ABOVE_ONE_PER_TICK,
        FAILWELL_CONFIG_BURST_TOO_LONG,
        FAILWELL_CONFIG_RESERVE_TOO_LARGE,
        FAILWELL_CONFIG_INVALID,
    ];

    /// The status with this value, if there is one.
    pub fn from_u32(value: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|status| *status as u32 == value)
    }

    /// A NUL-terminated, static description.
    const fn description(self) -> &'static core::ffi::CStr {
        match self {
            FAILWELL_OK => c"ok",
            FAILWELL_RATE_LIMITED => c"rate limited: retry after retry_after ticks",
            FAILWELL_COST_EXCEEDS_CAPACITY => c"cost exceeds the tier's capacity",
            FAILWELL_ZERO_COST => c"cost must be at least 1",
            FAILWELL_NULL_POINTER => c"a required pointer is NULL",
            FAILWELL_MISALIGNED => c"object pointer is misaligned",
            FAILWELL_UNINITIALIZED => c"object is not initialised (or was copied after init)",
            FAILWELL_INVALID_TIER => c"tier is not a FAILWELL_TIER_* value",
            FAILWELL_CONFIG_ZERO_RATE => c"config: rate must be at least 1",
            FAILWELL_CONFIG_ZERO_PERIOD => c"config: period must be at least 1 tick",
            FAILWELL_CONFIG_ZERO_BURST => c"config: burst must be at least 1",
            FAILWELL_CONFIG_RATE_ABOVE_ONE_PER_TICK => {
                c"config: rate must not exceed one per tick (rate <= period)"
            }
            FAILWELL_CONFIG_BURST_TOO_LONG => c"config: burst x interval overflows 64-bit ticks",
            FAILWELL_CONFIG_RESERVE_TOO_LARGE => {
                c"config: reserves must leave Optional at least one unit of burst"
            }
            FAILWELL_CONFIG_INVALID => c"config: invalid",
        }
    }
}

/// A static, NUL-terminated description of `status`; never NULL. Values that
/// are not a `failwell_status_t` get "unknown status".
#[no_mangle]
pub extern "C" fn failwell_status_str(status: u32) -> *const c_char {
    failwell_status_t::from_u32(status)
        .map_or(c"unknown status", failwell_status_t::description)
        .as_ptr()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_and_has_a_distinct_description() {
        for (i, status) in failwell_status_t::ALL.iter().enumerate() {
            assert_eq!(failwell_status_t::from_u32(*status as u32), Some(*status));
            for other in failwell_status_t::ALL.iter().skip(i + 1) {
                assert_ne!(status.description(), other.description());
            }
        }
        assert_eq!(failwell_status_t::from_u32(4), None);
        assert_eq!(failwell_status_t::from_u32(u32::MAX), None);
    }
}
