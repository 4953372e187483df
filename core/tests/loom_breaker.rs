//! Loom models of the circuit breaker: the claims of `core/src/breaker`'s
//! docs, checked under every interleaving (no preemption bound).
//!
//! 1. half-open never has more than `probes` probes in flight;
//! 2. every transition happens exactly once: none lost, none doubled;
//! 3. an outcome reported for an older generation never changes state;
//! 4. once no call is being recorded, a window's sums equal its contents.
//!
//! Models marked `#[ignore = "core bug: ..."]` state a documented claim
//! that loom refutes; each names the interleaving. Run them with
//! `--ignored` to see loom's counterexample.
//!
//! Run with `cargo xtask loom` (`RUSTFLAGS="--cfg loom"`), which also runs
//! them against the bugs planted in `core/src/sync.rs`.
#![cfg(loom)]

use failwell::breaker::{
    Breaker, Config, Observer, Outcome, Recorded, Rejection, State, Ticket, Transition, WindowStats,
};
use failwell::Tier;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;

const E: Tier = Tier::Essential;
/// Every model's open duration: trips at `now = 0` probe from `OPEN`.
const OPEN: u64 = 100;

/// Transitions seen so far, by `(from, to)`: one atomic addition per
/// transition, so counting adds a single step to the model.
struct Counts([AtomicUsize; 25]);

impl Counts {
    fn new() -> Arc<Self> {
        Arc::new(Self(core::array::from_fn(|_| AtomicUsize::new(0))))
    }

    fn index(from: State, to: State) -> usize {
        from as usize * 5 + to as usize
    }

    fn of(&self, from: State, to: State) -> usize {
        self.0[Self::index(from, to)].load(Ordering::SeqCst)
    }

    fn total(&self) -> usize {
        self.0
            .iter()
            .map(|count| count.load(Ordering::SeqCst))
            .sum()
    }
}

/// The observer under test: counts every transition it is told of.
struct Tally(Arc<Counts>);

impl Observer for Tally {
    fn transition(&self, transition: Transition) {
        self.0 .0[Counts::index(transition.from, transition.to)].fetch_add(1, Ordering::SeqCst);
    }
}

type Shared<const W: usize, const B: usize> = Arc<Breaker<W, B, Tally>>;

fn breaker<const W: usize, const B: usize>(config: Config) -> (Shared<W, B>, Arc<Counts>) {
    let counts = Counts::new();
    let breaker = Breaker::with_observer(config, Tally(Arc::clone(&counts))).unwrap();
    (Arc::new(breaker), counts)
}

/// Runs `f` on a new loom thread with its own handle to `shared`.
fn spawn<T: Send + Sync + 'static, R: Send + 'static>(
    shared: &Arc<T>,
    f: impl FnOnce(&T) -> R + Send + 'static,
) -> thread::JoinHandle<R> {
    let shared = Arc::clone(shared);
    thread::spawn(move || f(&shared))
}

/// Trips a closed breaker (whatever its run threshold) at `now = 0` and
/// lets the first probe through at `OPEN`: returns that probe's ticket.
fn first_probe<const W: usize, const B: usize>(b: &Breaker<W, B, Tally>) -> Ticket {
    while b.snapshot().state == State::Closed {
        let ticket = b.acquire(0, E).unwrap();
        assert_eq!(b.record(ticket, 0, Outcome::Failure), Recorded::Counted);
    }
    let probe = b.acquire(OPEN, E).unwrap();
    assert_ne!(
        probe.probe, 0,
        "the first call after the open duration probes"
    );
    probe
}

/// A half-open breaker with every probe slot free.
fn half_open<const W: usize, const B: usize>(b: &Breaker<W, B, Tally>) {
    let probe = first_probe(b);
    assert_eq!(b.record(probe, OPEN, Outcome::Ignored), Recorded::Counted);
    let snapshot = b.snapshot();
    assert_eq!(snapshot.state, State::HalfOpen);
    assert_eq!(snapshot.probes_in_flight, 0);
}

// ---------------------------------------------------------------------------
// 1. At most `probes` probes in flight.
// ---------------------------------------------------------------------------

/// `threads` threads each try once to probe a half-open breaker with
/// `probes` slots that closes after `threads` successes. A loom counter of
/// holders, raised after a probe is granted and lowered before it reports,
/// never exceeds `probes`, nor does the snapshot's count; the breaker closes
/// exactly when every thread got a probe (each success frees its slot for
/// a later thread), with one HalfOpen → Closed transition.
fn probes_never_exceed(probes: u8, threads: u8) {
    loom::model(move || {
        let config = Config::new(OPEN)
            .trip_on_consecutive_failures(1)
            .half_open(probes, threads, 1, 1_000);
        let (b, counts) = breaker::<0, 0>(config);
        half_open(&b);
        let before = counts.total();
        let holders = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let holders = Arc::clone(&holders);
                spawn(&b, move |b| match b.acquire(OPEN, E) {
                    Ok(ticket) => {
                        assert_ne!(ticket.probe, 0, "closed before every thread reported");
                        let held = holders.fetch_add(1, Ordering::SeqCst) + 1;
                        assert!(held <= usize::from(probes), "{held} probes held at once");
                        let in_flight = b.snapshot().probes_in_flight;
                        assert!(in_flight <= probes, "snapshot: {in_flight} in flight");
                        holders.fetch_sub(1, Ordering::SeqCst);
                        assert_eq!(b.record(ticket, OPEN, Outcome::Success), Recorded::Counted);
                        true
                    }
                    Err(Rejection::ProbesBusy { retry_after: 1_000 }) => false,
                    Err(other) => panic!("unexpected {other:?}"),
                })
            })
            .collect();
        let granted = handles
            .into_iter()
            .map(|h| u8::from(h.join().unwrap()))
            .sum::<u8>();
        assert!(granted >= probes.min(threads));
        let snapshot = b.snapshot();
        if granted == threads {
            assert_eq!(snapshot.state, State::Closed);
            assert_eq!(counts.of(State::HalfOpen, State::Closed), 1);
            assert_eq!(counts.total(), before + 1);
        } else {
            assert_eq!(snapshot.state, State::HalfOpen);
            assert_eq!(snapshot.probe_successes, granted);
            assert_eq!(snapshot.probes_in_flight, 0);
            assert_eq!(counts.total(), before);
        }
    });
}

#[test]
fn one_probe_slot_two_threads() {
    probes_never_exceed(1, 2);
}

#[test]
fn one_probe_slot_three_threads() {
    probes_never_exceed(1, 3);
}

#[test]
fn two_probe_slots_three_threads() {
    probes_never_exceed(2, 3);
}

// ---------------------------------------------------------------------------
// 2. No lost or doubled transition.
// ---------------------------------------------------------------------------

#[test]
fn two_failures_trip_exactly_once() {
    loom::model(|| {
        let (b, counts) = breaker::<0, 0>(Config::new(OPEN).trip_on_consecutive_failures(2));
        let tickets = [b.acquire(0, E).unwrap(), b.acquire(0, E).unwrap()];
        let handles =
            tickets.map(|ticket| spawn(&b, move |b| b.record(ticket, 0, Outcome::Failure)));
        for handle in handles {
            // Each failure counts: the second one of the run trips.
            assert_eq!(handle.join().unwrap(), Recorded::Counted);
        }
        assert_eq!(counts.of(State::Closed, State::Open), 1);
        assert_eq!(counts.total(), 1);
        let snapshot = b.snapshot();
        assert_eq!(snapshot.state, State::Open);
        assert_eq!(snapshot.generation, 1);
        assert_eq!(snapshot.trips, 1);
        assert_eq!(snapshot.next_transition, Some(OPEN));
    });
}

/// Two probes reported at once: both count, and the second success closes
/// the breaker, once.
#[test]
fn two_probe_successes_close_exactly_once() {
    loom::model(|| {
        let config = Config::new(OPEN)
            .trip_on_consecutive_failures(1)
            .half_open(2, 2, 1, 1_000);
        let (b, counts) = breaker::<0, 0>(config);
        let probes = [first_probe(&b), b.acquire(OPEN, E).unwrap()];
        assert_eq!(probes.map(|p| p.probe), [1, 2]);
        let generation = b.snapshot().generation;
        let before = counts.total();
        let handles =
            probes.map(|probe| spawn(&b, move |b| b.record(probe, OPEN, Outcome::Success)));
        for handle in handles {
            assert_eq!(handle.join().unwrap(), Recorded::Counted);
        }
        assert_eq!(counts.of(State::HalfOpen, State::Closed), 1);
        assert_eq!(counts.total(), before + 1);
        let snapshot = b.snapshot();
        assert_eq!(snapshot.state, State::Closed);
        assert_eq!(snapshot.generation, generation + 1);
        assert_eq!(snapshot.ramp_stage, 0);
        assert_eq!(snapshot.consecutive_failures, 0);
    });
}

/// One probe fails while another succeeds, either deciding alone: exactly
/// one of them counts, and makes the one transition.
#[test]
fn a_failing_and_a_succeeding_probe_make_one_transition() {
    loom::model(|| {
        let config = Config::new(OPEN)
            .trip_on_consecutive_failures(1)
            .half_open(2, 1, 1, 1_000);
        let (b, counts) = breaker::<0, 0>(config);
        let [failing, succeeding] = [first_probe(&b), b.acquire(OPEN, E).unwrap()];
        let generation = b.snapshot().generation;
        let before = counts.total();
        let failed = spawn(&b, move |b| b.record(failing, OPEN, Outcome::Failure));
        let succeeded = spawn(&b, move |b| b.record(succeeding, OPEN, Outcome::Success));
        let outcomes = (failed.join().unwrap(), succeeded.join().unwrap());
        let snapshot = b.snapshot();
        match outcomes {
            (Recorded::Counted, Recorded::Stale) => {
                assert_eq!(snapshot.state, State::Open);
                assert_eq!(counts.of(State::HalfOpen, State::Open), 1);
            }
            (Recorded::Stale, Recorded::Counted) => {
                assert_eq!(snapshot.state, State::Closed);
                assert_eq!(counts.of(State::HalfOpen, State::Closed), 1);
            }
            other => panic!("exactly one probe decides, got {other:?}"),
        }
        assert_eq!(counts.total(), before + 1);
        assert_eq!(snapshot.generation, generation + 1);
    });
}

/// A probe reports success just as another call finds it timed out
/// (`probe_timeout` 10 ticks after it started). Either the report wins and
/// closes the breaker, and the caller gets a closed-state ticket; or the
/// timeout wins and the report is stale. With one failure reopening, the
/// timeout reopens; with two, it starts a new half-open generation in
/// which the caller probes. Either way, exactly one transition.
fn a_probe_timeout_racing_a_late_report(probe_failures: u8) {
    loom::model(move || {
        let config =
            Config::new(OPEN)
                .trip_on_consecutive_failures(1)
                .half_open(1, 1, probe_failures, 10);
        let (b, counts) = breaker::<0, 0>(config);
        let late = first_probe(&b);
        let generation = b.snapshot().generation;
        let before = counts.total();
        let now = OPEN + 10;
        let reclaimer = spawn(&b, move |b| b.acquire(now, E));
        let reporter = spawn(&b, move |b| b.record(late, now, Outcome::Success));
        let acquired = reclaimer.join().unwrap();
        let reported = reporter.join().unwrap();
        let snapshot = b.snapshot();
        match (reported, acquired) {
            (Recorded::Counted, Ok(ticket)) => {
                assert_eq!((ticket.probe, ticket.generation), (0, generation + 1));
                assert_eq!(snapshot.state, State::Closed);
                assert_eq!(counts.of(State::HalfOpen, State::Closed), 1);
            }
            (Recorded::Stale, Err(Rejection::Open { retry_after })) if probe_failures == 1 => {
                assert_eq!(retry_after, OPEN);
                assert_eq!(snapshot.state, State::Open);
                assert_eq!(counts.of(State::HalfOpen, State::Open), 1);
            }
            (Recorded::Stale, Ok(ticket)) if probe_failures == 2 => {
                assert_eq!((ticket.probe, ticket.generation), (1, generation + 1));
                assert_eq!(snapshot.state, State::HalfOpen);
                assert_eq!(snapshot.probe_failures, 1);
                assert_eq!(snapshot.probes_in_flight, 1);
                assert_eq!(counts.of(State::HalfOpen, State::HalfOpen), 1);
                // The new generation's probe decides; the old one stays stale.
                assert_eq!(b.record(late, now, Outcome::Success), Recorded::Stale);
                assert_eq!(b.record(ticket, now, Outcome::Success), Recorded::Counted);
                assert_eq!(b.snapshot().state, State::Closed);
                assert_eq!(counts.total(), before + 2);
                return;
            }
            other => panic!("report and timeout disagree: {other:?}"),
        }
        assert_eq!(counts.total(), before + 1);
        assert_eq!(snapshot.generation, generation + 1);
    });
}

#[test]
fn a_probe_timeout_racing_a_late_report_reopens_or_closes_once() {
    a_probe_timeout_racing_a_late_report(1);
}

#[test]
fn a_probe_timeout_racing_a_late_report_reprobes_or_closes_once() {
    a_probe_timeout_racing_a_late_report(2);
}

// ---------------------------------------------------------------------------
// 3. A stale outcome never changes state.
// ---------------------------------------------------------------------------

/// Thread A reports a success on a closed-state ticket (it would end a run
/// of failures) while thread B forces the breaker open. Whichever goes
/// first, the breaker ends as B left it: forced open one generation on,
/// counters zero. Reported again afterwards, A's ticket is stale and
/// changes nothing.
#[test]
fn a_closed_report_racing_a_trip_leaves_the_trip_as_it_was() {
    loom::model(|| {
        let (b, counts) = breaker::<0, 0>(Config::new(OPEN).trip_on_consecutive_failures(3));
        let failed = b.acquire(0, E).unwrap();
        assert_eq!(b.record(failed, 0, Outcome::Failure), Recorded::Counted);
        let ticket = b.acquire(0, E).unwrap();
        let a = spawn(&b, move |b| b.record(ticket, 1, Outcome::Success));
        let tripper = spawn(&b, |b| b.force_open(1));
        // Counted (before the trip) or stale (after): nothing in between.
        let _ = a.join().unwrap();
        tripper.join().unwrap();
        let snapshot = b.snapshot();
        assert_eq!(snapshot.state, State::ForcedOpen);
        assert_eq!(snapshot.generation, 1);
        assert_eq!(snapshot.trips, 0);
        assert_eq!(
            (
                snapshot.consecutive_failures,
                snapshot.probes_in_flight,
                snapshot.probe_successes,
                snapshot.probe_failures
            ),
            (0, 0, 0, 0)
        );
        assert_eq!(counts.of(State::Closed, State::ForcedOpen), 1);
        assert_eq!(counts.total(), 1);
        // A then reports: the ticket is a generation old.
        for outcome in [Outcome::Success, Outcome::Failure] {
            assert_eq!(b.record(ticket, 2, outcome), Recorded::Stale);
        }
        assert_eq!(b.snapshot(), snapshot);
        assert_eq!(counts.total(), 1);
    });
}

// ---------------------------------------------------------------------------
// 4. Once no call is being recorded, a window's sums equal its contents.
// ---------------------------------------------------------------------------

fn stats(calls: u32, failures: u32, slow: u32) -> WindowStats {
    WindowStats {
        calls,
        failures,
        slow,
    }
}

/// Records a closed-state outcome at `now`.
fn record<const W: usize, const B: usize>(b: &Breaker<W, B, Tally>, now: u64, outcome: Outcome) {
    let ticket = b.acquire(now, E).unwrap();
    assert_eq!(b.record(ticket, now, outcome), Recorded::Counted);
}

/// A window of one call and two 10-tick buckets holding a success at
/// t = 0. A failure at t = 15 and a slow success at t = 25 are recorded at
/// once: both land in the one slot (the slot's load, swap and sum updates
/// interleave), and the one at t = 25 moves the time window on while the
/// other may be moving it too.
///
/// The count window then holds exactly one of the two, and its sums say
/// so. The time window holds the t = 25 call and, unless it was lost to
/// the rollover (see the ignored model below), the t = 15 one. Further
/// calls overwrite the slot and expire the buckets: the sums follow the
/// contents exactly, so no error was left behind, and the head is where
/// t = 25 put it (a call at t = 25 adds to it, expiring nothing).
#[test]
fn colliding_calls_leave_window_sums_equal_to_their_contents() {
    loom::model(|| {
        let config = Config::new(OPEN)
            .trip_on_consecutive_failures(5)
            .trip_on_slow_calls(50, 0)
            .bucket_width(10);
        let (b, _) = breaker::<1, 2>(config);
        record(&b, 0, Outcome::Success);
        let tickets = [b.acquire(0, E).unwrap(), b.acquire(0, E).unwrap()];
        let failure = spawn(&b, move |b| b.record(tickets[0], 15, Outcome::Failure));
        let slow = spawn(&b, move |b| b.record(tickets[1], 25, Outcome::Latency(100)));
        assert_eq!(failure.join().unwrap(), Recorded::Counted);
        assert_eq!(slow.join().unwrap(), Recorded::Counted);
        let snapshot = b.snapshot();
        assert_eq!(snapshot.state, State::Closed);
        let count = snapshot.count_window;
        assert!(
            count == stats(1, 1, 0) || count == stats(1, 0, 1),
            "one slot, two calls: {count:?}"
        );
        let time = snapshot.time_window;
        assert!(
            time == stats(2, 1, 1) || time == stats(1, 0, 1),
            "buckets 1 and 2 hold the t = 25 call and at most the t = 15 one: {time:?}"
        );
        record(&b, 25, Outcome::Success);
        let snapshot = b.snapshot();
        assert_eq!(snapshot.count_window, stats(1, 0, 0));
        assert_eq!(
            snapshot.time_window,
            stats(time.calls + 1, time.failures, time.slow)
        );
        record(&b, 1_000, Outcome::Success);
        assert_eq!(b.snapshot().time_window, stats(1, 0, 0));
    });
}

/// A window of two calls; thread A records two failures (the second
/// trips, with `trip_on_consecutive_failures(2)`, unless B's success came
/// between them), thread B a slow success. The cursor hands out slots
/// 0, 1, 0 in some order, so two of the three calls collide, possibly
/// concurrently. The window then holds two calls exactly as its sums say
/// (B's only if it was counted): emptying it leaves every sum at zero, and
/// two more calls make it exactly those two. The state agrees with the
/// transitions reported.
#[test]
fn three_calls_in_a_window_of_two_leave_exact_sums() {
    loom::model(|| {
        let config = Config::new(OPEN)
            .trip_on_consecutive_failures(2)
            .trip_on_slow_calls(50, 0);
        let (b, counts) = breaker::<2, 0>(config);
        let tickets = [
            b.acquire(0, E).unwrap(),
            b.acquire(0, E).unwrap(),
            b.acquire(0, E).unwrap(),
        ];
        let a = spawn(&b, move |b| {
            [tickets[0], tickets[1]].map(|ticket| b.record(ticket, 1, Outcome::Failure))
        });
        let slow = spawn(&b, move |b| b.record(tickets[2], 1, Outcome::Latency(100)));
        assert_eq!(a.join().unwrap(), [Recorded::Counted; 2]);
        let slow = slow.join().unwrap();
        let snapshot = b.snapshot();
        let tripped = counts.of(State::Closed, State::Open);
        assert_eq!(counts.total(), tripped);
        assert_eq!(snapshot.state == State::Open, tripped == 1);
        assert_eq!(snapshot.generation, u32::try_from(tripped).unwrap());
        if tripped == 0 {
            assert_eq!(snapshot.consecutive_failures, 1, "F S F or S F F... then F");
        }
        let count = snapshot.count_window;
        match slow {
            Recorded::Counted => assert!(
                count == stats(2, 2, 0) || count == stats(2, 1, 1),
                "two of F, F, S: {count:?}"
            ),
            Recorded::Stale => assert_eq!(count, stats(2, 2, 0)),
        }
        b.reset(2);
        assert_eq!(b.snapshot().count_window, WindowStats::default());
        record(&b, 3, Outcome::Failure);
        record(&b, 3, Outcome::Latency(100));
        assert_eq!(b.snapshot().count_window, stats(2, 1, 1));
    });
}

// ---------------------------------------------------------------------------
// Claims refuted: core bugs, kept as models (run with `--ignored`).
// ---------------------------------------------------------------------------

/// The module docs: "an outcome reported after a transition is
/// `Recorded::Stale`: it never changes state", and `reset` "closes the
/// breaker ... with empty windows".
///
/// Interleaving: A's `record` loads the word (Closed, generation 0) and
/// passes the generation check; B's `reset` clears the windows and moves
/// to generation 1; A then writes its failure into the fresh window and
/// returns `Counted`. In every sequential order the window is empty
/// (reset after A clears it; A after reset is stale), yet here it holds
/// A's failure, and one later success trips the breaker at 50 %.
#[test]
#[ignore = "core bug: a closed-state outcome that passed the generation check before a reset/close lands in the new generation's windows"]
fn a_report_racing_a_reset_leaves_the_windows_empty() {
    loom::model(|| {
        let (b, _) = breaker::<2, 0>(Config::new(OPEN).trip_on_failure_rate(500, 2));
        let ticket = b.acquire(0, E).unwrap();
        let a = spawn(&b, move |b| b.record(ticket, 1, Outcome::Failure));
        let resetter = spawn(&b, |b| b.reset(1));
        let _ = a.join().unwrap();
        resetter.join().unwrap();
        assert_eq!(b.snapshot().count_window, WindowStats::default());
        record(&b, 2, Outcome::Success);
        assert_eq!(b.snapshot().state, State::Closed, "a success tripped it");
    });
}

/// The module docs: the deadline word "is raised *before* the transition
/// that relies on it; a reader that catches the two words between those
/// steps sees a later deadline, never an earlier one. So a breaker can
/// stay open ... longer under contention, never shorter."
///
/// Every access is `Relaxed`, so nothing orders the two words: B raises
/// the deadline to 100 and trips (Closed → Open); C, at t = 50, reads the
/// open word and then the deadline as it was before B raised it (0), and
/// turns the breaker half-open 50 ticks early, taking a probe. On weakly
/// ordered hardware (aarch64, riscv) this is a real reordering. The word's
/// compare-and-swap needs `Release` and its loads `Acquire`.
#[test]
#[ignore = "core bug: Relaxed ordering lets a reader see a transition without the deadline raised before it: a fresh trip can turn half-open at once"]
fn a_trip_is_never_cut_short() {
    loom::model(|| {
        let (b, counts) = breaker::<0, 0>(Config::new(OPEN).trip_on_consecutive_failures(1));
        let ticket = b.acquire(0, E).unwrap();
        let tripper = spawn(&b, move |b| b.record(ticket, 0, Outcome::Failure));
        let caller = spawn(&b, |b| b.acquire(50, E));
        assert_eq!(tripper.join().unwrap(), Recorded::Counted);
        match caller.join().unwrap() {
            Ok(Ticket {
                probe: 0,
                generation: 0,
                ..
            })
            | Err(Rejection::Open { retry_after: 50 }) => {}
            other => panic!("open for 100 ticks from t = 0, yet at t = 50: {other:?}"),
        }
        assert_eq!(counts.of(State::Open, State::HalfOpen), 0);
        assert_eq!(b.snapshot().state, State::Open);
    });
}

/// The same missing ordering, on probe timeouts ("a probe that has not
/// reported `timeout` ticks after the latest probe was let through is
/// counted as failed"). Half-open with two slots, a 10-tick timeout and
/// two failures reopening; probe 1 started at t = 100. Z takes probe 2 at
/// t = 105 (raising the latest start to 105, then taking the slot); Y at
/// t = 110 sees both slots taken but the start as it was (100), counts
/// both probes as timed out and reopens the breaker, though Z's probe is
/// 5 ticks old. In any sequential order Y sees 105 with Z's slot, and at
/// most probe 1 times out (one failure: no reopening).
#[test]
#[ignore = "core bug: Relaxed ordering lets a probe taken 5 ticks ago be counted as timed out (10 ticks) and reopen the breaker"]
fn a_fresh_probe_never_times_out() {
    loom::model(|| {
        let config = Config::new(OPEN)
            .trip_on_consecutive_failures(1)
            .half_open(2, 2, 2, 10);
        let (b, counts) = breaker::<0, 0>(config);
        let _first = first_probe(&b);
        let z = spawn(&b, |b| b.acquire(OPEN + 5, E).map(|t| t.probe));
        let y = spawn(&b, |b| b.acquire(OPEN + 10, E).map(|t| t.probe));
        let _ = (z.join().unwrap(), y.join().unwrap());
        assert_eq!(counts.of(State::HalfOpen, State::Open), 0);
        assert_ne!(b.snapshot().state, State::Open);
    });
}

/// `TimeWindow::record`: "A `now` before the head bucket ... counts in the
/// head"; a call in the head bucket counts there. Two calls at t = 25 in
/// an empty window of two 10-tick buckets: B moves the head from bucket 0
/// to bucket 2 (expiring every bucket, since both were passed); A loads
/// the new head and adds its failure to bucket 0 before B's expiry of
/// bucket 0 runs, which then removes it. Sums still equal the contents,
/// but A's call, in the current bucket, is gone for good.
#[test]
#[ignore = "core bug: a call recorded into the new head bucket before the thread that moved the head expires it is lost"]
fn a_bucket_rollover_never_loses_a_call() {
    loom::model(|| {
        let config = Config::new(OPEN)
            .trip_on_consecutive_failures(5)
            .bucket_width(10);
        let (b, _) = breaker::<0, 2>(config);
        let tickets = [b.acquire(0, E).unwrap(), b.acquire(0, E).unwrap()];
        let a = spawn(&b, move |b| b.record(tickets[0], 25, Outcome::Failure));
        let mover = spawn(&b, move |b| b.record(tickets[1], 25, Outcome::Success));
        assert_eq!(a.join().unwrap(), Recorded::Counted);
        assert_eq!(mover.join().unwrap(), Recorded::Counted);
        assert_eq!(b.snapshot().time_window, stats(2, 1, 0));
    });
}
