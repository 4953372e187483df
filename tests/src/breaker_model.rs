//! A reference model of the circuit breaker ([`Breaker`]), and the rule that
//! compares the two.
//!
//! The model is sequential and written for reading, not speed: the state is
//! an enum carrying its own counters, the count window is a `VecDeque` of the
//! last `WINDOW` calls, the time window a list of `(bucket, call)` pairs
//! filtered by age, probes live in a slot list holding the ticket each was
//! issued, ramp admissions use the floor formula of the module docs on a
//! per-tier call counter, and open durations are computed in `u128`. It
//! follows the semantics documented in `failwell::breaker` (module docs, field
//! docs, [`Config`] and [`ConfigError`] docs):
//!
//! - transitions happen when a call observes them: an open breaker turns
//!   half-open on the first acquire at or after its deadline (whatever the
//!   tier), probes time out on the next acquire by a tier that may probe, a
//!   ramp stage ends on the first acquire past its end and the next stage
//!   starts then;
//! - every transition (not a ramp stage change, not a probe taken) bumps the
//!   generation, and is reported to the observer with its reason; forcing
//!   open a forced-open breaker and disabling a disabled one are no
//!   transitions (nothing changes), a reset always is one;
//! - a deadline "mark": the end of the open duration, the start of the
//!   latest probe, the start of the ramp stage; it only rises, except that
//!   a trip from full traffic (where it is unused) replaces it; a `now`
//!   below it means no time has passed;
//! - the `n`-th trip in a row (backoff not reset) holds the breaker open for
//!   `open_duration × (factor/1000)^(n−1)`, floored at each step, capped at
//!   `max_open_duration`, plus up to `jitter` permille of itself; `trips`
//!   saturates at 63; the count restarts when a fully closed breaker trips
//!   `reset_backoff_after` ticks or more after full traffic last began (a
//!   close without a ramp, the end of the ramp, a reset: the `now` of that
//!   call);
//! - time buckets `width` ticks wide, aligned to multiples of `width`,
//!   numbered modulo 2⁴⁷ and compared by distance; the newest (head) bucket
//!   is the one holding the latest `now` seen; a `now` before the head
//!   bucket by at most the window's span counts in the head; a `now` further
//!   behind counts in the head and makes it suspect, and a second such
//!   reading moves the head back to it, keeping the buckets; any other
//!   reading clears the suspicion; emptied (head kept) on close and reset; a
//!   width of 0 leaves them unused; a snapshot shows them as of its `now`:
//!   a `now` ahead of the head moves the head there, as a call would, and
//!   any other is no reading (it neither marks, clears nor moves the head);
//! - a call is slow when its latency (given, or `now − acquired_at`)
//!   exceeds `slow_call_threshold`, whether it succeeded or failed: a slow
//!   failure counts in both rates; a probe that failed or was slow is a
//!   failed probe;
//! - rates are judged when an outcome can raise one: a failure, a slow
//!   call, or a call that brings a window to `minimum_calls`.
//!
//! Jitter is random: the model accepts any open deadline within the jitter's
//! bounds and adopts the breaker's (read from its snapshot), so every later
//! decision is still compared exactly.
//!
//! Where the breaker is known to differ from the documented semantics, the
//! model can be told to follow the breaker instead ([`Deviations`]), one
//! difference at a time, so that the comparison stays exact everywhere else.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};

use failwell::breaker::{
    Breaker, Config, ConfigError, ConfigSource, EventRing, Observer, Outcome, Reason, Recorded,
    Rejection, Snapshot, State, Ticket, Transition, WindowStats, MAX_BUCKETS, MAX_PROBES,
    MAX_RAMP_STAGES, MAX_RAMP_STEPS, MAX_WINDOW,
};
use failwell::Tier;

/// Generations wrap at 2²⁰ (documented on [`Snapshot::generation`]).
pub const GENERATION_MASK: u32 = (1 << 20) - 1;
/// `trips` saturates here (six bits of the breaker's state word).
const MAX_TRIPS: u8 = 63;
/// Time buckets are numbered modulo 2⁴⁷.
const BUCKET_SEQUENCE_MASK: u64 = (1 << 47) - 1;

/// Known differences between the breaker and its documented semantics. Each
/// flag set makes the model follow the breaker in that one respect; with
/// [`Deviations::NONE`] the model follows the documentation only.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Deviations {
    /// `ProbesBusy::retry_after` is `probe_timeout − (now − mark)` with a
    /// saturating subtraction: with a clock that went back behind the latest
    /// probe's start it is shorter than the ticks until the probes time out,
    /// and near `u64::MAX` it is finite although they never time out.
    /// Documented: "Ticks from `now` until the probes in flight time out".
    pub probes_busy_retry_after: bool,
    /// A backoff step whose product `duration × factor` overflows 64 bits
    /// divides first, `(duration / 1000) × factor`, which is lower than the
    /// documented product by up to `factor` ticks.
    pub backoff_rounding: bool,
}

impl Deviations {
    /// Follow the documentation only.
    pub const NONE: Deviations = Deviations {
        probes_busy_retry_after: false,
        backoff_rounding: false,
    };

    /// Every difference of the current core, each shown on its smallest
    /// sequence by a `strict_*` test in `tests/tests/breaker_props.rs`.
    pub const CORE: Deviations = Deviations {
        probes_busy_retry_after: false,
        backoff_rounding: false,
    };
}

/// One call as a window holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Call {
    failed: bool,
    slow: bool,
}

fn stats<'a>(calls: impl Iterator<Item = &'a Call>) -> WindowStats {
    let mut stats = WindowStats::default();
    for call in calls {
        stats.calls += 1;
        stats.failures += u32::from(call.failed);
        stats.slow += u32::from(call.slow);
    }
    stats
}

/// The model's state, each with the counters it has.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Phase {
    Closed {
        /// 0: full traffic; 1..=stages: the ramp stage.
        stage: u8,
        /// Failures in a row.
        run: u16,
        /// Failures during the ramp.
        ramp_failures: u8,
    },
    Open,
    HalfOpen {
        /// One entry per probe slot: the ticket of the probe in flight there.
        slots: Vec<Option<Ticket>>,
        successes: u8,
        failures: u8,
    },
    ForcedOpen,
    Disabled,
}

impl Phase {
    fn state(&self) -> State {
        match self {
            Phase::Closed { .. } => State::Closed,
            Phase::Open => State::Open,
            Phase::HalfOpen { .. } => State::HalfOpen,
            Phase::ForcedOpen => State::ForcedOpen,
            Phase::Disabled => State::Disabled,
        }
    }
}

/// An operation on a breaker, as [`BreakerModel::step`] runs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// [`Breaker::acquire`]; an admitted ticket joins the list of issued
    /// tickets.
    Acquire {
        /// The clock.
        now: u64,
        /// The caller's tier.
        tier: Tier,
    },
    /// [`Breaker::record`] of an issued ticket: `pick` counts back from the
    /// newest (0), modulo the number kept; a ticket may be reported any
    /// number of times.
    Record {
        /// Which issued ticket.
        pick: usize,
        /// The clock.
        now: u64,
        /// What happened.
        outcome: Outcome,
    },
    /// [`Breaker::record`] of an issued ticket altered by `forgery`.
    Forged {
        /// Which issued ticket to start from.
        pick: usize,
        /// How it is altered.
        forgery: Forgery,
        /// The clock.
        now: u64,
        /// What happened.
        outcome: Outcome,
    },
    /// [`Breaker::try_acquire`], then the permit reports `finish` (its
    /// time and outcome) through [`Permit`](failwell::breaker::Permit)'s
    /// methods, or is dropped when `finish` is `None`.
    Call {
        /// The clock when acquiring.
        now: u64,
        /// The caller's tier.
        tier: Tier,
        /// When and how the call ended; `None` drops the permit.
        finish: Option<(u64, Outcome)>,
    },
    /// [`Breaker::force_open`].
    ForceOpen {
        /// The clock.
        now: u64,
    },
    /// [`Breaker::disable`].
    Disable {
        /// The clock.
        now: u64,
    },
    /// [`Breaker::reset`].
    Reset {
        /// The clock.
        now: u64,
    },
}

impl Op {
    /// The clock's last reading in this operation: when the permit
    /// reported, for a [`Op::Call`] that reported; otherwise its `now`.
    pub fn last_now(&self) -> u64 {
        match *self {
            Op::Call {
                finish: Some((at, _)),
                ..
            } => at,
            Op::Acquire { now, .. }
            | Op::Record { now, .. }
            | Op::Forged { now, .. }
            | Op::Call { now, .. }
            | Op::ForceOpen { now }
            | Op::Disable { now }
            | Op::Reset { now } => now,
        }
    }
}

/// What both the breaker and the model answered to an [`Op`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// [`Op::Acquire`]: the ticket, or why not.
    Acquired(Result<Ticket, Rejection>),
    /// [`Op::Record`] and [`Op::Forged`].
    Recorded(Recorded),
    /// [`Op::Call`]: the permit's ticket and what its report became (`None`
    /// when dropped), or why it was refused.
    Called(Result<(Ticket, Option<Recorded>), Rejection>),
    /// [`Op::ForceOpen`], [`Op::Disable`], [`Op::Reset`].
    Forced,
}

/// How [`Op::Forged`] alters a ticket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Forgery {
    /// Any probe field (0 = not a probe, above 16 = no such slot).
    Probe(u8),
    /// Generation plus 2²⁰: the same 20 bits, but never a generation.
    GenerationWrap,
    /// Generation XOR this (non-zero within the 20 bits: another one).
    Generation(u32),
    /// Another acquisition time.
    AcquiredAt(u64),
    /// Any grant number (64 and above: never issued).
    Grant(u8),
}

impl Forgery {
    /// `ticket` altered.
    pub fn apply(self, ticket: Ticket) -> Ticket {
        match self {
            Forgery::Probe(probe) => Ticket { probe, ..ticket },
            Forgery::GenerationWrap => Ticket {
                generation: ticket.generation.wrapping_add(1 << 20),
                ..ticket
            },
            Forgery::Generation(bits) => Ticket {
                generation: ticket.generation ^ bits,
                ..ticket
            },
            Forgery::AcquiredAt(at) => Ticket {
                acquired_at: at,
                ..ticket
            },
            Forgery::Grant(grant) => Ticket { grant, ..ticket },
        }
    }
}

/// The fields of a [`Snapshot`] (which cannot be built outside the core), so
/// model and breaker compare with `==` and print alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expected {
    /// [`Snapshot::state`].
    pub state: State,
    /// [`Snapshot::generation`].
    pub generation: u32,
    /// [`Snapshot::trips`].
    pub trips: u8,
    /// [`Snapshot::ramp_stage`].
    pub ramp_stage: u8,
    /// [`Snapshot::consecutive_failures`].
    pub consecutive_failures: u16,
    /// [`Snapshot::probes_in_flight`].
    pub probes_in_flight: u8,
    /// [`Snapshot::probe_successes`].
    pub probe_successes: u8,
    /// [`Snapshot::probe_failures`].
    pub probe_failures: u8,
    /// [`Snapshot::count_window`].
    pub count_window: WindowStats,
    /// [`Snapshot::time_window`].
    pub time_window: WindowStats,
    /// [`Snapshot::next_transition`].
    pub next_transition: Option<u64>,
}

impl From<&Snapshot> for Expected {
    fn from(s: &Snapshot) -> Expected {
        Expected {
            state: s.state,
            generation: s.generation,
            trips: s.trips,
            ramp_stage: s.ramp_stage,
            consecutive_failures: s.consecutive_failures,
            probes_in_flight: s.probes_in_flight,
            probe_successes: s.probe_successes,
            probe_failures: s.probe_failures,
            count_window: s.count_window,
            time_window: s.time_window,
            next_transition: s.next_transition,
        }
    }
}

/// Where [`BreakerModel::step`] finds the transitions a breaker reported.
pub trait Events {
    /// Every transition reported since the last call, oldest first, or
    /// `None` if this breaker's transitions are not observed.
    fn drain(&self) -> Option<Vec<Transition>>;
}

/// Transitions are not observed: nothing to compare.
impl Events for () {
    fn drain(&self) -> Option<Vec<Transition>> {
        None
    }
}

impl<T: Events + ?Sized> Events for &T {
    fn drain(&self) -> Option<Vec<Transition>> {
        (**self).drain()
    }
}

/// An observer keeping every transition, unbounded (single-threaded tests).
#[derive(Debug, Default)]
pub struct Recorder {
    events: RefCell<Vec<Transition>>,
}

impl Recorder {
    /// An empty recorder.
    pub fn new() -> Recorder {
        Recorder::default()
    }
}

impl Observer for Recorder {
    fn transition(&self, transition: Transition) {
        self.events.borrow_mut().push(transition);
    }
}

impl Events for Recorder {
    fn drain(&self) -> Option<Vec<Transition>> {
        Some(std::mem::take(&mut *self.events.borrow_mut()))
    }
}

impl<const N: usize> Events for EventRing<N> {
    fn drain(&self) -> Option<Vec<Transition>> {
        Some(std::iter::from_fn(|| self.pop()).collect())
    }
}

/// The least share of `duration`, in permille, that is a whole tick: what
/// generators raise a backoff gain (`backoff_factor − 1000`) or a jitter
/// to, so that their configs keep the rounding rules.
pub fn least_permille_for_a_tick(duration: u64) -> u16 {
    u16::try_from(1000u64.div_ceil(duration.max(1))).unwrap_or(1000)
}

/// The config rules, restated from the [`ConfigError`] docs: every rule a
/// config for a breaker with `window` count slots and `buckets` time buckets
/// breaks (empty when it is valid), and the number of ramp stages (steps
/// plus the largest tier delay).
pub fn config_violations(config: &Config, window: usize, buckets: usize) -> (Vec<ConfigError>, u8) {
    use ConfigError as E;
    let mut broken = Vec::new();
    let mut rule = |broken_if: bool, error: E| {
        if broken_if {
            broken.push(error);
        }
    };
    let rates = config.failure_rate != 0 || config.slow_call_rate != 0;
    rule(config.consecutive_failures == 0 && !rates, E::NoTripPolicy);
    rule(
        config.failure_rate > 1000 || config.slow_call_rate > 1000,
        E::RateAbove1000,
    );
    // Time buckets are used when there are some and they have a width.
    let timed = buckets > 0 && config.bucket_width > 0;
    rule(rates && window == 0 && buckets == 0, E::RateWithoutWindow);
    rule(rates && config.minimum_calls == 0, E::ZeroMinimumCalls);
    rule(
        rates && !timed && u128::from(config.minimum_calls) > window as u128,
        E::MinimumCallsAboveWindow,
    );
    rule(
        rates && window == 0 && buckets > 0 && config.bucket_width == 0,
        E::ZeroBucketWidth,
    );
    rule(
        window > MAX_WINDOW || buckets > MAX_BUCKETS,
        E::WindowTooLarge,
    );
    rule(config.open_duration == 0, E::ZeroOpenDuration);
    rule(config.backoff_factor < 1000, E::BackoffBelowOne);
    rule(
        config.max_open_duration < config.open_duration,
        E::MaxBelowOpenDuration,
    );
    rule(config.jitter > 1000, E::JitterAbove1000);
    // Each backoff step and the jitter's share round down: a factor above
    // 1000 must make the first open duration longer (later ones are longer
    // still, so they grow too), and a jitter above 0 must be able to add a
    // tick to the shortest duration it lengthens.
    let open = u128::from(config.open_duration);
    rule(
        config.backoff_factor > 1000 && open * u128::from(config.backoff_factor) / 1000 <= open,
        E::BackoffTooSmall,
    );
    rule(
        config.jitter > 0 && open * u128::from(config.jitter) / 1000 == 0,
        E::JitterTooSmall,
    );
    rule(
        config.probes == 0 || config.probes > MAX_PROBES,
        E::ProbesOutOfRange,
    );
    rule(
        config.probe_successes == 0 || config.probe_failures == 0,
        E::ZeroProbeThreshold,
    );
    rule(config.probe_timeout == 0, E::ZeroProbeTimeout);
    rule(
        !config.tiers.iter().any(|tier| tier.may_probe),
        E::NoTierMayProbe,
    );
    // A duration with its jitter must fit: the core checks the most jitter
    // could ever make of it, twice the longest duration.
    rule(
        config.jitter > 0 && u128::from(config.max_open_duration) * 2 > u128::from(u64::MAX),
        E::DurationOverflow,
    );
    rule(
        timed && u128::from(config.bucket_width) * buckets as u128 > u128::from(u64::MAX),
        E::DurationOverflow,
    );
    let steps = usize::from(config.ramp_steps);
    let delay = config.tiers.iter().map(|t| t.ramp_delay).max().unwrap_or(0);
    let mut stages = 0;
    if steps > 0 {
        rule(steps > MAX_RAMP_STEPS, E::RampTooLong);
        rule(config.ramp_stage_duration == 0, E::ZeroRampStage);
        let used = &config.ramp[..steps.min(MAX_RAMP_STEPS)];
        let rising = used.iter().all(|&s| (1..1000).contains(&s))
            && used.windows(2).all(|pair| pair[0] < pair[1]);
        rule(!rising, E::RampNotRising);
        let total = steps + usize::from(delay);
        rule(total > usize::from(MAX_RAMP_STAGES), E::RampTooLong);
        stages = u8::try_from(total).unwrap_or(u8::MAX);
    }
    (broken, stages)
}

/// Time buckets: every call with the bucket it counts in.
#[derive(Clone, Debug)]
struct Buckets {
    count: u64,
    /// 0: the buckets are unused.
    width: u64,
    /// The newest bucket: the one holding the latest `now` recorded.
    head: u64,
    calls: Vec<(u64, Call)>,
    /// A reading came from further behind than the window's span.
    suspect: bool,
}

impl Buckets {
    fn in_use(&self) -> bool {
        self.count > 0 && self.width > 0
    }

    fn record(&mut self, now: u64, call: Call) {
        if !self.in_use() {
            return;
        }
        let target = (now / self.width) & BUCKET_SEQUENCE_MASK;
        let ahead = target.wrapping_sub(self.head) & BUCKET_SEQUENCE_MASK;
        let behind = self.head.wrapping_sub(target) & BUCKET_SEQUENCE_MASK;
        if ahead == 0 || (behind <= ahead && behind <= self.count) {
            // The head bucket, or before it within the span: in the head.
            self.suspect = false;
        } else if ahead < behind {
            self.head = target;
            self.suspect = false;
        } else if !self.suspect {
            // Far behind once: in the head, which is now suspect.
            self.suspect = true;
        } else {
            // Far behind twice: the head moves back, every call with it.
            for (bucket, _) in &mut self.calls {
                *bucket = bucket.wrapping_sub(behind) & BUCKET_SEQUENCE_MASK;
            }
            self.head = target;
            self.suspect = false;
        }
        self.calls.push((self.head, call));
        self.expire();
    }

    /// A snapshot at `now`: a `now` ahead of the head moves it there, as a
    /// call would; any other `now` is no reading for the clock-fault rule
    /// and changes nothing.
    fn observe(&mut self, now: u64) {
        if !self.in_use() {
            return;
        }
        let target = (now / self.width) & BUCKET_SEQUENCE_MASK;
        let ahead = target.wrapping_sub(self.head) & BUCKET_SEQUENCE_MASK;
        let behind = self.head.wrapping_sub(target) & BUCKET_SEQUENCE_MASK;
        if ahead != 0 && ahead < behind {
            self.head = target;
            self.suspect = false;
            self.expire();
        }
    }

    /// Drops the calls of buckets the head has left `count` or more behind.
    fn expire(&mut self) {
        let (head, count) = (self.head, self.count);
        self.calls
            .retain(|&(bucket, _)| head.wrapping_sub(bucket) & BUCKET_SEQUENCE_MASK < count);
    }

    fn stats(&self) -> WindowStats {
        stats(self.calls.iter().map(|(_, call)| call))
    }

    /// An operator's reset: empty, with the head at the bucket holding `now`.
    fn reset(&mut self, now: u64) {
        self.calls.clear();
        self.suspect = false;
        if self.in_use() {
            self.head = (now / self.width) & BUCKET_SEQUENCE_MASK;
        }
    }
}

/// The reference model of one breaker, with the tickets issued so far.
#[derive(Clone, Debug)]
pub struct BreakerModel {
    config: Config,
    deviations: Deviations,
    window: usize,
    stages: u8,
    phase: Phase,
    generation: u32,
    trips: u8,
    /// The deadline or start of the current state: rises, except that a
    /// trip from full traffic (where it is unused) replaces it.
    mark: u64,
    /// When full traffic last began: the backoff is judged from it.
    healthy_since: u64,
    /// A reading found the mark beyond twice the horizon.
    clock_suspect: bool,
    /// Per probe slot, the grant number held or last released there.
    grant_numbers: [u8; MAX_PROBES as usize],
    /// The last `window` calls, oldest first.
    calls: VecDeque<Call>,
    buckets: Buckets,
    /// Ramp: calls of each tier seen in the current stage.
    ramp_calls: [u64; 3],
    /// Tickets handed out, newest last (at most [`BreakerModel::TICKETS`]).
    issued: VecDeque<Ticket>,
    /// Transitions not yet compared.
    events: Vec<Transition>,
    /// The breaker's open deadline after the operation being modelled.
    oracle: Option<u64>,
    /// What the operations so far exercised, if asked.
    tally: Option<BTreeMap<String, u64>>,
}

fn tier_index(tier: Tier) -> usize {
    match tier {
        Tier::Essential => 0,
        Tier::Important => 1,
        Tier::Optional => 2,
    }
}

fn to_u64(value: u128) -> u64 {
    u64::try_from(value).unwrap_or(u64::MAX)
}

impl BreakerModel {
    /// Issued tickets kept for [`Op::Record`] to pick from.
    pub const TICKETS: usize = 32;

    /// The model of a fresh breaker with `window` count slots and `buckets`
    /// time buckets, following the documentation only; or every rule the
    /// config breaks.
    pub fn new(config: Config, window: usize, buckets: usize) -> Result<Self, Vec<ConfigError>> {
        let (broken, stages) = config_violations(&config, window, buckets);
        if !broken.is_empty() {
            return Err(broken);
        }
        Ok(BreakerModel {
            config,
            deviations: Deviations::NONE,
            window,
            stages,
            phase: Phase::Closed {
                stage: 0,
                run: 0,
                ramp_failures: 0,
            },
            generation: 0,
            trips: 0,
            mark: 0,
            healthy_since: 0,
            clock_suspect: false,
            grant_numbers: [0; MAX_PROBES as usize],
            calls: VecDeque::new(),
            buckets: Buckets {
                count: buckets as u64,
                width: config.bucket_width,
                head: 0,
                calls: Vec::new(),
                suspect: false,
            },
            ramp_calls: [0; 3],
            issued: VecDeque::new(),
            events: Vec::new(),
            oracle: None,
            tally: None,
        })
    }

    /// The same model following the breaker where `deviations` says.
    #[must_use]
    pub fn tolerating(mut self, deviations: Deviations) -> Self {
        self.deviations = deviations;
        self
    }

    /// The number of ramp stages.
    pub fn stages(&self) -> u8 {
        self.stages
    }

    /// The same model, keeping a [`tally`](BreakerModel::tally) of what
    /// the steps exercise (slower: a string per event).
    #[must_use]
    pub fn tallying(mut self) -> Self {
        self.tally = Some(BTreeMap::new());
        self
    }

    /// What the steps so far exercised, by name, with counts (when
    /// [`tallying`](BreakerModel::tallying)): transitions
    /// (`"Closed->Open ConsecutiveFailures"`), answers (`"acquire Ok"`,
    /// `"acquire Open"`, `"record Stale"`...), closed-state failures that
    /// were slow too (`"record slow failure"`), operator holds that changed
    /// nothing (`"hold kept Disabled"`), and the ramp stages, trips
    /// and probes in flight seen after each step (`"ramp stage 3"`,
    /// `"trips 5"`, `"in flight 2"`), for tests to check that their
    /// generators reach everything.
    pub fn tally(&self) -> Option<&BTreeMap<String, u64>> {
        self.tally.as_ref()
    }

    fn count(&mut self, what: impl FnOnce() -> String) {
        if let Some(tally) = &mut self.tally {
            *tally.entry(what()).or_insert(0) += 1;
        }
    }

    fn count_answer<T>(&mut self, what: &str, answer: &Result<T, Rejection>) {
        if self.tally.is_none() {
            return;
        }
        let name = match answer {
            Ok(_) => "Ok".to_owned(),
            Err(rejection) => {
                let name = format!("{rejection:?}");
                name.split([' ', '{']).next().unwrap_or("").to_owned()
            }
        };
        self.count(|| format!("{what} {name}"));
    }

    /// The tickets issued so far (the latest [`BreakerModel::TICKETS`]).
    pub fn issued(&self) -> impl Iterator<Item = &Ticket> {
        self.issued.iter()
    }

    fn ticket(&self, now: u64, probe: u8) -> Ticket {
        Ticket {
            generation: self.generation,
            probe,
            grant: 0,
            acquired_at: now,
        }
    }

    fn enter(&mut self, phase: Phase, now: u64, reason: Reason) {
        let from = self.phase.state();
        self.generation = (self.generation + 1) & GENERATION_MASK;
        self.phase = phase;
        self.events.push(Transition {
            from,
            to: self.phase.state(),
            generation: self.generation,
            at: now,
            reason,
        });
    }

    /// The share, in permille, of `tier` during ramp stage `stage`.
    pub fn share(&self, stage: u8, tier: Tier) -> u16 {
        let delay = self.config.tiers[tier_index(tier)].ramp_delay;
        if stage == 0 {
            return 1000;
        }
        // Stage s (from 1) admits the share of step s − 1 − delay.
        match (stage - 1).checked_sub(delay) {
            None => 0,
            Some(step) if step < self.config.ramp_steps => self.config.ramp[usize::from(step)],
            Some(_) => 1000,
        }
    }

    /// The `trips`-th open duration: the lowest and highest the breaker
    /// may choose (they differ by the jitter, and by the tolerated rounding).
    pub fn open_durations(&self, trips: u8) -> (u64, u64) {
        let c = &self.config;
        let (max, factor) = (
            u128::from(c.max_open_duration),
            u128::from(c.backoff_factor),
        );
        let mut exact = u128::from(c.open_duration);
        for _ in 1..trips {
            exact = (exact * factor / 1000).min(max);
        }
        let mut low = exact;
        if self.deviations.backoff_rounding {
            let mut rounded = c.open_duration;
            for _ in 1..trips {
                if rounded >= c.max_open_duration {
                    break;
                }
                rounded = match rounded.checked_mul(u64::from(c.backoff_factor)) {
                    Some(product) => product / 1000,
                    None => (rounded / 1000).saturating_mul(u64::from(c.backoff_factor)),
                };
            }
            low = low.min(u128::from(rounded.min(c.max_open_duration)));
        }
        let high = exact + exact * u128::from(c.jitter) / 1000;
        (to_u64(low), to_u64(high))
    }

    /// The clock-fault rule for the mark, at a reading at `now` in a state
    /// that uses it: a mark more than twice the horizon (the longest open
    /// duration with jitter, the probe timeout, a ramp stage) ahead of `now`
    /// makes the breaker suspect; a second such reading in a row moves the
    /// mark to `now` plus the horizon; a reading within clears the suspicion.
    fn mark_at(&mut self, now: u64) -> u64 {
        let c = &self.config;
        let open = if c.jitter > 0 {
            c.max_open_duration.saturating_mul(2)
        } else {
            c.max_open_duration
        };
        let horizon = open.max(c.probe_timeout).max(c.ramp_stage_duration);
        let Some(limit) = horizon.checked_mul(2).and_then(|t| now.checked_add(t)) else {
            return self.mark;
        };
        if self.mark <= limit {
            self.clock_suspect = false;
        } else if !self.clock_suspect {
            self.clock_suspect = true;
        } else {
            self.clock_suspect = false;
            self.mark = now.saturating_add(horizon);
        }
        self.mark
    }

    /// Trips: open with a deadline `now` plus the next open duration (the
    /// breaker's own pick within the jitter's bounds, when it is one).
    fn open(&mut self, now: u64, from_closed: bool, reason: Reason) {
        let full_traffic = matches!(self.phase, Phase::Closed { stage: 0, .. });
        let mut trips = self.trips;
        let full_traffic = from_closed && full_traffic;
        if full_traffic && now.saturating_sub(self.healthy_since) >= self.config.reset_backoff_after
        {
            trips = 0;
        }
        let trips = trips.saturating_add(1);
        let (low, high) = self.open_durations(trips);
        // At full traffic the mark is unused: replaced, not raised.
        let floor = if full_traffic { 0 } else { self.mark };
        let low = floor.max(now.saturating_add(low));
        let high = floor.max(now.saturating_add(high));
        self.mark = match self.oracle {
            Some(deadline) if (low..=high).contains(&deadline) => deadline,
            // Out of bounds: the snapshot comparison reports it.
            _ => low,
        };
        self.trips = trips.min(MAX_TRIPS);
        self.enter(Phase::Open, now, reason);
    }

    fn close(&mut self, now: u64, reason: Reason) {
        let stage = u8::from(self.stages != 0);
        if stage == 0 {
            self.healthy_since = now;
        }
        self.ramp_calls = [0; 3];
        self.mark = self.mark.max(now);
        self.calls.clear();
        self.buckets.calls.clear();
        self.enter(
            Phase::Closed {
                stage,
                run: 0,
                ramp_failures: 0,
            },
            now,
            reason,
        );
    }

    /// What the breaker answers to an acquire of `tier` at `now`.
    pub fn acquire(&mut self, now: u64, tier: Tier) -> Result<Ticket, Rejection> {
        loop {
            match self.phase.clone() {
                Phase::Closed {
                    stage,
                    run,
                    ramp_failures,
                } => {
                    if stage == 0 {
                        return Ok(self.ticket(now, 0));
                    }
                    let mark = self.mark_at(now);
                    if now.saturating_sub(mark) < self.config.ramp_stage_duration {
                        return self.ramp_admit(now, stage, tier);
                    }
                    // The stage is over; the next one starts now.
                    let next = if stage >= self.stages { 0 } else { stage + 1 };
                    if next == 0 {
                        self.healthy_since = now;
                    }
                    self.mark = self.mark.max(now);
                    self.ramp_calls = [0; 3];
                    // Ramp failures count across the ramp, and no longer at full traffic.
                    let ramp_failures = if next == 0 { 0 } else { ramp_failures };
                    self.phase = Phase::Closed {
                        stage: next,
                        run,
                        ramp_failures,
                    };
                }
                Phase::Open => {
                    self.mark_at(now);
                    if now < self.mark || self.mark == u64::MAX {
                        let retry_after = if self.mark == u64::MAX {
                            u64::MAX
                        } else {
                            self.mark - now
                        };
                        return Err(Rejection::Open { retry_after });
                    }
                    self.mark = now;
                    let slots = vec![None; usize::from(self.config.probes)];
                    self.enter(
                        Phase::HalfOpen {
                            slots,
                            successes: 0,
                            failures: 0,
                        },
                        now,
                        Reason::OpenElapsed,
                    );
                }
                Phase::HalfOpen {
                    slots,
                    successes,
                    failures,
                } => {
                    if !self.config.tiers[tier_index(tier)].may_probe {
                        return Err(Rejection::NotProbing);
                    }
                    self.mark_at(now);
                    let in_flight = slots.iter().filter(|slot| slot.is_some()).count();
                    let timeout = self.config.probe_timeout;
                    if in_flight > 0 && now.saturating_sub(self.mark) >= timeout {
                        // Every probe in flight timed out: each counts as failed.
                        let lost = u8::try_from(in_flight).unwrap();
                        let failures = failures.saturating_add(lost);
                        if failures >= self.config.probe_failures {
                            self.open(now, false, Reason::ProbesTimedOut);
                        } else {
                            let slots = vec![None; slots.len()];
                            self.enter(
                                Phase::HalfOpen {
                                    slots,
                                    successes,
                                    failures,
                                },
                                now,
                                Reason::ProbesTimedOut,
                            );
                        }
                        continue;
                    }
                    let Some(free) = slots.iter().position(Option::is_none) else {
                        let retry_after = if self.deviations.probes_busy_retry_after {
                            timeout.saturating_sub(now.saturating_sub(self.mark))
                        } else {
                            match self.mark.checked_add(timeout) {
                                Some(deadline) => deadline - now,
                                // They never time out on this clock.
                                None => u64::MAX,
                            }
                        };
                        return Err(Rejection::ProbesBusy { retry_after });
                    };
                    self.mark = self.mark.max(now);
                    // The slot's next grant number (modulo 64).
                    self.grant_numbers[free] = (self.grant_numbers[free] + 1) % 64;
                    let ticket = Ticket {
                        grant: self.grant_numbers[free],
                        ..self.ticket(now, u8::try_from(free + 1).unwrap())
                    };
                    if let Phase::HalfOpen { slots, .. } = &mut self.phase {
                        slots[free] = Some(ticket);
                    }
                    return Ok(ticket);
                }
                Phase::ForcedOpen => return Err(Rejection::ForcedOpen),
                Phase::Disabled => return Ok(self.ticket(now, 0)),
            }
        }
    }

    /// The ramp: call `n` of a tier in a stage is admitted when
    /// `⌊(n + 1) × share / 1000⌋ > ⌊n × share / 1000⌋`.
    fn ramp_admit(&mut self, now: u64, stage: u8, tier: Tier) -> Result<Ticket, Rejection> {
        let share = u64::from(self.share(stage, tier));
        if share >= 1000 {
            return Ok(self.ticket(now, 0));
        }
        let n = &mut self.ramp_calls[tier_index(tier)];
        let admit = (*n + 1) * share / 1000 > *n * share / 1000;
        *n += 1;
        if admit {
            Ok(self.ticket(now, 0))
        } else {
            Err(Rejection::Ramp)
        }
    }

    /// What the breaker answers to `outcome` reported for `ticket` at `now`.
    pub fn record(&mut self, ticket: Ticket, now: u64, outcome: Outcome) -> Recorded {
        if ticket.generation != self.generation {
            return Recorded::Stale;
        }
        let threshold = self.config.slow_call_threshold;
        let elapsed = now.saturating_sub(ticket.acquired_at);
        let call = match outcome {
            Outcome::Success => Call {
                failed: false,
                slow: elapsed > threshold,
            },
            Outcome::Latency(latency) => Call {
                failed: false,
                slow: latency > threshold,
            },
            Outcome::Failure => Call {
                failed: true,
                slow: elapsed > threshold,
            },
            Outcome::FailureLatency(latency) => Call {
                failed: true,
                slow: latency > threshold,
            },
            Outcome::Ignored if ticket.probe != 0 => return self.record_probe(ticket, now, None),
            // Counted nowhere; stale if no closed-state ticket can be of this generation.
            Outcome::Ignored => {
                return match self.phase {
                    Phase::Closed { .. } | Phase::Disabled => Recorded::Counted,
                    _ => Recorded::Stale,
                };
            }
        };
        if ticket.probe != 0 {
            // A slow probe is a failed one.
            return self.record_probe(ticket, now, Some(!call.failed && !call.slow));
        }
        let (Phase::Closed { .. } | Phase::Disabled) = self.phase else {
            // A non-probe ticket of this generation cannot come from here.
            return Recorded::Stale;
        };
        if call.failed && call.slow {
            self.count(|| "record slow failure".to_owned());
        }
        let minimum = self.config.minimum_calls;
        let mut reached_minimum = false;
        if self.window > 0 {
            self.calls.push_back(call);
            if self.calls.len() > self.window {
                self.calls.pop_front();
            } else {
                reached_minimum |= self.calls.len() as u64 == u64::from(minimum);
            }
        }
        if self.buckets.in_use() {
            self.buckets.record(now, call);
            reached_minimum |= self.buckets.stats().calls == minimum;
        }
        if let Phase::Closed {
            stage,
            run,
            ramp_failures,
        } = self.phase
        {
            // Rates are judged when the outcome can raise one: a failure, a
            // slow call, or the call that brings a window to the minimum.
            let judge_rates = call.failed || call.slow || reached_minimum;
            self.judge(now, (stage, run, ramp_failures), call.failed, judge_rates);
        }
        Recorded::Counted
    }

    fn judge(&mut self, now: u64, closed: (u8, u16, u8), failed: bool, judge_rates: bool) {
        let (stage, run, ramp_failures) = closed;
        let c = self.config;
        let run = if failed { run.saturating_add(1) } else { 0 };
        let ramp_failures = if failed && stage != 0 {
            ramp_failures.saturating_add(1)
        } else if failed {
            0
        } else {
            ramp_failures
        };
        let reason = if c.consecutive_failures != 0 && run >= c.consecutive_failures {
            Some(Reason::ConsecutiveFailures)
        } else if stage != 0 && ramp_failures >= c.probe_failures {
            Some(Reason::RampFailures)
        } else if judge_rates {
            self.rate_reason()
        } else {
            None
        };
        match reason {
            Some(reason) => self.open(now, true, reason),
            None => {
                self.phase = Phase::Closed {
                    stage,
                    run,
                    ramp_failures,
                }
            }
        }
    }

    /// The first rate policy a window meets: count window first, failures
    /// before slow calls.
    fn rate_reason(&self) -> Option<Reason> {
        let c = &self.config;
        let reaches = |count: u32, calls: u32, permille: u16| {
            permille != 0
                && calls >= c.minimum_calls
                && u64::from(count) * 1000 >= u64::from(permille) * u64::from(calls)
        };
        for window in [stats(self.calls.iter()), self.buckets.stats()] {
            if reaches(window.failures, window.calls, c.failure_rate) {
                return Some(Reason::FailureRate);
            }
            if reaches(window.slow, window.calls, c.slow_call_rate) {
                return Some(Reason::SlowCallRate);
            }
        }
        None
    }

    fn record_probe(&mut self, ticket: Ticket, now: u64, success: Option<bool>) -> Recorded {
        let Phase::HalfOpen {
            slots,
            successes,
            failures,
        } = &mut self.phase
        else {
            return Recorded::Stale;
        };
        let Some(slot) = slots.get_mut(usize::from(ticket.probe) - 1) else {
            return Recorded::Stale;
        };
        // A probe is its generation, slot and grant number (`acquired_at`
        // only measures its latency); its first report claims the grant.
        let index = usize::from(ticket.probe) - 1;
        match slot {
            Some(held)
                if (held.generation, held.probe, held.grant)
                    == (ticket.generation, ticket.probe, ticket.grant) =>
            {
                *slot = None;
                self.grant_numbers[index] = (self.grant_numbers[index] + 1) % 64;
            }
            // Already reported, timed out, or never issued.
            _ => return Recorded::Stale,
        }
        match success {
            Some(true) => *successes = successes.saturating_add(1),
            Some(false) => *failures = failures.saturating_add(1),
            None => {}
        }
        let (successes, failures) = (*successes, *failures);
        if failures >= self.config.probe_failures {
            self.open(now, false, Reason::ProbesFailed);
        } else if successes >= self.config.probe_successes {
            self.close(now, Reason::ProbesSucceeded);
        }
        Recorded::Counted
    }

    /// [`Breaker::force_open`], [`Breaker::disable`] or [`Breaker::reset`]:
    /// `state` is `ForcedOpen`, `Disabled` or `Closed`. A hold that finds
    /// the breaker held so already changes nothing.
    pub fn force(&mut self, now: u64, state: State) {
        if state != State::Closed && self.phase.state() == state {
            self.count(|| format!("hold kept {state:?}"));
            return;
        }
        let phase = match state {
            State::Closed => {
                self.calls.clear();
                self.buckets.reset(now);
                // Full traffic from `now`; the mark is unused until the
                // next trip replaces it.
                self.healthy_since = now;
                self.clock_suspect = false;
                self.trips = 0;
                Phase::Closed {
                    stage: 0,
                    run: 0,
                    ramp_failures: 0,
                }
            }
            State::Disabled => Phase::Disabled,
            _ => Phase::ForcedOpen,
        };
        self.enter(phase, now, Reason::Operator);
    }

    /// The snapshot the breaker should show at `now`: the time window as
    /// of `now` (a `now` past the newest bucket expires what it has left
    /// behind, as a call would; an earlier one changes nothing).
    pub fn snapshot(&mut self, now: u64) -> Expected {
        self.buckets.observe(now);
        self.expected()
    }

    /// The snapshot the breaker should show, with the time window as it
    /// stands.
    fn expected(&self) -> Expected {
        let c = &self.config;
        let (stage, run, ramp_failures) = match self.phase {
            Phase::Closed {
                stage,
                run,
                ramp_failures,
            } => (stage, run, ramp_failures),
            _ => (0, 0, 0),
        };
        let (in_flight, successes, failures) = match &self.phase {
            Phase::HalfOpen {
                slots,
                successes,
                failures,
            } => (
                u8::try_from(slots.iter().filter(|s| s.is_some()).count()).unwrap(),
                *successes,
                *failures,
            ),
            _ => (0, 0, 0),
        };
        let next_transition = match self.phase {
            Phase::Open => Some(self.mark),
            Phase::HalfOpen { .. } if in_flight > 0 => {
                Some(self.mark.saturating_add(c.probe_timeout))
            }
            Phase::Closed { stage, .. } if stage != 0 => {
                Some(self.mark.saturating_add(c.ramp_stage_duration))
            }
            _ => None,
        };
        Expected {
            state: self.phase.state(),
            generation: self.generation,
            trips: self.trips,
            ramp_stage: stage,
            consecutive_failures: run,
            probes_in_flight: in_flight,
            probe_successes: successes,
            probe_failures: if matches!(self.phase, Phase::HalfOpen { .. }) {
                failures
            } else {
                ramp_failures
            },
            count_window: stats(self.calls.iter()),
            time_window: self.buckets.stats(),
            next_transition,
        }
    }

    /// The issued ticket `pick` chooses, or a made-up one when none was.
    fn pick(&self, pick: usize, now: u64) -> Ticket {
        match self.issued.len() {
            0 => Ticket {
                generation: self.generation,
                probe: 0,
                grant: 0,
                acquired_at: now,
            },
            n => self.issued[n - 1 - pick % n],
        }
    }

    fn issue(&mut self, ticket: Ticket) {
        if self.issued.len() == Self::TICKETS {
            self.issued.pop_front();
        }
        self.issued.push_back(ticket);
    }

    /// Runs `op` on `breaker` and on the model, and checks they agree: the
    /// answer (admission and ticket, or rejection with its `retry_after`;
    /// counted or stale), then the snapshot (at the operation's
    /// [last `now`](Op::last_now)), then the transitions reported
    /// to the observer (drained from `events`). Returns the answer both
    /// gave, or describes the first disagreement.
    pub fn step<const W: usize, const B: usize, O: Observer, C: ConfigSource>(
        &mut self,
        breaker: &Breaker<W, B, O, C>,
        events: &impl Events,
        op: Op,
    ) -> Result<Answer, String> {
        assert_eq!(
            (W, B as u64),
            (self.window, self.buckets.count),
            "model built for another shape"
        );
        let before = self.expected();
        let answer = self.run(breaker, op).map_err(|(what, breaker, model)| {
            format!("{op:?}: {what}: breaker {breaker}, model {model}\n  before: {before:?}")
        })?;
        let now = op.last_now();
        let actual = Expected::from(&breaker.snapshot(now));
        let expected = self.snapshot(now);
        if actual != expected {
            return Err(format!(
                "{op:?}: snapshot\n  breaker {actual:?}\n  model   {expected:?}\n  before  {before:?}"
            ));
        }
        let wanted = std::mem::take(&mut self.events);
        for t in &wanted {
            self.count(|| format!("{:?}->{:?} {:?}", t.from, t.to, t.reason));
        }
        if expected.ramp_stage > 0 {
            self.count(|| format!("ramp stage {}", expected.ramp_stage));
        }
        self.count(|| format!("trips {}", expected.trips));
        if expected.probes_in_flight > 0 {
            self.count(|| format!("in flight {}", expected.probes_in_flight));
        }
        if let Some(seen) = events.drain() {
            if seen != wanted {
                return Err(format!(
                    "{op:?}: transitions: breaker {seen:?}, model {wanted:?}"
                ));
            }
        }
        Ok(answer)
    }

    /// Runs `op` on both; the answer, or what disagreed (what, breaker's,
    /// model's).
    fn run<const W: usize, const B: usize, O: Observer, C: ConfigSource>(
        &mut self,
        breaker: &Breaker<W, B, O, C>,
        op: Op,
    ) -> Result<Answer, (&'static str, String, String)> {
        fn differ<T: std::fmt::Debug>(
            what: &'static str,
            breaker: T,
            model: T,
        ) -> (&'static str, String, String) {
            (what, format!("{breaker:?}"), format!("{model:?}"))
        }
        Ok(match op {
            Op::Acquire { now, tier } => {
                let actual = breaker.acquire(now, tier);
                self.consult(breaker, now);
                let expected = self.acquire(now, tier);
                self.count_answer("acquire", &expected);
                if actual != expected {
                    return Err(differ("acquire", actual, expected));
                }
                if let Ok(ticket) = actual {
                    self.issue(ticket);
                }
                Answer::Acquired(actual)
            }
            Op::Record { pick, now, outcome } => {
                let ticket = self.pick(pick, now);
                Answer::Recorded(self.run_record(breaker, ticket, now, outcome)?)
            }
            Op::Forged {
                pick,
                forgery,
                now,
                outcome,
            } => {
                let ticket = forgery.apply(self.pick(pick, now));
                Answer::Recorded(self.run_record(breaker, ticket, now, outcome)?)
            }
            Op::Call { now, tier, finish } => {
                let actual = breaker.try_acquire(now, tier);
                self.consult(breaker, now);
                let expected = self.acquire(now, tier);
                self.count_answer("acquire", &expected);
                match (actual, expected) {
                    (Ok(permit), Ok(ticket)) => {
                        if permit.ticket() != ticket || permit.is_probe() != (ticket.probe != 0) {
                            return Err(differ("try_acquire", permit.ticket(), ticket));
                        }
                        self.issue(ticket);
                        let Some((at, outcome)) = finish else {
                            drop(permit);
                            self.consult(breaker, now);
                            if ticket.probe != 0 {
                                // A dropped probe is an ignored one, at its own time.
                                self.record(ticket, ticket.acquired_at, Outcome::Ignored);
                            }
                            return Ok(Answer::Called(Ok((ticket, None))));
                        };
                        let actual = match outcome {
                            Outcome::Success => permit.success(at),
                            Outcome::Failure => permit.failure(at),
                            Outcome::Latency(latency) => permit.latency(at, latency),
                            Outcome::FailureLatency(latency) => permit.failure_after(at, latency),
                            Outcome::Ignored => permit.ignore(at),
                        };
                        self.consult(breaker, at);
                        let expected = self.record(ticket, at, outcome);
                        self.count(|| format!("record {expected:?}"));
                        if actual != expected {
                            return Err(differ("permit", actual, expected));
                        }
                        Answer::Called(Ok((ticket, Some(actual))))
                    }
                    (Err(actual), Err(expected)) if actual == expected => {
                        Answer::Called(Err(actual))
                    }
                    (actual, expected) => {
                        return Err(differ("try_acquire", actual.map(|p| p.ticket()), expected))
                    }
                }
            }
            Op::ForceOpen { now } => {
                breaker.force_open(now);
                self.force(now, State::ForcedOpen);
                Answer::Forced
            }
            Op::Disable { now } => {
                breaker.disable(now);
                self.force(now, State::Disabled);
                Answer::Forced
            }
            Op::Reset { now } => {
                breaker.reset(now);
                self.force(now, State::Closed);
                Answer::Forced
            }
        })
    }

    /// Reads the breaker's deadline (the jitter it drew) from its snapshot
    /// at `now`, and models what that snapshot does to the time window.
    /// Taken right after the breaker's operation and before the model's:
    /// the snapshot only moves the window forward to `now`, which the
    /// model's operation at `now` does first anyway.
    fn consult<const W: usize, const B: usize, O: Observer, C: ConfigSource>(
        &mut self,
        breaker: &Breaker<W, B, O, C>,
        now: u64,
    ) {
        self.oracle = breaker.snapshot(now).next_transition;
        self.buckets.observe(now);
    }

    fn run_record<const W: usize, const B: usize, O: Observer, C: ConfigSource>(
        &mut self,
        breaker: &Breaker<W, B, O, C>,
        ticket: Ticket,
        now: u64,
        outcome: Outcome,
    ) -> Result<Recorded, (&'static str, String, String)> {
        let actual = breaker.record(ticket, now, outcome);
        self.consult(breaker, now);
        let expected = self.record(ticket, now, outcome);
        self.count(|| format!("record {expected:?}"));
        if actual != expected {
            return Err((
                "record",
                format!("{actual:?} for {ticket:?}"),
                format!("{expected:?}"),
            ));
        }
        Ok(actual)
    }
}
