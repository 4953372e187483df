//! Property tests: the rate limiter against its reference model
//! ([`failwell_tests::limiter_model`]) over random configs and random
//! sequences of requests `(time step, cost, tier)` and resets, including
//! backwards time (never more permissive within the horizon, exact after a
//! clock fault), one-off far-future readings, `now = 0` and `now` at and
//! near `u64::MAX`; and that a clock fault costs at most one bucket.

use failwell::{LimiterConfig, LimiterConfigError, RateLimiter, Rejection, Tier};
use failwell_tests::limiter_model::LimiterModel;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Step {
    Forward(u64),
    Back(u64),
    To(u64),
    /// One reading at this time; the clock stays where it was.
    Glitch(u64),
    /// One reading this many ticks ahead; the clock stays where it was.
    GlitchAhead(u64),
}

impl Step {
    /// The `now` of this step, and the clock after it, from the clock before.
    fn apply(&self, clock: u64) -> (u64, u64) {
        let moved = |now| (now, now);
        match *self {
            Step::Forward(d) => moved(clock.saturating_add(d)),
            Step::Back(d) => moved(clock.saturating_sub(d)),
            Step::To(t) => moved(t),
            Step::Glitch(t) => (t, clock),
            Step::GlitchAhead(d) => (clock.saturating_add(d), clock),
        }
    }
}

#[derive(Clone, Debug)]
enum Op {
    Request(Step, u32, Tier),
    Reset(Step),
}

fn config() -> impl Strategy<Value = LimiterConfig> {
    (
        1u32..=1_000,
        1u64..=1_000,
        1u32..=40,
        0u32..=40,
        0u32..=40,
        prop::bool::weighted(0.1),
    )
        .prop_map(|(rate, per_unit, burst, e, i, coarse)| {
            // Mostly ordinary periods; sometimes coarse ones near the top of the range.
            let period = if coarse {
                u64::MAX / 64 / u64::from(burst)
            } else {
                u64::from(rate) * per_unit + u64::from(rate) / 3
            };
            let reserve_essential = e % burst;
            let reserve_important = i % (burst - reserve_essential);
            LimiterConfig::new(rate, period, burst)
                .with_reserve(reserve_essential, reserve_important)
        })
}

/// Far-future readings: the examples of the clock-fault rule, anywhere.
fn far() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(1u64 << 40),
        Just(u64::MAX),
        (0u64..100_000).prop_map(|d| u64::MAX - d),
        any::<u64>(),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        12 => (0u64..5_000).prop_map(Step::Forward),
        2 => (0u64..5_000).prop_map(Step::Back),
        2 => prop_oneof![Just(0u64), Just(u64::MAX), (0u64..100_000).prop_map(|d| u64::MAX - d)].prop_map(Step::To),
        1 => far().prop_map(Step::Glitch),
        1 => (0u32..64, 0u64..1_000).prop_map(|(shift, d)| Step::GlitchAhead((1u64 << shift) + d)),
    ]
}

fn cost_and_tier() -> impl Strategy<Value = (u32, Tier)> {
    (
        prop_oneof![4 => 1u32..=3, 1 => 0u32..=50],
        prop::sample::select(Tier::ALL.to_vec()),
    )
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        20 => (step(), cost_and_tier()).prop_map(|(step, (cost, tier))| Op::Request(step, cost, tier)),
        1 => step().prop_map(Op::Reset),
    ]
}

/// A cost `tier` can take, from any `raw` value.
fn valid_cost(limiter: &RateLimiter, raw: u32, tier: Tier) -> u32 {
    1 + raw % limiter.capacity(tier)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn limiter_matches_the_reference_model(config in config(), ops in prop::collection::vec(op(), 1..200)) {
        let limiter = RateLimiter::new(config).unwrap();
        let mut model = LimiterModel::new(&config).unwrap();
        let mut clock: u64 = 0;
        for op in ops {
            let checked = match op {
                Op::Request(step, cost, tier) => {
                    let now;
                    (now, clock) = step.apply(clock);
                    model.step(&limiter, now, cost, tier).map(drop)
                }
                Op::Reset(step) => {
                    let now;
                    (now, clock) = step.apply(clock);
                    model.reset(&limiter, now)
                }
            };
            if let Err(disagreement) = checked {
                prop_assert!(false, "{}", disagreement);
            }
        }
    }

    /// A reading more than two buckets ahead of the clock, once admitted,
    /// is a clock fault: the next request on the sane clock is refused
    /// against the empty bucket, exactly, and one bucket's refill time
    /// later the bucket is full and Essential is admitted again.
    #[test]
    fn a_clock_fault_costs_at_most_one_bucket(
        config in config(),
        prefix in prop::collection::vec((prop_oneof![
            3 => (0u64..5_000).prop_map(Step::Forward),
            1 => (0u64..5_000).prop_map(Step::Back),
        ], cost_and_tier()), 0..50),
        beyond in prop_oneof![Just(0u64), 1u64..1_000, far()],
        glitch in cost_and_tier(),
        first in cost_and_tier(),
    ) {
        let limiter = RateLimiter::new(config).unwrap();
        let mut model = LimiterModel::new(&config).unwrap();
        let mut clock: u64 = 0;
        for (step, (cost, tier)) in prefix {
            let now;
            (now, clock) = step.apply(clock);
            model.step(&limiter, now, cost, tier).map(drop).map_err(TestCaseError::fail)?;
        }
        let interval = limiter.interval();
        let horizon = u64::from(config.burst) * interval;
        // Two buckets ahead: a request at `clock` finds the glitch's
        // admission (which ends at least one unit further on) a fault.
        let far = clock.saturating_add(2 * horizon).saturating_add(beyond);
        let (cost, tier) = (valid_cost(&limiter, glitch.0, glitch.1), glitch.1);
        let glitched = model.step(&limiter, far, cost, tier).map_err(TestCaseError::fail)?;
        let (cost, tier) = (valid_cost(&limiter, first.0, first.1), first.1);
        let refused = model.step(&limiter, clock, cost, tier).map_err(TestCaseError::fail)?;
        // An admission that would pass u64::MAX is refused and leaves no fault.
        prop_assume!(glitched.is_ok());
        let held_back = u64::from(config.burst - limiter.capacity(tier)) * interval;
        prop_assert_eq!(
            refused,
            Err(Rejection::RateLimited { retry_after: held_back + u64::from(cost) * interval })
        );
        let full = limiter.snapshot(clock + horizon);
        prop_assert_eq!((full.essential, full.full_in), (config.burst, 0));
        let again = model.step(&limiter, clock + horizon, 1, Tier::Essential);
        prop_assert_eq!(again, Ok(Ok(())));
    }

    #[test]
    fn config_validation_matches_the_model(
        rate in prop_oneof![Just(0u32), 1u32..=10, Just(u32::MAX)],
        period in prop_oneof![Just(0u64), 1u64..=100, Just(u64::MAX / 3), Just(u64::MAX)],
        burst in prop_oneof![Just(0u32), 1u32..=10, Just(u32::MAX)],
        reserve_essential in prop_oneof![0u32..=10, Just(u32::MAX)],
        reserve_important in prop_oneof![0u32..=10, Just(u32::MAX)],
    ) {
        let config = LimiterConfig::new(rate, period, burst).with_reserve(reserve_essential, reserve_important);
        let accepted: Result<_, LimiterConfigError> = RateLimiter::new(config);
        prop_assert_eq!(accepted.is_ok(), LimiterModel::new(&config).is_some(), "{:?}: {:?}", config, accepted.err());
    }
}
