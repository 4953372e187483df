//! Property tests: the rate limiter against a simple reference model.
//!
//! The model keeps the bucket the obvious way, as "debt in ticks at the time
//! of the latest admission" in `u128` (so nothing can overflow), and treats a
//! `now` below the latest admission as that admission's time ("no time
//! passed"). The limiter keeps one `u64` theoretical arrival time instead.
//! The property: on a clock that does not go backwards they decide exactly
//! alike (same admissions, same `retry_after`, same snapshots); when it does
//! go backwards, the limiter may refuse what the model admits but never the
//! reverse, and its `retry_after` is the model's plus the ticks the clock
//! went back.

use failwell::{LimiterConfig, RateLimiter, Rejection, Tier};
use proptest::prelude::*;

struct Model {
    interval: u128,
    limits: [u128; 3],
    /// Time of the latest admission and the debt (ticks) right after it.
    latest: Option<(u64, u128)>,
}

#[derive(Debug, PartialEq)]
enum Verdict {
    Admit,
    Refuse(Rejection),
}

impl Model {
    fn new(config: &LimiterConfig) -> Self {
        let interval = u128::from(config.period).div_ceil(u128::from(config.rate));
        let burst = u128::from(config.burst);
        let essential = u128::from(config.reserve_essential);
        let important = u128::from(config.reserve_important);
        Model {
            interval,
            limits: [
                burst * interval,
                (burst - essential) * interval,
                (burst - essential - important) * interval,
            ],
            latest: None,
        }
    }

    /// The model's clock and debt at `now`: time never runs backwards.
    fn debt_at(&self, now: u64) -> (u64, u128) {
        match self.latest {
            None => (now, 0),
            Some((at, debt)) => {
                let t = now.max(at);
                (t, debt.saturating_sub(u128::from(t - at)))
            }
        }
    }

    /// What the model decides, and the extra debt the limiter sees when the
    /// clock went back (`t - now`).
    fn decide(&self, now: u64, cost: u32, tier: Tier) -> (Verdict, u128) {
        let limit = self.limits[tier as usize];
        let cost_ticks = u128::from(cost) * self.interval;
        if cost == 0 {
            return (Verdict::Refuse(Rejection::ZeroCost), 0);
        }
        if cost_ticks > limit {
            let capacity = u32::try_from(limit / self.interval).unwrap();
            return (
                Verdict::Refuse(Rejection::CostExceedsCapacity { capacity }),
                0,
            );
        }
        let (t, debt) = self.debt_at(now);
        let went_back = u128::from(t - now);
        if u128::from(t) + debt + cost_ticks > u128::from(u64::MAX) {
            return (
                Verdict::Refuse(Rejection::RateLimited {
                    retry_after: u64::MAX,
                }),
                went_back,
            );
        }
        if debt + cost_ticks > limit {
            let retry_after = u64::try_from(debt + cost_ticks - limit).unwrap();
            (
                Verdict::Refuse(Rejection::RateLimited { retry_after }),
                went_back,
            )
        } else {
            (Verdict::Admit, went_back)
        }
    }

    fn admit(&mut self, now: u64, cost: u32) {
        let (t, debt) = self.debt_at(now);
        self.latest = Some((t, debt + u128::from(cost) * self.interval));
    }

    /// Units each tier could take at `now`, as the limiter reports them (debt
    /// measured to `now` itself, even when the clock went back).
    fn available(&self, now: u64) -> ([u32; 3], u64) {
        let tat = self.latest.map_or(0, |(at, debt)| u128::from(at) + debt);
        let debt = tat.saturating_sub(u128::from(now));
        // What could be admitted must also fit below the end of the tick range.
        let headroom = u128::from(u64::MAX) - tat.max(u128::from(now));
        let units = |limit: u128| {
            u32::try_from(limit.saturating_sub(debt).min(headroom) / self.interval).unwrap()
        };
        (
            [
                units(self.limits[0]),
                units(self.limits[1]),
                units(self.limits[2]),
            ],
            u64::try_from(debt).unwrap(),
        )
    }
}

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

fn op() -> impl Strategy<Value = (Step, u32, u32)> {
    (step(), prop_oneof![4 => 1u32..=3, 1 => 0u32..=50], 0u32..3)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn limiter_matches_the_reference_model(config in config(), ops in prop::collection::vec(op(), 1..200)) {
        let limiter = RateLimiter::new(config).unwrap();
        let mut model = Model::new(&config);
        let mut now: u64 = 0;
        for (step, cost, tier) in ops {
            now = match step {
                Step::Forward(d) => now.saturating_add(d),
                Step::Back(d) => now.saturating_sub(d),
                Step::To(t) => t,
            };
            let tier = Tier::from_u32(tier).unwrap();
            let (expected, went_back) = model.decide(now, cost, tier);
            let actual = limiter.try_acquire(now, cost, tier);
            match (&expected, actual) {
                (Verdict::Admit, Ok(())) => model.admit(now, cost),
                (Verdict::Refuse(e), Err(a)) if went_back == 0 => prop_assert_eq!(*e, a),
                (_, Err(Rejection::RateLimited { retry_after })) => {
                    // The clock went back: the limiter sees more debt, so it
                    // may refuse more, and says exactly how much longer.
                    prop_assert!(went_back > 0, "{:?} vs {:?}", expected, actual);
                    let (_, debt) = model.debt_at(now);
                    let limit = model.limits[tier as usize];
                    let cost_ticks = u128::from(cost) * model.interval;
                    let fits = u128::from(now) + debt + went_back + cost_ticks <= u128::from(u64::MAX);
                    let want = if fits {
                        u64::try_from((debt + went_back + cost_ticks).checked_sub(limit).unwrap()).unwrap()
                    } else {
                        u64::MAX
                    };
                    prop_assert_eq!(retry_after, want);
                }
                _ => prop_assert!(false, "model {:?}, limiter {:?} at now={} cost={} tier={:?}", expected, actual, now, cost, tier),
            }
            let snapshot = limiter.snapshot(now);
            let (available, full_in) = model.available(now);
            prop_assert_eq!([snapshot.essential, snapshot.important, snapshot.optional], available);
            prop_assert_eq!(snapshot.full_in, full_in);
        }
    }
}
