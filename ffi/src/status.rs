//! Status codes: every C function returns one.

use core::ffi::c_char;

/// What a call did. `FAILWELL_OK` is 0; outcomes that are no error
/// (refusals, a stale permit) are 1..99, caller errors 100..199 and config
/// errors 200..299. Within each range every primitive has its own block of
/// ten or more: the rate limiter 1.., 100.., 200..; the circuit breaker
/// 10.., 110.., 210..; shared values (NULL pointers, tiers, ...) come first.
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
    /// Breaker open: `retry_after` says when it turns half-open.
    FAILWELL_BREAKER_OPEN = 10,
    /// Breaker half-open with every probe slot taken: `retry_after` says
    /// when the probes in flight time out (a slot may free sooner).
    FAILWELL_PROBES_BUSY = 11,
    /// Breaker half-open, and this tier may not probe.
    FAILWELL_NOT_PROBING = 12,
    /// Breaker recovering: this call is outside the share the current ramp
    /// stage admits for its tier.
    FAILWELL_RAMP_SHED = 13,
    /// Breaker held open by an operator until `failwell_breaker_reset`.
    FAILWELL_FORCED_OPEN = 14,
    /// The outcome was ignored, harmlessly: the breaker changed state since
    /// the permit was issued, or the probe was reported already or timed
    /// out. Normal under concurrency; the permit is now spent.
    FAILWELL_PERMIT_STALE = 15,
    /// Breaker refused the call for a reason this version has no status for.
    FAILWELL_BREAKER_REFUSED = 19,
    /// A required pointer was NULL.
    FAILWELL_NULL_POINTER = 100,
    /// An object pointer is not aligned for its type.
    FAILWELL_MISALIGNED = 101,
    /// The object was never initialised (or was copied after init: objects
    /// are bound to the address they were initialised at).
    FAILWELL_UNINITIALIZED = 102,
    /// The tier is not one of the `FAILWELL_TIER_*` values.
    FAILWELL_INVALID_TIER = 103,
    /// The permit was not issued by this breaker (never issued, zeroed,
    /// written to, or from another breaker or address).
    FAILWELL_PERMIT_INVALID = 110,
    /// The permit was reported already.
    FAILWELL_PERMIT_SPENT = 111,
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
    /// Breaker config: no trip policy is on, so the breaker could never open.
    FAILWELL_CONFIG_NO_TRIP_POLICY = 210,
    /// Breaker config: failure_rate or slow_call_rate is above 1000 permille.
    FAILWELL_CONFIG_RATE_ABOVE_1000 = 211,
    /// Breaker config: a rate policy is on but the breaker has no window.
    FAILWELL_CONFIG_RATE_WITHOUT_WINDOW = 212,
    /// Breaker config: minimum_calls is 0.
    FAILWELL_CONFIG_ZERO_MINIMUM_CALLS = 213,
    /// Breaker config: minimum_calls exceeds the count window, and there is
    /// no time window.
    FAILWELL_CONFIG_MINIMUM_CALLS_ABOVE_WINDOW = 214,
    /// Breaker config: bucket_width is 0.
    FAILWELL_CONFIG_ZERO_BUCKET_WIDTH = 215,
    /// Breaker config: the windows are too large.
    FAILWELL_CONFIG_WINDOW_TOO_LARGE = 216,
    /// Breaker config: open_duration is 0.
    FAILWELL_CONFIG_ZERO_OPEN_DURATION = 217,
    /// Breaker config: backoff_factor is below 1000 permille.
    FAILWELL_CONFIG_BACKOFF_BELOW_ONE = 218,
    /// Breaker config: max_open_duration is below open_duration.
    FAILWELL_CONFIG_MAX_BELOW_OPEN_DURATION = 219,
    /// Breaker config: jitter is above 1000 permille.
    FAILWELL_CONFIG_JITTER_ABOVE_1000 = 220,
    /// Breaker config: probes is 0 or above FAILWELL_BREAKER_MAX_PROBES.
    FAILWELL_CONFIG_PROBES_OUT_OF_RANGE = 221,
    /// Breaker config: probe_successes or probe_failures is 0.
    FAILWELL_CONFIG_ZERO_PROBE_THRESHOLD = 222,
    /// Breaker config: probe_timeout is 0.
    FAILWELL_CONFIG_ZERO_PROBE_TIMEOUT = 223,
    /// Breaker config: a ramp step is 0, 1000 or more, or not above the one before.
    FAILWELL_CONFIG_RAMP_NOT_RISING = 224,
    /// Breaker config: more than FAILWELL_BREAKER_MAX_RAMP_STEPS steps, or
    /// steps plus the largest ramp_delay above 7 stages.
    FAILWELL_CONFIG_RAMP_TOO_LONG = 225,
    /// Breaker config: ramp_steps > 0 but ramp_stage_duration is 0.
    FAILWELL_CONFIG_ZERO_RAMP_STAGE = 226,
    /// Breaker config: no tier may probe, so the breaker could never close.
    FAILWELL_CONFIG_NO_TIER_MAY_PROBE = 227,
    /// Breaker config: a duration with its jitter, or the time window's
    /// span (10 x bucket_width), overflows 64-bit ticks.
    FAILWELL_CONFIG_DURATION_OVERFLOW = 228,
    /// Breaker config: a may_probe entry is neither 0 nor 1.
    FAILWELL_CONFIG_MAY_PROBE_NOT_BOOLEAN = 229,
    /// Breaker config: backoff_factor is above 1000 but too small to lengthen
    /// open_duration by a tick (open_duration x (backoff_factor - 1000) < 1000),
    /// so the open duration would never grow.
    FAILWELL_CONFIG_BACKOFF_TOO_SMALL = 230,
    /// Breaker config: jitter is above 0 but too small to add a tick to
    /// open_duration (open_duration x jitter < 1000).
    FAILWELL_CONFIG_JITTER_TOO_SMALL = 231,
    /// Breaker config: jitter_reproducible is neither 0 nor 1.
    FAILWELL_CONFIG_JITTER_REPRODUCIBLE_NOT_BOOLEAN = 232,
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

impl From<failwell::breaker::ConfigError> for failwell_status_t {
    fn from(error: failwell::breaker::ConfigError) -> Self {
        use failwell::breaker::ConfigError as E;
        match error {
            E::NoTripPolicy => FAILWELL_CONFIG_NO_TRIP_POLICY,
            E::RateAbove1000 => FAILWELL_CONFIG_RATE_ABOVE_1000,
            E::RateWithoutWindow => FAILWELL_CONFIG_RATE_WITHOUT_WINDOW,
            E::ZeroMinimumCalls => FAILWELL_CONFIG_ZERO_MINIMUM_CALLS,
            E::MinimumCallsAboveWindow => FAILWELL_CONFIG_MINIMUM_CALLS_ABOVE_WINDOW,
            E::ZeroBucketWidth => FAILWELL_CONFIG_ZERO_BUCKET_WIDTH,
            E::WindowTooLarge => FAILWELL_CONFIG_WINDOW_TOO_LARGE,
            E::ZeroOpenDuration => FAILWELL_CONFIG_ZERO_OPEN_DURATION,
            E::BackoffBelowOne => FAILWELL_CONFIG_BACKOFF_BELOW_ONE,
            E::MaxBelowOpenDuration => FAILWELL_CONFIG_MAX_BELOW_OPEN_DURATION,
            E::JitterAbove1000 => FAILWELL_CONFIG_JITTER_ABOVE_1000,
            E::ProbesOutOfRange => FAILWELL_CONFIG_PROBES_OUT_OF_RANGE,
            E::ZeroProbeThreshold => FAILWELL_CONFIG_ZERO_PROBE_THRESHOLD,
            E::ZeroProbeTimeout => FAILWELL_CONFIG_ZERO_PROBE_TIMEOUT,
            E::RampNotRising => FAILWELL_CONFIG_RAMP_NOT_RISING,
            E::RampTooLong => FAILWELL_CONFIG_RAMP_TOO_LONG,
            E::ZeroRampStage => FAILWELL_CONFIG_ZERO_RAMP_STAGE,
            E::NoTierMayProbe => FAILWELL_CONFIG_NO_TIER_MAY_PROBE,
            E::DurationOverflow => FAILWELL_CONFIG_DURATION_OVERFLOW,
            E::BackoffTooSmall => FAILWELL_CONFIG_BACKOFF_TOO_SMALL,
            E::JitterTooSmall => FAILWELL_CONFIG_JITTER_TOO_SMALL,
            _ => FAILWELL_CONFIG_INVALID,
        }
    }
}

impl failwell_status_t {
    const ALL: [failwell_status_t; 47] = [
        FAILWELL_OK,
        FAILWELL_RATE_LIMITED,
        FAILWELL_COST_EXCEEDS_CAPACITY,
        FAILWELL_ZERO_COST,
        FAILWELL_BREAKER_OPEN,
        FAILWELL_PROBES_BUSY,
        FAILWELL_NOT_PROBING,
        FAILWELL_RAMP_SHED,
        FAILWELL_FORCED_OPEN,
        FAILWELL_PERMIT_STALE,
        FAILWELL_BREAKER_REFUSED,
        FAILWELL_NULL_POINTER,
        FAILWELL_MISALIGNED,
        FAILWELL_UNINITIALIZED,
        FAILWELL_INVALID_TIER,
        FAILWELL_PERMIT_INVALID,
        FAILWELL_PERMIT_SPENT,
        FAILWELL_CONFIG_ZERO_RATE,
        FAILWELL_CONFIG_ZERO_PERIOD,
        FAILWELL_CONFIG_ZERO_BURST,
        FAILWELL_CONFIG_RATE_ABOVE_ONE_PER_TICK,
        FAILWELL_CONFIG_BURST_TOO_LONG,
        FAILWELL_CONFIG_RESERVE_TOO_LARGE,
        FAILWELL_CONFIG_NO_TRIP_POLICY,
        FAILWELL_CONFIG_RATE_ABOVE_1000,
        FAILWELL_CONFIG_RATE_WITHOUT_WINDOW,
        FAILWELL_CONFIG_ZERO_MINIMUM_CALLS,
        FAILWELL_CONFIG_MINIMUM_CALLS_ABOVE_WINDOW,
        FAILWELL_CONFIG_ZERO_BUCKET_WIDTH,
        FAILWELL_CONFIG_WINDOW_TOO_LARGE,
        FAILWELL_CONFIG_ZERO_OPEN_DURATION,
        FAILWELL_CONFIG_BACKOFF_BELOW_ONE,
        FAILWELL_CONFIG_MAX_BELOW_OPEN_DURATION,
        FAILWELL_CONFIG_JITTER_ABOVE_1000,
        FAILWELL_CONFIG_PROBES_OUT_OF_RANGE,
        FAILWELL_CONFIG_ZERO_PROBE_THRESHOLD,
        FAILWELL_CONFIG_ZERO_PROBE_TIMEOUT,
        FAILWELL_CONFIG_RAMP_NOT_RISING,
        FAILWELL_CONFIG_RAMP_TOO_LONG,
        FAILWELL_CONFIG_ZERO_RAMP_STAGE,
        FAILWELL_CONFIG_NO_TIER_MAY_PROBE,
        FAILWELL_CONFIG_DURATION_OVERFLOW,
        FAILWELL_CONFIG_MAY_PROBE_NOT_BOOLEAN,
        FAILWELL_CONFIG_BACKOFF_TOO_SMALL,
        FAILWELL_CONFIG_JITTER_TOO_SMALL,
        FAILWELL_CONFIG_JITTER_REPRODUCIBLE_NOT_BOOLEAN,
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
            FAILWELL_RATE_LIMITED => {
                c"rate limited: refused for now, over the rate for this tier (see retry_after)"
            }
            FAILWELL_COST_EXCEEDS_CAPACITY => {
                c"cost too large: refused for good, more than this tier can ever take at once"
            }
            FAILWELL_ZERO_COST => c"cost must be at least 1",
            FAILWELL_BREAKER_OPEN => {
                c"breaker open: refused until the open duration is over (see retry_after)"
            }
            FAILWELL_PROBES_BUSY => {
                c"breaker half-open: refused, every probe slot is taken (see retry_after)"
            }
            FAILWELL_NOT_PROBING => c"breaker half-open: refused, this tier may not probe",
            FAILWELL_RAMP_SHED => {
                c"breaker recovering: refused, outside the share the ramp admits for this tier"
            }
            FAILWELL_FORCED_OPEN => c"breaker forced open: refused until an operator resets it",
            FAILWELL_PERMIT_STALE => {
                c"outcome ignored, harmlessly: the breaker changed state, or the probe timed \
                  out, since the permit was issued"
            }
            FAILWELL_BREAKER_REFUSED => {
                c"breaker: refused for a reason this version has no status for"
            }
            FAILWELL_NULL_POINTER => c"a required pointer is NULL",
            FAILWELL_MISALIGNED => c"object pointer is misaligned",
            FAILWELL_UNINITIALIZED => c"object is not initialised (or was copied after init)",
            FAILWELL_INVALID_TIER => c"tier is not a FAILWELL_TIER_* value",
            FAILWELL_PERMIT_INVALID => c"permit was not issued by this breaker",
            FAILWELL_PERMIT_SPENT => c"permit was reported already",
            FAILWELL_CONFIG_ZERO_RATE => c"config: rate must be at least 1",
            FAILWELL_CONFIG_ZERO_PERIOD => c"config: period must be at least 1 tick",
            FAILWELL_CONFIG_ZERO_BURST => c"config: burst must be at least 1",
            FAILWELL_CONFIG_RATE_ABOVE_ONE_PER_TICK => {
                c"config: rate must not exceed one per tick (rate <= period)"
            }
            FAILWELL_CONFIG_BURST_TOO_LONG => {
                c"config: burst too long: burst x period / rate overflows 64-bit ticks"
            }
            FAILWELL_CONFIG_RESERVE_TOO_LARGE => {
                c"config: reserves must leave Optional at least one unit of burst"
            }
            FAILWELL_CONFIG_NO_TRIP_POLICY => {
                c"config: no trip policy is on, so the breaker could never open"
            }
            FAILWELL_CONFIG_RATE_ABOVE_1000 => {
                c"config: failure_rate and slow_call_rate are permille: at most 1000"
            }
            FAILWELL_CONFIG_RATE_WITHOUT_WINDOW => {
                c"config: a rate policy needs a count or time window"
            }
            FAILWELL_CONFIG_ZERO_MINIMUM_CALLS => c"config: minimum_calls must be at least 1",
            FAILWELL_CONFIG_MINIMUM_CALLS_ABOVE_WINDOW => {
                c"config: minimum_calls is more than the count window holds, with no time \
                  window (bucket_width 0)"
            }
            FAILWELL_CONFIG_ZERO_BUCKET_WIDTH => c"config: bucket_width must be at least 1 tick",
            FAILWELL_CONFIG_WINDOW_TOO_LARGE => c"config: the windows are too large",
            FAILWELL_CONFIG_ZERO_OPEN_DURATION => c"config: open_duration must be at least 1 tick",
            FAILWELL_CONFIG_BACKOFF_BELOW_ONE => {
                c"config: backoff_factor must be at least 1000 permille"
            }
            FAILWELL_CONFIG_MAX_BELOW_OPEN_DURATION => {
                c"config: max_open_duration must be at least open_duration"
            }
            FAILWELL_CONFIG_JITTER_ABOVE_1000 => c"config: jitter is permille: at most 1000",
            FAILWELL_CONFIG_PROBES_OUT_OF_RANGE => c"config: probes must be from 1 to 16",
            FAILWELL_CONFIG_ZERO_PROBE_THRESHOLD => {
                c"config: probe_successes and probe_failures must be at least 1"
            }
            FAILWELL_CONFIG_ZERO_PROBE_TIMEOUT => c"config: probe_timeout must be at least 1 tick",
            FAILWELL_CONFIG_RAMP_NOT_RISING => {
                c"config: ramp steps must rise strictly, each from 1 to 999 permille"
            }
            FAILWELL_CONFIG_RAMP_TOO_LONG => {
                c"config: ramp too long: at most 4 steps, and 7 stages counting the largest \
                  ramp_delay"
            }
            FAILWELL_CONFIG_ZERO_RAMP_STAGE => {
                c"config: ramp_stage_duration must be at least 1 tick"
            }
            FAILWELL_CONFIG_NO_TIER_MAY_PROBE => {
                c"config: no tier may probe, so the breaker could never close"
            }
            FAILWELL_CONFIG_DURATION_OVERFLOW => {
                c"config: a duration with its jitter, or the time window's span \
                  (10 x bucket_width), overflows 64-bit ticks"
            }
            FAILWELL_CONFIG_MAY_PROBE_NOT_BOOLEAN => c"config: may_probe entries must be 0 or 1",
            FAILWELL_CONFIG_BACKOFF_TOO_SMALL => {
                c"config: backoff_factor too small to lengthen open_duration by a tick"
            }
            FAILWELL_CONFIG_JITTER_TOO_SMALL => {
                c"config: jitter too small to add a tick to open_duration"
            }
            FAILWELL_CONFIG_JITTER_REPRODUCIBLE_NOT_BOOLEAN => {
                c"config: jitter_reproducible must be 0 or 1"
            }
            FAILWELL_CONFIG_INVALID => {
                c"config: refused for a reason this version has no status for"
            }
        }
    }
}

/// A static, NUL-terminated description of `status`; never NULL. Values that
/// are not a `failwell_status_t` get "unknown status". Each says in words
/// what happened ("breaker open: refused until the open duration is over
/// (see retry_after)"); one that comes with an out-value names it only as
/// "(see NAME)", since the string cannot hold the value.
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
        assert_eq!(failwell_status_t::from_u32(16), None);
        assert_eq!(failwell_status_t::from_u32(104), None);
        assert_eq!(failwell_status_t::from_u32(206), None);
        assert_eq!(failwell_status_t::from_u32(233), None);
        assert_eq!(failwell_status_t::from_u32(u32::MAX), None);
    }
}
