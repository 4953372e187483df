//! The baseline plus a `static` circuit breaker with a count window, and only
//! its hot path: `try_acquire`, then `success` or `failure`. Inputs are read
//! volatile, results written volatile.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use failwell::breaker::Breaker;

#[path = "../breaker_firmware.rs"]
mod breaker_firmware;
use breaker_firmware::{hot, now, CONFIG, WINDOW};

/// The breaker: a count window, no time window, no observer.
#[no_mangle]
pub static FAILWELL_BREAKER: Breaker<WINDOW, 0> = match Breaker::new(CONFIG) {
    Ok(breaker) => breaker,
    Err(_) => panic!("invalid breaker config"), // a compile-time error
};

#[entry]
fn main() -> ! {
    loop {
        hot(&FAILWELL_BREAKER, now());
    }
}
