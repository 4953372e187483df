//! The storage every C ABI target calls its functions on: one heap buffer
//! of `SLOTS` object-sized, aligned slots (plus a spare word, so a
//! misaligned pointer into the last slot stays in bounds), filled from the
//! input ([`Fill`]: zeroes, one repeated byte, or arbitrary bytes), with
//! what the target knows each slot holds ([`Contents`]: a pattern the C
//! tests promise is refused, arbitrary bytes, or an object initialised at
//! some slot, with the target's shadow of it); object pointers into it
//! ([`ObjPtr`]: NULL, a slot, or 1..=7 bytes past one) and what the target
//! expects of each ([`Target`]); the memory operations (memcpy of one slot
//! onto another, overwriting one byte); and the checks every function's
//! calls share: an init ([`Storage::check_init`]), the refusal of a NULL,
//! misaligned, uninitialised or copied object ([`Storage::check_call`]), a
//! snapshot ([`Storage::check_snapshot_call`]), and that a call wrote no
//! storage but its object's ([`Storage::check_writes`]).

use std::fmt::{Debug, Display};
use std::marker::PhantomData;
use std::mem::{align_of, size_of};
use std::ptr::{self, null_mut};

use arbitrary::Arbitrary;
use failwell_ffi::failwell_status_t::{self, *};

use super::status::{assert_one_of, assert_refused, check_known, Problems, OBJECT_STATUSES};

/// The storage's initial contents.
#[derive(Arbitrary, Debug)]
pub enum Fill {
    Zero,
    Byte(u8),
    /// These bytes from the start of the buffer, zeroes after them.
    Bytes(Vec<u8>),
}

/// An object pointer.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum ObjPtr {
    Null,
    Slot(u8),
    /// `offset` (1..=7) bytes past the start of a slot.
    Misaligned {
        slot: u8,
        offset: u8,
    },
}

impl ObjPtr {
    /// What is wrong with the pointer itself, whatever it points at.
    pub fn problem(self) -> Option<failwell_status_t> {
        match self {
            ObjPtr::Null => Some(FAILWELL_NULL_POINTER),
            ObjPtr::Misaligned { .. } => Some(FAILWELL_MISALIGNED),
            ObjPtr::Slot(_) => None,
        }
    }
}

/// A C object type the storage holds.
///
/// # Safety
///
/// The library writes an object of this type only whole and leaves every
/// byte of it initialised (it has no padding, or the library writes its
/// padding), so storage that starts initialised stays initialised.
pub unsafe trait CObject {}

/// The target's shadow of an object initialised at some slot.
pub trait Shadow {
    /// The slot the object was initialised at: the only address at which
    /// it is live.
    fn home(&self) -> usize;

    /// The shadow of a copy of the object (its bytes memcpy'd elsewhere).
    fn duplicate(&self) -> Self;
}

/// What the target knows a slot holds.
pub enum Contents<S> {
    /// Zeroes or one repeated byte: refused, as the C tests check.
    Pattern,
    /// Anything else the input wrote: no promise but the status lists.
    Garbage,
    /// The bytes of an object initialised at slot `shadow.home()`.
    Object(Box<S>),
}

impl<S: Shadow> Contents<S> {
    fn duplicate(&self) -> Contents<S> {
        match self {
            Contents::Pattern => Contents::Pattern,
            Contents::Garbage => Contents::Garbage,
            Contents::Object(shadow) => Contents::Object(Box::new(shadow.duplicate())),
        }
    }
}

/// What is left to check of a call once [`Storage::check_call`] has
/// checked what the storage decides.
pub enum Reached {
    /// Nothing more: the object was refused, or something else was wrong
    /// with a call on a live one.
    Checked,
    /// Arbitrary bytes: checked as [`Problems::check_unknown`] says; what
    /// else the function promises whatever the storage holds is the
    /// target's.
    Unknown,
    /// The object live at this slot, with nothing else wrong: the call is
    /// to answer as the shadow does.
    Live(usize),
}

/// What the target knows about the object an `ObjPtr` points at.
pub enum Target {
    /// Refused with this status whatever else the call says.
    Refused(failwell_status_t),
    /// Arbitrary bytes: no promise.
    Unknown,
    /// An object initialised at this address, in this slot.
    Live(usize),
}

/// The storage: `SLOTS` slots of one `O` each, and a spare word, with
/// what the target knows each slot holds (`S`: its shadow of an object).
pub struct Storage<O, S, const SLOTS: usize> {
    /// `BYTES` bytes, 8-aligned, owned (from `Box::into_raw`).
    base: *mut u8,
    contents: [Contents<S>; SLOTS],
    object: PhantomData<*mut O>,
}

impl<O, S, const SLOTS: usize> Drop for Storage<O, S, SLOTS> {
    fn drop(&mut self) {
        let words = ptr::slice_from_raw_parts_mut(self.base.cast::<u64>(), Self::WORDS);
        // SAFETY: `base` came from `Box::into_raw` of a `Box<[u64]>` of
        // WORDS words in `Storage::new` and is freed only here.
        drop(unsafe { Box::from_raw(words) });
    }
}

impl<O, S, const SLOTS: usize> Storage<O, S, SLOTS> {
    /// Bytes of one slot: one `O`.
    const SLOT_BYTES: usize = size_of::<O>();
    /// Words of storage: the slots and one spare word.
    const WORDS: usize = SLOTS * Self::SLOT_BYTES / 8 + 1;
    /// Bytes of storage.
    const BYTES: usize = Self::WORDS * 8;
}

impl<O: CObject, S: Shadow, const SLOTS: usize> Storage<O, S, SLOTS> {
    pub fn new(fill: &Fill) -> Self {
        const {
            // Slots at multiples of SLOT_BYTES from an 8-aligned base are
            // aligned, and whole words.
            assert!(align_of::<O>() <= align_of::<u64>());
            assert!(Self::SLOT_BYTES.is_multiple_of(8));
            // Slot numbers fit a `u8`.
            assert!(SLOTS > 0 && SLOTS <= 256);
        }
        let words: Box<[u64]> = vec![0; Self::WORDS].into_boxed_slice();
        let base = Box::into_raw(words).cast::<u8>();
        let mut storage = Storage {
            base,
            contents: std::array::from_fn(|_| Contents::Pattern),
            object: PhantomData,
        };
        match fill {
            Fill::Zero => {}
            Fill::Byte(byte) => {
                // SAFETY: `base` is valid for writes of BYTES bytes.
                unsafe { ptr::write_bytes(base, *byte, Self::BYTES) };
            }
            Fill::Bytes(bytes) => {
                let len = bytes.len().min(Self::BYTES);
                // SAFETY: `len` <= BYTES bytes into our own buffer, from a
                // distinct allocation.
                unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), base, len) };
                for (slot, contents) in storage.contents.iter_mut().enumerate() {
                    if slot * Self::SLOT_BYTES < len {
                        *contents = Contents::Garbage;
                    }
                }
            }
        }
        storage
    }

    /// A copy of the storage's bytes.
    pub fn bytes(&self) -> Vec<u8> {
        let mut copy = vec![0; Self::BYTES];
        // SAFETY: `base` is valid for reads of BYTES bytes, all initialised:
        // zeroed or written from the input in `new`, and since then written
        // only by `poke`, `copy` (whole slots) and the library (whole
        // objects, every byte initialised: `O: CObject`).
        unsafe { ptr::copy_nonoverlapping(self.base, copy.as_mut_ptr(), Self::BYTES) };
        copy
    }

    /// The slot an aligned, non-null `ObjPtr` points at.
    pub fn slot_of(&self, obj: ObjPtr) -> usize {
        match obj {
            ObjPtr::Slot(slot) => usize::from(slot) % SLOTS,
            _ => unreachable!("only slot pointers name a slot"),
        }
    }

    pub fn pointer(&self, obj: ObjPtr) -> *mut O {
        let offset = match obj {
            ObjPtr::Null => return null_mut(),
            ObjPtr::Slot(slot) => usize::from(slot) % SLOTS * Self::SLOT_BYTES,
            ObjPtr::Misaligned { slot, offset } => {
                usize::from(slot) % SLOTS * Self::SLOT_BYTES + 1 + usize::from(offset) % 7
            }
        };
        // SAFETY: at most (SLOTS - 1) * SLOT_BYTES + 7 bytes in, so the
        // object's SLOT_BYTES stay within the BYTES of the buffer.
        unsafe { self.base.add(offset) }.cast()
    }

    pub fn target(&self, obj: ObjPtr) -> Target {
        match obj {
            ObjPtr::Null => Target::Refused(FAILWELL_NULL_POINTER),
            ObjPtr::Misaligned { .. } => Target::Refused(FAILWELL_MISALIGNED),
            ObjPtr::Slot(slot) => {
                let slot = usize::from(slot) % SLOTS;
                match &self.contents[slot] {
                    Contents::Pattern => Target::Refused(FAILWELL_UNINITIALIZED),
                    Contents::Garbage => Target::Unknown,
                    Contents::Object(shadow) if shadow.home() == slot => Target::Live(slot),
                    // Copied here from where it was initialised.
                    Contents::Object(_) => Target::Refused(FAILWELL_UNINITIALIZED),
                }
            }
        }
    }

    /// The shadow of the object live at `slot`.
    pub fn shadow(&mut self, slot: usize) -> &mut S {
        match &mut self.contents[slot] {
            Contents::Object(shadow) => shadow,
            _ => unreachable!("only live slots have a shadow"),
        }
    }

    /// An init on `obj` (`what`) returned `status`; `config` is what the
    /// Rust API makes of its config: the config it accepts, or the status
    /// refusing it (NULL_POINTER for none, [`PlacedConfig::judge`]). With
    /// nothing wrong (the object pointer's own problem added here), the
    /// init succeeded and wrote no storage but its slot, which now holds
    /// `shadow(slot, config)`: returns that slot. Otherwise it returned one
    /// of the problems and wrote nothing.
    ///
    /// [`PlacedConfig::judge`]: super::args::PlacedConfig::judge
    pub fn check_init<R>(
        &mut self,
        before: &[u8],
        obj: ObjPtr,
        status: failwell_status_t,
        config: Result<R, failwell_status_t>,
        what: impl Display,
        shadow: impl FnOnce(usize, R) -> S,
    ) -> Option<usize> {
        match (config, obj.problem()) {
            (Ok(config), None) => {
                assert_eq!(status, FAILWELL_OK, "{what}");
                self.check_writes(before, obj, true, "init");
                let slot = self.slot_of(obj);
                self.contents[slot] = Contents::Object(Box::new(shadow(slot, config)));
                Some(slot)
            }
            (config, pointer) => {
                let problems: Vec<_> = config.err().into_iter().chain(pointer).collect();
                assert_one_of(status, &problems, &what);
                self.check_writes(before, obj, false, "a failed init");
                None
            }
        }
    }

    /// A call `what` on `obj` returned `status`; `problems` are what is
    /// wrong with its other arguments. Checks what the storage decides: an
    /// object refused (NULL, misaligned, not initialised at this address)
    /// gives its status or one of the problems; arbitrary bytes, what
    /// [`Problems::check_unknown`] allows; a live object with something
    /// else wrong, one of the problems. Returns what is left to check.
    pub fn check_call(
        &self,
        obj: ObjPtr,
        status: failwell_status_t,
        problems: &Problems,
        what: impl Display,
    ) -> Reached {
        let found = problems.found();
        match self.target(obj) {
            Target::Refused(error) => {
                assert_refused(status, error, found, format_args!("{what} on {obj:?}"));
                Reached::Checked
            }
            Target::Unknown => {
                problems.check_unknown(status, what);
                Reached::Unknown
            }
            Target::Live(slot) if problems.is_empty() => Reached::Live(slot),
            Target::Live(_) => {
                assert_one_of(status, found, what);
                Reached::Checked
            }
        }
    }

    /// memcpy of slot `from` onto slot `to`.
    pub fn copy(&mut self, from: u8, to: u8) {
        let (from, to) = (usize::from(from) % SLOTS, usize::from(to) % SLOTS);
        if from != to {
            // SAFETY: two distinct, whole slots of our buffer.
            unsafe {
                ptr::copy_nonoverlapping(
                    self.base.add(from * Self::SLOT_BYTES),
                    self.base.add(to * Self::SLOT_BYTES),
                    Self::SLOT_BYTES,
                );
            }
            self.contents[to] = self.contents[from].duplicate();
        }
    }

    /// Overwrites one byte of the storage.
    pub fn poke(&mut self, at: u16, value: u8) {
        let at = usize::from(at) % Self::BYTES;
        // SAFETY: `at` < BYTES.
        let byte = unsafe { self.base.add(at) };
        // SAFETY: in bounds (above); bytes have no invalid values.
        if unsafe { byte.read() } != value {
            // SAFETY: as above.
            unsafe { byte.write(value) };
            if let Some(contents) = self.contents.get_mut(at / Self::SLOT_BYTES) {
                *contents = Contents::Garbage;
            }
        }
    }

    /// A snapshot of `obj` returned `status`, and left the
    /// snapshot, `sentinel` before the call, as `snapshot`; its out-pointer
    /// was NULL unless `out`. Checks what holds whatever the storage holds:
    /// a status the call may return, no storage written (but, if `writes`,
    /// the object's own slot by a snapshot that returned OK: a breaker's
    /// expires time buckets), the snapshot written only with OK, a refused
    /// object or a NULL out-pointer refused with its status. Returns the
    /// slot of a live object the snapshot was written from, for the target
    /// to check it against its shadow.
    #[allow(clippy::too_many_arguments)]
    pub fn check_snapshot_call<T: PartialEq + Debug>(
        &self,
        before: &[u8],
        obj: ObjPtr,
        out: bool,
        writes: bool,
        status: failwell_status_t,
        snapshot: &T,
        sentinel: &T,
    ) -> Option<usize> {
        check_known(status, OBJECT_STATUSES);
        self.check_writes(before, obj, writes && status == FAILWELL_OK, "a snapshot");
        if status != FAILWELL_OK {
            assert_eq!(snapshot, sentinel, "{status:?} wrote the snapshot");
        }
        let mut problems = Problems::new();
        problems.pointer(out);
        match self.check_call(obj, status, &problems, "snapshot") {
            Reached::Checked | Reached::Unknown => None,
            Reached::Live(slot) => {
                assert_eq!(status, FAILWELL_OK, "snapshot of a live object");
                Some(slot)
            }
        }
    }

    /// The storage is as it was `before` a call on `obj` (`what`), or, if
    /// the call may `write`, `obj` is a slot pointer and the call wrote no
    /// storage outside that slot.
    pub fn check_writes(&self, before: &[u8], obj: ObjPtr, write: bool, what: impl Display) {
        let after = self.bytes();
        if !write {
            assert!(before == after.as_slice(), "{what} changed the storage");
            return;
        }
        assert!(matches!(obj, ObjPtr::Slot(_)), "{what} through {obj:?}");
        let slot = self.slot_of(obj);
        // Slice comparisons (one memcmp each), not a loop over bytes: far
        // cheaper under the fuzzer's comparison tracing.
        let (start, end) = (slot * Self::SLOT_BYTES, (slot + 1) * Self::SLOT_BYTES);
        assert!(
            before[..start] == after[..start] && before[end..] == after[end..],
            "{what}: a call on slot {slot} wrote storage outside it"
        );
    }
}
