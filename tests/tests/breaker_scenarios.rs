//! Textbook scenarios for the circuit breaker, each a deterministic
//! simulation of many calls (one per tick unless said otherwise) against a
//! dependency that behaves a known way, asserting the exact transitions the
//! breaker reports to an [`EventRing`] and the calls it admits:
//!
//! - a dependency that fails outright, then heals: trip, failed and
//!   successful probes, the tiered ramp with its exact shares, full traffic;
//! - one that flaps: the open duration doubles up to its cap, and starts
//!   over after a long healthy spell;
//! - one that fails 30 % of calls: never trips at a 50 % threshold, trips
//!   at 25 %, over a count window and over a time window;
//! - one that never fails but is slow: trips on the slow-call rate alone.
//!
//! Every scenario also runs its calls through the reference model
//! ([`BreakerModel`]), so the numbers asserted here are the model's too.

use failwell::breaker::{
    Breaker, Config, EventRing, Outcome, Reason, Recorded, Rejection, State, Transition,
};
use failwell::Tier;
use failwell_tests::breaker_model::{Answer, BreakerModel, Deviations, Expected, Op};
use State::{Closed, HalfOpen, Open};

const E: Tier = Tier::Essential;
const I: Tier = Tier::Important;
const O: Tier = Tier::Optional;

/// SplitMix64: a small, deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// True with probability `permille` / 1000.
    fn chance(&mut self, permille: u64) -> bool {
        self.next() % 1000 < permille
    }
}

type Events = EventRing<64>;

/// A breaker observed by an event ring, shadowed by the reference model.
struct Sim<'e, const W: usize, const B: usize> {
    breaker: Breaker<W, B, &'e Events>,
    events: &'e Events,
    model: BreakerModel,
    /// Every transition seen so far.
    seen: Vec<Transition>,
}

impl<'e, const W: usize, const B: usize> Sim<'e, W, B> {
    fn new(config: Config, events: &'e Events) -> Self {
        Sim {
            breaker: Breaker::with_observer(config, events).expect("valid config"),
            events,
            model: BreakerModel::new(config, W, B)
                .expect("valid config")
                .tolerating(Deviations::CORE),
            seen: Vec::new(),
        }
    }

    /// One call of `tier` at `now` that, if admitted, ends `latency` ticks
    /// later: failed, or a success (slow if `latency` is over the
    /// threshold). The model runs it on the breaker and checks every answer.
    fn call(&mut self, now: u64, tier: Tier, failed: bool, latency: u64) -> Result<(), Rejection> {
        let outcome = if failed {
            Outcome::Failure
        } else {
            Outcome::Success
        };
        self.run(Op::Call {
            now,
            tier,
            finish: Some((now + latency, outcome)),
        })
    }

    /// One call of `tier` at `now` that reports `latency` at once, so it
    /// counts in the time bucket of `now`.
    fn call_with_latency(&mut self, now: u64, tier: Tier, latency: u64) -> Result<(), Rejection> {
        self.run(Op::Call {
            now,
            tier,
            finish: Some((now, Outcome::Latency(latency))),
        })
    }

    fn run(&mut self, op: Op) -> Result<(), Rejection> {
        let answer = self
            .model
            .step(&self.breaker, &(), op)
            .unwrap_or_else(|disagreement| panic!("{disagreement}"));
        self.seen.extend(std::iter::from_fn(|| self.events.pop()));
        assert_eq!(self.events.dropped(), 0, "event ring too small");
        match answer {
            Answer::Called(Ok((_, recorded))) => {
                assert_eq!(recorded, Some(Recorded::Counted));
                Ok(())
            }
            Answer::Called(Err(rejection)) => Err(rejection),
            other => panic!("{other:?}"),
        }
    }

    /// The breaker's snapshot at `now`, which the model takes too (a
    /// snapshot can expire time buckets) and must agree with.
    fn snapshot(&mut self, now: u64) -> failwell::breaker::Snapshot {
        let snapshot = self.breaker.snapshot(now);
        assert_eq!(Expected::from(&snapshot), self.model.snapshot(now));
        snapshot
    }

    fn state(&self) -> State {
        self.breaker.state()
    }

    /// The transitions seen, as `(at, from, to, reason)`.
    fn transitions(&self) -> Vec<(u64, State, State, Reason)> {
        self.seen
            .iter()
            .map(|t| (t.at, t.from, t.to, t.reason))
            .collect()
    }
}

/// Calls admitted in a stage of `offered` calls at `share` permille: the
/// documented exact share, `⌊offered × share / 1000⌋`.
fn exact_share(offered: u64, share: u64) -> u64 {
    offered * share / 1000
}

// ---------------------------------------------------------------------------
// (a) fails outright, then heals.

#[test]
fn a_dead_dependency_that_heals_trips_probes_ramps_and_returns_to_full_traffic() {
    // One call per tick, tiers in turn E, I, O. Trip at ≥ 50 % failed of the
    // last 20 calls once 10 are in; open 1,000 ticks, doubling up to 8,000;
    // 2 probes at once, 3 successes close, 1 failure reopens; then 10 %,
    // 25 %, 50 % for 1,000 ticks each, Important one stage behind Essential
    // and Optional two (Optional never probes): 5 stages in all.
    let config = Config::new(1_000)
        .trip_on_failure_rate(500, 10)
        .backoff(2_000, 8_000, 50_000)
        .half_open(2, 3, 1, 500)
        .ramp(&[100, 250, 500], 1_000);
    let events = Events::new();
    let mut sim = Sim::<20, 0>::new(config, &events);
    let heals_at = 3_000;
    let tier_at = |t: u64| [E, I, O][(t % 3) as usize];

    let mut admitted = 0u64;
    let mut refused_open = 0u64;
    // (stage, tier) -> (offered, admitted) during the ramp.
    let mut ramp = [[(0u64, 0u64); 3]; 6];
    for t in 0..20_000 {
        let state = sim.state();
        let tier = tier_at(t);
        let result = sim.call(t, tier, t < heals_at, 0);
        // The stage the call was judged in: its acquire may have started
        // the next one (or full traffic, 0).
        let after = sim.snapshot(t);
        let judged = if state == Closed && after.state == Closed {
            usize::from(after.ramp_stage)
        } else {
            0
        };
        match result {
            Ok(()) => admitted += 1,
            Err(Rejection::Open { .. }) => refused_open += 1,
            Err(Rejection::NotProbing) => assert_eq!(tier, O),
            Err(Rejection::Ramp) => {}
            Err(other) => panic!("unexpected {other:?} at {t}"),
        }
        if judged != 0 {
            let cell = &mut ramp[judged][tier as usize];
            cell.0 += 1;
            cell.1 += u64::from(result.is_ok());
        }
    }

    // The 10th failure trips (the rate is judged from the minimum on); the
    // first probe, at 1,009, fails and doubles the open duration; from
    // 3,009 the dependency answers: three probes (Optional may not) close.
    assert_eq!(
        sim.transitions(),
        [
            (9, Closed, Open, Reason::FailureRate),
            (1_009, Open, HalfOpen, Reason::OpenElapsed),
            (1_009, HalfOpen, Open, Reason::ProbesFailed),
            (3_009, Open, HalfOpen, Reason::OpenElapsed),
            (3_012, HalfOpen, Closed, Reason::ProbesSucceeded),
        ]
    );
    // Refused while open: 9..1,009 and 1,009..3,009 less the calls at the
    // deadlines, which were the probes.
    assert_eq!(refused_open, 999 + 1_999);

    // The ramp: stage s starts at the first call past 3,012 + 1,000 (s − 1),
    // and each tier gets exactly its share of the calls it offered.
    let shares: [[u64; 3]; 6] = [
        [0, 0, 0],
        [100, 0, 0],
        [250, 100, 0],
        [500, 250, 100],
        [1_000, 500, 250],
        [1_000, 1_000, 500],
    ];
    for stage in 1..=5 {
        for tier in 0..3 {
            let (offered, got) = ramp[stage][tier];
            assert!(offered >= 333, "stage {stage} tier {tier}: {offered} calls");
            assert_eq!(
                got,
                exact_share(offered, shares[stage][tier]),
                "stage {stage}, tier {tier}: {got} of {offered}"
            );
        }
    }
    // Stage 1: 999 calls, 333 per tier, Essential's 10 % is 33.
    assert_eq!(ramp[1], [(333, 33), (333, 0), (333, 0)]);
    // Back to full traffic at 3,012 + 5 × 1,000, still closed.
    let snapshot = sim.snapshot(19_999);
    assert_eq!(
        (snapshot.state, snapshot.ramp_stage, snapshot.trips),
        (Closed, 0, 2)
    );
    let ramp_admitted: u64 = ramp.iter().flatten().map(|&(_, got)| got).sum();
    // Full traffic from 8,012: every call from there to 20,000 admitted,
    // plus the first 10 (before the trip), the 4 probes (1,009, 3,009,
    // 3,010, 3,012) and the ramp's.
    assert_eq!(admitted, 10 + 4 + ramp_admitted + (20_000 - 8_012));
}

#[test]
fn a_dead_dependency_that_heals_over_a_time_window_closes_straight_to_full_traffic() {
    // Ten buckets of 100 ticks; trip at ≥ 50 % failed once 10 calls are in;
    // open 500 ticks (no backoff); one probe at a time, 2 successes close;
    // no ramp. One Essential call per tick; failing until 2,000.
    let config = Config::new(500)
        .trip_on_failure_rate(500, 10)
        .bucket_width(100)
        .half_open(1, 2, 1, 100);
    let events = Events::new();
    let mut sim = Sim::<0, 10>::new(config, &events);
    let (mut admitted, mut refused) = (0u64, 0u64);
    for t in 0..5_000 {
        match sim.call(t, E, t < 2_000, 0) {
            Ok(()) => admitted += 1,
            Err(Rejection::Open { .. }) => refused += 1,
            Err(other) => panic!("unexpected {other:?} at {t}"),
        }
    }
    assert_eq!(
        sim.transitions(),
        [
            (9, Closed, Open, Reason::FailureRate),
            (509, Open, HalfOpen, Reason::OpenElapsed),
            (509, HalfOpen, Open, Reason::ProbesFailed),
            (1_009, Open, HalfOpen, Reason::OpenElapsed),
            (1_009, HalfOpen, Open, Reason::ProbesFailed),
            (1_509, Open, HalfOpen, Reason::OpenElapsed),
            (1_509, HalfOpen, Open, Reason::ProbesFailed),
            (2_009, Open, HalfOpen, Reason::OpenElapsed),
            (2_010, HalfOpen, Closed, Reason::ProbesSucceeded),
        ]
    );
    // 10 before the trip, 5 probes, every call from 2,011 on.
    assert_eq!(admitted, 10 + 5 + (5_000 - 2_011));
    assert_eq!(refused, 4 * 499);
    // The window was emptied on closing; now it holds ticks 4,000..5,000.
    let snapshot = sim.snapshot(4_999);
    assert_eq!(
        (snapshot.time_window.calls, snapshot.time_window.failures),
        (1_000, 0)
    );
    assert_eq!((snapshot.state, snapshot.trips), (Closed, 4));
}

// ---------------------------------------------------------------------------
// (b) flaps.

#[test]
fn a_flapping_dependency_backs_off_to_the_cap_and_starts_over_after_a_healthy_spell() {
    // Three failures in a row trip; open 100 ticks, doubling up to 800,
    // started over after 5,000 ticks of full traffic; one probe decides.
    let config = Config::new(100)
        .trip_on_consecutive_failures(3)
        .backoff(2_000, 800, 5_000)
        .half_open(1, 1, 1, 50);
    let events = Events::new();
    let mut sim = Sim::<0, 0>::new(config, &events);
    // Healthy for the first half of each 1,000 ticks and failing for the
    // second, until 5,000; healthy until 12,000; failing until 12,500;
    // healthy after.
    let failing = |t: u64| match t {
        0..5_000 => t % 1_000 >= 500,
        5_000..12_000 => false,
        12_000..12_500 => true,
        _ => false,
    };
    let mut refused = 0u64;
    // Every trip: when, for how long, and the trips counted.
    let mut durations = Vec::new();
    for t in 0..14_000 {
        let generation = sim.snapshot(t).generation;
        if sim.call(t, E, failing(t), 0).is_err() {
            refused += 1;
        }
        let snapshot = sim.snapshot(t);
        if snapshot.state == Open && snapshot.generation != generation {
            durations.push((t, snapshot.next_transition.unwrap() - t, snapshot.trips));
        }
    }
    assert_eq!(
        durations,
        [
            (502, 100, 1),
            (602, 200, 2),
            (802, 400, 3),
            (1_502, 800, 4),
            (2_502, 800, 5),
            (3_502, 800, 6),
            (4_502, 800, 7),
            // 6,700 ticks of full traffic since closing at 5,302: start over.
            (12_002, 100, 1),
            (12_102, 200, 2),
            (12_302, 400, 3),
        ]
    );
    let closes: Vec<u64> = sim
        .transitions()
        .iter()
        .filter(|t| t.3 == Reason::ProbesSucceeded)
        .map(|t| t.0)
        .collect();
    assert_eq!(closes, [1_202, 2_302, 3_302, 4_302, 5_302, 12_702]);
    // Each open spell refuses every call but the probe at its deadline.
    let open_ticks: u64 = durations.iter().map(|&(_, d, _)| d - 1).sum();
    assert_eq!(refused, open_ticks);
    assert_eq!(sim.state(), Closed);
}

// ---------------------------------------------------------------------------
// (c) fails 30 %.

/// Exactly 3 calls in 10 fail (indices 2, 5 and 8 of each ten).
fn thirty_percent(i: u64) -> bool {
    matches!(i % 10, 2 | 5 | 8)
}

#[test]
fn thirty_percent_failures_stay_under_a_fifty_percent_threshold_over_a_count_window() {
    let config = Config::new(1_000).trip_on_failure_rate(500, 100);
    let events = Events::new();
    let mut sim = Sim::<200, 0>::new(config, &events);
    for i in 0..50_000 {
        sim.call(i, E, thirty_percent(i), 0).unwrap();
    }
    let window = sim.snapshot(49_999).count_window;
    assert_eq!((window.calls, window.failures), (200, 60));
    assert_eq!(window.failure_rate(), Some(300));
    assert!(sim.transitions().is_empty());

    // The same with random failures at 30 %: never half of 200 calls.
    let events = Events::new();
    let mut sim = Sim::<200, 0>::new(config, &events);
    let mut rng = Rng(30);
    let mut failed = 0u64;
    for i in 0..50_000 {
        let fail = rng.chance(300);
        failed += u64::from(fail);
        sim.call(i, E, fail, 0).unwrap();
    }
    assert!((14_500..15_500).contains(&failed), "{failed}");
    assert!(sim.transitions().is_empty());
}

#[test]
fn thirty_percent_failures_trip_a_twenty_five_percent_threshold_at_the_minimum() {
    let config = Config::new(1_000).trip_on_failure_rate(250, 100);
    let events = Events::new();
    let mut sim = Sim::<200, 0>::new(config, &events);
    let mut admitted = 0u64;
    for i in 0..1_000 {
        admitted += u64::from(sim.call(i, E, thirty_percent(i), 0).is_ok());
    }
    // Below 100 calls nothing is judged (the first ten are 30 % failed, the
    // first three 33 %); the 100th call, a success, brings the window to
    // the minimum and is judged: 30 of 100 ≥ 25 %. Open until 1,099, so
    // nothing else is admitted.
    assert_eq!(sim.transitions(), [(99, Closed, Open, Reason::FailureRate)]);
    assert_eq!(admitted, 100);

    // Random failures at 30 %: trips as soon as 100 calls are in.
    let events = Events::new();
    let mut sim = Sim::<200, 0>::new(config, &events);
    let mut rng = Rng(25);
    for i in 0..1_000 {
        sim.call(i, E, rng.chance(300), 0).ok();
    }
    assert_eq!(sim.transitions(), [(99, Closed, Open, Reason::FailureRate)]);
}

#[test]
fn thirty_percent_failures_over_a_time_window() {
    // Ten buckets of 100 ticks, one call per tick: a window of 901 to
    // 1,000 calls once full.
    let config = |threshold| {
        Config::new(1_000)
            .trip_on_failure_rate(threshold, 100)
            .bucket_width(100)
    };
    let events = Events::new();
    let mut sim = Sim::<0, 10>::new(config(500), &events);
    for t in 0..30_000 {
        sim.call(t, E, thirty_percent(t), 0).unwrap();
    }
    // At tick 29,999 the window holds buckets 290..=299: 1,000 calls.
    let window = sim.snapshot(29_999).time_window;
    assert_eq!((window.calls, window.failures), (1_000, 300));
    assert!(sim.transitions().is_empty());

    let events = Events::new();
    let mut sim = Sim::<0, 10>::new(config(250), &events);
    for t in 0..200 {
        sim.call(t, E, thirty_percent(t), 0).ok();
    }
    assert_eq!(sim.transitions(), [(99, Closed, Open, Reason::FailureRate)]);
}

// ---------------------------------------------------------------------------
// (d) slow, never failing.

#[test]
fn a_slow_dependency_trips_on_the_slow_call_rate_alone() {
    // Slow above 100 ticks; trip at ≥ 50 % slow (or failed) of the last 20
    // calls once 20 are in. Fast (10..=60 ticks) until call 1,000, then 3
    // calls in 5 take 150 ticks; it never fails.
    let config = Config::new(1_000)
        .trip_on_failure_rate(500, 20)
        .trip_on_slow_calls(100, 500);
    let events = Events::new();
    let mut sim = Sim::<20, 0>::new(config, &events);
    let mut rng = Rng(7);
    let mut tripped_at = None;
    // One call every 10 ticks, each reported when it ends (success measures
    // its own latency).
    for i in 0..1_100u64 {
        let latency = if i < 1_000 {
            10 + rng.next() % 51
        } else if (i - 1_000) % 5 < 3 {
            150
        } else {
            20
        };
        sim.call(i * 10, E, false, latency).ok();
        if tripped_at.is_none() && sim.state() == Open {
            tripped_at = Some(i);
            let snapshot = sim.snapshot(i * 10 + latency);
            assert_eq!(snapshot.count_window.failures, 0);
            assert_eq!(snapshot.count_window.slow, 10);
            assert_eq!(snapshot.count_window.slow_call_rate(), Some(500));
        }
    }
    // Slow calls are degraded calls 0, 1, 2, 5, 6, 7, 10, 11, 12, 15: the
    // 16th degraded call (acquired at 10,150) makes 10 of the last 20 when
    // it reports, 150 ticks later.
    assert_eq!(tripped_at, Some(1_015));
    assert_eq!(
        sim.transitions()[0],
        (10_300, Closed, Open, Reason::SlowCallRate)
    );
    assert!(sim
        .transitions()
        .iter()
        .all(|t| t.3 != Reason::FailureRate && t.3 != Reason::ConsecutiveFailures));
}

#[test]
fn a_slow_dependency_over_a_time_window() {
    // Five buckets of 50 ticks; one call every 5 ticks (10 per bucket),
    // each reporting its latency at once (so it counts in the bucket it
    // started in). Slow: above 100 ticks. Trip at ≥ 40 % slow of at least
    // 20 calls.
    let config = Config::new(1_000)
        .trip_on_slow_calls(100, 400)
        .trip_on_failure_rate(1_000, 20)
        .bucket_width(50);
    let events = Events::new();
    let mut sim = Sim::<0, 5>::new(config, &events);
    // Fast until tick 1,000 (bucket 20); from there every other call
    // (ticks 1,000, 1,010, ...) takes 120 ticks: 5 slow in each bucket.
    let mut tripped_at = None;
    for i in 0..400u64 {
        let now = i * 5;
        let slow = now >= 1_000 && i % 2 == 0;
        sim.call_with_latency(now, E, if slow { 120 } else { 30 })
            .ok();
        if tripped_at.is_none() && sim.state() == Open {
            tripped_at = Some(now);
            let window = sim.snapshot(now).time_window;
            assert_eq!((window.calls, window.slow, window.failures), (45, 18, 0));
        }
    }
    // Judged at each slow call. In buckets 20, 21 and 22 the window still
    // holds too many fast calls (at best 5 + 5 + 5 of 45); in bucket 23 it
    // holds bucket 19 (10 fast), 20..=22 (15 slow of 30) and, at the third
    // slow call of bucket 23 (tick 1,170), 3 slow of 5: 18 of 45 = 40 %.
    // (At the second, 17 of 43 is just under.)
    assert_eq!(tripped_at, Some(1_170));
    assert_eq!(
        sim.transitions()[0],
        (1_170, Closed, Open, Reason::SlowCallRate)
    );
}

// ---------------------------------------------------------------------------
// Permits reported through the permit API, as the scenarios do, are the
// same as tickets: a spot check of the counts the scenarios rely on.

#[test]
fn permits_count_in_the_windows_like_tickets() {
    let b = Breaker::<4, 2>::new(
        Config::new(100)
            .trip_on_failure_rate(1_000, 4)
            .bucket_width(10),
    )
    .unwrap();
    assert_eq!(b.try_acquire(0, I).unwrap().success(5), Recorded::Counted);
    let t = b.acquire(1, O).unwrap();
    assert_eq!(b.record(t, 2, Outcome::Failure), Recorded::Counted);
    let s = b.snapshot(2);
    assert_eq!((s.count_window.calls, s.count_window.failures), (2, 1));
    assert_eq!((s.time_window.calls, s.time_window.failures), (2, 1));
}
