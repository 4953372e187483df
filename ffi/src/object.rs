//! Caller-allocated objects: how C storage becomes a Rust reference.
//!
//! A C object (`failwell_limiter_t`, ...) is opaque storage of exactly the
//! size of a [`Slot`] and at least its alignment. Init writes the value and
//! then a tag derived from the object's type and address; every other call
//! checks null, alignment and the tag before it forms a reference. So storage
//! that was never initialised, storage of another object type, and an object
//! copied (memcpy) after init are all refused with a status, not used.

use core::sync::atomic::{AtomicUsize, Ordering};

use crate::failwell_status_t::{
    self, FAILWELL_MISALIGNED, FAILWELL_NULL_POINTER, FAILWELL_UNINITIALIZED,
};

/// An object type exposed to C: its storage type and its tag seed.
pub(crate) trait Object: Sized {
    /// The opaque C struct that holds a `Slot<Self>`.
    type Storage;
    /// Distinguishes this type's tags from every other object type's.
    const MAGIC: usize;
}

/// The layout behind every opaque C object.
#[repr(C)]
pub(crate) struct Slot<T> {
    /// `tag(T, address)` once initialised; anything else before. Pointer
    /// width, so the whole address is in it and a copy is always detected.
    tag: AtomicUsize,
    value: T,
}

/// The tag an object of type `T` at `address` carries once initialised:
/// distinct for every address and every object type.
fn tag<T: Object>(address: usize) -> usize {
    T::MAGIC ^ address
}

/// Checks `storage` and returns the object it holds.
///
/// # Safety
///
/// `storage`, when not null, must point to memory valid for reads of
/// `size_of::<T::Storage>()` bytes for `'a`, not written by anything but
/// failwell calls meanwhile. (Its contents may be anything: a tag mismatch is
/// reported, not trusted.)
pub(crate) unsafe fn get<'a, T: Object>(
    storage: *const T::Storage,
) -> Result<&'a T, failwell_status_t> {
    let slot = checked::<T>(storage)?;
    // SAFETY: `checked` ensured `slot` is non-null and aligned; the caller
    // guarantees the bytes are readable for 'a. An `AtomicU32` may hold any
    // bit pattern, so reading the tag is sound whatever the storage holds.
    // (Storage reused at the address of an earlier object of the same type
    // still carries that object's tag: no tag can tell the two apart.)
    let tag_word = unsafe { &(*slot).tag };
    // Acquire: pairs with the Release store in `init`, so the value written
    // before the tag is visible once the tag is.
    if tag_word.load(Ordering::Acquire) != tag::<T>(storage as usize) {
        return Err(FAILWELL_UNINITIALIZED);
    }
    // SAFETY: the tag proves `init` wrote a valid `T` at this address, and
    // failwell only hands out shared references to it afterwards.
    Ok(unsafe { &(*slot).value })
}

/// Writes `value` into `storage` and tags it as initialised.
///
/// # Safety
///
/// `storage`, when not null, must point to memory valid for writes of
/// `size_of::<T::Storage>()` bytes that no other thread uses during the call.
pub(crate) unsafe fn init<T: Object>(
    storage: *mut T::Storage,
    value: T,
) -> Result<(), failwell_status_t> {
    let slot = checked::<T>(storage)?.cast_mut();
    // SAFETY: non-null and aligned (checked above); writable and unshared per
    // the caller's contract. `write` does not read or drop old contents.
    unsafe {
        core::ptr::write(
            slot,
            Slot {
                tag: AtomicUsize::new(0),
                value,
            },
        );
    }
    // SAFETY: `slot` now holds a valid `Slot<T>` written just above.
    let tag_word = unsafe { &(*slot).tag };
    tag_word.store(tag::<T>(storage as usize), Ordering::Release);
    Ok(())
}

/// Null and alignment checks shared by `get` and `init`.
fn checked<T: Object>(storage: *const T::Storage) -> Result<*const Slot<T>, failwell_status_t> {
    let slot = storage.cast::<Slot<T>>();
    if slot.is_null() {
        Err(FAILWELL_NULL_POINTER)
    } else if !slot.is_aligned() {
        Err(FAILWELL_MISALIGNED)
    } else {
        Ok(slot)
    }
}

/// Asserts at compile time that `$storage` has exactly the size of
/// `Slot<$ty>` and at least its alignment.
macro_rules! assert_storage_fits {
    ($ty:ty, $storage:ty) => {
        const _: () = assert!(
            core::mem::size_of::<$crate::object::Slot<$ty>>() == core::mem::size_of::<$storage>(),
            "storage size must equal the Rust object's size"
        );
        const _: () = assert!(
            core::mem::align_of::<$crate::object::Slot<$ty>>() <= core::mem::align_of::<$storage>(),
            "storage must be at least as aligned as the Rust object"
        );
    };
}
pub(crate) use assert_storage_fits;

/// Writes `value` through `out` when `out` is not null.
///
/// # Safety
///
/// `out`, when not null, must be valid for a write of `T` and aligned.
pub(crate) unsafe fn write_opt<T>(out: *mut T, value: T) {
    if !out.is_null() {
        // SAFETY: non-null, and valid and aligned per the caller's contract.
        unsafe { out.write(value) };
    }
}

/// Writes `value` through `out`, or fails when `out` is null.
///
/// # Safety
///
/// As [`write_opt`].
pub(crate) unsafe fn write_out<T>(out: *mut T, value: T) -> Result<(), failwell_status_t> {
    if out.is_null() {
        return Err(FAILWELL_NULL_POINTER);
    }
    // SAFETY: non-null here; the caller guarantees the rest.
    unsafe { write_opt(out, value) };
    Ok(())
}
