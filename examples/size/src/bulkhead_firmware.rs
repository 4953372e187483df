//! The part of the bulkhead firmware that is the same: the config, the
//! inputs they read and the hot path (acquire, then release).
//! Included by both binaries with `#[path]`; each defines its own `static`
//! bulkhead under the same symbol, `FAILWELL_BULKHEAD`, so `cargo xtask
//! size` reads its size from the binary (`nm -S`).

// Each binary uses a part.
#![allow(dead_code)]

use failwell::bulkhead::{Bulkhead, Config, ConfigSource, Policy, Rejection};
use failwell::Tier;
use failwell_size::{input, output};

/// 16 calls in flight, adapted between 4 and 64 by the latency gradient;
/// Important may fill 85 %, Optional 60 %. The config of the run-time
/// bulkhead is data in its `static`, which the compiler cannot see through:
/// the code handles a fixed limit, AIMD and the gradient.
pub const CONFIG: Config = Config::new(16)
    .tier_shares(850, 600)
    .gradient(4, 64, 200, 4, 600)
    .window(50, 1_000);

/// The smallest useful bulkhead, its config fixed at compile time: 4 calls
/// in flight, Optional may fill half.
pub struct Minimal;
impl Policy for Minimal {
    const CONFIG: Config = Config::new(4).tier_shares(1000, 500);
}

/// A tier from input 3.
#[inline(always)]
pub fn tier() -> Tier {
    Tier::from_u32(input::<3>()).unwrap_or(Tier::Optional)
}

/// The hot path: `try_acquire`, then the permit dropped (its slot freed)
/// unless input 2's low bit keeps it; what happened goes to output 0.
#[inline(always)]
pub fn hot<C: ConfigSource>(bulkhead: &Bulkhead<C>) {
    let status = match bulkhead.try_acquire(0, tier()) {
        Ok(permit) if input::<2>() & 1 == 0 => {
            drop(permit);
            0
        }
        Ok(permit) => {
            // Kept: the slot stays taken (a call still running).
            core::mem::forget(permit);
            1
        }
        Err(Rejection::Full { in_flight, .. }) => 2 ^ in_flight << 2,
        Err(_) => 3,
    };
    output::<0>(status);
}
