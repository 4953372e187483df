//! failwell: resilience primitives that keep a system failing well.
//!
//! The core is `#![no_std]`, allocation-free, panic-free and uses no floating
//! point. It never reads a clock: every time-dependent call takes `now`, in
//! ticks of the caller's monotonic clock, and durations in configs use the
//! same unit (see [`time`]).
//!
//! Primitives:
//! - [`RateLimiter`]: a GCRA rate limiter with priority [`Tier`]s, whose
//!   whole state is one 64-bit word.
//! - [`breaker::Breaker`]: a circuit breaker with count and time windows,
//!   probes and a gradual recovery ramp.
//! - [`bulkhead::Bulkhead`]: a concurrency limit per dependency with tier
//!   shares, fixed or adaptive (AIMD, latency gradient).
//!
//! The breaker and the bulkhead take their config at run time or fixed at
//! compile time ([`Fixed`]), so firmware pays only for the policies it uses.
//!
//! ```
//! use failwell::{RateLimiter, LimiterConfig, Rejection, Tier};
//!
//! // 100 requests per 1_000 ticks, bursts of up to 20; the last 5 tokens
//! // are kept for Essential work, the 5 before them for Important work.
//! static LIMITER: RateLimiter = match RateLimiter::new(
//!     LimiterConfig::new(100, 1_000, 20).with_reserve(5, 5),
//! ) {
//!     Ok(limiter) => limiter,
//!     Err(_) => panic!("invalid limiter config"), // a compile-time error for a static
//! };
//!
//! let now = 0;
//! assert!(LIMITER.try_acquire(now, 1, Tier::Optional).is_ok());
//! match LIMITER.try_acquire(now, 50, Tier::Essential) {
//!     Err(Rejection::CostExceedsCapacity) => assert_eq!(LIMITER.capacity(Tier::Essential), 20),
//!     other => unreachable!("{other:?}"),
//! }
//! ```
#![no_std]
// The core never panics: no shortcut that could, outside unit tests.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        clippy::cast_possible_truncation,
        clippy::float_arithmetic,
    )
)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(any(feature = "std", test))]
extern crate std;

/// `const fn` except under loom, whose atomics have no `const` constructors.
macro_rules! const_unless_loom {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($args:tt)*) -> $ret:ty $body:block) => {
        #[cfg(not(loom))]
        $(#[$meta])* $vis const fn $name($($args)*) -> $ret $body
        #[cfg(loom)]
        $(#[$meta])* $vis fn $name($($args)*) -> $ret $body
    };
}

mod arith;
#[macro_use]
pub mod fixed;
pub mod breaker;
pub mod bulkhead;
pub mod limiter;
mod sync;
mod tier;
pub mod time;

pub use fixed::Fixed;
pub use limiter::{LimiterConfig, LimiterConfigError, RateLimiter, Rejection, Snapshot};
pub use tier::Tier;

#[cfg(test)]
mod tests {
    /// `cargo xtask test` runs the core's tests twice, without and with the
    /// `std` feature, and names the one it means in `FAILWELL_TEST_STD`: a
    /// feature another crate unifies in (or one left out) fails here instead
    /// of running the same tests twice. Without the variable, any run passes.
    #[test]
    fn std_feature_is_what_the_run_expects() {
        let Some(expected) = std::env::var_os("FAILWELL_TEST_STD") else {
            return;
        };
        let expected = expected == "1";
        assert_eq!(
            cfg!(feature = "std"),
            expected,
            "failwell's tests run with feature `std` {} but FAILWELL_TEST_STD asks for it {}",
            if cfg!(feature = "std") { "on" } else { "off" },
            if expected { "on" } else { "off" },
        );
    }
}

/// The README's Rust examples, compiled and run as doc tests (`cargo test`).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeExamples;
