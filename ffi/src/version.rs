//! The library version, as macros for the preprocessor and a string at run time.

use core::ffi::c_char;

/// Major version of the library this header belongs to.
pub const FAILWELL_VERSION_MAJOR: u32 = 0;
/// Minor version.
pub const FAILWELL_VERSION_MINOR: u32 = 1;
/// Patch version.
pub const FAILWELL_VERSION_PATCH: u32 = 0;

// The macros must match the crate version (a release bumps both).
const _: () = {
    /// Parses a decimal version component at compile time (0 for a
    /// non-number, which then fails the assertions below). Only ever
    /// evaluated by the compiler, where an overflow is a build error, not a
    /// run-time panic. Inside this item, which is its only user: at the top
    /// level, Rust 1.85 takes it for dead code (it does not count uses in
    /// `const _` items).
    #[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
    const fn parse(text: &str) -> u32 {
        let bytes = text.as_bytes();
        let mut value: u32 = 0;
        let mut i = 0;
        while i < bytes.len() {
            let digit = bytes[i];
            if !digit.is_ascii_digit() {
                return 0;
            }
            value = value * 10 + (digit - b'0') as u32;
            i += 1;
        }
        value
    }

    assert!(FAILWELL_VERSION_MAJOR == parse(env!("CARGO_PKG_VERSION_MAJOR")));
    assert!(FAILWELL_VERSION_MINOR == parse(env!("CARGO_PKG_VERSION_MINOR")));
    assert!(FAILWELL_VERSION_PATCH == parse(env!("CARGO_PKG_VERSION_PATCH")));
};

/// The library version as a static, NUL-terminated "MAJOR.MINOR.PATCH".
/// Compare with the `FAILWELL_VERSION_*` macros to catch a header/library mismatch.
#[no_mangle]
pub extern "C" fn failwell_version() -> *const c_char {
    const VERSION: &core::ffi::CStr = match core::ffi::CStr::from_bytes_with_nul(
        concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes(),
    ) {
        Ok(version) => version,
        Err(_) => c"invalid",
    };
    VERSION.as_ptr()
}
