//! Input descriptions the circuit breaker's targets share: `breaker_model`
//! (the Rust API against the reference model) and `c_abi_breaker` (the C
//! ABI against a Rust shadow) each include this file with
//! `#[path = "common/breaker_args.rs"] mod breaker_args;`. It is not part of
//! `common/mod.rs`, which only the C ABI targets include.

use arbitrary::Arbitrary;
use failwell::breaker::Outcome;

/// A rate in permille (`failure_rate`, `slow_call_rate`).
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Rate {
    Off,
    Half,
    All,
    Any(u16),
}

impl Rate {
    /// The rate: 0, 500, 1000, or any from 0 to `most`.
    pub fn permille(self, most: u16) -> u16 {
        match self {
            Rate::Off => 0,
            Rate::Half => 500,
            Rate::All => 1000,
            Rate::Any(rate) => rate % (most + 1),
        }
    }
}

/// A duration in ticks: short (1..=64), or huge (`u64::MAX` shifted right
/// by 0..=7).
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Duration {
    Short(u8),
    Huge(u8),
}

impl Duration {
    pub fn ticks(self) -> u64 {
        match self {
            Duration::Short(d) => u64::from(d % 64) + 1,
            Duration::Huge(d) => u64::MAX >> (d % 8),
        }
    }
}

/// A call's outcome; the latencies small (0..32 ticks, around the slow
/// thresholds the small configs have) or any.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum OutcomeArg {
    Success,
    Failure,
    Latency(u8),
    LatencyAny(u64),
    FailureLatency(u8),
    FailureLatencyAny(u64),
    Ignored,
}

impl From<OutcomeArg> for Outcome {
    fn from(outcome: OutcomeArg) -> Outcome {
        match outcome {
            OutcomeArg::Success => Outcome::Success,
            OutcomeArg::Failure => Outcome::Failure,
            OutcomeArg::Latency(latency) => Outcome::Latency(u64::from(latency % 32)),
            OutcomeArg::LatencyAny(latency) => Outcome::Latency(latency),
            OutcomeArg::FailureLatency(latency) => Outcome::FailureLatency(u64::from(latency % 32)),
            OutcomeArg::FailureLatencyAny(latency) => Outcome::FailureLatency(latency),
            OutcomeArg::Ignored => Outcome::Ignored,
        }
    }
}
