//! Where a breaker's config lives: [`Runtime`] (checked when the breaker is
//! built, kept in it) or [`Fixed<P>`](crate::Fixed) (a [`Policy`]'s constant, checked at
//! compile time). See [`crate::fixed`].

use super::Config;

config_sources! {
    /// A breaker config known at compile time: the `P` of a
    /// `Breaker<WINDOW, BUCKETS, O, Fixed<P>>`.
    ///
    /// With the config a constant the compiler drops the code of every policy
    /// it leaves off (a ramp, backoff, jitter, slow calls, rates), and the
    /// breaker keeps no copy of it. An invalid config does not compile: the
    /// error names the [`ConfigError`](super::ConfigError).
    ///
    /// ```
    /// use failwell::breaker::{Breaker, Config, Policy};
    /// use failwell::{Fixed, Tier};
    ///
    /// /// Trips after 3 failures in a row; one probe after 500 ticks.
    /// struct Pump;
    /// impl Policy for Pump {
    ///     const CONFIG: Config = Config::new(500).trip_on_consecutive_failures(3);
    /// }
    ///
    /// static BREAKER: Breaker<0, 0, (), Fixed<Pump>> = Breaker::fixed();
    ///
    /// let permit = BREAKER.try_acquire(0, Tier::Essential).unwrap();
    /// permit.failure(1);
    /// ```
    ///
    /// ```compile_fail,E0080
    /// use failwell::breaker::{Breaker, Config, Policy};
    /// use failwell::Fixed;
    ///
    /// struct NoTrip;
    /// impl Policy for NoTrip {
    ///     const CONFIG: Config = Config::new(500); // no trip policy
    /// }
    /// static BREAKER: Breaker<0, 0, (), Fixed<NoTrip>> = Breaker::fixed();
    /// ```
    policy;
    /// A config checked at run time and kept in the breaker: the default
    /// config parameter of [`Breaker`](super::Breaker), built by
    /// [`Breaker::new`](super::Breaker::new) and
    /// [`Breaker::with_observer`](super::Breaker::with_observer).
    runtime;
    config: Config,
    settings: Settings,
}

/// A config and what the breaker precomputes from it.
#[doc(hidden)]
pub struct Settings {
    pub(super) config: Config,
    /// Ramp stages in all (steps plus the largest tier delay).
    pub(super) stages: u8,
    /// Bits of the probe slots in use.
    pub(super) probe_mask: u16,
    /// The longest span the mark can legitimately lie ahead of a reading:
    /// the longest open duration with its jitter, the probe timeout or a
    /// ramp stage, whichever is longest (the clock-fault rule).
    pub(super) horizon: u64,
}

impl Settings {
    /// The settings of `config`, which has passed [`Config::check`] (an
    /// unchecked config gets no ramp and at most 16 probe slots).
    const fn of(config: Config) -> Self {
        let stages = match config.check_ramp() {
            Ok(stages) => stages,
            Err(_) => 0,
        };
        let probes = if config.probes > 16 {
            16
        } else {
            config.probes
        };
        // probes ≤ 16, so the mask fits.
        #[allow(clippy::cast_possible_truncation, clippy::arithmetic_side_effects)]
        let probe_mask = ((1_u32 << probes) - 1) as u16;
        Self {
            config,
            stages,
            probe_mask,
            horizon: horizon(&config),
        }
    }
}

/// [`Settings::horizon`] of `config`.
const fn horizon(config: &Config) -> u64 {
    let open = if config.jitter > 0 {
        config.max_open_duration.saturating_mul(2)
    } else {
        config.max_open_duration
    };
    let mut horizon = open;
    if config.probe_timeout > horizon {
        horizon = config.probe_timeout;
    }
    if config.ramp_stage_duration > horizon {
        horizon = config.ramp_stage_duration;
    }
    horizon
}
