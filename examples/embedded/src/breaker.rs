//! The circuit breaker on a real core: a `static` breaker with a count window,
//! a time window, backoff, two probe slots, a tiered ramp and an
//! [`EventRing`] observer, driven through every state, one check per rule.
//!
//! On thumbv6m (no compare-and-swap) the breaker's 8- and 32-bit atomics go
//! through portable-atomic's critical-section fallback and its 64-bit words
//! through `critical_section`; on thumbv7m the small atomics are native and
//! the 64-bit words use the critical section. Both use the implementation
//! the firmware picks (cortex-m's, PRIMASK).
//!
//! The timeline, in ticks (each phase's expected values follow from the
//! config below; the comments give the arithmetic):
//!
//! | ticks | what happens |
//! |---|---|
//! | 10_000 .. 10_050 | 6 successes, 5 failures: the count window trips (5 of 8) |
//! | 10_050 .. 11_050 | open, 1_000 ticks; the PendSV handler is refused too |
//! | 11_050 .. 11_090 | half-open: 2 probe slots; the PendSV handler takes the free one, and its success closes it |
//! | 11_090 .. 12_200 | ramp stages 1 and 2, exact shares per tier; a failure rolls back |
//! | 12_200 .. 14_210 | open again, 2_000 ticks (backoff); two probes close it |
//! | 14_210 .. 18_300 | the ramp's four stages, then full traffic |
//! | 30_000 | the time window trips (4 of 4) while the count window (4 of 8) does not; the backoff started over |
//! | 31_500 .. 31_700 | forced open, disabled, reset |

use core::cell::Cell;
use core::hint::black_box;

use critical_section::Mutex;
use failwell::breaker::{
    Breaker, Config, ConfigError, ConfigSource, EventRing, Observer, Outcome, Permit, Policy,
    Reason, Recorded, Rejection, State, Ticket, Transition, WindowStats,
};
use failwell::{Fixed, Tier};

use crate::{
    irq_calls, now, pend_pendsv, run_in_interrupt, set_counter, set_irq_job, wait_for_irq_calls,
    Checks, IrqJob,
};

const E: Tier = Tier::Essential;
const I: Tier = Tier::Important;
const O: Tier = Tier::Optional;

/// Open 1_000 ticks; trip at ≥ 60 % failures (or 100 % slow calls, slower
/// than 200 ticks) once a window holds 4 calls; windows: the last 8 calls and
/// 4 buckets of 100 ticks; each further trip doubles the open duration up to
/// 4_000, starting over after 10_000 ticks at full traffic; half-open: 2
/// probes at once, 2 successes close, 1 failure reopens, probes time out
/// after 300 ticks; then 10 % and 50 % for 1_000 ticks each. Tiers keep
/// their defaults: Essential and Important probe, Optional does not; on the
/// ramp Important lags one stage and Optional two, so the ramp has 4 stages.
const CONFIG: Config = Config::new(1_000)
    .trip_on_failure_rate(600, 4)
    .trip_on_slow_calls(200, 1_000)
    .bucket_width(100)
    .backoff(2_000, 4_000, 10_000)
    .half_open(2, 2, 1, 300)
    .ramp(&[100, 500], 1_000);

/// The main breaker's type: 8 call slots, 4 time buckets, transitions to a ring.
pub type MainBreaker = Breaker<8, 4, &'static EventRing<16>>;

/// Transitions of [`BREAKER`], drained by the checks.
pub static EVENTS: EventRing<16> = EventRing::new();

/// The breaker every phase drives (and the PendSV handler calls).
pub static BREAKER: MainBreaker = match Breaker::with_observer(CONFIG, &EVENTS) {
    Ok(breaker) => breaker,
    Err(_) => panic!("invalid breaker config"), // a compile-time error
};

/// Two failures in a row open it for 1_000 ticks; no windows, no observer.
struct Wrap;
impl Policy for Wrap {
    const CONFIG: Config = Config::new(1_000).trip_on_consecutive_failures(2);
}

/// A [`Wrap`] breaker, its config fixed at compile time (the smallest
/// breaker firmware builds; all zero, so in `.bss`). Fed by the wrapping
/// 32-bit counter both contexts read ([`now`]).
static WRAP: Breaker<0, 0, (), Fixed<Wrap>> = Breaker::fixed();

/// One failure opens it for 1_000 ticks plus up to 20 % jitter.
static JITTER: Breaker =
    match Breaker::new(Config::new(1_000).trip_on_consecutive_failures(1).jitter(200, 7)) {
        Ok(breaker) => breaker,
        Err(_) => panic!("invalid breaker config"),
    };

/// What the PendSV handler's breaker call gave: the probe slot (0 for a
/// call that is not a probe) or the rejection, and what its success report
/// became.
type IrqOutcome = (Result<u8, Rejection>, Option<Recorded>);

static IRQ_OUTCOME: Mutex<Cell<Option<IrqOutcome>>> = Mutex::new(Cell::new(None));

/// Run by the PendSV handler: one call at `now`, reported a success at once.
pub fn in_interrupt(now: u64) {
    call_and_succeed(&BREAKER, now);
}

/// Run by the PendSV handler: a call to [`WRAP`] at [`now`], the counter as
/// this handler reads it, reported a success at once.
pub fn probe_in_interrupt() {
    call_and_succeed(&WRAP, now());
}

/// One call to `breaker` at `now`, reported a success at once; the outcome
/// is kept for [`irq_outcome`].
fn call_and_succeed<const W: usize, const B: usize, Ob: Observer, C: ConfigSource>(
    breaker: &Breaker<W, B, Ob, C>,
    now: u64,
) {
    let outcome = match breaker.try_acquire(now, E) {
        Ok(permit) => {
            let slot = permit.ticket().probe;
            (Ok(slot), Some(permit.success(now)))
        }
        Err(rejection) => (Err(rejection), None),
    };
    critical_section::with(|cs| IRQ_OUTCOME.borrow(cs).set(Some(outcome)));
}

fn irq_outcome() -> Option<IrqOutcome> {
    critical_section::with(|cs| IRQ_OUTCOME.borrow(cs).get())
}

/// Pends PendSV with a breaker call at `now` and waits for it.
fn call_in_interrupt(now: u64) -> Option<IrqOutcome> {
    run_in_interrupt(IrqJob::Breaker(now));
    irq_outcome()
}

/// The probe slot of a permit (0: not a probe), or the rejection.
fn slot<const W: usize, const B: usize, Ob: Observer, C: ConfigSource>(
    result: &Result<Permit<'_, W, B, Ob, C>, Rejection>,
) -> Result<u8, Rejection> {
    match result {
        Ok(permit) => Ok(permit.ticket().probe),
        Err(rejection) => Err(*rejection),
    }
}

/// Reports a success for a permit, if there is one.
fn succeed<const W: usize, const B: usize, Ob: Observer, C: ConfigSource>(
    result: Result<Permit<'_, W, B, Ob, C>, Rejection>,
    now: u64,
) -> Option<Recorded> {
    result.ok().map(|permit| permit.success(now))
}

/// A call of `tier` at `now` whose `outcome` is reported at once (through a
/// ticket): what the report became, or the rejection.
fn call(now: u64, tier: Tier, outcome: Outcome) -> Result<Recorded, Rejection> {
    BREAKER.acquire(now, tier).map(|ticket| BREAKER.record(ticket, now, outcome))
}

/// How many of `tries` calls of `tier` at `now` are admitted (permits
/// dropped: outside the half-open state that records nothing).
fn admitted(now: u64, tier: Tier, tries: u32) -> u32 {
    let mut count = 0_u32;
    for _ in 0..tries {
        if BREAKER.try_acquire(now, tier).is_ok() {
            count = count.wrapping_add(1);
        }
    }
    count
}

/// State, generation, trips, ramp stage and next timed transition, at `now`.
fn status(now: u64) -> (State, u32, u8, u8, Option<u64>) {
    let s = BREAKER.snapshot(now);
    (s.state, s.generation, s.trips, s.ramp_stage, s.next_transition)
}

/// Count window and time window as of `now`: (calls, failures, slow) each.
fn windows(now: u64) -> [(u32, u32, u32); 2] {
    let s = BREAKER.snapshot(now);
    let triple = |w: WindowStats| (w.calls, w.failures, w.slow);
    [triple(s.count_window), triple(s.time_window)]
}

fn transition(from: State, to: State, generation: u32, at: u64, reason: Reason) -> Transition {
    Transition { from, to, generation, at, reason }
}

/// The next transition the ring holds, if any.
fn next_event() -> Option<Transition> {
    EVENTS.pop()
}

fn open(retry_after: u64) -> Result<Recorded, Rejection> {
    Err(Rejection::Open { retry_after })
}

/// Every check of the breaker, in timeline order.
pub fn run(c: &mut Checks) {
    trip(c);
    open_state(c);
    half_open(c);
    ramp_and_rollback(c);
    recover(c);
    time_window(c);
    operator(c);
    events_drained(c);
    tick_extender(c);
    jitter(c);
    clock_fault(c);
    bad_configs(c);
}

/// Healthy traffic, then failures: the count window trips.
fn trip(c: &mut Checks) {
    use State::Closed;
    c.eq("breaker: closed at start", status(10_000), (Closed, 0, 0, 0, None));
    for _ in 0..6 {
        let _ = call(10_000, E, Outcome::Success);
    }
    c.eq("breaker: 6 successes counted", windows(10_000), [(6, 0, 0), (6, 0, 0)]);
    // Held across the trip: its report will be stale.
    let late = BREAKER.try_acquire(10_050, I);
    for _ in 0..4 {
        let _ = call(10_050, E, Outcome::Failure);
    }
    // Count window: 4 of the last 8 failed, 500 permille; time window 4 of 10.
    c.eq("breaker: 4 of 8 failed, closed", status(10_050), (Closed, 0, 0, 0, None));
    c.eq("breaker: windows before the trip", windows(10_050), [(8, 4, 0), (10, 4, 0)]);
    // 5 of 8: 625 permille ≥ 600 trips it (the time window, 5 of 11, would not).
    c.eq("breaker: 5th failure counted", call(10_050, E, Outcome::Failure), Ok(Recorded::Counted));
    c.eq(
        "breaker: tripped, open until 11_050",
        status(10_050),
        (State::Open, 1, 1, 0, Some(11_050)),
    );
    c.eq("breaker: windows at the trip", windows(10_050), [(8, 5, 0), (11, 5, 0)]);
    c.eq(
        "breaker: report from before the trip is stale",
        succeed(late, 10_060),
        Some(Recorded::Stale),
    );
    c.eq(
        "breaker: event closed -> open",
        next_event(),
        Some(transition(State::Closed, State::Open, 1, 10_050, Reason::FailureRate)),
    );
}

/// Open: refusals with the exact ticks left, also in an interrupt handler.
fn open_state(c: &mut Checks) {
    c.eq("open: refused, retry_after", call(10_450, E, Outcome::Success), open(600));
    c.eq("open: 1 tick early", call(11_049, E, Outcome::Success), open(1));
    c.eq("open: Optional refused alike", call(10_450, O, Outcome::Success), open(600));
    c.eq(
        "open: irq refused too",
        call_in_interrupt(10_550),
        Some((Err(Rejection::Open { retry_after: 500 }), None)),
    );
    c.eq("open: no event from refusals", next_event(), None);
}

/// Half-open: at most 2 probes at once; the PendSV handler takes the
/// second slot and its success closes the breaker.
fn half_open(c: &mut Checks) {
    let first = BREAKER.try_acquire(11_050, E);
    c.eq("half-open: first probe, slot 1", slot(&first), Ok(1));
    c.eq("half-open: state", status(11_050), (State::HalfOpen, 2, 1, 0, Some(11_350)));
    let second = BREAKER.try_acquire(11_060, I);
    c.eq("half-open: Important probes, slot 2", slot(&second), Ok(2));
    c.eq(
        "half-open: 3rd refused, P = 2",
        call(11_070, E, Outcome::Success),
        Err(Rejection::ProbesBusy { retry_after: 290 }),
    );
    c.eq(
        "half-open: Optional does not probe",
        call(11_070, O, Outcome::Success),
        Err(Rejection::NotProbing),
    );
    c.eq("half-open: 2 in flight", BREAKER.snapshot(11_070).probes_in_flight, 2);
    c.eq("half-open: probe 1 succeeds", succeed(first, 11_080), Some(Recorded::Counted));
    let s = BREAKER.snapshot(11_080);
    c.eq("half-open: 1 success, 1 in flight", (s.probe_successes, s.probes_in_flight), (1, 1));
    // Pended in a critical section, the handler waits for its end: inside,
    // its run count and its last outcome (the refusal while open) are unchanged.
    let before = irq_calls();
    let inside = critical_section::with(|_| {
        set_irq_job(IrqJob::Breaker(11_090));
        pend_pendsv();
        (irq_calls(), irq_outcome())
    });
    c.eq(
        "half-open: irq masked in critical section",
        inside,
        (before, Some((Err(Rejection::Open { retry_after: 500 }), None))),
    );
    wait_for_irq_calls(before.wrapping_add(1));
    c.eq(
        "half-open: irq took slot 1 and closed it",
        irq_outcome(),
        Some((Ok(1), Some(Recorded::Counted))),
    );
    c.eq("half-open: main's probe is stale", succeed(second, 11_100), Some(Recorded::Stale));
    c.eq("half-open: closed, ramp stage 1", status(11_100), (State::Closed, 3, 1, 1, Some(12_090)));
    c.eq("half-open: windows emptied", windows(11_100), [(0, 0, 0); 2]);
    c.eq(
        "half-open: event open -> half-open",
        next_event(),
        Some(transition(State::Open, State::HalfOpen, 2, 11_050, Reason::OpenElapsed)),
    );
    c.eq(
        "half-open: event from the irq",
        next_event(),
        Some(transition(State::HalfOpen, State::Closed, 3, 11_090, Reason::ProbesSucceeded)),
    );
}

/// Ramp stages 1 and 2 with exact shares, then a failure rolls back.
fn ramp_and_rollback(c: &mut Checks) {
    // Stage 1: Essential 100 permille, Important and Optional nothing yet.
    c.eq("ramp 1: Essential 100 of 1000", admitted(11_100, E, 1_000), 100);
    c.eq("ramp 1: Important 0 of 100", admitted(11_100, I, 100), 0);
    c.eq("ramp 1: Optional shed", call(11_100, O, Outcome::Success), Err(Rejection::Ramp));
    // Stage 2 starts with the first call at or after 12_090 (here 12_100).
    c.eq("ramp 2: Essential 500 of 1000", admitted(12_100, E, 1_000), 500);
    c.eq("ramp 2: Important 100 of 1000", admitted(12_100, I, 1_000), 100);
    c.eq("ramp 2: Optional 0 of 100", admitted(12_100, O, 100), 0);
    c.eq("ramp 2: stage", status(12_100), (State::Closed, 3, 1, 2, Some(13_100)));
    // The stage's credit is back to 0 after exactly 1000 calls: the 2nd
    // call from now is admitted, and its failure reopens at once.
    let mut failed = None;
    for _ in 0..2 {
        if let Ok(permit) = BREAKER.try_acquire(12_200, E) {
            failed = Some(permit.failure(12_200));
            break;
        }
    }
    c.eq("rollback: a ramp failure is counted", failed, Some(Recorded::Counted));
    // Second trip in a row: open 2 x 1_000 ticks.
    c.eq("rollback: open again, 2000 ticks", status(12_200), (State::Open, 4, 2, 0, Some(14_200)));
    c.eq("rollback: refused", call(12_200, E, Outcome::Success), open(2_000));
    c.eq(
        "rollback: event closed -> open",
        next_event(),
        Some(transition(State::Closed, State::Open, 4, 12_200, Reason::RampFailures)),
    );
}

/// Two probes close it again; the ramp runs all four stages to full traffic.
fn recover(c: &mut Checks) {
    let a = BREAKER.acquire(14_200, E);
    let b = BREAKER.acquire(14_200, I);
    c.eq("recover: two probes", (a.map(|t| t.probe), b.map(|t| t.probe)), (Ok(1), Ok(2)));
    c.eq(
        "recover: no third",
        call(14_205, E, Outcome::Success),
        Err(Rejection::ProbesBusy { retry_after: 295 }),
    );
    let record = |ticket: Result<Ticket, Rejection>| {
        ticket.map(|t| BREAKER.record(t, 14_210, Outcome::Success))
    };
    c.eq(
        "recover: both succeed",
        (record(a), record(b)),
        (Ok(Recorded::Counted), Ok(Recorded::Counted)),
    );
    c.eq("recover: closed, stage 1", status(14_210), (State::Closed, 6, 2, 1, Some(15_210)));
    c.eq("recover: stage 1, Essential 100", admitted(14_300, E, 1_000), 100);
    c.eq("recover: stage 2, Important 100", admitted(15_300, I, 1_000), 100);
    c.eq("recover: stage 2, Optional 0", admitted(15_300, O, 100), 0);
    c.eq("recover: stage 3, Essential full", admitted(16_300, E, 1_000), 1_000);
    c.eq("recover: stage 3, Important 500", admitted(16_300, I, 1_000), 500);
    c.eq("recover: stage 3, Optional 100", admitted(16_300, O, 1_000), 100);
    c.eq("recover: stage 3 until 17_300", status(16_300), (State::Closed, 6, 2, 3, Some(17_300)));
    c.eq("recover: stage 4, Important full", admitted(17_300, I, 1_000), 1_000);
    c.eq("recover: stage 4, Optional 500", admitted(17_300, O, 1_000), 500);
    c.eq("recover: full traffic, Optional", admitted(18_300, O, 1_000), 1_000);
    c.eq("recover: ramp over", status(18_300), (State::Closed, 6, 2, 0, None));
    c.eq(
        "recover: events",
        [next_event(), next_event(), next_event()],
        [
            Some(transition(State::Open, State::HalfOpen, 5, 14_200, Reason::OpenElapsed)),
            Some(transition(State::HalfOpen, State::Closed, 6, 14_210, Reason::ProbesSucceeded)),
            None,
        ],
    );
}

/// Long after the successes, failures trip the time window alone; the
/// backoff has started over.
fn time_window(c: &mut Checks) {
    for _ in 0..7 {
        let _ = call(18_300, E, Outcome::Success);
    }
    let last = BREAKER.acquire(18_300, E).map(|t| BREAKER.record(t, 18_300, Outcome::Latency(250)));
    c.eq("time: a slow call counted", last, Ok(Recorded::Counted));
    c.eq("time: 8 calls, 1 slow", windows(18_300), [(8, 0, 1), (8, 0, 1)]);
    for _ in 0..3 {
        let _ = call(30_000, E, Outcome::Failure);
    }
    // The successes left the time window; 3 calls are below the minimum.
    c.eq(
        "time: 3 failures, closed",
        (status(30_000).0, windows(30_000)),
        (State::Closed, [(8, 3, 1), (3, 3, 0)]),
    );
    c.eq("time: 4th failure", call(30_000, E, Outcome::Failure), Ok(Recorded::Counted));
    // Count window 4 of 8 (500 permille) would not trip; the time window's 4 of 4 does.
    c.eq("time: windows at the trip", windows(30_000), [(8, 4, 1), (4, 4, 0)]);
    // 11_700 ticks at full traffic since 18_300: the backoff starts over.
    c.eq("time: open 1000 ticks, 1 trip", status(30_000), (State::Open, 7, 1, 0, Some(31_000)));
    c.eq(
        "time: event",
        next_event(),
        Some(transition(State::Closed, State::Open, 7, 30_000, Reason::FailureRate)),
    );
}

/// Forced open refuses everything; disabled admits everything and records;
/// reset closes with empty windows.
fn operator(c: &mut Checks) {
    BREAKER.force_open(31_500);
    c.eq("operator: forced open", call(31_500, E, Outcome::Success), Err(Rejection::ForcedOpen));
    c.eq(
        "operator: also at u64::MAX",
        call(u64::MAX, E, Outcome::Success),
        Err(Rejection::ForcedOpen),
    );
    c.eq("operator: forced open state", status(31_500), (State::ForcedOpen, 8, 1, 0, None));
    BREAKER.disable(31_600);
    let mut recorded = 0_u32;
    for _ in 0..4 {
        if call(31_600, O, Outcome::Failure) == Ok(Recorded::Counted) {
            recorded = recorded.wrapping_add(1);
        }
    }
    c.eq("operator: disabled admits and records", recorded, 4);
    c.eq("operator: disabled never trips", status(31_600), (State::Disabled, 9, 1, 0, None));
    c.eq("operator: disabled windows", windows(31_600), [(8, 8, 0), (4, 4, 0)]);
    BREAKER.reset(31_700);
    c.eq("operator: reset", status(31_700), (State::Closed, 10, 0, 0, None));
    c.eq("operator: reset windows", windows(31_700), [(0, 0, 0); 2]);
    c.eq("operator: admits again", call(31_700, O, Outcome::Success), Ok(Recorded::Counted));
}

/// The three operator events, then an empty ring that dropped nothing.
fn events_drained(c: &mut Checks) {
    let mut reasons = [None; 4];
    for reason in &mut reasons {
        *reason = next_event().map(|e| (e.from, e.to, e.generation, e.reason));
    }
    c.eq(
        "events: operator",
        reasons,
        [
            Some((State::Open, State::ForcedOpen, 8, Reason::Operator)),
            Some((State::ForcedOpen, State::Disabled, 9, Reason::Operator)),
            Some((State::Disabled, State::Closed, 10, Reason::Operator)),
            None,
        ],
    );
    c.eq("events: none dropped", EVENTS.dropped(), 0);
}

/// The counter both contexts read, extended by the one shared clock, keeps
/// the breaker's time monotonic across a wrap: the main thread opens it
/// before the wrap, and the PendSV handler, the first to read the counter
/// after it, probes when the open duration is over. (The counter wrapped
/// once already, in the limiter's `shared_clock` checks.)
fn tick_extender(c: &mut Checks) {
    let w = &WRAP;
    // Fed less than 2^31 ticks apart, as the shared clock needs.
    set_counter(1 << 31);
    c.eq("wrap: half way", now(), (1 << 32) + (1 << 31));
    set_counter(u32::MAX - 499);
    let before = now();
    c.eq("wrap: reading before the wrap", before, (2 << 32) - 500);
    for _ in 0..2 {
        let _ = w.acquire(before, E).map(|t| w.record(t, before, Outcome::Failure));
    }
    let s = w.snapshot(before);
    c.eq(
        "wrap: 2 failures in a row open it",
        (s.state, s.next_transition),
        (State::Open, Some((2 << 32) + 500)),
    );
    set_counter(u32::MAX);
    c.eq(
        "wrap: last tick before the wrap",
        w.acquire(now(), E),
        Err(Rejection::Open { retry_after: 501 }),
    );
    // The counter wraps: 500 ticks to reach 2^32, then 500 more.
    set_counter(500);
    // The raw reading would look like time going back by 2^33 ticks.
    c.eq(
        "wrap: raw reading refused",
        w.acquire(500, E),
        Err(Rejection::Open { retry_after: 2 << 32 }),
    );
    run_in_interrupt(IrqJob::ClockedBreaker);
    c.eq(
        "wrap: handler's probe after the wrap closes it",
        irq_outcome(),
        Some((Ok(1), Some(Recorded::Counted))),
    );
    c.eq("wrap: closed", w.state(), State::Closed);
    c.eq("wrap: main agrees on the time", now(), (2 << 32) + 500);
}

/// The jitter lengthens the open duration by at most its share.
fn jitter(c: &mut Checks) {
    let j = &JITTER;
    let _ = j.acquire(5_000, E).map(|t| j.record(t, 5_000, Outcome::Failure));
    let until = j.snapshot(5_000).next_transition.unwrap_or(0);
    c.eq("jitter: open 1000 to 1200 ticks", (6_000..=6_200).contains(&until), true);
}

/// One failure opens it for 1_000 ticks; tripped at a far-future reading.
static FAULTED: Breaker = match Breaker::new(Config::new(1_000).trip_on_consecutive_failures(1)) {
    Ok(breaker) => breaker,
    Err(_) => panic!("invalid breaker config"),
};

/// The clock-fault rule on the target: a trip at a far-future reading holds
/// the breaker open only until the second sane reading, which moves the
/// deadline to that reading plus the horizon (1_000 ticks).
fn clock_fault(c: &mut Checks) {
    let f = &FAULTED;
    let _ = f.acquire(black_box(1 << 50), E).map(|t| f.record(t, 1 << 50, Outcome::Failure));
    let first = f.acquire(20_000, E).err();
    c.eq(
        "clock fault: first sane reading still open",
        matches!(first, Some(Rejection::Open { .. })),
        true,
    );
    c.eq(
        "clock fault: second moves the deadline",
        f.acquire(20_001, E).err(),
        Some(Rejection::Open { retry_after: 1_000 }),
    );
    let probe = f.acquire(21_001, E).map(|t| t.probe);
    c.eq("clock fault: probes on the sane clock", probe, Ok(1));
}

/// Invalid configs are refused with their reason.
fn bad_configs(c: &mut Checks) {
    fn check<const W: usize, const B: usize>(
        c: &mut Checks,
        name: &str,
        config: Config,
        expected: ConfigError,
    ) {
        c.eq(name, Breaker::<W, B>::new(black_box(config)).err(), Some(expected));
    }
    let base = Config::new(100).trip_on_consecutive_failures(1).bucket_width(10);
    check::<8, 4>(c, "breaker config: no trip policy", Config::new(100), ConfigError::NoTripPolicy);
    check::<8, 4>(
        c,
        "breaker config: 17 probes",
        base.half_open(17, 1, 1, 1),
        ConfigError::ProbesOutOfRange,
    );
    check::<8, 4>(
        c,
        "breaker config: ramp not rising",
        base.ramp(&[500, 500], 10),
        ConfigError::RampNotRising,
    );
    check::<0, 4>(
        c,
        "breaker config: a rate on time buckets of width 0",
        base.trip_on_failure_rate(500, 2).bucket_width(0),
        ConfigError::ZeroBucketWidth,
    );
    check::<8, 0>(
        c,
        "breaker config: minimum above window",
        base.trip_on_failure_rate(500, 9),
        ConfigError::MinimumCallsAboveWindow,
    );
    check::<0, 0>(
        c,
        "breaker config: rate without window",
        base.trip_on_failure_rate(500, 1),
        ConfigError::RateWithoutWindow,
    );
    c.eq("breaker config: valid accepted", Breaker::<8, 4>::new(black_box(CONFIG)).is_ok(), true);
}
