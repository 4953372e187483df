//! Behaviour of the circuit breaker, one rule per test.

use failwell::breaker::{
    Breaker, Config, ConfigError, EventRing, Observer, Outcome, Reason, Recorded, Rejection, State,
    Ticket, TierPolicy, Transition, WindowStats,
};
use failwell::Tier;

const E: Tier = Tier::Essential;
const I: Tier = Tier::Important;
const O: Tier = Tier::Optional;

fn breaker<const W: usize, const B: usize>(config: Config) -> Breaker<W, B> {
    Breaker::new(config).expect("valid config")
}

fn fail<const W: usize, const B: usize>(b: &Breaker<W, B>, now: u64) {
    let permit = b.try_acquire(now, E).expect("admitted");
    assert_eq!(permit.failure(now), Recorded::Counted);
}

fn succeed<const W: usize, const B: usize>(b: &Breaker<W, B>, now: u64) {
    let permit = b.try_acquire(now, E).expect("admitted");
    assert_eq!(permit.success(now), Recorded::Counted);
}

#[test]
fn consecutive_failures_trip_and_a_success_resets_the_run() {
    let b = breaker::<0, 0>(Config::new(100).trip_on_consecutive_failures(3));
    fail(&b, 0);
    fail(&b, 0);
    succeed(&b, 0);
    fail(&b, 0);
    fail(&b, 0);
    assert_eq!(b.snapshot(0).consecutive_failures, 2);
    assert_eq!(b.state(), State::Closed);
    fail(&b, 10);
    let snapshot = b.snapshot(10);
    assert_eq!(snapshot.state, State::Open);
    assert_eq!(snapshot.next_transition, Some(110));
    assert_eq!(
        b.try_acquire(40, E).unwrap_err(),
        Rejection::Open { retry_after: 70 }
    );
}

#[test]
fn count_window_failure_rate_needs_the_minimum_calls() {
    // Trip at ≥ 50 % of the last 10 calls, once 4 are in.
    let b = breaker::<10, 0>(Config::new(100).trip_on_failure_rate(500, 4));
    fail(&b, 0);
    fail(&b, 0);
    fail(&b, 0);
    assert_eq!(
        b.state(),
        State::Closed,
        "three calls are below the minimum"
    );
    succeed(&b, 0);
    // 3 of 4 failed: judged on the success that completed the minimum.
    assert_eq!(b.state(), State::Open);
}

#[test]
fn count_window_forgets_calls_older_than_n() {
    let b = breaker::<4, 0>(Config::new(100).trip_on_failure_rate(750, 4));
    fail(&b, 0);
    fail(&b, 0);
    for _ in 0..4 {
        succeed(&b, 0);
    }
    let stats = b.snapshot(0).count_window;
    assert_eq!((stats.calls, stats.failures), (4, 0));
    fail(&b, 0);
    fail(&b, 0);
    let stats = b.snapshot(0).count_window;
    assert_eq!((stats.calls, stats.failures), (4, 2));
    assert_eq!(stats.failure_rate(), Some(500));
    assert_eq!(stats.slow_call_rate(), Some(0));
    assert_eq!(b.snapshot(0).time_window.failure_rate(), None);
    assert_eq!(b.state(), State::Closed);
    fail(&b, 0);
    assert_eq!(b.state(), State::Open);
}

#[test]
fn time_window_expires_old_buckets() {
    // 4 buckets of 10 ticks; trip at ≥ 50 % once 4 calls are in.
    let b = breaker::<0, 4>(
        Config::new(100)
            .trip_on_failure_rate(500, 4)
            .bucket_width(10),
    );
    fail(&b, 0);
    fail(&b, 5);
    succeed(&b, 12);
    let stats = b.snapshot(12).time_window;
    assert_eq!((stats.calls, stats.failures), (3, 2));
    // At tick 40 the bucket of ticks 0..10 has left the window.
    succeed(&b, 41);
    let stats = b.snapshot(41).time_window;
    assert_eq!((stats.calls, stats.failures), (2, 0));
    // A jump past the whole window empties it.
    succeed(&b, 1_000);
    let stats = b.snapshot(1_000).time_window;
    assert_eq!((stats.calls, stats.failures), (1, 0));
    // A clock that went back counts in the newest bucket.
    fail(&b, 3);
    fail(&b, 1_001);
    fail(&b, 1_002);
    assert_eq!(b.state(), State::Open);
}

#[test]
fn slow_calls_trip_on_their_own_rate() {
    // Slow above 50 ticks; trip at ≥ 60 % slow of 5 calls.
    let b = breaker::<5, 0>(
        Config::new(100)
            .trip_on_slow_calls(50, 600)
            .trip_on_failure_rate(1_000, 5),
    );
    let mut ring = Vec::new();
    for (i, latency) in [10, 60, 70, 20, 80].into_iter().enumerate() {
        let now = i as u64 * 100;
        let permit = b.try_acquire(now, E).unwrap();
        ring.push(permit.latency(now + latency, latency));
    }
    assert!(ring.iter().all(|r| *r == Recorded::Counted));
    let snapshot = b.snapshot(480);
    assert_eq!(snapshot.state, State::Open);
    assert_eq!(snapshot.count_window.slow, 3);
    assert_eq!(snapshot.count_window.failures, 0);
}

#[test]
fn success_measures_its_own_latency() {
    let b = breaker::<2, 0>(
        Config::new(100)
            .trip_on_slow_calls(50, 1_000)
            .trip_on_failure_rate(1_000, 2),
    );
    let permit = b.try_acquire(0, E).unwrap();
    permit.success(51);
    let permit = b.try_acquire(100, E).unwrap();
    permit.success(150);
    assert_eq!(b.snapshot(150).count_window.slow, 1);
    assert_eq!(b.state(), State::Closed);
}

#[test]
fn failures_slower_than_the_threshold_count_as_slow_calls() {
    // Slow above 50 ticks; trip at ≥ 50 % slow of 4 calls; no failure policy.
    let b = breaker::<4, 0>(Config::new(100).trip_on_slow_calls(50, 500));
    // Failures within the threshold are failures only.
    for start in [0, 100, 200] {
        let permit = b.try_acquire(start, E).unwrap();
        assert_eq!(permit.failure(start + 50), Recorded::Counted);
    }
    let permit = b.try_acquire(300, E).unwrap();
    assert_eq!(permit.failure_after(1_000, 50), Recorded::Counted);
    let stats = b.snapshot(1_000).count_window;
    assert_eq!((stats.calls, stats.failures, stats.slow), (4, 4, 0));
    assert_eq!(b.state(), State::Closed);
    // A failure that took 51 ticks is slow: measured from its acquisition...
    let permit = b.try_acquire(400, E).unwrap();
    assert_eq!(permit.failure(451), Recorded::Counted);
    let stats = b.snapshot(451).count_window;
    assert_eq!((stats.calls, stats.failures, stats.slow), (4, 4, 1));
    assert_eq!(b.state(), State::Closed);
    // ...or given by the caller; 2 of 4 slow trips it.
    let permit = b.try_acquire(500, E).unwrap();
    assert_eq!(permit.failure_after(500, 51), Recorded::Counted);
    let snapshot = b.snapshot(500);
    assert_eq!(
        (snapshot.count_window.slow, snapshot.state),
        (2, State::Open)
    );
    // A probe that fails within the threshold is a failed probe all the same.
    let probe = b.try_acquire(600, E).unwrap();
    assert_eq!(probe.failure_after(600, 0), Recorded::Counted);
    assert_eq!(b.state(), State::Open);
}

fn tripped(config: Config) -> Breaker<0, 0> {
    let b = breaker::<0, 0>(config.trip_on_consecutive_failures(1));
    fail(&b, 0);
    assert_eq!(b.state(), State::Open);
    b
}

#[test]
fn half_open_admits_at_most_p_probes_and_s_successes_close() {
    let b = tripped(Config::new(100).half_open(2, 3, 1, 50));
    let p1 = b.try_acquire(100, E).unwrap();
    assert_eq!(b.state(), State::HalfOpen);
    let p2 = b.try_acquire(100, I).unwrap();
    assert!(p1.is_probe() && p2.is_probe());
    assert_eq!(
        b.try_acquire(110, E).unwrap_err(),
        Rejection::ProbesBusy { retry_after: 40 }
    );
    assert_eq!(b.try_acquire(110, O).unwrap_err(), Rejection::NotProbing);
    assert_eq!(p1.success(120), Recorded::Counted);
    let p3 = b.try_acquire(120, E).unwrap();
    assert_eq!(p2.success(121), Recorded::Counted);
    assert_eq!(b.snapshot(121).probe_successes, 2);
    assert_eq!(p3.success(122), Recorded::Counted);
    assert_eq!(b.state(), State::Closed);
}

#[test]
fn a_failed_probe_reopens_with_a_longer_backoff() {
    let b = tripped(Config::new(100).backoff(2_000, 350, 1_000));
    let probe = b.try_acquire(100, E).unwrap();
    probe.failure(105);
    let snapshot = b.snapshot(105);
    assert_eq!((snapshot.state, snapshot.trips), (State::Open, 2));
    assert_eq!(snapshot.next_transition, Some(305));
    b.try_acquire(305, E).unwrap().failure(305);
    // 400 is capped at 350.
    assert_eq!(b.snapshot(305).next_transition, Some(655));
}

#[test]
fn backoff_starts_over_after_a_healthy_period() {
    let b = tripped(Config::new(100).backoff(2_000, 10_000, 1_000));
    b.try_acquire(100, E).unwrap().failure(100);
    assert_eq!(b.snapshot(100).trips, 2);
    b.try_acquire(300, E).unwrap().success(300);
    assert_eq!(b.state(), State::Closed);
    // Tripping again soon keeps the backoff growing...
    fail(&b, 400);
    assert_eq!(b.snapshot(400).trips, 3);
    assert_eq!(b.snapshot(400).next_transition, Some(800));
    b.try_acquire(800, E).unwrap().success(800);
    // ...but after 1000 healthy ticks it starts over.
    fail(&b, 1_800);
    assert_eq!(b.snapshot(1_800).trips, 1);
    assert_eq!(b.snapshot(1_800).next_transition, Some(1_900));
}

#[test]
fn jitter_lengthens_within_its_bound_and_depends_on_the_seed() {
    let mut durations = Vec::new();
    for seed in 0..50 {
        let b = tripped(Config::new(1_000).jitter(200, seed));
        let until = b.snapshot(0).next_transition.unwrap();
        assert!((1_000..=1_200).contains(&until), "{until}");
        durations.push(until);
    }
    durations.sort_unstable();
    durations.dedup();
    assert!(durations.len() > 10, "{durations:?}");
}

#[test]
fn a_probe_that_never_reports_is_reclaimed_as_failed() {
    let b = tripped(Config::new(100).half_open(1, 1, 2, 30));
    let lost = b.acquire(100, E).unwrap();
    assert_eq!(
        b.try_acquire(129, E).unwrap_err(),
        Rejection::ProbesBusy { retry_after: 1 }
    );
    // At 130 the probe timed out: one failure of two; a new probe round.
    let probe = b.try_acquire(130, E).unwrap();
    let snapshot = b.snapshot(130);
    assert_eq!(
        (snapshot.state, snapshot.probe_failures),
        (State::HalfOpen, 1)
    );
    // The lost probe's late report is stale.
    assert_eq!(b.record(lost, 131, Outcome::Success), Recorded::Stale);
    assert_eq!(probe.success(132), Recorded::Counted);
    assert_eq!(b.state(), State::Closed);
}

#[test]
fn stale_outcomes_never_change_state() {
    let b = breaker::<0, 0>(Config::new(100).trip_on_consecutive_failures(2));
    let old = b.try_acquire(0, E).unwrap();
    let older = b.try_acquire(0, E).unwrap();
    fail(&b, 0);
    fail(&b, 0);
    let snapshot = b.snapshot(0);
    assert_eq!(old.failure(1), Recorded::Stale);
    assert_eq!(older.success(1), Recorded::Stale);
    assert_eq!(b.snapshot(1), snapshot);
}

#[test]
fn a_probe_reported_twice_is_stale_the_second_time() {
    let b = tripped(Config::new(100).half_open(2, 2, 1, 50));
    let ticket = b.acquire(100, E).unwrap();
    assert_eq!(b.record(ticket, 101, Outcome::Success), Recorded::Counted);
    assert_eq!(b.record(ticket, 102, Outcome::Success), Recorded::Stale);
    assert_eq!(b.snapshot(102).probe_successes, 1);
    // A forged probe slot is stale too.
    let forged = Ticket {
        probe: 16,
        ..ticket
    };
    assert_eq!(b.record(forged, 102, Outcome::Failure), Recorded::Stale);
    let forged = Ticket {
        probe: 200,
        ..ticket
    };
    assert_eq!(b.record(forged, 102, Outcome::Failure), Recorded::Stale);
    let forged = Ticket { probe: 0, ..ticket };
    assert_eq!(b.record(forged, 102, Outcome::Failure), Recorded::Stale);
    assert_eq!(b.state(), State::HalfOpen);
}

#[test]
fn a_dropped_probe_frees_its_slot_and_counts_neither_way() {
    let b = tripped(Config::new(100).half_open(1, 1, 1, 50));
    let probe = b.try_acquire(100, E).unwrap();
    assert!(b.try_acquire(100, E).is_err());
    drop(probe);
    let snapshot = b.snapshot(100);
    assert_eq!(
        (
            snapshot.state,
            snapshot.probes_in_flight,
            snapshot.probe_successes,
            snapshot.probe_failures
        ),
        (State::HalfOpen, 0, 0, 0)
    );
    assert!(b.try_acquire(100, E).is_ok());
}

#[test]
fn a_dropped_closed_permit_counts_nowhere() {
    let b = breaker::<4, 0>(Config::new(100).trip_on_failure_rate(500, 1));
    drop(b.try_acquire(0, E).unwrap());
    let b_ignored = b.try_acquire(0, E).unwrap();
    assert_eq!(b_ignored.ignore(0), Recorded::Counted);
    assert_eq!(b.snapshot(0).count_window.calls, 0);
}

fn ramped() -> Breaker<0, 0> {
    let config = Config::new(100)
        .half_open(1, 1, 1, 50)
        .ramp(&[100, 500], 1_000)
        .tier(O, TierPolicy::new(false, 1));
    let b = tripped(config.tier(I, TierPolicy::new(true, 1)));
    b.try_acquire(100, E).unwrap().success(100);
    b
}

#[test]
fn the_ramp_admits_exact_shares_per_tier_and_stage() {
    let b = ramped();
    assert_eq!((b.state(), b.snapshot(100).ramp_stage), (State::Closed, 1));
    let count = |tier, now| {
        (0..1_000)
            .filter(|_| b.try_acquire(now, tier).is_ok())
            .count()
    };
    // Stage 1: Essential 10 %, the others (one stage late) nothing.
    assert_eq!(count(E, 200), 100);
    assert_eq!(count(I, 200), 0);
    assert_eq!(b.try_acquire(200, O).unwrap_err(), Rejection::Ramp);
    // Stage 2: Essential 50 %, Important and Optional 10 %.
    assert_eq!(count(E, 1_100), 500);
    assert_eq!(count(I, 1_100), 100);
    assert_eq!(count(O, 1_100), 100);
    assert_eq!(b.snapshot(1_100).ramp_stage, 2);
    // Stage 3: Essential full, the others 50 %.
    assert_eq!(count(E, 2_100), 1_000);
    assert_eq!(count(O, 2_100), 500);
    // Then full traffic.
    assert_eq!(count(O, 3_100), 1_000);
    assert_eq!(b.snapshot(3_100).ramp_stage, 0);
}

#[test]
fn failures_during_the_ramp_roll_back_at_once() {
    let b = ramped();
    let mut permits = Vec::new();
    while permits.is_empty() {
        permits.extend(b.try_acquire(200, E).ok());
    }
    permits.pop().unwrap().failure(201);
    let snapshot = b.snapshot(201);
    assert_eq!((snapshot.state, snapshot.trips), (State::Open, 2));
}

#[test]
fn forced_open_disabled_and_reset() {
    let events: EventRing<8> = EventRing::new();
    let b: Breaker<4, 0, _> =
        Breaker::with_observer(Config::new(100).trip_on_failure_rate(500, 2), &events).unwrap();
    b.force_open(5);
    assert_eq!(b.try_acquire(5, E).unwrap_err(), Rejection::ForcedOpen);
    assert_eq!(
        b.try_acquire(u64::MAX, E).unwrap_err(),
        Rejection::ForcedOpen
    );
    b.disable(6);
    for _ in 0..4 {
        b.try_acquire(6, E).unwrap().failure(6);
    }
    let snapshot = b.snapshot(6);
    assert_eq!(
        (snapshot.state, snapshot.count_window.failures),
        (State::Disabled, 4)
    );
    b.reset(7);
    let snapshot = b.snapshot(7);
    assert_eq!(
        (snapshot.state, snapshot.count_window.calls),
        (State::Closed, 0)
    );
    let seen: Vec<_> = core::iter::from_fn(|| events.pop())
        .map(|e| (e.from, e.to, e.reason))
        .collect();
    assert_eq!(
        seen,
        [
            (State::Closed, State::ForcedOpen, Reason::Operator),
            (State::ForcedOpen, State::Disabled, Reason::Operator),
            (State::Disabled, State::Closed, Reason::Operator),
        ]
    );
    assert_eq!(snapshot.generation, 3);
}

/// An operator's hold that finds the breaker held so already is no
/// transition: disabling a disabled breaker (a config reload re-applying
/// "disabled") or forcing open a forced-open one keeps the generation, so
/// the calls in flight still count, and reports nothing. A reset always
/// resets.
#[test]
fn holding_a_breaker_where_it_is_changes_nothing() {
    let events: EventRing<8> = EventRing::new();
    let b: Breaker<4, 0, _> =
        Breaker::with_observer(Config::new(100).trip_on_failure_rate(500, 2), &events).unwrap();
    b.disable(1);
    let in_flight = b.try_acquire(2, E).unwrap();
    b.disable(3);
    assert_eq!(
        b.snapshot(3).generation,
        1,
        "disabled again: same generation"
    );
    assert_eq!(in_flight.failure(4), Recorded::Counted);
    let snapshot = b.snapshot(4);
    assert_eq!(
        (snapshot.state, snapshot.count_window.failures),
        (State::Disabled, 1)
    );
    b.force_open(5);
    b.force_open(6);
    assert_eq!(
        b.snapshot(6).generation,
        2,
        "forced open again: same generation"
    );
    b.reset(7);
    b.reset(8);
    assert_eq!(b.snapshot(8).generation, 4, "every reset is a transition");
    let seen: Vec<_> = core::iter::from_fn(|| events.pop())
        .map(|e| (e.from, e.to, e.generation))
        .collect();
    assert_eq!(
        seen,
        [
            (State::Closed, State::Disabled, 1),
            (State::Disabled, State::ForcedOpen, 2),
            (State::ForcedOpen, State::Closed, 3),
            (State::Closed, State::Closed, 4),
        ]
    );
}

#[test]
fn the_event_ring_counts_what_it_drops() {
    let events: EventRing<2> = EventRing::new();
    let b: Breaker<0, 0, _> =
        Breaker::with_observer(Config::new(10).trip_on_consecutive_failures(1), &events).unwrap();
    for round in 0..3 {
        let now = round * 100;
        b.try_acquire(now, E).unwrap().failure(now);
        b.reset(now);
    }
    assert_eq!(events.dropped(), 4);
    assert_eq!(
        events.pop().map(|e| e.reason),
        Some(Reason::ConsecutiveFailures)
    );
}

/// Fills `ring` past its capacity: it holds `N` transitions, in order, and
/// drops the rest.
fn fill_past_capacity<const N: usize>(ring: &EventRing<N>) {
    for at in 0..(N as u64 + 3) {
        ring.transition(Transition {
            from: State::Closed,
            to: State::Open,
            generation: 1,
            at,
            reason: Reason::Operator,
        });
    }
    assert_eq!(ring.dropped(), 3);
    let held: Vec<u64> = core::iter::from_fn(|| ring.pop()).map(|e| e.at).collect();
    assert_eq!(held, (0..N as u64).collect::<Vec<_>>());
}

#[test]
fn event_rings_of_2_to_128_hold_what_they_say() {
    // Other sizes do not compile (doc tests of EventRing).
    fill_past_capacity(&EventRing::<2>::new());
    fill_past_capacity(&EventRing::<4>::new());
    fill_past_capacity(&EventRing::<128>::new());
    static LARGEST: EventRing<128> = EventRing::new();
    fill_past_capacity(&LARGEST);
}

#[test]
fn a_clock_that_goes_back_passes_no_time() {
    let b = tripped(Config::new(100));
    assert_eq!(
        b.try_acquire(99, E).unwrap_err(),
        Rejection::Open { retry_after: 1 }
    );
    assert_eq!(
        b.try_acquire(0, E).unwrap_err(),
        Rejection::Open { retry_after: 100 }
    );
    let probe = b.try_acquire(100, E).unwrap();
    // Reported "before" it was taken: a zero latency, not a huge one.
    assert_eq!(probe.success(50), Recorded::Counted);
    assert_eq!(b.state(), State::Closed);
}

#[test]
fn time_near_u64_max_neither_panics_nor_wraps() {
    let b = breaker::<4, 4>(
        Config::new(u64::MAX / 2)
            .trip_on_consecutive_failures(1)
            .bucket_width(u64::MAX / 8)
            .backoff(3_000, u64::MAX / 2, u64::MAX)
            .half_open(1, 1, 1, u64::MAX),
    );
    fail(&b, 5);
    assert_eq!(
        b.try_acquire(6, E).unwrap_err(),
        Rejection::Open {
            retry_after: u64::MAX / 2 - 1
        }
    );
    let probe = b.try_acquire(u64::MAX / 2 + 5, E).unwrap();
    assert_eq!(probe.failure(u64::MAX - 1), Recorded::Counted);
    // The second open duration would end past u64::MAX: open for good on this clock.
    assert_eq!(b.snapshot(u64::MAX - 1).next_transition, Some(u64::MAX));
    for now in [u64::MAX - 1, u64::MAX, 0] {
        assert_eq!(
            b.try_acquire(now, E).unwrap_err(),
            Rejection::Open {
                retry_after: u64::MAX
            }
        );
    }
    b.reset(u64::MAX);
    succeed(&b, u64::MAX);
    // Back to a sane clock, the operator's reset is enough.
    b.reset(0);
    succeed(&b, 0);
}

#[test]
fn configs_are_checked_with_typed_errors() {
    let base = Config::new(100).trip_on_consecutive_failures(1);
    let cases = [
        (Config::new(100), ConfigError::NoTripPolicy),
        (
            base.trip_on_failure_rate(1_001, 1),
            ConfigError::RateAbove1000,
        ),
        (
            base.trip_on_slow_calls(5, 1_001),
            ConfigError::RateAbove1000,
        ),
        (
            base.trip_on_failure_rate(500, 0),
            ConfigError::ZeroMinimumCalls,
        ),
        (
            Config::new(0).trip_on_consecutive_failures(1),
            ConfigError::ZeroOpenDuration,
        ),
        (base.backoff(999, 100, 0), ConfigError::BackoffBelowOne),
        (
            base.backoff(2_000, 99, 0),
            ConfigError::MaxBelowOpenDuration,
        ),
        (base.jitter(1_001, 0), ConfigError::JitterAbove1000),
        (base.half_open(0, 1, 1, 1), ConfigError::ProbesOutOfRange),
        (base.half_open(17, 1, 1, 1), ConfigError::ProbesOutOfRange),
        (base.half_open(1, 0, 1, 1), ConfigError::ZeroProbeThreshold),
        (base.half_open(1, 1, 0, 1), ConfigError::ZeroProbeThreshold),
        (base.half_open(1, 1, 1, 0), ConfigError::ZeroProbeTimeout),
        (base.ramp(&[500, 500], 10), ConfigError::RampNotRising),
        (base.ramp(&[0], 10), ConfigError::RampNotRising),
        (base.ramp(&[1_000], 10), ConfigError::RampNotRising),
        (base.ramp(&[1, 2, 3, 4, 5], 10), ConfigError::RampTooLong),
        (
            base.ramp(&[1, 2, 3, 4], 10)
                .tier(O, TierPolicy::new(false, 4)),
            ConfigError::RampTooLong,
        ),
        (base.ramp(&[100], 0), ConfigError::ZeroRampStage),
        (
            base.tier(E, TierPolicy::new(false, 0))
                .tier(I, TierPolicy::new(false, 0)),
            ConfigError::NoTierMayProbe,
        ),
        (
            Config::new(u64::MAX)
                .trip_on_consecutive_failures(1)
                .jitter(1, 1),
            ConfigError::DurationOverflow,
        ),
    ];
    for (config, expected) in cases {
        let result = Breaker::<4, 4>::new(config.bucket_width(10)).map(|_| ());
        assert_eq!(result, Err(expected), "{config:?}");
    }
    // Window-shape errors depend on the const generics.
    let rate = base.trip_on_failure_rate(500, 5);
    assert_eq!(
        Breaker::<0, 0>::new(rate).unwrap_err(),
        ConfigError::RateWithoutWindow
    );
    assert_eq!(
        Breaker::<4, 0>::new(rate).unwrap_err(),
        ConfigError::MinimumCallsAboveWindow
    );
    assert_eq!(
        Breaker::<0, 2>::new(rate).unwrap_err(),
        ConfigError::ZeroBucketWidth
    );
    assert_eq!(
        Breaker::<4, 2>::new(rate).unwrap_err(),
        ConfigError::MinimumCallsAboveWindow
    );
    // With a count window, width 0 leaves the buckets unused.
    let unused = Breaker::<8, 2>::new(rate).unwrap();
    let _ = unused.try_acquire(0, E).unwrap().failure(0);
    assert_eq!(unused.snapshot(0).time_window.calls, 0);
    assert_eq!(unused.snapshot(0).count_window.calls, 1);
    assert_eq!(
        Breaker::<4, 2>::new(rate.bucket_width(u64::MAX)).unwrap_err(),
        ConfigError::DurationOverflow
    );
    assert!(Breaker::<4, 2>::new(rate.bucket_width(10)).is_ok());
    // Every error says what is wrong.
    assert!(ConfigError::NoTierMayProbe.to_string().contains("probe"));
}

#[test]
fn rejections_and_config_errors_read_as_words() {
    for (rejection, text) in [
        (
            Rejection::Open { retry_after: 5 },
            "breaker open; it turns half-open in 5 ticks",
        ),
        (
            Rejection::Open {
                retry_after: u64::MAX,
            },
            "breaker open; it does not turn half-open on this clock",
        ),
        (
            Rejection::ProbesBusy { retry_after: 3 },
            "breaker half-open and every probe slot is taken; the probes in flight time out in 3 ticks",
        ),
        (
            Rejection::ProbesBusy {
                retry_after: u64::MAX,
            },
            "breaker half-open and every probe slot is taken; the probes in flight do not time out on this clock",
        ),
        (
            Rejection::NotProbing,
            "breaker half-open and this tier may not probe",
        ),
        (
            Rejection::Ramp,
            "breaker recovering; the ramp sheds this call for its tier",
        ),
        (
            Rejection::ForcedOpen,
            "breaker forced open; refused until an operator resets it",
        ),
    ] {
        assert_eq!(rejection.to_string(), text);
    }
    // A duration can overflow through the time window's span, which is no
    // duration the config names.
    assert!(ConfigError::DurationOverflow
        .to_string()
        .contains("bucket_width"));
    assert!(ConfigError::NoTripPolicy
        .to_string()
        .contains("could never open"));
}

#[test]
fn backoff_and_jitter_that_round_away_are_refused() {
    let open = |ticks| Config::new(ticks).trip_on_consecutive_failures(1);
    let check = |config: Config| Breaker::<0, 0>::new(config).map(|_| ());
    // ⌊1 × 1999 / 1000⌋ = 1 and ⌊50 × 1010 / 1000⌋ = 50: never longer.
    for config in [
        open(1).backoff(1_999, 100, 0),
        open(1).backoff(1_001, 1, 0),
        open(50).backoff(1_010, 1_000, 0),
        open(999).backoff(1_001, u64::MAX, 0),
    ] {
        assert_eq!(
            check(config),
            Err(ConfigError::BackoffTooSmall),
            "{config:?}"
        );
    }
    // The least factors that gain a tick.
    for config in [
        open(1).backoff(2_000, 100, 0),
        open(50).backoff(1_020, 1_000, 0),
        open(1_000).backoff(1_001, u64::MAX, 0),
        open(u64::MAX).backoff(1_001, u64::MAX, 0),
        open(1).backoff(1_000, 1, 0),
    ] {
        assert_eq!(check(config), Ok(()), "{config:?}");
    }
    // ⌊9 × 111 / 1000⌋ = 0: no share of 9 ticks is a tick.
    for config in [
        open(9).jitter(111, 0),
        open(1).jitter(999, 0),
        open(999).jitter(1, 0),
    ] {
        assert_eq!(
            check(config),
            Err(ConfigError::JitterTooSmall),
            "{config:?}"
        );
    }
    for config in [
        open(9).jitter(112, 0),
        open(1).jitter(1_000, 0),
        open(1_000).jitter(1, 0),
    ] {
        assert_eq!(check(config), Ok(()), "{config:?}");
    }
    // A 50-tick open duration backed off by 1020 ‰ does grow, by a tick.
    let b = tripped(open(50).backoff(1_020, 1_000, u64::MAX));
    let probe = b.try_acquire(50, E).unwrap();
    assert_eq!(probe.failure(50), Recorded::Counted);
    assert_eq!(
        b.try_acquire(50, E).unwrap_err(),
        Rejection::Open { retry_after: 51 }
    );
    assert!(ConfigError::BackoffTooSmall
        .to_string()
        .contains("backoff_factor"));
    assert!(ConfigError::JitterTooSmall.to_string().contains("jitter"));
}

#[test]
fn a_breaker_can_be_a_static() {
    static BREAKER: Breaker<8, 0> =
        match Breaker::new(Config::new(10).trip_on_consecutive_failures(2)) {
            Ok(b) => b,
            Err(_) => panic!("invalid config"),
        };
    succeed(&BREAKER, 0);
    assert_eq!(BREAKER.state(), State::Closed);
    assert!(format!("{BREAKER:?}").contains("Breaker"));
}

/// A time-window breaker that trips at 50 % of 10 calls in 10 buckets of
/// 10 ticks, healthy from tick 0 to 990.
fn healthy_time_window() -> Breaker<0, 10> {
    let b = breaker::<0, 10>(
        Config::new(100)
            .trip_on_failure_rate(500, 10)
            .bucket_width(10),
    );
    for now in (0..1_000).step_by(10) {
        succeed(&b, now);
    }
    b
}

/// The time model: one reading far in the future costs what an idle spell
/// costs (the window empties once); from the second sane reading on, the
/// window slides on the sane clock, so an outage after it still trips.
/// Before, the head stayed at the far-future bucket, every sane call
/// counted in it and never expired, and the breaker never tripped again.
#[test]
fn one_far_future_now_does_not_disarm_the_time_window() {
    for bogus in [u64::MAX - 5, u64::MAX, 1 << 40, 1 << 63] {
        let b = healthy_time_window();
        succeed(&b, bogus);
        // The clock is sane again; the dependency keeps working a while,
        // then fails for good.
        for now in (1_000..2_000).step_by(10) {
            succeed(&b, now);
        }
        let mut tripped_at = None;
        for now in 2_000..2_200 {
            match b.try_acquire(now, E) {
                Ok(permit) => {
                    let _ = permit.failure(now);
                }
                Err(_) => {
                    tripped_at = Some(now);
                    break;
                }
            }
        }
        // Ten failures in the newest bucket against nine successes in the
        // buckets before it: 50 % at tick 2_009 at the latest.
        let tripped_at = tripped_at.unwrap_or_else(|| panic!("never tripped after {bogus}"));
        assert!(tripped_at <= 2_010, "tripped at {tripped_at} after {bogus}");
    }
}

/// The time model's other half: one reading far in the past counts in the
/// newest bucket and changes nothing else. The window keeps every call it
/// held, so the breaker judges exactly as a twin that never saw it.
#[test]
fn one_far_past_now_makes_the_time_window_forget_nothing() {
    for bogus in [0, 3, 500] {
        let b = healthy_time_window();
        let twin = healthy_time_window();
        // Both see the same sane readings; `b` also one from the past.
        fail(&b, 1_000_000);
        fail(&twin, 1_000_000);
        fail(&b, bogus);
        fail(&twin, 1_000_000);
        for now in 1_000_001..1_000_020 {
            for breaker in [&b, &twin] {
                if let Ok(permit) = breaker.try_acquire(now, E) {
                    let _ = permit.success(now);
                }
            }
        }
        assert_eq!(
            b.snapshot(1_000_019),
            twin.snapshot(1_000_019),
            "after a reading at {bogus}"
        );
    }
}

/// A clock that goes back within the window's span, however often, counts
/// in the newest bucket: the window never moves back for it.
#[test]
fn a_clock_going_back_within_the_span_counts_in_the_newest_bucket() {
    let b = healthy_time_window();
    for _ in 0..3 {
        fail(&b, 950);
    }
    // Ticks 900..1000 are the window; readings at 950 are within it.
    let stats = b.snapshot(950).time_window;
    assert_eq!((stats.calls, stats.failures), (13, 3));
    succeed(&b, 1_009);
    let stats = b.snapshot(1_009).time_window;
    assert_eq!(
        (stats.calls, stats.failures),
        (13, 3),
        "one bucket expired, one call added"
    );
}

/// The clock-fault rule for deadlines: a trip at one far-future reading
/// leaves the breaker open until then, on the sane clock for ever. The
/// first sane reading finds the deadline more than twice the horizon (here
/// the open duration, 100) ahead and changes nothing; the second moves it
/// to that reading plus the horizon, and the breaker probes from there.
/// Before, it stayed open until an operator's reset.
#[test]
fn one_far_future_trip_does_not_hold_the_breaker_open() {
    for bogus in [u64::MAX - 5, 1 << 40, 1 << 63] {
        let b = breaker::<0, 0>(Config::new(100).trip_on_consecutive_failures(1));
        fail(&b, bogus);
        let first = b.try_acquire(1_000, E).unwrap_err();
        assert!(
            matches!(first, Rejection::Open { retry_after } if retry_after > 1_000_000),
            "{first:?} after {bogus}"
        );
        assert_eq!(
            b.try_acquire(1_001, E).unwrap_err(),
            Rejection::Open { retry_after: 100 },
            "after {bogus}"
        );
        let probe = b
            .try_acquire(1_101, E)
            .expect("a probe at the moved deadline");
        assert!(probe.is_probe());
        assert_eq!(probe.success(1_102), Recorded::Counted);
        assert_eq!(b.state(), State::Closed);
    }
}

/// The other half: one reading far in the past, or any number of them
/// each followed by a sane one, never moves a deadline. Only two in a row
/// are taken as a clock fault.
#[test]
fn far_past_readings_between_sane_ones_never_shorten_an_open_period() {
    let b = breaker::<0, 0>(Config::new(100).trip_on_consecutive_failures(1));
    fail(&b, 10_000);
    for now in [0, 10_050, 3, 10_060, 500, 10_099] {
        let rejection = b.try_acquire(now, E).unwrap_err();
        assert_eq!(
            rejection,
            Rejection::Open {
                retry_after: 10_100 - now
            }
        );
    }
    assert!(b.try_acquire(10_100, E).unwrap().is_probe());
}

/// A probe let through at a far-future reading holds its slot until then
/// on the sane clock; the clock-fault rule moves its start, so it times
/// out and another probe gets through.
#[test]
fn a_probe_granted_at_a_far_future_reading_times_out_on_the_sane_clock() {
    let b = breaker::<0, 0>(
        Config::new(100)
            .trip_on_consecutive_failures(1)
            .half_open(1, 1, 2, 50),
    );
    fail(&b, 0);
    let lost = b.acquire(1 << 50, E).unwrap();
    assert_ne!(lost.probe, 0);
    assert!(matches!(
        b.try_acquire(200, E).unwrap_err(),
        Rejection::ProbesBusy { .. }
    ));
    // Second reading: the probe's start moves to 201 + 100 (the horizon).
    assert!(matches!(
        b.try_acquire(201, E).unwrap_err(),
        Rejection::ProbesBusy { retry_after: 150 }
    ));
    let probe = b.try_acquire(351, E).expect("the lost probe timed out");
    assert!(probe.is_probe());
    assert_eq!(b.record(lost, 352, Outcome::Success), Recorded::Stale);
}

/// Jitter is jitter by default: two breakers built from one config (even
/// with the default seed) open for different durations, so a fleet does
/// not re-probe in lockstep. Before, every breaker drew the same sequence.
/// `reproducible_jitter` gives the same sequence to every breaker.
#[test]
fn breakers_with_one_config_do_not_open_in_lockstep() {
    let config = Config::new(1_000)
        .trip_on_consecutive_failures(1)
        .jitter(1_000, 0);
    let trips = |config: Config| {
        let a = breaker::<0, 0>(config);
        let b = breaker::<0, 0>(config);
        (0..8_u64)
            .map(|i| {
                for breaker in [&a, &b] {
                    breaker.reset(i * 10_000);
                    fail(breaker, i * 10_000);
                }
                (
                    a.snapshot(i * 10_000).next_transition,
                    b.snapshot(i * 10_000).next_transition,
                )
            })
            .collect::<Vec<_>>()
    };
    assert!(trips(config).iter().any(|(a, b)| a != b));
    assert!(trips(config.reproducible_jitter())
        .iter()
        .all(|(a, b)| a == b));
}

/// A snapshot shows the time window as of its `now`: an idle breaker does
/// not keep reporting the calls of an hour ago.
#[test]
fn an_idle_time_window_is_empty_an_hour_later() {
    // Ticks are milliseconds: 10 buckets of 1 s.
    let b = breaker::<0, 10>(
        Config::new(1_000)
            .trip_on_failure_rate(500, 4)
            .bucket_width(1_000),
    );
    fail(&b, 0);
    let stats = b.snapshot(0).time_window;
    assert_eq!((stats.calls, stats.failures), (1, 1));
    let hour_later = b.snapshot(3_600_000).time_window;
    assert_eq!(hour_later, WindowStats::default(), "an hour later");
    assert_eq!(hour_later.failure_rate(), None);
}

/// A snapshot is an observation, not a reading for the clock-fault rule:
/// one with an old `now` (far behind the newest bucket, twice, or within
/// the window) marks nothing and moves nothing, so the breaker goes on
/// exactly as a twin that was never looked at.
#[test]
fn a_snapshot_with_an_old_now_changes_nothing() {
    for old in [0, 3, 500, 985] {
        let b = healthy_time_window();
        let twin = healthy_time_window();
        let seen = twin.snapshot(990);
        // Two calls this far behind would move the window back there.
        assert_eq!(b.snapshot(old), seen, "at {old}");
        assert_eq!(b.snapshot(old), seen, "again at {old}");
        // Nor was the window marked: a far-past call now only marks it.
        fail(&b, old);
        fail(&twin, old);
        succeed(&b, 995);
        succeed(&twin, 995);
        let after = twin.snapshot(995);
        assert_eq!(b.snapshot(995), after, "after snapshots at {old}");
        assert_eq!(
            (after.time_window.calls, after.time_window.failures),
            (12, 1)
        );
    }
}

/// The clock-fault rule for the ramp: a breaker that closed at a
/// far-future reading would hold its first ramp stage until then. The
/// second sane reading moves the stage's start to that reading plus the
/// horizon (here the ramp stage, 1_000, the longest duration), and the ramp
/// goes on from there.
#[test]
fn a_ramp_begun_at_a_far_future_reading_moves_on_on_the_sane_clock() {
    let b = breaker::<0, 0>(
        Config::new(100)
            .trip_on_consecutive_failures(1)
            .ramp(&[100, 500], 1_000),
    );
    fail(&b, 0);
    let probe = b.acquire(100, E).unwrap();
    assert_eq!(
        b.record(probe, 1 << 50, Outcome::Success),
        Recorded::Counted
    );
    assert_eq!(b.snapshot(1 << 50).ramp_stage, 1);
    // Two sane readings: the first leaves the stage, the second moves its
    // start to 5_001 + 1_000.
    for now in [5_000, 5_001] {
        let _ = b.try_acquire(now, E);
    }
    assert_eq!(
        b.snapshot(5_001).next_transition,
        Some(5_001 + 1_000 + 1_000)
    );
    let _ = b.try_acquire(7_001, E);
    assert_eq!(b.snapshot(7_001).ramp_stage, 2);
}

/// Config errors are `core::error::Error`s: `?` carries them into a
/// `Box<dyn Error>` (it did not compile before).
#[test]
fn config_errors_are_errors() {
    fn build(config: Config) -> Result<Breaker<0, 0>, Box<dyn std::error::Error>> {
        Ok(Breaker::new(config)?)
    }
    fn limiter(config: failwell::LimiterConfig) -> Result<(), Box<dyn std::error::Error>> {
        let _ = failwell::RateLimiter::new(config)?;
        Ok(())
    }
    let error = build(Config::new(100)).unwrap_err();
    assert_eq!(error.to_string(), ConfigError::NoTripPolicy.to_string());
    assert!(limiter(failwell::LimiterConfig::new(0, 1_000, 1)).is_err());
    assert!(build(Config::new(100).trip_on_consecutive_failures(1)).is_ok());
}

/// The default `reset_backoff_after` is the open duration: a breaker that
/// flaps (trips again right after it recovered) backs off; one healthy for
/// an open duration starts over. With the old default of 0 every trip from
/// full traffic started over, so a flapping breaker never backed off.
#[test]
fn a_flapping_breaker_backs_off_by_default() {
    let mut config = Config::new(100).trip_on_consecutive_failures(1);
    config.backoff_factor = 2_000;
    config.max_open_duration = 1_000;
    let b = breaker::<0, 0>(config);
    fail(&b, 0);
    assert!(b.try_acquire(100, E).unwrap().success(100) == Recorded::Counted);
    // Trips again at once: the second trip is twice as long.
    fail(&b, 101);
    assert_eq!(b.snapshot(101).next_transition, Some(101 + 200));
    assert!(b.try_acquire(301, E).unwrap().success(301) == Recorded::Counted);
    // Healthy for an open duration (100): starts over.
    fail(&b, 401);
    assert_eq!(b.snapshot(401).next_transition, Some(401 + 100));
}

/// Unmeasured outcomes read no clock: never slow, counted at the time the
/// call was acquired (in the time window too).
#[test]
fn unmeasured_outcomes_are_never_slow_and_count_when_acquired() {
    let b = breaker::<4, 4>(
        Config::new(100)
            .trip_on_slow_calls(1, 1_000)
            .trip_on_failure_rate(1_000, 4)
            .bucket_width(10),
    );
    let permit = b.try_acquire(5, E).unwrap();
    assert_eq!(permit.success_unmeasured(), Recorded::Counted);
    let permit = b.try_acquire(6, E).unwrap();
    assert_eq!(permit.failure_unmeasured(), Recorded::Counted);
    let snapshot = b.snapshot(9);
    assert_eq!(snapshot.count_window.slow, 0);
    assert_eq!(
        (snapshot.count_window.calls, snapshot.count_window.failures),
        (2, 1)
    );
    assert_eq!(snapshot.time_window.calls, 2);
    // The same two measured 1_000 ticks later are slow (threshold 1 tick).
    let permit = b.try_acquire(7, E).unwrap();
    assert_eq!(permit.success(1_007), Recorded::Counted);
    assert_eq!(b.snapshot(1_007).count_window.slow, 1);
}
