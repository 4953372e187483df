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

mod word;

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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
}

impl Config {
    /// `limit` calls in flight, every tier may fill all of them.
    #[must_use]
    pub const fn new(limit: u32) -> Self {
        Self {
            limit,
            shares: [1_000; 3],
        }
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
        Ok(())
    }

    /// The slots tier `share` may fill at `limit`: `⌊limit × share / 1000⌋`.
    const fn cap(limit: u32, share: u16) -> u32 {
        // limit ≤ 511 and share ≤ 1000 after the check: no overflow; an
        // unchecked config saturates.
        limit.saturating_mul(share as u32) / 1_000
    }
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
    },
}

impl core::fmt::Display for Rejection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Full {
                in_flight,
                cap,
                limit,
            } => write!(
                f,
                "bulkhead full for this tier: {in_flight} in flight, the tier may fill {cap} of {limit}"
            ),
        }
    }
}

/// A snapshot of a bulkhead, read without locking: the calls in flight per
/// tier come from one load of the state word; the rejection counts are read
/// after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct Snapshot {
    /// Calls in flight, per tier (Essential, Important, Optional).
    pub in_flight: [u32; 3],
    /// The limit.
    pub limit: u32,
    /// The slots each tier may fill.
    pub caps: [u32; 3],
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

    /// The slots `tier` may fill.
    #[inline]
    fn cap(&self, tier: Tier) -> u32 {
        let [essential, important, optional] = self.settings().caps;
        match tier {
            Tier::Essential => essential,
            Tier::Important => important,
            Tier::Optional => optional,
        }
    }

    /// Asks to make one call of `tier` at `now`: a [`Permit`] that frees its
    /// slot when dropped, or why not. Never blocks.
    ///
    /// `now` is the caller's clock, in ticks; a fixed limit does not read
    /// it.
    #[inline]
    pub fn try_acquire(&self, now: u64, tier: Tier) -> Result<Permit<'_, C>, Rejection> {
        let _ = now;
        let cap = self.cap(tier);
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
            }),
            None => Err(self.refuse(tier, in_flight, cap)),
        }
    }

    /// Counts a refusal of `tier` and describes it.
    #[inline(never)]
    fn refuse(&self, tier: Tier, in_flight: u32, cap: u32) -> Rejection {
        if let Some(count) = self.rejected.get(tier as usize) {
            count.fetch_add(1, RELAXED);
        }
        Rejection::Full {
            in_flight,
            cap,
            limit: self.settings().config.limit,
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
        let settings = self.settings();
        Snapshot {
            in_flight: Tier::ALL.map(|tier| word::count(value, tier)),
            limit: settings.config.limit,
            caps: settings.caps,
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
}

impl<C: ConfigSource> Permit<'_, C> {
    /// The tier the slot was taken for.
    pub const fn tier(&self) -> Tier {
        self.tier
    }

    /// Frees the slot now; the same as dropping the permit, with an answer:
    /// `false` when the bulkhead was [reset](Bulkhead::reset) since the
    /// permit was taken (the reset freed the slot already).
    pub fn release(self) -> bool {
        let permit = core::mem::ManuallyDrop::new(self);
        permit.bulkhead.release(permit.tier, permit.generation)
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
            .finish_non_exhaustive()
    }
}
