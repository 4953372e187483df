//! Reference models of failwell's primitives: deliberately simple, slow and
//! obviously right, for property tests, long-run simulations and fuzz
//! targets to compare the real primitives against.
//!
//! The C and C++ test programs live beside this crate, in `tests/c` and
//! `tests/cpp`.

pub mod breaker_model;
pub mod limiter_model;
