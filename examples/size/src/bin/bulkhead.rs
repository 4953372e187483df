//! The baseline plus a `static` bulkhead with its config at run time (an
//! adaptive limit), and its whole API: `try_acquire`, the permit dropped,
//! released or reported (`success`, `latency`, `dropped`), `reset`,
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
        // Every way to end a call: released, or reported to the adaptive
        // limit (the config is data, so both algorithms are in the code).
        let now = u64::from(input::<0>());
        if let Ok(permit) = bulkhead.try_acquire(now, tier()) {
            let later = now.wrapping_add(u64::from(input::<1>()));
            let freed = match input::<2>() >> 4 & 3 {
                0 => permit.release(),
                1 => permit.success(later),
                2 => permit.latency(later, u64::from(input::<1>())),
                _ => permit.dropped(later),
            };
            output::<1>(u32::from(freed));
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
