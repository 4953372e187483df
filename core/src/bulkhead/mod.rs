//! A bulkhead: a compartment of concurrency per dependency, with room kept
//! for Essential work.
//!
//! # Admission
//!
//! A bulkhead admits at most `limit` calls in flight. Each [`Tier`] may fill
//! only its *share* of the limit, in permille: with a limit of 20 and shares
//! of 1000 / 850 / 600, Optional calls are admitted while fewer than 12
//! calls are in flight, Important calls while fewer than 17, and Essential
//! calls while fewer than 20. So under saturation Optional work is refused
//! first, and Essential work finds room while any capacity remains. A tier's
//! cap is `⌊limit × share / 1000⌋` slots; a share that rounds to no slot
//! admits nothing at that limit.
//!
//! [`Bulkhead::try_acquire`] never blocks: it returns a [`Permit`], or a
//! [`Rejection`] that says how many calls were in flight and what this
//! tier's cap is. The permit frees its slot when it is dropped (or
//! [released](Permit::release)).
//!
//! # State
//!
//! The whole state is one 32-bit word (the `word` module): the calls in
//! flight in all and of Important and Optional (9 bits each, so `limit ≤
//! MAX_LIMIT = 511`) and a 5-bit generation. An admission is one compare-and-swap that checks the total
//! in flight against the tier's cap and counts the call; a release is one
//! compare-and-swap that uncounts it. Both are native on every target with
//! 32-bit compare-and-swap (Cortex-M3 and up, RISC-V with the A extension,
//! every server), and a critical section on cores without (Cortex-M0,
//! riscv32imc).
//!
//! # Reset
//!
//! [`Bulkhead::reset`] forgets every call in flight (after the application
//! lost track of its permits: a worker that died holding one). It bumps the
//! generation in the same word, so a permit taken before the reset frees no
//! slot when it is released later: the count of the new generation never
//! goes below what its own permits hold. The generation wraps after 32
//! resets; a permit held across an exact multiple of 32 resets is taken for
//! current, which is outside the contract (release permits when the call
//! ends).

pub mod adaptive;
mod word;

pub use adaptive::{Adaptive, MAX_WINDOW_SAMPLES};

use crate::fixed::Fixed;
use crate::sync::{update_u32, AtomicU32, RELAXED};
use crate::tier::Tier;

/// The most calls a bulkhead may hold in flight: the counts of its state
/// word are 9 bits each.
pub const MAX_LIMIT: u32 = word::COUNT_MASK;

/// How a [`Bulkhead`] admits calls. Checked once, by [`Bulkhead::new`] (or
/// at compile time for a [`Policy`]).
///
/// ```
/// use failwell::bulkhead::Config;
/// // 20 calls in flight; Important may fill 85 % of them, Optional 60 %.
/// let config = Config::new(20).tier_shares(850, 600);
/// assert_eq!(config.shares, [1000, 850, 600]);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct Config {
    /// Calls in flight at most (1..=[`MAX_LIMIT`]).
    pub limit: u32,
    /// The share of the limit each tier may fill, in permille, for
    /// Essential, Important and Optional. Essential's is 1000 (the whole
    /// limit); the others are within 0..=1000 and Optional's is at most
    /// Important's.
    pub shares: [u16; 3],
    /// How the limit follows the dependency: fixed at `limit`, or adapted
    /// between `min_limit` and `max_limit` (see [`adaptive`]).
    pub adaptive: Adaptive,
    /// The adaptive limit never goes below this (1..=`limit`).
    pub min_limit: u32,
    /// The adaptive limit never goes above this (`limit`..=[`MAX_LIMIT`]).
    pub max_limit: u32,
    /// An adaptive limit's window closes after this many reports, latencies
    /// and drops (1..=[`MAX_WINDOW_SAMPLES`]) ...
    pub window_samples: u16,
    /// ... or this many ticks (≥ 1), whichever comes first.
    pub window_duration: u64,
}

impl Config {
    /// `limit` calls in flight, every tier may fill all of them.
    #[must_use]
    pub const fn new(limit: u32) -> Self {
        Self {
            limit,
            shares: [1_000; 3],
            adaptive: Adaptive::Fixed,
            min_limit: limit,
            max_limit: limit,
            window_samples: 50,
            window_duration: u64::MAX,
        }
    }

    /// An AIMD limit between `min` and `max`, starting at `limit`: a window
    /// with a drop (or a latency above `timeout` ticks) multiplies it by
    /// `backoff` permille, a busy window adds one slot.
    #[must_use]
    pub const fn aimd(mut self, min: u32, max: u32, backoff: u16, timeout: u64) -> Self {
        self.adaptive = Adaptive::Aimd { backoff, timeout };
        self.min_limit = min;
        self.max_limit = max;
        self
    }

    /// A gradient limit between `min` and `max`, starting at `limit`:
    /// scaled by the ratio of the long-term to the window's latency,
    /// growing by up to `queue` slots while latency is flat, each change
    /// taken `smoothing` permille of the way; the long-term latency
    /// averages `long_window` windows.
    #[must_use]
    pub const fn gradient(
        mut self,
        min: u32,
        max: u32,
        smoothing: u16,
        queue: u16,
        long_window: u16,
    ) -> Self {
        self.adaptive = Adaptive::Gradient {
            smoothing,
            queue,
            long_window,
        };
        self.min_limit = min;
        self.max_limit = max;
        self
    }

    /// An adaptive limit's windows close after `samples` latencies or
    /// `duration` ticks, whichever comes first (the defaults: 50 samples,
    /// no time limit).
    #[must_use]
    pub const fn window(mut self, samples: u16, duration: u64) -> Self {
        self.window_samples = samples;
        self.window_duration = duration;
        self
    }

    /// Important calls may fill `important` permille of the limit, Optional
    /// calls `optional` permille; Essential calls the whole limit.
    #[must_use]
    pub const fn tier_shares(mut self, important: u16, optional: u16) -> Self {
        self.shares = [1_000, important, optional];
        self
    }

    /// Checks the config.
    const fn check(&self) -> Result<(), ConfigError> {
        if self.limit == 0 {
            return Err(ConfigError::ZeroLimit);
        }
        if self.limit > MAX_LIMIT {
            return Err(ConfigError::LimitAboveMax);
        }
        let [essential, important, optional] = self.shares;
        if essential != 1_000 {
            return Err(ConfigError::EssentialShareNotWhole);
        }
        if important > 1_000 || optional > 1_000 {
            return Err(ConfigError::ShareAbove1000);
        }
        if optional > important {
            return Err(ConfigError::SharesNotDescending);
        }
        match self.adaptive {
            Adaptive::Fixed => return Ok(()),
            Adaptive::Aimd { backoff, timeout } => {
                if backoff < 500 || backoff > 999 {
                    return Err(ConfigError::BackoffOutOfRange);
                }
                if timeout == 0 {
                    return Err(ConfigError::ZeroTimeout);
                }
            }
            Adaptive::Gradient {
                smoothing,
                queue,
                long_window,
            } => {
                if smoothing == 0 || smoothing > 1_000 {
                    return Err(ConfigError::SmoothingOutOfRange);
                }
                if queue as u32 > MAX_LIMIT {
                    return Err(ConfigError::QueueAboveMax);
                }
                if long_window == 0 {
                    return Err(ConfigError::ZeroLongWindow);
                }
            }
        }
        if self.min_limit == 0 {
            return Err(ConfigError::ZeroMinLimit);
        }
        if self.max_limit > MAX_LIMIT {
            return Err(ConfigError::LimitAboveMax);
        }
        if self.min_limit > self.limit || self.limit > self.max_limit {
            return Err(ConfigError::LimitOutsideBounds);
        }
        if self.window_samples == 0 || self.window_samples > MAX_WINDOW_SAMPLES {
            return Err(ConfigError::WindowSamplesOutOfRange);
        }
        if self.window_duration == 0 {
            return Err(ConfigError::ZeroWindowDuration);
        }
        Ok(())
    }

    /// The slots tier `share` may fill at `limit`: `⌊limit × share / 1000⌋`.
    const fn cap(limit: u32, share: u16) -> u32 {
        // limit ≤ 511 and share ≤ 1000 after the check; an unchecked config
        // saturates.
        per_mille(limit.saturating_mul(share as u32))
    }
}

/// `⌊x / 1000⌋` by a multiply and a shift: no division routine on cores
/// without a divider (Cortex-M0). Exact for every `u32`: 274,877,907 is
/// `⌈2³⁸ / 1000⌉`, 56 / 2³⁸ above 1/1000, so the error is below
/// 2³² × 56 / 2³⁸ < 1/1000 of a unit, too little to cross an integer.
pub(crate) const fn per_mille(x: u32) -> u32 {
    // x × 274,877,907 < 2⁶¹; the shift leaves under 2²³.
    #[allow(clippy::cast_possible_truncation)]
    let quotient = ((x as u64).wrapping_mul(274_877_907) >> 38) as u32;
    quotient
}

/// Why a [`Config`] was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ConfigError {
    /// `limit` is 0: nothing could ever be admitted.
    ZeroLimit,
    /// `limit` is above [`MAX_LIMIT`].
    LimitAboveMax,
    /// Essential's share is not 1000: Essential work must be able to fill
    /// the whole limit, or it could be refused while capacity remains.
    EssentialShareNotWhole,
    /// A share is above 1000 permille.
    ShareAbove1000,
    /// Optional's share is above Important's: Important work would be shed
    /// before Optional work.
    SharesNotDescending,
    /// An adaptive limit's `min_limit` is 0.
    ZeroMinLimit,
    /// An adaptive limit does not start within its bounds:
    /// `min_limit ≤ limit ≤ max_limit` does not hold.
    LimitOutsideBounds,
    /// AIMD's `backoff` is outside 500..=999 permille.
    BackoffOutOfRange,
    /// AIMD's `timeout` is 0.
    ZeroTimeout,
    /// The gradient's `smoothing` is outside 1..=1000 permille.
    SmoothingOutOfRange,
    /// The gradient's `queue` is above [`MAX_LIMIT`].
    QueueAboveMax,
    /// The gradient's `long_window` is 0.
    ZeroLongWindow,
    /// An adaptive limit's `window_samples` is outside
    /// 1..=[`MAX_WINDOW_SAMPLES`].
    WindowSamplesOutOfRange,
    /// An adaptive limit's `window_duration` is 0.
    ZeroWindowDuration,
}

impl ConfigError {
    /// What is wrong, in one sentence: what [`Display`](core::fmt::Display)
    /// writes, and the compile error of a refused [`Policy`] config.
    #[must_use]
    pub const fn message(self) -> &'static str {
        match self {
            Self::ZeroLimit => "limit must be at least 1 call in flight",
            Self::LimitAboveMax => "limit is at most 511 calls in flight (MAX_LIMIT)",
            Self::EssentialShareNotWhole => {
                "Essential's share must be 1000 permille: the whole limit"
            }
            Self::ShareAbove1000 => "shares are permille: at most 1000",
            Self::SharesNotDescending => "Optional's share must be at most Important's",
            Self::ZeroMinLimit => "an adaptive limit's min_limit must be at least 1",
            Self::LimitOutsideBounds => "an adaptive limit must start within min_limit..=max_limit",
            Self::BackoffOutOfRange => "AIMD's backoff must be within 500..=999 permille",
            Self::ZeroTimeout => "AIMD's timeout must be at least 1 tick",
            Self::SmoothingOutOfRange => {
                "the gradient's smoothing must be within 1..=1000 permille"
            }
            Self::QueueAboveMax => "the gradient's queue is at most 511 slots (MAX_LIMIT)",
            Self::ZeroLongWindow => "the gradient's long_window must be at least 1 window",
            Self::WindowSamplesOutOfRange => {
                "an adaptive limit's window_samples must be within 1..=1000"
            }
            Self::ZeroWindowDuration => {
                "an adaptive limit's window_duration must be at least 1 tick"
            }
        }
    }
}

/// So that `?` carries a refused config into `Box<dyn Error>` and the like.
impl core::error::Error for ConfigError {}

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.message())
    }
}

config_sources! {
    /// A bulkhead config known at compile time: the `P` of a
    /// `Bulkhead<Fixed<P>>` (see [`crate::fixed`]). An invalid config does not
    /// compile: the error names the [`ConfigError`].
    ///
    /// ```
    /// use failwell::bulkhead::{Bulkhead, Config, Policy};
    /// use failwell::{Fixed, Tier};
    ///
    /// /// Four transfers at once; Optional ones may fill half of them.
    /// struct Flash;
    /// impl Policy for Flash {
    ///     const CONFIG: Config = Config::new(4).tier_shares(1000, 500);
    /// }
    ///
    /// static FLASH: Bulkhead<Fixed<Flash>> = Bulkhead::fixed();
    ///
    /// let permit = FLASH.try_acquire(0, Tier::Optional).unwrap();
    /// drop(permit); // the slot is free again
    /// ```
    ///
    /// ```compile_fail,E0080
    /// use failwell::bulkhead::{Bulkhead, Config, Policy};
    /// use failwell::Fixed;
    ///
    /// struct Empty;
    /// impl Policy for Empty {
    ///     const CONFIG: Config = Config::new(0);
    /// }
    /// static EMPTY: Bulkhead<Fixed<Empty>> = Bulkhead::fixed();
    /// ```
    policy;
    /// A config checked at run time and kept in the bulkhead: the default config
    /// parameter of [`Bulkhead`], built by [`Bulkhead::new`].
    runtime;
    config: Config,
    settings: Settings,
}

/// A config and the caps computed from it.
#[doc(hidden)]
pub struct Settings {
    config: Config,
    /// The slots each tier may fill.
    caps: [u32; 3],
}

impl Settings {
    const fn of(config: Config) -> Self {
        let [essential, important, optional] = config.shares;
        Self {
            config,
            caps: [
                Config::cap(config.limit, essential),
                Config::cap(config.limit, important),
                Config::cap(config.limit, optional),
            ],
        }
    }
}

/// Why a call was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Rejection {
    /// The compartment is full for this tier: `in_flight` calls (of every
    /// tier) were in flight, and this tier may fill only `cap` slots of the
    /// `limit`.
    Full {
        /// Calls in flight when the call was refused.
        in_flight: u32,
        /// The slots this tier may fill.
        cap: u32,
        /// The bulkhead's limit.
        limit: u32,
        /// The adaptive limit's latest window lowered it: the calls in
        /// flight above it are finishing (a lower limit revokes none).
        shrinking: bool,
    },
}

impl core::fmt::Display for Rejection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Full {
                in_flight,
                cap,
                limit,
                shrinking,
            } => {
                write!(
                    f,
                    "bulkhead full for this tier: {in_flight} in flight, the tier may fill {cap} of {limit}"
                )?;
                if *shrinking {
                    f.write_str(" (the limit was just lowered)")?;
                }
                Ok(())
            }
        }
    }
}

/// A snapshot of a bulkhead, read without locking: the calls in flight per
/// tier come from one load of the state word; the rejection counts are read
/// after it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct Snapshot {
    /// Calls in flight, per tier (Essential, Important, Optional).
    pub in_flight: [u32; 3],
    /// The limit (an adaptive one's current value).
    pub limit: u32,
    /// The slots each tier may fill.
    pub caps: [u32; 3],
    /// The adaptive limit's latest window lowered it.
    pub shrinking: bool,
    /// Calls refused, per tier, since the bulkhead was built (wrapping at
    /// 2³²; a reset does not clear them).
    pub rejected: [u32; 3],
    /// Resets so far, modulo 32.
    pub generation: u32,
}

/// At most `limit` calls in flight, with per-tier shares of the limit (see
/// the [module docs](self)); the config at run time (`C = Runtime`, the
/// default) or fixed at compile time (`C = Fixed<P>`).
///
/// `const fn` constructors, so a bulkhead can be a `static`.
pub struct Bulkhead<C: ConfigSource = Runtime> {
    /// Calls in flight and the generation (the `word` module).
    state: AtomicU32,
    /// Calls refused, per tier.
    rejected: [AtomicU32; 3],
    /// The adaptive limit's windows and estimate; unused with a fixed limit.
    adaptive: adaptive::State,
    /// The config ([`Runtime`] or [`Fixed`]).
    source: C,
}

const_unless_loom! {
    fn new_u32(value: u32) -> AtomicU32 {
        AtomicU32::new(value)
    }
}

impl Bulkhead<Runtime> {
    const_unless_loom! {
        /// An empty bulkhead, or why `config` is refused.
        pub fn new(config: Config) -> Result<Self, ConfigError> {
            match config.check() {
                Ok(()) => Ok(Self::build(Runtime::new(config))),
                Err(error) => Err(error),
            }
        }
    }
}

impl<P: Policy> Bulkhead<Fixed<P>> {
    /// `P::CONFIG` checked: a compile error naming the [`ConfigError`] if it
    /// is refused.
    const FIXED_CHECK: () = match P::CONFIG.check() {
        Ok(()) => (),
        // Evaluated at compile time only (an associated const): a refused
        // config is a compile error, never a run-time panic.
        Err(error) => panic!("{}", error.message()),
    };

    const_unless_loom! {
        /// An empty bulkhead with `P`'s config, fixed at compile time (see
        /// [`Policy`]). An invalid config does not compile.
        #[must_use]
        pub fn fixed() -> Self {
            let () = Self::FIXED_CHECK;
            Self::build(Fixed::new())
        }
    }
}

impl<C: ConfigSource> Bulkhead<C> {
    const_unless_loom! {
        /// An empty bulkhead with the config in `source`, checked. Every
        /// field starts at zero, so a `static` bulkhead whose config is fixed
        /// needs no initial value in flash (`.bss`).
        fn build(source: C) -> Self {
            Self {
                state: new_u32(0),
                rejected: [new_u32(0), new_u32(0), new_u32(0)],
                adaptive: adaptive::State::new(),
                source,
            }
        }
    }

    #[inline(always)]
    fn settings(&self) -> &Settings {
        self.source.settings()
    }

    /// The config the bulkhead was built with.
    pub fn config(&self) -> &Config {
        &self.settings().config
    }

    /// The limit, the slots each tier may fill, and whether the latest
    /// change lowered the limit: the config's with a fixed limit (no load),
    /// the adaptive limit's current ones otherwise.
    #[inline]
    fn limits(&self) -> (u32, [u32; 3], bool) {
        let settings = self.settings();
        if !matches!(settings.config.adaptive, Adaptive::Fixed) {
            if let Some(current) = self.adaptive.current(&settings.config) {
                return current;
            }
        }
        (settings.config.limit, settings.caps, false)
    }

    /// What admits a call of `tier`: its cap, the limit, and whether the
    /// latest change lowered the limit (as [`Bulkhead::limits`], for one tier).
    #[inline]
    fn admission(&self, tier: Tier) -> (u32, u32, bool) {
        let settings = self.settings();
        if !matches!(settings.config.adaptive, Adaptive::Fixed) {
            if let Some(current) = self.adaptive.admission(tier) {
                return current;
            }
        }
        let [essential, important, optional] = settings.caps;
        let cap = match tier {
            Tier::Essential => essential,
            Tier::Important => important,
            Tier::Optional => optional,
        };
        (cap, settings.config.limit, false)
    }

    /// Asks to make one call of `tier` at `now`: a [`Permit`] that frees its
    /// slot when dropped, or why not. Never blocks.
    ///
    /// `now` is the caller's clock, in ticks: the permit's latency is
    /// measured from it (a fixed limit keeps no latency).
    #[inline]
    pub fn try_acquire(&self, now: u64, tier: Tier) -> Result<Permit<'_, C>, Rejection> {
        let (cap, limit, shrinking) = self.admission(tier);
        let mut in_flight = 0;
        let admitted = update_u32(&self.state, |value| {
            in_flight = word::total(value);
            if in_flight >= cap {
                return None;
            }
            Some(word::admit(value, tier))
        });
        match admitted {
            Some(previous) => Ok(Permit {
                bulkhead: self,
                tier,
                generation: word::generation(previous),
                acquired_at: now,
            }),
            None => Err(self.refuse(tier, in_flight, cap, limit, shrinking)),
        }
    }

    /// Counts a refusal of `tier` and describes it.
    #[inline(never)]
    fn refuse(
        &self,
        tier: Tier,
        in_flight: u32,
        cap: u32,
        limit: u32,
        shrinking: bool,
    ) -> Rejection {
        if let Some(count) = self.rejected.get(tier as usize) {
            count.fetch_add(1, RELAXED);
        }
        Rejection::Full {
            in_flight,
            cap,
            limit,
            shrinking,
        }
    }

    /// Frees a slot of `tier` taken in `generation`; a slot of an earlier
    /// generation (before a reset) frees nothing. Whether it freed one.
    #[inline]
    fn release(&self, tier: Tier, generation: u32) -> bool {
        update_u32(&self.state, |value| {
            if word::generation(value) != generation {
                return None;
            }
            word::release(value, tier)
        })
        .is_some()
    }

    /// Forgets every call in flight: the bulkhead is empty, and permits taken
    /// before free no slot when they are released (see the module docs).
    pub fn reset(&self) {
        let _ = update_u32(&self.state, |value| Some(word::next_generation(value)));
    }

    /// Calls in flight, per tier, the limit and caps, and the refusals.
    pub fn snapshot(&self) -> Snapshot {
        let value = self.state.load(RELAXED);
        let (limit, caps, shrinking) = self.limits();
        Snapshot {
            in_flight: Tier::ALL.map(|tier| word::count(value, tier)),
            limit,
            caps,
            shrinking,
            rejected: {
                let [essential, important, optional] = &self.rejected;
                [essential, important, optional].map(|count| count.load(RELAXED))
            },
            generation: word::generation(value),
        }
    }
}

impl<C: ConfigSource> core::fmt::Debug for Bulkhead<C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Bulkhead")
            .field("snapshot", &self.snapshot())
            .field("config", self.config())
            .finish()
    }
}

/// Leave to make one call: its slot is freed when the permit is dropped or
/// [released](Permit::release).
#[must_use = "a permit holds a slot until it is dropped; dropped at once, the call has no slot"]
pub struct Permit<'a, C: ConfigSource = Runtime> {
    bulkhead: &'a Bulkhead<C>,
    tier: Tier,
    generation: u32,
    /// `now` when the slot was taken.
    acquired_at: u64,
}

impl<C: ConfigSource> Permit<'_, C> {
    /// The tier the slot was taken for.
    pub const fn tier(&self) -> Tier {
        self.tier
    }

    /// Frees the slot now, reporting nothing to an adaptive limit; the same
    /// as dropping the permit, with an answer: `false` when the bulkhead was
    /// [reset](Bulkhead::reset) since the permit was taken (the reset freed
    /// the slot already).
    pub fn release(self) -> bool {
        let permit = core::mem::ManuallyDrop::new(self);
        permit.bulkhead.release(permit.tier, permit.generation)
    }

    /// Frees the slot and reports `latency` (`None`: a drop) to an adaptive
    /// limit, with the calls in flight as the call ends (its own included:
    /// how busy the dependency was, where Netflix's library takes the count
    /// as the call started; one load fewer to carry).
    #[inline]
    fn finish(self, now: u64, latency: Option<u64>) -> bool {
        let permit = core::mem::ManuallyDrop::new(self);
        let b = permit.bulkhead;
        let config = &b.settings().config;
        if matches!(config.adaptive, Adaptive::Fixed) {
            return b.release(permit.tier, permit.generation);
        }
        let in_flight = word::total(b.state.load(RELAXED));
        let freed = b.release(permit.tier, permit.generation);
        b.adaptive.report(config, now, latency, in_flight);
        freed
    }

    /// The call succeeded at `now`: its latency, `now − acquired_at`, feeds
    /// an adaptive limit. Frees the slot (`false`: reset since, as
    /// [`release`](Permit::release)).
    #[inline]
    pub fn success(self, now: u64) -> bool {
        let latency = now.saturating_sub(self.acquired_at);
        self.finish(now, Some(latency))
    }

    /// The call took `latency` ticks, reported at `now`: as
    /// [`success`](Permit::success) with a latency you measured.
    #[inline]
    pub fn latency(self, now: u64, latency: u64) -> bool {
        self.finish(now, Some(latency))
    }

    /// The call was dropped at `now`: it timed out, or the dependency
    /// refused it for overload. An AIMD limit backs off (a gradient limit
    /// goes by latency only). Frees the slot.
    #[inline]
    pub fn dropped(self, now: u64) -> bool {
        self.finish(now, None)
    }
}

impl<C: ConfigSource> Drop for Permit<'_, C> {
    #[inline]
    fn drop(&mut self) {
        let _ = self.bulkhead.release(self.tier, self.generation);
    }
}

impl<C: ConfigSource> core::fmt::Debug for Permit<'_, C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Permit")
            .field("tier", &self.tier)
            .field("generation", &self.generation)
            .field("acquired_at", &self.acquired_at)
            .finish_non_exhaustive()
    }
}

// By hand: a derived `Debug` of more than five fields calls
// `Formatter::debug_struct_fields_finish`, whose length assertion is a
// panic path the optimiser cannot always remove (`cargo xtask panic-check`).
impl core::fmt::Debug for Config {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Config")
            .field("limit", &self.limit)
            .field("shares", &self.shares)
            .field("adaptive", &self.adaptive)
            .field("min_limit", &self.min_limit)
            .field("max_limit", &self.max_limit)
            .field("window_samples", &self.window_samples)
            .field("window_duration", &self.window_duration)
            .finish()
    }
}

impl core::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Snapshot")
            .field("in_flight", &self.in_flight)
            .field("limit", &self.limit)
            .field("caps", &self.caps)
            .field("shrinking", &self.shrinking)
            .field("rejected", &self.rejected)
            .field("generation", &self.generation)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::per_mille;

    #[test]
    fn per_mille_is_exact() {
        // Every x near a multiple of 1000 is where an error would show: the
        // 1000 values around each of 2²⁰ multiples spread over the range,
        // and the ends.
        for k in (0..=u32::MAX / 1_000).step_by(4_096) {
            let base = k * 1_000;
            for x in base.saturating_sub(2)..=base.saturating_add(999) {
                assert_eq!(per_mille(x), x / 1_000, "{x}");
            }
        }
        for x in (u32::MAX - 5_000)..=u32::MAX {
            assert_eq!(per_mille(x), x / 1_000, "{x}");
        }
    }
}
