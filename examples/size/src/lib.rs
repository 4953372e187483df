//! What both size firmware share, so their difference is the primitive alone:
//! the panic handler, the critical-section implementation, and the opaque
//! inputs and outputs (volatile accesses to RAM the compiler cannot reason
//! about).
#![no_std]

use core::ptr::{addr_of, addr_of_mut};

// The firmware, never the library, picks the critical-section implementation.
use cortex_m as _;

/// Words the firmware reads: a debugger or DMA could have written them.
static mut INPUT: [u32; 4] = [0; 4];

/// Words the firmware writes: a debugger or DMA could read them.
static mut OUTPUT: [u32; 4] = [0; 4];

/// Input word `I`, read volatile: unknown to the compiler.
#[inline(always)]
pub fn input<const I: usize>() -> u32 {
    // SAFETY: an in-bounds (checked at compile time), aligned address of a
    // static; a volatile read of a `u32` is valid for any contents.
    unsafe { addr_of!(INPUT[I]).read_volatile() }
}

/// Writes `value` to output word `I`, volatile: it cannot be optimised away.
#[inline(always)]
pub fn output<const I: usize>(value: u32) {
    // SAFETY: as in `input`; the firmware is single-threaded and no reference
    // to `OUTPUT` exists.
    unsafe { addr_of_mut!(OUTPUT[I]).write_volatile(value) }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {
        cortex_m::asm::nop();
    }
}
