//! What every C ABI target shares: `c_abi` (the rate limiter),
//! `c_abi_breaker` (the circuit breaker) and each primitive's target after
//! them include this directory with `#[path = "common/mod.rs"] mod common;`.
//! It is not a target itself: the fuzz crate's bins are listed in
//! `fuzz/Cargo.toml`. (`breaker_args.rs` beside it is not part of it: the
//! breaker's two targets, `breaker_model` and `c_abi_breaker`, include it on
//! their own.)
//!
//! A target brings its primitive's own logic: its `Op` enum, its shadow (a
//! reference copy built through the Rust API, [`Shadow`]), its config
//! description and the mapping to the Rust config, what each function may
//! return, and the comparisons with the shadow. The rest is here:
//!
//! - [`storage`]: the storage the objects live in, object pointers into it
//!   (NULL, a slot, misaligned) and what the target knows each slot holds
//!   (a refused pattern, arbitrary bytes, an object and its shadow); the
//!   memory operations (memcpy of a slot, a poked byte); the checks that
//!   every call refuses a NULL, misaligned, uninitialised or copied object
//!   with its status, gives on arbitrary bytes only what it may, writes no
//!   storage but its object's, and the init and snapshot rules;
//! - [`args`]: the arguments: structs passed at any alignment or as NULL
//!   ([`Buffer`], [`Place`]; configs through [`ConfigPtr`]), the clock's
//!   next step ([`Now`]), a tier ([`TierArg`], any `u32`), out-pointers and
//!   their sentinels;
//! - [`status`]: every status is known, documented for the call and named
//!   by `failwell_status_str`, and one of the things wrong with the call;
//!   what an init may return, from the library's table of statuses;
//! - [`permit`]: `failwell_permit_t`, which every primitive's door issues:
//!   holders the input addresses at any alignment, copies and forgeries,
//!   what each permit value is known to be at each address, and the checks
//!   that a door issues, marks spent and refuses permits as
//!   `ffi/src/permit.rs` does (forged, copied, spent, stale, another
//!   object's).

// Each target uses the parts its primitive needs.
#![allow(dead_code)]

pub mod args;
pub mod permit;
pub mod status;
pub mod storage;

pub use args::*;
pub use status::*;
pub use storage::*;

use arbitrary::Arbitrary;

/// A target's input: the storage's contents, then the operations.
#[derive(Arbitrary, Debug)]
pub struct Input<Op> {
    pub fill: Fill,
    pub ops: Vec<Op>,
}
