//! `failwell_permit_t`, the permit every primitive's C door issues for an
//! admitted call and spends when the call is reported (`ffi/src/permit.rs`).
//!
//! [`Permits`] holds the `HOLDERS` permit structs the input addresses
//! ([`PermitPtr`]: NULL, or a holder passed at any alignment), copies and
//! forges them ([`Forgery`]), and remembers every permit value the library
//! issued or marked spent, and at which slot ([`Known`]). It checks what
//! every door promises of a permit:
//!
//! - a call writes nothing around the permit;
//! - an acquire writes a fresh permit (`acquired_at = now`, no spent bit)
//!   when it admits, the empty permit (all zeroes) when the primitive
//!   refuses, and nothing otherwise ([`check_issued`]);
//! - a report that takes a permit (OK, or another answer of the primitive,
//!   such as a breaker's PERMIT_STALE) marks it spent (same `acquired_at`,
//!   the ticket plus the spent bit); any other leaves it alone; the empty
//!   permit is never taken nor spent ([`check_spent`]);
//! - on a live object: a permit reported already is PERMIT_SPENT; one
//!   issued or spent by an object at another address (another slot, or the
//!   same object memcpy'd elsewhere) is PERMIT_INVALID; one issued here is
//!   taken; a forged one (never issued here) is PERMIT_INVALID, or, if its
//!   check was guessed, taken at its word, or PERMIT_SPENT if it carries the
//!   spent bit ([`Permits::judge`]). The check is a keyed hash that "detects
//!   mistakes, not malice", and libFuzzer's comparison tracing can learn the
//!   expected check from the library's own comparison.
//!
//! What a taken permit stands for (a breaker's ticket) is the primitive's:
//! `T` in [`Known`], decoded from the ticket's low 31 bits by the target.

use std::collections::HashMap;
use std::fmt::Debug;
use std::mem::size_of;

use arbitrary::Arbitrary;
use failwell_ffi::failwell_permit_t;
use failwell_ffi::failwell_status_t::{self, *};

use super::args::{Buffer, Plain};

/// The ticket's spent bit (bit 31), as `failwell_permit_t` documents it;
/// the other 31 bits are the issuing primitive's.
pub const SPENT: u32 = 1 << 31;

/// Permit structs the input addresses.
pub const HOLDERS: usize = 4;

// A permit is 16 bytes of plain integers: no padding.
const _: () = assert!(size_of::<failwell_permit_t>() == 16);
// SAFETY: three integers, no padding (asserted above): any bits are a permit.
unsafe impl Plain for failwell_permit_t {}

/// A permit pointer: NULL, or one of the holders at any alignment.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum PermitPtr {
    Null,
    Holder { holder: u8, offset: u8 },
}

/// A permit holder, passed `offset` (0..=7) bytes past an 8-aligned address.
#[derive(Debug, Clone, Copy)]
pub struct Holder {
    pub index: usize,
    pub offset: usize,
}

impl PermitPtr {
    /// The holder, or `None` for NULL.
    pub fn resolve(self) -> Option<Holder> {
        match self {
            PermitPtr::Null => None,
            PermitPtr::Holder { holder, offset } => Some(Holder {
                index: usize::from(holder) % HOLDERS,
                offset: usize::from(offset) % 8,
            }),
        }
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Forgery {
    /// Every field arbitrary.
    Raw {
        acquired_at: u64,
        ticket: u32,
        check: u32,
    },
    /// One of the permit's 128 bits flipped.
    Flip(u8),
    /// All zeroes: the empty permit of a refusal.
    Zero,
    /// The spent bit set, the check left as it was.
    SetSpent,
    /// The spent bit cleared, the check left as it was.
    ClearSpent,
    /// The ticket replaced, the other fields left as they were.
    Ticket(u32),
    /// `acquired_at` replaced, the other fields left as they were.
    AcquiredAt(u64),
}

impl Forgery {
    fn apply(self, permit: failwell_permit_t) -> failwell_permit_t {
        let mut permit = permit;
        match self {
            Forgery::Raw {
                acquired_at,
                ticket,
                check,
            } => {
                permit = failwell_permit_t {
                    acquired_at,
                    ticket,
                    check,
                }
            }
            Forgery::Flip(bit) => {
                let bit = u32::from(bit) % 128;
                match bit {
                    0..64 => permit.acquired_at ^= 1 << bit,
                    64..96 => permit.ticket ^= 1 << (bit - 64),
                    _ => permit.check ^= 1 << (bit - 96),
                }
            }
            Forgery::Zero => permit = failwell_permit_t::default(),
            Forgery::SetSpent => permit.ticket |= SPENT,
            Forgery::ClearSpent => permit.ticket &= !SPENT,
            Forgery::Ticket(ticket) => permit.ticket = ticket,
            Forgery::AcquiredAt(acquired_at) => permit.acquired_at = acquired_at,
        }
        permit
    }
}

/// A permit value the library handed out at some address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Known<T> {
    /// Issued (by an acquire) for this ticket; valid until reported.
    Issued(T),
    /// Written back by a report: reporting it is PERMIT_SPENT.
    Spent,
}

/// A permit as a map key.
type PermitKey = (u64, u32, u32);

fn key(permit: &failwell_permit_t) -> PermitKey {
    (permit.acquired_at, permit.ticket, permit.check)
}

/// A permit a call was passed: what the holder held before the call, and
/// what the call left there.
#[derive(Clone, Copy, Debug)]
pub struct Passed {
    pub held: failwell_permit_t,
    pub written: failwell_permit_t,
}

/// An acquire's permit, whatever the storage holds: the acquire at `now`
/// returned `status`, OK (it admitted the call and issued a permit) or,
/// with `refused`, a refusal of the primitive's (the permit is written
/// empty). `passed` is `None` for a NULL permit pointer.
pub fn check_issued(passed: Option<Passed>, status: failwell_status_t, refused: bool, now: u64) {
    let written = passed.map(|passed| passed.written);
    if status == FAILWELL_OK {
        let written = written.expect("admitted: the permit is not NULL");
        assert_eq!(
            written.acquired_at, now,
            "admitted: acquired_at must be now"
        );
        assert_eq!(
            written.ticket & SPENT,
            0,
            "admitted: a fresh permit {written:?}"
        );
    } else if refused {
        assert_eq!(
            written,
            Some(failwell_permit_t::default()),
            "{status:?}: the permit must be written empty"
        );
    } else if let Some(Passed { held, written }) = passed {
        assert_eq!(held, written, "{status:?} wrote the permit");
    }
}

/// A report's permit, whatever the storage holds: the report returned
/// `status`; `taken` are the statuses with which a door takes (and
/// spends) a genuine permit: OK and the primitive's answers. `passed`
/// is `None` for a NULL permit pointer.
pub fn check_spent(passed: Option<Passed>, status: failwell_status_t, taken: &[failwell_status_t]) {
    if taken.contains(&status) {
        let Passed { held, written } = passed.expect("reported: the permit is not NULL");
        assert_eq!(
            (written.acquired_at, written.ticket),
            (held.acquired_at, held.ticket | SPENT),
            "{status:?}: the permit {held:?} must be marked spent"
        );
        assert_eq!(held.ticket & SPENT, 0, "{status:?} for {held:?}");
        assert_ne!(
            held,
            failwell_permit_t::default(),
            "{status:?} for the empty permit"
        );
    } else if let Some(Passed { held, written }) = passed {
        assert_eq!(held, written, "{status:?} wrote the permit");
    }
    if let Some(Passed { held, .. }) = passed {
        if held == failwell_permit_t::default() {
            assert!(
                !taken.contains(&status) && status != FAILWELL_PERMIT_SPENT,
                "{status:?} for the permit {held:?}, which no door issues"
            );
        }
    }
}

/// The permit holders, and every permit value the library issued or marked
/// spent, per slot address it was issued at (`SLOTS` of them). Permanent:
/// a re-init at the same address does not tell old permits apart (as the
/// inits document). `T`: what a permit stands for, the primitive's ticket.
pub struct Permits<T, const SLOTS: usize> {
    holders: [failwell_permit_t; HOLDERS],
    known: HashMap<PermitKey, [Option<Known<T>>; SLOTS]>,
}

impl<T: Copy + Debug + PartialEq, const SLOTS: usize> Permits<T, SLOTS> {
    pub fn new() -> Self {
        Permits {
            holders: [failwell_permit_t::default(); HOLDERS],
            known: HashMap::new(),
        }
    }

    /// Copies holder `from` onto holder `to`.
    pub fn copy(&mut self, from: u8, to: u8) {
        self.holders[usize::from(to) % HOLDERS] = self.holders[usize::from(from) % HOLDERS];
    }

    /// Overwrites a holder.
    pub fn forge(&mut self, holder: u8, forgery: Forgery) {
        let holder = usize::from(holder) % HOLDERS;
        self.holders[holder] = forgery.apply(self.holders[holder]);
    }

    /// Calls `call` with a pointer to `holder`'s permit, copied into a
    /// buffer at the holder's offset (NULL for no holder); checks the call
    /// wrote nothing around the permit, and keeps what it left in the
    /// holder. Returns the call's status and the permit it was passed.
    pub fn pass(
        &mut self,
        holder: Option<Holder>,
        call: impl FnOnce(*mut failwell_permit_t) -> failwell_status_t,
    ) -> (failwell_status_t, Option<Passed>) {
        let Some(Holder { index, offset }) = holder else {
            return (call(std::ptr::null_mut()), None);
        };
        let held = self.holders[index];
        let mut buffer = Buffer::holding(held, offset);
        let status = call(buffer.pointer());
        buffer.check_outside(format_args!("{status:?}"));
        let written = buffer.read();
        self.holders[index] = written;
        (status, Some(Passed { held, written }))
    }

    /// Remembers that `permit` is `known` at `slot`: what it was before, if
    /// anything, it must still be.
    pub fn learn(&mut self, slot: usize, permit: &failwell_permit_t, known: Known<T>) {
        let entry = self
            .known
            .entry(key(permit))
            .or_insert_with(|| [None; SLOTS]);
        if let Some(before) = entry[slot] {
            assert_eq!(
                before, known,
                "permit {permit:?} at slot {slot} was {before:?} and is now {known:?}"
            );
        }
        entry[slot] = Some(known);
    }

    /// A report with the permit `held` on the object live at `slot`, with
    /// nothing else wrong, returned `status`; `taken` as in
    /// [`check_spent`]. Checks the status against what is known of
    /// the permit, here and at the other slots; returns what it is known to
    /// be here.
    pub fn judge(
        &self,
        slot: usize,
        held: &failwell_permit_t,
        status: failwell_status_t,
        taken: &[failwell_status_t],
    ) -> Option<Known<T>> {
        let known = self.known.get(&key(held));
        let here = known.and_then(|known| known[slot]);
        let elsewhere = known.is_some_and(|known| {
            known
                .iter()
                .enumerate()
                .any(|(i, k)| i != slot && k.is_some())
        });
        match here {
            Some(Known::Spent) => assert_eq!(
                status, FAILWELL_PERMIT_SPENT,
                "a permit reported already, {held:?}, reported again"
            ),
            Some(Known::Issued(_)) => assert!(
                taken.contains(&status),
                "a permit issued here, {held:?}: {status:?}"
            ),
            None if elsewhere => assert_eq!(
                status, FAILWELL_PERMIT_INVALID,
                "a permit of an object at another address, {held:?}"
            ),
            // Forged: refused, or (the check guessed) taken at its word.
            None => match status {
                FAILWELL_PERMIT_INVALID => {}
                FAILWELL_PERMIT_SPENT => assert_ne!(
                    held.ticket & SPENT,
                    0,
                    "PERMIT_SPENT for {held:?}, without the spent bit"
                ),
                _ => assert!(
                    taken.contains(&status),
                    "report of a forged permit {held:?}: {status:?}"
                ),
            },
        }
        here
    }

    /// A report took the permit `passed` on the object live at `slot`: the
    /// permit held stands for `ticket` there (it was issued for it, or was
    /// forged and taken at its word), and what the report left is spent.
    pub fn spent(&mut self, slot: usize, passed: Passed, ticket: T) {
        self.learn(slot, &passed.held, Known::Issued(ticket));
        self.learn(slot, &passed.written, Known::Spent);
    }
}
