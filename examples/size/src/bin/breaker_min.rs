//! The baseline plus a `static` circuit breaker whose config is fixed at
//! compile time: the smallest useful breaker ([`Minimal`]: failures in a row, half-open probes), and only its hot path: `try_acquire`, then
//! `success` or `failure`. Inputs are read volatile, results written
//! volatile.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use failwell::breaker::Breaker;
use failwell::Fixed;

#[path = "../breaker_firmware.rs"]
mod breaker_firmware;
#[allow(unused_imports)]
use breaker_firmware::{hot, now, Minimal, WINDOW};

/// The breaker: no observer, the config in the type.
#[no_mangle]
pub static FAILWELL_BREAKER: Breaker<0, 0, (), Fixed<Minimal>> = Breaker::fixed();

#[entry]
fn main() -> ! {
    loop {
        hot(&FAILWELL_BREAKER, now());
    }
}
