//! The baseline plus a `static` bulkhead with its config at run time, and
//! its whole API: `try_acquire`, the permit dropped or released, `reset`,
//! `snapshot`. Inputs are read volatile, results written volatile.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use failwell::bulkhead::Bulkhead;
use failwell_size::{input, output};

#[path = "../bulkhead_firmware.rs"]
mod bulkhead_firmware;
use bulkhead_firmware::{hot, tier, CONFIG};

/// The bulkhead: its config is data in the `static`.
#[no_mangle]
pub static FAILWELL_BULKHEAD: Bulkhead = match Bulkhead::new(CONFIG) {
    Ok(bulkhead) => bulkhead,
    Err(_) => panic!("invalid bulkhead config"), // a compile-time error
};

#[entry]
fn main() -> ! {
    let bulkhead = &FAILWELL_BULKHEAD;
    loop {
        hot(bulkhead);
        if let Ok(permit) = bulkhead.try_acquire(0, tier()) {
            output::<1>(u32::from(permit.release()));
        }
        if input::<2>() >> 8 == 1 {
            bulkhead.reset();
        }
        let s = bulkhead.snapshot();
        let [e, i, o] = s.in_flight;
        let [re, ri, ro] = s.rejected;
        let [ce, ci, co] = s.caps;
        output::<2>(e ^ i << 9 ^ o << 18 ^ s.generation << 27 ^ s.limit);
        output::<3>(re ^ ri ^ ro ^ ce ^ ci << 9 ^ co << 18);
    }
}
