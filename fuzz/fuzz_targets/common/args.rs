//! The arguments every C ABI takes, as the input describes them: a struct
//! passed at any alignment or as NULL ([`Buffer`], [`Place`]; a config
//! through [`ConfigPtr`]), the next `now` ([`Now`]), a tier ([`TierArg`],
//! any `u32`), out-pointers ([`out_ptr`]) and the sentinels they start as.

use std::any::type_name;
use std::fmt::{Debug, Display};
use std::marker::PhantomData;
use std::mem::size_of;
use std::ptr::{self, null_mut};
use std::slice;

use arbitrary::Arbitrary;
use failwell_ffi::failwell_status_t;
use failwell_ffi::failwell_status_t::FAILWELL_NULL_POINTER;
use failwell_ffi::failwell_tier_t;

/// Values no call writes, to see that out-pointers are left alone.
pub const SENTINEL64: u64 = 0x0123_4567_89ab_cdef;
pub const SENTINEL32: u32 = 0x89ab_cdef;

/// A C struct of plain integers (and arrays of them): every bit pattern is
/// a value, so one can be read from whatever bytes a buffer holds.
///
/// # Safety
///
/// Every bit pattern of the type's size is a valid value of it.
pub unsafe trait Plain: Copy + Debug {}

/// A pointer the library reads or writes at any alignment.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Place {
    Null,
    Aligned,
    /// 1..=7 bytes past an 8-aligned address.
    Unaligned(u8),
}

impl Place {
    /// The offset into an 8-aligned buffer, or `None` for NULL.
    pub fn offset(self) -> Option<usize> {
        match self {
            Place::Null => None,
            Place::Aligned => Some(0),
            Place::Unaligned(offset) => Some(1 + usize::from(offset) % 7),
        }
    }
}

/// A `T` passed `offset` (0..=7) bytes into a buffer of 8-aligned heap
/// words, two more than the `T` takes (so at least 9 bytes follow it): what
/// the library is given for a config, a permit or an out-struct at any
/// alignment. Every byte starts as a sentinel, so [`Buffer::check_outside`]
/// sees a call that wrote around the `T`.
pub struct Buffer<T> {
    /// Two words more than a `T` takes.
    words: Box<[u64]>,
    offset: usize,
    value: PhantomData<T>,
}

impl<T: Plain> Buffer<T> {
    /// Words of the buffer.
    const WORDS: usize = size_of::<T>().div_ceil(8) + 2;

    /// A buffer of sentinels, its `T` `offset` (0..=7) bytes in.
    pub fn new(offset: usize) -> Buffer<T> {
        assert!(offset < 8, "offset {offset}");
        Buffer {
            words: vec![SENTINEL64; Self::WORDS].into_boxed_slice(),
            offset,
            value: PhantomData,
        }
    }

    /// A buffer holding `value`, `offset` (0..=7) bytes in.
    pub fn holding(value: T, offset: usize) -> Buffer<T> {
        let mut buffer = Buffer::<T>::new(offset);
        // SAFETY: the `T` at the offset is within the buffer (`pointer`); an
        // unaligned write.
        unsafe { buffer.pointer().write_unaligned(value) };
        buffer
    }

    /// The pointer to the `T`: `offset` bytes into the words, which stay
    /// where they are (on the heap) while the buffer lives.
    pub fn pointer(&mut self) -> *mut T {
        // SAFETY: `offset` <= 7 bytes into the words, and a `T` after it
        // ends within them: WORDS is two more than a `T` takes.
        unsafe { self.words.as_mut_ptr().cast::<u8>().add(self.offset) }.cast()
    }

    /// The `T` the buffer holds now.
    pub fn read(&self) -> T {
        // SAFETY: within the words (as in `pointer`), every byte of which is
        // initialised (a sentinel, a `T` written here or by the library),
        // and any bytes are a `T` (`T: Plain`); an unaligned read.
        unsafe {
            self.words
                .as_ptr()
                .cast::<u8>()
                .add(self.offset)
                .cast::<T>()
                .read_unaligned()
        }
    }

    /// The call `what` wrote nothing around the `T`: every byte there is
    /// still the sentinel it started as.
    pub fn check_outside(&self, what: impl Display) {
        let bytes = Self::WORDS * 8;
        let end = self.offset + size_of::<T>();
        let sentinel = SENTINEL64.to_ne_bytes();
        let expected: Vec<u8> = (0..bytes).map(|i| sentinel[i % 8]).collect();
        let base = self.words.as_ptr().cast::<u8>();
        // SAFETY: the bytes before and after the `T`, within the words
        // (`pointer`), initialised: sentinels, or bytes a call wrote there.
        // Slices, so the comparison is one memcmp each.
        let (before, after) = unsafe {
            (
                slice::from_raw_parts(base, self.offset),
                slice::from_raw_parts(base.add(end), bytes - end),
            )
        };
        assert!(
            before == &expected[..self.offset] && after == &expected[end..],
            "{what} wrote outside the {}",
            type_name::<T>()
        );
    }
}

/// A config pointer; `A` describes the config.
#[derive(Arbitrary, Debug)]
pub enum ConfigPtr<A> {
    Null,
    Aligned(A),
    /// The config at an unaligned address (1..=7 bytes past an 8-aligned
    /// one): it is only read, unaligned.
    Unaligned(A, u8),
}

/// A config as an init is passed it: NULL, or the config an input
/// described, in a buffer at the offset the input chose.
pub struct PlacedConfig<C> {
    buffer: Option<Buffer<C>>,
    config: Option<C>,
}

impl<A> ConfigPtr<A> {
    /// The config `c` makes of the description, placed as this says
    /// (nowhere for NULL).
    pub fn place<C: Plain>(&self, c: impl FnOnce(&A) -> C) -> PlacedConfig<C> {
        let (arg, offset) = match self {
            ConfigPtr::Null => {
                return PlacedConfig {
                    buffer: None,
                    config: None,
                }
            }
            ConfigPtr::Aligned(arg) => (arg, 0),
            ConfigPtr::Unaligned(arg, offset) => (arg, 1 + usize::from(*offset) % 7),
        };
        let config = c(arg);
        PlacedConfig {
            buffer: Some(Buffer::holding(config, offset)),
            config: Some(config),
        }
    }
}

impl<C: Plain> PlacedConfig<C> {
    /// The pointer the init is passed: NULL, or into the buffer, which
    /// lives as long as `self`.
    pub fn pointer(&mut self) -> *const C {
        self.buffer
            .as_mut()
            .map_or(null_mut(), Buffer::pointer)
            .cast_const()
    }

    /// What the Rust API makes of the config (`rust`: the accepted config,
    /// or the status refusing it), or NULL_POINTER for no config.
    pub fn judge<R>(
        &self,
        rust: impl FnOnce(&C) -> Result<R, failwell_status_t>,
    ) -> Result<R, failwell_status_t> {
        self.config
            .as_ref()
            .map_or(Err(FAILWELL_NULL_POINTER), rust)
    }
}

/// The next `now`, from the previous one.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Now {
    Same,
    Forward(u16),
    Back(u16),
    Zero,
    Max,
    NearMax(u16),
    To(u64),
}

impl Now {
    pub fn apply(self, now: u64) -> u64 {
        match self {
            Now::Same => now,
            Now::Forward(d) => now.saturating_add(u64::from(d)),
            Now::Back(d) => now.saturating_sub(u64::from(d)),
            Now::Zero => 0,
            Now::Max => u64::MAX,
            Now::NearMax(d) => u64::MAX - u64::from(d),
            Now::To(t) => t,
        }
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum TierArg {
    Essential,
    Important,
    Optional,
    Any(u32),
}

impl TierArg {
    pub fn c(self) -> failwell_tier_t {
        match self {
            TierArg::Essential => 0,
            TierArg::Important => 1,
            TierArg::Optional => 2,
            TierArg::Any(value) => value,
        }
    }
}

/// An out-pointer to `value`, or NULL unless `pass`.
pub fn out_ptr<T>(value: &mut T, pass: bool) -> *mut T {
    if pass {
        ptr::from_mut(value)
    } else {
        null_mut()
    }
}
