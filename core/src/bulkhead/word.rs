//! The state word: calls in flight and the generation, in 32 bits.
//!
//! ```text
//!  bits   0..9   calls in flight, every tier
//!         9..18  Important calls in flight
//!        18..27  Optional calls in flight
//!        27..32  generation (resets, modulo 32)
//! ```
//!
//! Essential's count is the total less the other two. Keeping the total
//! makes admission's test one mask; a call's change to the word is one
//! constant per tier ([`delta`]), added or subtracted.

use crate::tier::Tier;

/// Bits per count.
const COUNT_BITS: u32 = 9;
pub(super) const COUNT_MASK: u32 = (1 << COUNT_BITS) - 1;
const IMPORTANT_SHIFT: u32 = COUNT_BITS;
const OPTIONAL_SHIFT: u32 = 2 * COUNT_BITS;
const GENERATION_SHIFT: u32 = 3 * COUNT_BITS;

/// What one call of `tier` adds to the word: one to the total, and one
/// to its own count unless it is Essential.
#[inline]
pub(super) const fn delta(tier: Tier) -> u32 {
    match tier {
        Tier::Essential => 1,
        Tier::Important => 1 | 1 << IMPORTANT_SHIFT,
        Tier::Optional => 1 | 1 << OPTIONAL_SHIFT,
    }
}

/// Calls in flight of `tier`.
pub(super) const fn count(value: u32, tier: Tier) -> u32 {
    let important = value >> IMPORTANT_SHIFT & COUNT_MASK;
    let optional = value >> OPTIONAL_SHIFT & COUNT_MASK;
    match tier {
        Tier::Essential => total(value).wrapping_sub(important).wrapping_sub(optional),
        Tier::Important => important,
        Tier::Optional => optional,
    }
}

/// Calls in flight of every tier.
#[inline]
pub(super) const fn total(value: u32) -> u32 {
    value & COUNT_MASK
}

/// `value` with one more call of `tier`; the caller has checked the
/// total is below a cap of at most 511, so no count can carry.
#[inline]
pub(super) const fn admit(value: u32, tier: Tier) -> u32 {
    value.wrapping_add(delta(tier))
}

/// The lowest bit of each field above a count: a subtraction that
/// borrows into one took a count below zero.
const BORROWS: u32 = 1 << IMPORTANT_SHIFT | 1 << OPTIONAL_SHIFT | 1 << GENERATION_SHIFT;

/// `value` with one call of `tier` fewer, or `None` if a count it
/// changes is zero (a permit of the word's generation cannot get here:
/// its own call is counted until it releases). Three instructions: the
/// borrow into each field is `value ^ next ^ delta`. Essential's count
/// is implied, so only the total is checked for it: an Essential
/// permit held across an exact multiple of 32 resets (outside the
/// contract, see the module docs) can free another tier's slot.
#[inline]
pub(super) const fn release(value: u32, tier: Tier) -> Option<u32> {
    let delta = delta(tier);
    let next = value.wrapping_sub(delta);
    if (value ^ next ^ delta) & BORROWS != 0 {
        return None;
    }
    Some(next)
}

/// The generation, modulo 32.
#[inline]
pub(super) const fn generation(value: u32) -> u32 {
    value >> GENERATION_SHIFT
}

/// The next generation with no call in flight.
pub(super) const fn next_generation(value: u32) -> u32 {
    generation(value).wrapping_add(1) << GENERATION_SHIFT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_stay_in_their_fields() {
        // 511 calls in flight, in every mix of tiers the fields allow.
        for (e, i, o) in [(511, 0, 0), (0, 511, 0), (0, 0, 511), (170, 170, 171)] {
            let mut value = 0;
            for (tier, n) in [
                (Tier::Essential, e),
                (Tier::Important, i),
                (Tier::Optional, o),
            ] {
                for _ in 0..n {
                    value = admit(value, tier);
                }
            }
            assert_eq!(total(value), COUNT_MASK);
            assert_eq!(count(value, Tier::Essential), e);
            assert_eq!(count(value, Tier::Important), i);
            assert_eq!(count(value, Tier::Optional), o);
            assert_eq!(generation(value), 0);
            let next = next_generation(value);
            assert_eq!((total(next), generation(next)), (0, 1));
            // No count goes below zero: every tier's release of an
            // empty word is refused.
            for tier in Tier::ALL {
                assert_eq!(release(next, tier), None);
            }
        }
        let mut value = next_generation(0b11111 << GENERATION_SHIFT);
        assert_eq!(generation(value), 0, "the generation wraps at 32");
        value = admit(value, Tier::Important);
        assert_eq!(release(value, Tier::Optional), None);
        assert_eq!(release(value, Tier::Important), Some(0));
    }
}
