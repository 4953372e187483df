//! The rate limiter's Rust API against its reference model,
//! `failwell_tests::limiter_model::LimiterModel`.
//!
//! An arbitrary `LimiterConfig` (every field arbitrary, or small values that
//! make ordinary limiters): `RateLimiter::new` must accept it exactly when
//! the model does. Then arbitrary steps of the clock (forward, backward, to
//! 0, to `u64::MAX`, near `u64::MAX`, anywhere, or one reading anywhere that
//! leaves the clock where it was), each a request of an arbitrary cost and
//! tier or a reset: every `LimiterModel::step` and `LimiterModel::reset`
//! must return `Ok`; a disagreement panics with the model's message.

#![no_main]

use arbitrary::Arbitrary;
use failwell::{LimiterConfig, RateLimiter, Tier};
use failwell_tests::limiter_model::LimiterModel;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    config: Config,
    steps: Vec<Step>,
}

#[derive(Arbitrary, Debug)]
enum Config {
    /// Every field arbitrary: mostly refused, and the edges of the checks.
    Raw {
        rate: u32,
        period: u64,
        burst: u32,
        reserve_essential: u32,
        reserve_important: u32,
    },
    /// Small values: mostly accepted, so the steps have a limiter to drive.
    Small {
        rate: u8,
        per_unit: u16,
        burst: u8,
        reserve_essential: u8,
        reserve_important: u8,
    },
    /// Coarse ticks: intervals near the top of the range.
    Coarse {
        rate: u8,
        shift: u8,
        burst: u8,
        reserve_essential: u8,
        reserve_important: u8,
    },
}

impl Config {
    fn build(&self) -> LimiterConfig {
        match *self {
            Config::Raw {
                rate,
                period,
                burst,
                reserve_essential,
                reserve_important,
            } => LimiterConfig::new(rate, period, burst)
                .with_reserve(reserve_essential, reserve_important),
            Config::Small {
                rate,
                per_unit,
                burst,
                reserve_essential,
                reserve_important,
            } => LimiterConfig::new(
                u32::from(rate),
                u64::from(rate) * u64::from(per_unit) + u64::from(rate) / 3,
                u32::from(burst),
            )
            .with_reserve(u32::from(reserve_essential), u32::from(reserve_important)),
            Config::Coarse {
                rate,
                shift,
                burst,
                reserve_essential,
                reserve_important,
            } => LimiterConfig::new(u32::from(rate), u64::MAX >> (shift % 64), u32::from(burst))
                .with_reserve(u32::from(reserve_essential), u32::from(reserve_important)),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Time {
    Same,
    Forward(u16),
    ForwardFar(u64),
    Back(u16),
    BackFar(u64),
    Zero,
    Max,
    NearMax(u16),
    To(u64),
    /// One reading at this time; the clock stays where it was.
    Glitch(u64),
}

impl Time {
    /// This step's `now`, and the clock after it, from the clock before.
    fn apply(&self, clock: u64) -> (u64, u64) {
        let now = match *self {
            Time::Same => clock,
            Time::Forward(d) => clock.saturating_add(u64::from(d)),
            Time::ForwardFar(d) => clock.saturating_add(d),
            Time::Back(d) => clock.saturating_sub(u64::from(d)),
            Time::BackFar(d) => clock.saturating_sub(d),
            Time::Zero => 0,
            Time::Max => u64::MAX,
            Time::NearMax(d) => u64::MAX - u64::from(d),
            Time::To(t) => t,
            Time::Glitch(t) => return (t, clock),
        };
        (now, now)
    }
}

#[derive(Arbitrary, Debug)]
enum Cost {
    Small(u8),
    Any(u32),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum TierArg {
    Essential,
    Important,
    Optional,
}

impl From<TierArg> for Tier {
    fn from(tier: TierArg) -> Tier {
        match tier {
            TierArg::Essential => Tier::Essential,
            TierArg::Important => Tier::Important,
            TierArg::Optional => Tier::Optional,
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Step {
    Request {
        time: Time,
        cost: Cost,
        tier: TierArg,
    },
    /// `RateLimiter::reset` at this time.
    Reset { time: Time },
}

fuzz_target!(|input: Input| {
    let config = input.config.build();
    let model = LimiterModel::new(&config);
    let limiter = RateLimiter::new(config);
    let (mut model, limiter) = match (model, limiter) {
        (Some(model), Ok(limiter)) => (model, limiter),
        (None, Err(_)) => return,
        (model, limiter) => panic!(
            "config {config:?}: model {}, RateLimiter::new {limiter:?}",
            if model.is_some() {
                "accepts"
            } else {
                "refuses"
            }
        ),
    };
    let mut clock = 0u64;
    for step in &input.steps {
        let checked = match step {
            Step::Request { time, cost, tier } => {
                let now;
                (now, clock) = time.apply(clock);
                let cost = match *cost {
                    Cost::Small(cost) => u32::from(cost),
                    Cost::Any(cost) => cost,
                };
                model.step(&limiter, now, cost, (*tier).into()).map(drop)
            }
            Step::Reset { time } => {
                let now;
                (now, clock) = time.apply(clock);
                model.reset(&limiter, now)
            }
        };
        if let Err(disagreement) = checked {
            panic!("config {config:?}: {disagreement}");
        }
    }
});
