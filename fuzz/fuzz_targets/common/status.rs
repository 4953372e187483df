//! The status checks every call of a C ABI target makes: the status is a
//! known `failwell_status_t`, one the function's documentation lists, named
//! by `failwell_status_str` ([`check_known`], [`check_status_str`]), and one
//! of the things wrong with the call ([`assert_refused`],
//! [`assert_one_of`]).

use std::ffi::CStr;
use std::fmt::Display;

use failwell_ffi::failwell_status_str;
use failwell_ffi::failwell_status_t::{self, *};

/// What a call that takes only an object (and plain values, or a
/// required out-pointer) may return.
pub const OBJECT_STATUSES: &[failwell_status_t] = &[
    FAILWELL_OK,
    FAILWELL_NULL_POINTER,
    FAILWELL_MISALIGNED,
    FAILWELL_UNINITIALIZED,
];

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
