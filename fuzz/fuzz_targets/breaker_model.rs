//! The circuit breaker's Rust API against its reference model,
//! `failwell_tests::breaker_model::BreakerModel`.
//!
//! An arbitrary breaker shape (count window 0, 1, 4 or 8; time buckets 0,
//! 1, 3 or 4) and config (every field arbitrary, or small values that make
//! ordinary breakers): `Breaker::new` must accept it exactly when the
//! restated rules (`config_violations`) find nothing wrong, and refuse it
//! with one of the rules it breaks. Then arbitrary operations (acquire,
//! record an issued ticket any number of times, forged tickets, permits
//! reported or dropped, force-open, disable, reset) at arbitrary steps of
//! the clock (forward, backward, far jumps, 0, `u64::MAX`, near
//! `u64::MAX`): every `BreakerModel::step` must return `Ok` (answers,
//! snapshot, reported transitions); a disagreement panics with the model's
//! message. The model follows the breaker where it is known to differ from
//! its documentation (`Deviations::CORE`).

#![no_main]

#[path = "common/breaker_args.rs"]
mod breaker_args;

use arbitrary::Arbitrary;
use failwell::breaker::{Breaker, Config, TierPolicy};
use failwell::Tier;
use failwell_tests::breaker_model::{
    config_violations, least_permille_for_a_tick, BreakerModel, Deviations, Forgery, Op, Recorder,
};
use libfuzzer_sys::fuzz_target;

use breaker_args::{Duration, OutcomeArg, Rate};

#[derive(Arbitrary, Debug)]
struct Input {
    shape: Shape,
    config: ConfigArg,
    steps: Vec<Step>,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Shape {
    None,
    Count1,
    Count4,
    Count8,
    Time1,
    Time3,
    Time4,
    Both4x3,
    Both8x4,
}

#[derive(Arbitrary, Debug)]
enum ConfigArg {
    /// Every field arbitrary: mostly refused, and the edges of the checks.
    Raw {
        consecutive_failures: u16,
        failure_rate: u16,
        slow_call_rate: u16,
        slow_call_threshold: u64,
        minimum_calls: u32,
        bucket_width: u64,
        open_duration: u64,
        backoff_factor: u32,
        max_open_duration: u64,
        reset_backoff_after: u64,
        jitter: u16,
        jitter_seed: u32,
        probes: u8,
        probe_successes: u8,
        probe_failures: u8,
        probe_timeout: u64,
        ramp: [u16; 4],
        ramp_steps: u8,
        ramp_stage_duration: u64,
        tiers: [(bool, u8); 3],
    },
    /// Small values: mostly accepted, so the steps have a breaker to drive.
    Small {
        consecutive_failures: u8,
        failure_rate: Rate,
        slow_call_rate: Rate,
        slow_call_threshold: u8,
        minimum_calls: u8,
        /// `None`: 0, buckets unused (when there is a count window).
        bucket_width: Option<Duration>,
        open_duration: Duration,
        backoff_factor: u16,
        max_multiple: u8,
        reset_backoff_after: u16,
        jitter: u16,
        jitter_seed: u32,
        probes: u8,
        probe_successes: u8,
        probe_failures: u8,
        probe_timeout: Duration,
        ramp: [u16; 4],
        ramp_steps: u8,
        ramp_stage_duration: Duration,
        tiers: [(bool, u8); 3],
    },
}

impl ConfigArg {
    fn build(&self, window: usize, buckets: usize) -> Config {
        match *self {
            ConfigArg::Raw {
                consecutive_failures,
                failure_rate,
                slow_call_rate,
                slow_call_threshold,
                minimum_calls,
                bucket_width,
                open_duration,
                backoff_factor,
                max_open_duration,
                reset_backoff_after,
                jitter,
                jitter_seed,
                probes,
                probe_successes,
                probe_failures,
                probe_timeout,
                ramp,
                ramp_steps,
                ramp_stage_duration,
                tiers,
            } => {
                let mut c = Config::new(open_duration);
                c.consecutive_failures = consecutive_failures;
                c.failure_rate = failure_rate;
                c.slow_call_rate = slow_call_rate;
                c.slow_call_threshold = slow_call_threshold;
                c.minimum_calls = minimum_calls;
                c.bucket_width = bucket_width;
                c.backoff_factor = backoff_factor;
                c.max_open_duration = max_open_duration;
                c.reset_backoff_after = reset_backoff_after;
                c.jitter = jitter;
                c.jitter_seed = jitter_seed;
                c.probes = probes;
                c.probe_successes = probe_successes;
                c.probe_failures = probe_failures;
                c.probe_timeout = probe_timeout;
                c.ramp = ramp;
                c.ramp_steps = ramp_steps;
                c.ramp_stage_duration = ramp_stage_duration;
                for (policy, (may_probe, delay)) in c.tiers.iter_mut().zip(tiers) {
                    *policy = TierPolicy::new(may_probe, delay);
                }
                c
            }
            ConfigArg::Small {
                consecutive_failures,
                failure_rate,
                slow_call_rate,
                slow_call_threshold,
                minimum_calls,
                bucket_width,
                open_duration,
                backoff_factor,
                max_multiple,
                reset_backoff_after,
                jitter,
                jitter_seed,
                probes,
                probe_successes,
                probe_failures,
                probe_timeout,
                ramp,
                ramp_steps,
                ramp_stage_duration,
                tiers,
            } => {
                let open = open_duration.ticks();
                let windowed = window > 0 || buckets > 0;
                let mut c = Config::new(open);
                c.consecutive_failures = u16::from(consecutive_failures % 5);
                if windowed {
                    c.failure_rate = failure_rate.permille(1000);
                    c.slow_call_rate = slow_call_rate.permille(1000);
                }
                if c.consecutive_failures == 0 && c.failure_rate == 0 && c.slow_call_rate == 0 {
                    c.consecutive_failures = 1;
                }
                c.slow_call_threshold = u64::from(slow_call_threshold % 16);
                let minimum = u32::from(minimum_calls % 8) + 1;
                c.minimum_calls = if buckets == 0 && window > 0 {
                    minimum.min(window as u32)
                } else {
                    minimum
                };
                c.bucket_width = match bucket_width {
                    Some(width) => width.ticks().min(u64::MAX / 8),
                    None if window > 0 => 0,
                    None => 1,
                };
                c.backoff_factor = 1000 + u32::from(backoff_factor % 3001);
                c.max_open_duration = match max_multiple % 8 {
                    0 => u64::MAX,
                    m => open.saturating_mul(u64::from(m)),
                };
                c.reset_backoff_after = u64::from(reset_backoff_after % 512);
                c.jitter = if jitter % 4 == 0 { jitter % 1001 } else { 0 };
                if c.jitter > 0 {
                    c.max_open_duration = c.max_open_duration.min(u64::MAX / 2);
                    c.open_duration = c.open_duration.min(c.max_open_duration);
                }
                // A backoff step or a jitter share that rounds away is
                // refused: raise them to the least that gains a tick.
                let least = least_permille_for_a_tick(c.open_duration);
                if c.backoff_factor > 1000 {
                    c.backoff_factor = c.backoff_factor.max(1000 + u32::from(least));
                }
                if c.jitter > 0 {
                    c.jitter = c.jitter.max(least);
                }
                c.jitter_seed = jitter_seed;
                c.probes = probes % 16 + 1;
                c.probe_successes = probe_successes % 3 + 1;
                c.probe_failures = probe_failures % 3 + 1;
                c.probe_timeout = probe_timeout.ticks();
                let steps = ramp_steps % 5;
                let mut shares: Vec<u16> = ramp.iter().map(|s| s % 999 + 1).collect();
                shares.sort_unstable();
                shares.dedup();
                shares.truncate(usize::from(steps));
                c = c.ramp(&shares, ramp_stage_duration.ticks());
                let most = 7 - c.ramp_steps;
                for (policy, (may_probe, delay)) in c.tiers.iter_mut().zip(tiers) {
                    *policy = TierPolicy::new(may_probe, delay % (most + 1));
                }
                if !c.tiers.iter().any(|t| t.may_probe) {
                    c.tiers[0].may_probe = true;
                }
                c
            }
        }
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Time {
    Same,
    Forward(u8),
    ForwardFar(u64),
    Back(u8),
    BackFar(u64),
    Zero,
    Max,
    NearMax(u8),
    To(u64),
}

impl Time {
    fn apply(self, now: u64) -> u64 {
        match self {
            Time::Same => now,
            Time::Forward(d) => now.saturating_add(u64::from(d)),
            Time::ForwardFar(d) => now.saturating_add(d),
            Time::Back(d) => now.saturating_sub(u64::from(d)),
            Time::BackFar(d) => now.saturating_sub(d),
            Time::Zero => 0,
            Time::Max => u64::MAX,
            Time::NearMax(d) => u64::MAX - u64::from(d),
            Time::To(t) => t,
        }
    }
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

#[derive(Arbitrary, Debug, Clone, Copy)]
enum ForgeryArg {
    Probe(u8),
    GenerationWrap,
    Generation(u32),
    AcquiredAt(u64),
    Grant(u8),
}

impl From<ForgeryArg> for Forgery {
    fn from(forgery: ForgeryArg) -> Forgery {
        match forgery {
            ForgeryArg::Probe(p) => Forgery::Probe(p),
            ForgeryArg::GenerationWrap => Forgery::GenerationWrap,
            ForgeryArg::Generation(g) => Forgery::Generation(g),
            ForgeryArg::AcquiredAt(t) => Forgery::AcquiredAt(t),
            ForgeryArg::Grant(g) => Forgery::Grant(g),
        }
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Kind {
    Acquire(TierArg),
    Record(u8, OutcomeArg),
    Forged(u8, ForgeryArg, OutcomeArg),
    /// A permit: reported `delay` ticks later (back if negative), or dropped.
    Call(TierArg, Option<(i8, OutcomeArg)>),
    ForceOpen,
    Disable,
    Reset,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
struct Step {
    time: Time,
    kind: Kind,
}

fn op(step: Step, now: u64) -> Op {
    match step.kind {
        Kind::Acquire(tier) => Op::Acquire {
            now,
            tier: tier.into(),
        },
        Kind::Record(pick, outcome) => Op::Record {
            pick: usize::from(pick),
            now,
            outcome: outcome.into(),
        },
        Kind::Forged(pick, forgery, outcome) => Op::Forged {
            pick: usize::from(pick),
            forgery: forgery.into(),
            now,
            outcome: outcome.into(),
        },
        Kind::Call(tier, finish) => Op::Call {
            now,
            tier: tier.into(),
            finish: finish.map(|(delay, outcome)| {
                let at = if delay < 0 {
                    now.saturating_sub(u64::from(delay.unsigned_abs()))
                } else {
                    now.saturating_add(u64::from(delay.unsigned_abs()))
                };
                (at, outcome.into())
            }),
        },
        Kind::ForceOpen => Op::ForceOpen { now },
        Kind::Disable => Op::Disable { now },
        Kind::Reset => Op::Reset { now },
    }
}

fn run<const W: usize, const B: usize>(input: &Input) {
    let config = input.config.build(W, B);
    let (broken, _) = config_violations(&config, W, B);
    let recorder = Recorder::new();
    let breaker = match Breaker::<W, B, _>::with_observer(config, &recorder) {
        Ok(breaker) if broken.is_empty() => breaker,
        Err(error) if broken.contains(&error) => return,
        result => panic!(
            "Breaker<{W}, {B}> with {config:?}: {:?}, but the rules broken are {broken:?}",
            result.map(|_| ())
        ),
    };
    let mut model = BreakerModel::new(config, W, B)
        .expect("valid")
        .tolerating(Deviations::CORE);
    let mut now = 0u64;
    for (i, &step) in input.steps.iter().enumerate() {
        now = step.time.apply(now);
        if let Err(disagreement) = model.step(&breaker, &recorder, op(step, now)) {
            panic!("Breaker<{W}, {B}>, step {i}: {disagreement}\nconfig {config:?}");
        }
    }
}

fuzz_target!(|input: Input| {
    match input.shape {
        Shape::None => run::<0, 0>(&input),
        Shape::Count1 => run::<1, 0>(&input),
        Shape::Count4 => run::<4, 0>(&input),
        Shape::Count8 => run::<8, 0>(&input),
        Shape::Time1 => run::<0, 1>(&input),
        Shape::Time3 => run::<0, 3>(&input),
        Shape::Time4 => run::<0, 4>(&input),
        Shape::Both4x3 => run::<4, 3>(&input),
        Shape::Both8x4 => run::<8, 4>(&input),
    }
});
