//! The arguments every C ABI takes, as the input describes them: a config
//! pointer ([`ConfigPtr`]: NULL, aligned, or unaligned), the next `now`
//! ([`Now`]), a tier ([`TierArg`], any `u32`), out-pointers ([`out_ptr`])
//! and the sentinels they start as.

use std::mem::MaybeUninit;
use std::ptr::{self, null, null_mut};

use arbitrary::Arbitrary;
use failwell_ffi::failwell_tier_t;

/// Values no call writes, to see that out-pointers are left alone.
pub const SENTINEL64: u64 = 0x0123_4567_89ab_cdef;
pub const SENTINEL32: u32 = 0x89ab_cdef;

/// A config pointer; `A` describes the config.
#[derive(Arbitrary, Debug)]
pub enum ConfigPtr<A> {
    Null,
    Aligned(A),
    /// The config at an unaligned address (1..=7 bytes past an 8-aligned
    /// one): it is only read, unaligned.
    Unaligned(A, u8),
}

/// Room for a config of type `C` wherever a [`ConfigPtr`] places it:
/// 8-aligned (and aligned for `C`), 8 bytes longer than a config.
#[repr(C, align(8))]
pub struct ConfigSpace<C> {
    _config: MaybeUninit<C>,
    _spare: [u8; 8],
}

impl<C> Default for ConfigSpace<C> {
    fn default() -> ConfigSpace<C> {
        ConfigSpace {
            _config: MaybeUninit::zeroed(),
            _spare: [0; 8],
        }
    }
}

impl<A> ConfigPtr<A> {
    /// The config `c` makes of the description, placed in `space` as this
    /// says (nowhere for NULL), and the pointer to it: what the call is
    /// passed, and what it is to read.
    pub fn place<C: Copy>(
        &self,
        space: &mut ConfigSpace<C>,
        c: impl FnOnce(&A) -> C,
    ) -> (*const C, Option<C>) {
        let (arg, offset) = match self {
            ConfigPtr::Null => return (null(), None),
            ConfigPtr::Aligned(arg) => (arg, 0),
            ConfigPtr::Unaligned(arg, offset) => (arg, 1 + usize::from(*offset) % 7),
        };
        let value = c(arg);
        // SAFETY: at most 7 bytes into `space`, which is 8 bytes longer than
        // a config, so the config's bytes stay within it.
        let at = unsafe { ptr::from_mut(space).cast::<u8>().add(offset) }.cast::<C>();
        // SAFETY: in bounds (above); an unaligned write.
        unsafe { at.write_unaligned(value) };
        (at.cast_const(), Some(value))
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
