//! The baseline plus a `static` rate limiter and only `try_acquire` (the
//! admission call, as peers' `check` is measured), inputs read volatile,
//! results written volatile.
#![no_std]
#![no_main]

use cortex_m_rt::entry;

#[path = "../limiter_firmware.rs"]
mod limiter_firmware;

#[entry]
fn main() -> ! {
    loop {
        limiter_firmware::acquire();
    }
}
