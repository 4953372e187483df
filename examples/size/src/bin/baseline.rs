//! The empty firmware: entry point, vector table, and a loop of volatile reads
//! and writes. What every primitive's firmware is measured against.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use failwell_size::{input, output};

#[entry]
fn main() -> ! {
    loop {
        output::<0>(input::<0>());
        output::<1>(input::<1>());
        output::<2>(input::<2>());
        output::<3>(input::<3>());
    }
}
