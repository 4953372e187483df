//! A circuit breaker with priority tiers, probe sampling and a gradual
//! recovery ramp.
//!
//! # States
//!
//! ```text
//!            trip policy met                 open duration over
//!  Closed ─────────────────────▶ Open ─────────────────────────▶ HalfOpen
//!    ▲ ▲                          ▲                                 │ │
//!    │ └── ramp stages, then full │◀──── probe_failures failed ─────┘ │
//!    │     (failures reopen) ─────┘      (or timed out)               │
//!    └────────────────────────── probe_successes succeeded ───────────┘
//! ```
//!
//! plus two set by an operator: [`State::ForcedOpen`] refuses everything,
//! [`State::Disabled`] admits everything and still records outcomes (so
//! the windows show what the breaker would have done). [`Breaker::reset`]
//! closes the breaker from any state.
//!
//! Every transition bumps a 20-bit generation (an operator's hold that
//! finds the breaker held so already is none; a reset always is one). A
//! [`Permit`] carries the generation it was taken in, and an outcome
//! reported after a transition is [`Recorded::Stale`]: it never changes
//! state. The generation wraps after 2²⁰ transitions: 9.7 hours for a
//! breaker flapping with a 100 ms open duration (open, half-open, closed: 3
//! transitions per 100 ms cycle, 2²⁰ / 3 × 100 ms = 34,953 s). A permit or
//! [`Ticket`] held across a multiple of 2²⁰ transitions is taken for
//! current; holding one that long (a call outliving its breaker's state by
//! hours) is outside the contract.
//!
//! # Tripping
//!
//! Any of these policies, alone or together, trips a closed breaker:
//! failures in a row; a failure rate over the last `WINDOW` calls; a
//! failure rate over `BUCKETS` time buckets; a slow-call rate over either
//! window. A call is slow when it takes longer than
//! [`Config::slow_call_threshold`], whether it succeeded or failed: a slow
//! failure counts in both rates. Rates are judged only once a window holds
//! [`Config::minimum_calls`]. The windows keep running sums, so recording a
//! call costs the same for a window of 8 or of 1024.
//!
//! Rates are judged when an outcome can raise them: every failure and slow
//! call, and the success that brings a window to `minimum_calls`. Any other
//! success only lowers a rate or leaves it as it was, so it is not judged;
//! that keeps the healthy path free of the check. (When the time window
//! moves, expired buckets can raise its rate without a new failure; that is
//! judged at the next failure or slow call.)
//!
//! # Open, half-open, ramp
//!
//! An open breaker refuses with [`Rejection::Open`] and the ticks left. The
//! open duration grows by [`Config::backoff_factor`] on each trip, up to
//! [`Config::max_open_duration`], plus optional jitter, and starts over after
//! [`Config::reset_backoff_after`] ticks of full traffic. After it, the
//! breaker lets through at most [`Config::probes`] probes at once, from
//! tiers that [may probe](TierPolicy::may_probe). If the ramp is configured,
//! a closing breaker then admits the ramp's shares, stage by stage; within
//! a stage the share is exact: a counter per tier admits call `n` when
//! `⌊(n + 1) × share / 1000⌋ > ⌊n × share / 1000⌋`.
//!
//! # Time
//!
//! Every call takes `now`. Deadlines are kept in a second word, set
//! *before* the transition that relies on it and, within a state, only
//! raised; a reader that catches the two words between those steps sees a
//! later deadline, never an earlier one. So a breaker can stay open or ramp
//! a little longer under contention, never shorter. A `now` earlier than a
//! deadline already set means no time has passed.
//!
//! A clock fault is told from a clock that went back by distance. The
//! *horizon* is the longest span a deadline can lie ahead of a reading on a
//! sane clock: the longest open duration with its jitter, the probe timeout
//! or a ramp stage, whichever is longest. A reading that finds the deadline
//! more than twice the horizon ahead changes nothing but marks the breaker
//! suspect; a second such reading in a row takes the deadline as set by a
//! faulty reading and moves it to that `now` plus the horizon (a reading
//! within the horizon clears the mark). So one far-future reading cannot
//! hold the breaker open, its probes busy or its ramp at one stage for good,
//! and one far-past reading between sane ones moves nothing. The time
//! window follows the same rule with its own span. A deadline near the end
//! of the tick range, where twice the horizon does not fit, is kept: time
//! stands still there.
//!
//! # Clock readings
//!
//! `try_acquire(now, ..)` takes one reading. Reporting takes a second only
//! where the outcome needs it: [`Permit::success`] and [`Permit::failure`]
//! measure the call's latency as `now − acquired_at` (for the slow-call
//! policy) and count it at `now` (in the time window);
//! [`Permit::latency`] and [`Permit::failure_after`] take a latency you
//! measured and a `now`; [`Permit::success_unmeasured`] and
//! [`Permit::failure_unmeasured`] read no clock: never slow, counted at the
//! time the call was acquired. [`Permit::ignore`] needs no reading either
//! (any `now` will do). A caller without a slow-call policy, on a clock that
//! costs more than a decision, reports unmeasured and reads the clock once
//! per call.
//!
//! # Dropping a permit
//!
//! A [`Permit`] dropped without an outcome is recorded as ignored: a probe
//! frees its slot and counts neither way; a closed-state call counts nowhere.
//! It is what happens when the code between acquire and outcome returns
//! early or unwinds; report [`Permit::failure`] if that early return is a
//! failure of the dependency.

mod config;
mod event;
mod settings;
mod window;
mod word;

pub use config::{
    Config, ConfigError, TierPolicy, MAX_BUCKETS, MAX_PROBES, MAX_RAMP_STAGES, MAX_RAMP_STEPS,
    MAX_WINDOW,
};
#[cfg(not(loom))]
pub use event::EventRing;
pub use event::{Observer, Reason, Transition};
pub use settings::{ConfigSource, Policy, Runtime};
pub use window::WindowStats;

use crate::arith::mul_permille;
use crate::fixed::Fixed;
use crate::sync::{update_u32, AtomicU32, StateWord, ACQ_REL, RELAXED};
use crate::tier::Tier;
use settings::Settings;
use window::{CountWindow, TimeWindow, FAILED, FILLED, SLOW};
use word::Word;

/// Where a breaker is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u8)]
pub enum State {
    /// Calls flow (during a ramp, a share of them).
    Closed = 0,
    /// Calls are refused until the open duration is over.
    Open = 1,
    /// A few probe calls decide whether to close or reopen.
    HalfOpen = 2,
    /// Held open by an operator until [`Breaker::reset`].
    ForcedOpen = 3,
    /// Every call admitted, outcomes recorded, nothing trips, until
    /// [`Breaker::reset`].
    Disabled = 4,
}

/// Why a call was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Rejection {
    /// Open: probing starts in `retry_after` ticks (`u64::MAX`: not on
    /// this clock).
    Open {
        /// Ticks from `now` until the breaker turns half-open.
        retry_after: u64,
    },
    /// Half-open with every probe slot taken. A slot frees when a probe
    /// reports, and at the latest in `retry_after` ticks, when the probes in
    /// flight time out (`u64::MAX`: not on this clock).
    ProbesBusy {
        /// Ticks from `now` until the probes in flight time out.
        retry_after: u64,
    },
    /// Half-open, and this tier does not probe ([`TierPolicy::may_probe`]).
    NotProbing,
    /// Shed by the recovery ramp: this call is outside the share the
    /// current stage admits for its tier.
    Ramp,
    /// Held open by an operator.
    ForcedOpen,
}

impl core::fmt::Display for Rejection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        const BUSY: &str = "breaker half-open and every probe slot is taken; the probes in flight";
        match self {
            Self::Open {
                retry_after: u64::MAX,
            } => f.write_str("breaker open; it does not turn half-open on this clock"),
            Self::Open { retry_after } => {
                write!(f, "breaker open; it turns half-open in {retry_after} ticks")
            }
            Self::ProbesBusy {
                retry_after: u64::MAX,
            } => write!(f, "{BUSY} do not time out on this clock"),
            Self::ProbesBusy { retry_after } => {
                write!(f, "{BUSY} time out in {retry_after} ticks")
            }
            Self::NotProbing => f.write_str("breaker half-open and this tier may not probe"),
            Self::Ramp => f.write_str("breaker recovering; the ramp sheds this call for its tier"),
            Self::ForcedOpen => {
                f.write_str("breaker forced open; refused until an operator resets it")
            }
        }
    }
}

/// What became of a reported outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Recorded {
    /// Counted in the current generation.
    Counted,
    /// Ignored: the breaker changed state since the permit was taken, or
    /// the probe was already reported or timed out.
    Stale,
}

/// A call's outcome.
///
/// A call is slow when its latency exceeds [`Config::slow_call_threshold`],
/// whether it succeeded or failed: a failed slow call counts in both the
/// failure rate and the slow-call rate (a dependency whose timeouts surface
/// as errors is slow). For a probe, a failure or a slow call is a failed
/// probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Outcome {
    /// It succeeded; slow if `now − acquired_at` exceeds the threshold.
    Success,
    /// It failed; slow too if `now − acquired_at` exceeds the threshold.
    Failure,
    /// It succeeded after this many ticks; slow if above the threshold.
    Latency(u64),
    /// It failed after this many ticks; slow too if above the threshold.
    FailureLatency(u64),
    /// It says nothing about the dependency (cancelled, or refused by the
    /// caller's own validation): counted nowhere.
    Ignored,
}

/// A permit's identity, without the borrow: what the C ABI hands out.
///
/// [`Breaker::record`] takes it back. Unlike a [`Permit`], a ticket can be
/// copied, so nothing stops a closed-state ticket from being reported
/// twice. A probe is known by its generation, slot and grant number: its
/// first report claims the grant, and any later report of a copy is
/// [`Recorded::Stale`], also once a newer probe holds the slot. (Grant
/// numbers are kept modulo 64 per slot: a copy held while its slot is
/// granted and released 32 more times in the same generation could be
/// taken for the current probe's.) Report each ticket once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Ticket {
    /// Generation the permit was taken in.
    pub generation: u32,
    /// Probe slot plus one; 0 for a call that is not a probe.
    pub probe: u8,
    /// A probe's grant number (below 64); 0 for a call that is not a probe.
    pub grant: u8,
    /// `now` when it was taken.
    pub acquired_at: u64,
}

/// A snapshot of a breaker, taken without locking or allocating. Its
/// fields are read one after the other and can straddle a transition.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct Snapshot {
    /// The state.
    pub state: State,
    /// The generation, bumped by every transition (wraps at 2²⁰).
    pub generation: u32,
    /// Trips counted for the backoff.
    pub trips: u8,
    /// Ramp stage (1-based) when closed and ramping; 0 otherwise.
    pub ramp_stage: u8,
    /// Failures in a row (closed).
    pub consecutive_failures: u16,
    /// Probes in flight (half-open).
    pub probes_in_flight: u8,
    /// Successful probes so far (half-open).
    pub probe_successes: u8,
    /// Failed probes so far (half-open), or failures during the ramp.
    pub probe_failures: u8,
    /// The last `WINDOW` calls.
    pub count_window: WindowStats,
    /// The time buckets, as of the `now` the snapshot was taken at.
    pub time_window: WindowStats,
    /// The tick at which a timed transition is due: the end of the open
    /// duration, the probes' timeout, or the next ramp stage.
    pub next_transition: Option<u64>,
}

/// A circuit breaker judging the last `WINDOW` calls and `BUCKETS` time
/// buckets (either may be 0), reporting transitions to `O`.
///
/// `const fn` constructors, so a breaker can be a `static`. Acquiring while
/// closed is one load; reporting a success is a load plus, per window, one
/// or two atomic additions; other paths take one compare-and-swap per
/// transition (retried under contention). On targets without compare-and-swap
/// (thumbv6m, riscv32imc) these are critical sections, as are the 64-bit
/// words on every 32-bit target.
pub struct Breaker<
    const WINDOW: usize = 0,
    const BUCKETS: usize = 0,
    O: Observer = (),
    C: ConfigSource = Runtime,
> {
    /// State, generation and counters ([`word`]).
    word: StateWord,
    /// Deadline or start of the current state, in ticks: Open: when it may
    /// turn half-open. HalfOpen: the latest probe's start. Closed during the
    /// ramp: the start of the ramp stage. Unused at full traffic, disabled
    /// and forced open. Raised before the transition that relies on it;
    /// replaced only by a trip from full traffic (see [`Breaker::set_mark`]).
    mark: StateWord,
    /// When full traffic last began (a close without a ramp, the end of the
    /// ramp, a reset): the backoff starts over when a trip comes
    /// `reset_backoff_after` ticks or more after it.
    healthy_since: StateWord,
    calls: CountWindow<WINDOW>,
    buckets: TimeWindow<BUCKETS>,
    /// Ramp admission counters, per tier: the remainder of `n × share`
    /// modulo 1000 (the exact-share rule in the module docs), tagged with
    /// the generation and stage it counts for ([`ramp_credit`]).
    ramp_credit: [AtomicU32; 3],
    /// The jitter generator's counter.
    jitter_state: AtomicU32,
    /// Set by a reading that finds the mark beyond the horizon: the next
    /// such reading takes the mark as a clock fault (see [`Breaker::mark_at`]).
    clock_suspect: AtomicU32,
    /// Per probe slot, the grant held or last released there
    /// ([`probe_grant`]): a report claims its grant before it counts, so a
    /// copied ticket's second report is stale even once the slot is taken
    /// again.
    probe_grants: [AtomicU32; MAX_PROBES as usize],
    /// The config ([`Runtime`] or [`Fixed`]).
    source: C,
    observer: O,
}

impl<const WINDOW: usize, const BUCKETS: usize> Breaker<WINDOW, BUCKETS, (), Runtime> {
    const_unless_loom! {
        /// A closed breaker, or why `config` is refused. Transitions are not
        /// reported anywhere; see [`Breaker::with_observer`].
        pub fn new(config: Config) -> Result<Self, ConfigError> {
            Self::with_observer(config, ())
        }
    }
}

impl<const WINDOW: usize, const BUCKETS: usize, P: Policy> Breaker<WINDOW, BUCKETS, (), Fixed<P>> {
    const_unless_loom! {
        /// A closed breaker with `P`'s config, fixed at compile time (see
        /// [`Policy`]). An invalid config does not compile. Transitions are
        /// not reported anywhere; see [`Breaker::fixed_with_observer`].
        #[must_use]
        pub fn fixed() -> Self {
            Self::fixed_with_observer(())
        }
    }
}

const_unless_loom! {
    fn new_u32(value: u32) -> AtomicU32 {
        AtomicU32::new(value)
    }
}

#[cfg(not(loom))]
const fn new_grants() -> [AtomicU32; MAX_PROBES as usize] {
    [const { AtomicU32::new(0) }; MAX_PROBES as usize]
}

#[cfg(loom)]
fn new_grants() -> [AtomicU32; MAX_PROBES as usize] {
    core::array::from_fn(|_| AtomicU32::new(0))
}

impl<const WINDOW: usize, const BUCKETS: usize, O: Observer> Breaker<WINDOW, BUCKETS, O, Runtime> {
    const_unless_loom! {
        /// A closed breaker that reports every transition to `observer`, or
        /// why `config` is refused.
        pub fn with_observer(config: Config, observer: O) -> Result<Self, ConfigError> {
            match config.check(WINDOW, BUCKETS) {
                Ok(_) => Ok(Self::build(Runtime::new(config), observer)),
                Err(error) => {
                    // Not dropped: a `const fn` cannot run a generic destructor
                    // (observers are references or zero-sized in practice).
                    core::mem::forget(observer);
                    Err(error)
                }
            }
        }
    }
}

impl<const WINDOW: usize, const BUCKETS: usize, O: Observer, P: Policy>
    Breaker<WINDOW, BUCKETS, O, Fixed<P>>
{
    /// `P::CONFIG` checked for this breaker's windows: a compile error
    /// naming the [`ConfigError`] if it is refused.
    const FIXED_CHECK: () = match P::CONFIG.check(WINDOW, BUCKETS) {
        Ok(_) => (),
        // Evaluated at compile time only (an associated const): a refused
        // config is a compile error, never a run-time panic.
        Err(error) => panic!("{}", error.message()),
    };

    const_unless_loom! {
        /// A closed breaker with `P`'s config, fixed at compile time, that
        /// reports every transition to `observer`. An invalid config does not
        /// compile.
        pub fn fixed_with_observer(observer: O) -> Self {
            let () = Self::FIXED_CHECK;
            Self::build(Fixed::new(), observer)
        }
    }
}

impl<const WINDOW: usize, const BUCKETS: usize, O: Observer, C: ConfigSource>
    Breaker<WINDOW, BUCKETS, O, C>
{
    /// Refuses to compile sizes above [`MAX_WINDOW`] or [`MAX_BUCKETS`];
    /// evaluated when a constructor is instantiated.
    const CHECK: () = {
        assert!(
            WINDOW <= MAX_WINDOW,
            "Breaker<WINDOW, BUCKETS>: WINDOW must be at most MAX_WINDOW (1 << 20 calls)"
        );
        assert!(
            BUCKETS <= MAX_BUCKETS,
            "Breaker<WINDOW, BUCKETS>: BUCKETS must be at most MAX_BUCKETS (1 << 15 buckets)"
        );
    };

    const_unless_loom! {
        /// A closed breaker with the config in `source`, checked.
        fn build(source: C, observer: O) -> Self {
            let () = Self::CHECK;
            Self {
                word: StateWord::new(Word::INITIAL.0),
                mark: StateWord::new(0),
                healthy_since: StateWord::new(0),
                calls: CountWindow::new(),
                buckets: TimeWindow::new(),
                ramp_credit: [new_u32(0), new_u32(0), new_u32(0)],
                // Zero, like every other field of a breaker whose config is
                // fixed, so that a `static` one needs no initial value in
                // flash (`.bss`); the seed is added at each draw.
                jitter_state: new_u32(0),
                probe_grants: new_grants(),
                clock_suspect: new_u32(0),
                source,
                observer,
            }
        }
    }

    /// The config and what is precomputed from it.
    #[inline(always)]
    fn settings(&self) -> &Settings {
        self.source.settings()
    }

    /// The ramp stage of a closed `word`: 0 at full traffic, and always
    /// without a ramp (so the compiler drops the ramp's code when the config
    /// is fixed and has none).
    #[inline(always)]
    fn ramp_stage(&self, word: Word) -> u8 {
        if self.settings().stages == 0 {
            0
        } else {
            word.stage()
        }
    }

    /// The config the breaker was built with.
    pub fn config(&self) -> &Config {
        &self.settings().config
    }

    /// Asks to make one call of `tier` at `now`: a [`Permit`] to report its
    /// outcome with, or why not.
    #[inline]
    pub fn try_acquire(
        &self,
        now: u64,
        tier: Tier,
    ) -> Result<Permit<'_, WINDOW, BUCKETS, O, C>, Rejection> {
        let word = Word(self.word.load_acquire());
        let ticket = if word.is_closed_full() {
            Ticket {
                generation: word.generation(),
                probe: 0,
                grant: 0,
                acquired_at: now,
            }
        } else {
            self.acquire_slow(word, now, tier)?
        };
        Ok(Permit {
            breaker: self,
            ticket,
        })
    }

    /// [`Breaker::try_acquire`] returning a copyable [`Ticket`] instead of
    /// a borrowing permit; report with [`Breaker::record`].
    #[inline]
    pub fn acquire(&self, now: u64, tier: Tier) -> Result<Ticket, Rejection> {
        let word = Word(self.word.load_acquire());
        if word.is_closed_full() {
            return Ok(Ticket {
                generation: word.generation(),
                probe: 0,
                grant: 0,
                acquired_at: now,
            });
        }
        self.acquire_slow(word, now, tier)
    }

    #[inline(never)]
    fn acquire_slow(&self, mut word: Word, now: u64, tier: Tier) -> Result<Ticket, Rejection> {
        let config = &self.settings().config;
        loop {
            let ticket = |probe| Ticket {
                generation: word.generation(),
                probe,
                grant: 0,
                acquired_at: now,
            };
            let next =
                match word.state() {
                    State::Closed => {
                        let stage = self.ramp_stage(word);
                        if stage == 0 {
                            return Ok(ticket(0));
                        }
                        let mark = self.mark_at(now);
                        if now.saturating_sub(mark) < config.ramp_stage_duration {
                            let mut admitted = self.ramp_admit(word, tier, false);
                            if admitted.is_none() {
                                // The credit's tag reads as a later stage's: if
                                // one has begun, judge on it; if not, the tag is
                                // old enough to have wrapped, and is replaced.
                                let current = Word(self.word.load_acquire());
                                if current == word {
                                    admitted = self.ramp_admit(word, tier, true);
                                } else {
                                    word = current;
                                    continue;
                                }
                            }
                            return match admitted {
                                Some(true) => Ok(ticket(0)),
                                _ => Err(Rejection::Ramp),
                            };
                        }
                        // The stage is over: on to the next, or to full traffic,
                        // where ramp failures no longer count.
                        let (next_stage, ramp_failures) = if stage >= self.settings().stages {
                            (0, 0)
                        } else {
                            (stage.saturating_add(1), word.mid_counter())
                        };
                        if next_stage == 0 {
                            self.healthy_since.store(now);
                        }
                        self.mark.fetch_max(now);
                        let next = word.with_stage(next_stage).with_counters(
                            word.low_counter(),
                            ramp_failures,
                            0,
                        );
                        word = if self.transit(word, next, now, None) {
                            next
                        } else {
                            self.current()
                        };
                        continue;
                    }
                    State::Open => {
                        let mark = self.mark_at(now);
                        // A deadline that saturated at u64::MAX never comes on this clock.
                        if now < mark || mark == u64::MAX {
                            let retry_after = if mark == u64::MAX {
                                u64::MAX
                            } else {
                                mark.wrapping_sub(now)
                            };
                            return Err(Rejection::Open { retry_after });
                        }
                        self.mark.fetch_max(now);
                        (
                            word.enter(State::HalfOpen, 0, word.trips()),
                            Reason::OpenElapsed,
                        )
                    }
                    State::HalfOpen => {
                        if !config.may_probe(tier) {
                            return Err(Rejection::NotProbing);
                        }
                        let in_flight = word.low_counter();
                        // When the probes in flight time out; `None`: never on this clock.
                        let timeout = self.mark_at(now).checked_add(config.probe_timeout);
                        if in_flight != 0 && timeout.is_some_and(|timeout| now >= timeout) {
                            // Every probe in flight has timed out: each counts as failed.
                            let lost = u8::try_from(in_flight.count_ones()).unwrap_or(u8::MAX);
                            let failures = word.high_counter().saturating_add(lost);
                            if failures >= config.probe_failures {
                                (self.open(word, now, false), Reason::ProbesTimedOut)
                            } else {
                                let next = word
                                    .enter(State::HalfOpen, 0, word.trips())
                                    .with_counters(0, word.mid_counter(), failures);
                                (next, Reason::ProbesTimedOut)
                            }
                        } else {
                            let free = !in_flight & self.settings().probe_mask;
                            if free == 0 {
                                return Err(Rejection::ProbesBusy {
                                    retry_after: timeout
                                        .map_or(u64::MAX, |timeout| timeout.saturating_sub(now)),
                                });
                            }
                            let slot = free.trailing_zeros();
                            self.mark.fetch_max(now);
                            let taken = in_flight | 1 << slot;
                            // Every grant changes the word (a grant sequence in
                            // the stage bits, unused while half-open), so a
                            // probe released and its slot granted again never
                            // recreates a word another thread has read.
                            let next = word.with_stage(word.stage().wrapping_add(1)).with_counters(
                                taken,
                                word.mid_counter(),
                                word.high_counter(),
                            );
                            if self.transit(word, next, now, None) {
                                // slot < 16
                                #[allow(
                                    clippy::cast_possible_truncation,
                                    clippy::arithmetic_side_effects
                                )]
                                let probe = slot as u8 + 1;
                                let grant = self.number_grant(next, probe);
                                return Ok(Ticket {
                                    probe,
                                    grant,
                                    ..ticket(0)
                                });
                            }
                            word = self.current();
                            continue;
                        }
                    }
                    State::ForcedOpen => return Err(Rejection::ForcedOpen),
                    State::Disabled => return Ok(ticket(0)),
                };
            let (next, reason) = next;
            word = if self.transit(word, next, now, Some(reason)) {
                next
            } else {
                self.current()
            };
        }
    }

    /// Whether a ramp-stage call of `tier` falls within the share of the
    /// stage of `word`; `None` if a later stage has already begun (`word`
    /// is stale: its stage ended as this call read the mark). With
    /// `replace`, a credit of any other tag counts as 0.
    fn ramp_admit(&self, word: Word, tier: Tier, replace: bool) -> Option<bool> {
        let share = u32::from(self.settings().config.share(word.stage(), tier));
        if share >= 1_000 {
            return Some(true);
        }
        if share == 0 {
            return Some(false);
        }
        let credit = self.ramp_credit.get(tier as usize)?;
        let tag = ramp_credit::tag(word);
        let mut admitted = false;
        // A caller that finds a later stage's tag must then see that stage
        // in the state word (the caller that wrote the tag had moved the
        // word there first): `update_u32` acquires what it declines.
        update_u32(credit, |value| {
            // A credit counted for an earlier stage or generation starts
            // over; one counted for a later stage is left alone.
            let credit = match ramp_credit::credit(value, tag) {
                Some(credit) => credit,
                None if replace => 0,
                None => return None,
            };
            // credit < 1000 and share < 1000: no overflow.
            let sum = credit.saturating_add(share);
            admitted = sum >= 1_000;
            Some(
                tag | if admitted {
                    sum.saturating_sub(1_000)
                } else {
                    sum
                },
            )
        })
        .map(|_| admitted)
    }

    /// Reports `outcome` for `ticket` at `now`.
    ///
    /// Stale when the breaker has changed generation since the ticket was
    /// taken, or when the ticket is a probe already reported or timed out.
    #[inline]
    pub fn record(&self, ticket: Ticket, now: u64, outcome: Outcome) -> Recorded {
        let word = Word(self.word.load_acquire());
        if word.generation() != ticket.generation {
            return Recorded::Stale;
        }
        let latency = match outcome {
            Outcome::Success => now.saturating_sub(ticket.acquired_at),
            Outcome::Latency(latency) => latency,
            Outcome::Failure | Outcome::FailureLatency(_) | Outcome::Ignored => {
                return self.record_other(word, ticket, now, outcome);
            }
        };
        let slow = latency > self.settings().config.slow_call_threshold;
        if ticket.probe != 0 {
            // A slow probe is a failed one: the dependency is not well yet.
            return self.record_probe(word, ticket, now, Some(!slow));
        }
        self.record_closed(word, now, if slow { FILLED | SLOW } else { FILLED })
    }

    /// Failures (slow too above the threshold) and ignored outcomes: off the
    /// healthy path.
    #[inline(never)]
    fn record_other(&self, word: Word, ticket: Ticket, now: u64, outcome: Outcome) -> Recorded {
        let latency = match outcome {
            Outcome::Failure => now.saturating_sub(ticket.acquired_at),
            Outcome::FailureLatency(latency) => latency,
            _ => return self.record_ignored(word, ticket, now),
        };
        if ticket.probe != 0 {
            return self.record_probe(word, ticket, now, Some(false));
        }
        let slow = if latency > self.settings().config.slow_call_threshold {
            SLOW
        } else {
            0
        };
        self.record_closed(word, now, FILLED | FAILED | slow)
    }

    /// An ignored outcome: a probe frees its slot; a closed-state call
    /// counts nowhere.
    #[inline(never)]
    fn record_ignored(&self, word: Word, ticket: Ticket, now: u64) -> Recorded {
        if ticket.probe != 0 {
            return self.record_probe(word, ticket, now, None);
        }
        // As for any closed-state outcome, a ticket that cannot be one is stale.
        if word.is(State::Closed) || word.is(State::Disabled) {
            Recorded::Counted
        } else {
            Recorded::Stale
        }
    }

    /// A closed-state (or disabled) outcome, `code` as kept in the windows.
    ///
    /// Inlined into both callers where 64-bit atomics make it short (the
    /// time window's healthy path: 80 instructions of its own instead of
    /// 105 when called); left to the optimiser on 32-bit targets, where the
    /// second copy would cost about 340 B of flash.
    #[cfg_attr(target_has_atomic = "64", inline(always))]
    #[cfg_attr(not(target_has_atomic = "64"), inline)]
    fn record_closed(&self, word: Word, now: u64, code: u8) -> Recorded {
        let disabled = word.is(State::Disabled);
        if !disabled && !word.is(State::Closed) {
            // Only a forged ticket gets here: every transition changes the generation.
            return Recorded::Stale;
        }
        let config = &self.settings().config;
        let minimum = config.minimum_calls;
        let in_count = self.calls.record(code, minimum);
        let in_time = self.buckets.record(now, config.bucket_width, code, minimum);
        let judge_rates = code != FILLED || in_count || in_time;
        // A plain success with no failures in a row to reset and no window
        // newly judged changes nothing: the healthy path ends here.
        if (!judge_rates && word.is_closed_without_failures()) || disabled {
            return Recorded::Counted;
        }
        self.judge(word, now, code & FAILED != 0, judge_rates)
    }

    /// After a closed-state outcome: counts failures in a row and trips if
    /// a policy says so; the rates are judged only if `judge_rates`.
    #[inline(never)]
    fn judge(&self, mut word: Word, now: u64, failed: bool, judge_rates: bool) -> Recorded {
        let config = &self.settings().config;
        let generation = word.generation();
        loop {
            if word.state() != State::Closed || word.generation() != generation {
                return Recorded::Counted;
            }
            let stage = self.ramp_stage(word);
            let (run, ramp_failures) = if failed {
                (
                    word.low_counter().saturating_add(1),
                    if stage != 0 {
                        word.mid_counter().saturating_add(1)
                    } else {
                        0
                    },
                )
            } else {
                (0, word.mid_counter())
            };
            let reason = if config.consecutive_failures != 0 && run >= config.consecutive_failures {
                Some(Reason::ConsecutiveFailures)
            } else if stage != 0 && ramp_failures >= config.probe_failures {
                Some(Reason::RampFailures)
            } else if judge_rates {
                self.rate_reason()
            } else {
                None
            };
            let next = match reason {
                Some(_) => self.open(word, now, true),
                None => word.with_counters(run, ramp_failures, 0),
            };
            if next == word {
                return Recorded::Counted;
            }
            if self.transit(word, next, now, reason) {
                return Recorded::Counted;
            }
            word = self.current();
        }
    }

    /// The rate policy a window meets, if any.
    #[inline]
    fn rate_reason(&self) -> Option<Reason> {
        let config = &self.settings().config;
        if config.failure_rate == 0 && config.slow_call_rate == 0 {
            return None;
        }
        // One window after the other, not an array of both: on thumbv6m the
        // array's copy links a 324-byte `memcpy`.
        let judge = |stats: WindowStats| {
            let minimum = config.minimum_calls;
            if stats.reaches(stats.failures, config.failure_rate, minimum) {
                Some(Reason::FailureRate)
            } else if stats.reaches(stats.slow, config.slow_call_rate, minimum) {
                Some(Reason::SlowCallRate)
            } else {
                None
            }
        };
        judge(self.calls.stats()).or_else(|| judge(self.buckets.stats()))
    }

    fn record_probe(
        &self,
        mut word: Word,
        ticket: Ticket,
        now: u64,
        success: Option<bool>,
    ) -> Recorded {
        let config = &self.settings().config;
        let Some(bit) = ticket
            .probe
            .checked_sub(1)
            .and_then(|slot| 1_u16.checked_shl(u32::from(slot)))
        else {
            return Recorded::Stale;
        };
        let mut claimed = false;
        loop {
            if word.state() != State::HalfOpen
                || word.generation() != ticket.generation & word::GENERATION_MASK
                || word.low_counter() & bit == 0
            {
                return Recorded::Stale;
            }
            if !claimed {
                // Only the holder of the current grant, and only once.
                if !self.claim_grant(ticket) {
                    return Recorded::Stale;
                }
                claimed = true;
            }
            let in_flight = word.low_counter() & !bit;
            let (successes, failures) = match success {
                Some(true) => (word.mid_counter().saturating_add(1), word.high_counter()),
                Some(false) => (word.mid_counter(), word.high_counter().saturating_add(1)),
                None => (word.mid_counter(), word.high_counter()),
            };
            let (next, reason) = if failures >= config.probe_failures {
                (self.open(word, now, false), Some(Reason::ProbesFailed))
            } else if successes >= config.probe_successes {
                // Empty the windows before the closed generation can count in them.
                self.calls.clear();
                self.buckets.clear();
                (self.close(word, now), Some(Reason::ProbesSucceeded))
            } else {
                (word.with_counters(in_flight, successes, failures), None)
            };
            if self.transit(word, next, now, reason) {
                return Recorded::Counted;
            }
            word = self.current();
        }
    }

    /// The mark, as a reading at `now` in a state that uses it finds it,
    /// after the clock-fault rule: a mark more than twice the horizon ahead
    /// of `now` cannot have been set on this clock. The first such reading
    /// leaves it (and marks the breaker suspect); a second in a row moves it
    /// back to `now` plus the horizon, which no deadline set on this clock
    /// exceeds, so a transition racing the move keeps at least its own
    /// deadline. A reading within the horizon clears the suspicion.
    fn mark_at(&self, now: u64) -> u64 {
        let mark = self.mark.load();
        let horizon = self.settings().horizon;
        let Some(limit) = horizon
            .checked_mul(2)
            .and_then(|twice| now.checked_add(twice))
        else {
            // The end of this clock's range: no fault can be told.
            return mark;
        };
        if mark <= limit {
            if self.clock_suspect.load(RELAXED) != 0 {
                self.clock_suspect.store(0, RELAXED);
            }
            return mark;
        }
        if self.clock_suspect.swap(1, RELAXED) == 0 {
            return mark;
        }
        self.clock_suspect.store(0, RELAXED);
        let rebased = now.saturating_add(horizon);
        match self.mark.compare_exchange(mark, rebased) {
            Ok(_) => rebased,
            Err(actual) => actual,
        }
    }

    /// Numbers the grant of probe slot `probe` (plus one) that made `word`:
    /// the slot's next grant number, tagged with the word's generation.
    /// A grant numbered after the probe's generation has ended (its thread
    /// was pre-empted past a timeout, and the slot granted again) must not
    /// renumber the newer grant: a tag of a later generation is left alone
    /// unless the state word shows the tag's generation has not come yet
    /// (a tag so old that its generation number wrapped).
    fn number_grant(&self, word: Word, probe: u8) -> u8 {
        let Some(cell) = usize::from(probe)
            .checked_sub(1)
            .and_then(|slot| self.probe_grants.get(slot))
        else {
            return 0;
        };
        let generation = word.generation();
        let mut grant = 0;
        let mut next = |value: u32, replace: bool| {
            let (tagged, number) = probe_grant::unpack(value);
            if !replace && probe_grant::later(tagged, generation) {
                return None;
            }
            grant = probe_grant::next(number);
            Some(probe_grant::pack(generation, grant))
        };
        if update_u32(cell, |v| next(v, false)).is_none()
            && Word(self.word.load_acquire()).generation() == generation
        {
            let _ = update_u32(cell, |v| next(v, true));
        }
        grant
    }

    /// Claims `ticket`'s probe grant: true for the first report of the grant
    /// its slot holds; false for a copy, or a grant since replaced.
    fn claim_grant(&self, ticket: Ticket) -> bool {
        let Some(cell) = usize::from(ticket.probe)
            .checked_sub(1)
            .and_then(|slot| self.probe_grants.get(slot))
        else {
            return false;
        };
        let generation = ticket.generation & word::GENERATION_MASK;
        let held = probe_grant::pack(generation, ticket.grant);
        let released = probe_grant::pack(generation, probe_grant::next(ticket.grant));
        ticket.grant == probe_grant::unpack(held).1
            && cell
                .compare_exchange(held, released, ACQ_REL, RELAXED)
                .is_ok()
    }

    /// The open word after `word`, with the deadline set first. From a
    /// breaker at full traffic that has been healthy long enough, the
    /// backoff starts over.
    fn open(&self, word: Word, now: u64, from_closed: bool) -> Word {
        let config = &self.settings().config;
        let mut trips = word.trips();
        let full_traffic = from_closed && self.ramp_stage(word) == 0;
        if full_traffic
            && now.saturating_sub(self.healthy_since.load()) >= config.reset_backoff_after
        {
            trips = 0;
        }
        let trips = trips.saturating_add(1);
        let deadline = now.saturating_add(self.open_duration(trips));
        if full_traffic {
            self.set_mark(deadline);
        } else {
            self.mark.fetch_max(deadline);
        }
        word.enter(State::Open, 0, trips)
    }

    /// Sets the mark for a state that follows one that did not use it (full
    /// traffic): what the mark holds is left from an earlier state, so it is
    /// replaced, not raised. A concurrent change to the mark (another
    /// tripper's deadline, or a late raise) wins the replacement and this
    /// deadline is then only raised to, so the mark never ends below it.
    fn set_mark(&self, deadline: u64) {
        let current = self.mark.load();
        if self.mark.compare_exchange(current, deadline).is_err() {
            self.mark.fetch_max(deadline);
        }
    }

    /// The closed word after `word`: ramping if a ramp is configured.
    fn close(&self, word: Word, now: u64) -> Word {
        let stage = u8::from(self.settings().stages != 0);
        if stage == 0 {
            self.healthy_since.store(now);
        }
        self.mark.fetch_max(now);
        word.enter(State::Closed, stage, word.trips())
    }

    /// How long the `trips`-th trip in a row holds the breaker open.
    fn open_duration(&self, trips: u8) -> u64 {
        let config = &self.settings().config;
        let mut duration = config.open_duration;
        for _ in 1..trips {
            if duration >= config.max_open_duration {
                break;
            }
            duration = mul_permille(duration, config.backoff_factor);
        }
        let duration = duration.min(config.max_open_duration);
        if config.jitter == 0 {
            return duration;
        }
        // A draw in 0..=jitter permille, by multiply-and-shift (no division).
        let draw = self.next_random();
        let share =
            u64::from(draw).saturating_mul(u64::from(config.jitter).saturating_add(1)) >> 32;
        // share ≤ 1000, so share fits in u32.
        let share = u32::try_from(share).unwrap_or(0);
        duration.saturating_add(mul_permille(duration, share))
    }

    /// The jitter generator: a Weyl sequence through a 32-bit mixer, the
    /// breaker's address mixed in unless the config asks for reproducible
    /// draws.
    fn next_random(&self) -> u32 {
        let mut x = self
            .jitter_state
            .fetch_add(0x9E37_79B9, RELAXED)
            .wrapping_add(0x9E37_79B9)
            .wrapping_add(self.settings().config.jitter_seed);
        if !self.settings().config.jitter_reproducible {
            // The address, folded to 32 bits (its low bits are alignment).
            let address = core::ptr::from_ref(self).addr() as u64;
            #[allow(clippy::cast_possible_truncation)]
            let salt = (address >> 3 ^ address >> 35) as u32;
            x ^= salt.wrapping_mul(0x85EB_CA6B);
        }
        x ^= x >> 16;
        x = x.wrapping_mul(0x7FEB_352D);
        x ^= x >> 15;
        x = x.wrapping_mul(0x846C_A68B);
        x ^ x >> 16
    }

    /// Replaces `word` with `next` if it is still current, reporting the
    /// transition when there is a `reason`; whether it did. A caller that
    /// lost reads the word again ([`Breaker::current`]; losing needs a
    /// concurrent change of the word). A flag, not the word found, so that
    /// on 32-bit targets the answer fits in a register: 40 to 52 B less
    /// flash on Cortex-M0.
    fn transit(&self, word: Word, next: Word, now: u64, reason: Option<Reason>) -> bool {
        if self.word.compare_exchange(word.0, next.0).is_err() {
            return false;
        }
        if let Some(reason) = reason {
            self.report(word, next, now, reason);
        }
        true
    }

    /// The state word as it is now.
    fn current(&self) -> Word {
        Word(self.word.load_acquire())
    }

    fn report(&self, from: Word, to: Word, at: u64, reason: Reason) {
        self.observer.transition(Transition {
            from: from.state(),
            to: to.state(),
            generation: to.generation(),
            at,
            reason,
        });
    }

    /// Sets the breaker to `state` (an operator's action), from any state;
    /// a hold (`ForcedOpen`, `Disabled`) that finds the breaker held so
    /// already changes nothing.
    fn force(&self, now: u64, state: State, reason: Reason) {
        let mut word = Word(self.word.load_acquire());
        loop {
            // Judged on the word the compare-and-swap replaces, so two
            // operators holding at once make one transition.
            if state != State::Closed && word.is(state) {
                return;
            }
            let next = if state == State::Closed {
                self.calls.clear();
                self.buckets.reset(now, self.settings().config.bucket_width);
                // Full traffic begins; the mark is unused until the next
                // trip, which replaces it (`set_mark`), so a deadline set by
                // a clock that read far ahead is dropped then.
                self.healthy_since.store(now);
                self.clock_suspect.store(0, RELAXED);
                word.enter(State::Closed, 0, 0)
            } else {
                word.enter(state, 0, word.trips())
            };
            if self.transit(word, next, now, Some(reason)) {
                return;
            }
            word = self.current();
        }
    }

    /// Holds the breaker open, refusing every call, until [`Breaker::reset`].
    ///
    /// On a breaker already forced open this is no transition: the
    /// generation stays and nothing is reported.
    pub fn force_open(&self, now: u64) {
        self.force(now, State::ForcedOpen, Reason::Operator);
    }

    /// Admits every call and still records outcomes, never tripping, until
    /// [`Breaker::reset`].
    ///
    /// On a breaker already disabled this is no transition: the generation
    /// stays, so the calls in flight still count (re-applying "disabled",
    /// as a config reload does, loses no outcome), and nothing is reported.
    pub fn disable(&self, now: u64) {
        self.force(now, State::Disabled, Reason::Operator);
    }

    /// Closes the breaker at full traffic with empty windows and the backoff
    /// started over, from any state. Time starts over at `now` too: deadlines
    /// and the time window's buckets set by a clock that read far ahead are
    /// dropped.
    pub fn reset(&self, now: u64) {
        self.force(now, State::Closed, Reason::Operator);
    }

    /// The breaker's state: one load. What [`Breaker::snapshot`] reports
    /// as [`Snapshot::state`], for callers that want only that.
    pub fn state(&self) -> State {
        Word(self.word.load_acquire()).state()
    }

    /// The breaker's state, counts and next timed transition, with the
    /// time window as of `now`.
    ///
    /// The time buckets `now` has left behind are expired first, exactly
    /// as a call at `now` would expire them, so an idle breaker does not
    /// keep reporting old calls. A snapshot is an observation, not a
    /// reading of the clock: a `now` behind the time window's newest
    /// bucket changes nothing (it never marks the window's head as a clock
    /// fault nor moves it back), and the window is reported as it stands.
    pub fn snapshot(&self, now: u64) -> Snapshot {
        self.snapshot_with(|buckets, width| buckets.stats_at(now, width))
    }

    /// The snapshot, with the time window read by `time_window` (given the
    /// window and its bucket width).
    fn snapshot_with(
        &self,
        time_window: impl FnOnce(&TimeWindow<BUCKETS>, u64) -> WindowStats,
    ) -> Snapshot {
        let config = &self.settings().config;
        let word = Word(self.word.load_acquire());
        let mark = self.mark.load();
        let state = word.state();
        let half_open = state == State::HalfOpen;
        let in_flight = if half_open { word.low_counter() } else { 0 };
        let next_transition = match state {
            State::Open => Some(mark),
            State::HalfOpen if in_flight != 0 => Some(mark.saturating_add(config.probe_timeout)),
            State::Closed if word.stage() != 0 => {
                Some(mark.saturating_add(config.ramp_stage_duration))
            }
            _ => None,
        };
        Snapshot {
            state,
            generation: word.generation(),
            trips: word.trips(),
            ramp_stage: if state == State::Closed {
                word.stage()
            } else {
                0
            },
            consecutive_failures: if state == State::Closed {
                word.low_counter()
            } else {
                0
            },
            probes_in_flight: u8::try_from(in_flight.count_ones()).unwrap_or(u8::MAX),
            probe_successes: if half_open { word.mid_counter() } else { 0 },
            probe_failures: match state {
                State::HalfOpen => word.high_counter(),
                State::Closed => word.mid_counter(),
                _ => 0,
            },
            count_window: self.calls.stats(),
            time_window: time_window(&self.buckets, config.bucket_width),
            next_transition,
        }
    }
}

impl<const WINDOW: usize, const BUCKETS: usize, O: Observer, C: ConfigSource> core::fmt::Debug
    for Breaker<WINDOW, BUCKETS, O, C>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Breaker")
            .field("window", &WINDOW)
            .field("buckets", &BUCKETS)
            // No `now` here: the time window as it stands.
            .field(
                "snapshot",
                &self.snapshot_with(|buckets, _| buckets.stats()),
            )
            .field("config", &self.settings().config)
            .finish_non_exhaustive()
    }
}

/// Leave to make one call: report its outcome with [`Permit::success`],
/// [`Permit::failure`], [`Permit::latency`], [`Permit::failure_after`] or
/// [`Permit::ignore`].
/// Dropped without one, it is recorded as ignored (see the module docs).
#[must_use = "a permit is for reporting the call's outcome; dropped, it counts as ignored"]
pub struct Permit<
    'a,
    const WINDOW: usize = 0,
    const BUCKETS: usize = 0,
    O: Observer = (),
    C: ConfigSource = Runtime,
> {
    breaker: &'a Breaker<WINDOW, BUCKETS, O, C>,
    ticket: Ticket,
}

impl<const WINDOW: usize, const BUCKETS: usize, O: Observer, C: ConfigSource>
    Permit<'_, WINDOW, BUCKETS, O, C>
{
    /// The ticket behind this permit.
    pub const fn ticket(&self) -> Ticket {
        self.ticket
    }

    /// Whether this call is a half-open probe.
    pub const fn is_probe(&self) -> bool {
        self.ticket.probe != 0
    }

    #[inline]
    fn finish(self, now: u64, outcome: Outcome) -> Recorded {
        // Reported here, so nothing is left for `Drop` to do.
        let permit = core::mem::ManuallyDrop::new(self);
        permit.breaker.record(permit.ticket, now, outcome)
    }

    /// The call succeeded at `now`; slow if it took longer than the
    /// threshold since it was acquired.
    #[inline]
    pub fn success(self, now: u64) -> Recorded {
        self.finish(now, Outcome::Success)
    }

    /// The call failed at `now`; slow too if it took longer than the
    /// threshold since it was acquired.
    #[inline]
    pub fn failure(self, now: u64) -> Recorded {
        self.finish(now, Outcome::Failure)
    }

    /// The call succeeded at `now` after `latency` ticks, judged against the
    /// slow-call threshold.
    #[inline]
    pub fn latency(self, now: u64, latency: u64) -> Recorded {
        self.finish(now, Outcome::Latency(latency))
    }

    /// The call failed at `now` after `latency` ticks, judged against the
    /// slow-call threshold.
    #[inline]
    pub fn failure_after(self, now: u64, latency: u64) -> Recorded {
        self.finish(now, Outcome::FailureLatency(latency))
    }

    /// The call succeeded; its latency is not measured, so it is never
    /// slow, and it counts at the time it was acquired. No second clock
    /// reading: for callers with no slow-call policy, on a clock that is
    /// costly to read (a success at `now` measures `now − acquired_at`).
    #[inline]
    pub fn success_unmeasured(self) -> Recorded {
        let at = self.ticket.acquired_at;
        self.finish(at, Outcome::Latency(0))
    }

    /// The call failed; as [`Permit::success_unmeasured`], never slow and
    /// counted at the time it was acquired.
    #[inline]
    pub fn failure_unmeasured(self) -> Recorded {
        let at = self.ticket.acquired_at;
        self.finish(at, Outcome::FailureLatency(0))
    }

    /// The call's outcome says nothing about the dependency.
    #[inline]
    pub fn ignore(self, now: u64) -> Recorded {
        self.finish(now, Outcome::Ignored)
    }
}

impl<const WINDOW: usize, const BUCKETS: usize, O: Observer, C: ConfigSource> Drop
    for Permit<'_, WINDOW, BUCKETS, O, C>
{
    fn drop(&mut self) {
        // Only a probe has anything to give back: its slot. `now` is not
        // needed for an ignored outcome.
        if self.ticket.probe != 0 {
            let _ = self
                .breaker
                .record(self.ticket, self.ticket.acquired_at, Outcome::Ignored);
        }
    }
}

impl<const WINDOW: usize, const BUCKETS: usize, O: Observer, C: ConfigSource> core::fmt::Debug
    for Permit<'_, WINDOW, BUCKETS, O, C>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Permit")
            .field("ticket", &self.ticket)
            .finish_non_exhaustive()
    }
}

// By hand: a derived `Debug` of more than five fields calls
// `Formatter::debug_struct_fields_finish`, whose length assertion is a
// panic path the optimiser cannot always remove (`cargo xtask panic-check`).
impl core::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Snapshot")
            .field("state", &self.state)
            .field("generation", &self.generation)
            .field("trips", &self.trips)
            .field("ramp_stage", &self.ramp_stage)
            .field("consecutive_failures", &self.consecutive_failures)
            .field("probes_in_flight", &self.probes_in_flight)
            .field("probe_successes", &self.probe_successes)
            .field("probe_failures", &self.probe_failures)
            .field("count_window", &self.count_window)
            .field("time_window", &self.time_window)
            .field("next_transition", &self.next_transition)
            .finish()
    }
}

/// The ramp credit word: bits 0..10 the credit (below 1000), bits 10..13 the
/// ramp stage and bits 13..32 the low 19 bits of the generation it counts
/// for. A credit tagged with an earlier stage (or generation) reads as 0, so
/// a new stage starts from nothing without a reset that could race with its
/// first calls; a caller whose stage has ended meanwhile finds a later tag
/// and judges again on the current stage.
mod ramp_credit {
    use super::word::Word;

    const CREDIT_BITS: u32 = 10;
    const CREDIT_MASK: u32 = (1 << CREDIT_BITS) - 1;
    /// Generations in a tag, modulo 2¹⁹.
    const GENERATION_MASK: u32 = (1 << 19) - 1;

    /// The tag of `word`'s generation and stage.
    pub(super) fn tag(word: Word) -> u32 {
        ((word.generation() & GENERATION_MASK) << 3 | u32::from(word.stage())) << CREDIT_BITS
    }

    /// The credit held in `value` for `tag`: what it holds if tagged `tag`,
    /// 0 if tagged earlier, `None` if tagged later.
    pub(super) fn credit(value: u32, tag: u32) -> Option<u32> {
        let held = value & !CREDIT_MASK;
        if held == tag {
            return Some(value & CREDIT_MASK);
        }
        let generation = |tag: u32| tag >> (CREDIT_BITS + 3);
        let stage = |tag: u32| tag >> CREDIT_BITS & 0b111;
        // Generations compare by distance (they wrap); within one, stages
        // only rise.
        let ahead = generation(held).wrapping_sub(generation(tag)) & GENERATION_MASK;
        let later = if ahead == 0 {
            stage(held) > stage(tag)
        } else {
            ahead < 1 << 18
        };
        if later {
            None
        } else {
            Some(0)
        }
    }
}

/// A probe slot's grant word: the generation (20 bits) above a grant
/// number (6 bits). A grant takes the next number; its first report takes
/// the one after, so a grant's number is never seen again in its slot
/// until the numbers wrap (64 steps: 32 grants).
mod probe_grant {
    use super::word::GENERATION_MASK;

    const NUMBER_BITS: u32 = 6;
    const NUMBER_MASK: u32 = (1 << NUMBER_BITS) - 1;

    pub(super) fn pack(generation: u32, number: u8) -> u32 {
        (generation & GENERATION_MASK) << NUMBER_BITS | u32::from(number) & NUMBER_MASK
    }

    pub(super) fn unpack(value: u32) -> (u32, u8) {
        // Masked to 6 bits.
        #[allow(clippy::cast_possible_truncation)]
        let number = (value & NUMBER_MASK) as u8;
        (value >> NUMBER_BITS & GENERATION_MASK, number)
    }

    /// The number after `number`, modulo 64.
    pub(super) fn next(number: u8) -> u8 {
        number.wrapping_add(1) & 0b11_1111
    }

    /// Whether generation `tagged` is after `generation` (by distance: they
    /// wrap at 2²⁰).
    pub(super) fn later(tagged: u32, generation: u32) -> bool {
        let ahead = tagged.wrapping_sub(generation) & GENERATION_MASK;
        ahead != 0 && ahead < 1 << 19
    }
}
