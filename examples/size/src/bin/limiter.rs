//! The baseline plus a `static` rate limiter: `try_acquire` and `snapshot`
//! with inputs read volatile, results written volatile.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use failwell_size::output;

#[path = "../limiter_firmware.rs"]
mod limiter_firmware;
use limiter_firmware::{acquire, halves, FAILWELL_LIMITER};

#[entry]
fn main() -> ! {
    loop {
        let now = acquire();
        let snapshot = FAILWELL_LIMITER.snapshot(now);
        output::<2>(snapshot.essential ^ snapshot.important ^ snapshot.optional);
        let (low, high) = halves(snapshot.full_in);
        output::<3>(low ^ high);
    }
}
