//! The bulkhead on a real core: one `static` bulkhead whose config is fixed
//! at compile time, shared by thread mode and the PendSV handler. Calls in
//! flight are counted in one 32-bit word: native compare-and-swap on
//! thumbv7m, portable-atomic's critical-section fallback on thumbv6m.
//!
//! | step | what happens |
//! |---|---|
//! | tiers | Optional fills its 1 slot, Important its 2, Essential the 3rd; each tier is then refused with the count and its cap |
//! | interrupt | the handler is refused while thread mode holds every slot, admitted after a release, and its release frees the slot |
//! | interleaved | 200 rounds of thread mode and the handler each taking and freeing slots; the counts stay exact |
//! | reset | a reset empties the bulkhead; the permits taken before it free nothing |

use core::cell::RefCell;

use critical_section::Mutex;
use failwell::bulkhead::{Bulkhead, Config, Permit, Policy, Rejection};
use failwell::{Fixed, Tier};

use crate::{run_in_interrupt, Checks, IrqJob};

const E: Tier = Tier::Essential;
const I: Tier = Tier::Important;
const O: Tier = Tier::Optional;

/// Three slots: Important may fill two, Optional one.
struct Slots;
impl Policy for Slots {
    const CONFIG: Config = Config::new(3).tier_shares(667, 334);
}

/// The bulkhead both contexts use.
static BULKHEAD: Bulkhead<Fixed<Slots>> = Bulkhead::fixed();

/// The handler's permit, held between its jobs.
static IRQ_PERMIT: Mutex<RefCell<Option<Permit<'static, Fixed<Slots>>>>> =
    Mutex::new(RefCell::new(None));

/// What the handler's last acquire gave: `Ok(())` or the rejection.
static IRQ_ACQUIRED: Mutex<RefCell<Option<Result<(), Rejection>>>> = Mutex::new(RefCell::new(None));

/// Run by the PendSV handler: take a slot of `tier` and keep it, or free
/// the one it keeps.
pub fn in_interrupt(acquire: Option<Tier>) {
    match acquire {
        Some(tier) => {
            let result = BULKHEAD.try_acquire(0, tier);
            critical_section::with(|cs| {
                let acquired = result.as_ref().map(|_| ()).map_err(|r| *r);
                IRQ_ACQUIRED.borrow(cs).replace(Some(acquired));
                if let Ok(permit) = result {
                    IRQ_PERMIT.borrow(cs).replace(Some(permit));
                }
            });
        }
        None => {
            let permit = critical_section::with(|cs| IRQ_PERMIT.borrow(cs).take());
            drop(permit);
        }
    }
}

/// The handler takes a slot of `tier`: what it got.
fn acquire_in_interrupt(tier: Tier) -> Option<Result<(), Rejection>> {
    run_in_interrupt(IrqJob::Bulkhead(Some(tier)));
    critical_section::with(|cs| IRQ_ACQUIRED.borrow(cs).take())
}

fn release_in_interrupt() {
    run_in_interrupt(IrqJob::Bulkhead(None));
}

fn full(in_flight: u32, cap: u32) -> Result<(), Rejection> {
    Err(Rejection::Full { in_flight, cap, limit: 3, shrinking: false })
}

fn acquired<T>(result: &Result<T, Rejection>) -> Result<(), Rejection> {
    result.as_ref().map(|_| ()).map_err(|r| *r)
}

pub fn run(c: &mut Checks) {
    c.eq("bulkhead: caps", BULKHEAD.snapshot().caps, [3, 2, 1]);
    tiers(c);
    interrupt(c);
    interleaved(c);
    reset(c);
}

fn tiers(c: &mut Checks) {
    let optional = BULKHEAD.try_acquire(0, O);
    c.eq("bulkhead: Optional fills its slot", acquired(&optional), Ok(()));
    c.eq("bulkhead: then Optional refused", acquired(&BULKHEAD.try_acquire(0, O)), full(1, 1));
    let important = BULKHEAD.try_acquire(0, I);
    c.eq("bulkhead: Important takes a 2nd", acquired(&important), Ok(()));
    c.eq("bulkhead: then Important refused", acquired(&BULKHEAD.try_acquire(0, I)), full(2, 2));
    let essential = BULKHEAD.try_acquire(0, E);
    c.eq("bulkhead: Essential takes the 3rd", acquired(&essential), Ok(()));
    c.eq("bulkhead: then Essential refused", acquired(&BULKHEAD.try_acquire(0, E)), full(3, 3));
    c.eq("bulkhead: in flight per tier", BULKHEAD.snapshot().in_flight, [1, 1, 1]);
    drop((optional, important, essential));
    c.eq("bulkhead: dropped permits free", BULKHEAD.snapshot().in_flight, [0, 0, 0]);
    c.eq("bulkhead: refusals per tier", BULKHEAD.snapshot().rejected, [1, 1, 1]);
}

fn interrupt(c: &mut Checks) {
    let held = [BULKHEAD.try_acquire(0, E), BULKHEAD.try_acquire(0, E), BULKHEAD.try_acquire(0, E)];
    c.eq("bulkhead: handler refused when full", acquire_in_interrupt(E), Some(full(3, 3)));
    let [first, ..] = held;
    drop(first);
    c.eq("bulkhead: handler admitted after a release", acquire_in_interrupt(E), Some(Ok(())));
    c.eq("bulkhead: 3 in flight, one the handler's", BULKHEAD.snapshot().in_flight, [3, 0, 0]);
    release_in_interrupt();
    c.eq("bulkhead: the handler's release frees", BULKHEAD.snapshot().in_flight, [2, 0, 0]);
}

fn interleaved(c: &mut Checks) {
    let mut wrong = 0u32;
    for round in 0..200u32 {
        let tier = Tier::ALL[(round % 3) as usize];
        let mine = BULKHEAD.try_acquire(0, tier);
        // `interrupt` dropped its permits: 0 in flight here.
        let theirs = acquire_in_interrupt(Tier::ALL[((round + 1) % 3) as usize]);
        let in_flight: u32 = BULKHEAD.snapshot().in_flight.iter().sum();
        let expected = u32::from(mine.is_ok()) + u32::from(theirs == Some(Ok(())));
        if in_flight != expected {
            wrong += 1;
        }
        release_in_interrupt();
        drop(mine);
        if BULKHEAD.snapshot().in_flight != [0, 0, 0] {
            wrong += 1;
        }
    }
    c.eq("bulkhead: 200 interleaved rounds, counts exact", wrong, 0);
}

fn reset(c: &mut Checks) {
    let old = BULKHEAD.try_acquire(0, E);
    c.eq("bulkhead: one in flight", BULKHEAD.snapshot().in_flight, [1, 0, 0]);
    BULKHEAD.reset();
    c.eq("bulkhead: reset empties it", BULKHEAD.snapshot().in_flight, [0, 0, 0]);
    let new = BULKHEAD.try_acquire(0, O);
    c.eq("bulkhead: an old permit frees nothing", old.map(Permit::release), Ok(false));
    c.eq("bulkhead: the new one still counts", BULKHEAD.snapshot().in_flight, [0, 0, 1]);
    c.eq("bulkhead: and frees its slot", new.map(Permit::release), Ok(true));
}
