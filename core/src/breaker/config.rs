//! What a [`Breaker`](super::Breaker) is told, and how that is checked.

use crate::tier::Tier;

/// The most probes a half-open breaker lets through at once.
pub const MAX_PROBES: u8 = 16;
/// The most steps a recovery ramp may have.
pub const MAX_RAMP_STEPS: usize = 4;
/// The most stages a ramp may last: its steps plus the largest tier delay.
pub const MAX_RAMP_STAGES: u8 = 7;
/// The most calls a count window may hold, so that a window's counts fit
/// in 21 bits: the `WINDOW` of a [`Breaker`](super::Breaker).
///
/// A larger `WINDOW` does not compile (the breaker would also be over a
/// mebibyte): the error names `Breaker<WINDOW, BUCKETS>` and this limit.
///
/// ```compile_fail,E0080
/// use failwell::breaker::{Breaker, Config, MAX_WINDOW};
/// let config = Config::new(10).trip_on_consecutive_failures(1);
/// let breaker = Breaker::<{ MAX_WINDOW + 1 }, 0>::new(config);
/// ```
///
/// The largest sizes compile (here as a `static`, built at compile time):
///
/// ```
/// use failwell::breaker::{Breaker, Config, ConfigError, MAX_BUCKETS, MAX_WINDOW};
/// const CONFIG: Config = Config::new(10).trip_on_failure_rate(500, 10).bucket_width(1);
/// static LARGEST: Result<Breaker<MAX_WINDOW, MAX_BUCKETS>, ConfigError> = Breaker::new(CONFIG);
/// assert!(LARGEST.is_ok());
/// ```
pub const MAX_WINDOW: usize = 1 << 20;
/// The most buckets a time window may have: the `BUCKETS` of a
/// [`Breaker`](super::Breaker).
///
/// More do not compile: the error names `Breaker<WINDOW, BUCKETS>` and this
/// limit.
///
/// ```compile_fail,E0080
/// use failwell::breaker::{Breaker, Config, MAX_BUCKETS};
/// let config = Config::new(10).trip_on_consecutive_failures(1).bucket_width(1);
/// let breaker = Breaker::<0, { MAX_BUCKETS + 1 }>::new(config);
/// ```
pub const MAX_BUCKETS: usize = 1 << 15;

/// How one [`Tier`] is treated while the breaker recovers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct TierPolicy {
    /// Whether calls of this tier may be half-open probes. A tier that may
    /// not is refused with [`Rejection::NotProbing`](super::Rejection::NotProbing)
    /// while the breaker is half-open.
    pub may_probe: bool,
    /// How many ramp stages this tier lags behind the first: during stage
    /// `s` (from 1) it is admitted at the share of step `s − 1 − ramp_delay`,
    /// and not at all before that.
    pub ramp_delay: u8,
}

impl TierPolicy {
    /// A tier that may probe (or not), readmitted `ramp_delay` stages late.
    #[must_use]
    pub const fn new(may_probe: bool, ramp_delay: u8) -> Self {
        Self {
            may_probe,
            ramp_delay,
        }
    }
}

/// How a [`Breaker`](super::Breaker) trips, waits, probes and recovers.
/// Durations are in ticks of the caller's clock; rates are in permille.
/// Checked once by [`Breaker::new`](super::Breaker::new).
///
/// Built with [`Config::new`] and the `const` methods after it:
///
/// ```
/// use failwell::breaker::Config;
/// // Ticks are milliseconds here.
/// let config = Config::new(5_000)          // open for 5 s after a trip
///     .trip_on_consecutive_failures(5)
///     .trip_on_failure_rate(500, 20)       // ≥ 50 % failed, once 20 calls are in the window
///     .backoff(2_000, 60_000, 120_000)     // doubling up to 60 s; reset after 2 min healthy
///     .half_open(2, 3, 1, 10_000)          // 2 probes at once, 3 successes close, 1 failure reopens
///     .ramp(&[100, 250, 500], 2_000);      // then 10 %, 25 %, 50 % for 2 s each
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct Config {
    /// Trip after this many failures in a row; 0 turns the policy off.
    pub consecutive_failures: u16,
    /// Trip when at least this share of the calls in a window failed
    /// (1..=1000); 0 turns the policy off.
    pub failure_rate: u16,
    /// Trip when at least this share of the calls in a window were slow
    /// (1..=1000); 0 turns the policy off.
    pub slow_call_rate: u16,
    /// A call whose latency exceeds this many ticks is slow, whether it
    /// succeeded or failed.
    pub slow_call_threshold: u64,
    /// Rates are judged only on a window holding at least this many calls (≥ 1).
    pub minimum_calls: u32,
    /// Width of one bucket of the time window, in ticks. 0 leaves the time
    /// buckets unused (nothing is recorded in them). A time window records
    /// at most 2²⁰ calls (1,048,576): past that, calls are not recorded
    /// until buckets expire, so choose widths that keep a window's traffic
    /// below it (10 buckets of 1 s hold 100,000 calls a second). Buckets are
    /// numbered modulo 2⁴⁷, so the window slides on forever; from tick
    /// `2⁴⁷ × bucket_width` on (4.4 years of 1 µs buckets on nanosecond
    /// ticks) finding a call's bucket takes a 64-bit division.
    pub bucket_width: u64,
    /// How long the first trip holds the breaker open (≥ 1).
    pub open_duration: u64,
    /// Each further trip multiplies the open duration by this, in permille
    /// (≥ 1000; 1000 keeps it constant). Each step rounds down, so a factor
    /// above 1000 must lengthen `open_duration` by at least a tick:
    /// `open_duration × (backoff_factor − 1000) ≥ 1000`.
    pub backoff_factor: u32,
    /// The open duration never grows beyond this (≥ `open_duration`).
    pub max_open_duration: u64,
    /// After this long closed and fully ramped, the next trip starts again
    /// from `open_duration`. [`Config::new`] sets it to `open_duration`: a
    /// breaker that trips again sooner than that after recovering (it
    /// flaps) backs off further; one that stayed healthy for an open
    /// duration starts over. (0 would start every trip from full traffic
    /// over, so a flapping breaker would never back off.)
    pub reset_backoff_after: u64,
    /// Each open duration is lengthened by a random share of itself, up to
    /// this (0..=1000 permille), so breakers that tripped together do not
    /// probe together. The share rounds down, so a jitter above 0 must be
    /// able to add a tick to `open_duration`: `open_duration × jitter ≥ 1000`.
    pub jitter: u16,
    /// Seed of the jitter's integer generator. Unless `jitter_reproducible`
    /// is set, each draw also mixes in the breaker's address, so breakers
    /// built from one config (or from the default seed) draw differently.
    pub jitter_seed: u32,
    /// The jitter's draws depend on `jitter_seed` alone: every breaker built
    /// with this config draws the same sequence (for tests and simulations).
    pub jitter_reproducible: bool,
    /// Probes let through at once while half-open (1..=[`MAX_PROBES`]).
    pub probes: u8,
    /// Successful probes that close the breaker (≥ 1).
    pub probe_successes: u8,
    /// Failed probes that reopen it (≥ 1); during the ramp, this many
    /// failures reopen it too.
    pub probe_failures: u8,
    /// A probe that has not reported this many ticks after the latest probe
    /// was let through is counted as failed (≥ 1).
    pub probe_timeout: u64,
    /// Admitted share of each ramp stage, in permille, strictly rising
    /// within 1..=999; the first `ramp_steps` entries are used.
    pub ramp: [u16; MAX_RAMP_STEPS],
    /// Number of ramp steps; 0 closes straight to full traffic.
    pub ramp_steps: u8,
    /// How long each ramp stage lasts, in ticks.
    pub ramp_stage_duration: u64,
    /// Probe and ramp treatment of Essential, Important and Optional calls.
    pub tiers: [TierPolicy; 3],
}

impl Config {
    /// Open for `open_duration` ticks after a trip, with no trip policy yet
    /// (add at least one), one probe at a time that closes or reopens the
    /// breaker, probes timing out after `open_duration`, no backoff (when a
    /// factor is set, the backoff starts over after `open_duration` of full
    /// traffic), no jitter, no ramp. Essential and Important calls may probe, Optional
    /// calls may not; on a ramp, Important lags one stage, Optional two.
    #[must_use]
    pub const fn new(open_duration: u64) -> Self {
        Self {
            consecutive_failures: 0,
            failure_rate: 0,
            slow_call_rate: 0,
            slow_call_threshold: u64::MAX,
            minimum_calls: 1,
            bucket_width: 0,
            open_duration,
            backoff_factor: 1_000,
            max_open_duration: open_duration,
            reset_backoff_after: open_duration,
            jitter: 0,
            jitter_seed: 0,
            jitter_reproducible: false,
            probes: 1,
            probe_successes: 1,
            probe_failures: 1,
            probe_timeout: open_duration,
            ramp: [0; MAX_RAMP_STEPS],
            ramp_steps: 0,
            ramp_stage_duration: 0,
            tiers: [
                TierPolicy::new(true, 0),
                TierPolicy::new(true, 1),
                TierPolicy::new(false, 2),
            ],
        }
    }

    /// Trips after `failures` failures in a row.
    #[must_use]
    pub const fn trip_on_consecutive_failures(mut self, failures: u16) -> Self {
        self.consecutive_failures = failures;
        self
    }

    /// Trips when at least `permille` of the calls in a window failed, once
    /// the window holds at least `minimum_calls`.
    #[must_use]
    pub const fn trip_on_failure_rate(mut self, permille: u16, minimum_calls: u32) -> Self {
        self.failure_rate = permille;
        self.minimum_calls = minimum_calls;
        self
    }

    /// Trips when at least `permille` of the calls in a window took longer
    /// than `threshold` ticks (judged on the same minimum of calls).
    #[must_use]
    pub const fn trip_on_slow_calls(mut self, threshold: u64, permille: u16) -> Self {
        self.slow_call_threshold = threshold;
        self.slow_call_rate = permille;
        self
    }

    /// Time buckets `width` ticks wide.
    #[must_use]
    pub const fn bucket_width(mut self, width: u64) -> Self {
        self.bucket_width = width;
        self
    }

    /// Each further trip multiplies the open duration by `factor` permille,
    /// up to `max`; after `reset_after` ticks closed and fully ramped the
    /// next trip starts again from the first duration.
    #[must_use]
    pub const fn backoff(mut self, factor: u32, max: u64, reset_after: u64) -> Self {
        self.backoff_factor = factor;
        self.max_open_duration = max;
        self.reset_backoff_after = reset_after;
        self
    }

    /// Lengthens each open duration by a random share up to `permille`,
    /// drawn from an integer generator seeded with `seed` and the breaker's
    /// address: two breakers with this config do not open in lockstep.
    #[must_use]
    pub const fn jitter(mut self, permille: u16, seed: u32) -> Self {
        self.jitter = permille;
        self.jitter_seed = seed;
        self
    }

    /// Makes the jitter's draws depend on the seed alone, the same for every
    /// breaker built with this config: for tests and simulations that need
    /// a reproducible sequence.
    #[must_use]
    pub const fn reproducible_jitter(mut self) -> Self {
        self.jitter_reproducible = true;
        self
    }

    /// Half-open: `probes` at once; `successes` successful probes close the
    /// breaker, `failures` failed ones reopen it; a probe that has not
    /// reported `timeout` ticks after the latest one was let through counts
    /// as failed.
    #[must_use]
    pub const fn half_open(
        mut self,
        probes: u8,
        successes: u8,
        failures: u8,
        timeout: u64,
    ) -> Self {
        self.probes = probes;
        self.probe_successes = successes;
        self.probe_failures = failures;
        self.probe_timeout = timeout;
        self
    }

    /// After closing, admits the shares in `steps` (permille, rising), each
    /// for `stage_duration` ticks, before full traffic. At most
    /// [`MAX_RAMP_STEPS`] steps: more make [`Breaker::new`](super::Breaker::new)
    /// refuse the config.
    #[must_use]
    pub const fn ramp(mut self, steps: &[u16], stage_duration: u64) -> Self {
        self.ramp = match *steps {
            [] => [0; MAX_RAMP_STEPS],
            [a] => [a, 0, 0, 0],
            [a, b] => [a, b, 0, 0],
            [a, b, c] => [a, b, c, 0],
            [a, b, c, d, ..] => [a, b, c, d],
        };
        // More steps than fit are refused by the check: any count above 4 will do.
        self.ramp_steps = if steps.len() > MAX_RAMP_STEPS {
            u8::MAX
        } else {
            // At most 4.
            #[allow(clippy::cast_possible_truncation)]
            let count = steps.len() as u8;
            count
        };
        self.ramp_stage_duration = stage_duration;
        self
    }

    /// Sets how `tier` probes and ramps.
    #[must_use]
    pub const fn tier(mut self, tier: Tier, policy: TierPolicy) -> Self {
        let [essential, important, optional] = self.tiers;
        self.tiers = match tier {
            Tier::Essential => [policy, important, optional],
            Tier::Important => [essential, policy, optional],
            Tier::Optional => [essential, important, policy],
        };
        self
    }
}

/// Why a [`Config`] was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ConfigError {
    /// No trip policy is on: the breaker could never open.
    NoTripPolicy,
    /// `failure_rate` or `slow_call_rate` is above 1000 permille.
    RateAbove1000,
    /// A rate policy is on but the breaker has no window (both const
    /// generics are 0).
    RateWithoutWindow,
    /// `minimum_calls` is 0: a rate would be judged on no calls.
    ZeroMinimumCalls,
    /// `minimum_calls` is more than the count window holds, and there is no
    /// time window: no rate could ever be judged.
    MinimumCallsAboveWindow,
    /// A rate policy is on, there is no count window, and the time buckets
    /// are unused because `bucket_width` is 0.
    ZeroBucketWidth,
    /// A count window of more than [`MAX_WINDOW`] calls or a time window
    /// of more than [`MAX_BUCKETS`] buckets. A [`Breaker`](super::Breaker)
    /// of such a size does not compile, so this is never returned by its
    /// constructors.
    WindowTooLarge,
    /// `open_duration` is 0.
    ZeroOpenDuration,
    /// `backoff_factor` is below 1000: open durations would shrink.
    BackoffBelowOne,
    /// `max_open_duration` is below `open_duration`.
    MaxBelowOpenDuration,
    /// `jitter` is above 1000 permille.
    JitterAbove1000,
    /// `probes` is 0 or above [`MAX_PROBES`].
    ProbesOutOfRange,
    /// `probe_successes` or `probe_failures` is 0.
    ZeroProbeThreshold,
    /// `probe_timeout` is 0.
    ZeroProbeTimeout,
    /// A ramp step is 0, 1000 or more, or not above the one before.
    RampNotRising,
    /// More than [`MAX_RAMP_STEPS`] steps, or steps plus the largest tier
    /// delay above [`MAX_RAMP_STAGES`].
    RampTooLong,
    /// A ramp has steps but `ramp_stage_duration` is 0.
    ZeroRampStage,
    /// No tier may probe: a half-open breaker could never close.
    NoTierMayProbe,
    /// A duration with its jitter, or the time window's span, does not fit
    /// in 64 bits of ticks.
    DurationOverflow,
    /// `backoff_factor` is above 1000 but too small to lengthen
    /// `open_duration` by a tick: each step rounds down, so the open duration
    /// would never grow (`open_duration × (backoff_factor − 1000) < 1000`).
    BackoffTooSmall,
    /// `jitter` is above 0 but too small to add a tick to `open_duration`:
    /// the share rounds down to nothing (`open_duration × jitter < 1000`).
    JitterTooSmall,
}

/// So that `?` carries a refused config into `Box<dyn Error>` and the like.
impl core::error::Error for ConfigError {}

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.message())
    }
}

impl ConfigError {
    /// What is wrong, in one sentence: what [`Display`](core::fmt::Display)
    /// writes, and the compile error of a refused
    /// [`Policy`](super::Policy) config.
    #[must_use]
    pub const fn message(self) -> &'static str {
        match self {
            Self::NoTripPolicy => "no trip policy is on, so the breaker could never open",
            Self::RateAbove1000 => "failure_rate and slow_call_rate are permille: at most 1000",
            Self::RateWithoutWindow => "a rate policy needs a count or time window",
            Self::ZeroMinimumCalls => "minimum_calls must be at least 1",
            Self::MinimumCallsAboveWindow => {
                "minimum_calls is more than the count window holds, with no time window"
            }
            Self::ZeroBucketWidth => {
                "a rate policy with only time buckets needs bucket_width of at least 1 tick"
            }
            Self::WindowTooLarge => {
                "window too large: at most 1 << 20 calls (MAX_WINDOW) and 1 << 15 buckets (MAX_BUCKETS)"
            }
            Self::ZeroOpenDuration => "open_duration must be at least 1 tick",
            Self::BackoffBelowOne => "backoff_factor must be at least 1000 permille",
            Self::MaxBelowOpenDuration => "max_open_duration must be at least open_duration",
            Self::JitterAbove1000 => "jitter is permille: at most 1000",
            Self::ProbesOutOfRange => "probes must be within 1..=16",
            Self::ZeroProbeThreshold => "probe_successes and probe_failures must be at least 1",
            Self::ZeroProbeTimeout => "probe_timeout must be at least 1 tick",
            Self::RampNotRising => "ramp steps must rise strictly within 1..=999 permille",
            Self::RampTooLong => "ramp too long: at most 4 steps and 7 stages with tier delays",
            Self::ZeroRampStage => "ramp_stage_duration must be at least 1 tick",
            Self::NoTierMayProbe => "no tier may probe, so the breaker could never close",
            Self::DurationOverflow => {
                "a duration with its jitter, or the time window's span (BUCKETS x bucket_width), \
                 overflows u64 ticks"
            }
            Self::BackoffTooSmall => {
                "backoff_factor too small to lengthen open_duration by a tick \
                 (open_duration x (backoff_factor - 1000) < 1000)"
            }
            Self::JitterTooSmall => {
                "jitter too small to add a tick to open_duration (open_duration x jitter < 1000)"
            }
        }
    }
}

/// Whether `⌊duration × permille / 1000⌋` is 0: that share of `duration`
/// rounds away to no tick. (A product past `u64::MAX` is a tick or more.)
const fn gains_no_tick(duration: u64, permille: u32) -> bool {
    matches!(duration.checked_mul(permille as u64), Some(product) if product < 1_000)
}

impl Config {
    /// Checks the config for a breaker with `window` count slots and
    /// `buckets` time buckets; returns the number of ramp stages.
    pub(crate) const fn check(&self, window: usize, buckets: usize) -> Result<u8, ConfigError> {
        let rates = self.failure_rate != 0 || self.slow_call_rate != 0;
        if self.consecutive_failures == 0 && !rates {
            return Err(ConfigError::NoTripPolicy);
        }
        if self.failure_rate > 1_000 || self.slow_call_rate > 1_000 {
            return Err(ConfigError::RateAbove1000);
        }
        if window > MAX_WINDOW || buckets > MAX_BUCKETS {
            return Err(ConfigError::WindowTooLarge);
        }
        // The time window is in use when it has buckets and a width.
        let timed = buckets > 0 && self.bucket_width > 0;
        if rates {
            if window == 0 && buckets == 0 {
                return Err(ConfigError::RateWithoutWindow);
            }
            if window == 0 && !timed {
                return Err(ConfigError::ZeroBucketWidth);
            }
            if self.minimum_calls == 0 {
                return Err(ConfigError::ZeroMinimumCalls);
            }
            if !timed && self.minimum_calls as usize > window {
                return Err(ConfigError::MinimumCallsAboveWindow);
            }
        }
        if timed && self.bucket_width.checked_mul(buckets as u64).is_none() {
            return Err(ConfigError::DurationOverflow);
        }
        if self.open_duration == 0 {
            return Err(ConfigError::ZeroOpenDuration);
        }
        if self.backoff_factor < 1_000 {
            return Err(ConfigError::BackoffBelowOne);
        }
        // Each step is ⌊d × factor / 1000⌋ = d + ⌊d × (factor − 1000) / 1000⌋,
        // whose gain only rises with d: if the first step gains a tick, every
        // later one does too, so checking the first suffices.
        if self.backoff_factor > 1_000
            && gains_no_tick(self.open_duration, self.backoff_factor.wrapping_sub(1_000))
        {
            return Err(ConfigError::BackoffTooSmall);
        }
        if self.max_open_duration < self.open_duration {
            return Err(ConfigError::MaxBelowOpenDuration);
        }
        if self.jitter > 1_000 {
            return Err(ConfigError::JitterAbove1000);
        }
        // The shortest duration jitter applies to is `open_duration`.
        if self.jitter > 0 && gains_no_tick(self.open_duration, self.jitter as u32) {
            return Err(ConfigError::JitterTooSmall);
        }
        // With the largest jitter the duration at most doubles.
        if self.jitter > 0 && self.max_open_duration.checked_mul(2).is_none() {
            return Err(ConfigError::DurationOverflow);
        }
        if self.probes == 0 || self.probes > MAX_PROBES {
            return Err(ConfigError::ProbesOutOfRange);
        }
        if self.probe_successes == 0 || self.probe_failures == 0 {
            return Err(ConfigError::ZeroProbeThreshold);
        }
        if self.probe_timeout == 0 {
            return Err(ConfigError::ZeroProbeTimeout);
        }
        let [essential, important, optional] = self.tiers;
        if !(essential.may_probe || important.may_probe || optional.may_probe) {
            return Err(ConfigError::NoTierMayProbe);
        }
        self.check_ramp()
    }

    pub(crate) const fn check_ramp(&self) -> Result<u8, ConfigError> {
        let steps = self.ramp_steps;
        if steps == 0 {
            return Ok(0);
        }
        if steps as usize > MAX_RAMP_STEPS {
            return Err(ConfigError::RampTooLong);
        }
        if self.ramp_stage_duration == 0 {
            return Err(ConfigError::ZeroRampStage);
        }
        let mut previous = 0;
        let Some((used, _)) = self.ramp.split_at_checked(steps as usize) else {
            return Err(ConfigError::RampTooLong);
        };
        let mut rest = used;
        while let [share, tail @ ..] = rest {
            if *share <= previous || *share >= 1_000 {
                return Err(ConfigError::RampNotRising);
            }
            previous = *share;
            rest = tail;
        }
        let [essential, important, optional] = self.tiers;
        let mut delay = essential.ramp_delay;
        if important.ramp_delay > delay {
            delay = important.ramp_delay;
        }
        if optional.ramp_delay > delay {
            delay = optional.ramp_delay;
        }
        match steps.checked_add(delay) {
            Some(stages) if stages <= MAX_RAMP_STAGES => Ok(stages),
            _ => Err(ConfigError::RampTooLong),
        }
    }

    /// The share, in permille, that `tier` is admitted at during ramp stage
    /// `stage` (1-based; 0 and stages past the ramp are full traffic).
    pub(crate) fn share(&self, stage: u8, tier: Tier) -> u16 {
        let delay = self
            .tiers
            .get(tier as usize)
            .map_or(0, |policy| policy.ramp_delay);
        match stage.checked_sub(1).map(|s| s.checked_sub(delay)) {
            None => 1_000,
            Some(None) => 0,
            Some(Some(step)) if step < self.ramp_steps => {
                self.ramp.get(usize::from(step)).copied().unwrap_or(1_000)
            }
            Some(Some(_)) => 1_000,
        }
    }

    /// Whether `tier` may probe.
    pub(crate) fn may_probe(&self, tier: Tier) -> bool {
        self.tiers
            .get(tier as usize)
            .is_some_and(|policy| policy.may_probe)
    }
}

// By hand: a derived `Debug` of more than five fields calls
// `Formatter::debug_struct_fields_finish`, whose length assertion is a
// panic path the optimiser cannot always remove (`cargo xtask panic-check`).
impl core::fmt::Debug for Config {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Config")
            .field("consecutive_failures", &self.consecutive_failures)
            .field("failure_rate", &self.failure_rate)
            .field("slow_call_rate", &self.slow_call_rate)
            .field("slow_call_threshold", &self.slow_call_threshold)
            .field("minimum_calls", &self.minimum_calls)
            .field("bucket_width", &self.bucket_width)
            .field("open_duration", &self.open_duration)
            .field("backoff_factor", &self.backoff_factor)
            .field("max_open_duration", &self.max_open_duration)
            .field("reset_backoff_after", &self.reset_backoff_after)
            .field("jitter", &self.jitter)
            .field("jitter_seed", &self.jitter_seed)
            .field("jitter_reproducible", &self.jitter_reproducible)
            .field("probes", &self.probes)
            .field("probe_successes", &self.probe_successes)
            .field("probe_failures", &self.probe_failures)
            .field("probe_timeout", &self.probe_timeout)
            .field("ramp", &self.ramp)
            .field("ramp_steps", &self.ramp_steps)
            .field("ramp_stage_duration", &self.ramp_stage_duration)
            .field("tiers", &self.tiers)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_sizes_are_checked_at_run_time_too() {
        let config = Config::new(10)
            .trip_on_failure_rate(500, 10)
            .bucket_width(1);
        assert!(config.check(MAX_WINDOW, MAX_BUCKETS).is_ok());
        assert_eq!(
            config.check(MAX_WINDOW + 1, 0),
            Err(ConfigError::WindowTooLarge)
        );
        assert_eq!(
            config.check(0, MAX_BUCKETS + 1),
            Err(ConfigError::WindowTooLarge)
        );
    }
}
