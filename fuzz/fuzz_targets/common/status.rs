//! The status checks every call of a C ABI target makes: the status is a
//! known `failwell_status_t`, one the function's documentation lists, named
//! by `failwell_status_str` ([`check_known`], [`check_status_str`]), and one
//! of the things wrong with the call ([`Problems`], [`assert_refused`],
//! [`assert_one_of`]). What an init may return comes from the library's own
//! table of statuses ([`init_statuses`]), not from a copy of it.

use std::ffi::CStr;
use std::fmt::Display;

use failwell::Tier;
use failwell_ffi::failwell_status_t::{self, *};
use failwell_ffi::{failwell_status_str, failwell_tier_t};

/// What a call that takes only an object (and plain values, or a
/// required out-pointer) may return.
pub const OBJECT_STATUSES: &[failwell_status_t] = &[
    FAILWELL_OK,
    FAILWELL_NULL_POINTER,
    FAILWELL_MISALIGNED,
    FAILWELL_UNINITIALIZED,
];

/// What an init may return, as `failwell_*_init` documents it: OK, NULL
/// (object or config), MISALIGNED, or a config status: one of the
/// primitive's own block of config statuses, which starts at `first` (the
/// rate limiter's FAILWELL_CONFIG_ZERO_RATE, the breaker's
/// FAILWELL_CONFIG_NO_TRIP_POLICY) and runs to the first value that is not
/// a status, or FAILWELL_CONFIG_INVALID. The block is read from the
/// library's table (`failwell_status_t::from_u32`, `ffi/src/status.rs`), so
/// a status added to it is known here at once, and another primitive's
/// block stays out.
pub fn init_statuses(first: failwell_status_t) -> Vec<failwell_status_t> {
    let first = first as u32;
    assert!(
        (200..299).contains(&first),
        "{first} is not a config status"
    );
    let block = (first..).map_while(failwell_status_t::from_u32);
    [FAILWELL_OK, FAILWELL_NULL_POINTER, FAILWELL_MISALIGNED]
        .into_iter()
        .chain(block)
        .chain([FAILWELL_CONFIG_INVALID])
        .collect()
}

/// The call `what` on an object the target knows is refused with `error`
/// returned that, or another of its `problems`.
pub fn assert_refused(
    status: failwell_status_t,
    error: failwell_status_t,
    problems: &[failwell_status_t],
    what: impl Display,
) {
    assert!(
        status == error || problems.contains(&status),
        "{what}: {status:?}, expected {error:?} or one of {problems:?}"
    );
}

/// `status` is one of `problems`, the things wrong with the call `what`.
pub fn assert_one_of(
    status: failwell_status_t,
    problems: &[failwell_status_t],
    what: impl Display,
) {
    assert!(
        problems.contains(&status),
        "{what}: {status:?}, expected one of {problems:?}"
    );
}

/// What is wrong with a call's arguments besides its object pointer: the
/// statuses it is to return one of (`found`), and every status only a
/// wrong argument of the call gives, found or not (`argument_errors`).
#[derive(Debug, Default)]
pub struct Problems {
    found: Vec<failwell_status_t>,
    argument_errors: Vec<failwell_status_t>,
}

impl Problems {
    /// None yet.
    pub fn new() -> Problems {
        Problems::default()
    }

    /// A tier argument: the Rust tier, or INVALID_TIER for any other `u32`.
    pub fn tier(&mut self, tier: failwell_tier_t) -> Option<Tier> {
        let rust = Tier::from_u32(tier);
        self.argument(rust.is_none(), FAILWELL_INVALID_TIER);
        rust
    }

    /// A required pointer: NULL_POINTER unless `passed`.
    pub fn pointer(&mut self, passed: bool) {
        if !passed {
            self.found.push(FAILWELL_NULL_POINTER);
        }
    }

    /// Another argument, refused with `error` (e.g. a cost of 0,
    /// FAILWELL_ZERO_COST) when `wrong`.
    pub fn argument(&mut self, wrong: bool, error: failwell_status_t) {
        self.argument_errors.push(error);
        if wrong {
            self.found.push(error);
        }
    }

    pub fn found(&self) -> &[failwell_status_t] {
        &self.found
    }

    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    /// A call `what` on arbitrary bytes at an aligned, non-null address:
    /// with nothing else wrong, neither pointer refusal nor any argument
    /// error; otherwise one of the problems, or not initialised.
    pub fn check_unknown(&self, status: failwell_status_t, what: impl Display) {
        if self.is_empty() {
            assert!(
                !matches!(status, FAILWELL_NULL_POINTER | FAILWELL_MISALIGNED)
                    && !self.argument_errors.contains(&status),
                "{what} on aligned storage, nothing else wrong: {status:?}"
            );
        } else {
            assert!(
                status == FAILWELL_UNINITIALIZED || self.found.contains(&status),
                "{what} on aligned storage: {status:?}, expected UNINITIALIZED or one of {:?}",
                self.found
            );
        }
    }
}

/// `status` is a known value, one of `allowed`, and has a name.
pub fn check_known(status: failwell_status_t, allowed: &[failwell_status_t]) {
    let value = status as u32;
    assert_eq!(
        failwell_status_t::from_u32(value),
        Some(status),
        "status {value} is not a failwell_status_t"
    );
    assert!(
        allowed.contains(&status),
        "{status:?} is not documented for this call"
    );
    check_status_str(value);
}

/// `failwell_status_str(value)`: never NULL, a non-empty C string, "unknown
/// status" exactly for values that are not a status.
pub fn check_status_str(value: u32) {
    let name = failwell_status_str(value);
    assert!(
        !name.is_null(),
        "failwell_status_str({value}) returned NULL"
    );
    // SAFETY: non-null; the library promises a static, NUL-terminated string.
    let name = unsafe { CStr::from_ptr(name) }.to_bytes();
    assert!(!name.is_empty(), "failwell_status_str({value}) is empty");
    let known = failwell_status_t::from_u32(value).is_some();
    assert_eq!(
        name == b"unknown status",
        !known,
        "failwell_status_str({value}) = {:?}",
        String::from_utf8_lossy(name)
    );
}
