//! The baseline plus a `static` bulkhead whose config is fixed at compile
//! time (the smallest useful one, [`Minimal`]), and only its hot path:
//! `try_acquire`, then the permit dropped or kept. Inputs are read
//! volatile, results written volatile.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use failwell::bulkhead::Bulkhead;
use failwell::Fixed;

#[path = "../bulkhead_firmware.rs"]
mod bulkhead_firmware;
use bulkhead_firmware::{hot, Minimal};

/// The bulkhead: the config in the type, all zero (`.bss`).
#[no_mangle]
pub static FAILWELL_BULKHEAD: Bulkhead<Fixed<Minimal>> = Bulkhead::fixed();

#[entry]
fn main() -> ! {
    loop {
        hot(&FAILWELL_BULKHEAD);
    }
}
