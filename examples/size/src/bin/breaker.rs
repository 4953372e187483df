//! The baseline plus a `static` circuit breaker with everything: a count
//! window, a time window and an `EventRing` observer; `try_acquire` and
//! `acquire`, every outcome (success, failure, latency, ignore, a dropped
//! permit, `record`), `force_open`, `disable`, `reset`, `snapshot`, and the
//! ring drained. Inputs are read volatile, results written volatile.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use failwell::breaker::{Breaker, EventRing, Outcome, Recorded};
use failwell_size::{input, output};

#[path = "../breaker_firmware.rs"]
mod breaker_firmware;
use breaker_firmware::{halves, hot, now, rejection, tier, CONFIG, WINDOW};

/// Time buckets of the time window.
const BUCKETS: usize = 8;

/// The observer: the latest 8 transitions.
#[no_mangle]
pub static FAILWELL_EVENTS: EventRing<8> = EventRing::new();

/// The breaker: a count window, a time window, transitions to the ring.
#[no_mangle]
pub static FAILWELL_BREAKER: Breaker<WINDOW, BUCKETS, &EventRing<8>> =
    match Breaker::with_observer(CONFIG, &FAILWELL_EVENTS) {
        Ok(breaker) => breaker,
        Err(_) => panic!("invalid breaker config"), // a compile-time error
    };

#[entry]
fn main() -> ! {
    let breaker = &FAILWELL_BREAKER;
    loop {
        let now = now();
        let op = input::<2>();
        hot(breaker, now);
        // The other outcomes, through a permit and through a ticket.
        let later = now.wrapping_add(u64::from(op >> 8 & 0xFF));
        if let Ok(permit) = breaker.try_acquire(now, tier()) {
            let recorded = match op >> 1 & 3 {
                0 => permit.latency(later, u64::from(op >> 16)),
                1 => permit.ignore(later),
                _ => {
                    drop(permit);
                    Recorded::Counted
                }
            };
            output::<2>(recorded as u32);
        }
        let (status, detail) = match breaker.acquire(now, tier()) {
            Ok(ticket) => {
                let outcome = match op >> 3 & 3 {
                    0 => Outcome::Success,
                    1 => Outcome::Failure,
                    2 => Outcome::Latency(u64::from(op >> 16)),
                    _ => Outcome::Ignored,
                };
                (breaker.record(ticket, later, outcome) as u32, 0)
            }
            Err(refused) => rejection(refused),
        };
        output::<2>(status ^ halves(detail).0);
        // The operator's calls.
        match op >> 24 {
            1 => breaker.force_open(now),
            2 => breaker.disable(now),
            3 => breaker.reset(now),
            _ => {}
        }
        let s = breaker.snapshot(later);
        let windows = s.count_window.calls ^ s.count_window.failures ^ s.count_window.slow;
        let buckets = s.time_window.calls ^ s.time_window.failures ^ s.time_window.slow;
        let counters = u32::from(s.trips)
            ^ u32::from(s.ramp_stage) << 8
            ^ u32::from(s.consecutive_failures) << 16
            ^ u32::from(s.probes_in_flight)
            ^ u32::from(s.probe_successes) << 8
            ^ u32::from(s.probe_failures) << 16;
        let (low, high) = halves(s.next_transition.unwrap_or(u64::MAX));
        output::<3>(s.state as u32 ^ s.generation ^ windows ^ buckets ^ counters ^ low ^ high);
        // The application drains the ring.
        while let Some(event) = FAILWELL_EVENTS.pop() {
            let (low, high) = halves(event.at);
            output::<3>(event.from as u32 ^ (event.to as u32) << 4 ^ event.generation ^ low ^ high);
        }
        output::<3>(FAILWELL_EVENTS.dropped());
    }
}
