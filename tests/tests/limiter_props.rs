//! Property tests: the rate limiter against its reference model
//! ([`failwell_tests::limiter_model`]) over random configs and random
//! sequences of `(time step, cost, tier)`, including backwards time,
//! `now = 0` and `now` at and near `u64::MAX`.

use failwell::{LimiterConfig, LimiterConfigError, RateLimiter, Tier};
use failwell_tests::limiter_model::LimiterModel;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Step {
    Forward(u64),
    Back(u64),
    To(u64),
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

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0u64..5_000).prop_map(Step::Forward),
        1 => (0u64..5_000).prop_map(Step::Back),
        1 => prop_oneof![Just(0u64), Just(u64::MAX), (0u64..100_000).prop_map(|d| u64::MAX - d)].prop_map(Step::To),
    ]
}

fn op() -> impl Strategy<Value = (Step, u32, Tier)> {
    (
        step(),
        prop_oneof![4 => 1u32..=3, 1 => 0u32..=50],
        prop::sample::select(Tier::ALL.to_vec()),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn limiter_matches_the_reference_model(config in config(), ops in prop::collection::vec(op(), 1..200)) {
        let limiter = RateLimiter::new(config).unwrap();
        let mut model = LimiterModel::new(&config).unwrap();
        let mut now: u64 = 0;
        for (step, cost, tier) in ops {
            now = match step {
                Step::Forward(d) => now.saturating_add(d),
                Step::Back(d) => now.saturating_sub(d),
                Step::To(t) => t,
            };
            if let Err(disagreement) = model.step(&limiter, now, cost, tier) {
                prop_assert!(false, "{}", disagreement);
            }
        }
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
