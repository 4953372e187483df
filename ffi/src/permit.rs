//! `failwell_permit_t`: the permit every primitive's C door issues for an
//! admitted call, and the checks every door makes when it comes back.
//!
//! A permit is three plain integers the caller holds: `acquired_at`, a
//! 32-bit `ticket` whose low 31 bits are the issuing primitive's own fields
//! ([`FIELDS`]: for a breaker, its generation, probe slot and grant number)
//! and whose top bit says it was reported ([`SPENT`]), and a `check`: a
//! keyed hash of the issuing object's address, the ticket and
//! `acquired_at`. So a door tells, before its primitive sees anything:
//!
//! - a permit that was never issued (uninitialised, zeroed, corrupted,
//!   forged) or was issued by another object: the check does not match,
//!   `FAILWELL_PERMIT_INVALID`;
//! - a permit struct reported already: the spent bit (with a fresh check),
//!   `FAILWELL_PERMIT_SPENT`.
//!
//! What a *copy* made before the first report does, and when a permit is
//! stale (`FAILWELL_PERMIT_STALE`), is the primitive's to say: it decides
//! from the fields [`spend`] hands it.
//!
//! The check detects mistakes, not malice: C code can write anything
//! anywhere, and the key is the same in every process.

use crate::failwell_status_t::{self, *};

/// Leave to make one call, from a `failwell_*_acquire` function: hold it
/// until the call's outcome is known, then pass it to exactly one of the
/// issuing object's report functions (for a breaker,
/// `failwell_breaker_success`, `_failure`, `_latency`, `_failure_latency`
/// or `_ignore`).
///
/// Write none of its fields. Reporting marks this struct spent, so
/// reporting it again is FAILWELL_PERMIT_SPENT. A *copy* made before the
/// first report is not marked: a copy of a breaker's closed-state permit
/// reported again counts a second time, and a copy of a probe's permit is
/// caught (FAILWELL_PERMIT_STALE) only while no newer probe holds its slot.
/// Do not report copies.
///
/// Report every permit (`failwell_breaker_ignore` if the call was
/// abandoned): a breaker's closed-state permit never reported counts
/// nowhere, but a probe's holds its probe slot until probe_timeout and then
/// counts as a failed probe. Report it when the call ends: a breaker's
/// generation in it is 20 bits, so a permit held across an exact multiple
/// of 2^20 transitions (9.7 hours of a breaker flapping with a 100 ms open
/// duration) is taken for current rather than FAILWELL_PERMIT_STALE;
/// holding one that long is outside the contract.
///
/// A permit is bound to the object (and its address) that issued it;
/// anything else is refused with FAILWELL_PERMIT_INVALID. One thread at a
/// time may use a given permit struct.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct failwell_permit_t {
    /// `now` when the call was admitted (a breaker's
    /// `failwell_breaker_success` measures the latency from it).
    pub acquired_at: u64,
    /// The issuing primitive's fields (bits 0..31; a breaker's: its
    /// generation in bits 0..20, the probe slot plus one in bits 20..25, 0
    /// for a call that is not a probe, and the probe's grant number in bits
    /// 25..31) and, once reported, the spent flag (bit 31).
    pub ticket: u32,
    /// Keyed hash of the issuing object's address, `ticket` and
    /// `acquired_at`; never 0, so a permit whose check is 0 is always
    /// refused.
    pub check: u32,
}

/// Ticket bit: reported already.
pub(crate) const SPENT: u32 = 1 << 31;
/// Ticket bits the issuing primitive fills.
pub(crate) const FIELDS: u32 = !SPENT;

/// The key of the permit check.
const PERMIT_KEY: u64 = 0x6661_696c_7765_6c6c; // "failwell"

/// A 64-bit finaliser (MurmurHash3's fmix64): every input bit affects every
/// output bit.
const fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    x ^= x >> 33;
    x = x.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    x ^ x >> 33
}

/// The check of a permit with `ticket` and `acquired_at` issued by the
/// object at `address`. Never 0, so a zeroed permit is never valid.
fn check(address: usize, ticket: u32, acquired_at: u64) -> u32 {
    // usize is at most 64 bits on every target Rust supports.
    let address = u64::try_from(address).unwrap_or(u64::MAX);
    // An odd multiplier spreads the ticket over 64 bits, one-to-one.
    let spread = u64::from(ticket).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let x = mix(mix(address ^ PERMIT_KEY ^ spread) ^ acquired_at);
    // The top half; the shift leaves 32 bits, so the conversion is exact.
    let check = u32::try_from(x >> 32).unwrap_or(u32::MAX);
    if check == 0 {
        1
    } else {
        check
    }
}

/// The permit with `fields` (masked to [`FIELDS`]) and `acquired_at`,
/// issued by the object at `address`.
pub(crate) fn issue(address: usize, fields: u32, acquired_at: u64) -> failwell_permit_t {
    let ticket = fields & FIELDS;
    failwell_permit_t {
        acquired_at,
        ticket,
        check: check(address, ticket, acquired_at),
    }
}

/// The fields and `acquired_at` of an unspent `permit` issued by the object
/// at `address`.
fn redeem(address: usize, permit: &failwell_permit_t) -> Result<(u32, u64), failwell_status_t> {
    if permit.check != check(address, permit.ticket, permit.acquired_at) {
        return Err(FAILWELL_PERMIT_INVALID);
    }
    if permit.ticket & SPENT != 0 {
        return Err(FAILWELL_PERMIT_SPENT);
    }
    Ok((permit.ticket & FIELDS, permit.acquired_at))
}

/// `permit`, marked spent (with the check that goes with it).
fn spent(address: usize, permit: &failwell_permit_t) -> failwell_permit_t {
    let ticket = permit.ticket | SPENT;
    failwell_permit_t {
        acquired_at: permit.acquired_at,
        ticket,
        check: check(address, ticket, permit.acquired_at),
    }
}

/// Reports `*permit` to the object at `address`: refuses a NULL, invalid or
/// spent permit without touching it; otherwise hands its fields and
/// `acquired_at` to `report` (the primitive's answer, `Ok` or a status
/// such as FAILWELL_PERMIT_STALE) and marks the caller's struct spent,
/// whatever that answer: a genuine permit has been used.
///
/// # Safety
///
/// `permit` must be NULL or valid for reads and writes of a
/// `failwell_permit_t` (any alignment), used by one thread at a time.
pub(crate) unsafe fn spend(
    permit: *mut failwell_permit_t,
    address: usize,
    report: impl FnOnce(u32, u64) -> Result<(), failwell_status_t>,
) -> Result<(), failwell_status_t> {
    if permit.is_null() {
        return Err(FAILWELL_NULL_POINTER);
    }
    // SAFETY: non-null, valid for reads per the contract; any bit pattern is
    // a `failwell_permit_t` (plain integers), and the read is unaligned.
    let held = unsafe { permit.read_unaligned() };
    let (fields, acquired_at) = redeem(address, &held)?;
    let answer = report(fields, acquired_at);
    // SAFETY: as the read above; the permit is the caller's, used by one
    // thread at a time per the contract.
    unsafe { permit.write_unaligned(spent(address, &held)) };
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permits_round_trip_and_are_bound_to_their_object() {
        let address = 0x1000;
        for (fields, acquired_at) in [(0, 0), (FIELDS, u64::MAX), (0x1234_5678, 1 << 40)] {
            let permit = issue(address, fields, acquired_at);
            assert_eq!(redeem(address, &permit), Ok((fields, acquired_at)));
            assert_ne!(permit.check, 0);
            let done = spent(address, &permit);
            assert_eq!(redeem(address, &done), Err(FAILWELL_PERMIT_SPENT));
            // Another object, or a flipped bit anywhere: invalid.
            assert_eq!(redeem(address + 8, &permit), Err(FAILWELL_PERMIT_INVALID));
            assert_eq!(redeem(address + 8, &done), Err(FAILWELL_PERMIT_INVALID));
            for bit in 0..32 {
                let mut bad = permit;
                bad.ticket ^= 1 << bit;
                assert_eq!(redeem(address, &bad), Err(FAILWELL_PERMIT_INVALID), "{bit}");
                let mut bad = permit;
                bad.check ^= 1 << bit;
                assert_eq!(redeem(address, &bad), Err(FAILWELL_PERMIT_INVALID), "{bit}");
            }
            for bit in 0..64 {
                let mut bad = permit;
                bad.acquired_at ^= 1 << bit;
                assert_eq!(redeem(address, &bad), Err(FAILWELL_PERMIT_INVALID), "{bit}");
            }
        }
        assert_eq!(
            redeem(address, &failwell_permit_t::default()),
            Err(FAILWELL_PERMIT_INVALID)
        );
        // The spent flag is not a field: issuing masks it off.
        assert_eq!(issue(address, u32::MAX, 0).ticket, FIELDS);
    }

    #[test]
    fn spending_marks_a_genuine_permit_whatever_the_answer() {
        let address = 0x2000;
        for answer in [Ok(()), Err(FAILWELL_PERMIT_STALE)] {
            let mut permit = issue(address, 7, 9);
            let mut seen = None;
            // SAFETY: a local permit.
            let result = unsafe {
                spend(&mut permit, address, |fields, at| {
                    seen = Some((fields, at));
                    answer
                })
            };
            assert_eq!((result, seen), (answer, Some((7, 9))));
            assert_eq!(permit.ticket & SPENT, SPENT);
            // SAFETY: as above.
            let again = unsafe { spend(&mut permit, address, |_, _| unreachable!()) };
            assert_eq!(again, Err(FAILWELL_PERMIT_SPENT));
        }
        // Invalid and NULL permits are refused untouched.
        let mut forged = failwell_permit_t::default();
        // SAFETY: as above.
        let invalid = unsafe { spend(&mut forged, address, |_, _| unreachable!()) };
        assert_eq!(invalid, Err(FAILWELL_PERMIT_INVALID));
        // SAFETY: NULL is refused before any access.
        let null = unsafe { spend(core::ptr::null_mut(), address, |_, _| unreachable!()) };
        assert_eq!(null, Err(FAILWELL_NULL_POINTER));
        assert_eq!(forged, failwell_permit_t::default());
    }
}
