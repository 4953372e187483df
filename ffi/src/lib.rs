//! The C ABI of failwell. See `bindings/c/failwell.h` for the generated header
//! and the README for the conventions every function follows.
//!
//! This is the one crate with `unsafe`: every pointer from C is checked for
//! null and alignment, every object for the tag its init wrote, and every
//! integer that names an enum value for range, before any of it becomes a
//! Rust reference or enum.
//!
//! The crate is `#![no_std]`: the code uses only `core`. The default feature
//! `std` links std, whose panic handler and runtime the hosted staticlib and
//! cdylib need. A no_std binary (firmware, the `cargo xtask panic-check`
//! probe) leaves it off and supplies its own `#[panic_handler]`; as cargo
//! builds a dependency with every crate type listed, such a binary builds
//! this source as an rlib (see `examples/panic-probe/ffi-rlib`).
#![no_std]
#![allow(non_camel_case_types)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        clippy::cast_possible_truncation,
        clippy::float_arithmetic,
    )
)]

#[cfg(feature = "std")]
extern crate std;

mod limiter;
mod object;
mod permit;
mod status;
mod version;
// After the limiter, so the header lists the rate limiter first.
mod breaker;

pub use breaker::*;
pub use limiter::*;
pub use permit::failwell_permit_t;
pub use status::*;
pub use version::*;

/// A priority tier as C passes it: one of the `FAILWELL_TIER_*` values.
/// Anything else is refused with `FAILWELL_INVALID_TIER`.
pub type failwell_tier_t = u32;

/// Work the system exists to do; shed last.
pub const FAILWELL_TIER_ESSENTIAL: failwell_tier_t = 0;
/// Work users notice when missing, but that can wait.
pub const FAILWELL_TIER_IMPORTANT: failwell_tier_t = 1;
/// Work dropped first under pressure.
pub const FAILWELL_TIER_OPTIONAL: failwell_tier_t = 2;

// The C values are the Rust discriminants (literals above so cbindgen can
// emit them as macros).
const _: () = assert!(FAILWELL_TIER_ESSENTIAL == failwell::Tier::Essential as u32);
const _: () = assert!(FAILWELL_TIER_IMPORTANT == failwell::Tier::Important as u32);
const _: () = assert!(FAILWELL_TIER_OPTIONAL == failwell::Tier::Optional as u32);
